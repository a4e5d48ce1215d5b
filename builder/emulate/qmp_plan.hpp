// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What the emulated BMC's effects mean for QEMU: each effect (bmc::Effect) becomes a plan
// of QMP commands, and what QEMU answers (a failed command, an event) becomes what is
// reported back to the BMC. Pure: no socket, no process; the emulated server (server.hpp)
// carries the plans out.
//
//   insert media  blockdev-add (QEMU's curl driver fetches the image by URL with ranged
//                 GETs, as an iDRAC does) + device_add of the profile's virtual CD (a USB
//                 mass-storage device with the DRAC's SCSI strings) + attaching it
//   eject media   device_del, wait for DEVICE_DELETED, blockdev-del
//   power on      the virtual CD first in the boot order when a one-time Cd boot is armed,
//                 system_reset (QEMU writes the firmware's boot order at a reset), the usual
//                 order back, cont
//   power off     system_powerdown (ACPI, graceful) or stop (forced: the machine freezes;
//                 the next power on starts it afresh)
//   reset         as power on
//
// The machine runs with -no-shutdown: a guest that powers itself off stops QEMU instead of
// ending it, and its SHUTDOWN event is reported to the BMC as the machine powering off.

#include "bmc/bmc.hpp"
#include "util/json_document.hpp"
#include "vm/profile.hpp"

#include <map>
#include <string>
#include <vector>

namespace imgbuild::emulate {

// The profile's virtual CD, as verify attaches it with the ISO: the USB device that holds
// it (usb-bot on the profile's xHCI/EHCI bus) and the scsi-cd on it (vendor/product as the
// DRAC shows it). Hot-plugged here once per inserted image.
struct VirtualCdTemplate {
  util::Json holder;  // device_add arguments of the USB device, without id
  util::Json cd;      // device_add arguments of the CD, without id, bus, drive and bootindex
};

// From the profile's first drac-media device (its -device line) and the device on its bus.
// Throws Error (exit 2) naming the profile when it has no such device.
VirtualCdTemplate virtual_cd_template(const vm::MachineProfile& profile);

// "scsi-cd,bus=vcd-bot.0,vendor=iDRAC" -> {"driver": "scsi-cd", "bus": "vcd-bot.0", ...}
// (numbers stay strings: QEMU's device_add parses them as -device does).
util::Json device_arguments(const std::string& option_value);

struct QmpStep {
  std::string command;
  util::Json arguments = util::Json::object();
  // After the command succeeded, wait for this event whose data.device is wait_device.
  std::string wait_event;
  std::string wait_device;
};

struct Plan {
  std::vector<QmpStep> steps;
  // When a step fails: these run (their own failures ignored) to undo what was done.
  std::vector<QmpStep> undo;
  // InsertMedia: the task to report, completed when every step succeeded, failed otherwise.
  std::string task;
  // A graceful power off: if the guest has not powered off within the grace, stop it.
  bool powerdown = false;
  // Set when the effect cannot be carried out at all (the image's URL scheme): reported at
  // once, no step runs.
  std::string refused;
};

// What the machine side tells the BMC.
struct Report {
  enum class Kind { None, MediaFetched, MediaFetchFailed, PoweredOff };
  Kind kind = Kind::None;
  std::string task;
  std::string reason;
};

// The machine as the emulator knows it: which slots have an image attached. Plans assume
// success; plan_done/plan_failed say how it went.
class MachineModel {
 public:
  explicit MachineModel(VirtualCdTemplate cd) : m_cd(std::move(cd)) {}

  Plan plan(const bmc::Effect& effect);
  // Every step of `plan` succeeded.
  Report plan_done(const Plan& plan);
  // Step `index` of `plan` failed with QEMU's `error`.
  Report plan_failed(const Plan& plan, std::size_t index, const std::string& error);
  // An event QEMU sent ({"event": "SHUTDOWN", "data": {...}}).
  Report event(const util::Json& event);

  // Device and node names of a slot's media, for tests and logs.
  static std::string holder_id(const std::string& slot) { return "vmedia-" + slot; }
  static std::string cd_id(const std::string& slot) { return "vmedia-" + slot + "-cd"; }
  static std::string node_name(const std::string& slot) { return "vmedia-" + slot + "-img"; }

  bool attached(const std::string& slot) const { return m_attached.count(slot) != 0; }

 private:
  Plan insert(const bmc::Effect& effect);
  std::vector<QmpStep> eject_steps(const std::string& slot) const;
  Plan power_on(const bmc::Effect& effect);

  VirtualCdTemplate m_cd;
  std::map<std::string, std::string> m_attached;  // slot -> image URL
  std::map<std::string, std::string> m_pending;   // slot -> image URL, while its plan runs
  bool m_cd_boot_continuous = false;
};

}  // namespace imgbuild::emulate
