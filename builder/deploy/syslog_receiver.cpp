// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/syslog_receiver.hpp"

#include "util/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace imgbuild::deploy {

UdpAddress parse_udp_address(const std::string& text, const std::string& option) {
  std::size_t colon = text.rfind(':');
  UdpAddress out;
  in_addr probe{};
  if (colon == std::string::npos || colon == 0 || ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &probe) != 1)
    throw Error(option, "'" + text + "' is not ADDR:PORT with a numeric IPv4 address", "e.g. 0.0.0.0:5514");
  out.address = text.substr(0, colon);
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc{} || end != last || first == last || port == 0 || port > 65535)
    throw Error(option, "'" + text + "': the port must be 1 to 65535", "e.g. 0.0.0.0:5514");
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

SyslogReceiver::SyslogReceiver(const UdpAddress& listen, std::vector<RoutedHost> hosts)
    : m_router(std::move(hosts)) {
  for (std::size_t i = 0; i < m_router.hosts().size(); ++i) m_events.push_back(std::make_unique<HostEvents>());
  const std::string subject = listen.address + ":" + std::to_string(listen.port) + "/udp";
  m_socket = util::Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!m_socket) throw Error(subject, std::string("cannot open a UDP socket: ") + std::strerror(errno), "", 3);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(listen.port);
  ::inet_pton(AF_INET, listen.address.c_str(), &address.sin_addr);
  if (::bind(m_socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw Error(subject, std::string("cannot listen for the installers' syslog: ") + std::strerror(errno),
                "stop what uses that port, or give --syslog an address of this machine", 3);
  m_port = listen.port;
  m_thread = std::thread([this] { receive_loop(); });
}

SyslogReceiver::~SyslogReceiver() { stop(); }

void SyslogReceiver::stop() {
  m_stop = true;
  if (m_thread.joinable()) m_thread.join();
}

void SyslogReceiver::receive_loop() {
  char buffer[65536];
  while (!m_stop) {
    // A short poll so stop() is answered within 200 ms without a wake-up pipe.
    pollfd pfd{m_socket.get(), POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) continue;
    sockaddr_in from{};
    socklen_t from_size = sizeof from;
    ssize_t got = ::recvfrom(m_socket.get(), buffer, sizeof buffer, MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_size);
    if (got <= 0) continue;
    char source[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &from.sin_addr, source, sizeof source);
    ++m_datagrams;
    SyslogRouter::Routed routed = m_router.route(source, std::string_view(buffer, static_cast<std::size_t>(got)),
                                                 std::chrono::steady_clock::now(), ntohs(from.sin_port));
    if (routed.host) {
      m_events[*routed.host]->push(std::move(routed.event));
    } else {
      for (auto& events : m_events) events->push(routed.event);
    }
  }
}

}  // namespace imgbuild::deploy
