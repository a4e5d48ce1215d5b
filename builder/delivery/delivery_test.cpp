// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/print.hpp"
#include "delivery/report.hpp"
#include "delivery/verify_run.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace fs = std::filesystem;

namespace imgbuild::delivery {
namespace {

std::string test_dir(const std::string& name) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "delivery" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

Result failed_run() {
  Result result;
  result.request.iso = "image.iso";
  result.machine = "pe2950";
  result.outcome.serial_log = "SeaBIOS\nboot:\n";
  result.outcome.verdict.summary = "stage boot not reached within 300 s";
  result.outcome.verdict.cause = vm::Cause::MenuWaiting;
  result.outcome.screenshot_saved = true;  // the run took one, in its work directory
  return result;
}

// A whole delivery under Secure Boot: each boot of the installed system proves it by its
// kernel's own line, or the run fails naming the boot.
TEST(SecureBootEveryBoot, EachInstalledBootMustSayEnabled) {
  Result result;
  result.outcome.verdict.passed = true;
  result.outcome.boots.resize(2);
  result.outcome.boots[1].secure_boot = "enabled";
  result.power_cycle.emplace();
  result.power_cycle->passed = true;
  result.power_cycle->boot.secure_boot = "enabled";
  Result all_on = result;
  require_secure_boot_every_boot(all_on);
  EXPECT_TRUE(all_on.outcome.verdict.passed);
  // The installer's boot (the first) is proven by its marker, not by this rule.
  EXPECT_EQ(all_on.outcome.boots[0].secure_boot, "");

  Result quiet = result;
  quiet.power_cycle->boot.secure_boot.clear();
  require_secure_boot_every_boot(quiet);
  EXPECT_FALSE(quiet.outcome.verdict.passed);
  EXPECT_EQ(quiet.outcome.verdict.cause, vm::Cause::SecureBootNotProven);
  EXPECT_EQ(quiet.outcome.verdict.summary,
            "stage firstboot reached, but Secure Boot is not proven in boot 3 (after the power cycle): its kernel "
            "said nothing about it");

  Result off = result;
  off.outcome.boots[1].secure_boot = "disabled";
  require_secure_boot_every_boot(off);
  EXPECT_FALSE(off.outcome.verdict.passed);
  EXPECT_NE(off.outcome.verdict.summary.find("boot 2 (installed system, virtual media attached): its kernel said "
                                             "'Secure boot disabled'"),
            std::string::npos);
}

// Regression: when copying the screenshot into the log directory failed, verify still
// printed its path there, pointing at a file that does not exist.
TEST(SaveLogs, AScreenshotThatCouldNotBeCopiedIsNotReported) {
  std::string dir = test_dir("screenshot-lost");
  Result result = failed_run();
  result.logs = save_logs(dir, result, "", "qemu-system-x86_64", dir + "/gone/screen.png");
  EXPECT_FALSE(result.logs.screenshot);
  EXPECT_FALSE(fs::exists(fs::path(dir) / "screen.png"));
  EXPECT_NE(result.logs.screenshot_problem.find("gone/screen.png"), std::string::npos);
  std::ostringstream out;
  EXPECT_EQ(print_text(result, out), 1);
  EXPECT_EQ(out.str().find(dir + "/screen.png"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("screenshot: none (could not keep"), std::string::npos) << out.str();
}

TEST(SaveLogs, KeepsTheScreenshotAndTheLogs) {
  std::string dir = test_dir("kept");
  std::string source = dir + "/taken.png";
  std::ofstream(source) << "PNG";
  Result result = failed_run();
  result.outcome.firmware_log = "Booting from DVD/CD...\n";
  result.logs = save_logs(dir, result, "qemu: warning\n", "qemu-system-x86_64 -m 1024", source);
  ASSERT_TRUE(result.logs.screenshot);
  EXPECT_EQ(*result.logs.screenshot, dir + "/screen.png");
  EXPECT_TRUE(fs::exists(*result.logs.screenshot));
  for (const char* name : {"serial.log", "firmware.log", "qemu.log", "qemu-command.txt", "verdict.txt"})
    EXPECT_TRUE(fs::exists(fs::path(dir) / name)) << name;
  std::ostringstream out;
  EXPECT_EQ(print_text(result, out), 1);
  EXPECT_NE(out.str().find("screenshot: " + dir + "/screen.png"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("likely cause: "), std::string::npos);
}

TEST(SaveLogs, NoScreenshotTakenSaysWhy) {
  std::string dir = test_dir("none");
  Result result = failed_run();
  result.outcome.screenshot_saved = false;
  result.outcome.screenshot_problem = "QEMU had already exited";
  result.logs = save_logs(dir, result, "", "qemu", dir + "/screen-never-taken.png");
  EXPECT_FALSE(result.logs.screenshot);
  EXPECT_EQ(result.logs.screenshot_problem, "QEMU had already exited");
}

TEST(Report, JsonAndPageCarryTheFactsEscaped) {
  std::string dir = test_dir("report");
  Result result = failed_run();
  result.request.iso = "a<b>&c.iso";
  result.timeline = {{0, "machine started"}, {12.5, "boot 1: kernel started"}, {40, "stage boot: preseed loaded"}};
  result.outcome.screenshots = {{12.5, "boot 1", dir + "/screenshots/shot-01.png", ""},
                                {40, "stage boot", "", "QEMU is no longer running"}};
  vm::BootRecord boot;
  boot.disks = {{"sda", "Dell Virtual Floppy"}, {"sdc", "DELL PERC 6/i"}};
  boot.command_line = "root=UUID=1 ro";
  result.outcome.boots = {boot};
  result.outcome.drac_events = {"racadm getsysinfo: status 0", "virtual media detached (racadm config ...)"};
  auto report = report_json(result, dir);
  EXPECT_EQ(report["passed"], false);
  EXPECT_EQ(report["iso"], "a<b>&c.iso");
  ASSERT_EQ(report["timeline"].size(), 3u);
  EXPECT_DOUBLE_EQ(report["timeline"][1]["duration"].get<double>(), 27.5);
  EXPECT_EQ(report["screenshots"][0]["file"], "screenshots/shot-01.png");
  EXPECT_EQ(report["screenshots"][1]["file"], "");
  EXPECT_EQ(report["boots"][0]["system_disk"], "sdc");
  EXPECT_EQ(report["drac_events"].size(), 2u);
  // The JSON reads back as the same document (an independent parse of the dump).
  EXPECT_EQ(util::Json::parse(util::json_text(report)), report);

  std::string html = report_html(report);
  EXPECT_NE(html.find("a&lt;b&gt;&amp;c.iso"), std::string::npos);
  EXPECT_EQ(html.find("a<b>"), std::string::npos);
  EXPECT_NE(html.find("<img src=\"screenshots/shot-01.png\""), std::string::npos);
  EXPECT_NE(html.find("no screenshot (QEMU is no longer running)"), std::string::npos);
  EXPECT_NE(html.find("sdc: DELL PERC 6/i"), std::string::npos);
  EXPECT_NE(html.find("virtual media detached"), std::string::npos);
  EXPECT_NE(html.find("FAILED"), std::string::npos);

  write_report(dir, result);
  EXPECT_TRUE(fs::exists(fs::path(dir) / "index.html"));
  EXPECT_EQ(util::Json::parse(std::ifstream(fs::path(dir) / "report.json")), report);
}

// A serial line or log name is bytes: a stray 0xff used to end write_report with
// nlohmann's type_error 316 (strict dump). Both files now carry it as \xNN.
TEST(Report, InvalidUtf8IsEscapedInJsonAndPage) {
  std::string dir = test_dir("report-utf8");
  Result result = failed_run();
  result.request.iso = "caf\xe9.iso";
  result.outcome.drac_events = {"racadm: \xff\xfe bytes"};
  write_report(dir, result);
  std::ifstream in(fs::path(dir) / "report.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto back = util::Json::parse(text);  // throws on invalid UTF-8
  EXPECT_EQ(back["iso"], "caf\\xe9.iso");
  EXPECT_EQ(back["drac_events"][0], "racadm: \\xff\\xfe bytes");
  std::ifstream page(fs::path(dir) / "index.html");
  std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("caf\\xe9.iso"), std::string::npos);
  EXPECT_EQ(html.find('\xe9'), std::string::npos);
  EXPECT_EQ(html.find('\xff'), std::string::npos);
}

}  // namespace
}  // namespace imgbuild::delivery
