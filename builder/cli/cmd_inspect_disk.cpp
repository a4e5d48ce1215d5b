// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "util/error.hpp"

#ifdef IMGBUILD_HAVE_GUESTFS
#include "inspect/read_disk.hpp"
#include "inspect/report.hpp"
#include "util/json_document.hpp"
#endif

#include <iostream>
#include <memory>
#include <string>

namespace imgbuild::cli {

namespace {

struct InspectDiskOptions {
  std::string disk;
  std::string expect;
  bool json = false;
};

#ifdef IMGBUILD_HAVE_GUESTFS
int run_inspect_disk(const InspectDiskOptions& options) {
  // Load the profile first: a typo in it should not cost an appliance launch.
  std::unique_ptr<inspect::Profile> profile;
  if (!options.expect.empty()) profile = std::make_unique<inspect::Profile>(inspect::load_profile(options.expect));
  inspect::DiskReadRequest request;
  request.profile = profile.get();
  inspect::DiskReading reading = inspect::read_disk(options.disk, request, [](const std::string& line) {
    std::cerr << "imgbuild inspect-disk: " << line << "\n";
  });
  const inspect::DiskFacts& facts = *reading.facts;
  const std::vector<inspect::Verdict> verdicts = reading.verdicts.value_or(std::vector<inspect::Verdict>{});
  if (options.json) {
    std::cout << util::json_text(
        inspect::disk_report_to_json(options.disk, facts, options.expect, profile ? &verdicts : nullptr));
  } else {
    std::cout << inspect::facts_to_text(facts);
    if (profile) std::cout << "\nexpectations from " << options.expect << ":\n" << inspect::verdicts_to_text(verdicts);
  }
  // 1: the check ran and the disk differs from the profile.
  return reading.ok() ? 0 : 1;
}
#endif

}  // namespace

void register_inspect_disk(CLI::App& app, Action& action) {
  auto options = std::make_shared<InspectDiskOptions>();
  auto* command = app.add_subcommand(
      "inspect-disk",
      "Read an installed disk image (read-only, libguestfs): OS, kernels, GRUB default and boot sector, "
      "fstab, apt sources, packages, first-boot hook state; --expect judges it against a profile");
  command->add_option("disk", options->disk, "disk image (raw or qcow2)")->required()->type_name(k_type_file);
  command->add_option("--expect", options->expect,
                      "expectation profile (key = value lines, see builder/inspect/expect.hpp); exit 1 when "
                      "the disk differs")
      ->type_name(k_type_file);
  command->add_flag("--json", options->json, "print facts (and verdicts) as JSON");
  command->callback([&action, options] {
    action = [options]() -> int {
#ifdef IMGBUILD_HAVE_GUESTFS
      return run_inspect_disk(*options);
#else
      throw Error("inspect-disk", "this imgbuild was built without libguestfs",
                  "install libguestfs-dev and rebuild", 3);
#endif
    };
  });
}

}  // namespace imgbuild::cli
