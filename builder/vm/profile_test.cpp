// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/profile.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace imgbuild::vm {
namespace {

const char* k_profile =
    "# comment\n"
    "description = \"test box\"\n"
    "memory = 2048\n"
    "cpus = 2\n"
    "disk-size = \"4G\"\n"
    "floppy-size = \"1440K\"\n"
    "qemu = [\n"
    "  \"-machine pc\",\n"
    "  \"-nographic\",\n"
    "  \"-drive if=none,id=cd,media=cdrom,readonly=on,format=raw,file={iso}\",\n"
    "  \"-device scsi-cd,drive=cd,vendor=Dell,product=Virtual CDROM,bootindex={cd-bootindex}\",\n"
    "  \"-drive if=none,id=fd,format=raw,file={floppy}\",\n"
    "  \"-device scsi-hd,drive=hd,bootindex={disk-bootindex}\",\n"
    "]\n";

std::string expect_error(std::string_view text) {
  try {
    parse_machine_profile(text, "t", "t.toml");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "no error";
}

#define EXPECT_ERROR(text, needle) \
  EXPECT_NE(expect_error(text).find(needle), std::string::npos) << expect_error(text)

TEST(Profile, Parses) {
  auto p = parse_machine_profile(k_profile, "t", "t.toml");
  EXPECT_EQ(p.description, "test box");
  EXPECT_EQ(p.memory_mib, 2048u);
  EXPECT_EQ(p.cpus, 2u);
  EXPECT_EQ(p.disk_size, "4G");
  EXPECT_EQ(p.floppy_bytes, 1440u * 1024);
  ASSERT_EQ(p.options.size(), 6u);
  EXPECT_EQ(p.options[1].flag, "-nographic");
  EXPECT_EQ(p.options[1].value, "");
  EXPECT_EQ(p.options[3].value,
            "scsi-cd,drive=cd,vendor=Dell,product=Virtual CDROM,bootindex={cd-bootindex}");
  EXPECT_EQ(p.options[3].line, 11);
}

const char* k_iso = "qemu = [\"-drive file={iso}\"]\n";

// One test per class of mistake, each naming file and line.
TEST(Profile, UnknownKey) {
  EXPECT_ERROR(std::string(k_iso) + "colour = \"red\"\n", "t.toml:2: unknown key 'colour'");
  EXPECT_ERROR(std::string(k_iso) + "colour = \"red\"\n", "memory");  // the known keys listed
}

TEST(Profile, WrongType) {
  EXPECT_ERROR(std::string("memory = \"lots\"\n") + k_iso, "t.toml:1: memory must be an integer");
  EXPECT_ERROR(std::string("disk-size = 20\n") + k_iso, "t.toml:1: disk-size must be a string");
  EXPECT_ERROR("qemu = \"-drive file={iso}\"\ncpus = 1.5\n", "t.toml:2: cpus must be an integer");
  EXPECT_ERROR("qemu = [\"-drive file={iso}\",\n  7]\n", "t.toml:2: qemu[1] must be a string");
}

TEST(Profile, BadNumbers) {
  EXPECT_ERROR(std::string(k_iso) + "memory = 8\n", "t.toml:2: memory must be at least 16");
  EXPECT_ERROR(std::string(k_iso) + "cpus = 0\n", "t.toml:2: cpus must be 1 to 64");
  EXPECT_ERROR(std::string(k_iso) + "disk-size = \"20Q\"\n", "t.toml:2: disk-size must be a size");
  EXPECT_ERROR(std::string(k_iso) + "floppy-size = \"1000\"\n", "t.toml:2: floppy-size must be a multiple of 512");
  EXPECT_ERROR(std::string(k_iso) + "disk-format = \"vmdk\"\n", "t.toml:2: disk-format must be");
  EXPECT_ERROR(std::string(k_iso) + "memory = 99999999999999999999999\n", "t.toml:2: ");
}

TEST(Profile, UnknownPlaceholder) {
  EXPECT_ERROR("qemu = [\n  \"-drive file={iso}\",\n  \"-device x,file={cdrom}\",\n]\n",
               "t.toml:3: unknown placeholder {cdrom}");
  EXPECT_ERROR("qemu = [\"-drive file={iso\"]\n", "t.toml:1: unclosed '{'");
}

TEST(Profile, SyntaxAndStructure) {
  // The old key = value format is a TOML error at its first unquoted value.
  EXPECT_ERROR("memory = 64\nqemu = -machine pc\n", "t.toml:2: ");
  EXPECT_ERROR("memory = 100\nmemory = 200\n", "t.toml:2: ");  // given twice
  EXPECT_ERROR("qemu = [\"-m 4096\", \"-drive file={iso}\"]\n", "t.toml:1: option -m is set by imgbuild");
  EXPECT_ERROR("qemu = [\"-drive file={iso}\",\n \"-kernel vmlinuz\"]\n", "t.toml:2: option -kernel is set by imgbuild");
  EXPECT_ERROR("qemu = [\"machine pc\", \"-drive file={iso}\"]\n", "t.toml:1: a qemu entry holds one option");
  // A missing space used to leave {iso} unexpanded in the flag (fuzz finding
  // vm-placeholder-in-flag.toml): the flag must be an option name.
  EXPECT_ERROR("qemu = [\"-drive,file={iso}\", \"-cdrom {iso}\"]\n",
               "t.toml:1: \"-drive,file={iso}\" is not a QEMU option name");
  EXPECT_ERROR("qemu = [\"-machine pc\"]\n", "t.toml: the profile never attaches the ISO");
  EXPECT_ERROR("qemu = [\"-drive file={iso}\", \"-drive file={floppy}\"]\n", "floppy-size");
}

TEST(Profile, Drac) {
  const std::string qemu =
      "qemu = [\n  \"-drive if=none,id=vcd,file={iso}\",\n  \"-device usb-bot,id=vcd-bot\",\n"
      "  \"-chardev socket,id=drac,path={drac-socket},server=on,wait=off\",\n"
      "  \"-device isa-serial,chardev=drac\",\n]\n";
  auto p = parse_machine_profile(
      "drac = \"idrac7\"\ndrac-channel = \"/dev/ttyS1\"\ndrac-media = [\"vcd-bot\"]\n" + qemu, "t", "t.toml");
  EXPECT_EQ(p.drac, DracKind::Idrac7);
  EXPECT_EQ(p.drac_media, (std::vector<std::string>{"vcd-bot"}));
  EXPECT_EQ(p.system_model, "t");
  EXPECT_EQ(p.system_disk, "sda");
  EXPECT_EQ(parse_machine_profile("system-disk = \"nvme0n1\"\n" + qemu, "t", "t.toml").system_disk, "nvme0n1");
  EXPECT_ERROR("system-disk = \"/dev/sda\"\n" + qemu, "t.toml:1: system-disk \"/dev/sda\" is not a kernel disk name");
  EXPECT_ERROR("drac = \"drac4\"\n" + qemu, "t.toml:1: unknown drac \"drac4\"");
  // No channel: the file and the drac line, and the fix.
  EXPECT_ERROR("qemu = [\"-drive file={iso}\", \"-device usb-bot,id=vcd-bot\"]\ndrac = \"drac5\"\n"
               "drac-media = [\"vcd-bot\"]\n",
               "t.toml:2: drac = drac5 but the profile declares no channel");
  EXPECT_ERROR("drac = \"drac5\"\ndrac-channel = \"/dev/ttyS1\"\n" + qemu, "drac-media names no device");
  EXPECT_ERROR("drac = \"drac5\"\ndrac-channel = \"/dev/ttyS1\"\ndrac-media = [\"vfd-bot\"]\n" + qemu,
               "\"vfd-bot\", which no -device");
  // The channel in the command line, a placeholder like any other; the media left out.
  LaunchSettings s;
  s.drac_socket = "/w/drac.sock";
  auto argv = qemu_command(p, s);
  EXPECT_NE(std::find(argv.begin(), argv.end(), "socket,id=drac,path=/w/drac.sock,server=on,wait=off"), argv.end());
  s.omit_devices = {"vcd-bot"};
  argv = qemu_command(p, s);
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "usb-bot,id=vcd-bot"), argv.end());
}

