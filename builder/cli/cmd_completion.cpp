// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cli_model.hpp"
#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "util/error.hpp"
#include "vm/profile.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

void register_completion(CLI::App& app, Action& action) {
  struct Args {
    std::string shell;
    bool machines = false;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand("completion", "print the bash or zsh completion script for imgbuild");
  command->add_option("shell", args->shell, "bash or zsh")->check(CLI::IsMember({"bash", "zsh"}));
  command->add_flag("--machines", args->machines,
                    "print the machine profile names verify --machine knows, one per line (the scripts call this)");
  command->callback([args, &action, &app] {
    action = [args, &app]() -> int {
      if (args->machines) {
        for (const auto& name : vm::available_machine_profiles()) std::cout << name << "\n";
        return 0;
      }
      if (args->shell.empty()) throw Error("completion", "which shell?", "give bash or zsh");
      auto commands = describe_cli(app);
      std::cout << (args->shell == "bash" ? bash_completion(commands) : zsh_completion(commands));
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
