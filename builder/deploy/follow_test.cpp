// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/follow.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

using namespace imgbuild;
using namespace imgbuild::deploy;

namespace {

constexpr const char* k_id = "0123456789abcdef0123456789abcdef";

// An event as the router makes it for the only host followed.
HostEvent event(const std::string& datagram, const std::string& source = "192.0.2.7") {
  SyslogRouter router({{"pe01", "", {}, k_id}});
  return router.route(source, datagram).event;
}
HostEvent busybox(const std::string& text) { return event("<13>Dec  7 19:53:39 preseed: " + text + "\n"); }
HostEvent unclaimed(const std::string& source) {
  HostEvent e = event("<13>Dec  7 19:53:39 preseed: hello\n", source);
  e.how.clear();
  return e;
}

}  // namespace

TEST(LogTarget, FromImgbuildsBlockOfAMenu) {
  const char* isolinux =
      "default vesamenu.c32\n# imgbuild: begin (written by imgbuild build; a rebuild replaces this block)\n"
      "label imgbuild\n  kernel /install.amd/vmlinuz\n"
      "  append auto=true priority=critical log_host=192.0.2.10 log_port=5514 initrd=/install.amd/initrd.gz --- quiet\n"
      "# imgbuild: end\nlabel install\n  append log_host=203.0.113.1\n";
  auto target = log_target_in_menu(isolinux);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->host, "192.0.2.10");
  EXPECT_EQ(target->port, 5514);
  // log_port defaults to 514 as in d-i; a word that only ends in log_host= is not it.
  target = log_target_in_menu("  linux /vmlinuz log_host=10.0.2.2 quiet\n");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->port, 514);
  EXPECT_FALSE(log_target_in_menu("  linux /vmlinuz xlog_host=10.0.2.2\n"));
  EXPECT_FALSE(log_target_in_menu("# imgbuild: begin\nappend quiet\n# imgbuild: end\nappend log_host=1.2.3.4\n"));
  EXPECT_FALSE(log_target_in_menu("append log_host=1.2.3.4 log_port=99999\n"));
}

