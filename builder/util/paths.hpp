// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace imgbuild::util {

// Directories searched, in order, for the tool's data files (machine profiles, release
// question lists): $IMGBUILD_DATA_DIR, <exe>/../share/imgbuild, the source tree it was
// built from. `relative` is e.g. "machines/pe2950.toml".
std::vector<std::filesystem::path> data_search_path();
// The first existing data_search_path()/relative, or an empty path.
std::filesystem::path find_data_file(const std::string& relative);

}  // namespace imgbuild::util
