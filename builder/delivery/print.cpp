// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/print.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace imgbuild::delivery {

namespace {

constexpr std::size_t k_tail_lines = 40;

void print_disk_logs(const Result& result, std::ostream& out) {
  if (!result.logs.disk_logs.empty())
    for (const auto& name : result.logs.disk_logs) out << "  disk log: " << name << "\n";
  else
    out << "  disk logs: none ("
        << (result.disk.problem.empty() ? "no installer log on the disk" : result.disk.problem) << ")\n";
}

// What the firmware started and what the kernel said of Secure Boot, when it did.
std::string boot_extras(const vm::BootRecord& boot) {
  std::string out;
  if (!boot.first_mount.empty()) out += "; root " + boot.first_mount;
  if (!boot.boot_option.empty()) out += "; firmware started " + boot.boot_option;
  if (!boot.secure_boot.empty()) out += "; kernel: Secure boot " + boot.secure_boot;
  return out;
}

// The delivery's own facts: each boot's disk names, what the DRAC did, the power cycle.
void print_delivery(const Result& result, std::ostream& out) {
  const auto& boots = result.outcome.boots;
  for (std::size_t i = 0; i < boots.size(); ++i)
    out << "  boot " << i + 1 << " (" << (i == 0 ? "installer" : "installed system, virtual media attached")
        << "): " << vm::describe_disks(boots[i]) << boot_extras(boots[i]) << "\n";
  if (result.power_cycle)
    out << "  boot " << boots.size() + 1 << " (after the power cycle, no virtual media): "
        << vm::describe_disks(result.power_cycle->boot) << boot_extras(result.power_cycle->boot) << "\n";
  for (const auto& event : result.outcome.drac_events) out << "  DRAC: " << event << "\n";
  if (result.outcome.drac_events.empty() && result.request.stage == "firstboot")
    out << "  DRAC: the guest never called racadm\n";
}

}  // namespace

int print_text(const Result& result, std::ostream& out) {
  const Request& request = result.request;
  const vm::VerifyOutcome& outcome = result.outcome;
  const vm::Verdict& verdict = outcome.verdict;
  const bool say = !request.quiet;
  if (result.passed) {
    out << "verify: PASSED: " << verdict.summary
        << (result.disk.judged ? ", installed disk as " + request.expect : "") << " (" << result.machine
        << ", " << vm::firmware_name(result.firmware) << ", " << vm::accel_name(result.accel.accel) << ")\n";
    if (say)
      for (const auto& detail : verdict.details) out << "  " << detail << "\n";
    if (say && result.power_cycle) {
      out << "  power cycle without virtual media: " << result.power_cycle->summary << "\n";
      print_delivery(result, out);
    }
    if (say && result.disk.judged) out << "expectations from " << request.expect << ":\n" << result.disk.verdicts;
    if (say && !result.logs.dir.empty()) out << "logs: " << result.logs.dir << "\n";
    return 0;
  }

  if (verdict.passed && result.power_cycle && !result.power_cycle->passed) {
    out << "verify: FAILED: " << verdict.summary << ", but after the power cycle without the virtual media: "
        << result.power_cycle->summary << "\n";
    for (const auto& detail : result.power_cycle->details) out << "  " << detail << "\n";
    print_delivery(result, out);
    auto tail = vm::last_lines(result.power_cycle_serial_log, k_tail_lines);
    out << "  last " << tail.size() << " lines of serial output after the power cycle:\n";
    for (const auto& line : tail) out << "    | " << line << "\n";
    out << "  logs: " << result.logs.dir << "\n";
    return 1;
  }

  if (verdict.passed) {  // the stage was reached; the disk is not what the profile says
    out << "verify: FAILED: " << verdict.summary << ", but the installed disk "
        << (result.disk.judged ? "differs from " + request.expect
                               : "could not be read (" + result.disk.problem + ")")
        << "\n";
    if (result.disk.judged) out << result.disk.verdicts;
    for (const auto& name : result.logs.disk_logs) out << "  disk log: " << name << "\n";
    out << "  logs: " << result.logs.dir << "\n";
    return 1;
  }

  out << "verify: FAILED: " << verdict.summary << "\n";
  out << "  likely cause: " << vm::cause_name(verdict.cause) << "\n";
  for (const auto& detail : verdict.details) out << "  " << detail << "\n";
  if (result.target == vm::Stage::Firstboot) print_delivery(result, out);
  auto tail = vm::last_lines(outcome.serial_log, k_tail_lines);
  if (tail.empty()) {
    out << "  serial output: none (a kernel without console=ttyS0 prints nothing there; "
           "the markers would)\n";
  } else {
    out << "  last " << tail.size() << " lines of serial output:\n";
    for (const auto& line : tail) out << "    | " << line << "\n";
  }
  if (!outcome.vga_text.empty() && outcome.vga_text.find_first_not_of(" \n") != std::string::npos) {
    out << "  VGA text screen (meaningful in text mode only):\n";
    for (const auto& line : vm::last_lines(outcome.vga_text, 25)) out << "    | " << line << "\n";
  }
  if (result.logs.screenshot)
    out << "  screenshot: " << *result.logs.screenshot << "\n";
  else
    out << "  screenshot: none (" << result.logs.screenshot_problem << ")\n";
  out << "  serial log: " << (fs::path(result.logs.dir) / "serial.log").string() << "\n";
  if (request.syslog_port) {
    if (result.syslog_text.empty()) {
      out << "  installer syslog: nothing arrived on 127.0.0.1:" << *request.syslog_port
          << " (was the image built with --kernel-args \"log_host=10.0.2.2 log_port=" << *request.syslog_port
          << "\"?)\n";
    } else {
      auto last = vm::last_lines(result.syslog_text, 1);
      out << "  installer syslog: " << (fs::path(result.logs.dir) / "installer-syslog.log").string() << " ("
          << result.syslog_datagrams << " lines" << (last.empty() ? "" : "; last: " + last.front()) << ")\n";
    }
  }
  if (result.target > vm::Stage::Network) print_disk_logs(result, out);
  out << "  logs: " << result.logs.dir << "\n";
  return 1;
}

}  // namespace imgbuild::delivery
