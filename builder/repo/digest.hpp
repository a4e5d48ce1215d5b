// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The sums apt wants in Packages and Release files (MD5sum, SHA1, SHA256), computed by
// digest/ (nettle) in one pass over each file. apt and debian-installer compare them with
// the files they fetch. On their own they catch damaged or mixed-up files only: trust in
// the files comes from a signature over the Release file that lists them, if any.

#include "digest/digest.hpp"

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
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Finishes all three; the object must not be updated afterwards.
  FileDigests finish();

 private:
  digest::Hasher m_md5{digest::Algorithm::md5};
  digest::Hasher m_sha1{digest::Algorithm::sha1};
  digest::Hasher m_sha256{digest::Algorithm::sha256};
  std::uint64_t m_total = 0;
};

FileDigests digest_bytes(std::string_view data);
// Streams a file; throws Error naming the file when it cannot be read.
FileDigests digest_file(const std::string& path);

}  // namespace imgbuild::repo
