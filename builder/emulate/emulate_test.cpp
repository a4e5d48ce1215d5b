// SPDX-License-Identifier: GPL-2.0-or-later
// The emulator's machine side without QEMU: which QMP commands each BMC effect becomes,
// and what QEMU's answers and events are reported to the BMC as. The expected commands
// are written out here, from QEMU's QMP reference, not derived from the code.
#include "emulate/emulate.hpp"
#include "emulate/hosted_bmc.hpp"
#include "emulate/qmp_plan.hpp"
#include "emulate/server.hpp"
#include "util/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace imgbuild::emulate {
namespace {

using util::Json;

vm::MachineProfile r660_like() {
  return vm::parse_machine_profile(R"(
drac = "idrac9"
drac-channel = "/dev/ttyS1"
drac-media = ["vcd-bot", "vfd-bot"]
qemu = [
  "-machine q35",
  "-device qemu-xhci,id=xhci",
  "-drive if=none,id=vcd,media=cdrom,readonly=on,format=raw,file={iso}",
  "-device usb-bot,bus=xhci.0,id=vcd-bot",
  "-device scsi-cd,bus=vcd-bot.0,drive=vcd,vendor=iDRAC,product=Virtual CD,bootindex={cd-bootindex}",
  "-drive if=none,id=vfd,format=raw,file={floppy}",
  "-device usb-bot,bus=xhci.0,id=vfd-bot",
  "-device scsi-hd,bus=vfd-bot.0,drive=vfd,removable=on,vendor=iDRAC,product=Virtual Floppy",
  "-drive if=none,id=boss,format=qcow2,file={disk}",
  "-device nvme,id=boss-n1,drive=boss,serial=X,bootindex={disk-bootindex}",
  "-netdev user,id=net0",
  "-device e1000e,netdev=net0",
  "-chardev socket,id=drac,path={drac-socket},server=on,wait=off",
  "-device isa-serial,chardev=drac,id=drac-port",
]
floppy-size = "1440K"
)",
                                   "r660", "r660.toml");
}

// "command {arguments}" per step, for compact expectations.
std::vector<std::string> lines(const std::vector<QmpStep>& steps) {
  std::vector<std::string> out;
  for (const auto& step : steps) {
    std::string line = step.command + " " + step.arguments.dump();
    if (!step.wait_event.empty()) line += " wait " + step.wait_event + " " + step.wait_device;
    out.push_back(line);
  }
  return out;
}

bmc::Effect effect(bmc::Effect::Kind kind) {
  bmc::Effect e;
  e.kind = kind;
  return e;
}

bmc::Effect insert(const std::string& slot, const std::string& url, const std::string& task) {
  auto e = effect(bmc::Effect::Kind::InsertMedia);
  e.slot = slot;
  e.image = url;
  e.task = task;
  return e;
}

TEST(DeviceArguments, TypedAsQmpWantsThem) {
  EXPECT_EQ(device_arguments("scsi-hd,bus=vfd-bot.0,removable=on,vendor=iDRAC,product=Virtual Floppy,lun=0"),
            (Json{{"driver", "scsi-hd"}, {"bus", "vfd-bot.0"}, {"removable", true}, {"vendor", "iDRAC"},
                  {"product", "Virtual Floppy"}, {"lun", 0}}));
  EXPECT_EQ(device_arguments("usb-bot,serial=a,,b"), (Json{{"driver", "usb-bot"}, {"serial", "a,b"}}));
}

TEST(VirtualCd, ComesFromTheProfilesDracMedia) {
  auto cd = virtual_cd_template(r660_like());
  EXPECT_EQ(cd.holder, (Json{{"driver", "usb-bot"}, {"bus", "xhci.0"}}));
  EXPECT_EQ(cd.cd, (Json{{"driver", "scsi-cd"}, {"vendor", "iDRAC"}, {"product", "Virtual CD"}}));
  auto none = vm::parse_machine_profile("qemu = [\"-machine pc\", \"-device usb-bot,id=x\", \"-cdrom {iso}\"]\n", "plain", "plain.toml");
  EXPECT_THROW(virtual_cd_template(none), Error);
}

