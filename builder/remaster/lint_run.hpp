// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild lint` as a whole: which questions to check against (the base disc's own, or a
// release's shipped list), the inventory's hosts, the printing and the exit status. Here
// rather than in preseed/ because a disc's questions and an inventory are read by the
// iso, initrd and fleet modules that preseed/ does not know.

#include <ostream>
#include <string>

namespace imgbuild::remaster {

struct LintRequest {
  std::string file;     // the preseed
  std::string release;  // etch, lenny, bookworm, trixie; empty: from --base's .disk/info
  std::string base;     // base ISO, optional
  std::string hosts;    // inventory (CSV), optional
  bool errors_only = false;
  bool json = false;
};

// Prints the diagnostics to `out` (one per line, or one JSON document with `json`) and the
// counts and notes to `err`. Returns the exit status: 0 clean, 1 problems found (errors
// only, with `errors_only`). Bad input (no release known, a malformed preseed or
// inventory, an unreadable disc) throws Error before anything is printed.
int run_lint(const LintRequest& request, std::ostream& out, std::ostream& err);

}  // namespace imgbuild::remaster
