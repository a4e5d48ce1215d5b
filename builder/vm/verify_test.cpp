// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/verify.hpp"

#include "vm/accel.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
  std::string firmware_log_from(std::uint64_t offset, std::size_t max_bytes) override {
    if (offset >= firmware.size()) return {};
    return firmware.substr(offset, max_bytes);
  }
  std::string diagnostics() override { return stderr_text; }
  void stop() override { ++stops; }

  // The DRAC channel: what the guest will write (one entry per poll), what it was told.
  std::deque<std::string> channel_in;
  std::string channel_out;
  std::vector<std::string> removed;
  int power_offs = 0;
  std::string read_channel() override {
    if (channel_in.empty()) return {};
    std::string bytes = channel_in.front();
    channel_in.pop_front();
    return bytes;
  }
  void write_channel(const std::string& bytes) override { channel_out += bytes; }
  bool remove_device(const std::string& id, std::string&) override {
    removed.push_back(id);
    return true;
  }
  bool power_off(std::chrono::milliseconds) override {
    ++power_offs;
    ++stops;
    return true;
  }
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

// Regression: the firmware log used to be read as its last 256 KiB, so once it was longer
// its size stopped growing and no later firmware line was seen (nor kept for the
// diagnosis). A SeaBIOS debug console that chatters that much is ordinary.
TEST(Verify, FirmwareEventsPastTheFirst256KiBAreSeen) {
  FakeRunner runner;
  runner.registers = "CPU#0\r\nEIP=00102f3a CPL=0\r\nCR0=00000011\r\n";
  std::string chatter;
  while (chatter.size() < (300u << 10)) chatter += "enter handle_13: a=00004200 b=00000000\n";
  runner.firmware = chatter;
  std::vector<std::string> events;
  VerifyObserver observer;
  observer.on_event = [&](const TimelineEvent& e) {
    events.push_back(e.text);
    // The firmware goes on logging while verify watches: the boot attempt comes late.
    if (e.text == "machine started") runner.firmware += "Booting from DVD/CD...\nBoot failed: Could not read from CDROM (code 0004)\n";
  };
  auto outcome = run_verify(runner, options(), observer);
  EXPECT_NE(std::find(events.begin(), events.end(), "firmware: Booting from DVD/CD..."), events.end());
  EXPECT_NE(std::find(events.begin(), events.end(), "firmware: Boot failed: Could not read from CDROM (code 0004)"),
            events.end());
  EXPECT_EQ(outcome.firmware_log, runner.firmware);  // kept whole, for the diagnosis
  EXPECT_EQ(outcome.verdict.cause, Cause::NotBootable);
}

const std::string k_installer = "Linux version 6.1.0-50-amd64 (x)\nIMGBUILD:preseed-loaded:" + k_id +
                                "\nIMGBUILD:install-finished\n";
const std::string k_installed_boot =
    "Linux version 6.1.0-50-amd64 (x)\nCommand line: root=UUID=1234 ro console=ttyS0\n"
    "scsi 2:0:0:0: Direct-Access     Dell     Virtual Floppy   2.5+ PQ: 0 ANSI: 5\n"
    "sd 2:0:0:0: [sda] Attached SCSI removable disk\n"
    "scsi 0:2:0:0: Direct-Access     DELL     PERC 6/i         2.5+ PQ: 0 ANSI: 5\n"
    "sd 0:2:0:0: [sdc] Attached SCSI disk\n";