TEST(Plan, InsertFetchesWithCurlThenPlugsTheDracsUsbCd) {
  MachineModel model(virtual_cd_template(r660_like()));
  Plan plan = model.plan(insert("1", "http://10.0.2.2:8080/r660.iso", "JID_1"));
  EXPECT_EQ(plan.task, "JID_1");
  EXPECT_EQ(lines(plan.steps),
            (std::vector<std::string>{
                R"(blockdev-add {"driver":"http","node-name":"vmedia-1-img","url":"http://10.0.2.2:8080/r660.iso","read-only":true,"timeout":30})",
                R"(device_add {"driver":"usb-bot","bus":"xhci.0","id":"vmedia-1"})",
                R"(device_add {"driver":"scsi-cd","vendor":"iDRAC","product":"Virtual CD","id":"vmedia-1-cd","bus":"vmedia-1.0","drive":"vmedia-1-img"})",
                R"(qom-set {"path":"vmedia-1","property":"attached","value":true})",
            }));
  // Done: the BMC's task completes, and the slot now holds the image.
  Report report = model.plan_done(plan);
  EXPECT_EQ(report.kind, Report::Kind::MediaFetched);
  EXPECT_EQ(report.task, "JID_1");
  EXPECT_TRUE(model.attached("1"));
}

TEST(Plan, HttpsImagesAreFetchedWithoutVerifyingTheirServer) {
  MachineModel model(virtual_cd_template(r660_like()));
  Plan plan = model.plan(insert("CD", "https://images.example/a.iso", "JID_2"));
  ASSERT_FALSE(plan.steps.empty());
  EXPECT_EQ(plan.steps[0].arguments.value("driver", ""), "https");
  EXPECT_EQ(plan.steps[0].arguments.value("sslverify", true), false);
}

TEST(Plan, AFailedFetchFailsTheTaskWithQemusMessageAndUndoesThePlug) {
  MachineModel model(virtual_cd_template(r660_like()));
  Plan plan = model.plan(insert("1", "http://10.0.2.2:1/x.iso", "JID_3"));
  Report report = model.plan_failed(plan, 0, "CURL: Error opening file: Server does not support 'range' (byte ranges).");
  EXPECT_EQ(report.kind, Report::Kind::MediaFetchFailed);
  EXPECT_EQ(report.task, "JID_3");
  EXPECT_EQ(report.reason, "CURL: Error opening file: Server does not support 'range' (byte ranges).");
  EXPECT_FALSE(model.attached("1"));
  EXPECT_EQ(lines(plan.undo), (std::vector<std::string>{
                                  R"(device_del {"id":"vmedia-1"} wait DEVICE_DELETED vmedia-1)",
                                  R"(blockdev-del {"node-name":"vmedia-1-img"})",
                              }));
}

TEST(Plan, AnImageOtherThanHttpIsRefusedWithoutQemu) {
  MachineModel model(virtual_cd_template(r660_like()));
  Plan plan = model.plan(insert("1", "nfs://server/export/x.iso", "JID_4"));
  EXPECT_TRUE(plan.steps.empty());
  Report report = model.plan_done(plan);
  EXPECT_EQ(report.kind, Report::Kind::MediaFetchFailed);
  EXPECT_NE(report.reason.find("HTTP and HTTPS"), std::string::npos);
}

TEST(Plan, EjectUnplugsWaitsForTheDeviceThenFreesTheImage) {
  MachineModel model(virtual_cd_template(r660_like()));
  EXPECT_TRUE(model.plan([] {
                     auto e = effect(bmc::Effect::Kind::EjectMedia);
                     e.slot = "1";
                     return e;
                   }())
                  .steps.empty());  // nothing inserted: nothing to do
  model.plan_done(model.plan(insert("1", "http://h/x.iso", "JID_5")));
  auto eject = effect(bmc::Effect::Kind::EjectMedia);
  eject.slot = "1";
  Plan plan = model.plan(eject);
  EXPECT_EQ(lines(plan.steps), (std::vector<std::string>{
                                   R"(device_del {"id":"vmedia-1"} wait DEVICE_DELETED vmedia-1)",
                                   R"(blockdev-del {"node-name":"vmedia-1-img"})",
                               }));
  EXPECT_EQ(model.plan_done(plan).kind, Report::Kind::None);
  EXPECT_FALSE(model.attached("1"));
}

