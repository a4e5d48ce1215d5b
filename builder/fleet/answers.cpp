// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/answers.hpp"

namespace imgbuild::fleet {

namespace {

bool netcfg_has_disable_dhcp_only(std::string_view release) {
  // data/questions/etch.txt and lenny.txt list netcfg/disable_dhcp and no
  // netcfg/disable_autoconfig or netcfg/hostname; bookworm.txt lists all three.
  return release == "etch" || release == "lenny";
}

void answer(std::string& out, std::string_view question, std::string_view type, std::string_view value) {
  out += "d-i ";
  out += question;
  out += ' ';
  out += type;
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

std::string host_answers(const Host& host, std::string_view release, std::string_view fragment_text) {
  const bool old_netcfg = netcfg_has_disable_dhcp_only(release);
  std::string out = "# imgbuild: answers for host " + host.hostname + " (inventory line " +
                    std::to_string(host.line) + ")\n";
  answer(out, "netcfg/get_hostname", "string", host.hostname);
  if (!old_netcfg) answer(out, "netcfg/hostname", "string", host.hostname);
  answer(out, "netcfg/get_domain", "string", host.domain);
  if (host.address) {
    answer(out, old_netcfg ? "netcfg/disable_dhcp" : "netcfg/disable_autoconfig", "boolean", "true");
    answer(out, "netcfg/get_ipaddress", "string", host.address->address.text());
    answer(out, "netcfg/get_netmask", "string", host.address->netmask().text());
    // No gateway: an empty answer, and netcfg must not ask whether that was meant.
    answer(out, "netcfg/get_gateway", "string", host.gateway ? host.gateway->text() : "");
    if (!host.gateway) answer(out, "netcfg/no_default_route", "boolean", "true");
    std::string servers;
    for (const auto& server : host.nameservers) servers += (servers.empty() ? "" : " ") + server.text();
    answer(out, "netcfg/get_nameservers", "string", servers);
    answer(out, "netcfg/confirm_static", "boolean", "true");
  }
  if (!fragment_text.empty()) {
    out += "# imgbuild: the host's own fragment, " + host.preseed.string() + "\n";
    out += fragment_text;
    if (out.back() != '\n') out += '\n';
  }
  return out;
}

std::string identification_table(const Inventory& inventory) {
  std::string out;
  for (const auto& host : inventory.hosts) {
    out += host.hostname;
    out += '\t';
    out += host.service_tag.empty() ? "-" : host.service_tag;
    out += '\t';
    if (host.macs.empty()) out += '-';
    for (std::size_t i = 0; i < host.macs.size(); ++i) out += (i ? " " : "") + host.macs[i];
    out += '\n';
  }
  return out;
}

}  // namespace imgbuild::fleet
