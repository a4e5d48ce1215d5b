// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/verify_run.hpp"

#include "delivery/live_timeline.hpp"
#include "delivery/report.hpp"
#include "fleet/identity.hpp"
#include "iso/build_id.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"
#include "vm/process.hpp"
#include "vm/qemu_runner.hpp"
#include "vm/syslog_listener.hpp"

#ifdef IMGBUILD_HAVE_GUESTFS
#include "inspect/expect.hpp"
#include "inspect/read_disk.hpp"
#endif

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace imgbuild::delivery {

namespace {

// A full install runs the whole installer: about 20 minutes under TCG here.
constexpr unsigned k_boot_timeout = 300;
constexpr unsigned k_install_timeout = 3600;

#ifdef IMGBUILD_HAVE_GUESTFS
// QEMU has quit: the disk is closed. Read-only, through the libguestfs appliance (~20 s).
DiskCheck check_installed_disk(const std::string& disk, bool stage_reached,
                               const std::optional<inspect::Profile>& expectations, bool say) {
  DiskCheck check;
  if (stage_reached && !expectations) return check;  // nothing asked of the disk
  try {
    inspect::DiskReadRequest request;
    request.facts = stage_reached;
    request.profile = stage_reached ? &*expectations : nullptr;
    request.logs = true;
    inspect::DiskReading reading = inspect::read_disk(disk, request, [say](const std::string& line) {
      if (say) std::cerr << "imgbuild verify: " << line << "\n";
    });
    if (reading.verdicts) {
      check.judged = true;
      check.ok = reading.ok();
      check.verdicts = inspect::verdicts_to_text(*reading.verdicts);
    }
    for (auto& log : reading.logs) check.logs.push_back({log.saved_as, std::move(log.content)});
  } catch (const Error& e) {
    check.problem = e.problem();
    if (stage_reached) check.ok = false;  // asked to judge a disk that cannot be read
  }
  return check;
}
#endif

void save(const fs::path& path, const std::string& content) {
  try {
    util::write_file_atomically(path.string(), content);
  } catch (const Error& e) {
    std::cerr << "imgbuild: warning: " << e.what() << "\n";
  }
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT (Ctrl-C)";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
  }
  return "signal " + std::to_string(signal);
}

// The run was cut short by the user, not by the image: the verdict says so instead of
// "QEMU exited" (the signal handler killed QEMU).
void mark_interrupted(vm::Verdict& verdict, double seconds) {
  verdict.passed = false;
  verdict.summary = "interrupted by " + signal_name(vm::InterruptScope::signal()) + " after " +
                    std::to_string(static_cast<long>(seconds)) + " s; " + verdict.summary;
  verdict.details.insert(verdict.details.begin(), "the run did not finish: what follows is only as far as it got");
}

}  // namespace

void require_secure_boot_every_boot(Result& result) {
  std::vector<std::pair<std::string, const vm::BootRecord*>> boots;
  for (std::size_t i = 1; i < result.outcome.boots.size(); ++i)
    boots.emplace_back("boot " + std::to_string(i + 1) + " (installed system, virtual media attached)",
                       &result.outcome.boots[i]);
  if (result.power_cycle && result.power_cycle->passed)
    boots.emplace_back("boot " + std::to_string(result.outcome.boots.size() + 1) + " (after the power cycle)",
                       &result.power_cycle->boot);
  for (const auto& [which, boot] : boots) {
    if (boot->secure_boot == "enabled") continue;
    vm::Verdict& verdict = result.outcome.verdict;
    verdict.passed = false;
    verdict.cause = vm::Cause::SecureBootNotProven;
    verdict.summary = "stage firstboot reached, but Secure Boot is not proven in " + which + ": its kernel said " +
                      (boot->secure_boot.empty() ? std::string("nothing about it")
                                                 : "'Secure boot " + boot->secure_boot + "'");
    verdict.details.push_back("the installed system's kernel says 'secureboot: Secure boot enabled' on the console "
                              "when it booted through a verified chain; 'quiet' on its command line hides the line");
    return;
  }
  result.outcome.verdict.details.push_back("Secure Boot: each boot of the installed system: its kernel said "
                                           "'Secure boot enabled'");
}

std::string make_log_dir(const std::string& requested) {
  if (!requested.empty()) {
    std::error_code ec;
    fs::create_directories(requested, ec);
    if (ec || !fs::is_directory(requested))
      throw Error(requested, "cannot create the log directory: " + ec.message(), "choose a writable path");
    return requested;
  }
  return util::create_temp_directory("verify-log", "set TMPDIR or pass --log DIR").string();
}

