// SPDX-License-Identifier: GPL-2.0-or-later
#include "manifest/manifest.hpp"

#include <gtest/gtest.h>

using namespace imgbuild;

namespace {

manifest::Manifest sample() {
  manifest::Manifest m;
  m.volume.volume_id = "Debian 4.0 r9 i386 Bin-1";
  m.files = {{"/a", 'f', 3, "00112233445566778899aabbccddeeff", ""},
             {"/debian", 'l', 0, "", "."},
             {"/isolinux", 'd', 0, "", ""}};
  m.boot.el_torito = {"El Torito catalog  : 36  1", "El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          37",
                      "El Torito img path :   1  /isolinux/isolinux.bin"};
  return m;
}

}  // namespace

TEST(Manifest, FormatsFilesAndSymlinksSorted) {
  EXPECT_EQ(manifest::format_lines(sample()),
            "00112233445566778899aabbccddeeff  3  /a\n"
            "symlink  ->.  /debian\n");
}

TEST(Manifest, EqualImagesHaveNoDifferences) {
  EXPECT_TRUE(manifest::diff(sample(), sample()).empty());
}

TEST(Manifest, ReportsFilesVolumeAndBootButNotBlockAddresses) {
  auto a = sample();
  auto b = sample();
  b.files[0].xxh128 = "ffffffffffffffffffffffffffffffff";
  b.files.push_back({"/imgbuild", 'd', 0, "", ""});
  b.files.erase(b.files.begin() + 1);
  b.volume.volume_id = "other";
  // Moved boot image: same entry, other LBA.
  b.boot.el_torito[0] = "El Torito catalog  : 40  1";
  b.boot.el_torito[1] = "El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          41";
  auto d = manifest::diff(a, b);
  std::map<std::string, std::string> by_path;
  for (const auto& x : d) by_path[x.path] = x.what;
  EXPECT_EQ(by_path["/a"], "changed");
  EXPECT_EQ(by_path["/debian"], "removed");
  EXPECT_EQ(by_path["/imgbuild"], "added");
  EXPECT_EQ(by_path["volume_id"], "volume");
  EXPECT_EQ(by_path.count("el_torito"), 0u);
  // A real boot change is reported.
  b.boot.el_torito.push_back("El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760          50");
  bool found = false;
  for (const auto& x : manifest::diff(a, b)) found |= x.what == "boot" && x.detail.find("UEFI") != std::string::npos;
  EXPECT_TRUE(found);
}
