// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `verify --report DIR`: the run as a static page people would rather read than a log
// folder. DIR/index.html (no server, no script: the timeline with durations, the
// screenshots taken at every stage change and at failure, the DRAC's event log, the disk
// names each boot saw, the --expect verdicts, links to the logs) and DIR/report.json with
// the same facts (util::Json). `verify --json` prints that document on stdout.

#include "delivery/verify_run.hpp"

#include "util/json_document.hpp"

#include <string>

namespace imgbuild::delivery {

// The facts of a run; screenshot and log paths relative to `report_dir`, or as they are
// when it is empty (verify --json without --report).
util::Json report_json(const Result& result, const std::string& report_dir);
// The page for those facts; every text escaped.
std::string report_html(const util::Json& report);
// Writes both into `dir` (created), each atomically. Throws Error when `dir` cannot be made.
void write_report(const std::string& dir, const Result& result);

}  // namespace imgbuild::delivery
