// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The logs an installed disk keeps about how it was installed and first booted: what
// `verify --stage install|firstboot` pulls out of the disk when a run fails, so the
// installer's own account sits beside the serial log and the screenshot.

#include "inspect/guest.hpp"

#include <string>
#include <vector>

namespace imgbuild::inspect {

struct DiskLog {
  std::string path;      // in the installed system, e.g. "/var/log/installer/syslog"
  std::string saved_as;  // a flat file name for the log folder: "installer-syslog"
  std::string content;
};

// finish-install copies the installer's logs to /var/log/installer (Etch too; older ones
// used /var/log/debian-installer); the first-boot hook keeps its own. Absent files are
// skipped; each log is cut to its last `max_bytes` (a syslog of a failed run can be large,
// and its end is where the failure is).
std::vector<DiskLog> installation_logs(Guest& guest, std::size_t max_bytes = 8u << 20);

}  // namespace imgbuild::inspect
