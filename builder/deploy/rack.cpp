// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/rack.hpp"

#include "redfish/virtual_media.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_document.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace imgbuild::deploy {

namespace {

std::string where(const fleet::Inventory& inventory, const fleet::Host& host) {
  return inventory.file.string() + ":" + std::to_string(host.line);
}

std::optional<Until> parse_until(const std::string& name) {
  for (Until until : {Until::boot, Until::install, Until::firstboot})
    if (name == until_name(until)) return until;
  return std::nullopt;
}

// The image a host gets and where its BMC fetches it.
void plan_image(const RackRequest& request, const fleet::Inventory& inventory, const fleet::Host& host,
                HostPlan& plan) {
  if (request.per_host_dir.empty()) {
    plan.image_path = request.image;
    plan.image_url = request.image_url;
    return;
  }
  const std::string name = host.hostname + ".iso";
  plan.image_path = (fs::path(request.per_host_dir) / name).string();
  std::error_code ec;
  if (!fs::is_regular_file(plan.image_path, ec))
    throw Error(where(inventory, host), "host " + host.hostname + ": no image " + plan.image_path,
                "build the per-host images for this inventory: imgbuild build --hosts " + inventory.file.string() +
                    " --per-host " + request.per_host_dir);
  std::string base = request.image_base_url;
  if (!base.empty() && base.back() != '/') base += '/';
  plan.image_url = base + name;
}

std::string trust_of(const RackRequest& request, const fleet::Host& host, redfish::Trust& trust) {
  if (!host.bmc_fingerprint.empty()) {
    trust = {redfish::Trust::Mode::fingerprint, {}, host.bmc_fingerprint};
    return "pinned to the inventory's bmc_fingerprint " + host.bmc_fingerprint;
  }
  if (!request.ca_file.empty()) {
    trust = {redfish::Trust::Mode::ca_file, request.ca_file, {}};
    return "checked against --ca " + request.ca_file;
  }
  if (request.insecure) {
    trust = {redfish::Trust::Mode::insecure, {}, {}};
    return "NOT checked (--insecure)";
  }
  trust = {};
  return "checked against the system's certificate authorities";
}

void check_request(const RackRequest& request) {
  if (request.per_host_dir.empty()) {
    if (request.image.empty())
      throw Error("deploy --hosts", "no image", "name the fleet image (the ISO argument), or give --per-host DIR");
    std::error_code ec;
    if (!fs::is_regular_file(request.image, ec))
      throw Error(request.image, "no such ISO file", "give the image that --image-url serves");
    if (request.image_url.empty())
      throw Error("deploy --hosts", "no --image-url", "say where the BMCs fetch " + request.image);
    if (!request.image_base_url.empty())
      throw Error("--image-base-url", "is for --per-host images", "give the fleet image's URL with --image-url");
  } else {
    if (!request.image.empty())
      throw Error(request.image, "an ISO argument and --per-host", "deploy either the fleet image or the per-host ones");
    if (!request.image_url.empty())
      throw Error("--image-url", "names one image, not one per host",
                  "with --per-host give --image-base-url: each host's URL is it + <hostname>.iso");
    if (request.image_base_url.empty())
      throw Error("--per-host " + request.per_host_dir, "no --image-base-url",
                  "say where the BMCs fetch the images: URL/ + <hostname>.iso");
    std::error_code ec;
    if (!fs::is_directory(request.per_host_dir, ec))
      throw Error("--per-host " + request.per_host_dir, "not a directory", "give build --per-host's directory");
  }
  if (request.parallel < 1 || request.parallel > 64)
    throw Error("--parallel " + std::to_string(request.parallel), "out of range", "deploy 1 to 64 hosts at once");
}

}  // namespace

