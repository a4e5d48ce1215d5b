// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `verify --junit FILE`: a run as a JUnit XML report, for CI systems that show test
// results. One testsuite; one testcase per stage from boot to the target (network only
// when it is the target: only a --hosts image reports it), then "power-cycle" and
// "expect" when the run had them. A stage reached passes; the first one not reached
// fails with the diagnosis (summary as the message, the details as the text); the stages
// after it are skipped. A run that failed after every stage passed (unhealthy after the
// stage) gets a failing "verdict" testcase, so the report is never green for a failed
// run. The report's and the logs' paths are in the suite's system-out.

#include "delivery/verify_run.hpp"

#include <string>

namespace imgbuild::delivery {

// The XML document (UTF-8: bytes that are not are written as \xNN; characters XML
// cannot hold as '?').
std::string junit_xml(const Result& result);

// Writes it atomically to `path`.
void write_junit(const std::string& path, const Result& result);

}  // namespace imgbuild::delivery
