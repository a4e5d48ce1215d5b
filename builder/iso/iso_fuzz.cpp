// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as an ISO image. Two readers see them:
//  - parse_volume_descriptors on the bytes from sector 16 on (and on the raw input, so
//    short inputs reach the descriptor parser too);
//  - iso::Reader on the bytes as a file: volume check, entries() (libarchive walks every
//    directory record), find(), read_file() of the first files and of the menus imgbuild
//    looks for, then read_boot_report (libisoburn) on images the reader accepted.
//    Directory records that loop or point past the end must give an
//    imgbuild::Error, never a crash, a sanitizer report or a hang (-timeout).
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./iso_fuzz -max_total_time=60
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "iso/boot_report.hpp"
#include "iso/reader.hpp"
#include "iso/volume.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

using namespace imgbuild;

namespace {

// One in-memory file for the whole run (memfd: no disk writes), rewritten for every input.
// Reader opens it by path through /proc/self/fd, as it would open a downloaded ISO.
const std::string& image_path(int& fd_out) {
  static int fd = -1;
  static const std::string path = [] {
    fd = ::memfd_create("iso_fuzz", MFD_CLOEXEC);
    if (fd < 0) std::abort();
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  fd_out = fd;
  return path;
}

void write_image(const std::uint8_t* data, std::size_t size) {
  int fd = -1;
  (void)image_path(fd);
  if (::ftruncate(fd, 0) != 0) std::abort();
  if (::lseek(fd, 0, SEEK_SET) != 0) std::abort();
  util::write_all(fd, std::string_view(reinterpret_cast<const char*>(data), size), "fuzz input");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)iso::parse_volume_descriptors(bytes, "fuzz.iso");
  } catch (const Error&) {
  }
  const std::size_t from = iso::k_first_descriptor_sector * iso::k_sector_size;
  if (size > from) {
    try {
      (void)iso::parse_volume_descriptors(bytes.substr(from), "fuzz.iso");
    } catch (const Error&) {
    }
  }

  write_image(data, size);
  int fd = -1;
  const std::string& path = image_path(fd);
  try {
    iso::Reader reader(path);
    const auto& entries = reader.entries();
    int files_read = 0;
    for (const auto& e : entries) {
      if (e.path.empty() || e.path[0] != '/') std::abort();  // normalised paths only
      if (e.is_dir || e.is_symlink) continue;
      if (files_read++ >= 4) break;
      (void)reader.read_file(e.path, 1 << 20);
    }
    for (const char* menu : {"/isolinux/isolinux.cfg", "/boot/grub/grub.cfg", "/.disk/info", "/md5sum.txt"})
      (void)reader.read_file(menu, 1 << 20);
    // What inspect/diff/manifest do next: libisoburn loads the tree and reports the boot
    // setup (a directory loop used to hang here, in libisofs).
    (void)iso::read_boot_report(path);
  } catch (const Error&) {
  }
  return 0;
}
