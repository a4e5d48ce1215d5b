// SPDX-License-Identifier: GPL-2.0-or-later
#include "http/server.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <microhttpd.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace imgbuild::http {

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& h : headers)
    if (h.name.size() == name.size() && ::strncasecmp(h.name.data(), name.data(), name.size()) == 0) return h.value;
  return std::nullopt;
}

Response Response::text(int status, std::string text) {
  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  response.body = std::move(text);
  return response;
}

std::uint64_t Response::body_length() const {
  if (const auto* text = std::get_if<std::string>(&body)) return text->size();
  return std::get<FileBody>(body).length;
}

void Router::add(std::string method, std::string path, Handler handler) {
  m_routes[std::move(path)][std::move(method)] = std::move(handler);
}

Response Router::operator()(const Request& request) const {
  auto route = m_routes.find(request.path);
  if (route == m_routes.end()) return Response::text(404, "not found\n");
  auto handler = route->second.find(request.method);
  if (handler == route->second.end()) {
    std::string allow;
    for (const auto& [method, unused] : route->second) allow += (allow.empty() ? "" : ", ") + method;
    Response response = Response::text(405, "method not allowed\n");
    response.headers.push_back({"Allow", allow});
    return response;
  }
  return handler->second(request);
}

std::string url_escape(std::string_view segment) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> decode_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (!target.starts_with("/")) return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string path;
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) return std::nullopt;
      int high = hex(target[i + 1]), low = hex(target[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    path += c;
  }
  return path;
}

void parse_listen(const std::string& text, ServerOptions& options, const std::string& option) {
  auto bad = [&] {
    return Error(option, "'" + text + "' is not ADDRESS:PORT",
                 "e.g. 0.0.0.0:8080, 127.0.0.1:8080, [::]:8080 or :8080; port 0 takes any free port");
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw bad();
  std::string address = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  if (address.empty()) address = "0.0.0.0";
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) || std::stoul(port) > 65535)
    throw bad();
  in6_addr scratch;
  if (::inet_pton(AF_INET, address.c_str(), &scratch) != 1 && ::inet_pton(AF_INET6, address.c_str(), &scratch) != 1)
    throw bad();
  options.address = address;
  options.port = static_cast<std::uint16_t>(std::stoul(port));
}

namespace {

struct RequestState {
  std::string target;
  std::string body;
  bool started = false;
  bool too_large = false;
  bool answered = false;
  Exchange exchange;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

std::string numeric_host(const sockaddr* address, std::uint16_t* port) {
  if (!address) return "?";
  socklen_t length = address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(address, length, host, sizeof host, service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return "?";
  if (port) *port = static_cast<std::uint16_t>(std::strtoul(service, nullptr, 10));
  std::string text = host;
  if (text.starts_with("::ffff:") && text.find('.') != std::string::npos) text = text.substr(7);
  return text;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<std::vector<Header>*>(cls)->push_back({key ? key : "", value ? value : ""});
  return MHD_YES;
}

}  // namespace

struct Server::Impl {
  Handler handler;
  ExchangeLog on_exchange;
  std::size_t max_body = 0;
  MHD_Daemon* daemon = nullptr;
  std::string cert;
  std::string key;
  std::mutex log_mutex;
  std::string last_error;  // libmicrohttpd's last message, for a failed start

  ~Impl() {
    if (daemon) MHD_stop_daemon(daemon);
    if (!key.empty()) ::explicit_bzero(key.data(), key.size());
  }

  static void* on_uri(void*, const char* uri, MHD_Connection*) {
    auto* state = new RequestState;
    state->target = uri ? uri : "";
    return state;
  }

  static void on_log(void* cls, const char* format, va_list args) {
    auto* impl = static_cast<Impl*>(cls);
    char buffer[512];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    std::lock_guard lock(impl->log_mutex);
    impl->last_error = buffer;
    while (!impl->last_error.empty() && impl->last_error.back() == '\n') impl->last_error.pop_back();
  }

