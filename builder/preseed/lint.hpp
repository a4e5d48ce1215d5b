// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild lint`: the mistakes that make an installer ignore a preseed line or stop at a
// question, checked against the questions of the installer release on the disc.

#include "preseed/preseed.hpp"
#include "preseed/questions.hpp"
#include "util/json_document.hpp"

#include <string>
#include <vector>

namespace imgbuild::preseed {

enum class Severity { error, warning };

struct Diagnostic {
  std::string file;
  int line = 0;  // 0: about the file as a whole (e.g. a question nothing answers)
  Severity severity = Severity::error;
  std::string message;
  std::string hint;  // what to do; may be empty
};

struct LintOptions {
  // "etch", "lenny", "bookworm", "trixie" (known_releases()): selects the release
  // pitfalls. Empty: no release-specific checks.
  std::string release;
};

// All diagnostics, in line order (file-level ones last).
std::vector<Diagnostic> lint(const Preseed& preseed, const QuestionSet& questions,
                             const LintOptions& options);

// "FILE:LINE: severity: message (hint)"; "FILE: severity: ..." when line is 0.
std::string format(const Diagnostic& diagnostic);

bool has_errors(const std::vector<Diagnostic>& diagnostics);

// `lint --json`: {"file", "release" (null when none), "questions": {"origin", "count"},
// "errors", "warnings", "diagnostics": [{"file", "line", "severity", "message", "hint"}]};
// the counts cover every diagnostic, the list only errors when `errors_only`.
util::Json lint_to_json(const std::string& file, const std::string& release, const QuestionSet& questions,
                        const std::vector<Diagnostic>& diagnostics, bool errors_only);

}  // namespace imgbuild::preseed
