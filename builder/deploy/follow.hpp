// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Following an installation from outside, after the power-on: what the image must carry
// for it (its build id, and log_host/log_port on its unattended kernel command line, so
// the installer's syslogd sends to deploy), and how the markers that arrive decide each
// step (installer, install, firstboot) or, when nothing decisive arrives in time, what
// the silence means. Pure apart from reading the ISO.

#include "deploy/host.hpp"
#include "deploy/syslog.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::deploy {

struct LogTarget {
  std::string host;
  std::uint16_t port = 514;  // d-i's default when log_port is not given
};

// log_host=/log_port= on the kernel command line of imgbuild's unattended entry (the
// "# imgbuild: begin" block of an isolinux or GRUB menu; the whole text when it has no such
// block); nullopt without log_host.
std::optional<LogTarget> log_target_in_menu(std::string_view menu_text);

struct FollowedImage {
  std::string build_id;
  LogTarget log;
};

// Reads the ISO's build id and the log target of every boot menu imgbuild wrote in it
// (isolinux for BIOS, GRUB for UEFI: the server may boot either). Error (exit 2) naming
// the ISO and the build option when the image cannot be followed: not built by imgbuild,
// or built without `--kernel-args "log_host=ADDR log_port=PORT"`.
FollowedImage check_followable(const std::string& iso_path);

// "STEP=SECONDS" into `timeouts`, STEP one of timeout_names(); Error (exit 2) naming
// --timeout otherwise.
void set_timeout(StepTimeouts& timeouts, const std::string& spec);
std::vector<std::string> timeout_names();

// The parts of a deployment that wait on the server's syslog.
enum class Phase { installer, install, firstboot };

struct Verdict {
  enum class Kind { wait, ok, fail };
  Kind kind = Kind::wait;
  std::string detail;  // ok: what was seen; fail: the diagnosis
  bool build_id_seen = false;  // ok: preseed-loaded with the ISO's build id was among it
};

// Judges the events of one phase as they arrive and explains a timeout by what did (or
// did not) arrive. The installer has started on its preseed-loaded marker, or on its
// first syslog line: d-i runs the early_command (preseed-loaded) before netcfg brings its
// network up, so on a real installer that marker reaches only the serial port, and the
// first line over the network is netcfg's or anna's. A preseed-loaded that does arrive is
// checked against the ISO's build id in any phase before install-finished.
class PhaseWatch {
 public:
  // `build_id_seen`: an earlier phase saw preseed-loaded with the ISO's build id (then a
  // preseed-loaded now is the installer starting again).
  PhaseWatch(Phase phase, std::string build_id, bool build_id_seen = false)
      : m_phase(phase), m_build_id(std::move(build_id)), m_id_seen(build_id_seen) {}

  Verdict see(const HostEvent& event);
  std::string timeout_diagnosis(std::chrono::seconds waited) const;
  // Lines worth keeping for the report (a first-boot hook that could not detach).
  const std::vector<std::string>& notes() const { return m_notes; }

 private:
  Verdict see_installer(const HostEvent& event, const vm::Marker* marker);
  Verdict see_install(const HostEvent& event, const vm::Marker* marker);
  Verdict see_firstboot(const vm::Marker* marker);

  Phase m_phase;
  std::string m_build_id;
  bool m_id_seen = false;
  std::size_t m_lines = 0;              // lines attributed to this host
  std::string m_last_line;              // the last of them
  std::string m_installed_system;       // a line with a header hostname (not d-i's BusyBox)
  std::set<std::string> m_unclaimed;    // senders no host claims
  bool m_firstboot_started = false;
  std::vector<std::string> m_notes;
};

}  // namespace imgbuild::deploy
