// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The command line: one file per subcommand (cmd_<name>.cpp), each adding itself to the
// CLI11 app. This layer only parses options and calls the modules; it holds no logic of
// its own beyond choosing an exit status.

#include <CLI/CLI.hpp>

#include <functional>

namespace imgbuild::cli {

// What a parsed subcommand runs; returns the process exit status.
using Action = std::function<int()>;

void register_build(CLI::App& app, Action& action);
void register_inspect(CLI::App& app, Action& action);
void register_manifest(CLI::App& app, Action& action);
void register_diff(CLI::App& app, Action& action);
void register_verify(CLI::App& app, Action& action);
void register_lint(CLI::App& app, Action& action);
void register_inspect_disk(CLI::App& app, Action& action);
void register_deploy(CLI::App& app, Action& action);
void register_serve(CLI::App& app, Action& action);
void register_emulate(CLI::App& app, Action& action);
// `completion bash|zsh`: a script generated from `app` itself (all of it, so register last).
void register_completion(CLI::App& app, Action& action);

// Value types named in --help and read by the completion generator (cli_model.hpp):
// files by kind, directories, machine profiles, installer releases.
inline constexpr const char* k_type_iso = "ISO";
inline constexpr const char* k_type_preseed = "PRESEED";
inline constexpr const char* k_type_dir = "DIR";
inline constexpr const char* k_type_file = "FILE";
inline constexpr const char* k_type_machine = "MACHINE";
inline constexpr const char* k_type_release = "RELEASE";

}  // namespace imgbuild::cli
