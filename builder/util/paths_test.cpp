// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/paths.hpp"

#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using namespace imgbuild;

namespace {

struct NoDataDirEnv {
  NoDataDirEnv() {
    if (const char* v = std::getenv("IMGBUILD_DATA_DIR")) m_saved = v;
    ::unsetenv("IMGBUILD_DATA_DIR");
  }
  ~NoDataDirEnv() {
    if (!m_saved.empty()) ::setenv("IMGBUILD_DATA_DIR", m_saved.c_str(), 1);
  }
  std::string m_saved;
};

}  // namespace

TEST(DataSearchPath, InstalledBinaryUsesItsPrefix) {
  NoDataDirEnv env;
  util::TempDir temp("paths-installed");
  const fs::path& root = temp.path();
  fs::create_directories(root / "opt/x/bin");
  auto dirs = util::data_search_path(root / "opt/x/bin/imgbuild");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0], (root / "opt/x/bin" / IMGBUILD_DATA_FROM_BINDIR).lexically_normal());
  // The default layout (prefix/bin, prefix/share) gives prefix/share/imgbuild.
  if (std::string(IMGBUILD_DATA_FROM_BINDIR) == "../share/imgbuild")
    EXPECT_EQ(dirs[0], root / "opt/x/share/imgbuild");
}

TEST(DataSearchPath, BuildTreeMarkerNamesTheSourceTree) {
  NoDataDirEnv env;
  util::TempDir temp("paths-build");
  const fs::path& build = temp.path();
  std::ofstream(build / util::k_build_tree_marker) << "/src/imgbuild\n";
  auto dirs = util::data_search_path(build / "imgbuild");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], fs::path("/src/imgbuild"));
}

TEST(DataSearchPath, EnvironmentComesFirst) {
  NoDataDirEnv env;
  ::setenv("IMGBUILD_DATA_DIR", "/somewhere/data", 1);
  auto dirs = util::data_search_path(fs::path("/usr/bin/imgbuild"));
  ::unsetenv("IMGBUILD_DATA_DIR");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], fs::path("/somewhere/data"));
  EXPECT_EQ(dirs[1], (fs::path("/usr/bin") / IMGBUILD_DATA_FROM_BINDIR).lexically_normal());
}
