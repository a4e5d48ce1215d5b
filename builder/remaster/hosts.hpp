// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A rack's inventory on the disc (build --hosts): what the installer's initrd carries so
// that the machine picks its own host at install time, and the answers of one host for an
// image of its own (build --per-host).

#include "fleet/inventory.hpp"
#include "initrd/initrd.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::remaster {

// What an unknown machine does: stop at a critical error naming what it saw, or carry on
// with DHCP and no host's answers.
enum class UnknownHost { stop, dhcp };
// "stop", "dhcp"; anything else is an Error naming --unknown-host.
UnknownHost parse_unknown_host(std::string_view text);
std::string_view unknown_host_name(UnknownHost unknown);

// Where the inventory lives in the installer (initrd path, without the leading /).
inline constexpr const char* k_hosts_initrd_dir = "imgbuild/hosts";

// The initrd members of a fleet image: /imgbuild/hosts/{table, <hostname>.cfg per host,
// identify.sh, netcfg-hook.sh, unknown.templates} and netcfg's postinst replaced by a call
// of netcfg-hook.sh (see hosts.cpp for why that is the moment). `release` names the
// installer's question list (netcfg's answers differ between Etch/Lenny and later).
// Throws Error for a fragment that cannot be read, or (exit 3) when imgbuild's own data
// files are not installed.
std::vector<initrd::Member> fleet_initrd_members(const fleet::Inventory& inventory, std::string_view release,
                                                 UnknownHost unknown);

// The initrd members of a per-host image: only the netcfg hook, which reports
// IMGBUILD:network once netcfg is done (no table: the host is known).
std::vector<initrd::Member> per_host_initrd_members();

// One host's answers as the installer reads them, its fragment included: what a per-host
// image appends to the preseed (no identification at install time).
std::string host_preseed_answers(const fleet::Host& host, std::string_view release);

}  // namespace imgbuild::remaster
