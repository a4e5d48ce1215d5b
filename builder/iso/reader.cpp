// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/reader.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace imgbuild::iso {

namespace {

struct ArchiveReadDeleter {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
using ArchiveReadPtr = std::unique_ptr<archive, ArchiveReadDeleter>;

// libarchive walks the whole directory tree before the first entry; a hostile image with a
// directory loop or millions of entries is bounded here.
constexpr std::size_t k_max_entries = 2'000'000;

ArchiveReadPtr open_iso(const std::string& path) {
  ArchiveReadPtr handle(archive_read_new());
  if (!handle) throw std::bad_alloc();
  archive_read_support_format_iso9660(handle.get());
  if (archive_read_open_filename(handle.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(path, std::string("cannot read as ISO 9660: ") + archive_error_string(handle.get()),
                "is this an installer .iso?");
  return handle;
}

[[noreturn]] void throw_archive_error(const std::string& path, archive* handle) {
  const char* text = archive_error_string(handle);
  throw Error(path, std::string("damaged ISO image: ") + (text ? text : "unknown libarchive error"),
              "download the image again");
}

}  // namespace

std::string normalise_iso_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

Reader::Reader(std::string path) : m_path(std::move(path)), m_volume(read_volume_info(m_path)) {}

const std::vector<Entry>& Reader::entries() const {
  if (m_entries) return *m_entries;
  auto handle = open_iso(m_path);
  std::vector<Entry> entries;
  archive_entry* entry = nullptr;
  for (;;) {
    int status = archive_read_next_header(handle.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) throw_archive_error(m_path, handle.get());
    if (entries.size() >= k_max_entries)
      throw Error(m_path, "more than " + std::to_string(k_max_entries) + " entries", "the image is damaged");
    Entry e;
    e.path = normalise_iso_path(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
    e.is_dir = archive_entry_filetype(entry) == AE_IFDIR;
    e.is_symlink = archive_entry_filetype(entry) == AE_IFLNK;
    if (e.is_symlink && archive_entry_symlink(entry)) e.symlink_target = archive_entry_symlink(entry);
    if (archive_entry_hardlink(entry)) e.hardlink_target = normalise_iso_path(archive_entry_hardlink(entry));
    e.size = e.is_dir ? 0 : static_cast<std::uint64_t>(archive_entry_size(entry));
    e.mode = archive_entry_perm(entry);
    if (e.path != "/") entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  m_entries = std::move(entries);
  return *m_entries;
}

const Entry* Reader::find(const std::string& iso_path) const {
  const auto& all = entries();
  std::string wanted = normalise_iso_path(iso_path);
  auto it = std::lower_bound(all.begin(), all.end(), wanted,
                             [](const Entry& e, const std::string& p) { return e.path < p; });
  return it != all.end() && it->path == wanted ? &*it : nullptr;
}

void Reader::stream_files(const std::set<std::string>& iso_paths, const Sink& sink) const {
  if (iso_paths.empty()) return;
  // A hard-linked file's bytes come with the entry its link names: read that one and
  // hand them out under every name asked for.
  std::multimap<std::string, std::string> names_by_data_path;
  for (const auto& p : iso_paths) {
    std::string path = normalise_iso_path(p);
    const Entry* e = find(path);
    std::string data_path = e && !e->hardlink_target.empty() ? e->hardlink_target : path;
    names_by_data_path.emplace(data_path, path);
  }
  std::set<std::string> wanted;
  for (const auto& [data_path, name] : names_by_data_path) wanted.insert(data_path);
  auto handle = open_iso(m_path);
  archive_entry* entry = nullptr;
  std::vector<char> buffer(1 << 20);
  std::size_t seen = 0;
  while (seen < wanted.size()) {
    int status = archive_read_next_header(handle.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) throw_archive_error(m_path, handle.get());
    if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry)) continue;
    std::string path = normalise_iso_path(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
    if (!wanted.count(path)) continue;
    ++seen;
    for (;;) {
      la_ssize_t n = archive_read_data(handle.get(), buffer.data(), buffer.size());
      if (n < 0) throw_archive_error(m_path, handle.get());
      if (n == 0) break;
      auto names = names_by_data_path.equal_range(path);
      for (auto it = names.first; it != names.second; ++it)
        sink(it->second, buffer.data(), static_cast<std::size_t>(n), false);
    }
    auto names = names_by_data_path.equal_range(path);
    for (auto it = names.first; it != names.second; ++it) sink(it->second, nullptr, 0, true);
  }
}

std::optional<std::string> Reader::read_file(const std::string& iso_path, std::uint64_t max_size) const {
  const Entry* e = find(iso_path);
  if (!e || e->is_dir || e->is_symlink) return std::nullopt;
  if (e->size > max_size)
    throw Error(m_path + ":" + e->path, "is " + std::to_string(e->size) + " bytes, more than the " +
                                            std::to_string(max_size) + " expected for it",
                "is this a regular installer image?");
  std::string content;
  content.reserve(static_cast<std::size_t>(e->size));
  stream_files({e->path}, [&](const std::string&, const char* data, std::size_t size, bool) {
    if (content.size() + size > max_size)
      throw Error(m_path + ":" + e->path, "is larger than its directory record says", "the image is damaged");
    content.append(data, size);
  });
  return content;
}

void Reader::extract_file(const std::string& iso_path, const std::string& local_path) const {
  util::Fd out(::open(local_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) throw Error(local_path, std::string("cannot create: ") + std::strerror(errno), "", 3);
  bool found = false;
  stream_files({iso_path}, [&](const std::string&, const char* data, std::size_t size, bool last) {
    found = true;
    (void)last;
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::write(out.get(), data + done, size - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        throw Error(local_path, std::string("cannot write: ") + std::strerror(err),
                    err == ENOSPC ? "free some space in $TMPDIR" : "", 3);
      }
      done += static_cast<std::size_t>(n);
    }
  });
  if (!found) throw Error(m_path, "has no file " + iso_path, "is this the right image?");
}

}  // namespace imgbuild::iso
