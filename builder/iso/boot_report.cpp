// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/boot_report.hpp"

#include "iso/reader.hpp"
#include "iso/xorriso_session.hpp"
#include "util/error.hpp"

namespace imgbuild::iso {

BootReport read_boot_report(const std::string& iso_path) {
  // libisofs follows directory records without loop detection: on a disc whose directory
  // contains itself, -indev never returns. libarchive's walk detects loops and extents past
  // the end, so the tree is checked with it first (an Error, exit 2, naming the image).
  (void)Reader(iso_path).entries();
  XorrisoSession session(iso_path);
  session.run({"-report_about", "WARNING"});
  try {
    session.run({"-indev", "stdio:" + iso_path});
  } catch (const Error& e) {
    // The image could not be loaded: that is the input's fault, not the environment's.
    throw Error(e.subject(), e.problem(), "the image is damaged", 2);
  }
  BootReport report;
  report.el_torito = session.run({"-report_el_torito", "plain"});
  report.system_area = session.run({"-report_system_area", "plain"});
  return report;
}

}  // namespace imgbuild::iso
