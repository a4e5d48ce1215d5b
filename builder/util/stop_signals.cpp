// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/stop_signals.hpp"

#include <pthread.h>
#include <ctime>
#include <initializer_list>

namespace imgbuild::util {

BlockedStopSignals::BlockedStopSignals() {
  sigemptyset(&m_set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&m_set, s);
  ::pthread_sigmask(SIG_BLOCK, &m_set, &m_previous);
}

BlockedStopSignals::~BlockedStopSignals() { ::pthread_sigmask(SIG_SETMASK, &m_previous, nullptr); }

int BlockedStopSignals::wait(long milliseconds) {
  timespec timeout{milliseconds / 1000, (milliseconds % 1000) * 1000000L};
  int s = ::sigtimedwait(&m_set, nullptr, &timeout);
  return s > 0 ? s : 0;
}

}  // namespace imgbuild::util
