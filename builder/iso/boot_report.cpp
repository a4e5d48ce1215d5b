// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/boot_report.hpp"

#include "iso/xorriso_session.hpp"

namespace imgbuild::iso {

BootReport read_boot_report(const std::string& iso_path) {
  XorrisoSession session(iso_path);
  session.run({"-report_about", "WARNING"});
  session.run({"-indev", "stdio:" + iso_path});
  BootReport report;
  report.el_torito = session.run({"-report_el_torito", "plain"});
  report.system_area = session.run({"-report_system_area", "plain"});
  return report;
}

}  // namespace imgbuild::iso
