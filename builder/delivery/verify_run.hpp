// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild verify` as a whole: the checks before anything starts, the QEMU run (vm/),
// the installed disk judged or its logs pulled out (inspect/), the logs kept. The CLI
// fills a Request and prints the Result (print.hpp); nothing here parses options.

#include "vm/accel.hpp"
#include "vm/profile.hpp"
#include "vm/stage.hpp"
#include "vm/verify.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace imgbuild::delivery {

struct Request {
  std::string iso;
  std::string machine = "generic";
  // bios, uefi or uefi-secureboot; empty: the profile's firmware key, else bios.
  std::string firmware;
  std::string stage = "boot";
  std::optional<unsigned> timeout;
  std::string log_dir;
  std::string accel = "auto";
  std::string expect;
  std::optional<std::uint16_t> syslog_port;
  // --identity serial=TAG,mac=MAC[,mac=MAC]: the SMBIOS serial and NIC MACs the machine
  // shows (fleet/identity.hpp); empty: QEMU's defaults.
  std::string identity;
  bool quiet = false;
  // --report DIR: index.html, report.json, the screenshots and (without --log) the logs.
  std::string report_dir;
};

// A file pulled out of the installed disk (installer logs, the first-boot hook's log).
struct SavedFile {
  std::string saved_as;  // flat name under <logs>/disk/
  std::string content;
};

// What the installed disk says after a run to stage install or firstboot: judged against
// --expect when the stage was reached, its installer and first-boot logs when it was not.
struct DiskCheck {
  bool judged = false;
  bool ok = true;
  std::string verdicts;          // per-item report when judged
  std::vector<SavedFile> logs;   // installer and hook logs found on the disk
  std::string problem;           // why the disk could not be read, if it could not
};

// Where the logs of a run went.
struct SavedLogs {
  std::string dir;                       // empty when nothing was kept (a pass without --log)
  std::vector<std::string> disk_logs;    // paths of the disk's logs under dir/disk/
  std::optional<std::string> screenshot; // path of the kept screenshot, when there is one
  std::string screenshot_problem;        // why there is none
};

struct Result {
  Request request;
  vm::Stage target = vm::Stage::Boot;
  std::string machine;  // the profile's name
  vm::Firmware firmware = vm::Firmware::Bios;
  vm::AccelChoice accel;
  vm::VerifyOutcome outcome;
  DiskCheck disk;
  std::string syslog_text;
  std::size_t syslog_datagrams = 0;
  SavedLogs logs;
  bool passed = false;
  // Every timeline event of the run, in order (session 1, then the power cycle).
  std::vector<vm::TimelineEvent> timeline;
  // Stage firstboot on a machine with a DRAC: the boot after the power cycle without the
  // virtual media.
  std::optional<vm::PowerOnOutcome> power_cycle;
  std::string power_cycle_serial_log;
};

// Runs the whole verification. Bad input (ISO, profile, --expect) throws Error before
// anything starts. Notes and, on a terminal, the live timeline go to `out` unless quiet.
Result run(const Request& request, std::ostream& out);

// --- parts of run(), public for their tests ---

// Under Secure Boot, every boot of the installed system in a whole delivery (the boots
// after the installer's, and the one after the power cycle when it passed) must have had
// its kernel say "Secure boot enabled": otherwise the verdict fails as Secure Boot not
// proven, naming the boot. The installer's boot is proven by its marker (stage.hpp).
void require_secure_boot_every_boot(Result& result);

// `requested`, created if needed, or a new directory under $TMPDIR.
std::string make_log_dir(const std::string& requested);

// Writes the evidence of a run into `dir`: serial, firmware and QEMU logs, the verdict,
// the disk's logs and the screenshot (copied from `screenshot_source` when the run took
// one). A file that cannot be written is a warning on stderr, never the end of the run.
SavedLogs save_logs(const std::string& dir, const Result& result, const std::string& qemu_diagnostics,
                    const std::string& qemu_command, const std::string& screenshot_source);

}  // namespace imgbuild::delivery