SavedLogs save_logs(const std::string& dir, const Result& result, const std::string& qemu_diagnostics,
                    const std::string& qemu_command, const std::string& screenshot_source) {
  SavedLogs saved;
  saved.dir = dir;
  const fs::path logs(dir);
  const vm::VerifyOutcome& outcome = result.outcome;
  save(logs / "serial.log", outcome.serial_log);
  if (!outcome.firmware_log.empty()) save(logs / "firmware.log", outcome.firmware_log);
  save(logs / "qemu.log", qemu_diagnostics);
  save(logs / "qemu-command.txt", qemu_command + "\n");
  if (!outcome.vga_text.empty()) save(logs / "vga-text.txt", outcome.vga_text);
  std::string report = outcome.verdict.summary + "\n";
  for (const auto& detail : outcome.verdict.details) report += detail + "\n";
  save(logs / "verdict.txt", report);
  if (result.disk.judged) save(logs / "disk-expectations.txt", result.disk.verdicts);
  std::string timeline;
  for (const auto& e : result.timeline) timeline += "[" + std::to_string(static_cast<long>(e.seconds)) + "s] " + e.text + "\n";
  if (!timeline.empty()) save(logs / "timeline.txt", timeline);
  std::string drac;
  for (const auto& e : outcome.drac_events) drac += e + "\n";
  if (!drac.empty()) save(logs / "drac-events.txt", drac);
  if (result.power_cycle) save(logs / "serial-power-cycle.log", result.power_cycle_serial_log);
  if (!result.syslog_text.empty()) save(logs / "installer-syslog.log", result.syslog_text);
  if (!result.disk.logs.empty()) {
    std::error_code ec;
    fs::create_directories(logs / "disk", ec);
  }
  for (const auto& log : result.disk.logs) {
    save(logs / "disk" / log.saved_as, log.content);
    saved.disk_logs.push_back((logs / "disk" / log.saved_as).string());
  }
  if (outcome.screenshot_saved) {
    // Only a copy that really happened is reported as a screenshot.
    std::error_code ec;
    fs::copy_file(screenshot_source, logs / "screen.png", fs::copy_options::overwrite_existing, ec);
    if (ec)
      saved.screenshot_problem = "could not keep " + screenshot_source + ": " + ec.message();
    else
      saved.screenshot = (logs / "screen.png").string();
  } else {
    saved.screenshot_problem = outcome.screenshot_problem;
  }
  return saved;
}

namespace {

// --firmware, else the profile's firmware key, else BIOS.
vm::Firmware choose_firmware(const Request& request, const vm::MachineProfile& profile) {
  vm::Firmware firmware = profile.firmware.value_or(vm::Firmware::Bios);
  if (!request.firmware.empty()) {
    auto chosen = vm::parse_firmware(request.firmware);
    if (!chosen)
      throw Error("--firmware " + request.firmware, "unknown firmware", "known: bios, uefi, uefi-secureboot");
    firmware = *chosen;
    // The profile checks its own key; a machine chosen on the command line is checked here.
    if (firmware == vm::Firmware::UefiSecureBoot) vm::require_secure_boot_machine(profile, "--firmware uefi-secureboot");
  }
  return firmware;
}

// After the machine booted again without the DRAC's virtual media: it must have booted by
// UUID (or label), from the PERC disk now named first.
void check_boot_without_media(vm::PowerOnOutcome& power_cycle, const std::string& system_disk,
                              vm::Firmware firmware) {
  if (!power_cycle.passed) return;
  const vm::BootRecord& boot = power_cycle.boot;
  if (boot.command_line.find("root=UUID=") == std::string::npos &&
      boot.command_line.find("root=LABEL=") == std::string::npos) {
    power_cycle.passed = false;
    power_cycle.summary = "booted, but not by UUID: kernel command line '" + boot.command_line + "'";
  } else if (vm::is_uefi(firmware) && boot.started_by_removable_path()) {
    // The boot entry the installer wrote is gone (or was never written): only the disk's
    // removable-media path saved this boot.
    power_cycle.passed = false;
    power_cycle.summary = "after the power cycle the firmware started " + boot.boot_option +
                          ", the disk's removable-media path, not a boot entry the installer wrote: "
                          "the entry was never written, or the firmware's variables were lost";
  } else if (boot.system_disk() != system_disk) {
    power_cycle.passed = false;
    power_cycle.summary = "without the virtual media the system disk should be " + system_disk +
                          (boot.first_mount.empty() ? "" : "; the root filesystem was " + boot.first_mount) +
                          "; the console named " + vm::describe_disks(boot);
  }
}

// One `imgbuild verify`: its state, and one member per step, in the order run() takes
// them. Members are declared in the order the steps make them, so they go in reverse
// (the interrupt scope first, the work directory last).
class VerifyRun {
 public:
  VerifyRun(const Request& request, std::ostream& out) : m_request(request), m_out(out) { m_result.request = request; }
  VerifyRun(const VerifyRun&) = delete;
  VerifyRun& operator=(const VerifyRun&) = delete;

