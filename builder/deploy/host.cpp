// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/host.hpp"

#include "deploy/follow.hpp"
#include "deploy/syslog.hpp"
#include "redfish/client.hpp"
#include "redfish/image_probe.hpp"
#include "redfish/virtual_media.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <optional>

namespace imgbuild::deploy {

const char* until_name(Until until) {
  switch (until) {
    case Until::boot: return "boot";
    case Until::install: return "install";
    case Until::firstboot: return "firstboot";
  }
  return "?";
}

const char* status_name(HostOutcome::Status status) {
  switch (status) {
    case HostOutcome::Status::done: return "done";
    case HostOutcome::Status::failed: return "failed";
    case HostOutcome::Status::skipped: return "skipped";
    case HostOutcome::Status::interrupted: return "interrupted";
  }
  return "?";
}

namespace {

// Thrown between steps when Ctrl-C asked to stop: not a failure of the server.
struct Interrupted {};

redfish::DeployOptions deploy_options(const HostPlan& plan) {
  redfish::DeployOptions options;
  options.image_url = plan.image_url;
  options.system = plan.system;
  options.shutdown_grace = plan.timeouts.shutdown_grace;
  options.power_wait = plan.timeouts.power;
  options.eject_wait = plan.timeouts.eject;
  options.insert_wait = plan.timeouts.insert;
  return options;
}

// The state of one deployment while its steps run.
class HostRun {
 public:
  HostRun(const HostPlan& plan, Observer& observer, const std::atomic<bool>& stop)
      : m_plan(plan), m_observer(observer), m_stop(stop) {
    m_outcome.host = plan.name;
  }

  HostOutcome& outcome() { return m_outcome; }

  // Runs `body` as the step `name`: timed, told to the observer; an Error ends the
  // deployment with the step's name in the diagnosis.
  template <typename Body>
  void step(const std::string& name, Body&& body) {
    if (m_stop.load()) throw Interrupted{};
    m_observer.step_started(m_plan.name, name);
    StepRecord record;
    record.name = name;
    auto start = std::chrono::steady_clock::now();
    try {
      record.detail = body();
      record.ok = true;
    } catch (const Error& e) {
      record.detail = e.what();
      finish(record, start);
      m_outcome.diagnosis = name + ": " + e.what();
      m_outcome.exit_code = e.exit_code();
      if (dynamic_cast<const redfish::HttpError*>(&e) != nullptr || dynamic_cast<const redfish::TaskError*>(&e) != nullptr)
        m_outcome.bmc_answer = e.problem();
      throw;
    }
    finish(record, start);
  }

  void log(const std::string& line) { m_observer.log(m_plan.name, line); }

 private:
  void finish(StepRecord& record, std::chrono::steady_clock::time_point start) {
    record.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    m_outcome.steps.push_back(record);
    m_observer.step_finished(m_plan.name, record);
  }

