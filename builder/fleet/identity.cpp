// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/identity.hpp"

#include "fleet/inventory.hpp"
#include "util/error.hpp"

#include <algorithm>

namespace imgbuild::fleet {

namespace {

constexpr const char* k_form = "give serial=SERVICETAG and/or mac=xx:xx:xx:xx:xx:xx (repeat mac= for more NICs), "
                               "separated by commas";

}  // namespace

MachineIdentity parse_identity(std::string_view text) {
  const std::string subject = "--identity " + std::string(text);
  MachineIdentity identity;
  bool has_serial = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    std::size_t equals = item.find('=');
    if (equals == std::string_view::npos)
      throw Error(subject, "'" + std::string(item) + "' is not KEY=VALUE", k_form);
    std::string_view key = item.substr(0, equals);
    std::string_view value = item.substr(equals + 1);
    if (key == "serial") {
      if (has_serial) throw Error(subject, "serial= is given twice", "a machine has one SMBIOS serial");
      auto serial = normalise_service_tag(value);
      if (!serial)
        throw Error(subject, "'" + std::string(value) + "' is not a service tag",
                    "letters, digits and hyphens, at most 32 (a Dell service tag is 7 letters and digits)");
      identity.serial = *serial;
      has_serial = true;
    } else if (key == "mac") {
      auto mac = normalise_mac(value);
      if (!mac)
        throw Error(subject, "'" + std::string(value) + "' is not a MAC address",
                    "six hex pairs separated by colons, e.g. 00:1e:c9:aa:bb:01 (not a group address)");
      if (std::find(identity.macs.begin(), identity.macs.end(), *mac) != identity.macs.end())
        throw Error(subject, "MAC " + *mac + " is given twice", "each NIC has its own MAC");
      identity.macs.push_back(*mac);
    } else {
      throw Error(subject, "unknown key '" + std::string(key) + "'", k_form);
    }
  }
  return identity;
}

}  // namespace imgbuild::fleet