  Result run() {
    check_request();
    print_notes();
    prepare_machine();
    // Listening before QEMU starts: the installer's syslogd sends from its first seconds.
    if (m_request.syslog_port) m_syslog.emplace(*m_request.syslog_port);
    prepare_run();
    boot_and_watch();
    power_cycle();
    if (m_delivery && m_firmware == vm::Firmware::UefiSecureBoot && m_result.outcome.verdict.passed)
      require_secure_boot_every_boot(m_result);
    collect_syslog();
    judge_disk();
    keep_evidence();
    return std::move(m_result);
  }

 private:
  // Bad input first, before anything is started: exit 2 with one line.
  void check_request() {
    m_target = *vm::parse_stage(m_request.stage);
    m_result.target = m_target;
    util::open_for_reading(m_request.iso, "ISO");
    m_iso_path = fs::absolute(m_request.iso).string();
    m_build_id = iso::read_build_id(m_iso_path);
    m_profile = vm::load_machine_profile(m_request.machine);
    if (!m_request.identity.empty()) m_identity = fleet::parse_identity(m_request.identity);
    if (m_identity.macs.size() > vm::nic_count(m_profile))
      throw Error("--identity " + m_request.identity,
                  "names " + std::to_string(m_identity.macs.size()) + " MACs, machine " + m_profile.name + " has " +
                      std::to_string(vm::nic_count(m_profile)) + " NICs",
                  "give at most one mac= per NIC");
    m_result.machine = m_profile.name;
    m_firmware = choose_firmware(m_request, m_profile);
    m_result.firmware = m_firmware;
    m_timeout = m_request.timeout.value_or(m_target <= vm::Stage::Network ? k_boot_timeout : k_install_timeout);
    m_say = !m_request.quiet;
    load_expectations();
  }

  void load_expectations() {
#ifdef IMGBUILD_HAVE_GUESTFS
    // Before the run: a typo in the profile must not cost a 20-minute installation.
    if (!m_request.expect.empty()) {
      if (m_target <= vm::Stage::Network)
        throw Error(m_request.expect,
                    "--expect judges the installed disk, which stage " + m_request.stage + " does not make",
                    "add --stage firstboot (or --stage install), or drop --expect");
      m_expectations = inspect::load_profile(m_request.expect);
    }
#else
    if (!m_request.expect.empty())
      throw Error(m_request.expect, "this imgbuild was built without libguestfs: --expect cannot read the disk",
                  "install libguestfs-dev and rebuild", 3);
#endif
  }

  void print_notes() {
    if (m_say && !m_build_id)
      m_out << "note: " << m_request.iso << " has no /imgbuild/build-id (not built by imgbuild build "
            << "with a preseed?): it can boot, but cannot prove stage boot; booting anyway to show "
            << "how far it gets\n";
    if (m_say && m_target > vm::Stage::Network)
      m_out << "note: --stage " << m_request.stage << " runs a full installation (about 20 minutes under "
            << "TCG) and needs every installer component from the disc or a reachable mirror; "
            << (m_request.timeout ? "" : "timeout raised to " + std::to_string(m_timeout) + " s; ")
            << "a build host without a complete mirror cannot get past stage boot\n";
  }

