// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/accel.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "vm/markers.hpp"
#include "vm/process.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace imgbuild::vm {

AccelChoice choose_accel(std::string_view requested, KvmProbe& probe) {
  if (requested == "tcg") return {Accel::Tcg, "requested with --accel tcg"};
  if (requested == "kvm") {
    std::string problem = probe.device_problem();
    if (!problem.empty())
      throw Error("--accel kvm", problem, "use --accel tcg (or auto, which falls back to TCG)", 3);
    return {Accel::Kvm, "requested with --accel kvm"};
  }
  if (requested != "auto")
    throw Error("--accel " + std::string(requested), "unknown accelerator", "use auto, kvm or tcg");
  if (std::string problem = probe.device_problem(); !problem.empty())
    return {Accel::Tcg, "auto: " + problem + ", using TCG"};
  if (std::string problem = probe.probe_boot_problem(); !problem.empty())
    return {Accel::Tcg, "auto: /dev/kvm opens but a KVM probe boot failed (" + problem + "), using TCG"};
  return {Accel::Kvm, "auto: /dev/kvm opens and a KVM probe boot of the firmware succeeded"};
}

QemuKvmProbe::QemuKvmProbe(std::string qemu_binary, std::string work_dir, int timeout_ms)
    : m_qemu(std::move(qemu_binary)), m_work_dir(std::move(work_dir)), m_timeout_ms(timeout_ms) {}

std::string QemuKvmProbe::device_problem() {
  util::Fd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd) return std::string("/dev/kvm cannot be opened (") + std::strerror(errno) + ")";
  return {};
}

std::string QemuKvmProbe::probe_boot_problem() {
  const std::string log = m_work_dir + "/kvm-probe-firmware.log";
  const std::string err = m_work_dir + "/kvm-probe-qemu.log";
  ChildProcess child;
  child.spawn({m_qemu, "-accel", "kvm", "-machine", "pc", "-m", "64", "-nodefaults",
               "-no-user-config", "-display", "none", "-no-reboot", "-chardev",
               "file,id=dbg,path=" + log, "-device", "isa-debugcon,iobase=0x402,chardev=dbg"},
              err);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(m_timeout_ms);
  // SeaBIOS has run its whole POST and boot selection when it gives up on booting:
  // with no boot device that is a few seconds under working KVM.
  while (std::chrono::steady_clock::now() < deadline) {
    std::string firmware;
    try {
      firmware = util::read_small_file(log, 1u << 20, "probe log");
    } catch (const Error&) {
    }
    if (firmware.find("No bootable device") != std::string::npos ||
        firmware.find("Booting from") != std::string::npos) {
      child.kill();
      return {};
    }
    if (!child.running()) {
      std::string qemu_log;
      try {
        qemu_log = util::read_small_file(err, 1u << 20, "probe log");
      } catch (const Error&) {
      }
      auto lines = last_lines(qemu_log, 1);
      if (qemu_log.find("KVM internal error") != std::string::npos) return "KVM internal error";
      return lines.empty() ? std::string("QEMU exited") : lines.back();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  child.kill();
  return "the firmware did not finish within " + std::to_string(m_timeout_ms / 1000) + " s";
}

}  // namespace imgbuild::vm