  const HostPlan& m_plan;
  Observer& m_observer;
  const std::atomic<bool>& m_stop;
  HostOutcome m_outcome;
};

// The image as served, and (when following the install) the build id its installer will
// report: `build_id` is filled in.
std::string image_check(const HostPlan& plan, std::string& build_id) {
  std::string followed;
  if (plan.until != Until::boot && build_id.empty()) {
    FollowedImage image = check_followable(plan.image_path);
    build_id = image.build_id;
    followed = "build id " + build_id + ", installer syslog to " + image.log.host + ":" + std::to_string(image.log.port);
  }
  std::string protocol = redfish::transfer_protocol_of(plan.image_url);
  std::string served = "not checked from here";
  if (plan.check_image && (protocol == "HTTP" || protocol == "HTTPS")) {
    auto size = static_cast<std::int64_t>(std::filesystem::file_size(plan.image_path));
    served = redfish::judge_image_probe(redfish::probe_image(plan.image_url), plan.image_url, size);
  }
  return followed.empty() ? served : served + "; " + followed;
}

// The steps up to the power-on with the one-time CD boot, each timed.
void run_until_boot(HostRun& run, redfish::Client& client, const HostPlan& plan) {
  redfish::DeployOptions options = deploy_options(plan);
  HostOutcome& out = run.outcome();
  redfish::ComputerSystem system;
  std::vector<redfish::VirtualMedia> slots;
  run.step("find-system", [&] {
    system = redfish::read_system(client, plan.system);
    slots = redfish::find_cd_slots(client, system);
    out.system = system.path;
    std::string paths;
    for (const auto& slot : slots) paths += (paths.empty() ? "" : ", ") + slot.path;
    return system.path + ", CD slots " + paths;
  });
  run.step("power-off", [&] {
    redfish::power_off(client, system, options);
    return std::string("off");
  });
  run.step("eject", [&] {
    redfish::eject_all(client, slots, options);
    return std::string("every CD slot empty");
  });
  redfish::VirtualMedia slot;
  run.step("insert", [&] {
    slot = client.dry_run() ? slots.front() : redfish::read_slot(client, slots.front().path);
    redfish::insert_image(client, slot, plan.image_url);
    out.slot = slot.path;
    out.media_inserted = !client.dry_run();
    redfish::wait_inserted(client, slot.path, plan.image_url, options);
    return slot.path + " holds " + plan.image_url;
  });
  redfish::ComputerSystem now = system;
  run.step("boot-once", [&] {
    if (!client.dry_run()) now = redfish::read_system(client, system.path);
    redfish::boot_once_from_cd(client, now);
    out.boot_target = redfish::cd_boot_target(now);
    return out.boot_target + " once";
  });
  run.step("power-on", [&] {
    // What arrived before is another boot's: the installer this power-on starts is what counts.
    if (plan.events != nullptr) plan.events->clear();
    redfish::power_on(client, now, options);
    return std::string("on");
  });
}

// Waits for the markers that end one phase; an Error (exit 4) with the diagnosis when
// they say the install went wrong or nothing decisive arrived in time.
std::string watch(const HostPlan& plan, Phase phase, const std::string& build_id, bool& build_id_seen,
                  std::chrono::seconds limit, const std::atomic<bool>& stop, HostRun& run) {
  PhaseWatch watcher(phase, build_id, build_id_seen);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (auto event = plan.events->next(deadline, stop)) {
    if (!event->how.empty() && event->marker) run.log("syslog from " + event->source + ": " + event->marker->text);
    std::size_t noted = watcher.notes().size();
    Verdict verdict = watcher.see(*event);
    for (std::size_t i = noted; i < watcher.notes().size(); ++i) {
      run.outcome().notes.push_back(watcher.notes()[i]);
      run.log(watcher.notes()[i]);
    }
    if (verdict.kind == Verdict::Kind::ok) {
      build_id_seen = build_id_seen || verdict.build_id_seen;
      return verdict.detail;
    }
    if (verdict.kind == Verdict::Kind::fail) throw Error("", verdict.detail, "", 4);
  }
  if (stop.load()) throw Interrupted{};
  throw Error("", watcher.timeout_diagnosis(limit), "", 4);
}

// After the power-on: the installer's markers, the media out as soon as the install is
// finished (before the installed system boots: the hazard the first-boot hook handles
// from inside), then the first boot. The session is closed while waiting (an install
// outlasts a BMC's idle session timeout) and opened again for the eject.
void follow_install(HostRun& run, redfish::Client& client, const HostPlan& plan, const std::string& build_id,
                    const std::atomic<bool>& stop) {
  HostOutcome& out = run.outcome();
  client.close();
  bool seen = false;
  run.step("installer",
           [&] { return watch(plan, Phase::installer, build_id, seen, plan.timeouts.installer_start, stop, run); });
  run.step("install", [&] { return watch(plan, Phase::install, build_id, seen, plan.timeouts.install, stop, run); });
  run.step("eject-after-install", [&] {
    client.open();
    redfish::eject_all(client, {redfish::read_slot(client, out.slot)}, deploy_options(plan));
    out.media_inserted = false;
    client.close();
    return out.slot + " empty";
  });
  if (plan.until == Until::install) return;
  run.step("firstboot",
           [&] { return watch(plan, Phase::firstboot, build_id, seen, plan.timeouts.firstboot, stop, run); });
}

// After a failure or Ctrl-C: the image this run inserted does not stay in the slot (a
// server rebooting into the installer by accident reinstalls itself).
void eject_what_we_inserted(HostRun& run, redfish::Client& client, const HostPlan& plan) {
  HostOutcome& out = run.outcome();
  if (!out.media_inserted || out.slot.empty()) return;
  try {
    if (!client.has_session()) client.open();
    redfish::DeployOptions options = deploy_options(plan);
    redfish::eject_all(client, {redfish::read_slot(client, out.slot)}, options);
    out.media_inserted = false;
    run.log("ejected " + out.slot + " after the failure");
  } catch (const Error& e) {
    run.log(std::string("could not eject ") + out.slot + ": " + e.what());
  }
}

}  // namespace

HostOutcome deploy_host(const HostPlan& plan, const std::string& password, Observer& observer,
                        const std::atomic<bool>& stop, DryRunLog* dry_run_log) {
  redfish::transfer_protocol_of(plan.image_url);  // bad input: thrown before anything is sent
  if (plan.until != Until::boot && plan.events == nullptr && !plan.dry_run)
    throw Error(plan.name, std::string("following the install (--until ") + until_name(plan.until) +
                               ") needs the installers' syslog routed to this host",
                "this is a bug in the caller of deploy_host");
  std::string build_id = plan.build_id;
  HostRun run(plan, observer, stop);
  HostOutcome& out = run.outcome();
  std::optional<redfish::CurlTransport> transport;
  std::optional<redfish::SystemClock> clock;
  std::optional<redfish::Client> client;
  try {
    run.step("image-check", [&] { return image_check(plan, build_id); });
    run.step("connect", [&] {
      transport.emplace(plan.bmc);
      clock.emplace();
      client.emplace(*transport, redfish::Credentials{plan.user, password}, *clock);
      client->on_log([&run](const std::string& line) { run.log(line); });
      client->set_dry_run(plan.dry_run);
      client->open();
      out.notes.push_back(transport->trust_note());
      client->note(transport->trust_note());
      return transport->trust_note();
    });
    run_until_boot(run, *client, plan);
    if (plan.until != Until::boot && !plan.dry_run) follow_install(run, *client, plan, build_id, stop);
    out.status = HostOutcome::Status::done;
  } catch (const Interrupted&) {
    out.status = HostOutcome::Status::interrupted;
    out.diagnosis = "stopped before its next step (interrupted)";
  } catch (const Error&) {
    out.status = HostOutcome::Status::failed;  // the step recorded the diagnosis
  }
  if (client) {
    if (out.status != HostOutcome::Status::done) eject_what_we_inserted(run, *client, plan);
    if (plan.dry_run) {
      out.notes.push_back("dry run: " + std::to_string(client->recorded().size()) + " requests not sent");
      if (dry_run_log != nullptr)
        for (const auto& r : client->recorded()) dry_run_log->lines.push_back(r.method + " " + r.path + " " + r.body);
    }
    client->close();
  }
  return out;
}

}  // namespace imgbuild::deploy
