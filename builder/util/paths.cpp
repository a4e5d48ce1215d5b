// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/paths.hpp"

#include <cstdlib>
#include <system_error>

namespace fs = std::filesystem;

namespace imgbuild::util {

std::vector<fs::path> data_search_path() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("IMGBUILD_DATA_DIR"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "imgbuild");
#ifdef IMGBUILD_SOURCE_DIR
  dirs.emplace_back(IMGBUILD_SOURCE_DIR);
#endif
  return dirs;
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
