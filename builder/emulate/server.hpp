// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One emulated server: a QEMU machine of a profile with a row's identity (service tag,
// MACs), a blank disk, and its BMC (HostedBmc) on HTTPS. The machine is started at once
// but frozen before its first instruction (-S), which is "powered off": QMP is there from
// the start, so an image can be inserted into a machine that is off, as on a real server,
// and a QEMU that cannot start (a bad profile, a missing firmware) fails the emulator at
// start rather than at the first power on. A worker thread carries out the BMC's effects
// on QMP (qmp_plan.hpp) and reports back; the BMC's handler only queues them.

#include "emulate/hosted_bmc.hpp"
#include "emulate/qmp_plan.hpp"
#include "vm/process.hpp"
#include "vm/profile.hpp"
#include "vm/qemu_runner.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgbuild::emulate {

struct ServerSpec {
  std::string hostname;
  std::string service_tag;
  std::vector<std::string> macs;
  std::string directory;     // DIR/<host>: disk, serial.log, qemu.log, emulate.log, certificate
  std::string socket_dir;    // short path for the QMP and DRAC sockets (unix paths are short)
  bmc::BmcConfig bmc;
  std::string listen_address = "127.0.0.1";
  std::string qemu_binary = "qemu-system-x86_64";
  vm::Accel accel = vm::Accel::Tcg;
  // How long a graceful power off may take before the machine is stopped.
  std::chrono::seconds powerdown_grace{60};
};

// The QEMU argv of a server: the profile's machine (as verify builds it) without the
// DRAC's virtual media (hot-plugged on insert), frozen at start (-S), kept on a guest
// power off (-no-shutdown), only devices with a bootindex bootable (-boot strict=on), the
// serial port into `serial_log`, and a second QMP socket (NAME-monitor.qmp beside
// settings.qmp_socket) for observers.
std::vector<std::string> server_command(const vm::MachineProfile& profile, const vm::LaunchSettings& settings,
                                        const std::string& serial_log);

class EmulatedServer {
 public:
  EmulatedServer(const vm::MachineProfile& profile, ServerSpec spec);
  EmulatedServer(const EmulatedServer&) = delete;
  EmulatedServer& operator=(const EmulatedServer&) = delete;
  ~EmulatedServer();

  // Creates the disk and certificate, starts QEMU (frozen), the worker and the HTTPS BMC.
  void start();
  // Stops the BMC, the worker and QEMU (QMP quit, then kill). Idempotent.
  void stop();

  const ServerSpec& spec() const { return m_spec; }
  std::string url() const;                  // https://127.0.0.1:PORT
  const std::string& fingerprint() const { return m_fingerprint; }  // lower-case hex
  pid_t qemu_pid() const { return m_qemu.pid(); }
  bool qemu_running() { return m_qemu.running(); }
  // The QMP socket left free for observers (the emulator holds its own).
  std::string qmp_socket() const;
  HostedBmc& bmc() { return *m_bmc; }

 private:
  void queue(const bmc::Effect& effect);
  void work();
  void run_plan(vm::QmpClient& qmp, const Plan& plan);
  bool run_step(vm::QmpClient& qmp, const QmpStep& step, std::string& error);
  void report(const Report& report);
  void handle_events(const std::vector<util::Json>& events);
  void log(const std::string& line);

  vm::MachineProfile m_profile;
  ServerSpec m_spec;
  MachineModel m_model;
  std::unique_ptr<HostedBmc> m_bmc;
  vm::QmpClient m_qmp;  // connected by start(), then used by the worker only
  std::unique_ptr<http::Server> m_http;
  vm::ChildProcess m_qemu;
  std::string m_fingerprint;
  std::thread m_worker;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<bmc::Effect> m_effects;
  bool m_stopping = false;
  std::mutex m_log_mutex;
  std::chrono::steady_clock::time_point m_powerdown_deadline{};
  bool m_powerdown_pending = false;
};

}  // namespace imgbuild::emulate