TEST(Profile, Sizes) {
  std::uint64_t bytes = 0;
  EXPECT_TRUE(parse_size("20G", bytes));
  EXPECT_EQ(bytes, 20ull << 30);
  EXPECT_TRUE(parse_size("512", bytes));
  EXPECT_EQ(bytes, 512u);
  EXPECT_FALSE(parse_size("G", bytes));
  EXPECT_FALSE(parse_size("-1K", bytes));
  EXPECT_FALSE(parse_size("99999999999999999999T", bytes));
}

TEST(Profile, CommandLineForBiosInstallerBoot) {
  auto p = parse_machine_profile(k_profile, "t", "t.toml");
  LaunchSettings s;
  s.iso = "/images/a,b.iso";
  s.disk = "/w/disk.qcow2";
  s.floppy = "/w/floppy.img";
  s.qmp_socket = "/w/qmp.sock";
  s.firmware_log = "/w/firmware.log";
  auto argv = qemu_command(p, s);
  auto has = [&](const std::string& a, const std::string& b) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == a && argv[i + 1] == b) return true;
    return false;
  };
  EXPECT_EQ(argv[0], "qemu-system-x86_64");
  EXPECT_TRUE(has("-accel", "tcg"));
  EXPECT_TRUE(has("-m", "2048"));
  EXPECT_TRUE(has("-smp", "2"));
  EXPECT_TRUE(has("-display", "none"));
  EXPECT_TRUE(has("-serial", "chardev:serial0"));
  EXPECT_TRUE(has("-qmp", "unix:/w/qmp.sock,server=on,wait=off"));
  EXPECT_TRUE(has("-device", "isa-debugcon,iobase=0x402,chardev=firmware-log"));
  // A comma in a file name is doubled for QEMU.
  EXPECT_TRUE(has("-drive", "if=none,id=cd,media=cdrom,readonly=on,format=raw,file=/images/a,,b.iso"));
  EXPECT_TRUE(has("-device", "scsi-cd,drive=cd,vendor=Dell,product=Virtual CDROM,bootindex=0"));
  EXPECT_TRUE(has("-device", "scsi-hd,drive=hd,bootindex=1"));
  EXPECT_TRUE(has("-drive", "if=none,id=fd,format=raw,file=/w/floppy.img"));
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "-nographic"), 1);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "-kernel"), 0);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "if=pflash,format=raw,unit=0,readonly=on,file="), 0);
}

