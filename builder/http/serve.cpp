// SPDX-License-Identifier: GPL-2.0-or-later
#include "http/serve.hpp"
#include "util/stop_signals.hpp"

#include "http/file_handler.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <pthread.h>
#include <set>
#include <sys/ioctl.h>
#include <unistd.h>

namespace imgbuild::http {

namespace {

std::string mib(std::uint64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buffer;
}

std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x21 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

// The log lines and the per-client totals, written from the server's threads.
class ServeLog {
 public:
  ServeLog(const std::string& log_path, std::size_t images) : m_images(images) {
    m_live = util::progress_mode() == util::ProgressMode::Live;
    if (!log_path.empty()) {
      m_file = util::Fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
      if (!m_file)
        throw Error(log_path, std::string("cannot write the log: ") + std::strerror(errno),
                    "give --log a file in a writable directory");
    }
  }

  void record(const Exchange& exchange) {
    std::string line = format_exchange(exchange, static_cast<std::int64_t>(std::time(nullptr))) + "\n";
    std::lock_guard lock(m_mutex);
    ClientTotal& total = m_clients[exchange.client];
    total.bytes += exchange.completed ? exchange.bytes : 0;
    total.requests += 1;
    m_dirty = true;
    if (m_file) {
      util::write_all(m_file.get(), line, "--log");
    } else {
      clear_status();
      std::fputs(line.c_str(), stderr);
      if (m_live) draw_status();
      std::fflush(stderr);
    }
  }

  // Redraws the status line on a terminal when something changed.
  void tick() {
    std::lock_guard lock(m_mutex);
    if (!m_live || !m_dirty) return;
    draw_status();
    std::fflush(stderr);
  }

  std::string summary() {
    std::lock_guard lock(m_mutex);
    clear_status();
    std::uint64_t bytes = 0, requests = 0;
    for (const auto& [client, total] : m_clients) {
      bytes += total.bytes;
      requests += total.requests;
    }
    return std::to_string(requests) + (requests == 1 ? " request, " : " requests, ") + mib(bytes) + " to " + std::to_string(m_clients.size()) +
           (m_clients.size() == 1 ? " client" : " clients");
  }

 private:
  void clear_status() {
    if (m_live && m_status_shown) std::fputs("\r\x1b[K", stderr);
    m_status_shown = false;
  }
  void draw_status() {
    winsize size{};
    std::size_t width = ::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 10 ? size.ws_col - 1 : 79;
    std::fprintf(stderr, "\r%s\x1b[K", format_status(m_images, m_clients, width).c_str());
    m_status_shown = true;
    m_dirty = false;
  }