TEST(Plan, OneTimeCdBootPutsTheCdFirstForThatResetOnly) {
  MachineModel model(virtual_cd_template(r660_like()));
  model.plan_done(model.plan(insert("1", "http://h/x.iso", "JID_6")));
  auto on = effect(bmc::Effect::Kind::PowerOn);
  on.boot_device = "Cd";
  on.boot_enabled = "Once";
  EXPECT_EQ(lines(model.plan(on).steps), (std::vector<std::string>{
                                             R"(qom-set {"path":"vmedia-1-cd","property":"bootindex","value":0})",
                                             R"(system_reset {})",
                                             R"(qom-set {"path":"vmedia-1-cd","property":"bootindex","value":-1})",
                                             R"(cont {})",
                                         }));
  // The usual order: the CD is not touched.
  EXPECT_EQ(lines(model.plan(effect(bmc::Effect::Kind::Reset)).steps),
            (std::vector<std::string>{"system_reset {}", "cont {}"}));
  // Continuous keeps it first until a power on without it.
  on.boot_enabled = "Continuous";
  EXPECT_EQ(lines(model.plan(on).steps).size(), 3u);
  EXPECT_EQ(lines(model.plan(effect(bmc::Effect::Kind::PowerOn)).steps).front(),
            R"(qom-set {"path":"vmedia-1-cd","property":"bootindex","value":-1})");
}

TEST(Plan, ACdBootWithoutMediaBootsTheUsualOrder) {
  MachineModel model(virtual_cd_template(r660_like()));
  auto on = effect(bmc::Effect::Kind::PowerOn);
  on.boot_device = "Cd";
  on.boot_enabled = "Once";
  EXPECT_EQ(lines(model.plan(on).steps), (std::vector<std::string>{"system_reset {}", "cont {}"}));
}

TEST(Plan, PowerOffIsAcpiWhenGracefulElseAStop) {
  MachineModel model(virtual_cd_template(r660_like()));
  auto off = effect(bmc::Effect::Kind::PowerOff);
  off.graceful = true;
  Plan graceful = model.plan(off);
  EXPECT_EQ(lines(graceful.steps), std::vector<std::string>{"system_powerdown {}"});
  EXPECT_TRUE(graceful.powerdown);
  off.graceful = false;
  EXPECT_EQ(lines(model.plan(off).steps), std::vector<std::string>{"stop {}"});
  EXPECT_TRUE(model.plan(effect(bmc::Effect::Kind::BootOverride)).steps.empty());
}

TEST(Events, AGuestPowerOffIsReportedOthersAreNot) {
  MachineModel model(virtual_cd_template(r660_like()));
  EXPECT_EQ(model.event(Json::parse(R"({"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"}})")).kind,
            Report::Kind::PoweredOff);
  EXPECT_EQ(model.event(Json::parse(R"({"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"}})")).kind,
            Report::Kind::None);
  EXPECT_EQ(model.event(Json::parse(R"({"event":"RESET","data":{"guest":true}})")).kind, Report::Kind::None);
}

// The plan against the BMC model: the task InsertMedia opened completes only when the
// machine side reports, and a failure carries QEMU's reason into the task's message.
TEST(HostedBmc, EffectsReachTheSinkAndReportsReachTheTask) {
  bmc::BmcConfig config;
  config.password = "pw";
  std::vector<bmc::Effect> seen;
  HostedBmc hosted(config, [&](const bmc::Effect& e) { seen.push_back(e); });
  http::Request request;
  request.method = "POST";
  request.path = "/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1/Actions/VirtualMedia.InsertMedia";
  request.headers = {{"Authorization", "Basic cm9vdDpwdw=="}, {"Content-Type", "application/json"}};
  request.body = R"({"Image":"http://h/x.iso"})";
  http::Response response = hosted(request);
  ASSERT_EQ(response.status, 202) << std::get<std::string>(response.body);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, bmc::Effect::Kind::InsertMedia);
  hosted.media_fetch_failed(seen[0].task, "CURL: Error opening file: Couldn't connect to server");
  request.method = "GET";
  request.path = "/redfish/v1/TaskService/Tasks/" + seen[0].task;
  request.body.clear();
  response = hosted(request);
  EXPECT_NE(std::get<std::string>(response.body).find("Couldn't connect to server"), std::string::npos)
      << std::get<std::string>(response.body);
  request.path = "/other";
  EXPECT_EQ(hosted(request).status, 404);
}

