// SPDX-License-Identifier: GPL-2.0-or-later
#include "emulate/server.hpp"

#include "efi/self_signed.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace imgbuild::emulate {

namespace {

using Clock = std::chrono::steady_clock;

vm::LaunchSettings launch_settings(const vm::MachineProfile& profile, const ServerSpec& spec) {
  vm::LaunchSettings settings;
  settings.qemu_binary = spec.qemu_binary;
  settings.disk = spec.directory + "/disk." + profile.disk_format;
  settings.floppy = spec.directory + "/floppy.img";
  settings.qmp_socket = spec.socket_dir + "/" + spec.hostname + ".qmp";
  settings.drac_socket = spec.socket_dir + "/" + spec.hostname + ".drac";
  settings.firmware_log = spec.directory + "/firmware.log";
  // The DRAC's virtual media come and go with InsertMedia/EjectMedia (hot-plugged).
  settings.omit_devices = profile.drac_media;
  settings.firmware = profile.firmware.value_or(vm::Firmware::Bios);
  if (vm::is_uefi(settings.firmware)) {
    settings.ovmf_code = vm::find_ovmf(settings.firmware).code;
    settings.ovmf_vars = spec.directory + "/ovmf-vars.fd";
  }
  settings.accel = spec.accel;
  // The disk keeps bootindex 1: 0 is the virtual CD's for a one-time boot.
  settings.cd_first = true;
  settings.smbios_serial = spec.service_tag;
  settings.nic_macs = spec.macs;
  if (settings.nic_macs.size() > vm::nic_count(profile)) settings.nic_macs.resize(vm::nic_count(profile));
  return settings;
}

// A JSON value on one line, for the log.
std::string one_line(const util::Json& json) {
  std::string text = util::json_text(json, -1);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

std::vector<std::string> server_command(const vm::MachineProfile& profile, const vm::LaunchSettings& settings,
                                        const std::string& serial_log) {
  std::vector<std::string> argv = vm::qemu_command(profile, settings);
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-chardev" && argv[i + 1].starts_with("stdio,id=serial0"))
      argv[i + 1] = "file,id=serial0,path=" + vm::qemu_escape(serial_log);
    if (argv[i] == "-name") argv[i + 1] = "imgbuild-emulate-" + profile.name;
  }
  // Powered off until the BMC powers it on; a guest power off stops it instead of ending
  // QEMU; the firmware boots only what has a bootindex (the disk; the virtual CD when a
  // one-time boot makes it first), as a server's boot sequence lists its devices.
  argv.insert(argv.begin() + 1, {"-S", "-no-shutdown", "-boot", "strict=on"});
  // A second QMP socket for people and tests to look at the machine (query-block,
  // qom-list /machine/peripheral): the emulator keeps the first one connected.
  if (!settings.qmp_socket.empty()) {
    std::string monitor = settings.qmp_socket;
    monitor.insert(monitor.size() - 4, "-monitor");  // NAME.qmp -> NAME-monitor.qmp
    argv.insert(argv.end(), {"-qmp", "unix:" + monitor + ",server=on,wait=off"});
  }
  return argv;
}

EmulatedServer::EmulatedServer(const vm::MachineProfile& profile, ServerSpec spec)
    : m_profile(profile), m_spec(std::move(spec)), m_model(virtual_cd_template(profile)) {}

EmulatedServer::~EmulatedServer() {
  try {
    stop();
  } catch (...) {
    m_qemu.kill();
  }
}

std::string EmulatedServer::qmp_socket() const { return m_spec.socket_dir + "/" + m_spec.hostname + "-monitor.qmp"; }

std::string EmulatedServer::url() const { return m_http ? "https://" + m_spec.listen_address + ":" + std::to_string(m_http->port()) : ""; }

void EmulatedServer::start() {
  std::error_code ec;
  fs::create_directories(m_spec.directory, ec);
  if (ec) throw Error(m_spec.directory, "cannot create: " + ec.message(), "", 3);

  // The BMC's own certificate, as an iDRAC makes one: clients pin its fingerprint.
  auto certificate = efi::make_self_signed_certificate("idrac-" + (m_spec.service_tag.empty() ? m_spec.hostname
                                                                                              : m_spec.service_tag),
                                                       {m_spec.listen_address}, {"localhost"}, 30);
  const std::string cert_path = m_spec.directory + "/bmc-cert.pem", key_path = m_spec.directory + "/bmc-key.pem";
  util::write_file_atomically(cert_path, certificate.cert_pem, 0644);
  util::write_file_atomically(key_path, certificate.key_pem, 0600);
  m_fingerprint = certificate.sha256_hex;

  vm::LaunchSettings settings = launch_settings(m_profile, m_spec);
  fs::remove(settings.qmp_socket, ec);
  {
    // prepare(): the blank disk (qemu-img), the floppy image, the private OVMF variables.
    vm::QemuRunner preparer(m_profile, settings, m_spec.directory + "/qemu.log");
    preparer.prepare();
  }
  const auto argv = server_command(m_profile, settings, m_spec.directory + "/serial.log");
  std::string line;
  for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
  log("qemu: " + line);
  m_qemu.spawn(argv, m_spec.directory + "/qemu.log");
  if (!m_qmp.connect(settings.qmp_socket, 10000)) {
    m_qemu.kill();
    throw Error(m_spec.hostname, "QEMU did not start: " + m_qmp.problem(),
                "see " + m_spec.directory + "/qemu.log", 3);
  }
  m_worker = std::thread([this] { work(); });

  bmc::BmcConfig config = m_spec.bmc;
  m_bmc = std::make_unique<HostedBmc>(config, [this](const bmc::Effect& effect) { queue(effect); });
  http::ServerOptions options;
  options.address = m_spec.listen_address;
  options.port = 0;
  options.tls = http::TlsFiles{cert_path, key_path};
  m_http = std::make_unique<http::Server>(options, [this](const http::Request& request) { return (*m_bmc)(request); });
  log("bmc: " + url() + " (" + std::string(bmc::dialect_name(config.dialect)) + ")");
}

void EmulatedServer::stop() {
  m_http.reset();  // no request, so no effect, after this
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_worker.joinable()) m_worker.join();
  if (m_qemu.running()) {
    if (auto quit = vm::qmp_command("quit")) m_qmp.execute(*quit, 2000);
    if (!m_qemu.wait_for_exit(5000)) m_qemu.kill();
  }
  m_qemu.kill();
  std::error_code ec;
  fs::remove(m_spec.socket_dir + "/" + m_spec.hostname + ".qmp", ec);
  fs::remove(m_spec.socket_dir + "/" + m_spec.hostname + ".drac", ec);
  fs::remove(qmp_socket(), ec);
}

