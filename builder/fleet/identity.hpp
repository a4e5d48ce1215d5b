// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The identity a machine shows the installer, for `verify --identity`: the SMBIOS system
// serial (a Dell's service tag) and the MACs of its NICs, so that one fleet image can be
// booted as any host of its inventory, or as a machine that is in none.

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::fleet {

struct MachineIdentity {
  std::string serial;              // normalised as the inventory's service_tag; may be empty
  std::vector<std::string> macs;   // first NIC first; normalised as the inventory's mac
};

// "serial=7ABCD1X,mac=00:1e:c9:aa:bb:01[,mac=...]" (items in any order, serial at most
// once, each MAC once). Throws Error("--identity ...", exit 2) naming the bad item and the
// form expected.
MachineIdentity parse_identity(std::string_view text);

}  // namespace imgbuild::fleet
