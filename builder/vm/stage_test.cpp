// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/stage.hpp"

#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

const std::string k_id = "0123456789abcdef0123456789abcdef";
const std::string k_other = "fedcba9876543210fedcba9876543210";

StageTracker track(Stage target, std::optional<std::string> id, std::string_view log) {
  StageTracker tracker(target, std::move(id));
  MarkerParser parser;
  for (const auto& m : parser.feed(log)) tracker.on_marker(m);
  for (const auto& m : parser.finish()) tracker.on_marker(m);
  return tracker;
}

// `info registers -a` excerpts as QEMU 7.2 prints them.
const std::string k_regs_seabios =
    "\r\nCPU#0\r\nEAX=00000000 EBX=00000000\r\nEIP=0000b7b9 EFL=00000246 [---Z-P-] CPL=0 II=0 "
    "A20=1 SMM=0 HLT=1\r\nCR0=00000010 CR2=00000000 CR3=00000000 CR4=00000000\r\n";
const std::string k_regs_isolinux =
    "CPU#0\r\nEIP=00102f3a EFL=00000202 [-------] CPL=0\r\nCR0=00000011 CR2=0 CR3=0\r\n"
    "CPU#1\r\nEIP=000fd0b2 EFL=00000202 [-------] CPL=0 HLT=1\r\nCR0=60000010\r\n";
const std::string k_regs_linux32 =
    "CPU#0\r\nEIP=c1a2b3c4 EFL=00000246 [---Z-P-] CPL=0 HLT=1\r\nCR0=80050033 CR2=b7f0\r\n"
    "CPU#1\r\nEIP=0804a000 EFL=00000246 [---Z-P-] CPL=3\r\nCR0=80050033\r\n";
const std::string k_regs_linux64 =
    "CPU#0\r\nRAX=0000000000000000\r\nRIP=ffffffff81e7c0ae RFL=00000246 [---Z-P-] CPL=0 HLT=1\r\n"
    "CR0=80050033 CR2=000055d1 CR3=000000010a CR4=00350ef0\r\n";
const std::string k_regs_ovmf =
    "CPU#0\r\nRAX=0000000000000000\r\nRIP=000000007fe9a1b2 RFL=00000246 [---Z-P-] CPL=0\r\n"
    "CR0=80010033 CR2=0 CR3=000000007fc01000 CR4=00000668\r\n";

TEST(Stage, Names) {
  EXPECT_EQ(parse_stage("boot"), Stage::Boot);
  EXPECT_EQ(parse_stage("install"), Stage::Install);
  EXPECT_EQ(parse_stage("firstboot"), Stage::Firstboot);
  EXPECT_FALSE(parse_stage("reboot"));
  EXPECT_EQ(stage_name(Stage::Install), "install");
}

TEST(Stage, BootReachedWithMatchingId) {
  auto tracker = track(Stage::Boot, k_id, "noise\r\nIMGBUILD:preseed-loaded:" + k_id + "\r\n");
  EXPECT_TRUE(tracker.target_reached());
  Evidence evidence;
  evidence.elapsed_seconds = 26.4;
  auto verdict = diagnose(tracker, evidence);
  EXPECT_TRUE(verdict.passed);
  EXPECT_EQ(verdict.summary, "stage boot reached in 26 s");
}

TEST(Stage, MismatchFailsAtOnce) {
  auto tracker = track(Stage::Boot, k_id, "IMGBUILD:preseed-loaded:" + k_other + "\n");
  EXPECT_FALSE(tracker.target_reached());
  EXPECT_TRUE(tracker.failed());
  auto verdict = diagnose(tracker, Evidence{});
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.cause, Cause::BuildIdMismatch);
  EXPECT_NE(verdict.summary.find(k_other), std::string::npos);
  EXPECT_NE(verdict.summary.find(k_id), std::string::npos);
  EXPECT_NE(verdict.summary.find("last stage reached: none"), std::string::npos);
}

