// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The timeline of a run (util/progress.hpp's modes): one line per event; on a terminal a
// status line that overwrites itself while verify waits, in a log (not a terminal) a
// status line every 30 s; nothing at all with --quiet.

#include "util/progress.hpp"
#include "vm/stage.hpp"
#include "vm/verify.hpp"

#include <cstdio>

namespace imgbuild::delivery {

class LiveTimeline {
 public:
  explicit LiveTimeline(util::ProgressMode mode, std::FILE* stream = stderr) : m_mode(mode), m_stream(stream) {}
  ~LiveTimeline() { clear_status(); }
  LiveTimeline(const LiveTimeline&) = delete;
  LiveTimeline& operator=(const LiveTimeline&) = delete;

  void event(const vm::TimelineEvent& e);
  void tick(double seconds, vm::Stage reached, vm::Stage target);

 private:
  void clear_status();
  util::ProgressMode m_mode;
  std::FILE* m_stream;
  bool m_status = false;
  long m_drawn_second = -1;
};

}  // namespace imgbuild::delivery
