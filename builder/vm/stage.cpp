// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/stage.hpp"

#include <algorithm>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <sstream>

namespace imgbuild::vm {

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string seconds_text(double seconds) {
  return std::to_string(static_cast<long long>(seconds + 0.5)) + " s";
}

// The last line of a text that is not blank.
std::string last_line_of(std::string_view text) {
  auto lines = last_lines(text, 1);
  return lines.empty() ? std::string() : lines.back();
}

// The last console line a program wrote, passing over the kernel's own messages
// ("[   12.345678] reboot: Power down") that follow any poweroff.
std::string last_console_words(std::string_view serial_log) {
  const auto lines = last_lines(serial_log, 8);
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    const std::size_t close = line->find(']');
    const bool kernel_message = !line->empty() && (*line)[0] == '[' && close != std::string::npos &&
                                line->find_first_not_of(" 0123456789.", 1) == close;
    if (!kernel_message) return *line;
  }
  return {};
}

// SeaBIOS's El Torito checks (src/cdrom.c cdrom_boot) return numbered codes: 3 = the boot
// record volume descriptor cannot be read, 4-5 = it is not El Torito, 7-12 = the boot
// catalog is missing or invalid.
std::string seabios_cdrom_failure(std::string_view firmware_log) {
  std::size_t at = firmware_log.rfind("Could not read from CDROM (code ");
  if (at == std::string_view::npos) return {};
  std::size_t close = firmware_log.find(')', at);
  return std::string(firmware_log.substr(at, close == std::string_view::npos ? 40 : close - at + 1));
}

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::None: return "none";
    case Stage::Boot: return "boot";
    case Stage::Network: return "network";
    case Stage::Install: return "install";
    case Stage::Firstboot: return "firstboot";
  }
  return "none";
}

std::optional<Stage> parse_stage(std::string_view name) {
  if (name == "boot") return Stage::Boot;
  if (name == "network") return Stage::Network;
  if (name == "install") return Stage::Install;
  if (name == "firstboot") return Stage::Firstboot;
  return std::nullopt;
}

std::string_view cause_name(Cause cause) {
  switch (cause) {
    case Cause::None: return "none";
    case Cause::NoBuildId: return "no build id";
    case Cause::BuildIdMismatch: return "build-id mismatch";
    case Cause::LateCommandFailed: return "late_command failed";
    case Cause::HostUnknown: return "machine not in the inventory";
    case Cause::SecureBootRefused: return "refused by Secure Boot";
    case Cause::SecureBootNotProven: return "Secure Boot not proven";
    case Cause::NotBootable: return "not bootable";
    case Cause::MenuWaiting: return "menu did not auto-select";
    case Cause::PreseedNotFound: return "preseed not found";
    case Cause::QemuFailed: return "QEMU failed";
    case Cause::NoReboot: return "installed system did not boot";
    case Cause::FirstbootNotRun: return "first-boot hook did not run";
    case Cause::UnhealthyAfterStage: return "unhealthy after the stage";
    case Cause::Timeout: return "timeout";
  }
  return "unknown";
}

StageTracker::StageTracker(Stage target, std::optional<std::string> expected_build_id)
    : m_target(target), m_expected_id(std::move(expected_build_id)) {}

