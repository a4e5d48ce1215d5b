// SPDX-License-Identifier: GPL-2.0-or-later
#include "http/file_handler.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

namespace imgbuild::http {

namespace {

FileIdentity identity_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

std::int64_t mtime_seconds(const FileIdentity& identity) {
  return identity.mtime_ns >= 0 ? identity.mtime_ns / 1000000000 : -((-identity.mtime_ns + 999999999) / 1000000000);
}

}  // namespace

std::string identity_etag(const FileIdentity& identity) {
  char buffer[80];
  std::snprintf(buffer, sizeof buffer, "\"%llx-%llx-%llx\"", static_cast<unsigned long long>(identity.size),
                static_cast<unsigned long long>(identity.mtime_ns), static_cast<unsigned long long>(identity.inode));
  return buffer;
}

FileHandler::FileHandler(std::string path, std::optional<std::string> etag_name) : m_path(std::move(path)) {
  util::Fd fd = util::open_for_reading(m_path, "image");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw Error(m_path, std::string("cannot stat: ") + std::strerror(errno));
  m_identity = identity_of(st);
  m_etag = etag_name ? "\"" + *etag_name + "\"" : identity_etag(m_identity);
}

Response FileHandler::operator()(const Request& request) const {
  util::Fd fd(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return Response::text(404, "not found\n");
  FileIdentity now = identity_of(st);
  FileValidators validators{now.size, now == m_identity ? m_etag : identity_etag(now), mtime_seconds(now)};
  Preconditions conditions{request.header("Range"), request.header("If-Range"), request.header("If-None-Match"),
                           request.header("If-Modified-Since")};
  FileDecision decision = decide(conditions, validators, request.method == "HEAD");

  Response response;
  response.status = decision.status;
  response.headers = {{"Accept-Ranges", "bytes"},
                      {"ETag", validators.etag},
                      {"Last-Modified", format_http_date(validators.mtime)}};
  if (!decision.content_range.empty()) response.headers.push_back({"Content-Range", decision.content_range});
  // A 304 may state the length, but only the 200's (RFC 9110 8.6), never 0.
  if (decision.status == 304) response.headers.push_back({"Content-Length", std::to_string(now.size)});
  if (decision.status == 304 || decision.status == 416) {
    response.body = std::string();
    return response;
  }
  response.headers.push_back({"Content-Type", "application/octet-stream"});
  response.body = FileBody{std::move(fd), decision.body.first, decision.body.length};
  return response;
}

}  // namespace imgbuild::http
