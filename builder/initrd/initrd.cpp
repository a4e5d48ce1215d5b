// SPDX-License-Identifier: GPL-2.0-or-later
#include "initrd/initrd.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include <lzma.h>
#include <zstd.h>

#include "archive/reader.hpp"
#include "archive/writer.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace imgbuild::initrd {

namespace {

// Installer initrds are 20-60 MB; a file far larger than that is not one.
constexpr std::uint64_t k_max_initrd_file = 1ull << 30;
// Upper bound on the unpacked bytes walked in one initrd, so a decompression bomb ends
// with an Error instead of running for hours.
constexpr std::uint64_t k_max_unpacked = 4ull << 30;
// PATH_MAX: the kernel refuses longer cpio names too.
constexpr std::uint64_t k_max_name = 4096;

std::string hex_bytes(std::string_view bytes, std::size_t count) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < std::min(count, bytes.size()); ++i) {
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "",
                  static_cast<unsigned>(static_cast<unsigned char>(bytes[i])));
    out += buf;
  }
  return out.empty() ? "nothing (empty file)" : "bytes " + out;
}

// Member paths as stored in cpio archives: "./a", "/a" and "a" are the same file once the
// kernel has unpacked them.
std::string normalise_member(std::string_view name) {
  for (;;) {
    if (name.starts_with("./")) {
      name.remove_prefix(2);
    } else if (name.starts_with("/")) {
      name.remove_prefix(1);
    } else {
      break;
    }
  }
  return std::string(name);
}

void check_member_path(const std::string& path) {
  auto bad = [&](const char* why) {
    throw Error("initrd member \"" + path + "\"", why,
                "use a relative path such as \"preseed.cfg\" or \"etc/x.conf\"");
  };
  if (path.empty()) bad("empty path");
  if (path.front() == '/') bad("absolute path");
  if (path.back() == '/') bad("path ends with /");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (part.empty()) bad("empty path component (//)");
    if (part == "." || part == "..") bad("\".\" or \"..\" component");
    start = end + 1;
  }
  if (path.find('\0') != std::string::npos) bad("NUL byte in path");
}

// A streaming reader of newc ("070701"/"070702") cpio data that may hold several
// archives back to back (zero padding between them), as the kernel accepts. It keeps only
// the wanted members, so a 200 MB unpacked initrd costs no memory.
class CpioScanner {
 public:
  CpioScanner(const MemberFilter& wanted, std::uint64_t max_size, const std::string& subject)
      : m_wanted(wanted), m_max_size(max_size), m_subject(subject) {}

  // Consumes bytes; returns how many were used. Fewer than `size` means the scanner has
  // stopped: after an archive's TRAILER!!! came something that is neither zero padding
  // nor another cpio header (e.g. the next compressed segment of the file).
  std::size_t feed(const char* data, std::size_t size) {
    std::size_t used = 0;
    while (used < size && !m_stopped) {
      switch (m_state) {
        case State::between: {
          if (data[used] == '\0') {
            ++used;
            continue;
          }
          if (data[used] != '0') {
            m_stopped = true;
            return used;
          }
          m_state = State::header;
          m_buffer.clear();
          continue;
        }
        case State::header: {
          std::size_t take = std::min<std::size_t>(k_header - m_buffer.size(), size - used);
          m_buffer.append(data + used, take);
          used += take;
          if (m_buffer.size() == k_header) parse_header();
          continue;
        }
        case State::name: {
          std::size_t take = std::min<std::uint64_t>(m_name_size - m_buffer.size(), size - used);
          m_buffer.append(data + used, take);
          used += take;
          if (m_buffer.size() == m_name_size) finish_name();
          continue;
        }
        case State::skip: {
          std::size_t take = std::min<std::uint64_t>(m_skip, size - used);
          used += take;
          m_skip -= take;
          settle();
          continue;
        }
        case State::data: {
          std::size_t take = std::min<std::uint64_t>(m_data_left, size - used);
          if (m_collecting) m_content.append(data + used, take);
          used += take;
          m_data_left -= take;
          settle();
          continue;
        }
      }
    }
    return used;
  }

