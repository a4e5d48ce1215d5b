// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/stop_signals.hpp"

#include <gtest/gtest.h>

#include <pthread.h>

namespace imgbuild::util {
namespace {

TEST(BlockedStopSignals, TakesAPendingStopSignalInsteadOfDying) {
  BlockedStopSignals signals;
  ASSERT_EQ(::pthread_kill(::pthread_self(), SIGTERM), 0);  // blocked: pending, not fatal
  EXPECT_EQ(signals.wait(1000), SIGTERM);
}

TEST(BlockedStopSignals, NothingWithinTheTimeIsZeroAndTheMaskComesBack) {
  sigset_t before;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &before);
  {
    BlockedStopSignals signals;
    EXPECT_EQ(signals.wait(10), 0);
    sigset_t inside;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &inside);
    EXPECT_TRUE(sigismember(&inside, SIGINT));
    EXPECT_TRUE(sigismember(&inside, SIGHUP));
  }
  sigset_t after;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGINT), sigismember(&before, SIGINT));
}

}  // namespace
}  // namespace imgbuild::util
