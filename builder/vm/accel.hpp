// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Choosing the accelerator. KVM is only trusted after it proved itself: on some build
// hosts /dev/kvm exists but guests die with "KVM internal error", so --accel auto boots
// SeaBIOS under KVM for a few seconds before using it, and falls back to TCG otherwise.

#include "vm/profile.hpp"

#include <string>
#include <string_view>

namespace imgbuild::vm {

struct AccelChoice {
  Accel accel = Accel::Tcg;
  std::string reason;  // shown to the user: why this one
};

// The probes, behind an interface so the decision is unit-tested.
class KvmProbe {
 public:
  virtual ~KvmProbe() = default;
  // Empty when /dev/kvm opens read-write; otherwise why not.
  virtual std::string device_problem() = 0;
  // Empty when a short KVM boot of the firmware completed; otherwise what went wrong.
  virtual std::string probe_boot_problem() = 0;
};

// requested: "auto", "kvm" or "tcg". "kvm" with an unusable /dev/kvm is an Error (exit 3);
// anything else is an Error (exit 2).
AccelChoice choose_accel(std::string_view requested, KvmProbe& probe);

// The real probes: open(/dev/kvm) and QEMU booting SeaBIOS under KVM with its debug
// console in `work_dir`, for at most `timeout_ms`. With a `cd_image` SeaBIOS boots it
// and the boot loader runs for a few seconds: a /dev/kvm that takes the firmware's POST
// can still fail on the boot loader's first mode switch ("KVM internal error ... emulation
// failure" at ISOLINUX's iret on a nested host), and a verify on it would only time out.
class QemuKvmProbe : public KvmProbe {
 public:
  QemuKvmProbe(std::string qemu_binary, std::string work_dir, int timeout_ms = 8000, std::string cd_image = {});
  std::string device_problem() override;
  std::string probe_boot_problem() override;

 private:
  std::string m_qemu;
  std::string m_work_dir;
  int m_timeout_ms;
  std::string m_cd_image;
};

}  // namespace imgbuild::vm
