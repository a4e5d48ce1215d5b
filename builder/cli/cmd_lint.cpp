// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "fleet/inventory.hpp"
#include "fleet/lint_hosts.hpp"
#include "iso/reader.hpp"
#include "preseed/lint.hpp"
#include "remaster/disc_questions.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <iostream>
#include <memory>
#include <optional>

namespace imgbuild::cli {

namespace {

struct LintArgs {
  std::string file;
  std::string release;
  std::string base;
  std::string hosts;
  bool errors_only = false;
  bool json = false;
};

int run_lint(const LintArgs& args) {
  std::string release = args.release;
  std::unique_ptr<iso::Reader> disc;
  if (!args.base.empty()) {
    disc = std::make_unique<iso::Reader>(args.base);
    if (release.empty()) {
      release = remaster::disc_release(*disc);
      if (release.empty())
        std::cerr << "imgbuild lint: " << args.base
                  << ": release not recognised from .disk/info; release checks skipped (give --release)\n";
    }
  } else if (release.empty()) {
    throw Error(args.file, "which installer is it for?",
                "give --release etch|lenny|bookworm|trixie or --base ISO");
  }
  if (!release.empty()) preseed::builtin_questions(release);  // validates the name early

  // A malformed inventory is bad input (exit 2), like a malformed preseed.
  std::optional<fleet::Inventory> inventory;
  if (!args.hosts.empty()) inventory = fleet::read_inventory(args.hosts);

  std::string text = util::read_small_file(args.file, 16u << 20, "preseed");
  preseed::Preseed parsed = preseed::parse(text, args.file);
  preseed::QuestionSet questions =
      disc ? remaster::disc_questions(*disc, release) : preseed::builtin_questions(release);

  preseed::LintOptions options;
  options.release = release;
  auto diagnostics = preseed::lint(parsed, questions, options);
  if (inventory) {
    auto per_host = fleet::lint_hosts(*inventory, text, args.file, questions, options);
    diagnostics.insert(diagnostics.end(), per_host.begin(), per_host.end());
  }
  int errors = 0, warnings = 0;
  for (const auto& d : diagnostics) {
    if (d.severity == preseed::Severity::error) ++errors; else ++warnings;
    if (args.json || (args.errors_only && d.severity != preseed::Severity::error)) continue;
    std::cout << preseed::format(d) << "\n";
  }
  if (args.json)
    std::cout << util::json_text(preseed::lint_to_json(args.file, release, questions, diagnostics, args.errors_only));
  std::cerr << args.file << ": " << errors << " error(s), " << warnings << " warning(s) against "
            << questions.origin << " (" << questions.size() << " questions)\n";
  if (args.errors_only) return errors ? 1 : 0;
  return diagnostics.empty() ? 0 : 1;
}

}  // namespace

void register_lint(CLI::App& app, Action& action) {
  auto args = std::make_shared<LintArgs>();
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
  command->callback([&action, args] { action = [args] { return run_lint(*args); }; });
}

}  // namespace imgbuild::cli