bool StageTracker::on_marker(const Marker& marker) {
  m_markers.push_back(marker);
  switch (marker.kind) {
    case MarkerKind::SecureBoot:
      m_secure_boot = parse_secure_boot_state(marker.detail);
      return false;
    case MarkerKind::PreseedLoaded:
      if (m_expected_id && marker.detail == *m_expected_id) {
        if (m_require_secure_boot && m_secure_boot != SecureBootState::On && m_failure.empty() &&
            m_reached < Stage::Boot) {
          // The preseed of this image ran, but nothing proves the chain was verified.
          m_secure_boot_failed = true;
          m_failure = m_secure_boot == SecureBootState::NotReported
                          ? "the installer did not report the Secure Boot state before its preseed marker "
                            "(an image built by an imgbuild without IMGBUILD:secureboot? rebuild it)"
                          : "the installer reports Secure Boot " + std::string(secure_boot_state_name(m_secure_boot)) +
                                ", but the machine's firmware enforces it";
          return true;
        }
        if (m_reached < Stage::Boot) {
          m_reached = Stage::Boot;
          return true;
        }
        return false;
      }
      // Another image's preseed (or one that reports no id at all): this ISO is not the
      // one that booted, or its preseed was not the one imgbuild wrote.
      m_foreign_id = marker.detail;
      if (m_expected_id && m_failure.empty()) {
        m_failure = "the preseed that ran reports build id '" + marker.detail +
                    "', but this ISO's build id is " + *m_expected_id;
        return true;
      }
      return false;
    case MarkerKind::InstallFinished:
      // Only after this image's preseed: a stray marker cannot prove an install.
      if (m_reached == Stage::Boot || m_reached == Stage::Network) {
        m_reached = Stage::Install;
        return true;
      }
      if (m_reached < Stage::Boot)
        warn("install-finished seen before this image's preseed-loaded marker; ignored");
      return false;
    case MarkerKind::LateCommandFailed:
      if (m_failure.empty() && m_reached >= Stage::Boot) {
        m_failure = "late_command failed with status " +
                    (marker.detail.empty() ? std::string("unknown") : marker.detail);
        return true;
      }
      return false;
    case MarkerKind::Firstboot:
      if (marker.event == "detach-failed" || marker.event == "no-drac")
        warn("first-boot hook: " + marker.event +
                             (marker.detail.empty() ? "" : " (" + marker.detail + ")"));
      if (marker.event == "done" && m_reached == Stage::Install) {
        m_reached = Stage::Firstboot;
        return true;
      }
      return false;
    case MarkerKind::Fleet:
      if (marker.event == "network" && m_reached == Stage::Boot) {
        m_reached = Stage::Network;
        return true;
      }
      if (marker.event == "host-unknown" && m_failure.empty() && m_reached >= Stage::Boot) {
        m_host_unknown = true;
        m_failure = "the installer stopped: this machine is in none of the image's inventory rows (it saw " +
                    marker.detail + ")";
        return true;
      }
      return false;
    case MarkerKind::Unknown:
      warn("unknown marker " + marker.text + " (from a newer imgbuild?)");
      return false;
  }
  return false;
}

void StageTracker::warn(std::string text) {
  if (std::find(m_warnings.begin(), m_warnings.end(), text) == m_warnings.end()) m_warnings.push_back(std::move(text));
}

