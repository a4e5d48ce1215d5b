// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "cli/deploy_hosts.hpp"
#include "deploy/follow.hpp"
#include "deploy/host.hpp"
#include "deploy/syslog_receiver.hpp"
#include "http/serve.hpp"
#include "iso/build_id.hpp"
#include "redfish/password.hpp"
#include "redfish/virtual_media.hpp"
#include "util/error.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

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

// Ctrl-C or SIGTERM while deploy waits (an installation takes an hour): no new step,
// the image it inserted ejected, the session closed, exit 130.
std::atomic<bool> g_deploy_stop{false};
extern "C" void deploy_stop_handler(int) { g_deploy_stop = true; }

class StopOnSignals {
 public:
  StopOnSignals() {
    struct sigaction action {};
    action.sa_handler = deploy_stop_handler;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &m_int);
    ::sigaction(SIGTERM, &action, &m_term);
  }
  ~StopOnSignals() {
    ::sigaction(SIGINT, &m_int, nullptr);
    ::sigaction(SIGTERM, &m_term, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  struct sigaction m_int {};
  struct sigaction m_term {};
};

// --serve ADDR:PORT: the address is the URL's too, so it must be one the BMC can reach.
http::ServeOptions deploy_serve_options(const std::string& listen) {
  http::ServeOptions options;
  http::parse_listen(listen, options.server, "--serve");
  const std::string& address = options.server.address;
  if (address.empty() || address == "0.0.0.0" || address == "::")
    throw Error("--serve", "'" + listen + "': the BMC fetches the image from this address and port",
                "give an address of this machine the BMC reaches and a port, e.g. --serve 192.0.2.10:8080");
  options.content_name = [](const std::string& path) -> std::optional<std::string> {
    try {
      return iso::read_build_id(path);
    } catch (const Error&) {
      return std::nullopt;
    }
  };
  return options;
}

std::string deploy_done_line(deploy::Until until, const deploy::HostOutcome& outcome, const std::string& url) {
  switch (until) {
    case deploy::Until::boot:
      return "booting once from " + outcome.boot_target + " with " + url + " in " + outcome.slot;
    case deploy::Until::install:
      return "installed from " + url + ", " + outcome.slot + " ejected";
    case deploy::Until::firstboot:
      return "installed from " + url + ", " + outcome.slot + " ejected, first boot done";
  }
  return "";
}

struct DeployArgs {
  std::string iso, bmc, user, image_url, password_file, ca, fingerprint, system, until = "firstboot";
  std::string syslog, serve, hostname;
  std::vector<std::string> timeouts;
  bool insecure = false, dry_run = false, no_image_check = false;
};

deploy::HostPlan deploy_plan(const DeployArgs& args) {
  deploy::HostPlan plan;
  plan.name = args.bmc;
  plan.until = args.until == "boot" ? deploy::Until::boot
               : args.until == "install" ? deploy::Until::install
                                          : deploy::Until::firstboot;
  for (const auto& spec : args.timeouts) deploy::set_timeout(plan.timeouts, spec);
  plan.bmc.base_url = args.bmc;
  if (!args.ca.empty()) plan.bmc.trust = {redfish::Trust::Mode::ca_file, args.ca, {}};
  if (!args.fingerprint.empty()) plan.bmc.trust = {redfish::Trust::Mode::fingerprint, {}, args.fingerprint};
  if (args.insecure) plan.bmc.trust = {redfish::Trust::Mode::insecure, {}, {}};
  plan.user = args.user;
  plan.system = args.system;
  plan.image_path = args.iso;
  plan.image_url = args.image_url;
  plan.check_image = !args.no_image_check;
  plan.dry_run = args.dry_run;
  return plan;
}

int run_deploy(const DeployArgs& args) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(args.iso, ec))
    throw Error(args.iso, "no such ISO file", "give the image that --image-url serves");
  if (args.image_url.empty() == args.serve.empty())
    throw Error("deploy", "no image URL", "give --image-url URL, or --serve ADDR:PORT to serve the ISO from here");
  deploy::HostPlan plan = deploy_plan(args);
  std::optional<http::ServeOptions> serve_options;
  if (!args.serve.empty()) serve_options = deploy_serve_options(args.serve);
  std::optional<deploy::SyslogReceiver> receiver;
  if (plan.until != deploy::Until::boot) {
    deploy::FollowedImage image = deploy::check_followable(args.iso);
    plan.build_id = image.build_id;
    deploy::UdpAddress listen = args.syslog.empty() ? deploy::UdpAddress{"0.0.0.0", image.log.port}
                                                     : deploy::parse_udp_address(args.syslog, "--syslog");
    if (listen.port != image.log.port)
      std::cerr << "imgbuild: deploy: the image's installer sends its syslog to " << image.log.host << ":"
                << image.log.port << ", received here on port " << listen.port
                << ": something must forward it\n";
    if (!plan.dry_run) {
      receiver.emplace(listen, std::vector<deploy::RoutedHost>{{plan.name, args.hostname, {}, plan.build_id}});
      plan.events = &receiver->events(0);
    }
  }
  std::optional<http::BackgroundServe> served;
  if (serve_options) served.emplace(args.iso, *serve_options);
  if (served) plan.image_url = served->url();
  redfish::transfer_protocol_of(plan.image_url);  // bad input before any prompt
  std::string password = redfish::read_password(args.password_file, args.user);
  DeployLinesObserver observer;
  if (served) observer.log(plan.name, "serving " + args.iso + " at " + served->url());
  StopOnSignals signals;
  deploy::DryRunLog dry_run_log;
  deploy::HostOutcome outcome = deploy::deploy_host(plan, password, observer, g_deploy_stop, &dry_run_log);
  password.clear();
  if (served) observer.log(plan.name, "served " + served->summary());
  if (outcome.status != deploy::HostOutcome::Status::done) {
    std::cerr << "imgbuild: deploy: " << outcome.host << ": " << outcome.diagnosis << "\n";
    if (outcome.status == deploy::HostOutcome::Status::interrupted) return 130;
    return outcome.exit_code != 0 ? outcome.exit_code : 3;
  }
  if (args.dry_run) {
    for (const auto& line : dry_run_log.lines) std::cout << line << "\n";
  } else {
    std::cout << outcome.system << ": " << deploy_done_line(plan.until, outcome, plan.image_url) << "\n";
  }
  return 0;
}

