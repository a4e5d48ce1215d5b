// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/verify.hpp"

#include "vm/accel.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace imgbuild::vm {
namespace {

const std::string k_id = "0123456789abcdef0123456789abcdef";

// Plays a recorded serial log in chunks, one per read; answers monitor commands from a
// table; records what the logic asked of it.
class FakeRunner : public Runner {
 public:
  std::deque<std::string> chunks;
  bool exits_after_chunks = false;
  std::string registers;
  std::string xp;
  std::string firmware;
  std::string stderr_text;
  bool started = false;
  int stops = 0;
  int screenshots = 0;
  std::size_t reads = 0;

  void start() override { started = true; }
  std::string read_serial(std::chrono::milliseconds timeout) override {
    ++reads;
    if (chunks.empty()) {
      std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(5)));
      return {};
    }
    std::string chunk = chunks.front();
    chunks.pop_front();
    return chunk;
  }
  bool running() override { return stops == 0 && !(exits_after_chunks && chunks.empty()); }
  std::string monitor(const std::string& command) override {
    if (command.starts_with("info registers")) return registers;
    if (command.starts_with("xp ")) return xp;
    return {};
  }
  bool screenshot(const std::string&, std::string&) override {
    ++screenshots;
    return true;
  }
  std::string firmware_log() override { return firmware; }
  std::string diagnostics() override { return stderr_text; }
  void stop() override { ++stops; }
};

VerifyOptions options(std::chrono::milliseconds timeout = std::chrono::milliseconds(300)) {
  VerifyOptions o;
  o.target = Stage::Boot;
  o.timeout = timeout;
  o.expected_build_id = k_id;
  o.screenshot_path = "/nonexistent/screen.png";
  o.poll = std::chrono::milliseconds(5);
  return o;
}

TEST(Verify, StopsAsSoonAsTheStageIsReached) {
  FakeRunner runner;
  runner.chunks = {"SeaBIOS\r\n", "IMGBUILD:preseed-lo", "aded:" + k_id + "\r\n", "more output\r\n"};
  std::vector<std::string> events;
  VerifyObserver observer;
  observer.on_event = [&](const TimelineEvent& e) { events.push_back(e.text); };
  auto outcome = run_verify(runner, options(std::chrono::milliseconds(60000)), observer);
  EXPECT_TRUE(runner.started);
  EXPECT_TRUE(outcome.verdict.passed);
  EXPECT_EQ(runner.chunks.size(), 1u);  // did not read past the marker
  EXPECT_EQ(runner.stops, 1);
  EXPECT_EQ(runner.screenshots, 0);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "stage boot: preseed loaded, build id " + k_id + " matches");
  EXPECT_LT(outcome.seconds, 10.0);
}

TEST(Verify, TimeoutGathersEvidence) {
  FakeRunner runner;
  runner.registers = "CPU#0\r\nEIP=00102f3a CPL=0\r\nCR0=00000011\r\n";
  runner.xp = "00000000000b8000: 0x62 0x07 0x6f 0x07 0x6f 0x07 0x74 0x07 0x3a 0x07\r\n";
  runner.firmware = "Booting from DVD/CD...\nBooting from 0000:7c00\n";
  std::vector<std::string> events;
  VerifyObserver observer;
  observer.on_event = [&](const TimelineEvent& e) { events.push_back(e.text); };
  auto outcome = run_verify(runner, options(), observer);
  EXPECT_FALSE(outcome.verdict.passed);
  EXPECT_EQ(outcome.verdict.cause, Cause::MenuWaiting);
  EXPECT_EQ(runner.screenshots, 1);
  EXPECT_EQ(runner.stops, 1);
  EXPECT_NE(std::find(events.begin(), events.end(), "firmware: Booting from DVD/CD..."), events.end());
  EXPECT_GE(outcome.seconds, 0.3);
}

TEST(Verify, MismatchStopsEarly) {
  FakeRunner runner;
  runner.chunks = {"IMGBUILD:preseed-loaded:ffffffffffffffffffffffffffffffff\n", "x\n", "y\n"};
  auto outcome = run_verify(runner, options(std::chrono::milliseconds(60000)));
  EXPECT_EQ(outcome.verdict.cause, Cause::BuildIdMismatch);
  EXPECT_EQ(runner.chunks.size(), 2u);
}

TEST(Verify, QemuExitingIsReported) {
  FakeRunner runner;
  runner.chunks = {"some output\n"};
  runner.exits_after_chunks = true;
  runner.stderr_text = "qemu-system-x86_64: -device megasas: something broke\n";
  auto outcome = run_verify(runner, options(std::chrono::milliseconds(60000)));
  EXPECT_EQ(outcome.verdict.cause, Cause::QemuFailed);
  EXPECT_NE(outcome.verdict.summary.find("something broke"), std::string::npos);
  EXPECT_EQ(outcome.serial_log, "some output\n");
}

class FakeProbe : public KvmProbe {
 public:
  std::string device;
  std::string boot;
  int boots = 0;
  std::string device_problem() override { return device; }
  std::string probe_boot_problem() override {
    ++boots;
    return boot;
  }
};

TEST(Accel, Choice) {
  FakeProbe probe;
  EXPECT_EQ(choose_accel("tcg", probe).accel, Accel::Tcg);
  EXPECT_EQ(choose_accel("auto", probe).accel, Accel::Kvm);
  EXPECT_EQ(probe.boots, 1);

  probe.boot = "KVM internal error";
  auto choice = choose_accel("auto", probe);
  EXPECT_EQ(choice.accel, Accel::Tcg);
  EXPECT_NE(choice.reason.find("KVM internal error"), std::string::npos);

  probe.device = "/dev/kvm cannot be opened (No such file or directory)";
  probe.boots = 0;
  choice = choose_accel("auto", probe);
  EXPECT_EQ(choice.accel, Accel::Tcg);
  EXPECT_EQ(probe.boots, 0);  // no probe boot without a device
  EXPECT_NE(choice.reason.find("No such file"), std::string::npos);

  try {
    choose_accel("kvm", probe);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 3);
  }
  EXPECT_THROW(choose_accel("hvf", probe), Error);
}

}  // namespace
}  // namespace imgbuild::vm
