// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/base_checksum.hpp"
#include "remaster/md5sums.hpp"
#include "remaster/overlay.hpp"
#include "remaster/secure_boot.hpp"
#include "util/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace imgbuild;
namespace fs = std::filesystem;

TEST(Md5sums, UpdatesChangedLinesAndAppendsNewFiles) {
  std::string original =
      "11111111111111111111111111111111  ./install.386/initrd.gz\n"
      "22222222222222222222222222222222  ./pool/main/a.deb\n";
  std::string updated = remaster::update_md5sums(
      original, {{"/install.386/initrd.gz", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
                 {"/imgbuild/build-id", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}});
  EXPECT_EQ(updated,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  ./install.386/initrd.gz\n"
            "22222222222222222222222222222222  ./pool/main/a.deb\n"
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb  ./imgbuild/build-id\n");
}

TEST(Overlay, SymlinksMustStayInsideTheTree) {
  EXPECT_TRUE(remaster::symlink_stays_inside("a/link", "../b/file"));
  EXPECT_TRUE(remaster::symlink_stays_inside("link", "b/c/../d"));
  EXPECT_FALSE(remaster::symlink_stays_inside("link", "/etc/shadow"));
  EXPECT_FALSE(remaster::symlink_stays_inside("a/link", "../../secret"));
  EXPECT_FALSE(remaster::symlink_stays_inside("link", "a/../../x"));
  EXPECT_FALSE(remaster::symlink_stays_inside("link", ""));
}

TEST(Overlay, ModesAreNormalised) {
  EXPECT_EQ(remaster::normalised_mode(0700, false), 0755u);
  EXPECT_EQ(remaster::normalised_mode(0600, false), 0644u);
  EXPECT_EQ(remaster::normalised_mode(04711, false), 0755u);
  EXPECT_EQ(remaster::normalised_mode(0700, true), 0755u);
}

TEST(BaseChecksum, FindsTheLineForTheFile) {
  std::string sums =
      "d41d8cd98f00b204e9800998ecf8427e  debian-40r9-amd64-netinst.iso\n"
      "0cc175b9c0f1b6a831c399e269772661 *debian-40r9-i386-netinst.iso\r\n";
  EXPECT_EQ(remaster::find_sum(sums, "debian-40r9-i386-netinst.iso"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(remaster::find_sum(sums, "other.iso"), "");
}

TEST(BaseChecksum, ChecksEveryAlgorithmByDigestLength) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "checksums";
  fs::create_directories(dir);
  std::ofstream(dir / "a.iso") << "a";
  // Digests of "a" from coreutils md5sum / sha1sum / sha256sum / sha512sum.
  const char* good[] = {
      "0cc175b9c0f1b6a831c399e269772661", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8",
      "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
      "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75"};
  for (const char* digest : good) {
    std::ofstream(dir / "SUMS") << digest << "  a.iso\n";
    EXPECT_NO_THROW(remaster::check_base_against_sums((dir / "a.iso").string(), (dir / "SUMS").string())) << digest;
    std::string bad(digest);
    bad[0] = bad[0] == '0' ? '1' : '0';
    std::ofstream(dir / "SUMS") << bad << "  a.iso\n";
    EXPECT_THROW(remaster::check_base_against_sums((dir / "a.iso").string(), (dir / "SUMS").string()), Error) << bad;
  }
  std::ofstream(dir / "SUMS") << good[0] << "  other.iso\n";
  EXPECT_THROW(remaster::check_base_against_sums((dir / "a.iso").string(), (dir / "SUMS").string()), Error);
  EXPECT_NO_THROW(remaster::check_base_sha256((dir / "a.iso").string(), good[2]));
  EXPECT_THROW(remaster::check_base_sha256((dir / "a.iso").string(), "abc"), Error);
}

// libisoburn's -report_el_torito lines: the UEFI entry's image path, not the BIOS one's.
TEST(SecureBoot, EfiBootImageFromTheCatalogReport) {
  std::vector<std::string> report = {
      "El Torito catalog  : 1308  1",
      "El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA",
      "El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4        1309",
      "El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760        1400",
      "El Torito img path :   1  /isolinux/isolinux.bin",
      "El Torito img opts :   1  boot-info-table isohybrid-suitable",
      "El Torito img path :   2  /boot/grub/efi.img"};
  EXPECT_EQ(remaster::efi_boot_image_path(report), std::optional<std::string>("/boot/grub/efi.img"));
  report.pop_back();  // a hidden EFI image has no path: nothing to read
  EXPECT_EQ(remaster::efi_boot_image_path(report), std::nullopt);
  EXPECT_EQ(remaster::efi_boot_image_path({"El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4   1309",
                                           "El Torito img path :   1  /isolinux/isolinux.bin"}),
            std::nullopt);
}

TEST(SecureBoot, KernelModuleSignatureMarker) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "remaster" / "modules";
  fs::create_directories(dir);
  std::ofstream(dir / "signed.ko", std::ios::binary) << std::string("\x7f" "ELF...", 7) << "sig~Module signature appended~\n";
  std::ofstream(dir / "plain.ko", std::ios::binary) << "\x7f" "ELF...";
  std::ofstream(dir / "packed.ko.xz", std::ios::binary) << "xz";
  EXPECT_EQ(remaster::kernel_module_signed((dir / "signed.ko").string()), std::optional<bool>(true));
  EXPECT_EQ(remaster::kernel_module_signed((dir / "plain.ko").string()), std::optional<bool>(false));
  EXPECT_EQ(remaster::kernel_module_signed((dir / "packed.ko.xz").string()), std::nullopt);
}