void EmulatedServer::queue(const bmc::Effect& effect) {
  {
    std::lock_guard lock(m_mutex);
    m_effects.push_back(effect);
  }
  m_wake.notify_all();
}

void EmulatedServer::work() {
  for (;;) {
    std::deque<bmc::Effect> effects;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait_for(lock, std::chrono::milliseconds(200), [this] { return m_stopping || !m_effects.empty(); });
      if (m_stopping) return;
      effects.swap(m_effects);
    }
    for (const auto& effect : effects) {
      log("effect: " + one_line(effect_json(effect)));
      Plan plan = m_model.plan(effect);
      if (effect.kind == bmc::Effect::Kind::PowerOn || effect.kind == bmc::Effect::Kind::Reset)
        m_powerdown_pending = false;
      run_plan(m_qmp, plan);
      if (plan.powerdown) {
        m_powerdown_pending = true;
        m_powerdown_deadline = Clock::now() + m_spec.powerdown_grace;
      }
    }
    handle_events(m_qmp.take_events(0));
    if (m_powerdown_pending && Clock::now() >= m_powerdown_deadline) {
      // The guest did not obey the ACPI power button: the BMC already reads Off.
      m_powerdown_pending = false;
      log("the guest ignored the ACPI power off for " + std::to_string(m_spec.powerdown_grace.count()) +
          " s: stopped");
      std::string error;
      QmpStep halt;
      halt.command = "stop";
      run_step(m_qmp, halt, error);
    }
  }
}

void EmulatedServer::run_plan(vm::QmpClient& qmp, const Plan& plan) {
  if (!plan.refused.empty()) {
    log("refused: " + plan.refused);
    report(m_model.plan_done(plan));
    return;
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    std::string error;
    if (!run_step(qmp, plan.steps[i], error)) {
      log("failed: " + plan.steps[i].command + ": " + error);
      for (const auto& undo : plan.undo) {
        std::string ignored;
        run_step(qmp, undo, ignored);
      }
      report(m_model.plan_failed(plan, i, error));
      return;
    }
  }
  report(m_model.plan_done(plan));
}

bool EmulatedServer::run_step(vm::QmpClient& qmp, const QmpStep& step, std::string& error) {
  auto request = vm::qmp_command(step.command, step.arguments);
  if (!request) {
    error = "not valid UTF-8";
    return false;
  }
  log("qmp: " + *request);
  // blockdev-add of an HTTP image waits for the image server's answer (curl's timeout).
  auto reply = qmp.execute(*request, step.command == "blockdev-add" ? 60000 : 15000);
  if (!reply) {
    error = "no answer from QEMU";
    return false;
  }
  if (reply->kind != vm::QmpReply::Kind::Return) {
    error = reply->problem;
    return false;
  }
  if (step.wait_event.empty()) return true;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    auto events = qmp.take_events(std::max(left, 1));
    bool seen = false;
    for (const auto& event : events) {
      const auto data = event.value("data", util::Json::object());
      if (event.value("event", "") == step.wait_event && data.value("device", "") == step.wait_device) seen = true;
    }
    handle_events(events);
    if (seen) return true;
  }
  error = "QEMU did not report " + step.wait_event + " for " + step.wait_device;
  return false;
}

void EmulatedServer::handle_events(const std::vector<util::Json>& events) {
  for (const auto& event : events) {
    const std::string name = event.value("event", "");
    if (name == "SHUTDOWN" || name == "RESET" || name == "POWERDOWN" || name == "DEVICE_DELETED")
      log("event: " + name + " " + one_line(event.value("data", util::Json::object())));
    Report r = m_model.event(event);
    if (r.kind == Report::Kind::PoweredOff) m_powerdown_pending = false;
    report(r);
  }
}

void EmulatedServer::report(const Report& r) {
  if (!m_bmc) return;
  switch (r.kind) {
    case Report::Kind::None: return;
    case Report::Kind::MediaFetched:
      log("reported: media fetched (" + r.task + ")");
      m_bmc->media_fetched(r.task);
      return;
    case Report::Kind::MediaFetchFailed:
      log("reported: media fetch failed (" + r.task + "): " + r.reason);
      m_bmc->media_fetch_failed(r.task, r.reason);
      return;
    case Report::Kind::PoweredOff:
      log("reported: the machine powered itself off");
      m_bmc->machine_powered_off();
      return;
  }
}

void EmulatedServer::log(const std::string& line) {
  std::lock_guard lock(m_log_mutex);
  std::ofstream out(m_spec.directory + "/emulate.log", std::ios::app);
  std::string text = line;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  out << timestamp() << " " << text << "\n";
}

}  // namespace imgbuild::emulate