TEST(Timeouts, StepEqualsSeconds) {
  StepTimeouts t;
  set_timeout(t, "installer=30");
  set_timeout(t, "install=5400");
  set_timeout(t, "firstboot=600");
  set_timeout(t, "shutdown=10");
  EXPECT_EQ(t.installer_start.count(), 30);
  EXPECT_EQ(t.install.count(), 5400);
  EXPECT_EQ(t.firstboot.count(), 600);
  EXPECT_EQ(t.shutdown_grace.count(), 10);
  for (const char* bad : {"install", "install=", "install=0", "install=-3", "install=1h", "nosuch=5", "=5"}) {
    try {
      set_timeout(t, bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_EQ(e.subject(), "--timeout");
    }
  }
}

TEST(PhaseWatch, InstallerWithTheIsosBuildId) {
  PhaseWatch watch(Phase::installer, k_id);
  Verdict v = watch.see(busybox(std::string("IMGBUILD:preseed-loaded:") + k_id));
  EXPECT_EQ(v.kind, Verdict::Kind::ok);
  EXPECT_TRUE(v.build_id_seen);
  EXPECT_NE(v.detail.find("192.0.2.7"), std::string::npos);
}

// d-i runs the early_command before its network is up: its first line over the network
// is netcfg's or anna's, and the build id, if it comes, is checked during the install.
TEST(PhaseWatch, InstallerStartedByItsFirstLineThenTheBuildIdLate) {
  PhaseWatch watch(Phase::installer, k_id);
  // An installed system's line (it has a hostname) is no installer.
  EXPECT_EQ(watch.see(event("<30>Dec  7 19:53:38 pe01 systemd[1]: Started cron.")).kind, Verdict::Kind::wait);
  Verdict v = watch.see(busybox("anna: retrieving foo"));
  EXPECT_EQ(v.kind, Verdict::Kind::ok);
  EXPECT_FALSE(v.build_id_seen);
  EXPECT_NE(v.detail.find("before its network was up"), std::string::npos) << v.detail;
  PhaseWatch install(Phase::install, k_id, false);
  EXPECT_EQ(install.see(busybox(std::string("IMGBUILD:preseed-loaded:") + k_id)).kind, Verdict::Kind::wait);
  v = install.see(busybox("IMGBUILD:install-finished"));
  EXPECT_EQ(v.kind, Verdict::Kind::ok);
  EXPECT_EQ(v.detail, "install-finished");
  PhaseWatch other(Phase::install, k_id, false);
  v = other.see(busybox("IMGBUILD:preseed-loaded:fedcba9876543210fedcba9876543210"));
  EXPECT_EQ(v.kind, Verdict::Kind::fail);
  EXPECT_NE(v.detail.find("booted another image"), std::string::npos) << v.detail;
  PhaseWatch unseen(Phase::install, k_id, false);
  EXPECT_NE(unseen.see(busybox("IMGBUILD:install-finished")).detail.find("build id was not seen"), std::string::npos);
}

TEST(PhaseWatch, AnotherBuildIdIsAnotherImage) {
  PhaseWatch watch(Phase::installer, k_id);
  Verdict v = watch.see(busybox("IMGBUILD:preseed-loaded:fedcba9876543210fedcba9876543210"));
  EXPECT_EQ(v.kind, Verdict::Kind::fail);
  EXPECT_NE(v.detail.find("booted another image"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("fedcba9876543210fedcba9876543210"), std::string::npos);
}

TEST(PhaseWatch, FirstBootInsteadOfTheInstallerIsItsOwnDisk) {
  PhaseWatch watch(Phase::installer, k_id);
  Verdict v = watch.see(event("<13>1 2026-12-07T19:53:38Z pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-start"));
  EXPECT_EQ(v.kind, Verdict::Kind::fail);
  EXPECT_NE(v.detail.find("booted its own disk"), std::string::npos) << v.detail;
}

TEST(PhaseWatch, InstallerTimeoutSaysWhatArrived) {
  PhaseWatch silent(Phase::installer, k_id);
  std::string d = silent.timeout_diagnosis(std::chrono::seconds(900));
  EXPECT_NE(d.find("no IMGBUILD:preseed-loaded within 900 s"), std::string::npos) << d;
  EXPECT_NE(d.find("the one-time CD boot was ignored or the image did not start"), std::string::npos);
  EXPECT_NE(d.find("booted its own disk?"), std::string::npos);
  // An installed system's ordinary syslog (it has a hostname; d-i's has none): its own disk.
  PhaseWatch own(Phase::installer, k_id);
  EXPECT_EQ(own.see(unclaimed("192.0.2.99")).kind, Verdict::Kind::wait);
  EXPECT_EQ(own.see(event("<30>Dec  7 19:53:38 pe01 systemd[1]: Started cron.")).kind, Verdict::Kind::wait);
  d = own.timeout_diagnosis(std::chrono::seconds(60));
  EXPECT_NE(d.find("the machine booted its own disk (its installed system logs as pe01 from 192.0.2.7)"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("Started cron."), std::string::npos);
  EXPECT_NE(d.find("192.0.2.99, which no host claims"), std::string::npos);
}

TEST(PhaseWatch, InstallFinishedOrTheLateCommandsStatus) {
  PhaseWatch ok(Phase::install, k_id);
  EXPECT_EQ(ok.see(busybox("IMGBUILD:install-finished")).kind, Verdict::Kind::ok);
  PhaseWatch failed(Phase::install, k_id);
  Verdict v = failed.see(busybox("IMGBUILD:late-command-failed:7"));
  EXPECT_EQ(v.kind, Verdict::Kind::fail);
  EXPECT_NE(v.detail.find("late_command failed with status 7"), std::string::npos) << v.detail;
  PhaseWatch again(Phase::install, k_id, true);
  EXPECT_EQ(again.see(busybox(std::string("IMGBUILD:preseed-loaded:") + k_id)).kind, Verdict::Kind::fail);
  PhaseWatch silent(Phase::install, k_id);
  silent.see(busybox("partman: No matching physical volumes found"));
  std::string d = silent.timeout_diagnosis(std::chrono::seconds(7200));
  EXPECT_NE(d.find("neither install-finished nor late-command-failed within 7200 s"), std::string::npos) << d;
  EXPECT_NE(d.find("No matching physical volumes"), std::string::npos) << d;
}

TEST(PhaseWatch, FirstbootDoneAndWhatTheHookSaidOnTheWay) {
  PhaseWatch watch(Phase::firstboot, k_id);
  EXPECT_EQ(watch.see(event("<13>1 - pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-start")).kind,
            Verdict::Kind::wait);
  EXPECT_EQ(watch.see(event("<13>1 - pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-detach-failed:idrac")).kind,
            Verdict::Kind::wait);
  ASSERT_EQ(watch.notes().size(), 1u);
  EXPECT_EQ(watch.see(event("<13>1 - pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-done")).kind, Verdict::Kind::ok);
  PhaseWatch started(Phase::firstboot, k_id);
  started.see(event("<13>1 - pe01 imgbuild-firstboot - - - IMGBUILD:firstboot-start"));
  EXPECT_NE(started.timeout_diagnosis(std::chrono::seconds(5)).find("started but did not report done"),
            std::string::npos);
  PhaseWatch silent(Phase::firstboot, k_id);
  EXPECT_NE(silent.timeout_diagnosis(std::chrono::seconds(5)).find("reported nothing within 5 s"), std::string::npos);
  PhaseWatch reinstall(Phase::firstboot, k_id);
  Verdict v = reinstall.see(busybox(std::string("IMGBUILD:preseed-loaded:") + k_id));
  EXPECT_EQ(v.kind, Verdict::Kind::fail);
  EXPECT_NE(v.detail.find("booted the installer again"), std::string::npos);
}