TEST(Stage, StagesInOrderOnly) {
  // install-finished without this image's preseed first proves nothing.
  auto stray = track(Stage::Install, k_id, "IMGBUILD:install-finished\n");
  EXPECT_EQ(stray.reached(), Stage::None);
  EXPECT_EQ(stray.warnings().size(), 1u);

  auto full = track(Stage::Firstboot, k_id,
                    "IMGBUILD:preseed-loaded:" + k_id + "\nIMGBUILD:install-finished\n"
                    "IMGBUILD:firstboot-start\nIMGBUILD:firstboot-detach-failed:rc 1\n"
                    "IMGBUILD:firstboot-done");
  EXPECT_EQ(full.reached(), Stage::Firstboot);
  EXPECT_TRUE(full.target_reached());
  auto verdict = diagnose(full, Evidence{});
  EXPECT_TRUE(verdict.passed);
  ASSERT_EQ(verdict.details.size(), 1u);
  EXPECT_NE(verdict.details[0].find("detach-failed"), std::string::npos);
}

TEST(Stage, EachWarningOnce) {
  // The hook's markers arrive on the port, through the kernel log and on the console.
  const std::string failed = "IMGBUILD:firstboot-detach-failed:rc 1\n";
  auto tracker = track(Stage::Firstboot, k_id,
                       "IMGBUILD:preseed-loaded:" + k_id + "\nIMGBUILD:install-finished\n" + failed +
                           "[   22.73] imgbuild-firstboot: " + failed + "sh[277]: imgbuild-firstboot: " + failed +
                           "IMGBUILD:firstboot-no-drac\nIMGBUILD:firstboot-done\n");
  EXPECT_TRUE(tracker.target_reached());
  ASSERT_EQ(tracker.warnings().size(), 2u);
  EXPECT_NE(tracker.warnings()[0].find("detach-failed (rc 1)"), std::string::npos);
  EXPECT_NE(tracker.warnings()[1].find("no-drac"), std::string::npos);
}

TEST(Stage, LateCommandFailure) {
  auto tracker = track(Stage::Install, k_id,
                       "IMGBUILD:preseed-loaded:" + k_id + "\nIMGBUILD:late-command-failed:127\n");
  EXPECT_TRUE(tracker.failed());
  auto verdict = diagnose(tracker, Evidence{});
  EXPECT_EQ(verdict.cause, Cause::LateCommandFailed);
  EXPECT_EQ(verdict.reached, Stage::Boot);
  EXPECT_NE(verdict.summary.find("127"), std::string::npos);
}

// A fleet image (build --hosts) as the Debian 12 installer's serial console shows it: GNU
// screen's escapes around the lines, the network marker with the addresses netcfg set.
TEST(Stage, NetworkReachedOnAFleetImage) {
  EXPECT_EQ(parse_stage("network"), Stage::Network);
  EXPECT_EQ(stage_name(Stage::Network), "network");
  const std::string log = "IMGBUILD:preseed-loaded:" + k_id +
                          "\r\n\x1b[0mIMGBUILD:host:bravo:mac@ens6\r\n"
                          "IMGBUILD:network:bravo:ens6=10.0.2.15/24 ens5=10.0.2.16/24\r\n";
  auto tracker = track(Stage::Network, k_id, log);
  EXPECT_TRUE(tracker.target_reached());
  EXPECT_TRUE(tracker.warnings().empty()) << tracker.warnings().front();
  ASSERT_EQ(tracker.markers().size(), 3u);
  EXPECT_EQ(tracker.markers()[1].kind, MarkerKind::Fleet);
  EXPECT_EQ(tracker.markers()[2].detail, "bravo:ens6=10.0.2.15/24 ens5=10.0.2.16/24");
  // Before this image's preseed, a network marker proves nothing.
  EXPECT_FALSE(track(Stage::Network, k_id, "IMGBUILD:network:bravo:ens6=10.0.2.15/24\n").target_reached());
  // The install can still finish after the network stage.
  EXPECT_TRUE(track(Stage::Install, k_id, log + "IMGBUILD:install-finished\n").target_reached());
}

