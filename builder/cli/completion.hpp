// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Shell completion scripts generated from the command-line definition (cli_model.hpp):
// commands, options, fixed value sets, machine profiles (asked of `imgbuild completion
// --machines` when Tab is pressed) and files by type.

#include "cli/cli_model.hpp"

#include <string>
#include <vector>

namespace imgbuild::cli {

std::string bash_completion(const std::vector<CommandSpec>& commands);
std::string zsh_completion(const std::vector<CommandSpec>& commands);

}  // namespace imgbuild::cli
