// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/lint_run.hpp"

#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace imgbuild;

namespace {

struct LintOutcome {
  int status = -1;
  std::string out, err;
};

LintOutcome lint(const std::string& name, const std::string& preseed, bool errors_only = false, bool json = false) {
  auto dir = test::fresh_dir("remaster", "lint-" + name);
  test::write_file(dir / "p.cfg", preseed);
  remaster::LintRequest request;
  request.file = (dir / "p.cfg").string();
  request.release = "bookworm";
  request.errors_only = errors_only;
  request.json = json;
  std::ostringstream out, err;
  LintOutcome run;
  run.status = remaster::run_lint(request, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

const std::string k_warnings_only = "d-i netcfg/get_hostname string web\n";
const std::string k_with_error = k_warnings_only + "d-i partman-auto/methd string regular\n";

}  // namespace

// The exit policy: 1 for any diagnostic, 0 with --errors-only when there are only warnings
// (which it does not print); the counts always on stderr.
TEST(LintRun, ExitStatusFollowsTheDiagnostics) {
  LintOutcome warned = lint("warned", k_warnings_only);
  EXPECT_EQ(warned.status, 1);
  EXPECT_NE(warned.out.find(": warning: "), std::string::npos) << warned.out;
  EXPECT_NE(warned.err.find("0 error(s), "), std::string::npos) << warned.err;

  LintOutcome quiet = lint("errors-only", k_warnings_only, true);
  EXPECT_EQ(quiet.status, 0);
  EXPECT_EQ(quiet.out, "");
  EXPECT_NE(quiet.err.find("0 error(s), "), std::string::npos) << quiet.err;

  LintOutcome failed = lint("error", k_with_error, true);
  EXPECT_EQ(failed.status, 1);
  EXPECT_NE(failed.out.find("p.cfg:2: error: unknown question partman-auto/methd"), std::string::npos) << failed.out;
  EXPECT_EQ(failed.out.find(": warning: "), std::string::npos) << failed.out;
  EXPECT_NE(failed.err.find("1 error(s), "), std::string::npos) << failed.err;

  LintOutcome json = lint("json", k_with_error, false, true);
  EXPECT_EQ(json.status, 1);
  EXPECT_EQ(json.out.front(), '{') << json.out;
  EXPECT_NE(json.out.find("\"errors\": 1"), std::string::npos) << json.out;
}

TEST(LintRun, WithoutReleaseOrBaseIsBadInput) {
  remaster::LintRequest request;
  request.file = "/nonexistent/p.cfg";
  std::ostringstream out, err;
  try {
    remaster::run_lint(request, out, err);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("give --release"), std::string::npos) << e.what();
  }
  EXPECT_EQ(out.str() + err.str(), "");
}
