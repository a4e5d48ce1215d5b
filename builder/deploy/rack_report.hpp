// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a rack's deployment leaves: `--report DIR` writes DIR/report.json (every host, its
// steps with their seconds, its status and diagnosis, the BMC's answer when it refused,
// how its certificate was trusted, what the next run may skip) and DIR/index.html (a row
// per host with each step's time; the failures with the BMC's answers; no script, every
// text escaped). `--json` prints the same document, `--junit FILE` a testcase per host.
// No password is in any of them: none is in the result they are made from.

#include "deploy/rack.hpp"
#include "util/json_document.hpp"

#include <string>

namespace imgbuild::deploy {

util::Json rack_json(const RackResult& result);
// The page for that document.
std::string rack_html(const util::Json& report);
// JUnit XML: one testsuite, a testcase per host (failed or interrupted: a failure whose
// message is the diagnosis; skipped: skipped); `report_path` in system-out when given.
std::string rack_junit(const util::Json& report, const std::string& report_path = {});

// The document as written: its text (valid UTF-8 whatever the BMCs answered) read back, so
// every output is made from the same text.
util::Json rack_document(const RackResult& result);
// DIR/report.json and DIR/index.html, each atomically; DIR created. Error naming DIR when
// it cannot be made.
void write_rack_report(const std::string& dir, const util::Json& report);
void write_rack_junit(const std::string& path, const util::Json& report, const std::string& report_path = {});

}  // namespace imgbuild::deploy