// The whole first session of a delivery: the hook asks the emulated DRAC5 to detach,
// verify unplugs the media, the guest carries on to its login prompt.
TEST(Verify, TheDracDetachesTheMediaAndTheGuestSettles) {
  FakeRunner runner;
  runner.chunks = {k_installer, k_installed_boot, "IMGBUILD:firstboot-start\n", "", "",
                   "IMGBUILD:firstboot-detach-ok:drac5\nIMGBUILD:firstboot-done\n",
                   "[  61.2] imgbuild-firstboot: IMGBUILD:firstboot-done\n", "pe2950 login: "};
  runner.channel_in = {"", "IMGBUILD-RACADM getsysinfo\n",
                       "IMGBUILD-RACADM config -g cfgRacVirtual -o cfgVirMediaAttached 0\n",
                       "IMGBUILD-RACADM getconfig -g cfgRacVirtual -o cfgVirMediaAttached\n"};
  VerifyOptions o = options(std::chrono::milliseconds(60000));
  o.target = Stage::Firstboot;
  o.drac = DracKind::Drac5;
  o.system_model = "PowerEdge 2950";
  o.media_devices = {"vcd-bot", "vfd-bot"};
  o.settle = std::chrono::milliseconds(300);
  std::vector<std::string> events;
  VerifyObserver observer;
  observer.on_event = [&](const TimelineEvent& e) { events.push_back(e.text); };
  auto outcome = run_verify(runner, o, observer);
  EXPECT_TRUE(outcome.verdict.passed) << outcome.verdict.summary;
  EXPECT_EQ(runner.removed, (std::vector<std::string>{"vcd-bot", "vfd-bot"}));
  EXPECT_TRUE(outcome.media_detached);
  EXPECT_NE(runner.channel_out.find("RAC Type                = DRAC 5\n"), std::string::npos);
  EXPECT_NE(runner.channel_out.find("0\nIMGBUILD-RACADM-STATUS 0\n"), std::string::npos);
  EXPECT_NE(std::find(events.begin(), events.end(), "DRAC: virtual media detached (QMP device_del vcd-bot, vfd-bot)"),
            events.end());
  // The marker came twice (the port, then the kernel's console): one line for it.
  EXPECT_EQ(std::count(events.begin(), events.end(), "first boot: done"), 1);
  ASSERT_EQ(outcome.boots.size(), 2u);
  EXPECT_EQ(outcome.boots[1].system_disk(), "sdc");
  EXPECT_EQ(runner.power_offs, 1);  // settled: powered off as by its button
}

// A hook that is not there: the installed system comes up and says nothing. The run stops
// after the grace time with its own diagnosis, not after the hour-long timeout.
TEST(Verify, AMissingHookIsToldApartFromATimeout) {
  FakeRunner runner;
  runner.chunks = {k_installer, k_installed_boot, "pe2950 login: "};
  VerifyOptions o = options(std::chrono::milliseconds(60000));
  o.target = Stage::Firstboot;
  o.hook_grace = std::chrono::milliseconds(50);
  auto outcome = run_verify(runner, o);
  EXPECT_FALSE(outcome.verdict.passed);
  EXPECT_EQ(outcome.verdict.cause, Cause::FirstbootNotRun);
  EXPECT_LT(outcome.seconds, 10.0);
}

// An installed system that stops on its way up ends the run at once with what the console
// said and its command line, not after the timeout: systemd's emergency mode (an fstab
// naming a disk that is not there), initramfs-tools' shell (a root= by the installer's
// kernel name, /dev/sdb1, while this kernel names the disk sda; its real line).
TEST(Verify, AnInstalledSystemThatDoesNotComeUpStopsTheRun) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{k_installer, k_installed_boot, "Timed out waiting for device /dev/sdc1.\n",
        "You are in emergency mode. After logging in, type \"journalctl -xb\"\n"},
       "did not come up: You are in emergency mode"},
      {{k_installer,
        "Linux version 6.1.0-50-amd64 (x)\nCommand line: root=/dev/sdb1 ro console=ttyS0\n"
        "Gave up waiting for root file system device.  Common problems:\n",
        "ALERT!  /dev/sdb1 does not exist.  Dropping to a shell!\n(initramfs) "},
       "did not come up: ALERT!  /dev/sdb1 does not exist.  Dropping to a shell!"},
  };
  for (const auto& [chunks, summary] : cases) {
    FakeRunner runner;
    runner.chunks.assign(chunks.begin(), chunks.end());
    VerifyOptions o = options(std::chrono::milliseconds(60000));
    o.target = Stage::Firstboot;
    auto outcome = run_verify(runner, o);
    EXPECT_FALSE(outcome.verdict.passed);
    EXPECT_EQ(outcome.verdict.cause, Cause::NoReboot);
    EXPECT_NE(outcome.verdict.summary.find(summary), std::string::npos) << outcome.verdict.summary;
    ASSERT_FALSE(outcome.verdict.details.empty());
    EXPECT_TRUE(outcome.verdict.details.front().starts_with("kernel command line: root="))
        << outcome.verdict.details.front();
    EXPECT_LT(outcome.seconds, 10.0);
  }
}

