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

// How the output holds the base.
enum class Layout {
  // A new image written from start to end: the base's files that stay are copied into it,
  // the replaced ones are gone. The smallest output; time and bytes written follow the
  // size of the base.
  compact,
  // The base cloned into the output (sharing its extents where the filesystem can), then
  // a new session grown after it holding only the new and changed files, a new directory
  // tree and boot catalog, and new volume descriptors and system area at the start
  // (libisoburn's growing of an image on overwritable media). Time and bytes written
  // follow the size of the change; the replaced files' old bytes stay in the image,
  // unreferenced.
  append,
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
  Layout layout = Layout::compact;
  // Called a few times a second with the bytes written so far (append: after the clone).
  std::function<void(std::uint64_t bytes_written)> progress;
};

// Writes a new image: the base's tree with the grafts applied, keeping the base's boot
// setup (every El Torito entry, boot-info tables, the system area: isohybrid MBR, GPT with
// its backup header at the new end, GRUB2 MBR, partitions), through libisoburn's xorriso
// API in-process, in the chosen layout. Throws Error with libisoburn's own message on
// failure.
void write_remastered(const WriteOptions& options);

}  // namespace imgbuild::iso
