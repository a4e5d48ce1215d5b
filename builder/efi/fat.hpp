// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A read-only reader of FAT12/16/32 file systems held in memory: the El Torito EFI
// image of an installer disc (/boot/grub/efi.img), where the firmware finds
// EFI/boot/bootx64.efi. Directory listing with long (VFAT) names, and file reads. Every
// offset, cluster chain and name taken from the image is checked: a hostile image gives
// an Error, never a read outside it or an endless chain.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::efi {

struct FatEntry {
  std::string path;           // "/EFI/boot/bootx64.efi", names as stored (long name when there is one)
  bool is_dir = false;
  std::uint32_t size = 0;
  std::uint32_t first_cluster = 0;
};

class FatImage {
 public:
  // `where` names the image in errors ("disc.iso:/boot/grub/efi.img"). Throws Error when
  // the boot sector does not describe a FAT file system that fits the bytes.
  FatImage(std::string bytes, std::string where);

  const std::string& type() const { return m_type; }  // "FAT12", "FAT16" or "FAT32"

  // One directory's entries ("/" the root), without "." and "..".
  std::vector<FatEntry> list(const std::string& dir_path) const;
  // Every file and directory, depth first, sorted by name within a directory.
  std::vector<FatEntry> walk() const;
  // Names are matched without regard to case, as the firmware does.
  std::optional<FatEntry> find(const std::string& path) const;
  // A file's content; Error when larger than max_size or its chain is broken.
  std::string read(const FatEntry& file, std::uint64_t max_size) const;

 private:
  std::vector<FatEntry> read_directory(const std::string& dir_path, std::uint32_t first_cluster) const;
  std::vector<std::uint32_t> chain(std::uint32_t first, std::uint64_t max_clusters) const;
  std::uint32_t next_cluster(std::uint32_t cluster) const;
  std::uint64_t cluster_offset(std::uint32_t cluster) const;

  std::string m_bytes;
  std::string m_where;
  std::string m_type;
  std::uint32_t m_bytes_per_sector = 0;
  std::uint32_t m_cluster_size = 0;
  std::uint64_t m_fat_offset = 0;
  std::uint64_t m_root_offset = 0;       // FAT12/16: the fixed root directory
  std::uint32_t m_root_entries = 0;
  std::uint32_t m_root_cluster = 0;      // FAT32
  std::uint64_t m_data_offset = 0;
  std::uint32_t m_clusters = 0;
};

}  // namespace imgbuild::efi
