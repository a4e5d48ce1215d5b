// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild deploy --hosts INVENTORY.csv`: the rack. Every row of the inventory with its
// BMC (the bmc, bmc_user, bmc_fingerprint, bmc_password_file columns) becomes one
// deploy_host run (host.hpp), several at once, each on its own connection; one server
// failing stops only itself. This file is the pure part: from the request and the
// inventory to each host's plan, what an earlier run recorded (a host whose deployment
// finished is skipped), and from the outcomes to the summary and the exit status.
// rack_run.cpp runs the plans, rack_report.cpp writes what happened.

#include "deploy/host.hpp"
#include "fleet/inventory.hpp"

#include <ctime>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::deploy {

// The command line's request.
struct RackRequest {
  std::string inventory;       // --hosts
  std::string image;           // the fleet image (the ISO argument); empty with per_host_dir
  std::string image_url;       // where the BMCs fetch the fleet image
  std::string per_host_dir;    // build --per-host's DIR: DIR/<hostname>.iso per host
  std::string image_base_url;  // per-host images: this URL + "<hostname>.iso"
  std::string user;            // for rows without bmc_user
  std::string password_file;   // the rack's password, for rows without bmc_password_file
  std::string ca_file;         // trust for rows without bmc_fingerprint
  bool insecure = false;       // ... or no check at all for those rows
  std::string system;
  Until until = Until::firstboot;
  StepTimeouts timeouts;
  std::string syslog;          // --syslog ADDR:PORT; empty: 0.0.0.0 and the images' log_port
  bool check_image = true;
  bool dry_run = false;
  int parallel = 4;
  bool force = false;  // redeploy hosts an earlier run finished
  std::string report_dir;
  std::string junit;
  std::string log;
  bool json = false;
  // When this run serves the image itself (--serve): bytes served so far per client
  // address, for the live table's MB column (a BMC fetches from its own address).
  std::function<std::map<std::string, std::uint64_t>()> served_bytes;
};

// A deployment that finished, as report.json records it for the next run.
struct Deployed {
  std::string until;     // "boot", "install", "firstboot"
  std::string finished;  // UTC, 2026-12-07T20:01:02Z
  std::string bmc;
  std::string image_url;
};

// One row of the rack, planned.
struct PlannedHost {
  HostPlan plan;
  int line = 0;                // its inventory line
  std::string password_file;   // the row's bmc_password_file; empty: the rack's password
  std::string trust;           // how its certificate is trusted, for the report
  std::optional<Deployed> previous;  // what an earlier run recorded for it
  bool skip = false;           // previous finished far enough and no --force
};

// Checks the request and plans each host: its BMC, user and trust (the row's values
// first, then the command line's), its image and URL. Error (exit 2) naming the inventory
// line and column, or the option, for: a row without bmc, a host without a user, a
// per-host image missing, an image URL that is not usable, conflicting options.
// `previous` is an earlier run's record, by hostname (read_previous).
std::vector<PlannedHost> plan_rack(const RackRequest& request, const fleet::Inventory& inventory,
                                   const std::map<std::string, Deployed>& previous);

// A host is not deployed again when an earlier run finished it on the same BMC at least
// as far as the install (its installer reported install-finished and the media were
// ejected), or as far as this run goes when that is less: a run to the boot skips a host
// booted into the installer before.
bool already_deployed(const Deployed& previous, const std::string& bmc, Until until);

// What DIR/report.json of an earlier run recorded as finished, by hostname; empty when
// there is none. Error (exit 2) naming the file when it exists but is not a rack report.
std::map<std::string, Deployed> read_previous(const std::string& report_dir);

// One host's part of a run.
struct HostResult {
  std::string host;
  int line = 0;
  std::string bmc, user, image, image_url, trust;
  HostOutcome outcome;
  std::string started, finished;  // UTC; empty when it did not run
  double seconds = 0;
  std::optional<Deployed> deployed;  // this run's, or the earlier one it was skipped for
  std::vector<std::string> dry_run;  // requests a dry run would have sent
};

struct RackResult {
  std::string inventory;
  std::string until;
  std::string started;
  double seconds = 0;
  bool interrupted = false;
  bool dry_run = false;
  std::vector<HostResult> hosts;  // in inventory order
};

// "2026-12-07T20:01:02Z".
std::string utc_time(std::time_t when);

// 0: every host done or skipped; 130: interrupted (Ctrl-C); 1: some host failed.
int exit_status(const RackResult& result);
// One line per host that did not finish ("db2 (hosts.csv:3): insert: ..."), then the
// counts ("3 hosts: 1 done, 1 skipped, 1 failed").
std::vector<std::string> summary_lines(const RackResult& result);

}  // namespace imgbuild::deploy
