// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/rack_run.hpp"
#include "util/stop_signals.hpp"

#include "deploy/follow.hpp"
#include "deploy/rack_report.hpp"
#include "redfish/curl_transport.hpp"
#include "redfish/password.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_document.hpp"

#include <pthread.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <csignal>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace imgbuild::deploy {

namespace {

HostResult result_of(const PlannedHost& planned) {
  HostResult result;
  result.host = planned.plan.name;
  result.line = planned.line;
  result.bmc = planned.plan.bmc.base_url;
  result.user = planned.plan.user;
  result.image = planned.plan.image_path;
  result.image_url = planned.plan.image_url;
  result.trust = planned.trust;
  result.outcome.host = planned.plan.name;
  // A dry run changes nothing: what an earlier run deployed stays recorded.
  if (planned.plan.dry_run) result.deployed = planned.previous;
  return result;
}

// One host from start to outcome, on a deploying thread.
void deploy_one(const PlannedHost& planned, const std::string& password, RackTable& table,
                const std::atomic<bool>& stop, HostResult& result) {
  table.host_started(planned.plan.name);
  result.started = utc_time(std::time(nullptr));
  const auto start = std::chrono::steady_clock::now();
  DryRunLog dry_run;
  try {
    result.outcome = deploy_host(planned.plan, password, table, stop, &dry_run);
  } catch (const Error& e) {  // bad input the plan did not catch: this host's failure only
    result.outcome.status = HostOutcome::Status::failed;
    result.outcome.diagnosis = e.what();
    result.outcome.exit_code = e.exit_code();
  } catch (const std::exception& e) {  // not the server's fault: still this host's only
    result.outcome.status = HostOutcome::Status::failed;
    result.outcome.diagnosis = std::string("internal error: ") + e.what();
    result.outcome.exit_code = 4;
  }
  // An untrusted certificate's fix names the single-server option; a rack pins it per row.
  std::string& diagnosis = result.outcome.diagnosis;
  if (auto at = diagnosis.find("pass --fingerprint "); at != std::string::npos)
    diagnosis.replace(at, 19, "put it in the inventory's bmc_fingerprint column: ");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.finished = utc_time(std::time(nullptr));
  result.dry_run = std::move(dry_run.lines);
  if (result.outcome.status == HostOutcome::Status::done && !planned.plan.dry_run)
    result.deployed = Deployed{until_name(planned.plan.until), result.finished, result.bmc, result.image_url};
  table.host_finished(result.outcome);
}

}  // namespace

RackResult run_rack(const std::vector<PlannedHost>& hosts, const std::vector<std::string>& passwords, int parallel,
                    RackTable& table, std::atomic<bool>& stop) {
  RackResult result;
  result.started = utc_time(std::time(nullptr));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    result.hosts.push_back(result_of(hosts[i]));
    if (!hosts[i].skip) {
      queue.push_back(i);
      continue;
    }
    HostResult& skipped = result.hosts.back();
    const Deployed& previous = *hosts[i].previous;
    skipped.outcome.status = HostOutcome::Status::skipped;
    skipped.outcome.diagnosis = "deployed until " + previous.until + " on " + previous.finished + " with " +
                                previous.image_url + " (--force deploys it again)";
    skipped.deployed = previous;
    table.host_skipped(skipped.host, skipped.outcome.diagnosis);
  }

  std::atomic<std::size_t> next{0};
  std::vector<char> ran(hosts.size(), 0);  // each element written by one worker, read after the join
  {
    util::BlockedStopSignals signals;
    const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(std::max(parallel, 1)), queue.size());
    std::atomic<std::size_t> active{threads};
    std::vector<std::jthread> workers;
    for (std::size_t t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        for (std::size_t k; !stop.load() && (k = next.fetch_add(1)) < queue.size();) {
          const std::size_t i = queue[k];
          ran[i] = 1;
          deploy_one(hosts[i], passwords[i], table, stop, result.hosts[i]);
        }
        --active;
      });
    int interrupts = 0;
    while (active.load() > 0) {
      if (int s = signals.wait(250); s != 0) {
        if (++interrupts > 1) {
          table.message("interrupted again: leaving at once; an image this run inserted may still be inserted");
          ::_exit(128 + s);
        }
        stop = true;
        result.interrupted = true;
        table.message(std::string("interrupted (") + ::strsignal(s) +
                      "): no new step starts; each running host ejects what it inserted, then stops (again to "
                      "leave at once)");
      }
      table.tick();
    }
    for (auto& worker : workers) worker.join();
  }
  if (stop.load()) result.interrupted = true;
  for (std::size_t i : queue)
    if (!ran[i]) {
      result.hosts[i].outcome.status = HostOutcome::Status::interrupted;
      result.hosts[i].outcome.diagnosis = "not started (interrupted)";
      result.hosts[i].deployed = hosts[i].previous;  // untouched: an earlier deployment still stands
    }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

namespace {

// Each host's password: its bmc_password_file's first line, else the rack's (read once,
// only when some host needs it).
std::vector<std::string> read_passwords(const RackRequest& request, const std::vector<PlannedHost>& hosts,
                                        const std::string& inventory) {
  std::vector<std::string> passwords(hosts.size());
  std::optional<std::string> rack;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const PlannedHost& host = hosts[i];
    if (host.skip) continue;
    if (host.password_file.empty()) {
      if (!rack) rack = redfish::read_password(request.password_file, host.plan.user);
      passwords[i] = *rack;
      continue;
    }
    try {
      passwords[i] = redfish::read_password(host.password_file, host.plan.user);
    } catch (const Error& e) {
      throw Error(inventory + ":" + std::to_string(host.line),
                  "column bmc_password_file: " + host.password_file + " " + e.problem(), e.fix());
    }
  }
  return passwords;
}

