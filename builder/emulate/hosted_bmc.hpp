// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The emulated BMC (bmc::EmulatedBmc) behind an HTTP(S) server of http/: every path under
// /redfish is the model's, anything else is 404. The model is not thread-safe and the
// server answers from a pool of threads, so one lock serializes the model and the machine
// side's reports. Each effect the model queues is handed to the sink, in order, while the
// lock is held: a sink may report back at once (media_fetched from inside the sink), or
// queue the effect for a machine that reports later from another thread.

#include "bmc/bmc.hpp"
#include "http/server.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace imgbuild::emulate {

class HostedBmc {
 public:
  using EffectSink = std::function<void(const bmc::Effect&)>;
  HostedBmc(bmc::BmcConfig config, EffectSink sink);

  http::Response operator()(const http::Request& request);

  void media_fetched(const std::string& task);
  void media_fetch_failed(const std::string& task, const std::string& reason);
  void machine_powered_off();

  // The model's event log so far (no secret in it).
  std::vector<std::string> events();
  bool powered_on();

 private:
  std::recursive_mutex m_mutex;
  bmc::EmulatedBmc m_bmc;
  EffectSink m_sink;
};

// An effect as one JSON object: {"kind":"insert-media","slot":"1","image":"http://...",
// "boot_device":"","boot_enabled":"","graceful":false}
util::Json effect_json(const bmc::Effect& effect);

}  // namespace imgbuild::emulate
