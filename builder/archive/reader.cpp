// SPDX-License-Identifier: GPL-2.0-or-later
#include "archive/reader.hpp"

#include "util/error.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <new>

namespace imgbuild::archive {

struct Reader::Handle {
  struct archive* archive = nullptr;
  ~Handle() {
    if (archive) archive_read_free(archive);
  }
};

const char* filter_name(Filter filter) {
  switch (filter) {
    case Filter::gzip: return "gzip";
    case Filter::xz: return "xz";
    case Filter::lzma: return "lzma";
    case Filter::zstd: return "zstd";
    case Filter::bzip2: return "bzip2";
    case Filter::lz4: return "lz4";
  }
  return "?";
}

namespace {

int enable_format(struct archive* a, Format format) {
  switch (format) {
    case Format::iso9660: return archive_read_support_format_iso9660(a);
    case Format::ar: return archive_read_support_format_ar(a);
    case Format::tar: return archive_read_support_format_tar(a);
    case Format::raw: return archive_read_support_format_raw(a);
    case Format::empty: return archive_read_support_format_empty(a);
  }
  return ARCHIVE_FATAL;
}

int enable_filter(struct archive* a, Filter filter) {
  switch (filter) {
    case Filter::gzip: return archive_read_support_filter_gzip(a);
    case Filter::xz: return archive_read_support_filter_xz(a);
    case Filter::lzma: return archive_read_support_filter_lzma(a);
    case Filter::zstd: return archive_read_support_filter_zstd(a);
    case Filter::bzip2: return archive_read_support_filter_bzip2(a);
    case Filter::lz4: return archive_read_support_filter_lz4(a);
  }
  return ARCHIVE_FATAL;
}

}  // namespace

Reader::Reader(std::initializer_list<Format> formats, std::initializer_list<Filter> filters)
    : m_handle(std::make_unique<Handle>()) {
  m_handle->archive = archive_read_new();
  if (!m_handle->archive) throw std::bad_alloc();
  for (Format format : formats)
    if (enable_format(m_handle->archive, format) != ARCHIVE_OK)
      throw Error("libarchive", "cannot enable an archive format: " + error_text(), {}, 3);
  for (Filter filter : filters)
    // ARCHIVE_WARN means "will run an external program": refused like a missing decoder.
    if (enable_filter(m_handle->archive, filter) != ARCHIVE_OK)
      throw Error("libarchive", std::string("no built-in ") + filter_name(filter) + " decompressor",
                  "install a libarchive built with it", 3);
}

Reader::~Reader() = default;
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;

bool Reader::open_file(const std::string& path, std::size_t block_size) {
  return archive_read_open_filename(m_handle->archive, path.c_str(), block_size) == ARCHIVE_OK;
}

bool Reader::open_memory(std::string_view bytes) {
  return archive_read_open_memory(m_handle->archive, bytes.data(), bytes.size()) == ARCHIVE_OK;
}

Reader::Status Reader::next_entry() {
  archive_entry* header = nullptr;
  int status = archive_read_next_header(m_handle->archive, &header);
  if (status == ARCHIVE_EOF) return Status::end;
  if (status < ARCHIVE_WARN || !header) return Status::failed;
  const char* path = archive_entry_pathname(header);
  m_entry.path = path ? path : "";
  switch (archive_entry_filetype(header)) {
    case AE_IFREG: m_entry.type = EntryType::regular; break;
    case AE_IFDIR: m_entry.type = EntryType::directory; break;
    case AE_IFLNK: m_entry.type = EntryType::symlink; break;
    default: m_entry.type = EntryType::other; break;
  }
  m_entry.size = archive_entry_size(header);
  const char* symlink = archive_entry_symlink(header);
  m_entry.symlink_target = symlink ? symlink : "";
  const char* hardlink = archive_entry_hardlink(header);
  m_entry.hardlink_target = hardlink ? hardlink : "";
  m_entry.permissions = archive_entry_perm(header);
  return Status::ok;
}

std::ptrdiff_t Reader::read_data(void* buffer, std::size_t size) {
  la_ssize_t n = archive_read_data(m_handle->archive, buffer, size);
  return n < 0 ? -1 : static_cast<std::ptrdiff_t>(n);
}

Reader::Status Reader::read_block(std::string_view& block) {
  const void* data = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int status = archive_read_data_block(m_handle->archive, &data, &size, &offset);
  if (status == ARCHIVE_EOF) return Status::end;
  if (status != ARCHIVE_OK && status != ARCHIVE_WARN) return Status::failed;
  block = std::string_view(static_cast<const char*>(data), data ? size : 0);
  return Status::ok;
}

std::int64_t Reader::input_bytes_consumed() const {
  return archive_filter_bytes(m_handle->archive, -1);
}

std::string Reader::error_text() const {
  const char* text = archive_error_string(m_handle->archive);
  return text ? text : "unknown libarchive error";
}

}  // namespace imgbuild::archive