// A rack: --serve serves the fleet image (one URL for every BMC) for the time of the run.
int run_rack(const DeployArgs& args, const deploy::RackRequest& rack) {
  DeployShared shared{args.iso,         args.bmc,    args.user,   args.image_url, args.password_file,
                      args.ca,          args.fingerprint, args.system, args.until, args.syslog,
                      args.timeouts,    args.insecure, args.dry_run, args.no_image_check};
  if (!args.hostname.empty())
    throw Error("--hostname", "not with --hosts", "the inventory's hostname column names each server");
  std::optional<http::BackgroundServe> served;
  if (!args.serve.empty()) {
    if (!rack.per_host_dir.empty())
      throw Error("--serve", "not with --per-host", "serve the images with imgbuild serve and give --image-base-url");
    http::ServeOptions options = deploy_serve_options(args.serve);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(args.iso, ec))
      throw Error(args.iso.empty() ? "deploy --hosts" : args.iso, "no such ISO file",
                  "name the fleet image (the ISO argument) that --serve serves");
    served.emplace(args.iso, options);
    shared.image_url = served->url();
    std::cerr << "imgbuild: deploy: serving " << args.iso << " at " << served->url() << "\n";
  }
  deploy::RackRequest request = rack;
  if (served) request.served_bytes = [&served] { return served->bytes_by_client(); };
  int status = run_deploy_hosts(request, shared);
  if (served) std::cerr << "imgbuild: deploy: served " << served->summary() << "\n";
  return status;
}

}  // namespace

void register_deploy(CLI::App& app, Action& action) {
  auto args = std::make_shared<DeployArgs>();
  auto* command = app.add_subcommand(
      "deploy", "put an installer ISO on a server (with --hosts: on every server of an inventory) through its "
                "BMC's Redfish virtual media, boot it once from it and follow the install (exit 0 done, 1 some "
                "hosts failed, 2 bad input, 3 the BMC failed, 4 the install failed or was not seen in time, 130 "
                "interrupted)");
  // Required for one server; a rack (--hosts) takes them from its inventory and images.
  command->add_option("iso", args->iso, "the ISO being deployed (the BMC fetches it from --image-url or --serve)")
      ->type_name(k_type_iso);
  command->add_option("--bmc", args->bmc, "the BMC: https://HOST[:PORT]");
  command->add_option("--user", args->user, "the BMC user name (with --hosts: for rows without bmc_user)");
  auto* image_url = command->add_option("--image-url", args->image_url,
                                        "where the BMC fetches the ISO (http, https, nfs or cifs; the server must "
                                        "honour Range requests)");
  auto* serve = command->add_option("--serve", args->serve,
                                    "serve the ISO from here for the time of the deploy, on ADDR:PORT; ADDR is "
                                    "also the URL's, so it must be an address the BMC reaches (not 0.0.0.0)");
  image_url->excludes(serve);
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
                      "how far to go: boot (powered on with the one-time CD boot set), install (the installer "
                      "reported install-finished; the media ejected), firstboot (the installed system's first-boot "
                      "hook reported done)")
      ->check(CLI::IsMember({"boot", "install", "firstboot"}))
      ->capture_default_str();
  command->add_option("--syslog", args->syslog,
                      "where to receive the installer's syslog, ADDR:PORT (default 0.0.0.0 and the image's "
                      "log_port: the installer sends where the image's log_host/log_port say)");
  command->add_option("--timeout", args->timeouts,
                      "STEP=SECONDS, repeatable: installer (power-on to preseed-loaded, 900), install (to "
                      "install-finished, 7200), firstboot (eject to the first-boot marker, 1800), shutdown, power, "
                      "eject, insert")
      ->take_all();
  command->add_option("--hostname", args->hostname,
                      "the server's hostname once installed (its first boot's syslog names it; default: any "
                      "sender, one server being followed)");
  command->add_flag("--no-image-check", args->no_image_check,
                    "do not check from here that --image-url serves the ISO with Range support");
  command->add_flag("--dry-run", args->dry_run,
                    "read the BMC but change nothing: print each request that would be sent");
  auto rack = add_deploy_hosts_options(*command);
  command->callback([args, rack, &action] {
    if (!rack->inventory.empty()) {
      action = [args, rack]() -> int { return run_rack(*args, *rack); };
      return;
    }
    for (auto [missing, name] :
         {std::pair{args->iso.empty(), "iso"}, {args->bmc.empty(), "--bmc"}, {args->user.empty(), "--user"}})
      if (missing) throw CLI::RequiredError(name);
    action = [args]() -> int { return run_deploy(*args); };
  });
}

}  // namespace imgbuild::cli
