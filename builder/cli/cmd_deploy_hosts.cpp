// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "cli/deploy_hosts.hpp"
#include "deploy/follow.hpp"
#include "deploy/rack_run.hpp"
#include "util/error.hpp"

#include <iostream>

namespace imgbuild::cli {

std::shared_ptr<deploy::RackRequest> add_deploy_hosts_options(CLI::App& command) {
  auto request = std::make_shared<deploy::RackRequest>();
  auto* hosts = command.add_option("--hosts", request->inventory,
                     "deploy every server of this inventory (CSV with bmc, bmc_user, bmc_fingerprint, "
                     "bmc_password_file columns) instead of one --bmc")
      ->type_name(k_type_file);
  command.add_option("--per-host", request->per_host_dir,
                     "with --hosts: each host gets DIR/<hostname>.iso (build --per-host) instead of the ISO "
                     "argument")
      ->type_name(k_type_dir);
  command.add_option("--image-base-url", request->image_base_url,
                     "with --per-host: where the BMCs fetch the images, URL/<hostname>.iso")
      ->type_name("URL");
  command.add_option("--parallel", request->parallel, "with --hosts: deploy N hosts at once")
      ->type_name("N")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command.add_option("--report", request->report_dir,
                     "with --hosts: write DIR/index.html and DIR/report.json (each host's steps, times, "
                     "diagnosis); a later run with the same DIR skips the hosts done")
      ->type_name(k_type_dir);
  command.add_flag("--json", request->json, "with --hosts: print the report (as report.json) on standard output");
  command.add_option("--junit", request->junit, "with --hosts: also write a JUnit XML report, a testcase per host")
      ->type_name(k_type_file);
  command.add_option("--log", request->log, "with --hosts: append every progress line, time-stamped, to FILE")
      ->type_name(k_type_file);
  command.add_flag("--force", request->force,
                   "with --hosts: deploy also the hosts that --report's earlier run finished");
  for (const char* name : {"--per-host", "--image-base-url", "--parallel", "--report", "--json", "--junit", "--log",
                           "--force"})
    command.get_option(name)->needs(hosts);
  return request;
}

int run_deploy_hosts(deploy::RackRequest request, const DeployShared& shared) {
  if (!shared.bmc.empty())
    throw Error("--bmc", "not with --hosts", "the inventory's bmc column names each server's BMC");
  if (!shared.fingerprint.empty())
    throw Error("--fingerprint", "not with --hosts",
                "pin each BMC's certificate in the inventory's bmc_fingerprint column");
  request.image = shared.iso;
  request.image_url = shared.image_url;
  request.user = shared.user;
  request.password_file = shared.password_file;
  request.ca_file = shared.ca;
  request.insecure = shared.insecure;
  request.system = shared.system;
  request.check_image = !shared.no_image_check;
  request.dry_run = shared.dry_run;
  request.until = shared.until == "boot"      ? deploy::Until::boot
                  : shared.until == "install" ? deploy::Until::install
                                              : deploy::Until::firstboot;
  for (const auto& spec : shared.timeouts) deploy::set_timeout(request.timeouts, spec);
  request.syslog = shared.syslog;
  return deploy::deploy_rack(request, std::cout, std::cerr);
}

}  // namespace imgbuild::cli
