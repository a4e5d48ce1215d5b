// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Reading archives (ISO 9660 images, ar packages, tar, single compressed files) through
// libarchive: the only module that includes its headers. A reader recognises exactly the
// formats and compression filters its caller names, never "everything": the bytes read
// here are untrusted (base discs, .debs, initrds), and libarchive's catch-all would also
// run external programs (lrzip, lzop, grzip, ...) on them.
//
// Failures are reported by status, with libarchive's text in error_text(): each caller
// knows what the file was meant to be and so how to word the error and its fix.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace imgbuild::archive {

enum class Format {
  iso9660,
  ar,     // the outer container of a .deb/.udeb
  tar,
  raw,    // a single (compressed) file: its decompressed bytes as one entry
  empty,  // an empty file as an archive with no entries
};

// libarchive's built-in decoders only; asking for one that this libarchive could run only
// through an external program is an Error (exit 3).
enum class Filter { gzip, xz, lzma, zstd, bzip2, lz4 };
const char* filter_name(Filter filter);

enum class EntryType { regular, directory, symlink, other };

// The header of the entry a Reader stands on.
struct Entry {
  std::string path;             // as stored; empty when the archive gives none
  EntryType type = EntryType::other;
  std::int64_t size = 0;        // as the header says (0 when it says nothing)
  std::string symlink_target;   // for symlinks
  std::string hardlink_target;  // set when the data is given with an earlier entry
  std::uint32_t permissions = 0;
};

class Reader {
 public:
  enum class Status { ok, end, failed };

  Reader(std::initializer_list<Format> formats, std::initializer_list<Filter> filters);
  ~Reader();
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Open reads the first header's bytes: false when the file cannot be read or is in none
  // of the formats (see error_text()). open_memory does not copy: `bytes` must outlive
  // the reader.
  [[nodiscard]] bool open_file(const std::string& path, std::size_t block_size = 65536);
  [[nodiscard]] bool open_memory(std::string_view bytes);

  // Steps to the next entry (a libarchive warning counts as ok, as in bsdtar).
  [[nodiscard]] Status next_entry();
  const Entry& entry() const { return m_entry; }

  // The current entry's data: bytes copied into `buffer`, 0 at its end, -1 on failure.
  [[nodiscard]] std::ptrdiff_t read_data(void* buffer, std::size_t size);
  // The same without a copy: the next block in `block` (valid until the next call),
  // end when the entry has no more.
  [[nodiscard]] Status read_block(std::string_view& block);

  // Compressed bytes the reader has consumed from its input so far (for a filter, where
  // its stream ended); -1 when libarchive cannot say.
  std::int64_t input_bytes_consumed() const;

  // libarchive's description of the last failure.
  std::string error_text() const;

 private:
  struct Handle;
  std::unique_ptr<Handle> m_handle;
  Entry m_entry;
};

}  // namespace imgbuild::archive
