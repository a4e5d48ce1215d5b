// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Reading .deb packages and compressed index files (through archive/).

#include "debformat/control.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::repo {

// The control paragraph of one binary package, with the fields the repository needs.
struct DebControl {
  debformat::Paragraph paragraph;   // DEBIAN/control as written by the packager, fields in order
  std::string package;
  std::string version;
  std::string architecture;
  std::string source;    // the Source field without its "(version)", or the package name
};

// Reads DEBIAN/control from a .deb: an ar archive whose first member is "debian-binary"
// ("2.x"), with control.tar, control.tar.gz, .xz or .zst. Throws Error naming `path` for
// anything else (not an ar archive, not a Debian package, no control file, no Package/
// Version/Architecture field).
DebControl read_deb_control(const std::string& path);

// Another member of the control archive of a .deb or .udeb, e.g. "templates" (the debconf
// questions the package asks); nullopt when the package has none.
std::optional<std::string> read_control_member(const std::string& path, const std::string& member);

// Reads a file that may be compressed (.gz, .xz, .bz2, .zst, or plain), e.g. a base disc's
// dists/*/binary-*/Packages.gz. Throws Error naming `path`.
std::string read_maybe_compressed(const std::string& path, std::size_t max_size = 512u << 20);

}  // namespace imgbuild::repo
