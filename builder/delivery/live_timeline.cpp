// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/live_timeline.hpp"

#include <string>

namespace imgbuild::delivery {

void LiveTimeline::event(const vm::TimelineEvent& e) {
  if (m_mode == util::ProgressMode::Off) return;
  clear_status();
  std::fprintf(m_stream, "[%4.0fs] %s\n", e.seconds, e.text.c_str());
}

void LiveTimeline::tick(double seconds, vm::Stage reached, vm::Stage target) {
  if (m_mode == util::ProgressMode::Plain) {
    // A log gets a line every 30 s, not a redraw.
    if (m_drawn_second >= 0 && static_cast<long>(seconds) / 30 == m_drawn_second / 30) return;
    m_drawn_second = static_cast<long>(seconds);
    std::fprintf(m_stream, "[%4.0fs] waiting for stage %s (reached: %s)\n", seconds,
                 std::string(vm::stage_name(target)).c_str(), std::string(vm::stage_name(reached)).c_str());
    return;
  }
  // Redrawn once a second, not on every poll.
  if (m_mode != util::ProgressMode::Live || (m_status && static_cast<long>(seconds) == m_drawn_second)) return;
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
