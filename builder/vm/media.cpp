// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/media.hpp"

#include <algorithm>
#include <set>

namespace imgbuild::vm {

std::string qemu_option_key(const std::string& value, const std::string& key) {
  // QEMU doubles a comma inside a value (",,"); such values are never ids, buses or drives.
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string part = value.substr(start, comma - start);
    if (part.starts_with(key + "=")) return part.substr(key.size() + 1);
    start = comma + 1;
  }
  return {};
}

std::vector<MachineProfile::Option> options_without(const std::vector<MachineProfile::Option>& options,
                                                    const std::vector<std::string>& ids) {
  if (ids.empty()) return options;
  std::set<std::string> gone(ids.begin(), ids.end());
  std::set<std::string> dropped_drives, kept_drives;
  std::vector<bool> keep(options.size(), true);
  // Devices first (a device on a dropped bus may itself be a bus: repeat until stable).
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < options.size(); ++i) {
      if (!keep[i] || options[i].flag != "-device") continue;
      const std::string id = qemu_option_key(options[i].value, "id");
      const std::string bus = qemu_option_key(options[i].value, "bus");
      const std::string bus_owner = bus.substr(0, bus.rfind('.'));
      if ((!id.empty() && gone.count(id)) || (!bus.empty() && gone.count(bus_owner))) {
        keep[i] = false;
        if (!id.empty()) gone.insert(id);
        changed = true;
      }
    }
  }
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (options[i].flag != "-device") continue;
    std::string drive = qemu_option_key(options[i].value, "drive");
    if (drive.empty()) continue;
    (keep[i] ? kept_drives : dropped_drives).insert(drive);
  }
  std::vector<MachineProfile::Option> out;
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (!keep[i]) continue;
    if (options[i].flag == "-drive") {
      std::string id = qemu_option_key(options[i].value, "id");
      if (dropped_drives.count(id) && !kept_drives.count(id)) continue;
    }
    out.push_back(options[i]);
  }
  return out;
}

}  // namespace imgbuild::vm
