// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/markers.hpp"

#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

const std::string k_id = "0123456789abcdef0123456789abcdef";

std::vector<Marker> parse_all(std::string_view log, std::size_t chunk) {
  MarkerParser parser;
  std::vector<Marker> all;
  for (std::size_t i = 0; i < log.size(); i += chunk) {
    auto some = parser.feed(log.substr(i, chunk));
    all.insert(all.end(), some.begin(), some.end());
  }
  auto rest = parser.finish();
  all.insert(all.end(), rest.begin(), rest.end());
  return all;
}

TEST(Markers, StripsEscapesAndControls) {
  EXPECT_EQ(strip_terminal_codes("\x1b[1;24r\x1b[4l\x1b(B\x1b)0\x1b[m\x0f" "abc\x1b[24;1H"), "abc");
  EXPECT_EQ(strip_terminal_codes("\x1b]0;title\x07x\x1b]2;t\x1b\\y"), "xy");
  EXPECT_EQ(strip_terminal_codes("a\x9b" "31mb\x1b" "7c"), "abc");
  EXPECT_EQ(strip_terminal_codes("tab\tend\xff\x01"), "tab\tend");
}

TEST(Markers, ParsesEveryKind) {
  Marker m;
  ASSERT_TRUE(parse_marker_line("IMGBUILD:preseed-loaded:" + k_id, m));
  EXPECT_EQ(m.kind, MarkerKind::PreseedLoaded);
  EXPECT_EQ(m.detail, k_id);
  ASSERT_TRUE(parse_marker_line("IMGBUILD:install-finished", m));
  EXPECT_EQ(m.kind, MarkerKind::InstallFinished);
  ASSERT_TRUE(parse_marker_line("IMGBUILD:late-command-failed:3", m));
  EXPECT_EQ(m.kind, MarkerKind::LateCommandFailed);
  EXPECT_EQ(m.detail, "3");
  ASSERT_TRUE(parse_marker_line("IMGBUILD:hostname:pe01", m));
  EXPECT_EQ(m.kind, MarkerKind::Fleet);
  EXPECT_EQ(m.event, "hostname");
  EXPECT_EQ(m.detail, "pe01");
  ASSERT_TRUE(parse_marker_line("IMGBUILD:firstboot-detach-failed:racadm returned 1 ", m));
  EXPECT_EQ(m.detail, "racadm returned 1");
  EXPECT_FALSE(parse_marker_line("echo IMGBUILD:firstboot-done:x > /dev/ttyS0", m));
  EXPECT_FALSE(parse_marker_line("IMGBUILD:install-finished and more", m));
  ASSERT_TRUE(parse_marker_line("IMGBUILD:firstboot-detach-failed:rc_1", m));
  EXPECT_EQ(m.kind, MarkerKind::Firstboot);
  EXPECT_EQ(m.event, "detach-failed");
  EXPECT_EQ(m.detail, "rc_1");
  ASSERT_TRUE(parse_marker_line("IMGBUILD:firstboot-done", m));
  EXPECT_EQ(m.event, "done");
  ASSERT_TRUE(parse_marker_line("IMGBUILD:something-new", m));
  EXPECT_EQ(m.kind, MarkerKind::Unknown);
}

TEST(Markers, RejectsCommandEchoesAndNonMarkers) {
  Marker m;
  EXPECT_FALSE(parse_marker_line("echo IMGBUILD:install-finished > /dev/ttyS0", m));
  EXPECT_FALSE(parse_marker_line("IMGBUILD:", m));
  EXPECT_FALSE(parse_marker_line("imgbuild:install-finished", m));
  EXPECT_FALSE(parse_marker_line("nothing here", m));
  // Garbage before the marker is fine.
  ASSERT_TRUE(parse_marker_line("~~#@!IMGBUILD:install-finished  ", m));
  EXPECT_EQ(m.text, "IMGBUILD:install-finished");
}

TEST(Markers, FindsMarkersInScreenOutputWhateverTheChunking) {
  // As GNU screen on the installer's serial console writes it: escapes, SI, CR LF.
  std::string log =
      "Starting system log daemon: syslogd, klogd.\r\n"
      "\x1b[1;24r\x1b[4l\x1b(B\x1b)0\x1b[m\x0f\x1b[1;24r\x1b[H\x1b[J\x1b[24;1H\x1b[m\x0f\r"
      "IMGBUILD:preseed-loaded:" + k_id + "\r\n"
      "\x1b[7;1H\x1b[1mIMGBUILD:install-finished\x1b[m\r\n"
      "garbage \xfe\xff IMGBUILD:firstboot-start\n"
      "debian login: ";
  for (std::size_t chunk : {1u, 2u, 7u, 64u, 100000u}) {
    auto markers = parse_all(log, chunk);
    ASSERT_EQ(markers.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(markers[0].kind, MarkerKind::PreseedLoaded);
    EXPECT_EQ(markers[0].detail, k_id);
    EXPECT_EQ(markers[1].kind, MarkerKind::InstallFinished);
    EXPECT_EQ(markers[2].event, "start");
  }
}

TEST(Markers, LastLineWithoutNewlineIsParsedAtFinish) {
  MarkerParser parser;
  EXPECT_TRUE(parser.feed("IMGBUILD:firstboot-done").empty());
  auto markers = parser.finish();
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(markers[0].event, "done");
}

TEST(Markers, HugeLineWithoutNewlineKeepsItsTail) {
  MarkerParser parser;
  std::string noise(100000, 'x');
  EXPECT_TRUE(parser.feed(noise).empty());
  auto markers = parser.feed(" IMGBUILD:install-finished\n");
  ASSERT_EQ(markers.size(), 1u);
}

TEST(Markers, LastLines) {
  std::string log = "one\r\n\r\ntwo\x1b[m\r\nthree   \n\nfour";
  auto lines = last_lines(log, 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "two");
  EXPECT_EQ(lines[1], "three");
  EXPECT_EQ(lines[2], "four");
  EXPECT_TRUE(last_lines("", 40).empty());
}

}  // namespace
}  // namespace imgbuild::vm

TEST(MarkerParser, ControlByteInsideAMarkerIsCleanedNotMissed) {
  // Fuzzer finding (tests/fuzz/findings/vm-control-byte-inside-marker.log): the streaming
  // parser pre-filtered raw lines for "IMGB" and missed what the line parser finds.
  imgbuild::vm::MarkerParser parser;
  auto markers = parser.feed(std::string_view("IMG\x01" "BUILD:install-finished\n"));
  auto rest = parser.finish();
  markers.insert(markers.end(), rest.begin(), rest.end());
  ASSERT_EQ(markers.size(), 1u);
  imgbuild::vm::Marker expected;
  ASSERT_TRUE(imgbuild::vm::parse_marker_line("IMGBUILD:install-finished", expected));
  EXPECT_EQ(markers[0].kind, expected.kind);
}
