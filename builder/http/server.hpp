// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A small HTTP(S) server over libmicrohttpd: requests in (method, path, headers, body),
// responses out (status, headers, and a body from memory or a range of an open file, sent
// with sendfile on plain HTTP). Many clients at once on a pool of threads; the handler is
// called from those threads, so it must be thread-safe. This module is the only one that
// includes <microhttpd.h> (builder/OWNERS).

#include "util/fs.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imgbuild::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;     // "GET", "HEAD", "POST", ...
  std::string path;       // percent-decoded, without the query: "/pe2950.iso"
  std::string target;     // as the client sent it (for logs): "/pe2950%2Eiso?x=1"
  std::string version;    // "HTTP/1.1"
  std::vector<Header> headers;
  std::string body;
  std::string client;     // the peer's address: "192.0.2.7", "2001:db8::7"

  // The first header of that name (case-insensitive), if sent.
  std::optional<std::string> header(std::string_view name) const;
};

// A byte range of an open file, sent as the body (the file descriptor is handed over).
struct FileBody {
  util::Fd fd;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct Response {
  int status = 200;
  // Content-Length and Date are added by the server; a Content-Length given here is
  // sent as it is (only for bodies not sent: a 304 carries the size of the 200).
  std::vector<Header> headers;
  std::variant<std::string, FileBody> body;

  // A short plain-text answer ("not found\n"), for errors.
  static Response text(int status, std::string text);
  std::uint64_t body_length() const;
};

using Handler = std::function<Response(const Request&)>;

// Exact paths to handlers, by method. A path nobody serves is a 404 (no listing, no
// prefix matching, so no traversal); a served path asked with another method is a 405
// with Allow.
class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  Response operator()(const Request& request) const;

 private:
  std::map<std::string, std::map<std::string, Handler>> m_routes;  // path -> method -> handler
};

// One finished exchange, for logs and per-client totals.
struct Exchange {
  std::string client;
  std::uint16_t client_port = 0;
  std::string method;
  std::string target;
  std::string version;
  int status = 0;
  std::uint64_t bytes = 0;  // body bytes of the response (0 for HEAD)
  bool completed = true;    // false when the connection ended before all of it was sent
  double seconds = 0;
};

struct TlsFiles {
  std::string cert_path;  // PEM certificate (chain)
  std::string key_path;   // PEM private key, not encrypted
};

struct ServerOptions {
  std::string address = "0.0.0.0";  // numeric IPv4 or IPv6
  std::uint16_t port = 8080;         // 0: any free port (see Server::port())
  std::optional<TlsFiles> tls;
  unsigned threads = 4;
  unsigned idle_timeout_seconds = 120;
  std::size_t max_body = 1 << 20;    // larger request bodies get 413
};

// "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (all IPv4 addresses) into options.address/port;
// Error naming `option` when malformed.
void parse_listen(const std::string& text, ServerOptions& options, const std::string& option = "--listen");

// Listens from construction until destruction (which waits for the threads and closes
// every connection). Error (exit 2) naming the address or file when it cannot listen
// (in use, not an address of this host) or the TLS files cannot be read.
class Server {
 public:
  using ExchangeLog = std::function<void(const Exchange&)>;
  Server(ServerOptions options, Handler handler, ExchangeLog on_exchange = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  std::uint16_t port() const { return m_port; }
  bool tls() const { return m_options.tls.has_value(); }
  // "http://127.0.0.1:8080" (an unspecified address is shown as this host's name).
  std::string base_url() const;

  struct Impl;

 private:
  ServerOptions m_options;
  std::uint16_t m_port = 0;
  std::unique_ptr<Impl> m_impl;
};

// The path of a request target ("/a%20b.iso?x" -> "/a b.iso"); nullopt for a target that
// is not a path, a malformed escape or an encoded NUL (such a request matches no route).
std::optional<std::string> decode_path(std::string_view target);

// Percent-encodes a URL path segment (unreserved characters stay as they are).
std::string url_escape(std::string_view segment);

}  // namespace imgbuild::http
