// SPDX-License-Identifier: GPL-2.0-or-later
#include "emulate/hosted_bmc.hpp"

namespace imgbuild::emulate {

HostedBmc::HostedBmc(bmc::BmcConfig config, EffectSink sink) : m_bmc(std::move(config)), m_sink(std::move(sink)) {}

http::Response HostedBmc::operator()(const http::Request& in) {
  if (in.path != "/redfish" && !in.path.starts_with("/redfish/")) return http::Response::text(404, "not found\n");
  bmc::Request request{in.method, in.path, {}, in.body};
  for (const auto& header : in.headers) request.headers.emplace_back(header.name, header.value);
  bmc::Response response;
  {
    std::lock_guard lock(m_mutex);
    response = m_bmc.handle(request);
    for (const auto& effect : m_bmc.take_effects())
      if (m_sink) m_sink(effect);
  }
  http::Response out;
  out.status = response.status;
  for (auto& [name, value] : response.headers) out.headers.push_back({name, value});
  out.body = std::move(response.body);
  return out;
}

void HostedBmc::media_fetched(const std::string& task) {
  std::lock_guard lock(m_mutex);
  m_bmc.media_fetched(task);
}

void HostedBmc::media_fetch_failed(const std::string& task, const std::string& reason) {
  std::lock_guard lock(m_mutex);
  m_bmc.media_fetch_failed(task, reason);
}

void HostedBmc::machine_powered_off() {
  std::lock_guard lock(m_mutex);
  m_bmc.machine_powered_off();
}

std::vector<std::string> HostedBmc::events() {
  std::lock_guard lock(m_mutex);
  return m_bmc.events();
}

bool HostedBmc::powered_on() {
  std::lock_guard lock(m_mutex);
  return m_bmc.powered_on();
}

util::Json effect_json(const bmc::Effect& effect) {
  return util::Json{{"kind", std::string(bmc::effect_kind_name(effect.kind))},
                    {"slot", effect.slot},
                    {"image", effect.image},
                    {"boot_device", effect.boot_device},
                    {"boot_enabled", effect.boot_enabled},
                    {"graceful", effect.graceful}};
}

}  // namespace imgbuild::emulate
