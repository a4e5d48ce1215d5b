// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/reader.hpp"

#include "archive/reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/io_chunk.hpp"

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

// libarchive walks the whole directory tree before the first entry; a hostile image with a
// directory loop or millions of entries is bounded here.
constexpr std::size_t k_max_entries = 2'000'000;

archive::Reader open_iso(const std::string& path) {
  archive::Reader reader({archive::Format::iso9660}, {});
  if (!reader.open_file(path, 1 << 16))
    throw Error(path, "cannot read as ISO 9660: " + reader.error_text(), "is this an installer .iso?");
  return reader;
}

[[noreturn]] void throw_archive_error(const std::string& path, const archive::Reader& reader) {
  throw Error(path, "damaged ISO image: " + reader.error_text(), "download the image again");
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
  auto reader = open_iso(m_path);
  std::vector<Entry> entries;
  for (;;) {
    archive::Reader::Status status = reader.next_entry();
    if (status == archive::Reader::Status::end) break;
    if (status == archive::Reader::Status::failed) throw_archive_error(m_path, reader);
    if (entries.size() >= k_max_entries)
      throw Error(m_path, "more than " + std::to_string(k_max_entries) + " entries", "the image is damaged");
    const archive::Entry& header = reader.entry();
    Entry e;
    e.path = normalise_iso_path(header.path);
    e.is_dir = header.type == archive::EntryType::directory;
    e.is_symlink = header.type == archive::EntryType::symlink;
    if (e.is_symlink) e.symlink_target = header.symlink_target;
    if (!header.hardlink_target.empty()) e.hardlink_target = normalise_iso_path(header.hardlink_target);
    e.size = e.is_dir ? 0 : static_cast<std::uint64_t>(header.size);
    e.mode = header.permissions;
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

void Reader::stream_files(const std::set<std::string>& iso_paths, const Sink& sink, std::uint64_t head_bytes) const {
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
  auto reader = open_iso(m_path);
  util::IoBuffer buffer;
  std::size_t seen = 0;
  while (seen < wanted.size()) {
    archive::Reader::Status status = reader.next_entry();
    if (status == archive::Reader::Status::end) break;
    if (status == archive::Reader::Status::failed) throw_archive_error(m_path, reader);
    const archive::Entry& header = reader.entry();
    if (header.type != archive::EntryType::regular || !header.hardlink_target.empty()) continue;
    std::string path = normalise_iso_path(header.path);
    if (!wanted.count(path)) continue;
    ++seen;
    // The next entry's header skips what is left of this file's data (a seek, not a read:
    // an installer initrd's 8-byte head is not worth its 50 MB).
    for (std::uint64_t got = 0; got < head_bytes;) {
      std::ptrdiff_t n = reader.read_data(buffer.chars(), buffer.size());
      if (n < 0) throw_archive_error(m_path, reader);
      if (n == 0) break;
      got += static_cast<std::uint64_t>(n);
      auto names = names_by_data_path.equal_range(path);
      for (auto it = names.first; it != names.second; ++it)
        sink(it->second, buffer.chars(), static_cast<std::size_t>(n), false);
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