TEST(Stage, UnknownMachineStopsTheRun) {
  const std::string seen = "service tag 0NTINV1, NICs ens5=52:54:00:12:34:56 ens6=52:54:00:12:34:57";
  auto tracker = track(Stage::Network, k_id, "IMGBUILD:preseed-loaded:" + k_id + "\nIMGBUILD:host-unknown:" + seen + "\n");
  EXPECT_TRUE(tracker.failed());
  EXPECT_TRUE(tracker.host_unknown());
  Verdict verdict = diagnose(tracker, Evidence{});
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.cause, Cause::HostUnknown);
  EXPECT_NE(verdict.summary.find("machine not in the inventory"), std::string::npos) << verdict.summary;
  EXPECT_NE(verdict.summary.find(seen), std::string::npos) << verdict.summary;
  // --unknown-host dhcp: reported, not a failure.
  auto dhcp = track(Stage::Network, k_id, "IMGBUILD:preseed-loaded:" + k_id + "\nIMGBUILD:host-unknown-dhcp:" +
                                              seen + "\nIMGBUILD:network:debian:ens5=10.0.2.15/24\n");
  EXPECT_FALSE(dhcp.failed());
  EXPECT_TRUE(dhcp.target_reached());
}

TEST(Stage, NoBuildIdOnTheIso) {
  auto tracker = track(Stage::Boot, std::nullopt, "");
  Evidence evidence;
  evidence.timed_out = true;
  evidence.kernel_running = false;
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::NoBuildId);
  EXPECT_NE(verdict.summary.find("stage boot not reached"), std::string::npos);
  EXPECT_NE(verdict.summary.find("/imgbuild/build-id"), std::string::npos);
}

TEST(Stage, MenuWaitingFromCpuStateAndScreen) {
  auto tracker = track(Stage::Boot, k_id, "");
  Evidence evidence;
  evidence.timed_out = true;
  evidence.elapsed_seconds = 60;
  evidence.kernel_running = kernel_running_from_registers(k_regs_isolinux);
  evidence.vga_text = "ISOLINUX 6.04 20200816 ETCD Copyright (C) 1994-2015 H. Peter Anvin et al\nboot:\n";
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::MenuWaiting);
  EXPECT_NE(verdict.summary.find("did not auto-select"), std::string::npos);
  bool prompt_detail = false;
  for (const auto& d : verdict.details) prompt_detail |= d.find("'boot:' prompt") != std::string::npos;
  EXPECT_TRUE(prompt_detail);
}

TEST(Stage, GrubMenuOnSerialUnderUefi) {
  auto tracker = track(Stage::Boot, k_id, "");
  Evidence evidence;
  evidence.timed_out = true;
  evidence.serial_log = "\x1b[2J\x1b[01;01H                            GNU GRUB  version 2.06-13\r\n";
  evidence.kernel_running = kernel_running_from_registers(k_regs_ovmf);
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::MenuWaiting);
}

TEST(Stage, PreseedNotFoundWhenAKernelRuns) {
  auto tracker = track(Stage::Boot, k_id, "");
  Evidence evidence;
  evidence.timed_out = true;
  evidence.kernel_running = kernel_running_from_registers(k_regs_linux32);
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::PreseedNotFound);
  evidence.kernel_running = kernel_running_from_registers(k_regs_linux64);
  EXPECT_EQ(diagnose(tracker, evidence).cause, Cause::PreseedNotFound);
}

TEST(Stage, NotBootableFromSeabiosLog) {
  auto tracker = track(Stage::Boot, k_id, "");
  Evidence evidence;
  evidence.timed_out = true;
  evidence.kernel_running = false;
  evidence.firmware_log = "Booting from DVD/CD...\nBoot failed: Could not read from CDROM (code 0004)\n"
                          "Booting from Hard Disk...\nBoot failed: not a bootable disk\n\nNo bootable device.\n";
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::NotBootable);
  EXPECT_EQ(verdict.details.at(0), "firmware: Could not read from CDROM (code 0004)");
  // Even a disc without a build id: not booting at all is the more useful thing to say.
  auto no_id = track(Stage::Boot, std::nullopt, "");
  EXPECT_EQ(diagnose(no_id, evidence).cause, Cause::NotBootable);
  // OVMF reports on the serial console.
  Evidence uefi;
  uefi.timed_out = true;
  uefi.kernel_running = false;
  uefi.serial_log = "BdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from PciRoot(0x0): Not Found\r\n"
                    "BdsDxe: No bootable option or device was found.\r\n";
  EXPECT_EQ(diagnose(tracker, uefi).cause, Cause::NotBootable);
}