TEST(Profile, CommandLineForUefiKvmInstall) {
  auto p = parse_machine_profile(k_profile, "t", "t.toml");
  LaunchSettings s;
  s.iso = "/a.iso";
  s.firmware = Firmware::Uefi;
  s.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  s.ovmf_vars = "/w/vars.fd";
  s.accel = Accel::Kvm;
  s.cd_first = false;
  auto argv = qemu_command(p, s);
  auto joined = std::string();
  for (const auto& a : argv) joined += a + "\n";
  EXPECT_NE(joined.find("-accel\nkvm\n"), std::string::npos);
  EXPECT_NE(joined.find("if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd\n"),
            std::string::npos);
  EXPECT_NE(joined.find("if=pflash,format=raw,unit=1,file=/w/vars.fd\n"), std::string::npos);
  EXPECT_NE(joined.find("bootindex=1\n"), std::string::npos);  // the CD after the disk
  EXPECT_NE(joined.find("scsi-hd,drive=hd,bootindex=0\n"), std::string::npos);
  EXPECT_EQ(joined.find("isa-debugcon"), std::string::npos);
}

// firmware = "uefi-secureboot": OVMF enforcing Secure Boot, which needs SMM (q35).
TEST(Profile, SecureBootFirmware) {
  const std::string q35 =
      "firmware = \"uefi-secureboot\"\n"
      "qemu = [\n"
      "  \"-machine q35\",\n"
      "  \"-drive if=none,id=cd,media=cdrom,file={iso}\",\n"
      "]\n";
  auto p = parse_machine_profile(q35, "t", "t.toml");
  ASSERT_TRUE(p.firmware);
  EXPECT_EQ(*p.firmware, Firmware::UefiSecureBoot);
  EXPECT_EQ(p.firmware_line, 1);
  LaunchSettings s;
  s.iso = "/a.iso";
  s.firmware = Firmware::UefiSecureBoot;
  s.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";
  s.ovmf_vars = "/w/vars.fd";
  std::string joined;
  for (const auto& a : qemu_command(p, s)) joined += a + "\n";
  EXPECT_NE(joined.find("-machine\nsmm=on\n"), std::string::npos) << joined;
  EXPECT_NE(joined.find("-global\ndriver=cfi.pflash01,property=secure,value=on\n"), std::string::npos);
  EXPECT_NE(joined.find("-global\nICH9-LPC.disable_s3=1\n"), std::string::npos);
  EXPECT_NE(joined.find("readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd\n"), std::string::npos);
  // Plain UEFI gets none of it.
  s.firmware = Firmware::Uefi;
  joined.clear();
  for (const auto& a : qemu_command(p, s)) joined += a + "\n";
  EXPECT_EQ(joined.find("smm=on"), std::string::npos);
  EXPECT_EQ(joined.find("cfi.pflash01"), std::string::npos);

  std::string machine_line = std::string("firmware = \"uefi-secureboot\"\n") + "qemu = [\n" +
                             "  \"-drive if=none,id=cd,media=cdrom,file={iso}\",\n" + "  \"-machine pc\",\n]\n";
  EXPECT_ERROR(machine_line, "t.toml:4: firmware = \"uefi-secureboot\" (line 1) needs SMM, which machine type \"pc\"");
  EXPECT_ERROR(std::string("firmware = \"uefi-secureboot\"\nqemu = [\"-machine q35,smm=off\", \"-drive file={iso}\"]\n"),
               "t.toml:2: firmware = \"uefi-secureboot\" (line 1) needs SMM, but the machine has smm=off");
  EXPECT_ERROR(std::string("firmware = \"uefi-secureboot\"\nqemu = [\"-drive file={iso}\"]\n"),
               "t.toml: firmware = \"uefi-secureboot\" (line 1) needs SMM, but the profile sets no -machine");
  EXPECT_ERROR(std::string("firmware = \"uefi-secureboot\"\nqemu = [\"-machine type=pc-q35-7.2\", \"-drive file={iso}\"]\n"),
               "no error");
  EXPECT_ERROR(std::string("firmware = \"uefi-sb\"\n") + k_iso, "t.toml:1: unknown firmware \"uefi-sb\"");
  EXPECT_ERROR(std::string("firmware = 1\n") + k_iso, "t.toml:1: firmware must be a string");
  // Asked for on the command line, the profile's machine is checked the same way.
  auto pc = parse_machine_profile(std::string("firmware = \"uefi\"\n") + "qemu = [\"-machine pc\", \"-drive file={iso}\"]\n",
                                  "t", "t.toml");
  try {
    require_secure_boot_machine(pc, "--firmware uefi-secureboot");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("t.toml:2: --firmware uefi-secureboot needs SMM"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_firmware("uefi-secureboot"), Firmware::UefiSecureBoot);
  EXPECT_EQ(firmware_name(Firmware::UefiSecureBoot), "uefi-secureboot");
  EXPECT_FALSE(parse_firmware("secureboot"));
}

// The shipped profiles parse and say what the issue asks of them.
TEST(Profile, ShippedProfiles) {
  auto pe = load_machine_profile(std::string(IMGBUILD_SOURCE_DIR) + "/machines/pe2950.toml");
  EXPECT_EQ(pe.name, "pe2950");
  EXPECT_EQ(pe.memory_mib, 16384u);
  EXPECT_EQ(pe.cpus, 2u);
  LaunchSettings s;
  s.iso = "/a.iso";
  auto argv = qemu_command(pe, s);
  std::string joined;
  for (const auto& a : argv) joined += a + "\n";
  EXPECT_NE(joined.find("megasas"), std::string::npos);
  EXPECT_NE(joined.find("vendor=Dell,product=Virtual CDROM,bootindex=0"), std::string::npos);
  EXPECT_NE(joined.find("removable=on,vendor=Dell,product=Virtual Floppy"), std::string::npos);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "e1000,netdev=net0") +
                std::count(argv.begin(), argv.end(), "e1000,netdev=net1"),
            2);

  EXPECT_EQ(pe.drac, DracKind::Drac5);
  EXPECT_EQ(pe.drac_media, (std::vector<std::string>{"vcd-bot", "vfd-bot"}));
  // After the detach: the same machine without its USB media and their drives.
  s.omit_devices = pe.drac_media;
  joined.clear();
  for (const auto& a : qemu_command(pe, s)) joined += a + "\n";
  EXPECT_EQ(joined.find("Virtual"), std::string::npos);
  EXPECT_EQ(joined.find("/a.iso"), std::string::npos);
  EXPECT_NE(joined.find("megasas"), std::string::npos);
  EXPECT_NE(joined.find("usb-ehci"), std::string::npos);

  auto pe1950 = load_machine_profile(std::string(IMGBUILD_SOURCE_DIR) + "/machines/pe1950.toml");
  EXPECT_EQ(pe1950.memory_mib, 8192u);
  EXPECT_EQ(pe1950.drac, DracKind::Drac5);
  EXPECT_EQ(pe1950.system_model, "PowerEdge 1950");
  joined.clear();
  for (const auto& a : qemu_command(pe1950, LaunchSettings{})) joined += a + "\n";
  EXPECT_NE(joined.find("mptsas1068"), std::string::npos);

  auto generic = load_machine_profile(std::string(IMGBUILD_SOURCE_DIR) + "/machines/generic.toml");
  EXPECT_EQ(generic.memory_mib, 1024u);
  EXPECT_EQ(generic.floppy_bytes, 0u);
}