namespace {

// What diagnose() reads of a run that stopped short of its stage, once for every cause.
struct StopFacts {
  std::string stopped;  // "stage firstboot not reached (last stage reached: install)"
  bool grub_on_serial = false;
  bool prompt_on_screen = false;
  std::string cdrom_failure;
  bool ovmf_nothing_bootable = false;
  bool seabios_nothing_bootable = false;
};

StopFacts read_stop_facts(const StageTracker& tracker, const Evidence& evidence) {
  StopFacts facts;
  facts.stopped = "stage " + std::string(stage_name(tracker.target())) + " not reached (last stage reached: " +
                  std::string(stage_name(tracker.reached())) + ")";
  facts.grub_on_serial = contains(evidence.serial_log, "GNU GRUB");
  facts.prompt_on_screen = contains(evidence.vga_text, "boot:");
  facts.cdrom_failure = seabios_cdrom_failure(evidence.firmware_log);
  facts.ovmf_nothing_bootable = contains(evidence.serial_log, "No bootable option or device was found");
  facts.seabios_nothing_bootable =
      contains(evidence.firmware_log, "No bootable device") || contains(evidence.vga_text, "No bootable device");
  return facts;
}

// Facts that help whichever cause is named.
void add_stop_details(const StopFacts& facts, const Evidence& evidence, std::vector<std::string>& details) {
  if (!facts.cdrom_failure.empty()) details.push_back("firmware: " + facts.cdrom_failure);
  if (facts.seabios_nothing_bootable || facts.ovmf_nothing_bootable)
    details.push_back("firmware: no bootable device found");
  if (facts.prompt_on_screen) details.push_back("screen shows a 'boot:' prompt waiting for input");
  if (facts.grub_on_serial && evidence.kernel_running == std::optional<bool>(false))
    details.push_back("a GRUB menu is on the serial console, waiting");
  if (evidence.kernel_running)
    details.push_back(*evidence.kernel_running ? "CPU state: a kernel was running"
                                               : "CPU state: no kernel running (firmware or boot loader)");
}

// A refused binary ends the boot path: what the firmware does next (another boot option,
// "no bootable option") is only a consequence.
void explain_refusal(const Refusal& refusal, const StopFacts& facts, const Evidence& evidence, Verdict& verdict) {
  auto& details = verdict.details;
  verdict.cause = Cause::SecureBootRefused;
  verdict.summary = facts.stopped + ": refused by Secure Boot at the " + refusal.stage + " stage after " +
                    seconds_text(evidence.elapsed_seconds) + ": '" + refusal.words + "'";
  if (refusal.stage == "firmware")
    details.push_back("the firmware's db does not trust the disc's EFI loader (unsigned, or not signed by "
                      "Microsoft's UEFI CA as a shim is?)");
  else if (refusal.stage == "shim")
    details.push_back("shim refused the boot loader it starts (grubx64.efi changed or not signed by the "
                      "distribution's key)");
  else if (refusal.stage == "GRUB")
    details.push_back("GRUB refused the kernel through shim (kernel changed or not signed by a key shim trusts)");
  else
    details.push_back("the kernel, locked down by Secure Boot, refused a module without a trusted signature");
}

// A marker ruled success out (StageTracker::failed).
void explain_failure_marker(const StageTracker& tracker, const StopFacts& facts, Verdict& verdict) {
  if (tracker.secure_boot_failed()) {
    verdict.cause = Cause::SecureBootNotProven;
    verdict.summary = facts.stopped + ": " + std::string(cause_name(verdict.cause)) + ": " + tracker.failure();
    return;
  }
  bool mismatch = tracker.foreign_build_id().has_value() && tracker.reached() < Stage::Boot;
  verdict.cause = mismatch                 ? Cause::BuildIdMismatch
                  : tracker.host_unknown() ? Cause::HostUnknown
                                           : Cause::LateCommandFailed;
  verdict.summary = facts.stopped + ": " + std::string(cause_name(verdict.cause)) + ": " + tracker.failure();
  if (mismatch)
    verdict.details.push_back("is this the ISO that was built? a stale image on the virtual media, or a "
                              "preseed copied from another build, reports another id");
}

// QEMU ended before the verdict: its own last words, else the guest's.
void explain_qemu_exit(const StopFacts& facts, const Evidence& evidence, Verdict& verdict) {
  verdict.cause = Cause::QemuFailed;
  std::string why = last_line_of(evidence.qemu_stderr);
  if (contains(evidence.qemu_stderr, "KVM internal error"))
    why = "KVM internal error (KVM is broken on this host: use --accel tcg)";
  if (why.empty()) {
    // QEMU said nothing: the guest powered the machine off itself (an installer or a
    // script that gave up). Its own last words on the console are the diagnosis.
    const std::string words = last_console_words(evidence.serial_log);
    verdict.summary = facts.stopped + ": the machine powered itself off after " +
                      seconds_text(evidence.elapsed_seconds) +
                      (words.empty() ? std::string() : "; its console's last words: '" + words + "'");
    return;
  }
  verdict.summary = facts.stopped + ": QEMU exited after " + seconds_text(evidence.elapsed_seconds) + ": " + why;
}

// Nothing ended the run but the wait: how far the guest got says what it waited for.
void explain_wait(const StageTracker& tracker, const StopFacts& facts, const Evidence& evidence, Verdict& verdict) {
  const std::string& stopped = facts.stopped;
  if (evidence.firstboot_not_run) {
    verdict.cause = Cause::FirstbootNotRun;
    verdict.summary = stopped + ": the installed system came up to its login prompt and no "
                      "IMGBUILD:firstboot-start came: the first-boot hook is not installed or not "
                      "enabled (did late_command install it?)";
    return;
  }

  if (tracker.reached() == Stage::Install && tracker.target() == Stage::Firstboot &&
      evidence.boots_after_install == 0) {
    verdict.cause = Cause::NoReboot;
    verdict.summary = stopped + ": the install finished but no kernel started after it in " +
                      seconds_text(evidence.elapsed_seconds) +
                      " (the installer did not reboot, or the disk does not boot: boot loader "
                      "not installed on the disk the firmware boots?)";
    return;
  }

  if (tracker.reached() >= Stage::Boot) {
    verdict.cause = Cause::Timeout;
    verdict.summary = stopped + ": timeout after " + seconds_text(evidence.elapsed_seconds) +
                      " while the installer was running";
    return;
  }

  if (evidence.kernel_running == std::optional<bool>(false) || facts.prompt_on_screen) {
    verdict.cause = Cause::MenuWaiting;
    verdict.summary = stopped + ": no kernel was started after " +
                      seconds_text(evidence.elapsed_seconds) +
                      ": the boot menu did not auto-select an entry (timeout 0 or prompt "
                      "waiting for input?)";
    return;
  }

  if (evidence.kernel_running == std::optional<bool>(true)) {
    verdict.cause = Cause::PreseedNotFound;
    verdict.summary = stopped + ": a kernel booted but no IMGBUILD:preseed-loaded marker came in " +
                      seconds_text(evidence.elapsed_seconds) +
                      ": preseed not found in the initrd, or its early_command did not run";
    return;
  }

  verdict.cause = Cause::Timeout;
  verdict.summary = stopped + ": timeout after " + seconds_text(evidence.elapsed_seconds);
}

}  // namespace

