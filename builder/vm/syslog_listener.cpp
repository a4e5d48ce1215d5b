// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/syslog_listener.hpp"

#include "util/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace imgbuild::vm {

SyslogListener::SyslogListener(std::uint16_t port, std::size_t max_bytes) : m_max_bytes(max_bytes) {
  const std::string subject = "127.0.0.1:" + std::to_string(port) + "/udp";
  m_socket = util::Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!m_socket) throw Error(subject, std::string("cannot open a UDP socket: ") + std::strerror(errno), "", 3);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(m_socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw Error(subject, std::string("cannot listen for the installer's syslog: ") + std::strerror(errno),
                "pick a free port (build the image with the same log_port) or stop what uses it", 3);
  m_thread = std::thread([this] { receive_loop(); });
}

SyslogListener::~SyslogListener() { stop(); }

void SyslogListener::stop() {
  m_stop = true;
  if (m_thread.joinable()) m_thread.join();
}

std::string SyslogListener::text() const {
  std::lock_guard lock(m_mutex);
  return m_text;
}

void SyslogListener::receive_loop() {
  char buffer[65536];
  while (!m_stop) {
    // A short poll so stop() is answered within 200 ms without a wake-up pipe.
    pollfd pfd{m_socket.get(), POLLIN, 0};
    int ready = ::poll(&pfd, 1, 200);
    if (ready <= 0) continue;
    ssize_t got = ::recv(m_socket.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (got <= 0) continue;
    std::string line(buffer, static_cast<std::size_t>(got));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == '\0')) line.pop_back();
    line += '\n';
    ++m_datagrams;
    std::lock_guard lock(m_mutex);
    m_text += line;
    if (m_text.size() > m_max_bytes) {
      std::size_t cut = m_text.find('\n', m_text.size() - m_max_bytes);
      m_text.erase(0, cut == std::string::npos ? m_text.size() - m_max_bytes : cut + 1);
    }
  }
}

}  // namespace imgbuild::vm