TEST(Stage, QemuExitAndKvmInternalError) {
  auto tracker = track(Stage::Boot, k_id, "");
  Evidence evidence;
  evidence.qemu_exited = true;
  evidence.qemu_stderr = "KVM internal error. Suberror: 1\nemulation failure\n";
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::QemuFailed);
  EXPECT_NE(verdict.summary.find("--accel tcg"), std::string::npos);
}

// A guest that gives up and powers the machine off (the stand-in installer's die): QEMU
// exits without a word, and the verdict quotes the guest's last line, not the kernel's.
TEST(Stage, AGuestThatPowersOffIsQuotedNotBlamedOnQemu) {
  auto tracker = track(Stage::Firstboot, k_id, "IMGBUILD:preseed-loaded:" + k_id + "\n");
  Evidence evidence;
  evidence.qemu_exited = true;
  evidence.elapsed_seconds = 95;
  evidence.serial_log = "IMGBUILD:preseed-loaded:" + k_id +
                        "\r\nSTANDIN: failed: no disk chosen (partman-auto/disk: 'unset')\r\n"
                        "[   94.123456] sd 2:0:0:0: [sdb] Synchronizing SCSI cache\r\n"
                        "[   94.200001] reboot: Power down\r\n";
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::QemuFailed);
  EXPECT_NE(verdict.summary.find("the machine powered itself off after 95 s; its console's last words: "
                                 "'STANDIN: failed: no disk chosen (partman-auto/disk: 'unset')'"),
            std::string::npos)
      << verdict.summary;
  // Nothing but kernel lines: no quote rather than a kernel line.
  evidence.serial_log = "[    1.000000] reboot: Power down\n";
  EXPECT_EQ(diagnose(tracker, evidence).summary.find("last words"), std::string::npos);
}

TEST(Stage, PlainTimeoutWhenNothingElseIsKnown) {
  auto tracker = track(Stage::Boot, k_id, "");
  Evidence evidence;
  evidence.timed_out = true;
  evidence.elapsed_seconds = 300;
  auto verdict = diagnose(tracker, evidence);
  EXPECT_EQ(verdict.cause, Cause::Timeout);
  EXPECT_NE(verdict.summary.find("300 s"), std::string::npos);

  auto installing = track(Stage::Install, k_id, "IMGBUILD:preseed-loaded:" + k_id + "\n");
  verdict = diagnose(installing, evidence);
  EXPECT_EQ(verdict.cause, Cause::Timeout);
  EXPECT_EQ(verdict.reached, Stage::Boot);
  EXPECT_NE(verdict.summary.find("last stage reached: boot"), std::string::npos);
}

TEST(Stage, KernelRunningFromRegisters) {
  EXPECT_EQ(kernel_running_from_registers(k_regs_seabios), false);
  EXPECT_EQ(kernel_running_from_registers(k_regs_isolinux), false);
  EXPECT_EQ(kernel_running_from_registers(k_regs_ovmf), false);
  EXPECT_EQ(kernel_running_from_registers(k_regs_linux32), true);
  EXPECT_EQ(kernel_running_from_registers(k_regs_linux64), true);
  EXPECT_EQ(kernel_running_from_registers("unknown command: 'info'"), std::nullopt);
}

TEST(Stage, VgaTextFromXp) {
  // "SeaBIOS " then blanks, 2 rows of 4 columns for the test.
  std::string xp =
      "00000000000b8000: 0x53 0x07 0x65 0x07 0x61 0x07 0x42 0x07\r\n"
      "00000000000b8008: 0x20 0x07 0x62 0x07 0x3a 0x07 0x00 0x07\r\n";
  EXPECT_EQ(vga_text_from_xp(xp, 4), "SeaB\n b:\n");
  EXPECT_EQ(vga_text_from_xp("Cannot access memory", 80), "");
}

}  // namespace
}  // namespace imgbuild::vm
