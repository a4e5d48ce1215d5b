// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace imgbuild::cli {

void register_lint(CLI::App& app, Action& action) {
  auto* command = app.add_subcommand("lint", "(not implemented yet)");
  command->callback([&action] {
    action = [] () -> int { throw Error("lint", "not implemented yet", "", 2); };
  });
}

}  // namespace imgbuild::cli
