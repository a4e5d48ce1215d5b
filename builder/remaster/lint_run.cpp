// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/lint_run.hpp"

#include "fleet/inventory.hpp"
#include "fleet/lint_hosts.hpp"
#include "iso/reader.hpp"
#include "preseed/lint.hpp"
#include "remaster/disc_questions.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_document.hpp"

#include <memory>
#include <optional>

namespace imgbuild::remaster {

int run_lint(const LintRequest& request, std::ostream& out, std::ostream& err) {
  std::string release = request.release;
  std::unique_ptr<iso::Reader> disc;
  if (!request.base.empty()) {
    disc = std::make_unique<iso::Reader>(request.base);
    if (release.empty()) {
      release = disc_release(*disc);
      if (release.empty())
        err << "imgbuild lint: " << request.base
            << ": release not recognised from .disk/info; release checks skipped (give --release)\n";
    }
  } else if (release.empty()) {
    throw Error(request.file, "which installer is it for?",
                "give --release etch|lenny|bookworm|trixie or --base ISO");
  }
  if (!release.empty()) preseed::builtin_questions(release);  // validates the name early

  // A malformed inventory is bad input (exit 2), like a malformed preseed.
  std::optional<fleet::Inventory> inventory;
  if (!request.hosts.empty()) inventory = fleet::read_inventory(request.hosts);

  std::string text = util::read_small_file(request.file, 16u << 20, "preseed");
  preseed::Preseed parsed = preseed::parse(text, request.file);
  preseed::QuestionSet questions = disc ? disc_questions(*disc, release) : preseed::builtin_questions(release);

  preseed::LintOptions options;
  options.release = release;
  auto diagnostics = preseed::lint(parsed, questions, options);
  if (inventory) {
    auto per_host = fleet::lint_hosts(*inventory, text, request.file, questions, options);
    diagnostics.insert(diagnostics.end(), per_host.begin(), per_host.end());
  }
  int errors = 0, warnings = 0;
  for (const auto& d : diagnostics) {
    if (d.severity == preseed::Severity::error) ++errors; else ++warnings;
    if (request.json || (request.errors_only && d.severity != preseed::Severity::error)) continue;
    out << preseed::format(d) << "\n";
  }
  if (request.json)
    out << util::json_text(preseed::lint_to_json(request.file, release, questions, diagnostics, request.errors_only));
  err << request.file << ": " << errors << " error(s), " << warnings << " warning(s) against "
      << questions.origin << " (" << questions.size() << " questions)\n";
  if (request.errors_only) return errors ? 1 : 0;
  return diagnostics.empty() ? 0 : 1;
}

}  // namespace imgbuild::remaster
