// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <string>
#include <vector>

namespace imgbuild::iso {

// The boot setup of an image as libisoburn reads it: the El Torito catalog (platform,
// emulation, load size, boot-info-table, image paths) and the system area (isohybrid
// MBR, GPT, GRUB2 MBR, partitions). Used by inspect and diff; lines are libisoburn's
// "-report_el_torito plain" / "-report_system_area plain" output.
struct BootReport {
  std::vector<std::string> el_torito;
  std::vector<std::string> system_area;
};

BootReport read_boot_report(const std::string& iso_path);

}  // namespace imgbuild::iso
