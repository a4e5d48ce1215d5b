// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "iso/boot_report.hpp"
#include "iso/volume.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace imgbuild::iso {
class Reader;
}

namespace imgbuild::manifest {

// One entry of an image: regular files carry their XXH3-128, symlinks their target.
struct FileRecord {
  std::string path;
  char type = 'f';            // 'f' file, 'd' directory, 'l' symlink
  std::uint64_t size = 0;
  std::string xxh128;         // files only
  std::string link_target;    // symlinks only
};

struct Manifest {
  iso::VolumeInfo volume;
  std::vector<FileRecord> files;   // sorted by path
  iso::BootReport boot;
};

// Streams every file of the image once (memory stays flat in the image size).
Manifest compute(const iso::Reader& reader);

// "xxh128  size  path" per regular file, "symlink  ->target  path" per symlink, sorted
// by path: the `imgbuild manifest` output, stable enough to diff with standard tools.
std::string format_lines(const Manifest& manifest);

struct Difference {
  std::string what;   // "added", "removed", "changed", "boot", "volume"
  std::string path;   // file path, or the field / boot line concerned
  std::string detail;
};

// What differs between two images: files, boot setup, volume fields. Empty when equal.
std::vector<Difference> diff(const Manifest& a, const Manifest& b);

}  // namespace imgbuild::manifest
