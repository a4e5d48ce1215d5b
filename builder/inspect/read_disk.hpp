// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Reading an installed disk once: open it (libguestfs, read-only), gather its facts, judge
// them against an expectation profile, pull out its installation logs. `inspect-disk` and
// `verify --stage install|firstboot` ask for different parts of the same sequence.

#include "inspect/expect.hpp"
#include "inspect/facts.hpp"
#include "inspect/guest.hpp"
#include "inspect/logs.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::inspect {

struct DiskReadRequest {
  bool facts = true;               // gather the facts (implied by a profile)
  const Profile* profile = nullptr;  // judge the facts against it
  bool logs = false;               // the installer's and first-boot hook's logs
};

struct DiskReading {
  std::optional<DiskFacts> facts;
  std::optional<std::vector<Verdict>> verdicts;  // when a profile was given
  std::vector<DiskLog> logs;
  // False only when a profile was given and the disk differs from it.
  bool ok() const { return !verdicts || all_ok(*verdicts); }
};

// The sequence on an open guest.
DiskReading read_guest(Guest& guest, const DiskReadRequest& request);

// Opens `disk_path` (open_disk: `note` receives its line about KVM or TCG), reads it and
// shuts the appliance down before returning. Errors as open_disk's.
DiskReading read_disk(const std::string& disk_path, const DiskReadRequest& request,
                      const std::function<void(const std::string&)>& note);

}  // namespace imgbuild::inspect
