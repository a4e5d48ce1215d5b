// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/junit.hpp"

#include "util/test_support.hpp"

#include <gtest/gtest.h>

namespace imgbuild::delivery {
namespace {

// The stages' verdicts as an independent XML parser reads them: "name=state: message".
std::string parsed(const std::string& document, const std::string& name) {
  auto dir = test::fresh_dir("delivery", "junit-" + name);
  test::write_file(dir / "junit.xml", document);
  return test::run("/usr/bin/python3 -c '"
                   "import sys, xml.etree.ElementTree as ET\n"
                   "suite = ET.parse(sys.argv[1]).getroot().find(\"testsuite\")\n"
                   "print(\"tests=%s failures=%s skipped=%s\" % (suite.get(\"tests\"), suite.get(\"failures\"), suite.get(\"skipped\")))\n"
                   "for c in suite.iter(\"testcase\"):\n"
                   "    f, s = c.find(\"failure\"), c.find(\"skipped\")\n"
                   "    state = \"failed: \" + f.get(\"message\") if f is not None else \"skipped\" if s is not None else \"passed\"\n"
                   "    print(c.get(\"name\") + \"=\" + state)\n"
                   "out = suite.findtext(\"system-out\")\n"
                   "print(out.strip() if out else \"\")\n"
                   "' " + (dir / "junit.xml").string());
}

Result install_run() {
  Result result;
  result.request.iso = "a&b<c>.iso";
  result.request.expect = "pe2950.expect";
  result.request.report_dir = "report";
  result.machine = "pe2950";
  result.target = vm::Stage::Install;
  result.logs.dir = "/tmp/logs";
  return result;
}

TEST(Junit, AStagePerTestcaseTheDiagnosisAsTheFailure) {
  Result result = install_run();
  result.outcome.verdict.reached = vm::Stage::Boot;
  result.outcome.verdict.cause = vm::Cause::LateCommandFailed;
  result.outcome.verdict.summary = "late_command failed with status 2 \"x\" \x01";
  result.outcome.verdict.details = {"serial: IMGBUILD:late-command-failed:2"};
  EXPECT_EQ(parsed(junit_xml(result), "failed"),
            "tests=2 failures=1 skipped=0\n"
            "stage boot=passed\n"
            "stage install=failed: late_command failed with status 2 \"x\" ?\n"
            "report: report/index.html\nlogs: /tmp/logs\n");
}

TEST(Junit, PassedRunWithDiskAndPowerCycle) {
  Result result = install_run();
  result.target = vm::Stage::Firstboot;
  result.outcome.verdict.passed = true;
  result.outcome.verdict.reached = vm::Stage::Firstboot;
  result.power_cycle = vm::PowerOnOutcome{};
  result.power_cycle->passed = true;
  result.disk.judged = true;
  result.disk.ok = false;
  result.disk.verdicts = "FAIL  fstab uuid-or-label: /dev/sdb1 /\n";
  EXPECT_EQ(parsed(junit_xml(result), "disk"),
            "tests=5 failures=1 skipped=0\n"
            "stage boot=passed\nstage install=passed\nstage firstboot=passed\npower-cycle=passed\n"
            "expect pe2950.expect=failed: the installed disk differs from pe2950.expect\n"
            "report: report/index.html\nlogs: /tmp/logs\n");
  result.disk.ok = true;
  result.passed = true;
  EXPECT_NE(parsed(junit_xml(result), "passed").find("tests=5 failures=0 skipped=0\n"), std::string::npos);
}

// A network-stage run that failed at boot: the later stage is skipped; a run that failed
// with every stage reached still fails somewhere.
TEST(Junit, LaterStagesSkippedAndNeverGreenForAFailedRun) {
  Result result = install_run();
  result.target = vm::Stage::Network;
  result.outcome.verdict.summary = "stage boot not reached within 300 s";
  EXPECT_EQ(parsed(junit_xml(result), "skipped"),
            "tests=2 failures=1 skipped=1\n"
            "stage boot=failed: stage boot not reached within 300 s\nstage network=skipped\n"
            "report: report/index.html\nlogs: /tmp/logs\n");
  Result odd = install_run();
  odd.target = vm::Stage::Boot;
  odd.outcome.verdict.passed = true;
  odd.outcome.verdict.reached = vm::Stage::Boot;
  odd.passed = false;
  odd.outcome.verdict.summary = "reached";
  EXPECT_NE(parsed(junit_xml(odd), "never-green").find("verdict=failed: reached"), std::string::npos);
}

}  // namespace
}  // namespace imgbuild::delivery
