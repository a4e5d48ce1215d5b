// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/syslog_listener.hpp"

#include "util/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

using imgbuild::Error;
using imgbuild::vm::SyslogListener;

namespace {

// A port the kernel just handed out (and took back): free unless someone races for it.
std::uint16_t free_udp_port() {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

void send_to(std::uint16_t port, const std::string& datagram) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(s, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(s);
}

bool wait_for(const SyslogListener& listener, std::uint64_t count) {
  for (int i = 0; i < 100 && listener.datagrams() < count; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return listener.datagrams() >= count;
}

}  // namespace

TEST(SyslogListener, OneLinePerDatagramAsSent) {
  const std::uint16_t port = free_udp_port();
  SyslogListener listener(port);
  send_to(port, "<13>Nov 25 12:00:00 anna[123]: retrieving imgbuild-probe");
  send_to(port, "<11>Nov 25 12:00:01 partman: no disk found\n");
  send_to(port, std::string("<14>with a NUL\0", 14));
  ASSERT_TRUE(wait_for(listener, 3));
  listener.stop();
  EXPECT_EQ(listener.text(),
            "<13>Nov 25 12:00:00 anna[123]: retrieving imgbuild-probe\n"
            "<11>Nov 25 12:00:01 partman: no disk found\n"
            "<14>with a NUL\n");
  // Stopped means stopped: later datagrams are not taken.
  send_to(port, "<13>late");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(listener.datagrams(), 3u);
}

TEST(SyslogListener, KeepsTheNewestLinesWithinItsBound) {
  const std::uint16_t port = free_udp_port();
  SyslogListener listener(port, 40);
  for (int i = 0; i < 10; ++i) send_to(port, "line number " + std::to_string(i));
  ASSERT_TRUE(wait_for(listener, 10));
  listener.stop();
  const std::string text = listener.text();
  EXPECT_LE(text.size(), 40u);
  EXPECT_EQ(text.substr(text.size() - 14), "line number 9\n");
  EXPECT_EQ(text.find("line number 0"), std::string::npos);
  EXPECT_EQ(text.front(), 'l');  // whole lines only
}

TEST(SyslogListener, PortInUseIsAnEnvironmentError) {
  const std::uint16_t port = free_udp_port();
  SyslogListener first(port);
  try {
    SyslogListener second(port);
    FAIL() << "a second listener bound the same port";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  }
}
