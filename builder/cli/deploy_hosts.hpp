// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `deploy --hosts INVENTORY.csv`: the rack's options of the deploy command (the options it
// shares with one server's deploy are deploy's own), parsed into deploy::RackRequest.

#include "deploy/rack.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace imgbuild::cli {

// Adds --hosts, --per-host, --image-base-url, --parallel, --report, --json, --junit,
// --log and --force to `command`; the request they fill.
std::shared_ptr<deploy::RackRequest> add_deploy_hosts_options(CLI::App& command);

// The options of one server's deploy as given, for a rack.
struct DeployShared {
  std::string iso, bmc, user, image_url, password_file, ca, fingerprint, system, until, syslog;
  std::vector<std::string> timeouts;  // --timeout STEP=SECONDS
  bool insecure = false, dry_run = false, no_image_check = false;
};

// Completes the request from the shared options and runs the rack; the exit status.
int run_deploy_hosts(deploy::RackRequest request, const DeployShared& shared);

}  // namespace imgbuild::cli
