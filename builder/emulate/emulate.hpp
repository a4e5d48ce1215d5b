// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild emulate --hosts INVENTORY.csv --machine PROFILE [--state DIR]`: a rack to
// rehearse a deployment on. One emulated server per inventory row (server.hpp), each with
// its BMC on HTTPS at 127.0.0.1 (a port of its own, a certificate made at start, one
// password for all of them), until SIGINT/SIGTERM/SIGHUP. DIR/bmcs.json says where each BMC
// is and how to trust it; the password is only in DIR/bmc-password (0600).

#include "bmc/bmc.hpp"
#include "vm/profile.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::emulate {

struct EmulateOptions {
  std::string inventory;
  std::string machine;         // profile name or path
  std::string state_dir;       // empty: a temporary directory, removed at the end
  std::string password_file;   // empty: a password is generated
  std::string user = "root";
  std::vector<std::string> faults;  // HOST:KIND[:ARGUMENT], HOST may be '*'
  std::string qemu_binary = "qemu-system-x86_64";
  // tcg by default: the images are not known at start, and a KVM that boots the firmware
  // may still fail an installer or lack SMM (Secure Boot profiles); auto probes it.
  std::string accel = "tcg";
  bool json = false;  // stdout: bmcs.json's document instead of the lines for people
};

// The BMC dialect of a profile's DRAC: idrac9 -> Idrac9; idrac8 and idrac7 -> Idrac8
// (VirtualMedia under the Manager). Throws Error (exit 2) naming the profile file and what
// to do by hand for a DRAC without Redfish virtual media (drac5, idrac6) or none at all.
bmc::Dialect profile_dialect(const vm::MachineProfile& profile);

// One --fault: "HOST:KIND[:ARGUMENT]" with KIND one of
//   unavailable-once:METHOD:PATH   the first METHOD on PATH answers 503 (Retry-After)
//   stale-inserted:N               a slot reads Inserted for N more GETs after an eject
//   boot-once-ignored              a one-time boot override is not honoured
//   image-unreachable[:PREFIX]     images under PREFIX (default: every URL) cannot be fetched
//   weak-etags                     ETags served weak, refused weak in If-Match
// applied to `faults` when HOST matches `hostname` ('*' matches all). Throws Error (exit 2)
// naming the option for a malformed one.
void apply_fault(const std::string& spec, const std::string& hostname, bmc::Faults& faults);
// The host a fault names (the text before the first ':').
std::string fault_host(const std::string& spec);

// Runs the emulated rack until a stop signal; returns 0 for SIGTERM/SIGHUP, 130 for SIGINT
// (a Ctrl-C), after every QEMU has stopped and every socket and temporary file is gone.
int run_emulate(const EmulateOptions& options);

}  // namespace imgbuild::emulate
