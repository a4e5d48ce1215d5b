// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The edge between verify's logic and a running virtual machine. The logic (verify.hpp)
// only sees this interface, so tests drive it with recorded serial logs; QemuRunner
// (qemu_runner.hpp) is the real thing.

#include <chrono>
#include <string>

namespace imgbuild::vm {

class Runner {
 public:
  virtual ~Runner() = default;

  // Starts the machine. Throws Error when it cannot be started.
  virtual void start() = 0;
  // Serial bytes that arrived, waiting at most `timeout` for the first of them; empty when
  // none came (or the machine has ended).
  virtual std::string read_serial(std::chrono::milliseconds timeout) = 0;
  // False once the machine ended by itself.
  virtual bool running() = 0;
  // A human monitor command ("info registers -a", "xp /4000bx 0xb8000"); its output, or
  // empty when the monitor is not available.
  virtual std::string monitor(const std::string& command) = 0;
  // Saves the VGA screen as PNG; false (and the reason in `why`) when it could not.
  virtual bool screenshot(const std::string& png_path, std::string& why) = 0;
  // What the firmware logged so far (SeaBIOS debug console); empty if not captured.
  virtual std::string firmware_log() = 0;
  // The emulator's own diagnostics (stderr) so far.
  virtual std::string diagnostics() = 0;
  // Ends the machine (gracefully if it can, killed otherwise). Idempotent.
  virtual void stop() = 0;
};

}  // namespace imgbuild::vm
