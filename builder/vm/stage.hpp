// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// How far an image got (stages), and why it stopped there (diagnosis). Pure: fed markers
// and evidence gathered by the runner, so every verdict is unit-tested from strings.

#include "vm/markers.hpp"
#include "vm/secureboot.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::vm {

// In boot order. `Boot` is reached when the preseed's early_command reported the build id
// of the ISO under test; `Network` when netcfg configured the network on a fleet image
// (build --hosts: its netcfg hook reports IMGBUILD:network); `Install` when late_command
// finished; `Firstboot` when the installed system's first-boot hook finished.
enum class Stage { None, Boot, Network, Install, Firstboot };

std::string_view stage_name(Stage stage);
// "boot", "network", "install", "firstboot"; nullopt for anything else.
std::optional<Stage> parse_stage(std::string_view name);

// Follows the markers of one run towards a target stage.
class StageTracker {
 public:
  // expected_build_id: the id the ISO carries; nullopt when it carries none (a base ISO
  // or one built without a preseed), in which case no marker can prove the boot stage.
  StageTracker(Stage target, std::optional<std::string> expected_build_id);
  // Under --firmware uefi-secureboot: stage boot counts only if the installer reported
  // Secure Boot on before its preseed-loaded marker; anything else is a failure.
  void require_secure_boot() { m_require_secure_boot = true; }
  bool secure_boot_required() const { return m_require_secure_boot; }
  // The last state the installer reported (IMGBUILD:secureboot).
  SecureBootState secure_boot() const { return m_secure_boot; }
  // Secure Boot was required and is not proven: the failure is about that.
  bool secure_boot_failed() const { return m_secure_boot_failed; }

  // Returns true when the marker changed the state (a stage reached or a failure seen).
  bool on_marker(const Marker& marker);

  Stage reached() const { return m_reached; }
  Stage target() const { return m_target; }
  bool target_reached() const { return m_reached >= m_target; }
  // A marker that rules out success, whatever comes later (another image's build id,
  // late_command failure): the run can stop now.
  bool failed() const { return !m_failure.empty(); }
  const std::string& failure() const { return m_failure; }
  // The build id reported by a preseed-loaded marker that did not match, if any.
  const std::optional<std::string>& foreign_build_id() const { return m_foreign_id; }
  // A fleet image stopped this machine: it is in none of its inventory's rows.
  bool host_unknown() const { return m_host_unknown; }
  const std::optional<std::string>& expected_build_id() const { return m_expected_id; }
  const std::vector<Marker>& markers() const { return m_markers; }
  // Notes worth showing even on success (firstboot-detach-failed, unknown markers).
  const std::vector<std::string>& warnings() const { return m_warnings; }

 private:
  // Once per text: the first-boot hook says each marker on the serial port, through the
  // kernel log and on the console, so the same note arrives up to three times.
  void warn(std::string text);

  Stage m_target;
  std::optional<std::string> m_expected_id;
  Stage m_reached = Stage::None;
  std::string m_failure;
  std::optional<std::string> m_foreign_id;
  bool m_host_unknown = false;
  bool m_require_secure_boot = false;
  bool m_secure_boot_failed = false;
  SecureBootState m_secure_boot = SecureBootState::NotReported;
  std::vector<Marker> m_markers;
  std::vector<std::string> m_warnings;
};

// Likely causes, most specific first.
enum class Cause {
  None,               // target reached
  NoBuildId,          // the ISO has no /imgbuild/build-id: nothing can prove the boot
  BuildIdMismatch,    // a preseed of another image booted
  LateCommandFailed,  // late_command reported failure
  HostUnknown,        // a fleet image did not find this machine in its inventory and stopped
  SecureBootRefused,  // firmware, shim, GRUB or the kernel refused a binary under Secure Boot
  SecureBootNotProven,  // Secure Boot was required; the installer did not report it on
  NotBootable,        // firmware could not boot the CD (no/invalid El Torito catalog)
  MenuWaiting,        // boot loader never started a kernel (menu or prompt waiting)
  PreseedNotFound,    // a kernel ran but the preseed marker never came
  QemuFailed,         // QEMU exited on its own (crash, bad option, KVM internal error)
  NoReboot,           // install finished, but the installed system never booted
  FirstbootNotRun,    // the installed system came up with no first-boot hook marker
  UnhealthyAfterStage,  // stage reached, then I/O errors or no login prompt
  Timeout,            // none of the above could be told apart: it was just too slow
};

std::string_view cause_name(Cause cause);

// What the runner could observe when the run ended, beyond the markers.
struct Evidence {
  bool timed_out = false;
  bool qemu_exited = false;     // QEMU ended by itself before the verdict
  std::string qemu_stderr;      // its diagnostics (e.g. "KVM internal error")
  std::string serial_log;       // everything read from the serial port
  std::string firmware_log;     // SeaBIOS debug console (isa-debugcon), if captured
  // The first console line where the boot chain refused a binary (Secure Boot).
  std::optional<Refusal> refusal;
  std::string vga_text;         // VGA text-mode screen, if the guest was in text mode
  // Whether an operating system kernel was executing (from the CPU state); nullopt when
  // it could not be sampled.
  std::optional<bool> kernel_running;
  double elapsed_seconds = 0;
  // Boots that began after install-finished (0: the installed system never started).
  std::size_t boots_after_install = 0;
  // The installed system showed its login prompt and no first-boot marker came.
  bool firstboot_not_run = false;
};

struct Verdict {
  bool passed = false;
  Stage reached = Stage::None;
  Cause cause = Cause::None;
  std::string summary;              // one line
  std::vector<std::string> details;  // supporting facts, one per line
};

Verdict diagnose(const StageTracker& tracker, const Evidence& evidence);

// --- Readers of raw monitor/firmware output, pure so they are tested with strings. ---

// Text of an 80x25 VGA text screen from `xp /4000bx 0xb8000` monitor output (character,
// attribute pairs); trailing blanks removed, empty rows kept. Empty when the dump does not
// parse.
std::string vga_text_from_xp(std::string_view xp_output, int columns = 80);

// Whether `info registers -a` output shows a CPU executing in a kernel's address space
// (a paged 32-bit kernel at 0xc0000000 and above, or a 64-bit one in the upper half):
// the sign that the boot loader handed over. Firmware and boot loaders run identity-mapped
// low. nullopt when no instruction pointer is found.
std::optional<bool> kernel_running_from_registers(std::string_view info_registers);

}  // namespace imgbuild::vm