  static void on_completed(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode code) {
    auto* impl = static_cast<Impl*>(cls);
    std::unique_ptr<RequestState> state(static_cast<RequestState*>(*con_cls));
    *con_cls = nullptr;
    if (!state || !state->answered || !impl->on_exchange) return;
    state->exchange.completed = code == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    state->exchange.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - state->start).count();
    impl->on_exchange(state->exchange);
  }

  Response call_handler(const Request& request, const RequestState& state) {
    if (state.too_large) return Response::text(413, "request body too large\n");
    try {
      return handler(request);
    } catch (const std::exception& e) {
      return Response::text(500, std::string("internal error: ") + e.what() + "\n");
    }
  }

  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                               const char* version, const char* upload_data, size_t* upload_data_size,
                               void** con_cls) {
    auto* impl = static_cast<Impl*>(cls);
    auto* state = static_cast<RequestState*>(*con_cls);
    if (!state) return MHD_NO;
    if (!state->started) {
      state->started = true;
      return MHD_YES;
    }
    if (*upload_data_size > 0) {
      if (state->body.size() + *upload_data_size > impl->max_body) state->too_large = true;
      else state->body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    Request request;
    request.method = method;
    // The path from the request line as sent, decoded here: libmicrohttpd's decoded `url`
    // is a C string, so "/a.iso%00x" would reach a handler as "/a.iso".
    (void)url;
    std::optional<std::string> path = decode_path(state->target);
    request.path = path ? *path : std::string();
    request.target = state->target;
    request.version = version;
    request.body = std::move(state->body);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, &request.headers);
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    std::uint16_t port = 0;
    request.client = numeric_host(info ? info->client_addr : nullptr, &port);

    Response response = impl->call_handler(request, *state);
    MHD_Response* reply = nullptr;
    if (auto* file = std::get_if<FileBody>(&response.body); file && file->length > 0) {
      reply = MHD_create_response_from_fd_at_offset64(file->length, file->fd.get(), file->offset);
      if (reply) file->fd.release();  // libmicrohttpd closes it with the response
    } else {
      const std::string* text = std::get_if<std::string>(&response.body);
      reply = MHD_create_response_from_buffer(text ? text->size() : 0, text ? const_cast<char*>(text->data()) : nullptr,
                                              MHD_RESPMEM_MUST_COPY);
    }
    if (!reply) return MHD_NO;
    for (const auto& h : response.headers) {
      // A handler sets Content-Length itself only where the body is not sent and the
      // length is the representation's (a 304's): libmicrohttpd must then keep it.
      if (::strcasecmp(h.name.c_str(), "Content-Length") == 0)
        MHD_set_response_options(reply, MHD_RF_INSANITY_HEADER_CONTENT_LENGTH, MHD_RO_END);
      MHD_add_response_header(reply, h.name.c_str(), h.value.c_str());
    }
    MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(response.status), reply);
    MHD_destroy_response(reply);

    bool no_body = request.method == "HEAD" || response.status == 304 || response.status == 204;
    state->answered = true;
    state->exchange = {request.client, port, request.method, state->target, request.version, response.status,
                       no_body ? 0 : response.body_length(), true, 0};
    return queued;
  }
};

namespace {

util::Fd listen_socket(const ServerOptions& options, bool& is_v6) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, options.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(options.port);
    length = sizeof *v4;
    is_v6 = false;
  } else if (::inet_pton(AF_INET6, options.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(options.port);
    length = sizeof *v6;
    is_v6 = true;
  } else {
    throw Error("--listen", "'" + options.address + "' is not a numeric IPv4 or IPv6 address");
  }
  std::string where = (is_v6 ? "[" + options.address + "]" : options.address) + ":" + std::to_string(options.port);
  util::Fd fd(::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw Error(where, std::string("cannot create a socket: ") + std::strerror(errno), "", 3);
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    int err = errno;
    std::string fix = err == EADDRINUSE      ? "another program listens there: choose another port with --listen"
                      : err == EACCES        ? "ports below 1024 need privileges: choose a port of 1024 or more"
                      : err == EADDRNOTAVAIL ? "not an address of this host: see `ip address`, or use 0.0.0.0"
                                             : "";
    throw Error(where, std::string("cannot listen: ") + std::strerror(err), fix);
  }
  if (::listen(fd.get(), 128) != 0)
    throw Error(where, std::string("cannot listen: ") + std::strerror(errno), "", 3);
  return fd;
}

}  // namespace

