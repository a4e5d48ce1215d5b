// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// SIGINT, SIGTERM and SIGHUP blocked in the constructing thread and in every thread it
// starts afterwards (servers' and workers' threads), so that they are taken only by
// wait() in the loop that owns the work: a long-running command (serve, emulate, a rack's
// deploy) then stops in order — media ejected, machines stopped, logs complete — instead
// of the process-wide default ending it mid-step. The previous mask comes back on
// destruction.

#include <csignal>

namespace imgbuild::util {

class BlockedStopSignals {
 public:
  BlockedStopSignals();
  ~BlockedStopSignals();
  BlockedStopSignals(const BlockedStopSignals&) = delete;
  BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;

  // The stop signal received within `milliseconds`, or 0.
  int wait(long milliseconds);

 private:
  sigset_t m_set;
  sigset_t m_previous;
};

}  // namespace imgbuild::util