// A DRAC of another generation refuses the hook's dialect: the media stay, the run says so.
TEST(Verify, AWrongDialectLeavesTheMediaAttached) {
  FakeRunner runner;
  runner.chunks = {k_installer, k_installed_boot, "IMGBUILD:firstboot-start\n", "", "",
                   "IMGBUILD:firstboot-detach-failed:idrac\nIMGBUILD:firstboot-done\n", "pe2950 login: "};
  runner.channel_in = {"", "IMGBUILD-RACADM set iDRAC.VirtualMedia.Attached Detached\n"};
  VerifyOptions o = options(std::chrono::milliseconds(60000));
  o.target = Stage::Firstboot;
  o.drac = DracKind::Drac5;
  o.media_devices = {"vcd-bot"};
  auto outcome = run_verify(runner, o);
  EXPECT_TRUE(runner.removed.empty());
  EXPECT_FALSE(outcome.media_detached);
  ASSERT_FALSE(outcome.drac_events.empty());
  EXPECT_NE(outcome.drac_events.front().find("refused racadm set iDRAC.VirtualMedia.Attached Detached"),
            std::string::npos);
  EXPECT_NE(runner.channel_out.find("IMGBUILD-RACADM-STATUS 1\n"), std::string::npos);
}

// After the power cycle: an fstab or boot loader naming /dev/sdc finds no such disk.
TEST(PowerOn, ARootByKernelNameIsCaught) {
  FakeRunner runner;
  runner.chunks = {"Linux version 6.1.0-50-amd64 (x)\nCommand line: root=/dev/sdc1 ro\n",
                   "Gave up waiting for root file system device.\n",
                   "ALERT!  /dev/sdc1 does not exist.  Dropping to a shell!\n(initramfs) "};
  PowerOnOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  o.poll = std::chrono::milliseconds(5);
  auto outcome = run_power_on(runner, o);
  EXPECT_FALSE(outcome.passed);
  EXPECT_NE(outcome.summary.find("ALERT!  /dev/sdc1 does not exist"), std::string::npos) << outcome.summary;
  EXPECT_LT(outcome.seconds, 10.0);
}

