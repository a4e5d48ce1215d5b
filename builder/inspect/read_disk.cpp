// SPDX-License-Identifier: GPL-2.0-or-later
#include "inspect/read_disk.hpp"

#include "inspect/guestfs_guest.hpp"

namespace imgbuild::inspect {

DiskReading read_guest(Guest& guest, const DiskReadRequest& request) {
  DiskReading reading;
  if (request.facts || request.profile) reading.facts = gather_facts(guest);
  if (request.profile) reading.verdicts = judge(*reading.facts, *request.profile);
  if (request.logs) reading.logs = installation_logs(guest);
  return reading;
}

DiskReading read_disk(const std::string& disk_path, const DiskReadRequest& request,
                      const std::function<void(const std::string&)>& note) {
  auto guest = open_disk(disk_path, note);
  return read_guest(*guest, request);  // the appliance shuts down with `guest`, here
}

}  // namespace imgbuild::inspect