// Today's PowerEdge: the BOSS-N1 (the target disk) on NVMe, two larger PERC disks, iDRAC9
// USB media on xHCI; after the detach the PERC and the BOSS stay.
TEST(Profile, R660ShippedProfile) {
  auto r660 = load_machine_profile(std::string(IMGBUILD_SOURCE_DIR) + "/machines/r660.toml");
  EXPECT_EQ(r660.drac, DracKind::Idrac9);
  EXPECT_EQ(r660.system_model, "PowerEdge R660");
  EXPECT_EQ(r660.system_disk, "nvme0n1");
  EXPECT_EQ(nic_count(r660), 2u);
  LaunchSettings s;
  s.iso = "/a.iso";
  s.disk = "/w/disk.qcow2";
  auto argv = qemu_command(r660, s);
  std::string joined;
  for (const auto& a : argv) joined += a + "\n";
  EXPECT_NE(joined.find("q35,smm=on\n"), std::string::npos);
  EXPECT_NE(joined.find("vendor=iDRAC,product=Virtual CD,bootindex=0\n"), std::string::npos);
  EXPECT_NE(joined.find("file=/w/disk.qcow2\n-device\nnvme,id=boss-n1,drive=boss,"), std::string::npos);
  EXPECT_NE(joined.find("bootindex=1\n"), std::string::npos);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "e1000e,netdev=net0") +
                std::count(argv.begin(), argv.end(), "e1000e,netdev=net1"),
            2);
  // The PERC disks are larger than the BOSS.
  std::uint64_t boss = 0, perc = 0;
  ASSERT_TRUE(parse_size(r660.disk_size, boss));
  ASSERT_TRUE(parse_size("960G", perc));
  EXPECT_GT(perc, boss);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "driver=null-co,node-name=perc-vd0,size=1030792151040,read-zeroes=on"), 1);
  s.omit_devices = r660.drac_media;
  joined.clear();
  for (const auto& a : qemu_command(r660, s)) joined += a + "\n";
  EXPECT_EQ(joined.find("Virtual"), std::string::npos);
  EXPECT_EQ(joined.find("/a.iso"), std::string::npos);
  EXPECT_NE(joined.find("megasas-gen2"), std::string::npos);
  EXPECT_NE(joined.find("nvme,id=boss-n1"), std::string::npos);
}

