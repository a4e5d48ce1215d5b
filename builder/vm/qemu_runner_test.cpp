// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/qemu_runner.hpp"

#include "vm/accel.hpp"

#include "util/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace imgbuild::vm {
namespace {

TEST(Qmp, RepliesOfEachKind) {
  QmpReply r = parse_qmp_reply(R"({"return": "line\r\nCPU#0 \"x\" \u0041 \u00e9"})");
  EXPECT_EQ(r.kind, QmpReply::Kind::Return);
  EXPECT_EQ(r.text, "line\r\nCPU#0 \"x\" A \xc3\xa9");
  r = parse_qmp_reply(R"({"return": {}})");
  EXPECT_EQ(r.kind, QmpReply::Kind::Return);
  EXPECT_EQ(r.text, std::nullopt);
  r = parse_qmp_reply(R"({"error": {"class": "GenericError", "desc": "no PNG support"}})");
  EXPECT_EQ(r.kind, QmpReply::Kind::Error);
  EXPECT_EQ(r.problem, "no PNG support");
  EXPECT_EQ(parse_qmp_reply(R"({"error": 7})").problem, "unknown error");
  EXPECT_EQ(parse_qmp_reply(R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESET"})").kind,
            QmpReply::Kind::Event);
  EXPECT_EQ(parse_qmp_reply(R"({"QMP": {"version": {}, "capabilities": ["oob"]}})").kind, QmpReply::Kind::Greeting);
  // "return" wins over "event" in the same object (the old substring test got this wrong
  // for a monitor text that mentions "event":).
  EXPECT_EQ(parse_qmp_reply(R"({"return": "\"event\": x"})").kind, QmpReply::Kind::Return);
}

// What the substring parser turned into std::stoul exceptions (a malformed \u escape), or
// silently misread, is a diagnosed Malformed reply: no exception leaves the parser.
TEST(Qmp, MalformedRepliesAreDiagnosedNotThrown) {
  for (std::string_view line :
       {R"({"return": "\uZZZZ"})", R"({"return": "\u12"})", R"({"return": "cut off)", R"({"return": 1e99999})",
        R"([1, 2])", R"("just a string")", "", "\xff\xfe", R"({"return": 1} trailing)", R"({"other": 1})",
        R"({"desc": "looks like an error but is not one"})"}) {
    QmpReply r;
    ASSERT_NO_THROW(r = parse_qmp_reply(line)) << line;
    EXPECT_EQ(r.kind, QmpReply::Kind::Malformed) << line;
    EXPECT_THAT(r.problem, ::testing::StartsWith("malformed QMP reply")) << line;
  }
}

TEST(Qmp, CommandsAreJsonAndRefuseInvalidUtf8) {
  EXPECT_EQ(qmp_command("quit"), R"({"execute":"quit"})");
  EXPECT_EQ(qmp_command("human-monitor-command", {{"command-line", "a\"b\\c\n"}}),
            R"({"execute":"human-monitor-command","arguments":{"command-line":"a\"b\\c\n"}})");
  EXPECT_EQ(qmp_command("screendump", {{"filename", "/tmp/\xff/screen.png"}}), std::nullopt);
}

// The firmware log is read by offset: a long one must give its later bytes (it used to
// be read as its last 256 KiB, which stops moving once the log is longer).
TEST(QemuRunner, ReadsAFileFromAnOffsetPastAnyTailLimit) {
  std::string dir = std::string(IMGBUILD_TEST_TMP) + "/read-from";
  std::filesystem::create_directories(dir);
  std::string path = dir + "/firmware.log";
  std::string content(400u << 10, 'x');
  content += "Booting from DVD/CD...\n";
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << content;
  }
  EXPECT_EQ(read_file_from(path, 400u << 10, 1u << 20), "Booting from DVD/CD...\n");
  EXPECT_EQ(read_file_from(path, 0, 8), "xxxxxxxx");
  EXPECT_EQ(read_file_from(path, content.size(), 1u << 20), "");
  EXPECT_EQ(read_file_from(path, content.size() + 10, 1u << 20), "");
  EXPECT_EQ(read_file_from(dir + "/missing.log", 0, 10), "");
}

// The power cycle after a detach is a second launch on the same disk: it must find the
// installed system there, not a blank disk (qemu-img create again wiped it once).
TEST(QemuRunner, APowerCycleKeepsTheDisk) {
  std::string dir = std::string(IMGBUILD_TEST_TMP) + "/keep-disks";
  std::filesystem::create_directories(dir);
  MachineProfile profile;
  profile.name = "test";
  LaunchSettings settings;
  settings.qemu_binary = "true";  // starts and ends at once: only prepare() matters here
  settings.disk = dir + "/disk.qcow2";
  settings.floppy = dir + "/floppy.img";
  settings.qmp_socket = dir + "/qmp.sock";
  settings.keep_disks = true;
  {
    std::ofstream file(settings.disk, std::ios::binary | std::ios::trunc);
    file << "the installed system";
  }
  {
    QemuRunner runner(profile, settings, dir + "/qemu.log");
    runner.start();
    runner.stop();
  }
  std::ifstream file(settings.disk, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "the installed system");
  EXPECT_FALSE(std::filesystem::exists(settings.floppy));
  std::filesystem::remove(settings.disk);
  QemuRunner gone(profile, settings, dir + "/qemu.log");
  EXPECT_THROW(gone.start(), Error);
}

TEST(ChildProcess, KilledByDestructorAndReaped) {
  pid_t pid = -1;
  {
    ChildProcess child;
    child.spawn({"sleep", "60"}, "/dev/null");
    pid = child.pid();
    EXPECT_TRUE(child.running());
  }
  // Reaped by the destructor: the pid no longer names our child.
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(ChildProcess, ReadsStdoutAndReportsMissingPrograms) {
  std::string output;
  EXPECT_TRUE(run_command({"sh", "-c", "echo out; echo err >&2"}, output));
  EXPECT_EQ(output, "out\nerr\n");
  EXPECT_FALSE(run_command({"sh", "-c", "exit 3"}, output));
  try {
    ChildProcess child;
    child.spawn({"imgbuild-no-such-program"}, "/dev/null");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 3);
  }
}

}  // namespace
}  // namespace imgbuild::vm

namespace imgbuild::vm {
namespace {

// The real KVM probe against this host's QEMU. Where /dev/kvm cannot be opened, the probe
// boot must fail (QEMU refuses -accel kvm) and say why, which is what --accel auto relies
// on to fall back to TCG.
TEST(KvmProbe, RealProbeOnThisHost) {
  std::string ignored;
  if (!run_command({"sh", "-c", "command -v qemu-system-x86_64"}, ignored))
    GTEST_SKIP() << "qemu-system-x86_64 not installed";
  std::string dir = std::string(IMGBUILD_TEST_TMP) + "/kvm-probe";
  std::filesystem::create_directories(dir);
  QemuKvmProbe probe("qemu-system-x86_64", dir, 8000);
  std::string device = probe.device_problem();
  if (!device.empty()) {
    EXPECT_NE(device.find("/dev/kvm"), std::string::npos);
    std::string boot = probe.probe_boot_problem();
    EXPECT_FALSE(boot.empty());
    AccelChoice choice = choose_accel("auto", probe);
    EXPECT_EQ(choice.accel, Accel::Tcg);
  } else {
    // Working or broken KVM: either way the answer comes within the probe's time limit.
    auto start = std::chrono::steady_clock::now();
    probe.probe_boot_problem();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  }
}

}  // namespace
}  // namespace imgbuild::vm
