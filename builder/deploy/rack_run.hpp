// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Runs a rack's deployment: the planned hosts (rack.hpp) through deploy_host, `parallel`
// at once, each on a thread of its own with its own Redfish client. Ctrl-C (SIGINT, also
// SIGTERM and SIGHUP): no host starts, no new step starts, each running deploy_host ejects
// what it inserted and closes its session; a second Ctrl-C leaves at once.

#include "deploy/rack.hpp"
#include "deploy/rack_table.hpp"
#include "deploy/syslog_receiver.hpp"

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace imgbuild::deploy {

// Deploys the hosts not marked skip; `passwords[i]` is host i's. `stop` is set by the
// caller or by a signal received meanwhile (then result.interrupted).
RackResult run_rack(const std::vector<PlannedHost>& hosts, const std::vector<std::string>& passwords,
                    int parallel, RackTable& table, std::atomic<bool>& stop);

// Following the installs (until install or firstboot): every host's image must be
// followable (check_followable: a build id, log_host/log_port) and all must send to the
// same port. Sets each plan's build_id and returns the routed hosts, one per row: its
// name, inventory hostname, static address (when the row has one) and build id (a fleet
// image's id is every host's: then its fleet marker or hostname routes). `listen` is
// --syslog or 0.0.0.0 and the images' port. Error (exit 2) naming the image otherwise.
std::vector<RoutedHost> plan_follow(const RackRequest& request, const fleet::Inventory& inventory,
                                    std::vector<PlannedHost>& hosts, UdpAddress& listen, std::ostream& err);

// The live table's MB column: the bytes `served_bytes` counts for a host's BMC address (the
// host part of its bmc URL), when that address is its own; nullopt when hosts share it
// (emulated BMCs on one machine, BMCs behind one NAT) or when the URL names no address.
std::function<std::optional<std::uint64_t>(const std::string& host)> served_by_bmc(
    const std::vector<PlannedHost>& hosts, std::function<std::map<std::string, std::uint64_t>()> served_bytes);

// `imgbuild deploy --hosts`, all of it: reads the inventory and an earlier report, plans,
// reads the passwords, receives the installers' syslog (one SyslogReceiver for the run,
// each host's plan.events its share), runs, writes --report DIR, --junit FILE and --json
// (on `out`), the summary on `err`. Returns the exit status (exit_status); Error (exit 2) for bad input
// before anything was sent.
int deploy_rack(const RackRequest& request, std::ostream& out, std::ostream& err);

}  // namespace imgbuild::deploy
