// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/junit.hpp"

#include "util/fs.hpp"
#include "util/markup.hpp"

#include <filesystem>
#include <vector>

namespace imgbuild::delivery {

namespace {

std::string xml(std::string_view text) { return util::xml_escape(text); }

struct Case {
  std::string name;
  enum { passed, failed, skipped } state = passed;
  std::string message;
  std::string text;
};

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + "\n";
  return out;
}

std::vector<Case> cases_of(const Result& result) {
  const vm::Verdict& verdict = result.outcome.verdict;
  std::vector<Case> cases;
  bool failed_before = false;
  for (vm::Stage stage : {vm::Stage::Boot, vm::Stage::Network, vm::Stage::Install, vm::Stage::Firstboot}) {
    if (stage > result.target) break;
    if (stage == vm::Stage::Network && result.target != vm::Stage::Network) continue;
    Case c;
    c.name = "stage " + std::string(vm::stage_name(stage));
    if (failed_before) {
      c.state = Case::skipped;
      c.message = "not reached: an earlier stage failed";
    } else if (verdict.reached < stage || (stage == result.target && !verdict.passed)) {
      c.state = Case::failed;
      c.message = verdict.summary;
      c.text = "cause: " + std::string(vm::cause_name(verdict.cause)) + "\n" + lines(verdict.details);
      failed_before = true;
    }
    cases.push_back(std::move(c));
  }
  if (result.power_cycle) {
    Case c;
    c.name = "power-cycle";
    if (!result.power_cycle->passed) {
      c.state = Case::failed;
      c.message = result.power_cycle->summary;
      c.text = lines(result.power_cycle->details);
    }
    cases.push_back(std::move(c));
  }
  if (result.disk.judged || !result.disk.problem.empty()) {
    Case c;
    c.name = "expect " + result.request.expect;
    if (!result.disk.ok) {
      c.state = Case::failed;
      c.message = result.disk.problem.empty() ? "the installed disk differs from " + result.request.expect
                                              : "the installed disk could not be read: " + result.disk.problem;
      c.text = result.disk.verdicts;
    }
    cases.push_back(std::move(c));
  }
  bool any_failed = false;
  for (const auto& c : cases) any_failed |= c.state == Case::failed;
  if (!result.passed && !any_failed)
    cases.push_back({"verdict", Case::failed, verdict.summary, lines(verdict.details)});
  return cases;
}

}  // namespace

std::string junit_xml(const Result& result) {
  auto cases = cases_of(result);
  int failures = 0, skipped = 0;
  for (const auto& c : cases) {
    failures += c.state == Case::failed;
    skipped += c.state == Case::skipped;
  }
  const std::string suite = "imgbuild verify " + result.request.iso + " (" + result.machine + ")";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "  <testsuite name=\"" + xml(suite) + "\" tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
         std::to_string(result.outcome.seconds) + "\">\n";
  for (const auto& c : cases) {
    out += "    <testcase classname=\"" + xml(suite) + "\" name=\"" + xml(c.name) + "\"";
    if (c.state == Case::passed) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (c.state == Case::skipped)
      out += "      <skipped message=\"" + xml(c.message) + "\"/>\n";
    else
      out += "      <failure message=\"" + xml(c.message) + "\">" + xml(c.text) + "</failure>\n";
    out += "    </testcase>\n";
  }
  std::string where;
  if (!result.request.report_dir.empty())
    where += "report: " + (std::filesystem::path(result.request.report_dir) / "index.html").string() + "\n";
  if (!result.logs.dir.empty()) where += "logs: " + result.logs.dir + "\n";
  if (!where.empty()) out += "    <system-out>" + xml(where) + "</system-out>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

void write_junit(const std::string& path, const Result& result) { util::write_file_atomically(path, junit_xml(result)); }

}  // namespace imgbuild::delivery
