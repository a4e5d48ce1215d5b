// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/secureboot.hpp"

#include "vm/markers.hpp"

#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

// A console line as the verify loop sees it: terminal codes removed, leading blanks dropped.
std::optional<Refusal> refusal_in(std::string_view raw) {
  std::string line = strip_terminal_codes(raw);
  return secure_boot_refusal(line.substr(std::min(line.size(), line.find_first_not_of(' '))));
}

TEST(SecureBoot, States) {
  EXPECT_EQ(parse_secure_boot_state("on"), SecureBootState::On);
  EXPECT_EQ(parse_secure_boot_state("off"), SecureBootState::Off);
  EXPECT_EQ(parse_secure_boot_state("bios"), SecureBootState::Bios);
  EXPECT_EQ(parse_secure_boot_state("unknown"), SecureBootState::Unknown);
  EXPECT_EQ(parse_secure_boot_state("1"), SecureBootState::Unknown);
  EXPECT_EQ(secure_boot_state_name(SecureBootState::NotReported), "not reported");
  Marker m;
  ASSERT_TRUE(parse_marker_line("IMGBUILD:secureboot:on", m));
  EXPECT_EQ(m.kind, MarkerKind::SecureBoot);
  EXPECT_EQ(m.detail, "on");
  // The shell echoing the command that writes it is not the marker.
  EXPECT_FALSE(parse_marker_line("echo IMGBUILD:secureboot:$imgbuild_sb >/dev/ttyS0", m));
}

// OVMF (edk2-stable202211, Debian 12's ovmf) refusing an unsigned removable-media loader:
// BdsDxe's line, in the colours of its text console.
TEST(SecureBoot, FirmwareRefusal) {
  auto r = refusal_in(
      "\x1b[0m\x1b[37m\x1b[40mBdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from "
      "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0): Access Denied");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stage, "firmware");
  EXPECT_EQ(r->words,
            "BdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from "
            "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0): Access Denied");
  // Loading and starting are not refusals, nor a boot option that is simply absent.
  EXPECT_FALSE(refusal_in("BdsDxe: loading Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from PciRoot(0x0)"));
  EXPECT_FALSE(refusal_in("BdsDxe: failed to load Boot0002 \"UEFI Misc Device\" from PciRoot(0x0): Not Found"));
}

// shim 16 refusing a GRUB with one byte changed.
TEST(SecureBoot, ShimRefusal) {
  auto r = refusal_in("Verification failed: (0x1A) Security Violation  ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stage, "shim");
  EXPECT_EQ(r->words, "Verification failed: (0x1A) Security Violation");
  EXPECT_EQ(refusal_in("Failed to load image: Security Violation")->stage, "shim");
}

// shim's error box as it reaches the serial port (recorded from shim 16.1 under OVMF):
// drawn with cursor moves, no newline, waiting for a key; found without waiting for it.
TEST(SecureBoot, ShimBoxOnTheSerialPort) {
  const std::string pad(46, ' ');
  const std::string box =
      "BdsDxe: starting Boot0001 \"UEFI QEMU DVD-ROM QM00011 \" from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x5,0xFFFF,0x0)\r\n"
      "\x1b[0m\x1b[37m\x1b[44m\x1b[01;01H\xd9\x1b[01;01H\xda\xc4\xc4\xc4\xbf\x1b[02;01H\xb3" + pad + "ERROR" + pad +
      " \xb3\x1b[03;01H\xb3" + pad + pad + " \xb3\x1b[04;01H\xb3                          Verification failed: "
      "(0x1A) Security Violation                          \xb3\x1b[05;01H\xb3" + pad;
  auto r = find_secure_boot_refusal(box);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stage, "shim");
  EXPECT_EQ(r->words, "Verification failed: (0x1A) Security Violation");
  // Until the phrase is complete, nothing is claimed.
  EXPECT_FALSE(find_secure_boot_refusal(box.substr(0, box.find("Violation"))));
  // The boot-path lines alone are no refusal.
  EXPECT_FALSE(find_secure_boot_refusal(box.substr(0, box.find("\x1b[0m"))));
  // OVMF's refusal, a whole line among others.
  r = find_secure_boot_refusal(
      "\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 \"UEFI QEMU DVD-ROM QM00011 \" from PciRoot(0x0)\r\n"
      "BdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00011 \" from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x5,0xFFFF,0x0): "
      "Access Denied\r\nBdsDxe: loading Boot0002");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stage, "firmware");
  EXPECT_EQ(r->words,
            "BdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00011 \" from "
            "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x5,0xFFFF,0x0): Access Denied");
}

// GRUB 2.12 (Debian's signed build) refusing a kernel through shim's verifier.
TEST(SecureBoot, GrubRefusal) {
  auto r = refusal_in("\x1b[1;1Herror: bad shim signature.");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stage, "GRUB");
  EXPECT_EQ(r->words, "error: bad shim signature");
  EXPECT_FALSE(refusal_in("error: you need to load the kernel first."));
  EXPECT_FALSE(refusal_in("Press any key to continue..."));
}

// The kernel, locked down, refusing an unsigned module.
TEST(SecureBoot, KernelRefusal) {
  auto r = refusal_in(
      "[   12.345678] Lockdown: modprobe: unsigned module loading is restricted; see man kernel_lockdown.7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stage, "kernel");
  EXPECT_EQ(refusal_in("[   12.3] Loading of unsigned module is rejected")->stage, "kernel");
  // Lockdown lines about other things are no refusal of a binary.
  EXPECT_FALSE(refusal_in("[    0.0] Lockdown: swapper/0: hibernation is restricted; see man kernel_lockdown.7"));
  // The state lines of a good boot are not refusals.
  EXPECT_FALSE(refusal_in("[    0.000000] secureboot: Secure boot enabled"));
  EXPECT_FALSE(refusal_in("EFI stub: UEFI Secure Boot is enabled."));
}

}  // namespace
}  // namespace imgbuild::vm