  // Whether the data ended cleanly (between archives, not inside an entry).
  bool at_boundary() const { return m_state == State::between; }
  std::map<std::string, std::string>& found() { return m_found; }
  void reset_for_next_segment() {
    m_state = State::between;
    m_stopped = false;
    m_buffer.clear();
  }

 private:
  enum class State { between, header, name, skip, data };
  static constexpr std::size_t k_header = 110;

  [[noreturn]] void corrupt(const std::string& what) const {
    throw Error(m_subject, "corrupt cpio data in initrd: " + what,
                "the initrd is damaged or not a Linux initramfs");
  }

  std::uint64_t field(std::size_t index) const {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      char c = m_buffer[6 + index * 8 + i];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        corrupt("non-hex header field");
      }
      value = value * 16 + static_cast<std::uint64_t>(digit);
    }
    return value;
  }

  static std::uint64_t pad4(std::uint64_t n) { return (4 - (n & 3)) & 3; }

  void parse_header() {
    if (m_buffer.compare(0, 6, "070701") != 0 && m_buffer.compare(0, 6, "070702") != 0) {
      corrupt("bad header magic (only newc cpio is supported, as in the kernel)");
    }
    m_mode = field(1);
    m_file_size = field(6);
    m_name_size = field(11);
    if (m_name_size == 0 || m_name_size > k_max_name) corrupt("bad file name length");
    m_buffer.clear();
    m_state = State::name;
  }

  void finish_name() {
    std::string name(m_buffer.data(), strnlen(m_buffer.data(), m_buffer.size()));
    m_buffer.clear();
    m_skip = pad4(k_header + m_name_size);
    m_state = State::skip;
    if (name == "TRAILER!!!") {
      m_after_skip = State::between;
      settle();
      return;
    }
    m_collecting = false;
    bool regular = (m_mode & 0170000) == 0100000;
    m_name = normalise_member(name);
    if (m_wanted(m_name)) {
      // The kernel replaces the file with whatever came last: a directory or link of the
      // same name means there is no such regular file any more.
      auto old = m_found.find(m_name);
      if (old != m_found.end()) {
        m_total -= old->second.size();
        m_found.erase(old);
      }
      if (regular) {
        if (m_file_size > m_max_size || m_total + m_file_size > m_max_size) {
          throw Error(m_subject,
                      "member " + m_name + " is " + std::to_string(m_file_size) +
                          " bytes, more than the " + std::to_string(m_max_size) + " expected",
                      "check that this is the file you meant");
        }
        m_collecting = true;
        m_content.clear();
      }
    }
    m_data_left = m_file_size;
    m_after_skip = State::data;
    settle();
  }

  void finish_data() {
    if (m_collecting) {
      m_total += m_content.size();
      m_found[m_name] = std::move(m_content);
      m_content.clear();
      m_collecting = false;
    }
    m_skip = pad4(m_file_size);
    m_after_skip = State::header;
    m_state = State::skip;
  }

  // Leaves states that need no more input (no padding, empty file data) right away, so
  // the scanner is never "inside" an entry that has in fact ended.
  void settle() {
    for (;;) {
      if (m_state == State::skip && m_skip == 0) {
        m_state = m_after_skip;
      } else if (m_state == State::data && m_data_left == 0) {
        finish_data();
      } else {
        return;
      }
    }
  }

  const MemberFilter& m_wanted;
  std::uint64_t m_max_size;
  const std::string& m_subject;

  State m_state = State::between;
  State m_after_skip = State::between;
  bool m_stopped = false;
  bool m_collecting = false;
  std::string m_buffer;
  std::string m_content;
  std::string m_name;
  std::map<std::string, std::string> m_found;
  std::uint64_t m_total = 0;
  std::uint64_t m_mode = 0;
  std::uint64_t m_file_size = 0;
  std::uint64_t m_name_size = 0;
  std::uint64_t m_skip = 0;
  std::uint64_t m_data_left = 0;
};