  // The work directory, how QEMU is launched, and the accelerator.
  void prepare_machine() {
    m_work.emplace("verify");
    m_dir = m_work->path();
    m_settings.iso = m_iso_path;
    m_settings.disk = (m_dir / ("disk." + m_profile.disk_format)).string();
    m_settings.floppy = (m_dir / "floppy.img").string();
    m_settings.qmp_socket = (m_dir / "qmp.sock").string();
    if (m_settings.qmp_socket.size() >= 100)
      throw Error(m_settings.qmp_socket, "path too long for a unix socket", "set TMPDIR to a shorter directory", 3);
    m_settings.firmware = m_firmware;
    m_settings.smbios_serial = m_identity.serial;
    m_settings.nic_macs = m_identity.macs;
    if (m_firmware == vm::Firmware::Bios) {
      m_settings.firmware_log = (m_dir / "firmware.log").string();
    } else {
      vm::OvmfFiles ovmf = vm::find_ovmf(m_firmware);
      m_settings.ovmf_code = ovmf.code;
      m_settings.ovmf_vars = (m_dir / "OVMF_VARS.fd").string();
    }
    m_settings.cd_first = m_target <= vm::Stage::Network;

    // The probe boots the image with SeaBIOS whatever --firmware says: its BIOS boot loader
    // is the quickest real guest code to hand (a UEFI-only image just ends the probe early).
    vm::QemuKvmProbe probe(m_settings.qemu_binary, m_dir.string(), 8000, m_iso_path);
    m_result.accel = vm::choose_accel(m_request.accel, probe);
    m_settings.accel = m_result.accel.accel;
    if (m_say)
      m_out << "verify: " << m_request.iso << " on " << m_profile.name << " (" << vm::firmware_name(m_firmware)
            << "), stage " << m_request.stage << ", timeout " << m_timeout << " s\naccel: "
            << vm::accel_name(m_result.accel.accel) << " (" << m_result.accel.reason << ")\n"
            << std::flush;
  }

  // The machine and what run_verify is asked to do on it; the report's directory.
  void prepare_run() {
    // The whole delivery: with a DRAC, stage firstboot goes on through the detach, the
    // power cycle without media and a boot from the PERC disk alone.
    m_delivery = m_target == vm::Stage::Firstboot && m_profile.drac != vm::DracKind::None;
    if (m_profile.drac != vm::DracKind::None) m_settings.drac_socket = (m_dir / "drac.sock").string();
    m_runner.emplace(m_profile, m_settings, (m_dir / "qemu.log").string());
    m_options.target = m_target;
    m_options.timeout = std::chrono::seconds(m_timeout);
    m_options.expected_build_id = m_build_id;
    m_options.screenshot_path = (m_dir / "screen.png").string();
    m_options.drac = m_profile.drac;
    m_options.system_model = m_profile.system_model;
    m_options.media_devices = m_profile.drac_media;
    m_options.require_secure_boot = m_firmware == vm::Firmware::UefiSecureBoot;
    if (m_delivery) m_options.settle = std::chrono::seconds(180);
    m_log_dir = m_request.log_dir;
    if (!m_request.report_dir.empty()) {
      // Made before the run: a report that cannot be written must not cost the run.
      std::error_code ec;
      fs::create_directories(fs::path(m_request.report_dir) / "screenshots", ec);
      if (ec)
        throw Error(m_request.report_dir, "cannot create the report directory: " + ec.message(),
                    "choose a writable path");
      m_options.screenshot_dir = (fs::path(m_request.report_dir) / "screenshots").string();
      if (m_log_dir.empty()) m_log_dir = (fs::path(m_request.report_dir) / "logs").string();
    }
  }

  // Session 1: the installer from the media up to the target stage (vm::run_verify).
  void boot_and_watch() {
    m_timeline.emplace(util::progress_mode_for_stderr(!m_say));
    if (!m_say) util::set_progress_mode(util::ProgressMode::Off);  // nor the libguestfs launch's line
    m_observer.on_event = [this](const vm::TimelineEvent& e) {
      vm::TimelineEvent shifted{e.seconds + m_offset, e.text};
      m_result.timeline.push_back(shifted);
      m_timeline->event(shifted);
    };
    m_observer.on_tick = [this](double seconds, vm::Stage reached) {
      m_timeline->tick(seconds + m_offset, reached, m_target);
    };
    // Ctrl-C from here on stops the machine, not imgbuild: what the run saw is kept below.
    m_interrupts.emplace();
    m_result.outcome = vm::run_verify(*m_runner, m_options, m_observer);
    m_observer.on_event({m_result.outcome.seconds, "machine stopped"});
    if (vm::InterruptScope::signal()) mark_interrupted(m_result.outcome.verdict, m_result.outcome.seconds);
    m_offset = m_result.outcome.seconds;
  }

