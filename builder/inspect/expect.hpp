// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `inspect-disk --expect PROFILE`: what an installed disk must look like, and the per-item
// verdict. A profile is a TOML file (read through config::Table; errors at FILE:LINE); the
// report lists the items in file order. Keys marked [] take a string or an array of strings.
//
//   distribution = "debian"            # guestfs inspection's distro
//   version = "12"                     # major, or "major.minor"
//   arch = "x86_64"
//   package = ["openssh-server"]       # [] installed (dpkg status "install ok installed")
//   kernel = "6.1.0-*-amd64"           # [] glob: some /boot/vmlinuz-<version> matches (with initrd)
//   grub-default-kernel = "*6.1.0-*-amd64"   # glob on the default entry's kernel path
//   grub-root = "uuid-or-label"        # default entry's root= is UUID=/LABEL=
//   grub-boot-sector = "mbr"           # GRUB boot code in the disk's MBR
//   fstab = "uuid-or-label"            # every auto-mounted fstab entry by UUID=/LABEL=
//   fstab-mount = ["/"]                # [] fstab has an entry for this mount point
//   esp = "vfat"                       # an EFI System Partition: fstab mounts a vfat
//                                      #   filesystem on /boot/efi by UUID, and it is on the disk
//   efi-file = ["EFI/debian/shimx64.efi"]   # [] this file is on the ESP (FAT: any case)
//   apt-source = ["file:/media/cdrom"] # [] some apt source line contains this text
//   firstboot = "done"                 # or "not-done"
//   firstboot-log = ["IMGBUILD:firstboot-done"]   # [] the hook's log contains this text

#include "inspect/facts.hpp"

#include <string>
#include <utility>
#include <vector>

namespace imgbuild::inspect {

struct Expectation {
  std::string key;
  std::string value;
  int line = 0;
};

struct Profile {
  std::string path;
  std::vector<Expectation> expectations;
};

// Throws Error "FILE:LINE: ..." for TOML syntax, an unknown key, a wrong type or value.
Profile parse_profile(const std::string& text, const std::string& path);
Profile load_profile(const std::string& path);

struct Verdict {
  std::string item;    // "package openssh-server"
  bool ok = false;
  std::string detail;  // what was found
};

std::vector<Verdict> judge(const DiskFacts& facts, const Profile& profile);
bool all_ok(const std::vector<Verdict>& verdicts);
// "ok   package openssh-server: 1:9.2p1-2+deb12u3" per line, then a summary line.
std::string verdicts_to_text(const std::vector<Verdict>& verdicts);

}  // namespace imgbuild::inspect
