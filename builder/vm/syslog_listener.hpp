// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The installer's own syslog, received over the network while verify runs. An image built
// with `--kernel-args "log_host=10.0.2.2 log_port=PORT"` makes the installer's syslogd send
// every line to 10.0.2.2:PORT, which QEMU's user network hands to 127.0.0.1:PORT on the
// host. When a run fails mid-install that log says why (partman, anna, apt) long before
// anything reaches the disk.

#include "util/fs.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace imgbuild::vm {

class SyslogListener {
 public:
  // Binds UDP 127.0.0.1:port (Error, exit 3, when the port is taken) and starts receiving.
  explicit SyslogListener(std::uint16_t port, std::size_t max_bytes = 16u << 20);
  ~SyslogListener();
  SyslogListener(const SyslogListener&) = delete;
  SyslogListener& operator=(const SyslogListener&) = delete;

  // Stops receiving (idempotent); text() keeps what arrived.
  void stop();
  // One line per datagram, as the sender wrote it ("<13>Nov 25 12:00:00 anna[123]: ...").
  // Beyond max_bytes the oldest lines go: the end of a failed run is what matters.
  std::string text() const;
  std::uint64_t datagrams() const { return m_datagrams.load(); }

 private:
  void receive_loop();

  util::Fd m_socket;
  std::size_t m_max_bytes;
  mutable std::mutex m_mutex;
  std::string m_text;
  std::atomic<bool> m_stop{false};
  std::atomic<std::uint64_t> m_datagrams{0};
  std::thread m_thread;
};

}  // namespace imgbuild::vm