TEST(PowerOn, UpToTheLoginPromptWithoutTheHook) {
  FakeRunner runner;
  runner.chunks = {"Linux version 6.1.0-50-amd64 (x)\nCommand line: root=UUID=1234 ro\n"
                   "scsi 0:2:0:0: Direct-Access     DELL     PERC 6/i         2.5+ PQ: 0 ANSI: 5\n"
                   "sd 0:2:0:0: [sda] Attached SCSI disk\n",
                   "pe2950 login: "};
  PowerOnOptions o;
  o.poll = std::chrono::milliseconds(5);
  auto outcome = run_power_on(runner, o);
  EXPECT_TRUE(outcome.passed) << outcome.summary;
  EXPECT_EQ(outcome.boot.system_disk(), "sda");
  EXPECT_EQ(runner.power_offs, 1);

  FakeRunner again;
  again.chunks = {"Linux version 6.1.0-50-amd64 (x)\n", "IMGBUILD:firstboot-start\n", "pe2950 login: "};
  auto twice = run_power_on(again, o);
  EXPECT_FALSE(twice.passed);
  EXPECT_EQ(twice.summary, "the first-boot hook ran again");
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

namespace imgbuild::vm {
namespace {

VerifyOptions secure_boot_options(std::chrono::milliseconds timeout) {
  VerifyOptions o = options(timeout);
  o.require_secure_boot = true;
  return o;
}

// Under a firmware that enforces Secure Boot, stage boot needs the installer's word that
// it was on, which comes just before the preseed marker.
TEST(VerifySecureBoot, PassesWhenTheInstallerReportsItOn) {
  FakeRunner runner;
  runner.chunks = {"BdsDxe: starting Boot0001 \"UEFI QEMU DVD-ROM QM00005 \"\r\n",
                   "IMGBUILD:secureboot:on\n", "IMGBUILD:preseed-loaded:" + k_id + "\n"};
  auto outcome = run_verify(runner, secure_boot_options(std::chrono::milliseconds(60000)));
  EXPECT_TRUE(outcome.verdict.passed) << outcome.verdict.summary;
  EXPECT_EQ(outcome.secure_boot, SecureBootState::On);
  EXPECT_FALSE(outcome.refusal);
  EXPECT_NE(std::find(outcome.verdict.details.begin(), outcome.verdict.details.end(),
                      "Secure Boot: on (reported by the installer), as the firmware enforces"),
            outcome.verdict.details.end());
}

TEST(VerifySecureBoot, FailsWhenItIsOffOrNotReported) {
  FakeRunner off;
  off.chunks = {"IMGBUILD:secureboot:off\n", "IMGBUILD:preseed-loaded:" + k_id + "\n", "more\n"};
  auto outcome = run_verify(off, secure_boot_options(std::chrono::milliseconds(60000)));
  EXPECT_FALSE(outcome.verdict.passed);
  EXPECT_EQ(outcome.verdict.cause, Cause::SecureBootNotProven);
  EXPECT_EQ(outcome.verdict.reached, Stage::None);
  EXPECT_NE(outcome.verdict.summary.find("the installer reports Secure Boot off"), std::string::npos)
      << outcome.verdict.summary;
  EXPECT_LT(outcome.seconds, 10.0);  // at the marker, not at the timeout

  FakeRunner silent;  // an image whose preseed does not report it
  silent.chunks = {"IMGBUILD:preseed-loaded:" + k_id + "\n"};
  outcome = run_verify(silent, secure_boot_options(std::chrono::milliseconds(60000)));
  EXPECT_FALSE(outcome.verdict.passed);
  EXPECT_EQ(outcome.verdict.cause, Cause::SecureBootNotProven);
  EXPECT_NE(outcome.verdict.summary.find("did not report the Secure Boot state"), std::string::npos);

  // Without the requirement the same runs pass, and say what the installer saw.
  FakeRunner plain;
  plain.chunks = {"IMGBUILD:secureboot:off\n", "IMGBUILD:preseed-loaded:" + k_id + "\n"};
  outcome = run_verify(plain, options(std::chrono::milliseconds(60000)));
  EXPECT_TRUE(outcome.verdict.passed);
  EXPECT_EQ(outcome.secure_boot, SecureBootState::Off);
}

// A refused binary ends the run at once, with the stage and the console's words.
TEST(VerifySecureBoot, RefusalFailsFast) {
  struct Case {
    std::vector<std::string> chunks;
    std::string stage;
    std::string words;
  };
  const std::vector<Case> cases = {
      {{"\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from PciRoot(0x0)/Pci(0x1F,0x2)\r\n",
        "BdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from PciRoot(0x0)/Pci(0x1F,0x2): Access Denied\r\n",
        "BdsDxe: loading Boot0002 \"UEFI PXEv4 (MAC:525400123456)\"\r\n"},
       "firmware",
       "Access Denied"},
      {{"BdsDxe: starting Boot0001 \"UEFI QEMU DVD-ROM QM00005 \"\r\n", "Verification failed: (0x1A) Security ",
        "Violation\r\nFailed to load image: Security Violation\r\n"},
       "shim",
       "Verification failed: (0x1A) Security Violation"},
      // shim's box: cursor moves, no newline, waiting for a key that never comes.
      {{"BdsDxe: starting Boot0001 \"UEFI QEMU DVD-ROM QM00011 \"\r\n",
        "\x1b[0m\x1b[37m\x1b[44m\x1b[02;01H\xb3            ERROR            \xb3\x1b[04;01H\xb3      Verification failed: ",
        "(0x1A) Security Violation      \xb3\x1b[05;01H\xb3"},
       "shim",
       "'Verification failed: (0x1A) Security Violation'"},
      // GRUB's message, then its prompt without a newline: the run still stops.
      {{"\x1b[0m\x1b[30m\x1b[40m\x1b[2J\x1b[01;01H  Booting `Install'\r\n\r\n", "error: bad shim signature.\r\n",
        "error: you need to load the kernel first.\r\n\r\nPress any key to continue..."},
       "GRUB",
       "bad shim signature"},
  };
  for (const auto& c : cases) {
    FakeRunner runner;
    runner.chunks = {c.chunks.begin(), c.chunks.end()};
    auto outcome = run_verify(runner, secure_boot_options(std::chrono::milliseconds(60000)));
    EXPECT_FALSE(outcome.verdict.passed) << c.stage;
    EXPECT_EQ(outcome.verdict.cause, Cause::SecureBootRefused) << c.stage << ": " << outcome.verdict.summary;
    ASSERT_TRUE(outcome.refusal) << c.stage;
    EXPECT_EQ(outcome.refusal->stage, c.stage);
    EXPECT_NE(outcome.verdict.summary.find("at the " + c.stage + " stage"), std::string::npos) << outcome.verdict.summary;
    EXPECT_NE(outcome.verdict.summary.find(c.words), std::string::npos) << outcome.verdict.summary;
    EXPECT_LT(outcome.seconds, 10.0) << c.stage;  // not the 60 s timeout
  }
}

}  // namespace
}  // namespace imgbuild::vm
