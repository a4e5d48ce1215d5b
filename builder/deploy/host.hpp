// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One server's deployment, as a sequence of named steps with their times: what `imgbuild
// deploy` does for one BMC and what `deploy --hosts` does for each row of a rack. The
// Redfish conversation is redfish/virtual_media's; this layer times each step, turns a
// failure into the host's one-line diagnosis (the other hosts of a rack carry on) and
// keeps what the report shows: the steps, the notes (how the BMC's certificate was
// trusted), and the BMC's answer when it refused something.
//
// Steps in order: image-check, connect, find-system, power-off, eject, insert, boot-once,
// power-on; then, following the install: installer (the image's preseed-loaded marker
// with the ISO's build id), install (install-finished), eject-after-install (the media
// out before the installed system boots), firstboot (its first-boot hook's marker).

#include "redfish/curl_transport.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace imgbuild::deploy {

class HostEvents;  // deploy/syslog.hpp

// How far a deployment goes: powered on with the one-time CD boot set; the installer's
// install-finished marker (then the media ejected); the installed system's first boot.
enum class Until { boot, install, firstboot };
const char* until_name(Until until);

struct StepTimeouts {
  std::chrono::seconds shutdown_grace{180};  // GracefulShutdown, then ForceOff
  std::chrono::seconds power{90};            // PowerState to change after a reset
  std::chrono::seconds eject{60};            // a stale Inserted after an eject
  std::chrono::seconds insert{60};           // the slot to report the image Inserted
  std::chrono::seconds installer_start{900};  // power-on to the image's preseed-loaded marker
  std::chrono::seconds install{7200};         // preseed-loaded to install-finished
  std::chrono::seconds firstboot{1800};       // install-finished to the first-boot marker
};

struct HostPlan {
  std::string name;            // the host's name in reports: inventory hostname, else the BMC's host
  redfish::CurlOptions bmc;    // URL and how its certificate is trusted
  std::string user;
  std::string system;          // the System's Id when the BMC manages more than one
  std::string image_path;      // the ISO on this machine (its size and build id)
  std::string image_url;       // where the BMC fetches it
  Until until = Until::boot;
  StepTimeouts timeouts;
  bool check_image = true;     // check from here that image_url serves the ISO with ranges
  bool dry_run = false;
  // Following the install (until install or firstboot): this host's share of the
  // installers' syslog (one SyslogReceiver per deploy run routes it), required then; and
  // the build id its installer must report (empty: read from image_path, which must then
  // carry log_host/log_port, see follow.hpp check_followable).
  HostEvents* events = nullptr;
  std::string build_id;
};

struct StepRecord {
  std::string name;  // "power-off", "insert", ...
  std::chrono::milliseconds elapsed{0};
  bool ok = false;
  std::string detail;  // what it decided or found, one line
};

struct HostOutcome {
  enum class Status { done, failed, skipped, interrupted };
  std::string host;
  Status status = Status::failed;
  std::string diagnosis;                 // one line; empty when done
  std::vector<StepRecord> steps;
  std::vector<std::string> notes;        // trust, dry run, ...
  std::string bmc_answer;                // what the BMC said when it refused, for the report
  std::string system, slot, boot_target;  // Redfish paths and the override used
  bool media_inserted = false;           // the image deploy inserted is still in the slot
  int exit_code = 0;                     // of the Error that ended a failed deployment (3: the BMC,
                                         // 4: the installation failed or was not seen in time)
};
const char* status_name(HostOutcome::Status status);

// What a deployment tells as it goes; called from the deploying thread. Implementations
// for a rack serialize themselves.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void step_started(const std::string& /*host*/, const std::string& /*step*/) {}
  virtual void step_finished(const std::string& /*host*/, const StepRecord& /*record*/) {}
  virtual void log(const std::string& /*host*/, const std::string& /*line*/) {}
};

// Requests a dry run would have sent, "METHOD PATH BODY" each.
struct DryRunLog {
  std::vector<std::string> lines;
};

// Deploys one server. Never throws for what goes wrong with the server (that is the
// outcome's diagnosis); throws Error for bad input found before anything was sent (a
// malformed image URL). `stop` set (Ctrl-C): no new step starts, and media this call
// inserted are ejected before it returns `interrupted`. With plan.dry_run, the requests
// that would have changed something go to `dry_run_log` when given.
HostOutcome deploy_host(const HostPlan& plan, const std::string& password, Observer& observer,
                        const std::atomic<bool>& stop, DryRunLog* dry_run_log = nullptr);

}  // namespace imgbuild::deploy
