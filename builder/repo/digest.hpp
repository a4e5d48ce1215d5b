// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// MD5, SHA-1 and SHA-256 for apt's Release and Packages files. apt and debian-installer
// check these sums; imgbuild computes them itself rather than linking libcrypto for three
// short, fixed, well-specified algorithms (RFC 1321, FIPS 180-4). They are not used for
// anything security-relevant on our side: the user's signing key protects the Release file.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace imgbuild::repo {

// The three sums apt wants for one file, lower-case hex, plus its size.
struct FileDigests {
  std::uint64_t size = 0;
  std::string md5;
  std::string sha1;
  std::string sha256;
};

// Streaming MD5, SHA-1 and SHA-256 at once (one pass over a possibly large .deb).
class MultiDigest {
 public:
  MultiDigest();
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Finishes all three; the object must not be updated afterwards.
  FileDigests finish();

 private:
  struct Block64 {
    std::array<std::uint8_t, 64> buffer{};
    std::size_t used = 0;
  };
  void md5_block(const std::uint8_t* block);
  void sha1_block(const std::uint8_t* block);
  void sha256_block(const std::uint8_t* block);
  void feed_blocks(const std::uint8_t* data, std::size_t size);

  std::array<std::uint32_t, 4> m_md5;
  std::array<std::uint32_t, 5> m_sha1;
  std::array<std::uint32_t, 8> m_sha256;
  std::array<std::uint8_t, 64> m_buffer{};
  std::size_t m_buffered = 0;
  std::uint64_t m_total = 0;
  bool m_finished = false;
};

FileDigests digest_bytes(std::string_view data);
// Streams a file; throws Error naming the file when it cannot be read.
FileDigests digest_file(const std::string& path);

}  // namespace imgbuild::repo