// libarchive's xz and zstd readers go on decoding whatever follows a stream and fail on
// the next segment (our gzip appendix), so those two streams are measured first and
// libarchive is given exactly one. The kernel's decompressors likewise stop at the end of
// one stream.

// End of the first xz stream (xz-file-format 2.2): the first 4-aligned stream footer that
// liblzma accepts (magic, CRC32), whose flags repeat the header's, and whose index decodes
// and accounts for exactly the bytes before it. Found without decompressing anything.
std::optional<std::size_t> xz_stream_end(std::string_view data) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  lzma_stream_flags header;
  if (data.size() < 2 * LZMA_STREAM_HEADER_SIZE || lzma_stream_header_decode(&header, bytes) != LZMA_OK)
    return std::nullopt;
  for (std::size_t end = 2 * LZMA_STREAM_HEADER_SIZE; end <= data.size(); end += 4) {
    // Most positions are not a footer: skip them before calling into liblzma.
    if (data[end - 2] != 'Y' || data[end - 1] != 'Z') continue;
    lzma_stream_flags footer;
    std::size_t footer_start = end - LZMA_STREAM_HEADER_SIZE;
    if (lzma_stream_footer_decode(&footer, bytes + footer_start) != LZMA_OK) continue;
    if (lzma_stream_flags_compare(&header, &footer) != LZMA_OK) continue;
    if (footer.backward_size > footer_start - LZMA_STREAM_HEADER_SIZE) continue;
    std::size_t index_start = footer_start - static_cast<std::size_t>(footer.backward_size);
    lzma_index* index = nullptr;
    std::uint64_t memory_limit = 64u << 20;
    std::size_t index_pos = index_start;
    if (lzma_index_buffer_decode(&index, &memory_limit, nullptr, bytes, &index_pos, footer_start) != LZMA_OK)
      continue;
    lzma_vli stream_size = lzma_index_stream_size(index);
    lzma_index_end(index, nullptr);
    if (index_pos == footer_start && stream_size == end) return end;
  }
  return std::nullopt;
}

// End of the first zstd frame, from its block headers (zstd does the walking).
std::optional<std::size_t> zstd_frame_end(std::string_view data) {
  std::size_t size = ZSTD_findFrameCompressedSize(data.data(), data.size());
  if (ZSTD_isError(size) || size > data.size()) return std::nullopt;
  return size;
}

// The one decompressor a segment needs, and no other.
archive::Filter filter_for(Format format) {
  switch (format) {
    case Format::gzip: return archive::Filter::gzip;
    case Format::xz: return archive::Filter::xz;
    case Format::lzma: return archive::Filter::lzma;
    case Format::zstd: return archive::Filter::zstd;
    case Format::bzip2: return archive::Filter::bzip2;
    case Format::lz4: return archive::Filter::lz4;
    case Format::cpio: break;
  }
  throw std::logic_error("an uncompressed cpio segment has no filter");
}

