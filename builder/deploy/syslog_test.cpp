// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/syslog.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace imgbuild::deploy;

namespace {

// Recorded on Debian 12 with a UDP listener: BusyBox 1.35 syslogd -R forwarding a local
// `busybox logger -t preseed` line (what d-i's syslogd sends), util-linux 2.38 logger
// --rfc3164 and logger's default remote format (RFC 5424).
constexpr const char* k_busybox = "<13>Dec  7 19:53:39 preseed: IMGBUILD:late-command-failed:3\n";
constexpr const char* k_busybox_log_output = "<13>Dec  7 19:53:39 log-output: IMGBUILD:install-finished\n";
constexpr const char* k_rfc3164 = "<13>Dec  7 19:53:38 vm preseed: IMGBUILD:preseed-loaded:0123456789abcdef0123456789abcdef";
constexpr const char* k_rfc5424 =
    "<13>1 2026-12-07T19:53:38.649708+00:00 vm imgbuild-firstboot - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] "
    "IMGBUILD:firstboot-done";
constexpr const char* k_id_a = "0123456789abcdef0123456789abcdef";
constexpr const char* k_id_b = "fedcba9876543210fedcba9876543210";

// The host a datagram went to, -1 for none.
long host_of(const SyslogRouter::Routed& routed) { return routed.host ? static_cast<long>(*routed.host) : -1; }

std::string preseed_loaded(const std::string& id) { return "<13>Dec  7 19:53:39 preseed: IMGBUILD:preseed-loaded:" + id + "\n"; }

}  // namespace

TEST(ParseSyslog, BusyBoxForwardingHasNoHostname) {
  SyslogMessage m = parse_syslog(k_busybox);
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "preseed");
  EXPECT_EQ(m.text, "IMGBUILD:late-command-failed:3");
  m = parse_syslog(k_busybox_log_output);
  EXPECT_EQ(m.tag, "log-output");
  EXPECT_EQ(m.text, "IMGBUILD:install-finished");
}

TEST(ParseSyslog, Rfc3164WithHostname) {
  SyslogMessage m = parse_syslog(k_rfc3164);
  EXPECT_EQ(m.hostname, "vm");
  EXPECT_EQ(m.tag, "preseed");
  EXPECT_EQ(m.text, std::string("IMGBUILD:preseed-loaded:") + k_id_a);
}

TEST(ParseSyslog, Rfc5424WithStructuredData) {
  SyslogMessage m = parse_syslog(k_rfc5424);
  EXPECT_EQ(m.hostname, "vm");
  EXPECT_EQ(m.tag, "imgbuild-firstboot");
  EXPECT_EQ(m.text, "IMGBUILD:firstboot-done");
  // Nil fields, no structured data, a quoted ] inside a value, the UTF-8 BOM.
  m = parse_syslog("<14>1 - - - - - - plain");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.text, "plain");
  m = parse_syslog("<14>1 2026-12-07T00:00:00Z h a 1 - [x y=\"a\\]b]\"][z] \xEF\xBB\xBFtext");
  EXPECT_EQ(m.text, "text");
}

TEST(ParseSyslog, TagWithPidAndOddInput) {
  SyslogMessage m = parse_syslog("<30>Dec 17 01:02:03 main-menu[123]: INFO: Menu item 'netcfg' selected");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "main-menu[123]");
  EXPECT_EQ(m.text, "INFO: Menu item 'netcfg' selected");
  // Not syslog at all: the whole datagram is the text.
  EXPECT_EQ(parse_syslog("IMGBUILD:install-finished").text, "IMGBUILD:install-finished");
  EXPECT_EQ(parse_syslog("<999999>x").text, "<999999>x");
  EXPECT_EQ(parse_syslog("").text, "");
  EXPECT_EQ(parse_syslog("<13>").text, "");
  EXPECT_EQ(parse_syslog("<13>1 ").text, "");
}

TEST(SyslogRouter, OnlyHostTakesEverything) {
  SyslogRouter router({{"pe01", "", {}, k_id_a}});
  auto routed = router.route("192.0.2.7", k_busybox);
  ASSERT_TRUE(routed.host);
  EXPECT_EQ(*routed.host, 0u);
  EXPECT_EQ(routed.event.how, "only host");
  ASSERT_TRUE(routed.event.marker);
  EXPECT_EQ(routed.event.marker->kind, imgbuild::vm::MarkerKind::LateCommandFailed);
  EXPECT_EQ(routed.event.marker->detail, "3");
}

TEST(SyslogRouter, FleetMarkerBindsTheSourceThenAddressDecides) {
  SyslogRouter router({{"pe01", "pe01", {}, k_id_a}, {"pe02", "pe02", {}, k_id_a}});
  // A fleet image: every host boots the same build id, so it decides nothing.
  EXPECT_FALSE(router.route("192.0.2.8", preseed_loaded(k_id_a)).host);
  auto routed = router.route("192.0.2.8", "<13>Dec  7 19:53:39 netcfg: IMGBUILD:host:pe02:mac@ens6\n");
  ASSERT_TRUE(routed.host);
  EXPECT_EQ(*routed.host, 1u);
  EXPECT_EQ(routed.event.how, "fleet marker");
  routed = router.route("192.0.2.8", k_busybox_log_output);
  ASSERT_TRUE(routed.host);
  EXPECT_EQ(*routed.host, 1u);
  EXPECT_EQ(routed.event.how, "address");
  // Another sender is nobody's until it says who it is.
  EXPECT_FALSE(router.route("192.0.2.9", k_busybox_log_output).host);
  routed = router.route("192.0.2.9", "<13>Dec  7 19:53:39 netcfg: IMGBUILD:network:pe01:ens6=192.0.2.9/24\n");
  ASSERT_TRUE(routed.host);
  EXPECT_EQ(*routed.host, 0u);
  EXPECT_EQ(host_of(router.route("192.0.2.9", k_busybox)), 0);
}