  std::size_t m_images;
  bool m_live = false;
  bool m_status_shown = false;
  bool m_dirty = true;
  util::Fd m_file;
  std::mutex m_mutex;
  std::map<std::string, ClientTotal> m_clients;
};

}  // namespace

std::vector<std::string> url_paths(const std::vector<std::string>& images) {
  std::vector<std::string> paths;
  std::set<std::string> seen;
  for (const auto& image : images) {
    std::string name = std::filesystem::path(image).filename().string();
    if (name.empty() || name == "." || name == "..")
      throw Error(image, "not a file name", "give the path of an image file");
    if (!seen.insert(name).second)
      throw Error(image, "another image is also called " + name + " and would have the same URL",
                  "rename or link one of them");
    paths.push_back("/" + name);
  }
  return paths;
}

std::string format_exchange(const Exchange& exchange, std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string client = exchange.client.find(':') != std::string::npos ? "[" + exchange.client + "]" : exchange.client;
  char tail[64];
  std::snprintf(tail, sizeof tail, " %d %llu %.3fs", exchange.status, static_cast<unsigned long long>(exchange.bytes),
                exchange.seconds);
  return std::string(when) + " " + client + ":" + std::to_string(exchange.client_port) + " \"" +
         printable(exchange.method) + " " + printable(exchange.target) + " " + printable(exchange.version) + "\"" +
         tail + (exchange.completed ? "" : " aborted");
}

std::string format_status(std::size_t images, const std::map<std::string, ClientTotal>& clients, std::size_t width) {
  std::string line = "serving " + std::to_string(images) + (images == 1 ? " image" : " images") + ", " +
                     std::to_string(clients.size()) + (clients.size() == 1 ? " client" : " clients");
  std::string sep = ": ";
  for (const auto& [client, total] : clients) {
    line += sep + client + " " + mib(total.bytes);
    sep = ", ";
  }
  if (line.size() > width) line = line.substr(0, width > 3 ? width - 3 : 0) + "...";
  return line;
}

struct BackgroundServe::State {
  mutable std::mutex mutex;
  std::map<std::string, ClientTotal> clients;
  std::optional<Server> server;
};

BackgroundServe::BackgroundServe(const std::string& image, const ServeOptions& options)
    : m_state(std::make_unique<State>()) {
  util::open_for_reading(image, "image");
  std::string path = url_paths({image}).front();
  std::optional<std::string> name = options.content_name ? options.content_name(image) : std::nullopt;
  auto handler = std::make_shared<FileHandler>(image, name);
  Handler call = [handler](const Request& request) { return (*handler)(request); };
  Router router;
  router.add("GET", path, call);
  router.add("HEAD", path, call);
  State* state = m_state.get();
  m_state->server.emplace(options.server, router, [state](const Exchange& exchange) {
    std::lock_guard lock(state->mutex);
    ClientTotal& total = state->clients[exchange.client];
    total.bytes += exchange.completed ? exchange.bytes : 0;
    total.requests += 1;
  });
  m_url = m_state->server->base_url() + "/" + url_escape(path.substr(1));
}

BackgroundServe::~BackgroundServe() = default;

std::string BackgroundServe::summary() const {
  std::lock_guard lock(m_state->mutex);
  std::uint64_t bytes = 0, requests = 0;
  for (const auto& [client, total] : m_state->clients) {
    bytes += total.bytes;
    requests += total.requests;
  }
  return std::to_string(requests) + (requests == 1 ? " request, " : " requests, ") + mib(bytes) + " to " +
         std::to_string(m_state->clients.size()) + (m_state->clients.size() == 1 ? " client" : " clients");
}

std::map<std::string, std::uint64_t> BackgroundServe::bytes_by_client() const {
  std::lock_guard lock(m_state->mutex);
  std::map<std::string, std::uint64_t> out;
  for (const auto& [client, total] : m_state->clients) out[client] = total.bytes;
  return out;
}

int serve_images(const std::vector<std::string>& images, const ServeOptions& options) {
  if (images.empty()) throw Error("serve", "no image given", "name at least one image file");
  for (const auto& image : images) util::open_for_reading(image, "image");
  std::vector<std::string> paths = url_paths(images);
  Router router;
  std::vector<std::shared_ptr<FileHandler>> handlers;
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::optional<std::string> name = options.content_name ? options.content_name(images[i]) : std::nullopt;
    auto handler = std::make_shared<FileHandler>(images[i], name);
    Handler call = [handler](const Request& request) { return (*handler)(request); };
    router.add("GET", paths[i], call);
    router.add("HEAD", paths[i], call);
    handlers.push_back(handler);
  }
  ServeLog log(options.log_path, images.size());
  util::BlockedStopSignals signals;
  int stopped_by = 0;
  {
    Server server(options.server, router, [&log](const Exchange& exchange) { log.record(exchange); });
    for (const auto& path : paths) std::cout << server.base_url() << url_escape(path.substr(1)).insert(0, "/") << "\n";
    std::cout.flush();
    std::fprintf(stderr, "imgbuild: serving %zu %s on %s (Ctrl-C stops)\n", images.size(),
                 images.size() == 1 ? "image" : "images", server.base_url().c_str());
    while (!(stopped_by = signals.wait(250))) log.tick();
  }  // the server stops here: its threads are joined, every exchange is logged
  std::fprintf(stderr, "imgbuild: serve stopped by %s: %s\n", signal_name(stopped_by), log.summary().c_str());
  return 128 + stopped_by;
}

}  // namespace imgbuild::http