// Before anything is sent: the outputs can be written.
void check_outputs(const RackRequest& request) {
  if (!request.junit.empty()) util::check_output_path(request.junit);
  if (!request.report_dir.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(request.report_dir, ec) && !std::filesystem::is_directory(request.report_dir, ec))
      throw Error("--report " + request.report_dir, "not a directory", "give a directory (created when missing)");
  }
}

}  // namespace

std::vector<RoutedHost> plan_follow(const RackRequest& request, const fleet::Inventory& inventory,
                                    std::vector<PlannedHost>& hosts, UdpAddress& listen, std::ostream& err) {
  std::map<std::string, FollowedImage> images;  // by path: a fleet image is read once
  std::optional<std::pair<std::string, LogTarget>> first;
  std::vector<RoutedHost> routed;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    HostPlan& plan = hosts[i].plan;
    auto it = images.find(plan.image_path);
    if (it == images.end()) it = images.emplace(plan.image_path, check_followable(plan.image_path)).first;
    const FollowedImage& image = it->second;
    if (!first) first.emplace(plan.image_path, image.log);
    if (image.log.port != first->second.port)
      throw Error(plan.image_path,
                  "its installer sends its syslog to port " + std::to_string(image.log.port) + ", " + first->first +
                      "'s to port " + std::to_string(first->second.port) + ": one run receives on one port",
                  "build every image of the rack with the same --kernel-args \"log_host=ADDR log_port=PORT\"");
    plan.build_id = image.build_id;
    const fleet::Host& row = inventory.hosts.at(i);
    RoutedHost host{plan.name, row.hostname, {}, image.build_id};
    if (row.address) host.addresses.push_back(row.address->address.text());
    routed.push_back(std::move(host));
  }
  if (!first) return routed;
  listen = request.syslog.empty() ? UdpAddress{"0.0.0.0", first->second.port}
                                  : parse_udp_address(request.syslog, "--syslog");
  if (listen.port != first->second.port)
    err << "imgbuild: deploy: the images' installers send their syslog to " << first->second.host << ":"
        << first->second.port << ", received here on port " << listen.port << ": something must forward it\n";
  return routed;
}


std::function<std::optional<std::uint64_t>(const std::string&)> served_by_bmc(
    const std::vector<PlannedHost>& hosts, std::function<std::map<std::string, std::uint64_t>()> served_bytes) {
  std::map<std::string, std::string> address_of;
  std::map<std::string, int> hosts_at;
  for (const auto& host : hosts) {
    std::string address = redfish::url_host(host.plan.bmc.base_url);
    address_of[host.plan.name] = address;
    ++hosts_at[address];
  }
  return [address_of, hosts_at, served_bytes](const std::string& host) -> std::optional<std::uint64_t> {
    auto address = address_of.find(host);
    if (address == address_of.end() || hosts_at.at(address->second) != 1) return std::nullopt;
    auto served = served_bytes();
    auto found = served.find(address->second);
    return found == served.end() ? std::optional<std::uint64_t>(0) : found->second;
  };
}

int deploy_rack(const RackRequest& request, std::ostream& out, std::ostream& err) {
  fleet::Inventory inventory = fleet::read_inventory(request.inventory);
  check_outputs(request);
  std::vector<PlannedHost> hosts = plan_rack(request, inventory, read_previous(request.report_dir));
  std::unique_ptr<SyslogReceiver> receiver;
  if (request.until != Until::boot) {
    UdpAddress listen;
    std::vector<RoutedHost> routed = plan_follow(request, inventory, hosts, listen, err);
    if (!request.dry_run && !routed.empty()) {
      receiver = std::make_unique<SyslogReceiver>(listen, std::move(routed));
      for (std::size_t i = 0; i < hosts.size(); ++i) hosts[i].plan.events = &receiver->events(i);
    }
  }
  std::vector<std::string> passwords = read_passwords(request, hosts, inventory.file.string());

  std::vector<std::string> names;
  for (const auto& host : hosts) names.push_back(host.plan.name);
  std::atomic<bool> stop{false};
  RackResult result;
  {
    RackTable table(names, util::progress_mode(), request.log);
    if (request.served_bytes) table.set_served(served_by_bmc(hosts, request.served_bytes));
    table.message("deploying " + std::to_string(hosts.size()) + " hosts of " + inventory.file.string() + ", " +
                  std::to_string(request.parallel) + " at once, until " + until_name(request.until));
    result = run_rack(hosts, passwords, request.parallel, table, stop);
    for (auto& password : passwords) std::fill(password.begin(), password.end(), '\0');
    result.inventory = inventory.file.string();
    result.until = until_name(request.until);
    result.dry_run = request.dry_run;
    table.finish();
    for (const auto& line : summary_lines(result)) table.message(line);
  }
  const util::Json report = rack_document(result);
  std::string report_path;
  if (!request.report_dir.empty()) {
    write_rack_report(request.report_dir, report);
    report_path = (std::filesystem::path(request.report_dir) / "index.html").string();
    err << "imgbuild: deploy: report: " << report_path << "\n";
  }
  if (!request.junit.empty()) write_rack_junit(request.junit, report, report_path);
  if (request.json) {
    out << util::json_text(report);
  } else if (request.dry_run) {
    for (const auto& host : result.hosts)
      for (const auto& line : host.dry_run) out << host.host << ": " << line << "\n";
  }
  return exit_status(result);
}

}  // namespace imgbuild::deploy
