// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "redfish/client.hpp"
#include "redfish/curl_transport.hpp"
#include "redfish/image_probe.hpp"
#include "redfish/password.hpp"
#include "redfish/virtual_media.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

namespace imgbuild::cli {

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
      redfish::CurlOptions options;
      options.base_url = args->bmc;
      if (!args->ca.empty()) options.trust = {redfish::Trust::Mode::ca_file, args->ca, {}};
      if (!args->fingerprint.empty()) options.trust = {redfish::Trust::Mode::fingerprint, {}, args->fingerprint};
      if (args->insecure) options.trust = {redfish::Trust::Mode::insecure, {}, {}};
      redfish::CurlTransport transport(options);
      redfish::DeployOptions deploy;
      deploy.image_url = args->image_url;
      deploy.system = args->system;
      std::string protocol = redfish::transfer_protocol_of(deploy.image_url);  // bad input before any prompt
      if (!args->no_image_check && (protocol == "HTTP" || protocol == "HTTPS")) {
        auto size = static_cast<std::int64_t>(std::filesystem::file_size(args->iso));
        std::cerr << "imgbuild: deploy: "
                  << redfish::judge_image_probe(redfish::probe_image(deploy.image_url), deploy.image_url, size) << "\n";
      }
      std::string password = redfish::read_password(args->password_file, args->user);
      redfish::SystemClock clock;
      redfish::Client client(transport, {args->user, std::move(password)}, clock);
      password.clear();
      client.on_log([](const std::string& line) { std::cerr << "imgbuild: deploy: " << line << "\n"; });
      client.set_dry_run(args->dry_run);
      client.open();
      client.note(transport.trust_note());
      redfish::DeployResult result = redfish::deploy_until_boot(client, deploy);
      if (args->dry_run) {
        for (const auto& r : client.recorded()) std::cout << r.method << " " << r.path << " " << r.body << "\n";
      } else {
        std::cout << result.system << ": booting once from " << result.boot_target << " with " << args->image_url
                  << " in " << result.slot << "\n";
      }
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
