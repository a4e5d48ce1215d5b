// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The live timeline of a run on a terminal: one line per event, and a status line that
// overwrites itself while verify waits. Nothing at all when not live (a pipe, --quiet).

#include "vm/stage.hpp"
#include "vm/verify.hpp"

#include <cstdio>

namespace imgbuild::delivery {

class LiveTimeline {
 public:
  LiveTimeline(bool live, std::FILE* stream = stderr) : m_live(live), m_stream(stream) {}
  ~LiveTimeline() { clear_status(); }
  LiveTimeline(const LiveTimeline&) = delete;
  LiveTimeline& operator=(const LiveTimeline&) = delete;

  void event(const vm::TimelineEvent& e);
  void tick(double seconds, vm::Stage reached, vm::Stage target);

 private:
  void clear_status();
  bool m_live;
  std::FILE* m_stream;
  bool m_status = false;
  long m_drawn_second = -1;
};

}  // namespace imgbuild::delivery