Server::Server(ServerOptions options, Handler handler, ExchangeLog on_exchange)
    : m_options(std::move(options)), m_impl(std::make_unique<Impl>()) {
  m_impl->handler = std::move(handler);
  m_impl->on_exchange = std::move(on_exchange);
  m_impl->max_body = m_options.max_body;
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  if (m_options.tls) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
      throw Error("--tls-cert", "this libmicrohttpd was built without TLS", "install Debian's libmicrohttpd12", 3);
    m_impl->cert = util::read_small_file(m_options.tls->cert_path, 1 << 20, "certificate");
    m_impl->key = util::read_small_file(m_options.tls->key_path, 1 << 20, "private key");
    if (m_impl->cert.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw Error(m_options.tls->cert_path, "not a PEM certificate", "give the certificate (chain) in PEM form");
    if (m_impl->key.find("PRIVATE KEY-----") == std::string::npos || m_impl->key.find("ENCRYPTED") != std::string::npos)
      throw Error(m_options.tls->key_path, "not an unencrypted PEM private key",
                  "give the key in PEM form without a passphrase (openssl pkey -in KEY -out KEY.pem)");
    flags |= MHD_USE_TLS;
  }
  bool is_v6 = false;
  util::Fd socket = listen_socket(m_options, is_v6);
  if (is_v6) flags |= MHD_USE_IPv6;
  sockaddr_storage bound{};
  socklen_t bound_length = sizeof bound;
  ::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&bound), &bound_length);
  m_port = ntohs(is_v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  std::vector<MHD_OptionItem> items = {
      {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&Impl::on_log), m_impl.get()},
      {MHD_OPTION_LISTEN_SOCKET, socket.get(), nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(std::max(1u, m_options.threads)), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(m_options.idle_timeout_seconds), nullptr},
      {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Impl::on_uri), m_impl.get()},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::on_completed), m_impl.get()},
  };
  if (m_options.tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, m_impl->cert.data()});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, m_impl->key.data()});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});
  m_impl->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, m_impl.get(), MHD_OPTION_ARRAY,
                                    items.data(), MHD_OPTION_END);
  if (!m_impl->daemon) {
    std::string reason = m_impl->last_error.empty() ? "libmicrohttpd did not start" : m_impl->last_error;
    if (m_options.tls)
      throw Error(m_options.tls->cert_path, "cannot serve HTTPS with this certificate and key: " + reason,
                  "check that --tls-key is the key of --tls-cert");
    throw Error(base_url(), "cannot serve: " + reason, "", 3);
  }
  socket.release();  // the daemon closes it when it stops
}

Server::~Server() = default;

namespace {

// The address this host sends from on its default route (a UDP connect sends nothing),
// which a BMC on the management network most likely reaches; else the host name.
std::string outward_address() {
  util::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(9);
  ::inet_pton(AF_INET, "192.0.2.1", &remote.sin_addr);
  sockaddr_in local{};
  socklen_t length = sizeof local;
  char text[INET_ADDRSTRLEN];
  if (fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0 &&
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
      ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text))
    return text;
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "localhost";
}

}  // namespace

std::string Server::base_url() const {
  std::string host = m_options.address;
  if (host == "0.0.0.0" || host == "::") {
    host = outward_address();
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return std::string(tls() ? "https://" : "http://") + host + ":" + std::to_string(m_port);
}

}  // namespace imgbuild::http
