// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/digest.hpp"

#include "util/fs.hpp"

namespace imgbuild::repo {

void MultiDigest::update(const void* data, std::size_t size) {
  m_total += size;
  m_md5.update(data, size);
  m_sha1.update(data, size);
  m_sha256.update(data, size);
}

FileDigests MultiDigest::finish() {
  FileDigests out;
  out.size = m_total;
  out.md5 = m_md5.finish_hex();
  out.sha1 = m_sha1.finish_hex();
  out.sha256 = m_sha256.finish_hex();
  return out;
}

FileDigests digest_bytes(std::string_view data) {
  MultiDigest digest;
  digest.update(data);
  return digest.finish();
}

FileDigests digest_file(const std::string& path) {
  MultiDigest digest;
  util::read_chunks(path, [&](const std::uint8_t* data, std::size_t size) { digest.update(data, size); });
  return digest.finish();
}

}  // namespace imgbuild::repo
