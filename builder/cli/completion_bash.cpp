// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/completion.hpp"

#include <sstream>

namespace imgbuild::cli {

namespace {

std::string join(const std::vector<std::string>& items, const char* separator = " ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// The bash words that complete one value of this kind (COMPREPLY is set by the caller).
std::string complete_value(const OptionSpec& spec) {
  switch (spec.kind) {
    case ValueKind::Iso: return "_imgbuild_files iso";
    case ValueKind::Preseed: return "_imgbuild_files cfg";
    case ValueKind::File: return "_imgbuild_files";
    case ValueKind::Dir: return "_imgbuild_dirs";
    case ValueKind::Machine: return "_imgbuild_machines";
    case ValueKind::Choice:
    case ValueKind::Release: return "_imgbuild_words '" + join(spec.choices) + "'";
    case ValueKind::Text:
    case ValueKind::None: return "";
  }
  return "";
}

// "build:-o|build:--output": a case pattern without extglob (off unless bash-completion
// turned it on, and needed already when the function is defined).
std::string alternatives(const std::string& command, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : "|") + command + ":" + name;
  return out;
}

}  // namespace

std::string bash_completion(const std::vector<CommandSpec>& commands) {
  std::ostringstream out;
  out << R"SH(# bash completion for imgbuild. Generated from imgbuild's command-line definition by
# `imgbuild completion bash`: do not edit, regenerate.
# Works with or without the bash-completion package.

_imgbuild_words() { mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur"); }
_imgbuild_dirs() {
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
}
# Files ending in .$1 (any file without $1), and directories to descend into.
_imgbuild_files() {
    compopt -o filenames 2>/dev/null
    if [[ -n ${1:-} ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X "!*.$1" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}
# The machine profiles the installed imgbuild knows (its data directory, read now), and
# profile files by path.
_imgbuild_machines() {
    local names
    names=$("${COMP_WORDS[0]}" completion --machines 2>/dev/null)
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur"
        if [[ $cur == */* || $cur == .* ]]; then
            compgen -d -- "$cur"; compgen -f -X '!*.conf' -- "$cur"; compgen -f -X '!*.toml' -- "$cur"
        fi)
}

_imgbuild() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev= cword=$COMP_CWORD
    COMPREPLY=()
    # --opt=value: bash splits at '=' (COMP_WORDBREAKS)
    if [[ $cur == = ]]; then cur=; prev=${COMP_WORDS[cword-1]}
    elif (( cword > 1 )) && [[ ${COMP_WORDS[cword-1]} == = ]]; then prev=${COMP_WORDS[cword-2]}
    elif (( cword > 0 )); then prev=${COMP_WORDS[cword-1]}
    fi
    local command= i word positional=0 skip=0
    for ((i = 1; i < cword; i++)); do
        word=${COMP_WORDS[i]}
        if (( skip )); then skip=0; continue; fi
        [[ $word == = ]] && continue
        case $command:$word in
)SH";
  // Which words are commands, which options take a value (their value is skipped when
  // counting positionals).
  std::vector<std::string> names;
  for (std::size_t i = 1; i < commands.size(); ++i) names.push_back(commands[i].name);
  out << "            " << alternatives("", names) << ") command=$word ;;\n";
  for (const auto& command : commands) {
    std::vector<std::string> valued;
    for (const auto& option : command.options)
      if (option.kind != ValueKind::None) valued.insert(valued.end(), option.names.begin(), option.names.end());
    if (!valued.empty()) out << "            " << alternatives(command.name, valued) << ") skip=1 ;;\n";
  }
  out << R"SH(            *:-*) ;;
            *) [[ -n $command ]] && ((positional++)) ;;
        esac
    done

    case $command:$prev in
)SH";
  for (const auto& command : commands)
    for (const auto& option : command.options) {
      std::string action = complete_value(option);
      if (option.kind == ValueKind::None) continue;
      out << "        " << alternatives(command.name, option.names) << ") "
          << (action.empty() ? "" : action + "; ") << "return ;;\n";
    }
  out << "    esac\n\n    case $command in\n";
  for (const auto& command : commands) {
    std::vector<std::string> options;
    for (const auto& option : command.options) options.insert(options.end(), option.names.begin(), option.names.end());
    out << "        " << (command.name.empty() ? "''" : command.name) << ")\n";
    out << "            if [[ $cur == -* ]]; then _imgbuild_words '" << join(options) << "'; return; fi\n";
    if (command.name.empty()) {
      out << "            _imgbuild_words '" << join(names) << "' ;;\n";
      continue;
    }
    out << "            case $positional in\n";
    for (std::size_t i = 0; i < command.positionals.size(); ++i) {
      std::string action = complete_value(command.positionals[i]);
      bool last = i + 1 == command.positionals.size();
      out << "                " << (last ? "*" : std::to_string(i)) << ") " << (action.empty() ? ":" : action)
          << " ;;\n";
    }
    out << "            esac ;;\n";
  }
  out << R"SH(    esac
}
complete -F _imgbuild imgbuild
)SH";
  return out.str();
}

}  // namespace imgbuild::cli
