// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "remaster/lint_run.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

// Parsing only: the options fill the request, remaster/lint_run.cpp does the rest.
void register_lint(CLI::App& app, Action& action) {
  auto args = std::make_shared<remaster::LintRequest>();
  auto* command = app.add_subcommand(
      "lint", "check a preseed against the questions of an installer release: exit 0 clean, "
              "1 problems found, 2 bad input");
  command->add_option("preseed", args->file, "preseed file")->required()->type_name(k_type_preseed);
  command->add_option("--release", args->release, "installer release: etch, lenny, bookworm, trixie")
      ->type_name(k_type_release);
  command->add_option("--base", args->base,
                      "base ISO: questions from its installer's templates, release from .disk/info")
      ->type_name(k_type_iso);
  command->add_option("--hosts", args->hosts,
                      "inventory (CSV): checked, and each host's preseed (this file + its answers + its fragment) linted")
      ->type_name(k_type_file);
  command->add_flag("--errors-only", args->errors_only, "print and count errors only");
  command->add_flag("--json", args->json, "one JSON document: the diagnostics and their counts");
  command->callback([&action, args] { action = [args] { return remaster::run_lint(*args, std::cout, std::cerr); }; });
}

}  // namespace imgbuild::cli
