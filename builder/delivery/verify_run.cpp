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

Result run(const Request& request, std::ostream& out) {
  Result result;
  result.request = request;
  const vm::Stage target = *vm::parse_stage(request.stage);
  result.target = target;
  // Bad input first, before anything is started: exit 2 with one line.
  util::open_for_reading(request.iso, "ISO");
  const std::string iso_path = fs::absolute(request.iso).string();
  const std::optional<std::string> build_id = iso::read_build_id(iso_path);
  const vm::MachineProfile profile = vm::load_machine_profile(request.machine);
  fleet::MachineIdentity identity;
  if (!request.identity.empty()) identity = fleet::parse_identity(request.identity);
  if (identity.macs.size() > vm::nic_count(profile))
    throw Error("--identity " + request.identity,
                "names " + std::to_string(identity.macs.size()) + " MACs, machine " + profile.name + " has " +
                    std::to_string(vm::nic_count(profile)) + " NICs",
                "give at most one mac= per NIC");
  result.machine = profile.name;
  vm::Firmware firmware = profile.firmware.value_or(vm::Firmware::Bios);
  if (!request.firmware.empty()) {
    auto chosen = vm::parse_firmware(request.firmware);
    if (!chosen)
      throw Error("--firmware " + request.firmware, "unknown firmware", "known: bios, uefi, uefi-secureboot");
    firmware = *chosen;
    // The profile checks its own key; a machine chosen on the command line is checked here.
    if (firmware == vm::Firmware::UefiSecureBoot) vm::require_secure_boot_machine(profile, "--firmware uefi-secureboot");
  }
  result.firmware = firmware;
  const unsigned timeout =
      request.timeout.value_or(target <= vm::Stage::Network ? k_boot_timeout : k_install_timeout);
  const bool say = !request.quiet;
#ifdef IMGBUILD_HAVE_GUESTFS
  // Before the run: a typo in the profile must not cost a 20-minute installation.
  std::optional<inspect::Profile> expectations;
  if (!request.expect.empty()) {
    if (target <= vm::Stage::Network)
      throw Error(request.expect, "--expect judges the installed disk, which stage " + request.stage + " does not make",
                  "add --stage firstboot (or --stage install), or drop --expect");
    expectations = inspect::load_profile(request.expect);
  }
#else
  if (!request.expect.empty())
    throw Error(request.expect, "this imgbuild was built without libguestfs: --expect cannot read the disk",
                "install libguestfs-dev and rebuild", 3);
#endif

  if (say && !build_id)
    out << "note: " << request.iso << " has no /imgbuild/build-id (not built by imgbuild build "
        << "with a preseed?): it can boot, but cannot prove stage boot; booting anyway to show "
        << "how far it gets\n";
  if (say && target > vm::Stage::Network)
    out << "note: --stage " << request.stage << " runs a full installation (about 20 minutes under "
        << "TCG) and needs every installer component from the disc or a reachable mirror; "
        << (request.timeout ? "" : "timeout raised to " + std::to_string(timeout) + " s; ")
        << "a build host without a complete mirror cannot get past stage boot\n";

  util::TempDir work("verify");
  const fs::path dir = work.path();
  vm::LaunchSettings settings;
  settings.iso = iso_path;
  settings.disk = (dir / ("disk." + profile.disk_format)).string();
  settings.floppy = (dir / "floppy.img").string();
  settings.qmp_socket = (dir / "qmp.sock").string();
  if (settings.qmp_socket.size() >= 100)
    throw Error(settings.qmp_socket, "path too long for a unix socket", "set TMPDIR to a shorter directory", 3);
  settings.firmware = firmware;
  settings.smbios_serial = identity.serial;
  settings.nic_macs = identity.macs;
  if (firmware == vm::Firmware::Bios) {
    settings.firmware_log = (dir / "firmware.log").string();
  } else {
    vm::OvmfFiles ovmf = vm::find_ovmf(firmware);
    settings.ovmf_code = ovmf.code;
    settings.ovmf_vars = (dir / "OVMF_VARS.fd").string();
  }
  settings.cd_first = target <= vm::Stage::Network;

  // The probe boots the image with SeaBIOS whatever --firmware says: its BIOS boot loader is
  // the quickest real guest code to hand (a UEFI-only image just ends the probe early).
  vm::QemuKvmProbe probe(settings.qemu_binary, dir.string(), 8000, iso_path);
  result.accel = vm::choose_accel(request.accel, probe);
  settings.accel = result.accel.accel;
  if (say)
    out << "verify: " << request.iso << " on " << profile.name << " (" << vm::firmware_name(firmware)
        << "), stage " << request.stage << ", timeout " << timeout << " s\naccel: "
        << vm::accel_name(result.accel.accel) << " (" << result.accel.reason << ")\n"
        << std::flush;

  // Listening before QEMU starts: the installer's syslogd sends from its first seconds.
  std::optional<vm::SyslogListener> syslog;
  if (request.syslog_port) syslog.emplace(*request.syslog_port);

  // The whole delivery: with a DRAC, stage firstboot goes on through the detach, the
  // power cycle without media and a boot from the PERC disk alone.
  const bool delivery = target == vm::Stage::Firstboot && profile.drac != vm::DracKind::None;
  if (profile.drac != vm::DracKind::None) settings.drac_socket = (dir / "drac.sock").string();
  vm::QemuRunner runner(profile, settings, (dir / "qemu.log").string());
  vm::VerifyOptions options;
  options.target = target;
  options.timeout = std::chrono::seconds(timeout);
  options.expected_build_id = build_id;
  options.screenshot_path = (dir / "screen.png").string();
  options.drac = profile.drac;
  options.system_model = profile.system_model;
  options.media_devices = profile.drac_media;
  options.require_secure_boot = firmware == vm::Firmware::UefiSecureBoot;
  if (delivery) options.settle = std::chrono::seconds(180);
  std::string log_dir = request.log_dir;
  if (!request.report_dir.empty()) {
    // Made before the run: a report that cannot be written must not cost the run.
    std::error_code ec;
    fs::create_directories(fs::path(request.report_dir) / "screenshots", ec);
    if (ec)
      throw Error(request.report_dir, "cannot create the report directory: " + ec.message(), "choose a writable path");
    options.screenshot_dir = (fs::path(request.report_dir) / "screenshots").string();
    if (log_dir.empty()) log_dir = (fs::path(request.report_dir) / "logs").string();
  }

  LiveTimeline timeline(util::progress_mode_for_stderr(!say));
  if (!say) util::set_progress_mode(util::ProgressMode::Off);  // nor the libguestfs launch's line
  double offset = 0;  // seconds of the sessions before the current one
  vm::VerifyObserver observer;
  observer.on_event = [&](const vm::TimelineEvent& e) {
    vm::TimelineEvent shifted{e.seconds + offset, e.text};
    result.timeline.push_back(shifted);
    timeline.event(shifted);
  };
  observer.on_tick = [&](double seconds, vm::Stage reached) { timeline.tick(seconds + offset, reached, target); };
  // Ctrl-C from here on stops the machine, not imgbuild: what the run saw is kept below.
  vm::InterruptScope interrupts;
  result.outcome = vm::run_verify(runner, options, observer);
  observer.on_event({result.outcome.seconds, "machine stopped"});
  if (vm::InterruptScope::signal()) mark_interrupted(result.outcome.verdict, result.outcome.seconds);

  offset = result.outcome.seconds;
  if (delivery && result.outcome.verdict.passed) {
    observer.on_event({0, "power cycle: the machine comes back without the DRAC's virtual media"});
    vm::LaunchSettings bare = settings;
    bare.omit_devices = profile.drac_media;
    bare.keep_disks = true;
    // The DRAC's port stays on the machine; nobody needs to answer it now.
    bare.drac_socket = (dir / "drac-2.sock").string();
    vm::QemuRunner second(profile, bare, (dir / "qemu-2.log").string());
    vm::PowerOnOptions power_on;
    power_on.screenshot_path = (dir / "screen-2.png").string();
    power_on.screenshot_dir = options.screenshot_dir;
    result.power_cycle = vm::run_power_on(second, power_on, observer);
    result.power_cycle_serial_log = result.power_cycle->serial_log;
    const vm::BootRecord& boot = result.power_cycle->boot;
    if (result.power_cycle->passed) {
      // Booted by UUID, from the PERC disk now named first.
      if (boot.command_line.find("root=UUID=") == std::string::npos &&
          boot.command_line.find("root=LABEL=") == std::string::npos) {
        result.power_cycle->passed = false;
        result.power_cycle->summary = "booted, but not by UUID: kernel command line '" + boot.command_line + "'";
      } else if (vm::is_uefi(firmware) && boot.started_by_removable_path()) {
        // The boot entry the installer wrote is gone (or was never written): only the
        // disk's removable-media path saved this boot.
        result.power_cycle->passed = false;
        result.power_cycle->summary = "after the power cycle the firmware started " + boot.boot_option +
                                      ", the disk's removable-media path, not a boot entry the installer wrote: "
                                      "the entry was never written, or the firmware's variables were lost";
      } else if (boot.system_disk() != profile.system_disk) {
        result.power_cycle->passed = false;
        result.power_cycle->summary = "without the virtual media the system disk should be " + profile.system_disk +
                                      (boot.first_mount.empty() ? "" : "; the root filesystem was " + boot.first_mount) +
                                      "; the console named " + vm::describe_disks(boot);
      }
    }
    offset += result.power_cycle->seconds;
    if (vm::InterruptScope::signal()) {
      result.power_cycle->passed = false;
      result.power_cycle->summary = "interrupted by " + signal_name(vm::InterruptScope::signal());
    }
    observer.on_event({0, std::string("power cycle: ") + (result.power_cycle->passed ? "passed: " : "FAILED: ") +
                              result.power_cycle->summary});
  }
  if (delivery && firmware == vm::Firmware::UefiSecureBoot && result.outcome.verdict.passed)
    require_secure_boot_every_boot(result);
  if (syslog) {
    syslog->stop();
    result.syslog_text = syslog->text();
    result.syslog_datagrams = syslog->datagrams();
  }

#ifdef IMGBUILD_HAVE_GUESTFS
  if (target > vm::Stage::Network && !vm::InterruptScope::signal()) {
    const bool reached = result.outcome.verdict.passed && (!result.power_cycle || result.power_cycle->passed);
    const auto disk_read = std::chrono::steady_clock::now();
    result.disk = check_installed_disk(settings.disk, reached, expectations, say);
    if (result.disk.judged || !result.disk.problem.empty() || !result.disk.logs.empty())
      observer.on_event({std::chrono::duration<double>(std::chrono::steady_clock::now() - disk_read).count(),
                         "installed disk read"});
  }
#endif
  result.passed = result.outcome.verdict.passed && result.disk.ok &&
                  (!result.power_cycle || result.power_cycle->passed);
  if (!result.passed || !log_dir.empty()) {
    std::string command;
    for (const auto& arg : runner.command()) command += (command.empty() ? "" : " ") + arg;
    result.logs = save_logs(make_log_dir(log_dir), result, runner.diagnostics(), command,
                            options.screenshot_path);
  }
  if (!request.report_dir.empty()) write_report(request.report_dir, result);
  if (int signal = vm::InterruptScope::signal())
    throw Error("verify", "interrupted by " + signal_name(signal) + "; the machine is stopped and the logs so far are in " +
                              result.logs.dir, "", 128 + signal);
  return result;
}

}  // namespace imgbuild::delivery
