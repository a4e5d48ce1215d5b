// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/progress.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

using namespace imgbuild;

namespace {

struct ModeGuard {
  explicit ModeGuard(util::ProgressMode mode) { util::set_progress_mode(mode); }
  ~ModeGuard() { util::set_progress_mode(util::ProgressMode::Off); }
};

}  // namespace

TEST(Progress, LineShowsDoneTotalPercentAndRate) {
  EXPECT_EQ(util::ProgressStep::format("hashing a.iso", 512u << 20, 1024u << 20, 2.0),
            "hashing a.iso: 512.0 of 1024.0 MiB (50%), 2.0 s, 256.0 MiB/s");
  EXPECT_EQ(util::ProgressStep::format("reading", 3u << 20, 0, 1.0), "reading: 3.0 MiB, 1.0 s, 3.0 MiB/s");
  EXPECT_EQ(util::ProgressStep::format("starting the appliance", 0, 0, 12.2), "starting the appliance: 12 s");
}

TEST(Progress, OffPrintsNothing) {
  ModeGuard mode(util::ProgressMode::Off);
  testing::internal::CaptureStderr();
  {
    util::ProgressStep step("hashing", 100);
    step.advance(100);
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(Progress, PlainEndsWithOneLineHoldingTheTotal) {
  ModeGuard mode(util::ProgressMode::Plain);
  testing::internal::CaptureStderr();
  {
    util::ProgressStep step("hashing base.iso", 2u << 20);
    step.advance(1u << 20);
    step.advance(1u << 20);
  }
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_NE(out.find("imgbuild: hashing base.iso: 2.0 of 2.0 MiB (100%)"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with(", done\n")) << out;
}

TEST(Progress, LiveRedrawsOneLine) {
  ModeGuard mode(util::ProgressMode::Live);
  testing::internal::CaptureStderr();
  {
    util::ProgressStep step("writing out.iso", 4u << 20);
    step.set_done(4u << 20);
  }
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(out.starts_with("\rwriting out.iso: 0.0 of 4.0 MiB (0%)")) << out;
  EXPECT_NE(out.find("\rwriting out.iso: 4.0 of 4.0 MiB (100%)"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\n")) << out;
}

TEST(Progress, AnErrorClearsTheLiveLineInsteadOfFinishingIt) {
  ModeGuard mode(util::ProgressMode::Live);
  testing::internal::CaptureStderr();
  try {
    util::ProgressStep step("reading", 10);
    throw std::runtime_error("bad");
  } catch (const std::runtime_error&) {
  }
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(out.ends_with("\r\x1b[K")) << out;
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
}

TEST(Progress, AStepThatCannotCountShowsElapsedTime) {
  ModeGuard mode(util::ProgressMode::Live);
  testing::internal::CaptureStderr();
  {
    util::ProgressStep step("starting", 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
  std::string out = testing::internal::GetCapturedStderr();
  // Drawn at start, by the ticker while waiting, and at the end.
  EXPECT_GE(std::count(out.begin(), out.end(), '\r'), 3) << out;
  EXPECT_TRUE(out.ends_with(" s\x1b[K\n")) << out;
  EXPECT_EQ(out.find("MiB"), std::string::npos) << out;
}