  // The whole delivery, once session 1 passed: the machine powered on again without the
  // DRAC's virtual media.
  void power_cycle() {
    if (!m_delivery || !m_result.outcome.verdict.passed) return;
    m_observer.on_event({0, "power cycle: the machine comes back without the DRAC's virtual media"});
    vm::LaunchSettings bare = m_settings;
    bare.omit_devices = m_profile.drac_media;
    bare.keep_disks = true;
    // The DRAC's port stays on the machine; nobody needs to answer it now.
    bare.drac_socket = (m_dir / "drac-2.sock").string();
    vm::QemuRunner second(m_profile, bare, (m_dir / "qemu-2.log").string());
    vm::PowerOnOptions power_on;
    power_on.screenshot_path = (m_dir / "screen-2.png").string();
    power_on.screenshot_dir = m_options.screenshot_dir;
    m_result.power_cycle = vm::run_power_on(second, power_on, m_observer);
    m_result.power_cycle_serial_log = m_result.power_cycle->serial_log;
    check_boot_without_media(*m_result.power_cycle, m_profile.system_disk, m_firmware);
    m_offset += m_result.power_cycle->seconds;
    if (vm::InterruptScope::signal()) {
      m_result.power_cycle->passed = false;
      m_result.power_cycle->summary = "interrupted by " + signal_name(vm::InterruptScope::signal());
    }
    m_observer.on_event({0, std::string("power cycle: ") + (m_result.power_cycle->passed ? "passed: " : "FAILED: ") +
                                m_result.power_cycle->summary});
  }

  void collect_syslog() {
    if (!m_syslog) return;
    m_syslog->stop();
    m_result.syslog_text = m_syslog->text();
    m_result.syslog_datagrams = m_syslog->datagrams();
  }

  // The installed disk, read once QEMU has quit: judged when the stage was reached, its
  // logs pulled out otherwise.
  void judge_disk() {
#ifdef IMGBUILD_HAVE_GUESTFS
    if (m_target > vm::Stage::Network && !vm::InterruptScope::signal()) {
      const bool reached =
          m_result.outcome.verdict.passed && (!m_result.power_cycle || m_result.power_cycle->passed);
      const auto disk_read = std::chrono::steady_clock::now();
      m_result.disk = check_installed_disk(m_settings.disk, reached, m_expectations, m_say);
      if (m_result.disk.judged || !m_result.disk.problem.empty() || !m_result.disk.logs.empty())
        m_observer.on_event({std::chrono::duration<double>(std::chrono::steady_clock::now() - disk_read).count(),
                             "installed disk read"});
    }
#endif
  }

  // The verdict of the whole run; the logs (on failure or when asked) and the report kept.
  void keep_evidence() {
    m_result.passed = m_result.outcome.verdict.passed && m_result.disk.ok &&
                      (!m_result.power_cycle || m_result.power_cycle->passed);
    if (!m_result.passed || !m_log_dir.empty()) {
      std::string command;
      for (const auto& arg : m_runner->command()) command += (command.empty() ? "" : " ") + arg;
      m_result.logs = save_logs(make_log_dir(m_log_dir), m_result, m_runner->diagnostics(), command,
                                m_options.screenshot_path);
    }
    if (!m_request.report_dir.empty()) write_report(m_request.report_dir, m_result);
    if (int signal = vm::InterruptScope::signal())
      throw Error("verify",
                  "interrupted by " + signal_name(signal) + "; the machine is stopped and the logs so far are in " +
                      m_result.logs.dir,
                  "", 128 + signal);
  }

  const Request& m_request;
  std::ostream& m_out;
  Result m_result;
  // check_request
  vm::Stage m_target = vm::Stage::Boot;
  std::string m_iso_path;
  std::optional<std::string> m_build_id;
  vm::MachineProfile m_profile;
  fleet::MachineIdentity m_identity;
  vm::Firmware m_firmware = vm::Firmware::Bios;
  unsigned m_timeout = 0;
  bool m_say = true;
#ifdef IMGBUILD_HAVE_GUESTFS
  std::optional<inspect::Profile> m_expectations;
#endif
  // prepare_machine
  std::optional<util::TempDir> m_work;
  fs::path m_dir;
  vm::LaunchSettings m_settings;
  std::optional<vm::SyslogListener> m_syslog;
  // prepare_run
  bool m_delivery = false;
  std::optional<vm::QemuRunner> m_runner;
  vm::VerifyOptions m_options;
  std::string m_log_dir;
  // boot_and_watch
  std::optional<LiveTimeline> m_timeline;
  double m_offset = 0;  // seconds of the sessions before the current one
  vm::VerifyObserver m_observer;
  std::optional<vm::InterruptScope> m_interrupts;
};

}  // namespace

Result run(const Request& request, std::ostream& out) {
  return VerifyRun(request, out).run();
}

}  // namespace imgbuild::delivery
