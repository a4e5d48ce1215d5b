// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One verification run: drive a Runner, follow the serial markers to the target stage,
// stop as soon as it is reached (or ruled out), and gather evidence for a diagnosis
// otherwise. Knows nothing of QEMU: tests substitute a Runner playing a recorded log.

#include "vm/boots.hpp"
#include "vm/drac.hpp"
#include "vm/runner.hpp"
#include "vm/stage.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::vm {

struct VerifyOptions {
  Stage target = Stage::Boot;
  std::chrono::milliseconds timeout{300'000};
  std::optional<std::string> expected_build_id;
  // Where to save the VGA screenshot when the stage is not reached; empty: none.
  std::string screenshot_path;
  // Pause between polls of the serial port (tests use a short one).
  std::chrono::milliseconds poll{250};
  // The emulated DRAC (machine profile key drac): answers racadm on the runner's channel
  // and unplugs `media_devices` when the guest tells it to detach. None: no DRAC.
  DracKind drac = DracKind::None;
  std::string system_model;
  std::vector<std::string> media_devices;
  // Once the target stage is reached, watch the guest on until it shows its login prompt
  // (healthy after the detach: no I/O errors, root still mounted), at most this long.
  // Zero: stop at the stage.
  std::chrono::milliseconds settle{0};
  // Stage firstboot: an installed system that shows its login prompt and no first-boot
  // marker within this long has no hook (removed, not enabled): the run stops there.
  std::chrono::milliseconds hook_grace{90'000};
  // Where to keep a screenshot at every stage change (--report); empty: none.
  std::string screenshot_dir;
  // The firmware enforces Secure Boot: stage boot needs the installer's report that it
  // was on (StageTracker::require_secure_boot).
  bool require_secure_boot = false;
};

// A screenshot taken during the run (at a stage change, a boot, the detach, a failure).
struct Screenshot {
  double seconds = 0;
  std::string caption;
  std::string path;  // empty when it could not be taken
  std::string problem;
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
  std::vector<BootRecord> boots;          // every boot the console showed
  std::vector<std::string> drac_events;   // what the emulated DRAC saw and did
  bool media_detached = false;            // the DRAC unplugged its media during the run
  // What went wrong after the stage was reached (I/O errors after the detach, no login
  // prompt within the settle time); empty when nothing.
  std::vector<std::string> settle_problems;
  std::vector<Screenshot> screenshots;
  // What the installer reported about Secure Boot, and the binary the boot chain refused
  // (the run stops at once on a refusal).
  SecureBootState secure_boot = SecureBootState::NotReported;
  std::optional<Refusal> refusal;
};

// One boot of an installed system after a power cycle: up to its login prompt, the hook
// not running again, no sign of trouble.
struct PowerOnOptions {
  std::chrono::milliseconds timeout{600'000};
  std::chrono::milliseconds poll{250};
  std::string screenshot_path;  // on failure
  std::chrono::milliseconds power_off_grace{20'000};
  std::string screenshot_dir;   // as VerifyOptions::screenshot_dir
  std::string screenshot_prefix = "power-cycle";
};

struct PowerOnOutcome {
  bool passed = false;
  std::string summary;                 // one line
  std::vector<std::string> details;
  BootRecord boot;                     // what the console showed
  std::string serial_log;
  bool screenshot_saved = false;
  std::string screenshot_problem;
  double seconds = 0;
  std::vector<Screenshot> screenshots;
};

// A screenshot into DIR/PREFIX-NN.png, recorded in `shots` (nothing when dir is empty).
void take_screenshot(Runner& runner, const std::string& dir, const std::string& prefix, const std::string& caption,
                     double seconds, std::vector<Screenshot>& shots);

PowerOnOutcome run_power_on(Runner& runner, const PowerOnOptions& options,
                            const VerifyObserver& observer = {});

VerifyOutcome run_verify(Runner& runner, const VerifyOptions& options,
                         const VerifyObserver& observer = {});

}  // namespace imgbuild::vm