// Decompresses one compressed segment starting at `data` into the scanner; returns the
// number of compressed bytes it used (libarchive's gzip/xz readers continue through
// concatenated members of the same compression, and stop before anything else).
std::size_t scan_compressed_segment(std::string_view data, Format format, CpioScanner& scanner,
                                    std::uint64_t& unpacked, const std::string& subject) {
  archive::Reader reader({archive::Format::raw}, {filter_for(format)});
  if (!reader.open_memory(data)) {
    throw Error(subject, "cannot read initrd segment: " + reader.error_text());
  }
  if (reader.next_entry() != archive::Reader::Status::ok) {
    throw Error(subject, "cannot decompress initrd segment: " + reader.error_text());
  }
  bool stopped = false;
  for (;;) {
    std::string_view block;
    archive::Reader::Status status = reader.read_block(block);
    if (status == archive::Reader::Status::end) break;
    if (status == archive::Reader::Status::failed) {
      throw Error(subject,
                  std::string("corrupt ") + format_name(format) + " data in initrd: " + reader.error_text(),
                  "the initrd is truncated or damaged");
    }
    unpacked += block.size();
    if (unpacked > k_max_unpacked) {
      throw Error(subject, "initrd unpacks to more than 4 GiB", "this is not an installer initrd");
    }
    if (!stopped && !block.empty()) {
      std::size_t used = scanner.feed(block.data(), block.size());
      // Junk after the cpio inside a compressed stream: the kernel gives up on the rest
      // of that stream too, but must still be drained to learn where the stream ends.
      if (used < block.size()) stopped = true;
    }
  }
  if (!scanner.at_boundary() && !stopped) {
    throw Error(subject, std::string(format_name(format)) + " segment ends inside a cpio entry",
                "the initrd is truncated or damaged");
  }
  std::int64_t consumed = reader.input_bytes_consumed();
  if (consumed <= 0 || static_cast<std::uint64_t>(consumed) > data.size()) {
    throw Error(subject, "cannot tell where a compressed initrd segment ends");
  }
  return static_cast<std::size_t>(consumed);
}

}  // namespace

const char* format_name(Format format) {
  switch (format) {
    case Format::gzip: return "gzip";
    case Format::xz: return "xz";
    case Format::lzma: return "lzma";
    case Format::zstd: return "zstd";
    case Format::bzip2: return "bzip2";
    case Format::lz4: return "lz4";
    case Format::cpio: return "cpio";
  }
  return "?";
}

bool can_append_to(Format format) { return format != Format::lz4; }

void check_appendable(Format format, const std::string& subject) {
  if (can_append_to(format)) return;
  throw Error(subject,
              std::string("cannot add a preseed to an ") + format_name(format) +
                  " initrd: the kernel reads everything after it as " + format_name(format) +
                  " data and fails to unpack it",
              "use a base image whose initrds are gzip, xz or zstd");
}

Format detect_format(std::string_view head, const std::string& subject) {
  auto starts = [&](std::string_view magic) { return head.starts_with(magic); };
  using namespace std::string_view_literals;
  if (starts("\x1f\x8b"sv)) return Format::gzip;
  if (starts("\xfd" "7zXZ\0"sv)) return Format::xz;
  if (starts("\x28\xb5\x2f\xfd"sv)) return Format::zstd;
  if (starts("BZh"sv)) return Format::bzip2;
  // lz4: only the legacy frame (lz4 -l), the one the kernel unpacks. Nothing can follow
  // it: the kernel's unlz4 reads chunks up to the end of the initrd.
  if (starts("\x02\x21\x4c\x18"sv)) return Format::lz4;
  if (starts("070701"sv) || starts("070702"sv)) return Format::cpio;
  // Legacy .lzma has no magic: the kernel (decompress_method) takes 5d 00 as one, the
  // properties byte of every lzma -[0-9] file followed by a small dictionary size.
  if (starts("\x5d\x00\x00"sv)) return Format::lzma;
  throw Error(subject, "not an initrd: starts with " + hex_bytes(head, 8),
              "expected gzip/xz/zstd/cpio");
}

