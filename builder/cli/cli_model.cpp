// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cli_model.hpp"
#include "cli/commands.hpp"
#include "preseed/questions.hpp"

namespace imgbuild::cli {

namespace {

// "{i386,amd64}" inside a CLI11 type name ("TEXT:{i386,amd64}", set by CLI::IsMember).
std::vector<std::string> choices_in(const std::string& type_name) {
  std::vector<std::string> choices;
  auto open = type_name.find('{');
  auto close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return choices;
  std::string item;
  for (char c : type_name.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      choices.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  if (!item.empty()) choices.push_back(item);
  return choices;
}

OptionSpec describe_option(const CLI::Option& option) {
  OptionSpec spec;
  for (const auto& name : option.get_lnames()) spec.names.push_back("--" + name);
  for (const auto& name : option.get_snames()) spec.names.push_back("-" + name);
  if (spec.names.empty()) spec.positional = option.get_name(true);
  spec.description = option.get_description();
  if (option.get_expected_max() == 0) return spec;  // a flag
  spec.repeatable = option.get_expected_max() > 1;
  const std::string type = option.get_type_name();
  const std::string head = type.substr(0, type.find(':'));
  spec.choices = choices_in(type);
  if (head == k_type_iso) spec.kind = ValueKind::Iso;
  else if (head == k_type_preseed) spec.kind = ValueKind::Preseed;
  else if (head == k_type_dir) spec.kind = ValueKind::Dir;
  else if (head == k_type_file) spec.kind = ValueKind::File;
  else if (head == k_type_machine) spec.kind = ValueKind::Machine;
  else if (head == k_type_release) {
    spec.kind = ValueKind::Release;
    spec.choices = preseed::known_releases();
  } else if (!spec.choices.empty()) spec.kind = ValueKind::Choice;
  else spec.kind = ValueKind::Text;
  return spec;
}

CommandSpec describe_command(const CLI::App& app) {
  CommandSpec command;
  command.name = app.get_parent() ? app.get_name() : "";
  command.description = app.get_description();
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    OptionSpec spec = describe_option(*option);
    (spec.names.empty() ? command.positionals : command.options).push_back(std::move(spec));
  }
  return command;
}

}  // namespace

std::vector<CommandSpec> describe_cli(const CLI::App& app) {
  std::vector<CommandSpec> commands{describe_command(app)};
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    commands.push_back(describe_command(*sub));
  return commands;
}

}  // namespace imgbuild::cli
