// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The machine-readable forms of what inspect-disk (and verify, after an installation)
// finds: the disk's facts and the verdicts of an expectation profile. Field names are part
// of imgbuild's interface (docs/json.md).

#include "inspect/expect.hpp"
#include "inspect/facts.hpp"
#include "util/json_document.hpp"

#include <string>
#include <vector>

namespace imgbuild::inspect {

util::Json facts_to_json(const DiskFacts& facts);
// [{"item": ..., "ok": ..., "detail": ...}, ...]
util::Json verdicts_to_json(const std::vector<Verdict>& verdicts);

// inspect-disk --json: {"disk", "facts"} and, when a profile was given, {"expect", "ok",
// "verdicts"}.
util::Json disk_report_to_json(const std::string& disk, const DiskFacts& facts, const std::string& profile_path,
                                const std::vector<Verdict>* verdicts);

}  // namespace imgbuild::inspect
