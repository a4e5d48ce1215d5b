// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The installer's syslog as deploy receives it, and which host each datagram is about. A
// rack is deployed with one image and one listener, so every server's installer sends to
// the same address and port: the router attributes each datagram to a host. Pure code
// (datagrams and their source addresses in, attributions out), tested with datagrams
// recorded from BusyBox syslogd (what debian-installer runs) and util-linux logger.
//
// The formats seen on the wire:
//   BusyBox syslogd -R (d-i):  "<13>Dec  7 19:53:39 preseed: IMGBUILD:install-finished\n"
//     (the local message forwarded as it is: no hostname)
//   logger --rfc3164:          "<13>Dec  7 19:53:38 pe01 preseed: IMGBUILD:..."
//   logger (RFC 5424):         "<13>1 2026-12-07T19:53:38.649708+00:00 pe01 imgbuild-firstboot - - [sd] IMGBUILD:..."

#include "vm/markers.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgbuild::deploy {

struct SyslogMessage {
  std::string hostname;  // from the header; empty when the sender wrote none (BusyBox forwarding)
  std::string tag;       // "preseed", "imgbuild-firstboot", "main-menu[123]"
  std::string text;      // the message after the tag
};

// The header of one datagram taken apart; a datagram that is not syslog becomes a message
// whose text is the whole datagram (still searched for markers).
SyslogMessage parse_syslog(std::string_view datagram);

// What the router knows of one host.
struct RoutedHost {
  std::string name;                    // the host's name in reports
  std::string hostname;                // its inventory hostname (fleet marker, installed system)
  std::vector<std::string> addresses;  // addresses it is known to send from
  std::string build_id;                // the image it boots (a per-host image's own id)
};

// One datagram, attributed or not.
struct HostEvent {
  std::chrono::steady_clock::time_point when{};
  std::string source;      // the sender's address
  SyslogMessage message;
  std::optional<vm::Marker> marker;
  std::string how;         // why it went to this host: "address", "fleet marker", ...
  std::string line() const;  // "hostname tag: text" for diagnoses
};

// Attribution, in this order (the first that decides wins):
//   1. a marker naming the host: a fleet image's IMGBUILD:host:<hostname>:... or
//      IMGBUILD:network:<hostname>:..., or IMGBUILD:hostname:<hostname> (any image with
//      log_host, just before its late command's result);
//   2. the hostname in the header is a host's hostname (an installed system sends with
//      its own name; d-i's BusyBox forwarding carries none);
//   3. preseed-loaded:<build id> of exactly one host's image (per-host images);
//   4. the sender (address and port) was bound by one of the above: BusyBox syslogd
//      sends everything from one socket;
//   5. the address is the inventory's address of exactly one host;
//   6. only one host is followed.
// 1-3 bind the sender. What a machine says of itself outranks where it sends from: DHCP
// hands an address to another machine, and several servers behind one NAT address
// (emulated ones on QEMU's user network all send from 127.0.0.1) share it. So an address
// learned from a datagram never decides alone: a datagram from a port nothing bound is
// nobody's until it names its host, rather than acted on for the wrong one.
class SyslogRouter {
 public:
  explicit SyslogRouter(std::vector<RoutedHost> hosts);

  struct Routed {
    std::optional<std::size_t> host;  // index into the hosts; nullopt: no host claims it
    HostEvent event;
  };
  // `port`: the sender's UDP port (0 when unknown).
  Routed route(const std::string& source, std::string_view datagram,
               std::chrono::steady_clock::time_point when = std::chrono::steady_clock::now(),
               std::uint16_t port = 0);

  const std::vector<RoutedHost>& hosts() const { return m_hosts; }

 private:
  std::optional<std::size_t> by_hostname(std::string_view hostname) const;
  std::optional<std::size_t> by_build_id(std::string_view build_id) const;

  void bind(const std::string& source, std::uint16_t port, std::size_t host);
  std::optional<std::size_t> by_address(const std::string& source) const;

  std::vector<RoutedHost> m_hosts;
  std::map<std::pair<std::string, std::uint16_t>, std::size_t> m_senders;  // address and port -> host
  std::map<std::string, std::set<std::size_t>> m_known;                     // inventory address -> hosts
};

// The events of one host, filled by the receiving thread, waited on by the host's
// deployment. Thread-safe.
class HostEvents {
 public:
  void push(HostEvent event);
  // The next event, or nullopt once `deadline` passed or `stop` was set (checked every
  // 200 ms).
  std::optional<HostEvent> next(std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& stop);
  // Drops what arrived before a step starts to matter (the previous deployment's tail).
  void clear();

 private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<HostEvent> m_events;
};

}  // namespace imgbuild::deploy