TEST(SyslogRouter, FleetMarkerOutranksAKnownAddress) {
  // DHCP gave pe01's old address to pe02: what the machine says of itself wins.
  SyslogRouter router({{"pe01", "pe01", {"192.0.2.7"}, ""}, {"pe02", "pe02", {}, ""}});
  EXPECT_EQ(host_of(router.route("192.0.2.7", k_busybox)), 0);
  EXPECT_EQ(host_of(router.route("192.0.2.7", "<13>Dec  7 19:53:39 netcfg: IMGBUILD:host:pe02:serial\n")), 1);
  EXPECT_EQ(host_of(router.route("192.0.2.7", k_busybox)), 1);
}

TEST(SyslogRouter, HeaderHostnameOfTheInstalledSystem) {
  SyslogRouter router({{"pe01", "pe01.example.org", {}, ""}, {"vm", "vm", {}, ""}});
  auto routed = router.route("198.51.100.4", k_rfc5424);
  ASSERT_TRUE(routed.host);
  EXPECT_EQ(*routed.host, 1u);
  EXPECT_EQ(routed.event.how, "hostname");
  // The short name matches the full one; the address is bound for lines without a name.
  std::string full = "<13>1 2026-12-07T19:53:38Z pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-start";
  EXPECT_EQ(host_of(router.route("198.51.100.5", full)), 0);
  EXPECT_EQ(host_of(router.route("198.51.100.5", k_busybox)), 0);
  // A name no host has: nobody's.
  EXPECT_FALSE(router.route("198.51.100.6", "<13>Dec  7 19:53:38 other cron[1]: x").host);
}

TEST(SyslogRouter, PerHostBuildIdBindsTheSource) {
  SyslogRouter router({{"pe01", "pe01", {}, k_id_a}, {"pe02", "pe02", {}, k_id_b}});
  auto routed = router.route("192.0.2.20", preseed_loaded(k_id_b));
  ASSERT_TRUE(routed.host);
  EXPECT_EQ(*routed.host, 1u);
  EXPECT_EQ(routed.event.how, "build id");
  EXPECT_EQ(host_of(router.route("192.0.2.20", k_busybox_log_output)), 1);
  // An id no host's image has: nobody's.
  EXPECT_FALSE(router.route("192.0.2.21", preseed_loaded("00000000000000000000000000000000")).host);
}

// Servers behind one NAT address (emulated ones on QEMU's user network: all from
// 127.0.0.1) differ only by the port of their installer's syslog socket.
TEST(SyslogRouter, SharedAddressRoutesBySenderPortAndNames) {
  const auto now = std::chrono::steady_clock::now();
  SyslogRouter router({{"pe01", "pe01", {}, k_id_a}, {"pe02", "pe02", {}, k_id_b}});
  EXPECT_EQ(host_of(router.route("127.0.0.1", preseed_loaded(k_id_a), now, 40001)), 0);
  // An address learned from a datagram decides nothing alone: this may be another server
  // behind the same NAT.
  EXPECT_FALSE(router.route("127.0.0.1", k_busybox_log_output, now, 40009).host);
  EXPECT_EQ(host_of(router.route("127.0.0.1", preseed_loaded(k_id_b), now, 40002)), 1);
  EXPECT_EQ(host_of(router.route("127.0.0.1", k_busybox_log_output, now, 40001)), 0);
  EXPECT_EQ(host_of(router.route("127.0.0.1", k_busybox_log_output, now, 40002)), 1);
  // A new port at a shared address (NAT's socket expired) is nobody's...
  EXPECT_FALSE(router.route("127.0.0.1", "<13>Dec  7 19:53:39 preseed: IMGBUILD:install-finished\n", now, 40003).host);
  // ...until the line that names the installer's host, sent just before the result.
  auto named = router.route("127.0.0.1", "<13>Dec  7 19:58:01 preseed: IMGBUILD:hostname:pe02\n", now, 40004);
  EXPECT_EQ(host_of(named), 1);
  EXPECT_EQ(named.event.how, "fleet marker");
  auto result = router.route("127.0.0.1", "<13>Dec  7 19:58:01 preseed: IMGBUILD:install-finished\n", now, 40004);
  EXPECT_EQ(host_of(result), 1);
  ASSERT_TRUE(result.event.marker);
  EXPECT_EQ(result.event.marker->kind, imgbuild::vm::MarkerKind::InstallFinished);
  // The installed systems name themselves in every datagram, from a new port each time.
  std::string firstboot = "<13>1 2026-12-07T20:03:38Z pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-done";
  EXPECT_EQ(host_of(router.route("127.0.0.1", firstboot, now, 40100)), 0);
  // A hostname no host has is not a name: nobody's.
  EXPECT_FALSE(router.route("127.0.0.1", "<13>Dec  7 19:58:01 preseed: IMGBUILD:hostname:debian\n", now, 40200).host);
}

TEST(HostEvents, WaitsUntilAnEventOrTheDeadline) {
  HostEvents events;
  std::atomic<bool> stop{false};
  auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  EXPECT_FALSE(events.next(soon, stop));
  std::thread pusher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    HostEvent event;
    event.source = "192.0.2.1";
    events.push(event);
  });
  auto event = events.next(std::chrono::steady_clock::now() + std::chrono::seconds(5), stop);
  pusher.join();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->source, "192.0.2.1");
  stop = true;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(events.next(start + std::chrono::seconds(10), stop));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}
