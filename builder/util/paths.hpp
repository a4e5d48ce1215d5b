// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace imgbuild::util {

// The file CMake writes beside the binaries of a build tree, naming the source tree whose
// data that build uses. Installs never carry it.
inline constexpr const char* k_build_tree_marker = "imgbuild-data-dir";

// Directories searched, in order, for the tool's data files (machine profiles, release
// question lists, preseeds, overlays): $IMGBUILD_DATA_DIR; the source tree named by the
// marker beside the executable (a build tree); the data directory of the install prefix,
// relative to the executable (GNUInstallDirs: <prefix>/bin -> <prefix>/share/imgbuild).
// No path of the build machine is compiled in.
std::vector<std::filesystem::path> data_search_path();
// The same for a given executable path (tests).
std::vector<std::filesystem::path> data_search_path(const std::filesystem::path& executable);
// The first existing data_search_path()/relative, or an empty path; `relative` is e.g.
// "machines/pe2950.toml".
std::filesystem::path find_data_file(const std::string& relative);

}  // namespace imgbuild::util
