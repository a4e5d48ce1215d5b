// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Read-only access to an installed system on a disk image. The libguestfs implementation
// (guestfs_guest.hpp) boots a small appliance to read the disk; the facts and the judging
// built on top (facts.hpp, expect.hpp) only see this interface, so they are unit-tested
// with an in-memory guest.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::inspect {

// What the operating-system inspection found (libguestfs inspect_*).
struct OsInfo {
  std::string type;          // "linux"
  std::string distribution;  // "debian"
  int major_version = 0;
  int minor_version = 0;
  std::string arch;          // "x86_64", "i386"
  std::string product_name;  // "12.8"
  std::string hostname;
  std::string root_device;   // the root filesystem's device, e.g. "/dev/sda1"
};

struct FilesystemInfo {
  std::string device;  // "/dev/sda1" (appliance names: the disk is always sda there)
  std::string type;    // "ext4", "swap", "unknown"
  std::string uuid;
  std::string label;
};

class Guest {
 public:
  virtual ~Guest() = default;
  virtual OsInfo os() = 0;
  // A file of the installed system (absolute path), or nullopt when absent/not a file.
  virtual std::optional<std::string> read_file(const std::string& path) = 0;
  // Names in a directory (not "." or ".."), empty when it does not exist.
  virtual std::vector<std::string> list_dir(const std::string& path) = 0;
  virtual std::vector<FilesystemInfo> filesystems() = 0;
  // Whole disks, e.g. {"/dev/sda"}.
  virtual std::vector<std::string> disks() = 0;
  // `count` bytes of a device from `offset` (boot sectors, the post-MBR gap).
  virtual std::string read_device(const std::string& device, int count, std::int64_t offset) = 0;
};

}  // namespace imgbuild::inspect