std::vector<PlannedHost> plan_rack(const RackRequest& request, const fleet::Inventory& inventory,
                                   const std::map<std::string, Deployed>& previous) {
  check_request(request);
  fleet::require_bmc(inventory);
  std::vector<PlannedHost> hosts;
  for (const auto& host : inventory.hosts) {
    PlannedHost planned;
    planned.line = host.line;
    HostPlan& plan = planned.plan;
    plan.name = host.hostname;
    plan.bmc.base_url = host.bmc;
    planned.trust = trust_of(request, host, plan.bmc.trust);
    plan.user = host.bmc_user.empty() ? request.user : host.bmc_user;
    if (plan.user.empty())
      throw Error(where(inventory, host), "column bmc_user: host " + host.hostname + " has no BMC user",
                  "fill the bmc_user column or give --user for the rows without one");
    plan.system = request.system;
    plan_image(request, inventory, host, plan);
    try {
      redfish::transfer_protocol_of(plan.image_url);
    } catch (const Error& e) {
      throw Error((request.per_host_dir.empty() ? "--image-url " : "--image-base-url ") + plan.image_url, e.problem(),
                  e.fix(), 2);
    }
    plan.until = request.until;
    plan.timeouts = request.timeouts;
    plan.check_image = request.check_image;
    plan.dry_run = request.dry_run;
    planned.password_file = host.bmc_password_file.string();
    if (auto it = previous.find(host.hostname); it != previous.end()) {
      planned.previous = it->second;
      planned.skip = !request.force && !request.dry_run && already_deployed(it->second, host.bmc, request.until);
    }
    hosts.push_back(std::move(planned));
  }
  return hosts;
}

bool already_deployed(const Deployed& previous, const std::string& bmc, Until until) {
  auto reached = parse_until(previous.until);
  if (!reached || previous.bmc != bmc) return false;
  Until enough = std::min(until, Until::install);
  return *reached >= enough;
}

std::map<std::string, Deployed> read_previous(const std::string& report_dir) {
  std::map<std::string, Deployed> out;
  if (report_dir.empty()) return out;
  const std::string file = (fs::path(report_dir) / "report.json").string();
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  util::Json report;
  try {
    report = util::Json::parse(util::read_small_file(file, 64u << 20, "report"));
  } catch (const util::Json::exception&) {
    report = nullptr;
  }
  if (!report.is_object() || report.value("kind", "") != "imgbuild deploy --hosts" || !report["hosts"].is_array())
    throw Error(file, "not the report of an earlier deploy --hosts",
                "give --report a directory of its own (an earlier run's report there tells which hosts are done)");
  for (const auto& host : report["hosts"]) {
    if (!host.is_object() || !host.contains("deployed") || !host["deployed"].is_object()) continue;
    const auto& d = host["deployed"];
    out[host.value("host", "")] = {d.value("until", ""), d.value("finished", ""), d.value("bmc", ""),
                                   d.value("image_url", "")};
  }
  return out;
}

std::string utc_time(std::time_t when) {
  std::tm tm{};
  ::gmtime_r(&when, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

int exit_status(const RackResult& result) {
  if (result.interrupted) return 130;
  for (const auto& host : result.hosts)
    if (host.outcome.status != HostOutcome::Status::done && host.outcome.status != HostOutcome::Status::skipped)
      return 1;
  return 0;
}

std::vector<std::string> summary_lines(const RackResult& result) {
  std::vector<std::string> lines;
  std::map<std::string, int> counts;
  for (const auto& host : result.hosts) {
    ++counts[status_name(host.outcome.status)];
    if (host.outcome.status == HostOutcome::Status::done || host.outcome.status == HostOutcome::Status::skipped)
      continue;
    std::string line = host.host + " (" + result.inventory + ":" + std::to_string(host.line) + "): " +
                       status_name(host.outcome.status) + ": " + host.outcome.diagnosis;
    if (host.outcome.media_inserted) line += " [the image may still be inserted in " + host.outcome.slot + "]";
    lines.push_back(line);
  }
  std::string total = std::to_string(result.hosts.size()) + (result.hosts.size() == 1 ? " host:" : " hosts:");
  bool first = true;
  for (auto status : {HostOutcome::Status::done, HostOutcome::Status::skipped, HostOutcome::Status::failed,
                      HostOutcome::Status::interrupted}) {
    auto it = counts.find(status_name(status));
    if (it == counts.end()) continue;
    total += std::string(first ? " " : ", ") + std::to_string(it->second) + " " + status_name(status);
    first = false;
  }
  lines.push_back(total);
  return lines;
}

}  // namespace imgbuild::deploy
