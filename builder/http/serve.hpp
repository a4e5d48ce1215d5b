// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `imgbuild serve`: installer images over HTTP(S) at stable URLs (/NAME.iso), for BMCs'
// virtual media and anything else that reads them with ranged GETs. One plain log line
// per request; on a terminal a status line with the bytes served to each client.

#include "http/server.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::http {

struct ServeOptions {
  ServerOptions server;
  std::string log_path;  // empty: log lines go to stderr
  // What names an image's content for good (an imgbuild image's build id), its ETag; asked
  // once per image after the image was found readable. nullopt or unset: size, mtime and
  // inode make the ETag.
  std::function<std::optional<std::string>(const std::string& path)> content_name;
};

// The URL path of each image: "/" + its file name. Error (exit 2) when two images share a
// file name (they would share a URL).
std::vector<std::string> url_paths(const std::vector<std::string>& images);

// Serves until SIGINT, SIGTERM or SIGHUP, then stops cleanly (every connection closed, the
// log complete) and returns 128 + the signal, the status of a process that signal ended.
// Prints one URL per image on stdout once listening. Error naming the file for a missing
// or unreadable image, a log that cannot be written, an address it cannot listen on.
int serve_images(const std::vector<std::string>& images, const ServeOptions& options);

// One image served in the background for as long as the object lives (what `deploy
// --serve` uses while the BMC reads the image): the same handler as serve_images, no log
// lines (a BMC reads an image in thousands of ranges), totals for a summary. Error as
// serve_images for an unreadable image or an address it cannot listen on.
class BackgroundServe {
 public:
  BackgroundServe(const std::string& image, const ServeOptions& options);
  ~BackgroundServe();
  BackgroundServe(const BackgroundServe&) = delete;
  BackgroundServe& operator=(const BackgroundServe&) = delete;

  // "http://192.0.2.10:8080/pe2950.iso"
  const std::string& url() const { return m_url; }
  // "12 requests, 600.0 MiB to 1 client"
  std::string summary() const;
  // Bytes served so far to each client address ("192.0.2.7"): a BMC fetches from its own.
  std::map<std::string, std::uint64_t> bytes_by_client() const;

  struct State;

 private:
  std::unique_ptr<State> m_state;
  std::string m_url;
};

// A log line: "2026-12-07T17:01:02Z 192.0.2.7:53422 \"GET /pe2950.iso HTTP/1.1\" 206 1048576 0.004s"
// (" aborted" when the client went away first). Bytes that are not printable ASCII in the
// request target are written as \xNN.
std::string format_exchange(const Exchange& exchange, std::int64_t unix_seconds);

struct ClientTotal {
  std::uint64_t bytes = 0;
  std::uint64_t requests = 0;
};

// The live status line, at most `width` columns: "serving 2 images, 3 clients: 192.0.2.7 812.0 MiB, ..."
std::string format_status(std::size_t images, const std::map<std::string, ClientTotal>& clients, std::size_t width);

}  // namespace imgbuild::http
