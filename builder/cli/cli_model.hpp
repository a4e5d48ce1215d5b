// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The command line as data, read off the CLI11 app: what the completion scripts offer and
// what the man-page test checks the pages against.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace imgbuild::cli {

// What an option's value (or a positional argument) is, for completion.
enum class ValueKind { None, Text, Choice, Iso, Preseed, File, Dir, Machine, Release };

struct OptionSpec {
  std::vector<std::string> names;  // "--output", "-o"; empty for a positional
  std::string positional;          // its name, for a positional
  std::string description;
  ValueKind kind = ValueKind::None;  // None: a flag
  std::vector<std::string> choices;  // for Choice (and Release: the known releases)
  bool repeatable = false;           // may be given more than once
};

struct CommandSpec {
  std::string name;  // empty for the top level
  std::string description;
  std::vector<OptionSpec> options;      // named options, --help included
  std::vector<OptionSpec> positionals;  // in order
};

// The top level first, then every visible subcommand in registration order.
std::vector<CommandSpec> describe_cli(const CLI::App& app);

}  // namespace imgbuild::cli
