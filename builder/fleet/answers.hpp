// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What the installer is told about one host, and the table the install-time identification
// (data/fleet/identify.sh) matches the machine against.

#include "fleet/inventory.hpp"

#include <string>
#include <string_view>

namespace imgbuild::fleet {

// The preseed answers that make netcfg configure `host` without asking: hostname and
// domain, and for a static address the address, netmask, gateway and name servers with
// DHCP switched off. Etch and Lenny's netcfg know `netcfg/disable_dhcp`; from Squeeze on it
// is `netcfg/disable_autoconfig` (IPv6 autoconfiguration came with it), and
// `netcfg/hostname` makes the inventory's name win over one a DHCP server hands out.
// The host's preseed fragment, if any, follows verbatim so that it can override these.
// `release` is a question-list name (etch, lenny, bookworm, trixie).
std::string host_answers(const Host& host, std::string_view release, std::string_view fragment_text = {});

// One line per host: "hostname<TAB>SERVICE_TAG<TAB>mac mac ...", "-" for an empty field.
// Plain text on purpose: the reader is busybox sh in the installer.
std::string identification_table(const Inventory& inventory);

}  // namespace imgbuild::fleet
