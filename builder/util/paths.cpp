// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/paths.hpp"

#include <cstdlib>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

#ifndef IMGBUILD_DATA_FROM_BINDIR
#define IMGBUILD_DATA_FROM_BINDIR "../share/imgbuild"
#endif

namespace imgbuild::util {

namespace {

// The first line of the build tree's marker file: the source tree of that build.
fs::path read_marker(const fs::path& marker) {
  std::ifstream in(marker);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return {};
  return line;
}

}  // namespace

std::vector<fs::path> data_search_path(const fs::path& executable) {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("IMGBUILD_DATA_DIR"); env && *env) dirs.emplace_back(env);
  if (executable.empty()) return dirs;
  const fs::path bindir = executable.parent_path();
  // A build tree: CMake writes this marker beside the binary and never installs it.
  if (fs::path source = read_marker(bindir / k_build_tree_marker); !source.empty()) dirs.push_back(source);
  // An installed binary: <prefix>/bin/imgbuild -> <prefix>/share/imgbuild (as configured).
  dirs.push_back((bindir / IMGBUILD_DATA_FROM_BINDIR).lexically_normal());
  return dirs;
}

std::vector<fs::path> data_search_path() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return data_search_path(ec ? fs::path() : exe);
}

fs::path find_data_file(const std::string& relative) {
  std::error_code ec;
  for (const auto& dir : data_search_path()) {
    fs::path candidate = dir / relative;
    if (fs::exists(candidate, ec)) return candidate;
  }
  return {};
}

}  // namespace imgbuild::util
