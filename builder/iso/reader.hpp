// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "iso/volume.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace imgbuild::iso {

// One file, directory or symlink of an ISO, with Rock Ridge names where the disc has them.
struct Entry {
  std::string path;            // absolute ISO path, "/isolinux/isolinux.cfg"
  std::uint64_t size = 0;
  bool is_dir = false;
  bool is_symlink = false;
  std::string symlink_target;
  std::string hardlink_target; // libarchive gives a file's data once; later links name it
  std::uint32_t mode = 0;      // permission bits (Rock Ridge), 0 when the disc has none
};

// Reads ISO 9660 images through libarchive (Rock Ridge and Joliet names). Construction
// checks that the file is a complete ISO image and throws Error naming it otherwise.
class Reader {
 public:
  explicit Reader(std::string path);

  const std::string& path() const { return m_path; }
  const VolumeInfo& volume() const { return m_volume; }

  // Every entry, sorted by path. Read once, on first use.
  const std::vector<Entry>& entries() const;
  const Entry* find(const std::string& iso_path) const;

  // A small file's content; nullopt when absent or not a regular file. Larger than
  // max_size is an Error (a 40 MB "isolinux.cfg" is not a menu).
  std::optional<std::string> read_file(const std::string& iso_path, std::uint64_t max_size) const;

  // Streams the listed files in one pass over the image; `sink` gets each file's path and
  // its bytes chunk by chunk (the last call for a file has `last` set, possibly with no bytes).
  // With `head_bytes`, at least that many of each file's first bytes (fewer when the file
  // is shorter), not necessarily all: the rest of the file is skipped, not read.
  using Sink = std::function<void(const std::string& iso_path, const char* data, std::size_t size, bool last)>;
  static constexpr std::uint64_t k_whole_file = ~std::uint64_t{0};
  void stream_files(const std::set<std::string>& iso_paths, const Sink& sink,
                    std::uint64_t head_bytes = k_whole_file) const;

  // Copies one file out to a local path (streamed, any size).
  void extract_file(const std::string& iso_path, const std::string& local_path) const;

 private:
  std::string m_path;
  VolumeInfo m_volume;
  mutable std::optional<std::vector<Entry>> m_entries;
};

// "/a/b/../c" and "a//c" to "/a/c": the form used for every ISO path in imgbuild.
std::string normalise_iso_path(const std::string& path);

}  // namespace imgbuild::iso
