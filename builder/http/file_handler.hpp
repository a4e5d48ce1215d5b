// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Serves one file for GET and HEAD, as virtual-media clients (BMCs, QEMU's curl driver)
// read installer images: a HEAD for the size, then ranged GETs. Accept-Ranges, single byte
// ranges (206, 416), If-Range, If-None-Match, If-Modified-Since (304), ETag and
// Last-Modified; the body goes out with sendfile. The file is opened for each request, so
// an image replaced on disk (a rebuild renames a new file over it) is served as the new
// file with new validators.

#include "http/ranges.hpp"
#include "http/server.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace imgbuild::http {

// What identifies one version of a file on disk.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

// The strong ETag of a file that carries no better name: size, modification time and
// inode ("\"1f400000-17a3c5e8b2d41c00-2b0e1\""): a rebuild or an edit changes it.
std::string identity_etag(const FileIdentity& identity);

class FileHandler {
 public:
  // `etag_name`: what names this content for good (an imgbuild image's build id), used as
  // the ETag while the file is the one seen here; nullopt for identity_etag. Error naming
  // the path when it is not a readable regular file.
  FileHandler(std::string path, std::optional<std::string> etag_name);

  Response operator()(const Request& request) const;

  const std::string& path() const { return m_path; }
  std::uint64_t size() const { return m_identity.size; }
  // The ETag served for the file as it is now (with its quotes).
  const std::string& etag() const { return m_etag; }

 private:
  std::string m_path;
  FileIdentity m_identity;
  std::string m_etag;
};

}  // namespace imgbuild::http