// The iDRAC8-era PowerEdge: BIOS, USB 2.0 virtual media, the target disk on the PERC.
TEST(Profile, R730ShippedProfile) {
  auto r730 = load_machine_profile(std::string(IMGBUILD_SOURCE_DIR) + "/machines/r730.toml");
  EXPECT_EQ(r730.drac, DracKind::Idrac8);
  EXPECT_EQ(r730.system_model, "PowerEdge R730");
  EXPECT_EQ(r730.firmware, Firmware::Bios);
  EXPECT_EQ(nic_count(r730), 4u);
  LaunchSettings s;
  s.iso = "/a.iso";
  s.disk = "/w/disk.qcow2";
  std::string joined;
  for (const auto& a : qemu_command(r730, s)) joined += a + "\n";
  EXPECT_NE(joined.find("usb-bot,bus=ehci.0,id=vcd-bot\n"), std::string::npos);
  EXPECT_NE(joined.find("vendor=iDRAC,product=Virtual CD,bootindex=0\n"), std::string::npos);
  EXPECT_NE(joined.find("vendor=DELL,product=PERC H730 Mini,serial=VD0,bootindex=1\n"), std::string::npos);
  s.omit_devices = r730.drac_media;
  joined.clear();
  for (const auto& a : qemu_command(r730, s)) joined += a + "\n";
  EXPECT_EQ(joined.find("Virtual"), std::string::npos);
  EXPECT_NE(joined.find("PERC H730 Mini"), std::string::npos);
}

