// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The edge between verify's logic and a running virtual machine. The logic (verify.hpp)
// only sees this interface, so tests drive it with recorded serial logs; QemuRunner
// (qemu_runner.hpp) is the real thing.

#include <chrono>
#include <cstddef>
#include <cstdint>
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
  // What the firmware logged from byte `offset` of its log on (SeaBIOS debug console), at
  // most `max_bytes` of it; empty when nothing new came or it is not captured. Read by
  // offset, not as a tail: a tail of fixed size stops growing once the log outgrows it,
  // and every later firmware event would go unseen.
  virtual std::string firmware_log_from(std::uint64_t offset, std::size_t max_bytes) = 0;
  // The emulator's own diagnostics (stderr) so far.
  virtual std::string diagnostics() = 0;
  // Ends the machine (gracefully if it can, killed otherwise). Idempotent.
  virtual void stop() = 0;

  // --- the emulated DRAC's side (machines with drac = ...); a machine without one has
  // no channel, and these do nothing.
  // Bytes the guest wrote on the DRAC channel since the last call (never waits).
  virtual std::string read_channel() { return {}; }
  // Bytes for the guest on the DRAC channel.
  virtual void write_channel(const std::string& bytes) { (void)bytes; }
  // Unplugs a device from the running machine (QMP device_del), as a DRAC detaching its
  // USB virtual media; false with the reason when it could not.
  virtual bool remove_device(const std::string& id, std::string& why) {
    (void)id;
    why = "this machine cannot unplug devices";
    return false;
  }
  // Presses the power button (ACPI power-down) and waits up to `grace` for the guest to
  // power off; after that syncs the guest's disks (SysRq) and stops the machine anyway.
  // True when the guest powered off.
  virtual bool power_off(std::chrono::milliseconds grace) {
    (void)grace;
    stop();
    return false;
  }
};

}  // namespace imgbuild::vm