TEST(Faults, ParsedPerHost) {
  bmc::Faults faults;
  apply_fault("r1:unavailable-once:POST:/redfish/v1/x", "r1", faults);
  EXPECT_EQ(faults.unavailable_once_method, "POST");
  EXPECT_EQ(faults.unavailable_once_path, "/redfish/v1/x");
  apply_fault("r2:boot-once-ignored", "r1", faults);
  EXPECT_FALSE(faults.ignore_boot_once);
  apply_fault("*:stale-inserted:3", "r1", faults);
  EXPECT_EQ(faults.stale_inserted_polls, 3);
  apply_fault("r1:image-unreachable", "r1", faults);
  EXPECT_EQ(faults.unreachable_image_prefix, "http");
  apply_fault("r1:image-unreachable:http://10.9.", "r1", faults);
  EXPECT_EQ(faults.unreachable_image_prefix, "http://10.9.");
  for (const char* bad : {"boot-once-ignored", "r1:stale-inserted:x", "r1:unavailable-once:/path", "r1:melt"})
    EXPECT_THROW(apply_fault(bad, "r1", faults), Error) << bad;
}

TEST(Profiles, DracsWithoutRedfishAreRefusedWithWhatToDoByHand) {
  auto profile = r660_like();
  EXPECT_EQ(profile_dialect(profile), bmc::Dialect::Idrac9);
  profile.drac = vm::DracKind::Idrac8;
  EXPECT_EQ(profile_dialect(profile), bmc::Dialect::Idrac8);
  profile.drac = vm::DracKind::Drac5;
  try {
    profile_dialect(profile);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.subject(), "r660.toml");
    EXPECT_NE(error.fix().find("vmcli"), std::string::npos);
  }
  profile.drac = vm::DracKind::Idrac6;
  EXPECT_THROW(profile_dialect(profile), Error);
}

TEST(Command, FrozenUntilPowerOnKeptOnShutdownSerialToTheLog) {
  auto profile = r660_like();
  vm::LaunchSettings settings;
  settings.disk = "/s/r1/disk.qcow2";
  settings.qmp_socket = "/t/r1.qmp";
  settings.omit_devices = profile.drac_media;
  settings.smbios_serial = "ABC1234";
  settings.nic_macs = {"52:54:00:00:00:01"};
  auto argv = server_command(profile, settings, "/s/r1/serial.log");
  auto has = [&](const std::string& a, const std::string& b) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == a && argv[i + 1] == b) return true;
    return false;
  };
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-S"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-no-shutdown"), argv.end());
  EXPECT_TRUE(has("-boot", "strict=on"));
  EXPECT_TRUE(has("-qmp", "unix:/t/r1.qmp,server=on,wait=off"));
  EXPECT_TRUE(has("-qmp", "unix:/t/r1-monitor.qmp,server=on,wait=off"));
  EXPECT_TRUE(has("-chardev", "file,id=serial0,path=/s/r1/serial.log"));
  EXPECT_TRUE(has("-smbios", "type=1,serial=ABC1234"));
  EXPECT_TRUE(has("-device", "e1000e,netdev=net0,mac=52:54:00:00:00:01"));
  for (const auto& arg : argv) EXPECT_EQ(arg.find("vcd"), std::string::npos) << "the virtual CD is hot-plugged: " << arg;
}

}  // namespace
}  // namespace imgbuild::emulate