TEST(Profile, IdentitySetsSmbiosSerialAndNicMacsInOrder) {
  auto pe = load_machine_profile(std::string(IMGBUILD_SOURCE_DIR) + "/machines/pe2950.toml");
  EXPECT_EQ(nic_count(pe), 2u);
  LaunchSettings s;
  s.iso = "/a.iso";
  s.smbios_serial = "7ABCD1X";
  s.nic_macs = {"00:1e:c9:aa:bb:01"};
  auto argv = qemu_command(pe, s);
  auto smbios = std::find(argv.begin(), argv.end(), "-smbios");
  ASSERT_NE(smbios, argv.end());
  EXPECT_EQ(*(smbios + 1), "type=1,serial=7ABCD1X");
  // The first NIC takes the first MAC; the second keeps QEMU's default.
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "e1000,netdev=net0,mac=00:1e:c9:aa:bb:01"), 1);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "e1000,netdev=net1"), 1);
  s.smbios_serial.clear();
  s.nic_macs = {"00:1e:c9:aa:bb:01", "00:1e:c9:aa:bb:02"};
  argv = qemu_command(pe, s);
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-smbios"), argv.end());
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "e1000,netdev=net1,mac=00:1e:c9:aa:bb:02"), 1);
  // More MACs than NICs: refused, naming the profile.
  s.nic_macs.push_back("00:1e:c9:aa:bb:03");
  try {
    qemu_command(pe, s);
    ADD_FAILURE() << "three MACs on two NICs accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("names 3 MACs, the machine has 2 NICs"), std::string::npos);
  }
}

TEST(Profile, UnknownNameListsTheKnownOnes) {
  try {
    load_machine_profile("pe9999");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("pe2950"), std::string::npos);
  }
}

}  // namespace
}  // namespace imgbuild::vm
