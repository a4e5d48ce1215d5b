// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/live_timeline.hpp"

#include <string>

namespace imgbuild::delivery {

void LiveTimeline::event(const vm::TimelineEvent& e) {
  if (!m_live) return;
  clear_status();
  std::fprintf(m_stream, "[%4.0fs] %s\n", e.seconds, e.text.c_str());
}

void LiveTimeline::tick(double seconds, vm::Stage reached, vm::Stage target) {
  // Redrawn once a second, not on every poll.
  if (!m_live || (m_status && static_cast<long>(seconds) == m_drawn_second)) return;
  m_drawn_second = static_cast<long>(seconds);
  std::fprintf(m_stream, "\r[%4.0fs] waiting for stage %s (reached: %s)\x1b[K", seconds,
               std::string(vm::stage_name(target)).c_str(), std::string(vm::stage_name(reached)).c_str());
  m_status = true;
}

void LiveTimeline::clear_status() {
  if (m_status) std::fputs("\r\x1b[K", m_stream);
  m_status = false;
}

}  // namespace imgbuild::delivery
