// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Progress of long steps (hashing the base, checksum checks, initrds, writing the ISO,
// reading udebs, starting the libguestfs appliance), shown on stderr:
//   terminal:      one self-overwriting line "hashing base.iso: 312.4 of 609.0 MiB (51%), 85.2 MiB/s"
//   not a terminal (CI logs): a plain line every few seconds, and one when the step ends
//   quiet (-q):    nothing
// Modules open a ProgressStep and advance it; only the command line chooses the mode, so
// a library caller (and every unit test) sees nothing unless it asks.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace imgbuild::util {

enum class ProgressMode { Off, Live, Plain };

// The process-wide mode; Off until the command line sets it.
void set_progress_mode(ProgressMode mode);
// The mode set, for output that is not a Progress bar (serve's live status line).
ProgressMode progress_mode();
// Live when stderr is a terminal, else Plain; Off when quiet.
ProgressMode progress_mode_for_stderr(bool quiet);

// One long step, from construction to destruction (or finish()). `total` is in bytes;
// 0 for a step that cannot count (a blocking call such as the libguestfs launch): then a
// thread redraws the elapsed time while it runs. Safe to advance from several threads.
class ProgressStep {
 public:
  ProgressStep(std::string what, std::uint64_t total);
  ProgressStep(const ProgressStep&) = delete;
  ProgressStep& operator=(const ProgressStep&) = delete;
  ~ProgressStep();

  void advance(std::uint64_t bytes);  // bytes done since the last call
  void set_done(std::uint64_t done);  // bytes done so far
  // The closing line ("hashed ...: 609.0 MiB in 3.2 s, 190.3 MiB/s"); also done by the
  // destructor unless an exception is unwinding (then the line is only cleared).
  void finish();

  // The line as shown, for tests.
  static std::string format(const std::string& what, std::uint64_t done, std::uint64_t total, double seconds);

 private:
  void maybe_draw(bool force);
  void draw(bool final_line);

  std::string m_what;
  std::uint64_t m_total;
  std::uint64_t m_done = 0;
  ProgressMode m_mode;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last_draw;
  bool m_drawn = false;
  bool m_finished = false;
  int m_uncaught;
  std::mutex m_mutex;
  std::jthread m_ticker;  // last: stopped and joined before the members it reads go
};

}  // namespace imgbuild::util
