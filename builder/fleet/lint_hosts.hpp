// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild lint --hosts`: each host's preseed as the installer will read it (the image's
// preseed, then the host's netcfg answers, then the host's own fragment) checked against
// the release, with every diagnostic pointed back at the file and line it comes from.

#include "fleet/inventory.hpp"
#include "preseed/lint.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::fleet {

// Diagnostics that belong to the hosts: lines of a host's fragment (named by the
// fragment's path and line), lines of the generated answers (named by the inventory row),
// and whole-file findings that only the host's merged preseed has (named by the row).
// What the image's own preseed says on its own is left to the ordinary lint of that file.
// Reads the fragments; throws Error naming a fragment that is unreadable or not UTF-8.
std::vector<preseed::Diagnostic> lint_hosts(const Inventory& inventory, std::string_view preseed_text,
                                            const std::string& preseed_file,
                                            const preseed::QuestionSet& questions,
                                            const preseed::LintOptions& options);

}  // namespace imgbuild::fleet
