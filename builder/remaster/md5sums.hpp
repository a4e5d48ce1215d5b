// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace imgbuild::remaster {

// Debian discs carry /md5sum.txt ("<md5>  ./path" per line) and the installer's CD check
// and users verify the disc against it. Returns it with the lines of changed files updated
// and lines for new files appended (sorted), every other line kept as it was.
// `md5_by_iso_path` maps absolute ISO paths ("/install.386/initrd.gz") to lower-case hex.
std::string update_md5sums(std::string_view original, const std::map<std::string, std::string>& md5_by_iso_path);

}  // namespace imgbuild::remaster