std::string make_appendix(const std::vector<Member>& members, std::int64_t mtime) {
  struct Item {
    bool directory;
    std::uint32_t mode;
    const std::string* content;
  };
  std::map<std::string, Item> items;  // sorted by path: parents sort before children
  for (const Member& member : members) {
    check_member_path(member.path);
    if ((member.mode & ~07777u) != 0) {
      throw Error("initrd member \"" + member.path + "\"", "mode has bits beyond 07777",
                  "give permission bits only, e.g. 0644");
    }
    auto [it, inserted] = items.emplace(member.path, Item{false, member.mode, &member.content});
    if (!inserted) {
      throw Error("initrd member \"" + member.path + "\"",
                  it->second.directory ? "is also a parent directory of another member"
                                       : "given twice",
                  "give each file once");
    }
    for (std::size_t slash = member.path.find('/'); slash != std::string::npos;
         slash = member.path.find('/', slash + 1)) {
      std::string parent = member.path.substr(0, slash);
      auto found = items.find(parent);
      if (found != items.end() && !found->second.directory) {
        throw Error("initrd member \"" + member.path + "\"",
                    "its parent \"" + parent + "\" is also given as a file",
                    "give each file once");
      }
      items.emplace(parent, Item{true, 0755, nullptr});
    }
  }
  std::vector<archive::CpioEntry> entries;
  entries.reserve(items.size());
  std::int64_t ino = 0;
  for (const auto& [path, item] : items) {
    archive::CpioEntry entry;
    entry.path = path;
    entry.directory = item.directory;
    entry.permissions = item.mode;
    if (!item.directory) entry.content = *item.content;
    entry.mtime = mtime;
    // Inode numbers by position and fixed link counts: nothing from the build host leaks in.
    entry.inode = ++ino;
    entry.nlink = item.directory ? 2 : 1;
    entries.push_back(std::move(entry));
  }
  return archive::gzip_newc_cpio(entries, "initrd appendix");
}

std::map<std::string, std::string> read_members_from_bytes(std::string_view initrd,
                                                           const MemberFilter& wanted,
                                                           std::uint64_t max_total,
                                                           const std::string& subject) {
  CpioScanner scanner(wanted, max_total, subject);
  std::uint64_t unpacked = 0;
  std::size_t pos = 0;
  bool first_segment = true;
  while (pos < initrd.size()) {
    // Zero padding between segments is skipped, as by the kernel.
    if (initrd[pos] == '\0') {
      ++pos;
      continue;
    }
    std::string_view rest = initrd.substr(pos);
    Format format;
    if (first_segment) {
      format = detect_format(rest.substr(0, 16), subject);
    } else {
      try {
        format = detect_format(rest.substr(0, 16), subject);
      } catch (const Error&) {
        // Trailing bytes that are no archive (a signature, junk): the kernel stops there
        // with what it has unpacked; so do we.
        break;
      }
    }
    scanner.reset_for_next_segment();
    if (format == Format::cpio) {
      std::size_t used = scanner.feed(rest.data(), rest.size());
      unpacked += used;
      if (used == rest.size() && !scanner.at_boundary()) {
        throw Error(subject, "cpio segment ends inside an entry", "the initrd is truncated or damaged");
      }
      pos += used;
    } else {
      std::optional<std::size_t> length;
      if (format == Format::xz) length = xz_stream_end(rest);
      if (format == Format::zstd) length = zstd_frame_end(rest);
      // Without a measured length libarchive gets the rest and reports a truncated stream.
      if (length) rest = rest.substr(0, *length);
      pos += scan_compressed_segment(rest, format, scanner, unpacked, subject);
    }
    first_segment = false;
  }
  // Empty or all zeros.
  if (first_segment) detect_format(initrd.substr(0, 16), subject);
  return std::move(scanner.found());
}

std::optional<std::string> read_member_from_bytes(std::string_view initrd, const std::string& member,
                                                  std::uint64_t max_size,
                                                  const std::string& subject) {
  std::string wanted = normalise_member(member);
  auto found = read_members_from_bytes(
      initrd, [&](const std::string& name) { return name == wanted; }, max_size, subject);
  if (found.empty()) return std::nullopt;
  return std::move(found.begin()->second);
}

std::optional<std::string> read_member(const std::string& initrd_path, const std::string& member,
                                       std::uint64_t max_size) {
  std::string bytes = util::read_small_file(initrd_path, k_max_initrd_file, "initrd");
  return read_member_from_bytes(bytes, member, max_size, initrd_path);
}

}  // namespace imgbuild::initrd
