// SPDX-License-Identifier: GPL-2.0-or-later
#include "inspect/logs.hpp"

#include "inspect/facts.hpp"

namespace imgbuild::inspect {

std::vector<DiskLog> installation_logs(Guest& guest, std::size_t max_bytes) {
  struct Known {
    const char* path;
    const char* saved_as;
  };
  static const Known known[] = {
      {"/var/log/installer/syslog", "installer-syslog"},
      {"/var/log/installer/partman", "installer-partman"},
      {"/var/log/installer/status", "installer-status"},
      {"/var/log/installer/hardware-summary", "installer-hardware-summary"},
      {"/var/log/debian-installer/syslog", "debian-installer-syslog"},
      {k_firstboot_log, "imgbuild-firstboot.log"},
  };
  std::vector<DiskLog> logs;
  for (const auto& k : known) {
    auto content = guest.read_file(k.path);
    if (!content) continue;
    if (content->size() > max_bytes)
      *content = "[imgbuild: first " + std::to_string(content->size() - max_bytes) + " bytes left out]\n" +
                 content->substr(content->size() - max_bytes);
    logs.push_back({k.path, k.saved_as, std::move(*content)});
  }
  return logs;
}

}  // namespace imgbuild::inspect
