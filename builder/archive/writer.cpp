// SPDX-License-Identifier: GPL-2.0-or-later
#include "archive/writer.hpp"

#include "util/error.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <new>

namespace imgbuild::archive {

namespace {

struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using WriteHandle = std::unique_ptr<struct archive, WriteDeleter>;
using EntryHandle = std::unique_ptr<archive_entry, EntryDeleter>;

la_ssize_t append_to_string(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// A writer of gzip'd `format` into `out`: no timestamp in the gzip header (the bytes must
// not depend on when they were made) and no padding after the gzip stream, so `gzip -t`
// and the kernel see exactly one member and nothing after it.
class GzipWriter {
 public:
  GzipWriter(std::string& out, std::string subject, int (*set_format)(struct archive*))
      : m_handle(archive_write_new()), m_subject(std::move(subject)) {
    if (!m_handle) throw std::bad_alloc();
    check(set_format(m_handle.get()), "format");
    check(archive_write_add_filter_gzip(m_handle.get()), "gzip filter");
    check(archive_write_set_filter_option(m_handle.get(), "gzip", "timestamp", nullptr), "gzip options");
    check(archive_write_set_bytes_per_block(m_handle.get(), 0), "block size");
    check(archive_write_set_bytes_in_last_block(m_handle.get(), 1), "last block size");
    check(archive_write_open(m_handle.get(), &out, nullptr, append_to_string, nullptr), "open");
  }

  void add(archive_entry* entry, std::string_view content) {
    check(archive_write_header(m_handle.get(), entry), "write header");
    if (content.empty()) return;
    la_ssize_t written = archive_write_data(m_handle.get(), content.data(), content.size());
    if (written < 0 || static_cast<std::size_t>(written) != content.size()) fail("write data");
  }

  void close() { check(archive_write_close(m_handle.get()), "close"); }

 private:
  void check(int status, const char* step) {
    if (status != ARCHIVE_OK) fail(step);
  }
  [[noreturn]] void fail(const char* step) {
    const char* text = archive_error_string(m_handle.get());
    throw Error(m_subject, std::string(step) + ": " + (text ? text : "unknown libarchive error"), {}, 3);
  }

  WriteHandle m_handle;
  std::string m_subject;
};

EntryHandle new_entry() {
  EntryHandle entry(archive_entry_new());
  if (!entry) throw std::bad_alloc();
  return entry;
}

}  // namespace

std::string gzip_newc_cpio(const std::vector<CpioEntry>& entries, const std::string& subject) {
  std::string out;
  GzipWriter writer(out, subject, archive_write_set_format_cpio_newc);
  for (const CpioEntry& item : entries) {
    EntryHandle entry = new_entry();
    archive_entry_set_pathname(entry.get(), item.path.c_str());
    archive_entry_set_filetype(entry.get(), item.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), item.permissions);
    archive_entry_set_size(entry.get(), item.directory ? 0 : static_cast<la_int64_t>(item.content.size()));
    archive_entry_set_mtime(entry.get(), item.mtime, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_ino64(entry.get(), item.inode);
    archive_entry_set_nlink(entry.get(), item.nlink);
    archive_entry_set_dev(entry.get(), 0);
    archive_entry_set_rdev(entry.get(), 0);
    writer.add(entry.get(), item.directory ? std::string_view() : item.content);
  }
  writer.close();
  return out;
}

std::string gzip_reproducible(std::string_view data) {
  std::string out;
  // The raw format writes the one entry's bytes and no name.
  GzipWriter writer(out, "gzip", archive_write_set_format_raw);
  EntryHandle entry = new_entry();
  archive_entry_set_pathname(entry.get(), "data");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  writer.add(entry.get(), data);
  writer.close();
  return out;
}

}  // namespace imgbuild::archive
