// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A machine without some of its devices: the DRAC's virtual media after a detach, for the
// power cycle that follows (the server comes back with its USB CD and floppy gone).

#include "vm/profile.hpp"

#include <string>
#include <vector>

namespace imgbuild::vm {

// `options` without the -device options whose id= is in `ids`, the devices on their buses
// (bus=<id>.N), and the -drive options only those devices used (drive=).
std::vector<MachineProfile::Option> options_without(const std::vector<MachineProfile::Option>& options,
                                                    const std::vector<std::string>& ids);

// The value of KEY in a QEMU option string ("usb-bot,bus=ehci.0,id=vcd-bot"), or empty.
std::string qemu_option_key(const std::string& value, const std::string& key);

}  // namespace imgbuild::vm
