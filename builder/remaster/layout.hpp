// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "bootmenu/bootmenu.hpp"
#include "iso/volume.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace imgbuild::iso {
class Reader;
}

namespace imgbuild::remaster {

// Installer menus of the disc, by boot loader; a disc may have both (BIOS isolinux + UEFI grub).
struct Menus {
  std::optional<bootmenu::MenuTree> isolinux;
  std::optional<bootmenu::MenuTree> grub;
  bool has_installer() const;
};

// Whether a loader's menus (when the disc has them) hold a Debian installer entry.
bool has_installer(const std::optional<bootmenu::MenuTree>& tree);

// What a remaster plan needs to know about the base disc, read once: everything after
// this is decided without touching the image (see plan.hpp).
struct BaseLayout {
  std::string base_path;
  iso::VolumeInfo volume;
  std::set<std::string> files;        // ISO paths of regular files
  Menus menus;
  std::string release;                // from /.disk/info ("etch", "bookworm"), or ""
  std::optional<std::string> md5sums;  // /md5sum.txt, when the disc has one
  // The first bytes of every installer kernel (its boot protocol header: the command line
  // limit) and initrd (its compression format) the menus name, by ISO path.
  std::map<std::string, std::string> heads;
  // The disc's own package indices (dists/<suite>/<component>/binary-<arch>/Packages*),
  // one per directory, uncompressed preferred.
  std::vector<std::string> package_indices;
};

// Reads the layout; Error (exit 2) when a menu is malformed or too large.
BaseLayout read_layout(const iso::Reader& reader);

// Bytes of a kernel head that hold the boot protocol header, and of an initrd head that
// identify its format.
inline constexpr std::size_t k_kernel_head_size = 0x240;
inline constexpr std::size_t k_initrd_head_size = 8;

}  // namespace imgbuild::remaster
