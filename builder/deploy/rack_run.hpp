// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Runs a rack's deployment: the planned hosts (rack.hpp) through deploy_host, `parallel`
// at once, each on a thread of its own with its own Redfish client. Ctrl-C (SIGINT, also
// SIGTERM and SIGHUP): no host starts, no new step starts, each running deploy_host ejects
// what it inserted and closes its session; a second Ctrl-C leaves at once.

#include "deploy/rack.hpp"
#include "deploy/rack_table.hpp"

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace imgbuild::deploy {

// Deploys the hosts not marked skip; `passwords[i]` is host i's. `stop` is set by the
// caller or by a signal received meanwhile (then result.interrupted).
RackResult run_rack(const std::vector<PlannedHost>& hosts, const std::vector<std::string>& passwords,
                    int parallel, RackTable& table, std::atomic<bool>& stop);

// `imgbuild deploy --hosts`, all of it: reads the inventory and an earlier report, plans,
// reads the passwords, runs, writes --report DIR, --junit FILE and --json (on `out`), the
// summary on `err`. Returns the exit status (exit_status); Error (exit 2) for bad input
// before anything was sent.
int deploy_rack(const RackRequest& request, std::ostream& out, std::ostream& err);

}  // namespace imgbuild::deploy
