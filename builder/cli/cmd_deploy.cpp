// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "deploy/host.hpp"
#include "redfish/password.hpp"
#include "redfish/virtual_media.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

namespace imgbuild::cli {

namespace {

// One server's progress as plain lines on stderr.
class DeployLinesObserver : public deploy::Observer {
 public:
  void step_finished(const std::string& /*host*/, const deploy::StepRecord& record) override {
    std::cerr << "imgbuild: deploy: " << record.name << " " << (record.ok ? "ok" : "FAILED") << " ("
              << record.elapsed.count() / 1000.0 << " s): " << record.detail << "\n";
  }
  void log(const std::string& /*host*/, const std::string& line) override {
    std::cerr << "imgbuild: deploy: " << line << "\n";
  }
};

}  // namespace

void register_deploy(CLI::App& app, Action& action) {
  struct Args {
    std::string iso, bmc, user, image_url, password_file, ca, fingerprint, system, until = "boot";
    bool insecure = false, dry_run = false, no_image_check = false;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand(
      "deploy", "put an installer ISO on a server through its BMC's Redfish virtual media and boot it once "
                "from it (exit 0 done, 2 bad input, 3 the BMC failed)");
  command->add_option("iso", args->iso, "the ISO being deployed (the BMC fetches it from --image-url)")
      ->required()
      ->type_name(k_type_iso);
  command->add_option("--bmc", args->bmc, "the BMC: https://HOST[:PORT]")->required();
  command->add_option("--user", args->user, "the BMC user name")->required();
  command->add_option("--image-url", args->image_url,
                      "where the BMC fetches the ISO (http, https, nfs or cifs; the server must honour "
                      "Range requests)")
      ->required();
  command->add_option("--password-file", args->password_file,
                      "read the BMC password from the first line of FILE (else $IMGBUILD_BMC_PASSWORD, "
                      "else a prompt on the terminal; never an argument)")
      ->type_name(k_type_file);
  auto* ca = command->add_option("--ca", args->ca, "trust the BMC's certificate through this PEM CA file")
                 ->type_name(k_type_file);
  auto* fingerprint = command->add_option("--fingerprint", args->fingerprint,
                                          "trust exactly the BMC certificate with this SHA256:HEX fingerprint");
  auto* insecure = command->add_flag("--insecure", args->insecure,
                                     "do not check the BMC's certificate at all (recorded in the output)");
  ca->excludes(fingerprint)->excludes(insecure);
  fingerprint->excludes(insecure);
  command->add_option("--system", args->system, "the System's Id when the BMC manages more than one");
  command->add_option("--until", args->until,
                      "how far to go: boot (powered on with the one-time CD boot set)")
      ->check(CLI::IsMember({"boot"}))
      ->capture_default_str();
  command->add_flag("--no-image-check", args->no_image_check,
                    "do not check from here that --image-url serves the ISO with Range support");
  command->add_flag("--dry-run", args->dry_run,
                    "read the BMC but change nothing: print each request that would be sent");
  command->callback([args, &action] {
    action = [args]() -> int {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(args->iso, ec))
        throw Error(args->iso, "no such ISO file", "give the image that --image-url serves");
      deploy::HostPlan plan;
      plan.name = args->bmc;
      plan.bmc.base_url = args->bmc;
      if (!args->ca.empty()) plan.bmc.trust = {redfish::Trust::Mode::ca_file, args->ca, {}};
      if (!args->fingerprint.empty()) plan.bmc.trust = {redfish::Trust::Mode::fingerprint, {}, args->fingerprint};
      if (args->insecure) plan.bmc.trust = {redfish::Trust::Mode::insecure, {}, {}};
      plan.user = args->user;
      plan.system = args->system;
      plan.image_path = args->iso;
      plan.image_url = args->image_url;
      plan.check_image = !args->no_image_check;
      plan.dry_run = args->dry_run;
      redfish::transfer_protocol_of(plan.image_url);  // bad input before any prompt
      std::string password = redfish::read_password(args->password_file, args->user);
      DeployLinesObserver observer;
      std::atomic<bool> stop{false};
      deploy::DryRunLog dry_run_log;
      deploy::HostOutcome outcome = deploy::deploy_host(plan, password, observer, stop, &dry_run_log);
      password.clear();
      if (outcome.status != deploy::HostOutcome::Status::done) {
        std::cerr << "imgbuild: deploy: " << outcome.host << ": " << outcome.diagnosis << "\n";
        return outcome.exit_code != 0 ? outcome.exit_code : 3;
      }
      if (args->dry_run) {
        for (const auto& line : dry_run_log.lines) std::cout << line << "\n";
      } else {
        std::cout << outcome.system << ": booting once from " << outcome.boot_target << " with " << args->image_url
                  << " in " << outcome.slot << "\n";
      }
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
