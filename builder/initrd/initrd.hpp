// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Installer initrds: build the small cpio that imgbuild appends to them, and read members
// back out of them. The original initrd bytes are never rewritten: the Linux kernel
// unpacks every (compressed) cpio archive concatenated into the initrd, later files
// replacing earlier ones, so appending is enough and keeps the base image's bytes intact.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::initrd {

struct Member {
  std::string path;     // relative, e.g. "preseed.cfg" or "usr/lib/imgbuild/hook"
  std::string content;
  std::uint32_t mode = 0644;  // permission bits only; the file type is always regular
};

// A newc cpio compressed with gzip (no timestamp, no name), every entry with the given
// mtime, uid/gid 0, deterministic inode numbers and nlink, parent directories (0755)
// added before their files, sorted by path. The same input gives the same bytes on every
// machine, run, TZ and umask. Append it to the original initrd bytes.
// A member path that is empty, absolute, contains "." / ".." components or appears twice
// is an Error.
std::string make_appendix(const std::vector<Member>& members, std::int64_t mtime);

enum class Format { gzip, xz, lzma, zstd, bzip2, lz4, cpio };

// Identifies an initrd (or one of its segments) from its first bytes (8 are enough).
// Anything else throws Error(subject, "not an initrd: ...").
Format detect_format(std::string_view head, const std::string& subject);
const char* format_name(Format format);

// Whether a cpio may be appended to an initrd whose (last) segment has this format and the
// kernel still unpack both. Not for lz4: the kernel's unlz4 reads legacy-lz4 chunks up to the
// end of the initrd, so an appended gzip makes it fail ("Initramfs unpacking failed: Decoding
// failed", seen with Debian 12's i386 kernel under QEMU) and the installer cannot start.
bool can_append_to(Format format);
// Throws Error(subject, ...) when can_append_to(format) is false.
void check_appendable(Format format, const std::string& subject);

// Reads one member (e.g. "preseed.cfg" or "var/lib/dpkg/info/netcfg.templates") out of an
// initrd file, looking through ALL concatenated segments (compressed or not); when the
// member occurs several times the last one wins, as when the kernel unpacks it.
// nullopt when absent. A member larger than max_size, a file that is not an initrd, or a
// corrupt/truncated segment is an Error naming the file.
std::optional<std::string> read_member(const std::string& initrd_path, const std::string& member,
                                       std::uint64_t max_size);

// The same, over initrd bytes already in memory (subject names them in errors).
std::optional<std::string> read_member_from_bytes(std::string_view initrd, const std::string& member,
                                                  std::uint64_t max_size,
                                                  const std::string& subject);

// Every regular-file member of initrd bytes in memory whose normalised path ("./a" and
// "/a" become "a") the filter accepts, path -> content, last copy winning; e.g. all "var/lib/dpkg/info/*.templates"
// (the installer builds templates.dat from those at boot: it is not in the initrd).
// Their total size is bounded by max_total (Error beyond).
using MemberFilter = std::function<bool(const std::string& path)>;
std::map<std::string, std::string> read_members_from_bytes(std::string_view initrd,
                                                           const MemberFilter& wanted,
                                                           std::uint64_t max_total,
                                                           const std::string& subject);

}  // namespace imgbuild::initrd
