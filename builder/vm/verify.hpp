// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One verification run: drive a Runner, follow the serial markers to the target stage,
// stop as soon as it is reached (or ruled out), and gather evidence for a diagnosis
// otherwise. Knows nothing of QEMU: tests substitute a Runner playing a recorded log.

#include "vm/runner.hpp"
#include "vm/stage.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace imgbuild::vm {

struct VerifyOptions {
  Stage target = Stage::Boot;
  std::chrono::milliseconds timeout{300'000};
  std::optional<std::string> expected_build_id;
  // Where to save the VGA screenshot when the stage is not reached; empty: none.
  std::string screenshot_path;
  // Pause between polls of the serial port (tests use a short one).
  std::chrono::milliseconds poll{250};
};

// Something worth a line in the live timeline.
struct TimelineEvent {
  double seconds = 0;
  std::string text;
};

struct VerifyObserver {
  std::function<void(const TimelineEvent&)> on_event;
  // Called about once per poll while waiting, with the elapsed seconds and the last stage.
  std::function<void(double, Stage)> on_tick;
};

struct VerifyOutcome {
  Verdict verdict;
  std::string serial_log;
  std::string firmware_log;
  std::string vga_text;
  bool screenshot_saved = false;
  std::string screenshot_problem;
  double seconds = 0;
};

VerifyOutcome run_verify(Runner& runner, const VerifyOptions& options,
                         const VerifyObserver& observer = {});

}  // namespace imgbuild::vm
