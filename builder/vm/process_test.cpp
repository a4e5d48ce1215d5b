// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/process.hpp"

#include <chrono>
#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

using namespace std::chrono_literals;

// A command that never ends while holding its stdout open (a hung qemu-img) must be timed
// out: the deadline runs while its output is read, not only after.
TEST(RunCommand, TimesOutAChildHoldingStdout) {
  std::string output;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(run_command({"sh", "-c", "echo started; sleep 600"}, output, 500ms));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 10s);
  EXPECT_NE(output.find("started"), std::string::npos) << output;
  EXPECT_NE(output.find("killed after 500 ms"), std::string::npos) << output;
}

// Silent after closing stdout: the wait for its exit has the same deadline.
TEST(RunCommand, TimesOutAChildThatClosedStdout) {
  std::string output;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(run_command({"sh", "-c", "exec >&-; sleep 600"}, output, 500ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(RunCommand, AFastCommandWithinTheTimeoutSucceeds) {
  std::string output;
  EXPECT_TRUE(run_command({"sh", "-c", "sleep 0.2; echo done"}, output, 5s));
  EXPECT_EQ(output, "done\n");
}

}  // namespace
}  // namespace imgbuild::vm
