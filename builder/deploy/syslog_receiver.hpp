// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The UDP socket the installers of a deployment send their syslog to, and the thread
// that hands each datagram to the router and the routed event to its host's queue. One
// per deploy run, whatever the number of hosts: every server boots an image that names
// the same log_host and log_port.

#include "deploy/syslog.hpp"
#include "util/fs.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace imgbuild::deploy {

// "ADDR:PORT" (IPv4) into its parts; Error (exit 2) naming `option` when malformed.
struct UdpAddress {
  std::string address;  // "0.0.0.0" listens on every address
  std::uint16_t port = 0;
};
UdpAddress parse_udp_address(const std::string& text, const std::string& option);

class SyslogReceiver {
 public:
  // Binds the address (Error exit 3 naming it when taken or not this machine's) and starts
  // receiving. Datagrams no host claims go to every host's queue with an empty `how`:
  // a host's diagnosis names them ("syslog arrived from 192.0.2.9, which no host claims").
  SyslogReceiver(const UdpAddress& listen, std::vector<RoutedHost> hosts);
  ~SyslogReceiver();
  SyslogReceiver(const SyslogReceiver&) = delete;
  SyslogReceiver& operator=(const SyslogReceiver&) = delete;

  HostEvents& events(std::size_t host) { return *m_events.at(host); }
  std::uint16_t port() const { return m_port; }
  std::uint64_t datagrams() const { return m_datagrams.load(); }
  void stop();

 private:
  void receive_loop();

  util::Fd m_socket;
  std::uint16_t m_port = 0;
  SyslogRouter m_router;
  std::vector<std::unique_ptr<HostEvents>> m_events;
  std::atomic<bool> m_stop{false};
  std::atomic<std::uint64_t> m_datagrams{0};
  std::thread m_thread;
};

}  // namespace imgbuild::deploy
