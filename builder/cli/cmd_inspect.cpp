// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "remaster/describe.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

void register_inspect(CLI::App& app, Action& action) {
  struct Args {
    std::string iso;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand("inspect", "describe an image: volume, boot setup, installers, preseed, build id");
  command->add_option("iso", args->iso, "the ISO image")->required()->type_name(k_type_iso);
  command->add_flag("--json", args->json, "machine-readable output");
  command->callback([args, &action] {
    action = [args]() -> int {
      auto description = remaster::describe(args->iso);
      std::cout << (args->json ? remaster::format_json(description) : remaster::format_text(description));
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
