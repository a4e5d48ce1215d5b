// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Writing the two archives imgbuild makes, through libarchive, byte for byte the same on
// every machine: a newc cpio compressed with gzip (what is appended to installer initrds)
// and plain gzip of one file (Packages.gz). Both gzip headers carry no timestamp and no
// name, and nothing pads the output to a block size.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::archive {

// One cpio entry, every field given by the caller so nothing of the build host (inode
// numbers, owners, link counts, clock) leaks into the output.
struct CpioEntry {
  std::string path;
  bool directory = false;
  std::uint32_t permissions = 0644;
  std::string_view content;  // regular files only
  std::int64_t mtime = 0;
  std::int64_t inode = 0;
  unsigned nlink = 1;
};

// The whole gzip'd newc cpio in memory, entries in the given order, uid/gid 0. Failures
// (out of memory) are an Error naming `subject`, exit 3.
std::string gzip_newc_cpio(const std::vector<CpioEntry>& entries, const std::string& subject);

// gzip of `data` with no file name and a zero timestamp.
std::string gzip_reproducible(std::string_view data);

}  // namespace imgbuild::archive
