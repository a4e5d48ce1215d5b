// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/deb.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <optional>

namespace imgbuild::repo {

namespace {

// A control.tar is a few kB; anything near this is not a control archive.
constexpr std::size_t k_max_control_tar = 64u << 20;

struct ReadArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ReadArchive = std::unique_ptr<archive, ReadArchiveDeleter>;
using WriteArchive = std::unique_ptr<archive, WriteArchiveDeleter>;

ReadArchive new_reader() {
  ReadArchive a(archive_read_new());
  if (!a) throw std::bad_alloc();
  return a;
}

std::string archive_problem(archive* a) {
  const char* message = archive_error_string(a);
  return message ? message : "unreadable archive";
}

// Reads the current entry's data, refusing more than `limit` bytes.
std::string read_entry_data(archive* a, std::size_t limit, const std::string& subject,
                            const std::string& what) {
  std::string data;
  char buffer[65536];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
    if (n < 0) throw Error(subject, what + ": " + archive_problem(a), "is the file truncated?");
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

// Finds `member` (e.g. "control", "templates") inside the (compressed) control tarball.
std::optional<std::string> member_from_control_tar(const std::string& tar_bytes, const std::string& path,
                                                   const std::string& member) {
  ReadArchive a = new_reader();
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tar_bytes.data(), tar_bytes.size()) != ARCHIVE_OK)
    throw Error(path, "control archive: " + archive_problem(a.get()), "not a Debian package?");
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw Error(path, "control archive: " + archive_problem(a.get()), "is the file truncated?");
    // A tar entry may have no name at all (hostile or damaged archive): never a match.
    const char* entry_name = archive_entry_pathname(entry);
    if (entry_name && strip_dot_slash(entry_name) == member)
      return read_entry_data(a.get(), 4u << 20, path, "DEBIAN/" + member);
  }
  return std::nullopt;
}

// The control.tar[.gz|.xz|.zst] member of a .deb/.udeb, after checking it is one.
std::string control_tar_bytes(const std::string& path) {
  ReadArchive a = new_reader();
  archive_read_support_format_ar(a.get());
  // Opening reads the first header: a missing file and a non-archive fail here.
  util::open_for_reading(path, "package file");
  if (archive_read_open_filename(a.get(), path.c_str(), 65536) != ARCHIVE_OK)
    throw Error(path, "not a Debian package (" + archive_problem(a.get()) + ")", "pass .deb files only");
  archive_entry* entry = nullptr;
  int member = 0;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      if (member == 0)
        throw Error(path, "not a Debian package (not an ar archive)", "pass .deb files only");
      throw Error(path, archive_problem(a.get()), "is the file truncated?");
    }
    const char* entry_name = archive_entry_pathname(entry);
    std::string name = entry_name ? entry_name : "";
    if (!name.empty() && name.back() == '/') name.pop_back();  // GNU ar name terminator
    if (member == 0) {
      std::string magic = read_entry_data(a.get(), 64, path, "debian-binary");
      if (name != "debian-binary" || magic.rfind("2.", 0) != 0)
        throw Error(path, "not a Debian binary package (first member is \"" + name + "\")",
                    "pass .deb files only");
    } else if (name == "control.tar" || name.rfind("control.tar.", 0) == 0) {
      return read_entry_data(a.get(), k_max_control_tar, path, name);
    }
    ++member;
  }
  if (member == 0)
    throw Error(path, "not a Debian package (empty or not an ar archive)", "pass .deb files only");
  throw Error(path, "no control.tar member", "not a Debian binary package?");
}

}  // namespace

DebControl read_deb_control(const std::string& path) {
  auto control = member_from_control_tar(control_tar_bytes(path), path, "control");
  if (!control) throw Error(path, "control archive has no control file", "not a Debian binary package?");
  const std::string& control_text = *control;

  auto paragraphs = parse_paragraphs(control_text, path + ": DEBIAN/control");
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
  return member_from_control_tar(control_tar_bytes(path), path, member);
}

std::string read_maybe_compressed(const std::string& path, std::size_t max_size) {
  ReadArchive a = new_reader();
  archive_read_support_filter_all(a.get());
  // "raw" is what makes libarchive hand back a compressed single file's bytes.
  archive_read_support_format_raw(a.get());
  archive_read_support_format_empty(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 65536) != ARCHIVE_OK)
    throw Error(path, "cannot open: " + archive_problem(a.get()), "check the path");
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(a.get(), &entry);
  if (r == ARCHIVE_EOF) return {};
  if (r < ARCHIVE_WARN) throw Error(path, archive_problem(a.get()), "is the file truncated?");
  return read_entry_data(a.get(), max_size, path, "contents");
}

std::string gzip_reproducible(std::string_view data) {
  WriteArchive a(archive_write_new());
  if (!a) throw std::bad_alloc();
  std::string out;
  auto fail = [&](const char* step) {
    return Error("gzip", std::string(step) + ": " + archive_problem(a.get()), "", 4);
  };
  if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK) throw fail("gzip filter");
  // No timestamp in the header: equal Packages give an equal Packages.gz. The raw format
  // writes no file name either.
  if (archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK)
    throw fail("gzip options");
  if (archive_write_set_format_raw(a.get()) != ARCHIVE_OK) throw fail("raw format");
  archive_write_set_bytes_in_last_block(a.get(), 1);  // no padding to a 10 kB block
  auto write_callback = [](archive*, void* client, const void* buffer, size_t length) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
  };
  if (archive_write_open2(a.get(), &out, nullptr, write_callback, nullptr, nullptr) != ARCHIVE_OK)
    throw fail("open");
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), "data");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) throw fail("header");
  if (!data.empty() && archive_write_data(a.get(), data.data(), data.size()) < 0) throw fail("data");
  if (archive_write_close(a.get()) != ARCHIVE_OK) throw fail("close");
  return out;
}

}  // namespace imgbuild::repo