Verdict diagnose(const StageTracker& tracker, const Evidence& evidence) {
  Verdict verdict;
  verdict.reached = tracker.reached();
  auto& details = verdict.details;
  for (const auto& warning : tracker.warnings()) details.push_back("warning: " + warning);

  if (tracker.secure_boot() != SecureBootState::NotReported)
    details.push_back("Secure Boot: " + std::string(secure_boot_state_name(tracker.secure_boot())) +
                      " (reported by the installer)" +
                      (tracker.secure_boot_required() && tracker.secure_boot() == SecureBootState::On
                           ? ", as the firmware enforces"
                           : ""));

  if (tracker.target_reached()) {
    verdict.passed = true;
    verdict.cause = Cause::None;
    verdict.summary = "stage " + std::string(stage_name(tracker.target())) + " reached in " +
                      seconds_text(evidence.elapsed_seconds);
    return verdict;
  }

  const StopFacts facts = read_stop_facts(tracker, evidence);
  add_stop_details(facts, evidence, details);
  if (evidence.refusal) {
    explain_refusal(*evidence.refusal, facts, evidence, verdict);
  } else if (tracker.failed()) {
    explain_failure_marker(tracker, facts, verdict);
  } else if (!facts.cdrom_failure.empty() || ((facts.seabios_nothing_bootable || facts.ovmf_nothing_bootable) &&
                                              evidence.kernel_running != std::optional<bool>(true))) {
    // Before anything about markers: a disc the firmware cannot boot never gets that far.
    verdict.cause = Cause::NotBootable;
    verdict.summary = facts.stopped + ": the firmware could not boot the CD (no or invalid El Torito "
                      "boot catalog for this firmware?)";
  } else if (!tracker.expected_build_id()) {
    verdict.cause = Cause::NoBuildId;
    verdict.summary = facts.stopped + ": the ISO has no /imgbuild/build-id, so no preseed marker can "
                      "prove it booted (an unmodified base ISO, or built without --preseed?)";
    if (tracker.foreign_build_id())
      details.push_back("a preseed did report build id '" + *tracker.foreign_build_id() + "'");
  } else if (evidence.qemu_exited) {
    explain_qemu_exit(facts, evidence, verdict);
  } else {
    explain_wait(tracker, facts, evidence, verdict);
  }
  return verdict;
}

std::string vga_text_from_xp(std::string_view xp_output, int columns) {
  // Lines look like "00000000000b8000: 0x42 0x07 0x6f 0x07 ...".
  std::string bytes;
  std::istringstream in{std::string(xp_output)};
  std::string line;
  while (std::getline(in, line)) {
    std::size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 2));
    std::string word;
    while (words >> word) {
      if (word.size() < 3 || word[0] != '0' || word[1] != 'x') continue;
      bytes.push_back(static_cast<char>(std::strtoul(word.c_str() + 2, nullptr, 16)));
    }
  }
  if (bytes.size() < 2) return {};
  std::string text;
  std::string row;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    row.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : ' ');
    if (row.size() == static_cast<std::size_t>(columns)) {
      while (!row.empty() && row.back() == ' ') row.pop_back();
      text += row;
      text += '\n';
      row.clear();
    }
  }
  while (!row.empty() && row.back() == ' ') row.pop_back();
  if (!row.empty()) text += row + '\n';
  return text;
}

std::optional<bool> kernel_running_from_registers(std::string_view info) {
  // Per CPU: an instruction pointer ("EIP=c10a3f2e" or "RIP=ffffffff810..."), CPL= and
  // CR0=. A CPU in user mode with paging also means a kernel is in charge.
  bool any_cpu = false;
  bool kernel = false;
  std::size_t pos = 0;
  while (true) {
    std::size_t eip = info.find("EIP=", pos);
    std::size_t rip = info.find("RIP=", pos);
    std::size_t at = std::min(eip, rip);
    if (at == std::string_view::npos) break;
    bool is64 = at == rip;
    std::uint64_t ip = std::strtoull(std::string(info.substr(at + 4, 16)).c_str(), nullptr, 16);
    std::size_t next_cpu = info.find("EIP=", at + 4);
    next_cpu = std::min(next_cpu, info.find("RIP=", at + 4));
    std::string_view cpu = info.substr(at, next_cpu == std::string_view::npos ? info.size() - at : next_cpu - at);
    int cpl = 0;
    if (std::size_t c = cpu.find("CPL="); c != std::string_view::npos) cpl = cpu[c + 4] - '0';
    std::uint64_t cr0 = 0;
    if (std::size_t c = cpu.find("CR0="); c != std::string_view::npos)
      cr0 = std::strtoull(std::string(cpu.substr(c + 4, 8)).c_str(), nullptr, 16);
    bool paging = (cr0 & 0x80000000u) != 0;
    bool high = is64 ? ip >= 0xffff800000000000ull : ip >= 0xc0000000ull;
    any_cpu = true;
    if (paging && (high || cpl == 3)) kernel = true;
    pos = at + 4;
  }
  if (!any_cpu) return std::nullopt;
  return kernel;
}

}  // namespace imgbuild::vm
