// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/accel.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "vm/markers.hpp"
#include "vm/process.hpp"

#include <cerrno>
#include <chrono>
#include <optional>
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

QemuKvmProbe::QemuKvmProbe(std::string qemu_binary, std::string work_dir, int timeout_ms, std::string cd_image)
    : m_qemu(std::move(qemu_binary)),
      m_work_dir(std::move(work_dir)),
      m_timeout_ms(timeout_ms),
      m_cd_image(std::move(cd_image)) {}

std::string QemuKvmProbe::device_problem() {
  util::Fd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd) return std::string("/dev/kvm cannot be opened (") + std::strerror(errno) + ")";
  return {};
}

std::string QemuKvmProbe::probe_boot_problem() {
  const std::string log = m_work_dir + "/kvm-probe-firmware.log";
  const std::string err = m_work_dir + "/kvm-probe-qemu.log";
  std::vector<std::string> argv{m_qemu, "-accel", "kvm", "-machine", "pc", "-m", "256", "-nodefaults",
                                "-no-user-config", "-display", "none", "-no-reboot", "-chardev",
                                "file,id=dbg,path=" + log, "-device", "isa-debugcon,iobase=0x402,chardev=dbg"};
  if (!m_cd_image.empty())
    argv.insert(argv.end(), {"-drive", "if=ide,media=cdrom,readonly=on,format=raw,file=" + qemu_escape(m_cd_image),
                             "-boot", "d"});
  ChildProcess child;
  child.spawn(argv, err);
  auto read = [](const std::string& path) {
    try {
      return util::read_small_file(path, 1u << 20, "probe log");
    } catch (const Error&) {
      return std::string();
    }
  };
  // KVM stops a guest it cannot emulate and QEMU says so on stderr, without exiting.
  auto kvm_error = [&] { return read(err).find("KVM internal error") != std::string::npos; };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(m_timeout_ms);
  std::optional<std::chrono::steady_clock::time_point> booting;
  // SeaBIOS has run its whole POST and boot selection when it boots or gives up on
  // booting: with no boot device that is a few seconds under working KVM. With a CD, its
  // boot loader then runs for 3 s more.
  while (std::chrono::steady_clock::now() < deadline) {
    if (kvm_error()) {
      child.kill();
      return "KVM internal error" + std::string(booting ? " once the boot loader ran" : "");
    }
    const std::string firmware = read(log);
    if (firmware.find("No bootable device") != std::string::npos) {
      child.kill();
      return {};
    }
    if (!booting && firmware.find("Booting from") != std::string::npos) {
      if (m_cd_image.empty()) {
        child.kill();
        return {};
      }
      booting = std::chrono::steady_clock::now();
    }
    if (booting && std::chrono::steady_clock::now() - *booting >= std::chrono::seconds(3)) {
      child.kill();
      return {};
    }
    if (!child.running()) {
      const std::string qemu_log = read(err);
      auto lines = last_lines(qemu_log, 1);
      return lines.empty() ? std::string("QEMU exited") : lines.back();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  child.kill();
  return "the firmware did not finish within " + std::to_string(m_timeout_ms / 1000) + " s";
}

}  // namespace imgbuild::vm
