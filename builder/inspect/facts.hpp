// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Facts about an installed system, read through a Guest: what inspect-disk prints and what
// expect.hpp judges. The parsers (fstab, grub.cfg, menu.lst, dpkg status) are pure
// functions of file text.

#include "inspect/guest.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::inspect {

struct FstabEntry {
  std::string device;
  std::string mountpoint;
  std::string type;
  std::string options;
  bool noauto = false;
  // Named by kernel device name (/dev/sda1, /dev/hdc): breaks when disks are renumbered,
  // e.g. by DRAC virtual media taking sda. Must be UUID=/LABEL= instead.
  bool by_kernel_name = false;
};

struct GrubEntry {
  std::string title;
  std::string kernel;     // path on the linux/kernel line
  std::string root_arg;   // the root= argument of that line ("UUID=...", "/dev/sda1")
  std::vector<GrubEntry> children;  // a GRUB 2 submenu's entries
};

struct GrubConfig {
  std::string path;          // "/boot/grub/grub.cfg" or "/boot/grub/menu.lst", "" if none
  std::string flavour;       // "grub2", "legacy"
  std::string default_spec;  // the raw default ("0", "saved", "1>2", a title)
  std::vector<GrubEntry> entries;
  std::optional<GrubEntry> default_entry;  // resolved, when it can be
};

struct BootSector {
  std::string device;  // "/dev/sda" or a partition
  bool grub = false;   // GRUB's boot code is in its first sector
  bool boot_signature = false;  // 0x55AA
};

struct InstalledPackage {
  std::string version;
  std::string status;  // "install ok installed", ...
};

struct AptSource {
  std::string file;
  std::string line;
};

struct DiskFacts {
  OsInfo os;
  std::vector<FilesystemInfo> filesystems;
  std::vector<std::string> kernels;  // versions from /boot/vmlinuz-*
  std::vector<std::string> initrds;  // versions from /boot/initrd.img-*
  GrubConfig grub;
  std::vector<FstabEntry> fstab;
  std::vector<AptSource> apt_sources;
  std::map<std::string, InstalledPackage> packages;  // "install ok installed" only
  bool firstboot_done = false;
  std::string firstboot_state;               // content of the state file
  std::optional<std::string> firstboot_log;  // the hook's log, if any
  std::vector<BootSector> boot_sectors;
  // Files of the EFI System Partition's EFI/ directory and its subdirectories (the ESP
  // mounted on /boot/efi, as fstab says), relative to the ESP: "EFI/debian/shimx64.efi".
  std::vector<std::string> efi_files;
};

inline constexpr const char* k_firstboot_state = "/var/lib/imgbuild/firstboot.done";
inline constexpr const char* k_firstboot_log = "/var/log/imgbuild-firstboot.log";

DiskFacts gather_facts(Guest& guest);

std::vector<FstabEntry> parse_fstab(const std::string& text);
GrubConfig parse_grub_cfg(const std::string& text, const std::string& grubenv = {});
GrubConfig parse_menu_lst(const std::string& text);
// dpkg status and deb822 .sources are read by debformat: malformed text is an Error naming the file.
// A package counts when dpkg's state is "installed" with no error flag (wanted for install,
// held or even marked for removal: it is on the disk), and the version stays dpkg's string. Not libguestfs's
// guestfs_inspect_list_applications2, which does not fit an --expect verdict: its deb
// reader (lib/inspect-apps.c) takes any Status holding "installed" as installed, so
// half-installed and not-installed packages pass; it splits the version at the first '-'
// (dpkg: the last), and reads status lines through a 1024-byte fgets buffer.
std::map<std::string, InstalledPackage> parse_dpkg_status(const std::string& text);
std::vector<std::string> parse_sources(const std::string& file, const std::string& text);
bool is_kernel_device_name(const std::string& device);

// Human-readable listing (one fact per line); report.hpp has the JSON form.
std::string facts_to_text(const DiskFacts& facts);

}  // namespace imgbuild::inspect
