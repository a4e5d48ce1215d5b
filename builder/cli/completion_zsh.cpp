// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/completion.hpp"

#include <sstream>

namespace imgbuild::cli {

namespace {

// Text inside a single-quoted zsh word and an _arguments [description]: no quote, no
// brackets, no colon (which would end the description's field).
std::string description_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else if (c == '[') out += '(';
    else if (c == ']') out += ')';
    else if (c == ':') out += ',';
    else out += c;
  }
  return out;
}

std::string action(const OptionSpec& spec) {
  std::string choices;
  for (const auto& c : spec.choices) choices += (choices.empty() ? "" : " ") + c;
  switch (spec.kind) {
    case ValueKind::Iso: return "_files -g \"*.iso(-.)\"";
    case ValueKind::Preseed: return "_files -g \"*.cfg(-.)\"";
    case ValueKind::File: return "_files";
    case ValueKind::Dir: return "_files -/";
    case ValueKind::Machine: return "_imgbuild_machines";
    case ValueKind::Choice:
    case ValueKind::Release: return "(" + choices + ")";
    case ValueKind::Text:
    case ValueKind::None: return " ";
  }
  return " ";
}

std::string value_name(const OptionSpec& spec) {
  if (!spec.positional.empty()) return spec.positional;
  std::string name = spec.names.front();
  return name.substr(name.find_first_not_of('-'));
}

// One _arguments spec word per option: '(-o --output)'{-o,--output}'[...]:output:_files'.
std::string option_spec(const OptionSpec& spec) {
  std::string names, exclusion;
  for (const auto& n : spec.names) {
    names += (names.empty() ? "" : ",") + n;
    exclusion += (exclusion.empty() ? "" : " ") + n;
  }
  std::string head = spec.repeatable ? "'*'" : spec.names.size() > 1 ? "'(" + exclusion + ")'" : "";
  std::string word = spec.names.size() > 1 ? head + "{" + names + "}" : head + spec.names.front();
  word += "'[" + description_text(spec.description) + "]";
  if (spec.kind != ValueKind::None) word += ":" + value_name(spec) + ":" + action(spec);
  return word + "'";
}

}  // namespace

std::string zsh_completion(const std::vector<CommandSpec>& commands) {
  std::ostringstream out;
  out << R"SH(#compdef imgbuild
# zsh completion for imgbuild. Generated from imgbuild's command-line definition by
# `imgbuild completion zsh`: do not edit, regenerate.

# The machine profiles the installed imgbuild knows (its data directory, read now), and
# profile files by path.
_imgbuild_machines() {
    local -a names
    names=(${(f)"$(${words[1]} completion --machines 2>/dev/null)"})
    _alternative "machines:machine profile:(${names[*]})" 'files:profile file:_files -g "*.(conf|toml)(-.)"'
}

_imgbuild() {
    local curcontext=$curcontext state line ret=1
    typeset -A opt_args
    _arguments -C \
)SH";
  const CommandSpec& top = commands.front();
  for (const auto& option : top.options) out << "        " << option_spec(option) << " \\\n";
  out << "        '1: :->command' '*:: :->args' && ret=0\n";
  out << "    case $state in\n        command)\n            local -a commands\n            commands=(\n";
  for (std::size_t i = 1; i < commands.size(); ++i)
    out << "                '" << commands[i].name << ":" << description_text(commands[i].description) << "'\n";
  out << "            )\n            _describe -t commands 'imgbuild command' commands && ret=0 ;;\n";
  out << "        args)\n            curcontext=${curcontext%:*:*}:imgbuild-$line[1]:\n            case $line[1] in\n";
  for (std::size_t i = 1; i < commands.size(); ++i) {
    out << "                " << commands[i].name << ")\n                    _arguments -s";
    for (const auto& option : commands[i].options) out << " \\\n                        " << option_spec(option);
    for (std::size_t p = 0; p < commands[i].positionals.size(); ++p) {
      const OptionSpec& positional = commands[i].positionals[p];
      out << " \\\n                        '" << (p + 1) << ":" << value_name(positional) << ":" << action(positional)
          << "'";
    }
    out << " && ret=0 ;;\n";
  }
  out << R"SH(            esac ;;
    esac
    return ret
}

_imgbuild "$@"
)SH";
  return out.str();
}

}  // namespace imgbuild::cli
