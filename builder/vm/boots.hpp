// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What each boot of the guest showed on its serial console: the kernel command line, the
// disk names the kernel gave (the DRAC hazard: with virtual media attached the PERC disk
// is not sda), whether it came up to a login prompt, and the signs of a system in
// trouble (I/O errors, a root device not found, emergency mode). Pure: fed serial bytes,
// so every rule is tested on recorded consoles.

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::vm {

struct BootDisk {
  std::string name;   // "sdc"
  std::string model;  // vendor and model as the kernel printed them: "Dell Virtual Floppy"
};

struct BootRecord {
  std::string kernel;        // "6.1.0-50-amd64" (from "Linux version ...")
  std::string command_line;  // from "Command line: ..."
  std::vector<BootDisk> disks;  // in the order the kernel named them
  bool login_prompt = false;    // a getty's "... login:" on the console
  std::vector<std::string> problems;  // console lines that say the system is in trouble
  // The kernel's word on UEFI Secure Boot ("secureboot: Secure boot enabled"): "enabled",
  // "disabled", "could not be determined", or empty when it said nothing (BIOS, quiet).
  std::string secure_boot;
  // The partition of the first ext4/ext3/xfs filesystem mounted (the root, mounted
  // by the initramfs first; in an installer, its target): "nvme0n1p2", or empty.
  std::string first_mount;
  // The UEFI boot option the firmware started before this kernel (OVMF's "BdsDxe:
  // starting Boot0003 "debian" from HD(...)/\EFI\debian\shimx64.efi"), or empty.
  std::string boot_option;
  // The disk that holds first_mount ("nvme0n1", "sda") when known; else the name of the
  // first SCSI disk that is not DRAC virtual media (model "Virtual ..."); or empty.
  std::string system_disk() const;
  // The firmware started a boot option with no loader file in its device path (OVMF's own
  // "UEFI QEMU NVMe Ctrl ..." entries, which boot a disk's removable-media path
  // EFI/BOOT/BOOTX64.EFI), not an entry an installer wrote ("debian" ...\EFI\debian\shimx64.efi).
  bool started_by_removable_path() const;
};

class BootWatcher {
 public:
  void feed(std::string_view bytes);
  const std::vector<BootRecord>& boots() const { return m_boots; }
  // Boots that began so far (each "Linux version" line on the console starts one).
  std::size_t count() const { return m_boots.size(); }

 private:
  void line(std::string text);
  std::string m_partial;
  std::vector<BootRecord> m_boots;
  std::vector<std::pair<std::string, std::string>> m_scsi_models;  // "2:0:0:0" -> model
  std::string m_boot_option;  // the firmware's last "starting Boot####", for the next boot
};

// "sdc: Dell Virtual Floppy, sdd: DELL PERC 6/i" for the report.
std::string describe_disks(const BootRecord& boot);

}  // namespace imgbuild::vm
