// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/boots.hpp"

#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

// Shaped on the console of the emulated 2950 (kernel 6.1, console=ttyS0): the installed
// system's first boot with the DRAC's USB media attached, then one without them.
const char* k_with_media =
    "\x1b[0m[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\r\n"
    "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-50-amd64 root=UUID=0f3c-11 ro console=ttyS0,115200n8\r\n"
    "[    2.100000] scsi 2:0:0:0: Direct-Access     Dell     Virtual Floppy   2.5+ PQ: 0 ANSI: 5\r\n"
    "[    2.110000] scsi 3:0:0:0: CD-ROM            Dell     Virtual CDROM    2.5+ PQ: 0 ANSI: 5\r\n"
    "[    2.120000] sd 2:0:0:0: [sda] Attached SCSI removable disk\r\n"
    "[    2.900000] scsi 0:2:0:0: Direct-Access     DELL     PERC 6/i         2.5+ PQ: 0 ANSI: 5\r\n"
    "[    2.950000] sd 0:2:0:0: [sdb] Attached SCSI disk\r\n"
    "IMGBUILD:firstboot-start\r\n"
    "\r\nDebian GNU/Linux 12 pe2950 ttyS0\r\n\r\npe2950 login: ";

TEST(Boots, DiskNamesCommandLineAndLogin) {
  BootWatcher watcher;
  std::string text = k_with_media;
  // Split reads anywhere.
  for (std::size_t at = 0; at < text.size(); at += 7) watcher.feed(std::string_view(text).substr(at, 7));
  ASSERT_EQ(watcher.count(), 1u);
  const BootRecord& boot = watcher.boots()[0];
  EXPECT_EQ(boot.kernel, "6.1.0-50-amd64");
  EXPECT_NE(boot.command_line.find("root=UUID=0f3c-11"), std::string::npos);
  ASSERT_EQ(boot.disks.size(), 2u);
  EXPECT_EQ(boot.disks[0].name, "sda");
  EXPECT_EQ(boot.disks[0].model, "Dell Virtual Floppy");
  EXPECT_EQ(boot.disks[1].name, "sdb");
  EXPECT_EQ(boot.disks[1].model, "DELL PERC 6/i");
  EXPECT_EQ(boot.system_disk(), "sdb");
  EXPECT_TRUE(boot.login_prompt);
  EXPECT_TRUE(boot.problems.empty());
  EXPECT_EQ(describe_disks(boot), "sda: Dell Virtual Floppy, sdb: DELL PERC 6/i");
}

TEST(Boots, EachKernelStartsABootAndTroubleIsKept) {
  BootWatcher watcher;
  watcher.feed(k_with_media);
  watcher.feed("\r\n[   50.0] reboot: Power down\r\n");
  watcher.feed("Linux version 6.1.0-50-amd64 (x) #1\nCommand line: root=/dev/sdc1 ro\n"
               "Begin: Waiting for root file system ... done.\n"
               "Gave up waiting for root file system device.\n"
               "ALERT!  /dev/sdc1 does not exist.  Dropping to a shell!\n"
               "(initramfs) ");
  ASSERT_EQ(watcher.count(), 2u);
  const BootRecord& second = watcher.boots()[1];
  EXPECT_EQ(second.command_line, "root=/dev/sdc1 ro");
  EXPECT_TRUE(second.disks.empty());
  EXPECT_FALSE(second.login_prompt);
  ASSERT_EQ(second.problems.size(), 1u);
  EXPECT_EQ(second.problems[0], "ALERT!  /dev/sdc1 does not exist.  Dropping to a shell!");
  EXPECT_EQ(describe_disks(second), "no SCSI disk named on the console");
  // The first boot's facts stay with it.
  EXPECT_TRUE(watcher.boots()[0].login_prompt);
}

// Shaped on the emulated R660's console (OVMF with Secure Boot, Debian 12's signed chain,
// the system on the BOSS's NVMe namespace, the PERC's virtual disks as sda and sdb).
TEST(Boots, UefiBootOptionSecureBootAndRootOnNvme) {
  BootWatcher watcher;
  watcher.feed("BdsDxe: loading Boot0004 \"debian\" from HD(1,GPT,3AE0,0x800,0x100000)/\\EFI\\debian\\shimx64.efi\r\n"
               "BdsDxe: starting Boot0004 \"debian\" from HD(1,GPT,3AE0,0x800,0x100000)/\\EFI\\debian\\shimx64.efi\r\n"
               "[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP\r\n"
               "[    0.000000] secureboot: Secure boot enabled\r\n"
               "[    2.900000] scsi 0:2:0:0: Direct-Access     DELL     PERC H755 Front  1.3. PQ: 0 ANSI: 5\r\n"
               "[    2.950000] sd 0:2:0:0: [sda] Attached SCSI disk\r\n"
               "[   14.282656]  nvme0n1: p1 p2\r\n"
               "[   16.190305] EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode. Quota mode: none.\r\n"
               "[   29.452727] EXT4-fs (nvme0n1p2): re-mounted. Quota mode: none.\r\n");
  ASSERT_EQ(watcher.count(), 1u);
  const BootRecord& boot = watcher.boots()[0];
  EXPECT_EQ(boot.boot_option,
            "Boot0004 \"debian\" from HD(1,GPT,3AE0,0x800,0x100000)/\\EFI\\debian\\shimx64.efi");
  EXPECT_EQ(boot.secure_boot, "enabled");
  EXPECT_EQ(boot.first_mount, "nvme0n1p2");
  // The root's disk, not the first SCSI disk (a PERC virtual disk here).
  EXPECT_EQ(boot.system_disk(), "nvme0n1");
  EXPECT_FALSE(boot.started_by_removable_path());
  // With the firmware's variables lost, OVMF boots the disk by its own entry.
  BootWatcher lost;
  lost.feed("BdsDxe: starting Boot0001 \"UEFI QEMU NVMe Ctrl BOSSN1R660EMU01 1\" from "
            "PciRoot(0x0)/Pci(0x3,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)\r\nLinux version 6.1.0-50-amd64 (x)\r\n");
  ASSERT_EQ(lost.count(), 1u);
  EXPECT_TRUE(lost.boots()[0].started_by_removable_path());
  // The next kernel has its own facts: no boot option was started before it.
  watcher.feed("Linux version 6.1.0-50-amd64 (x) #1\nsecureboot: Secure boot disabled\n"
               "EXT4-fs (sda1): mounted filesystem with ordered data mode.\n");
  ASSERT_EQ(watcher.count(), 2u);
  EXPECT_EQ(watcher.boots()[1].boot_option, "");
  EXPECT_FALSE(watcher.boots()[1].started_by_removable_path()) << "BIOS, or a firmware that said nothing";
  EXPECT_EQ(watcher.boots()[1].secure_boot, "disabled");
  EXPECT_EQ(watcher.boots()[1].system_disk(), "sda");
}

TEST(Boots, IoErrorsAndEmergencyMode) {
  BootWatcher watcher;
  watcher.feed("Linux version 6.1.0 (x)\n[ 80.1] I/O error, dev sda, sector 2048 op 0x0:(READ)\n"
               "You are in emergency mode. After logging in, type \"journalctl -xb\"\n"
               "Give root password for maintenance\n(or press Control-D to continue): ");
  ASSERT_EQ(watcher.count(), 1u);
  EXPECT_EQ(watcher.boots()[0].problems.size(), 3u);
  EXPECT_FALSE(watcher.boots()[0].login_prompt);
}

}  // namespace
}  // namespace imgbuild::vm
