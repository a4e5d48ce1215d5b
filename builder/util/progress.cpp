// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/progress.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <unistd.h>

namespace imgbuild::util {

namespace {

std::atomic<ProgressMode> g_mode{ProgressMode::Off};

// A terminal redraws often enough to look alive; a log gets a line every few seconds.
constexpr auto k_live_interval = std::chrono::milliseconds(200);
constexpr auto k_plain_interval = std::chrono::seconds(5);

std::string mib(std::uint64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buffer;
}

}  // namespace

void set_progress_mode(ProgressMode mode) { g_mode = mode; }
ProgressMode progress_mode() { return g_mode; }

ProgressMode progress_mode_for_stderr(bool quiet) {
  if (quiet) return ProgressMode::Off;
  return ::isatty(STDERR_FILENO) ? ProgressMode::Live : ProgressMode::Plain;
}

std::string ProgressStep::format(const std::string& what, std::uint64_t done, std::uint64_t total, double seconds) {
  if (total == 0 && done == 0) {
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, ": %.0f s", seconds);
    return what + elapsed;
  }
  std::string line = what + ": " + mib(done);
  if (total > 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.0f%%",
                  100.0 * static_cast<double>(std::min(done, total)) / static_cast<double>(total));
    line += " of " + mib(total) + " MiB (" + percent + ")";
  } else {
    line += " MiB";
  }
  char tail[64];
  double rate = seconds > 0.05 ? static_cast<double>(done) / (1024.0 * 1024.0) / seconds : 0.0;
  std::snprintf(tail, sizeof tail, ", %.1f s, %.1f MiB/s", seconds, rate);
  return line + tail;
}

ProgressStep::ProgressStep(std::string what, std::uint64_t total)
    : m_what(std::move(what)),
      m_total(total),
      m_mode(g_mode),
      m_start(std::chrono::steady_clock::now()),
      m_last_draw(m_start),
      m_uncaught(std::uncaught_exceptions()) {
  if (m_mode == ProgressMode::Live) draw(false);
  if (m_total == 0 && m_mode != ProgressMode::Off)
    m_ticker = std::jthread([this](std::stop_token stop) {
      std::mutex sleep_mutex;
      std::condition_variable_any wake;
      std::unique_lock sleep_lock(sleep_mutex);
      // wait_for returns the predicate's value both on time-out and on a stop request.
      while (!wake.wait_for(sleep_lock, stop, std::chrono::milliseconds(250), [&stop] { return stop.stop_requested(); })) {
        std::lock_guard lock(m_mutex);
        maybe_draw(false);
      }
    });
}

ProgressStep::~ProgressStep() {
  if (std::uncaught_exceptions() > m_uncaught) {
    // The error message follows: leave no half line before it.
    if (m_ticker.joinable()) {
      m_ticker.request_stop();
      m_ticker.join();
    }
    std::lock_guard lock(m_mutex);
    if (m_mode == ProgressMode::Live && m_drawn && !m_finished) std::fputs("\r\x1b[K", stderr);
    return;
  }
  finish();
}

void ProgressStep::advance(std::uint64_t bytes) {
  std::lock_guard lock(m_mutex);
  m_done += bytes;
  maybe_draw(false);
}

void ProgressStep::set_done(std::uint64_t done) {
  std::lock_guard lock(m_mutex);
  m_done = done;
  maybe_draw(false);
}

void ProgressStep::finish() {
  if (m_ticker.joinable()) {
    m_ticker.request_stop();
    m_ticker.join();
  }
  std::lock_guard lock(m_mutex);
  if (m_finished) return;
  m_finished = true;
  if (m_mode != ProgressMode::Off) draw(true);
}

void ProgressStep::maybe_draw(bool force) {
  if (m_mode == ProgressMode::Off || m_finished) return;
  auto now = std::chrono::steady_clock::now();
  auto interval = m_mode == ProgressMode::Live ? std::chrono::steady_clock::duration(k_live_interval)
                                               : std::chrono::steady_clock::duration(k_plain_interval);
  if (!force && now - m_last_draw < interval) return;
  m_last_draw = now;
  draw(false);
}

void ProgressStep::draw(bool final_line) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  std::string line = format(m_what, m_done, m_total, seconds);
  if (m_mode == ProgressMode::Live) {
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "imgbuild: %s%s\n", line.c_str(), final_line ? ", done" : "");
  }
  std::fflush(stderr);
  m_drawn = true;
}

}  // namespace imgbuild::util
