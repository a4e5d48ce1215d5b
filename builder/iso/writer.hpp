// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace imgbuild::iso {

// A local file or directory tree to put at an ISO path (added, or replacing what is there).
struct Graft {
  std::string local_path;
  std::string iso_path;
};

struct WriteOptions {
  std::string base_path;                 // the ISO being remastered; never modified
  std::string output_path;               // an existing EMPTY file (AtomicOutput's temp file)
  // Every graft gets owner root:root, so the output does not depend on the builder's uid.
  // Modes come from the local files: the caller stages them with normalised modes.
  std::vector<Graft> grafts;
  std::int64_t timestamp = 0;            // every date of the new image (UTC seconds)
  bool joliet = false;                   // keep the base's Joliet tree
  int iso_level = 3;                     // 1 and 2 cannot hold files of 4 GiB or more
  std::function<void(std::uint64_t bytes_written)> progress;  // called a few times a second
};

// Writes a new image: the base's tree with the grafts applied, keeping the base's boot
// setup (every El Torito entry, boot-info tables, the system area: isohybrid MBR, GPT,
// GRUB2 MBR, partitions), through libisoburn's xorriso API in-process. Throws Error with
// libisoburn's own message on failure.
void write_remastered(const WriteOptions& options);

}  // namespace imgbuild::iso
