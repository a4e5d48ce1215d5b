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
  // Moved to a block address of another width (an append image's new session).
  b.boot.el_torito[1] = "El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4       64086";
  for (const auto& x : manifest::diff(a, b)) EXPECT_NE(x.what, "boot") << x.detail;
  // A real boot change is reported.
  b.boot.el_torito.push_back("El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760          50");
  bool found = false;
  for (const auto& x : manifest::diff(a, b)) found |= x.what == "boot" && x.detail.find("UEFI") != std::string::npos;
  EXPECT_TRUE(found);
}

// The boot lines are compared as multisets: a second, identical boot entry is a
// difference (two BIOS images with the same settings), once per extra copy.
TEST(Manifest, ReportsADuplicatedBootEntry) {
  auto a = sample();
  auto b = sample();
  b.boot.el_torito.push_back(a.boot.el_torito[1]);
  auto d = manifest::diff(a, b);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].what, "boot");
  EXPECT_EQ(d[0].path, "el_torito");
  // The duplicate is named (its block address column left out, as for every boot line).
  EXPECT_EQ(d[0].detail.rfind("+ El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4", 0), 0u) << d[0].detail;
  b.boot.el_torito.push_back(a.boot.el_torito[1]);
  EXPECT_EQ(manifest::diff(a, b).size(), 2u);
  // And the other way round.
  auto removed = manifest::diff(b, a);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].detail.substr(0, 2), "- ");
  a.boot.system_area = {"System area options: 0x00000201", "MBR partition  :   1  0x0  0xef"};
  b.boot.system_area = a.boot.system_area;
  b.boot.system_area.push_back(a.boot.system_area[1]);
  b.boot.el_torito = a.boot.el_torito;
  auto sa = manifest::diff(a, b);
  ASSERT_EQ(sa.size(), 1u);
  EXPECT_EQ(sa[0].path, "system_area");
}
