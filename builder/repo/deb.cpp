// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/deb.hpp"

#include "archive/reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <optional>
#include <vector>

namespace imgbuild::repo {

namespace {

// A control.tar is a few kB; anything near this is not a control archive.
constexpr std::size_t k_max_control_tar = 64u << 20;

// Reads the current entry's data, refusing more than `limit` bytes.
std::string read_entry_data(archive::Reader& reader, std::size_t limit, const std::string& subject,
                            const std::string& what) {
  std::string data;
  char buffer[65536];
  for (;;) {
    std::ptrdiff_t n = reader.read_data(buffer, sizeof buffer);
    if (n < 0) throw Error(subject, what + ": " + reader.error_text(), "is the file truncated?");
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
    if (data.size() > limit)
      throw Error(subject, what + " is larger than " + std::to_string(limit >> 20) + " MiB",
                  "not a Debian package?");
  }
  return data;
}

std::string strip_dot_slash(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  return name;
}

// The decompressor a .deb member needs, by its name: what dpkg-deb(1) writes and reads
// (control.tar: none, gzip, xz, zstd; data.tar also bzip2 and lzma). Nothing else is
// enabled, so a member that claims one compression and holds another is unreadable rather
// than handed to whatever libarchive would recognise.
struct MemberCompression {
  bool known = false;
  std::optional<archive::Filter> filter;
};

MemberCompression compression_of(const std::string& name, const std::string& stem) {
  if (name == stem) return {true, std::nullopt};
  static const std::pair<const char*, archive::Filter> k_control[] = {
      {".gz", archive::Filter::gzip}, {".xz", archive::Filter::xz}, {".zst", archive::Filter::zstd}};
  static const std::pair<const char*, archive::Filter> k_data_only[] = {
      {".bz2", archive::Filter::bzip2}, {".lzma", archive::Filter::lzma}};
  for (const auto& [suffix, filter] : k_control)
    if (name == stem + suffix) return {true, filter};
  if (stem == "data.tar")
    for (const auto& [suffix, filter] : k_data_only)
      if (name == stem + suffix) return {true, filter};
  return {};
}

struct ControlTar {
  std::string bytes;
  std::optional<archive::Filter> filter;
};

// Finds `member` (e.g. "control", "templates") inside the (compressed) control tarball.
std::optional<std::string> member_from_control_tar(const ControlTar& tar, const std::string& path,
                                                   const std::string& member) {
  archive::Reader reader = tar.filter ? archive::Reader({archive::Format::tar}, {*tar.filter})
                                      : archive::Reader({archive::Format::tar}, {});
  if (!reader.open_memory(tar.bytes))
    throw Error(path, "control archive: " + reader.error_text(), "not a Debian package?");
  for (;;) {
    archive::Reader::Status status = reader.next_entry();
    if (status == archive::Reader::Status::end) break;
    if (status == archive::Reader::Status::failed)
      throw Error(path, "control archive: " + reader.error_text(), "is the file truncated?");
    // A tar entry may have no name at all (hostile or damaged archive): never a match.
    const std::string& entry_name = reader.entry().path;
    if (!entry_name.empty() && strip_dot_slash(entry_name) == member)
      return read_entry_data(reader, 4u << 20, path, "DEBIAN/" + member);
  }
  return std::nullopt;
}

[[noreturn]] void unknown_compression(const std::string& path, const std::string& name) {
  throw Error(path, "member " + name + " is compressed in a way dpkg cannot unpack",
              "build the package with dpkg-deb -Zgzip, -Zxz or -Zzstd");
}

// The control.tar[.gz|.xz|.zst] member of a .deb/.udeb, after checking it is one. The
// data member is only checked by name (imgbuild copies it, dpkg unpacks it).
ControlTar control_tar(const std::string& path) {
  archive::Reader reader({archive::Format::ar}, {});
  // Opening reads the first header: a missing file and a non-archive fail here.
  util::open_for_reading(path, "package file");
  if (!reader.open_file(path, 65536))
    throw Error(path, "not a Debian package (" + reader.error_text() + ")", "pass .deb files only");
  std::optional<ControlTar> control;
  int member = 0;
  for (;;) {
    archive::Reader::Status status = reader.next_entry();
    if (status == archive::Reader::Status::end) break;
    if (status == archive::Reader::Status::failed) {
      if (member == 0)
        throw Error(path, "not a Debian package (not an ar archive)", "pass .deb files only");
      throw Error(path, reader.error_text(), "is the file truncated?");
    }
    std::string name = reader.entry().path;
    if (!name.empty() && name.back() == '/') name.pop_back();  // GNU ar name terminator
    if (member == 0) {
      std::string magic = read_entry_data(reader, 64, path, "debian-binary");
      if (name != "debian-binary" || magic.rfind("2.", 0) != 0)
        throw Error(path, "not a Debian binary package (first member is \"" + name + "\")",
                    "pass .deb files only");
    } else if (!control && name.rfind("control.tar", 0) == 0) {
      MemberCompression compression = compression_of(name, "control.tar");
      if (!compression.known) unknown_compression(path, name);
      control = ControlTar{read_entry_data(reader, k_max_control_tar, path, name), compression.filter};
    } else if (control && name.rfind("data.tar", 0) == 0) {
      if (!compression_of(name, "data.tar").known) unknown_compression(path, name);
      return std::move(*control);
    }
    ++member;
  }
  if (member == 0)
    throw Error(path, "not a Debian package (empty or not an ar archive)", "pass .deb files only");
  if (control) return std::move(*control);
  throw Error(path, "no control.tar member", "not a Debian binary package?");
}

}  // namespace

DebControl read_deb_control(const std::string& path) {
  auto control = member_from_control_tar(control_tar(path), path, "control");
  if (!control) throw Error(path, "control archive has no control file", "not a Debian binary package?");
  const std::string& control_text = *control;

  auto paragraphs = debformat::parse_paragraphs(control_text, path + ": DEBIAN/control");
  if (paragraphs.size() != 1)
    throw Error(path, "DEBIAN/control has " + std::to_string(paragraphs.size()) + " paragraphs, expected 1",
                "rebuild the package");
  DebControl out;
  out.paragraph = std::move(paragraphs.front());
  for (const char* field : {"Package", "Version", "Architecture"})
    if (out.paragraph.get_or(field).empty())
      throw Error(path, std::string("DEBIAN/control has no ") + field + " field", "rebuild the package");
  out.package = out.paragraph.get_or("Package");
  out.version = out.paragraph.get_or("Version");
  out.architecture = out.paragraph.get_or("Architecture");
  out.source = out.paragraph.get_or("Source", out.package);
  if (auto space = out.source.find(' '); space != std::string::npos) out.source.resize(space);
  return out;
}

std::optional<std::string> read_control_member(const std::string& path, const std::string& member) {
  return member_from_control_tar(control_tar(path), path, member);
}

std::string read_maybe_compressed(const std::string& path, std::size_t max_size) {
  // The compressions apt's index files come in ("raw" is what makes libarchive hand back
  // a compressed single file's bytes).
  archive::Reader reader({archive::Format::raw, archive::Format::empty},
                         {archive::Filter::gzip, archive::Filter::xz, archive::Filter::lzma,
                          archive::Filter::bzip2, archive::Filter::zstd, archive::Filter::lz4});
  if (!reader.open_file(path, 65536)) throw Error(path, "cannot open: " + reader.error_text(), "check the path");
  archive::Reader::Status status = reader.next_entry();
  if (status == archive::Reader::Status::end) return {};
  if (status == archive::Reader::Status::failed) throw Error(path, reader.error_text(), "is the file truncated?");
  return read_entry_data(reader, max_size, path, "contents");
}

}  // namespace imgbuild::repo
