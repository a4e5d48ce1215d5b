// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/resources.hpp"

#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

namespace imgbuild::redfish {
namespace {

const std::string k_data = std::string(IMGBUILD_SOURCE_DIR) + "/builder/redfish/testdata/";

util::Json load(const std::string& relative) {
  return parse_document(test::slurp(k_data + relative), relative);
}

TEST(RedfishResources, ServiceRootOfDmtfRackmount) {
  ServiceRoot root = parse_service_root(load("dmtf/public-rackmount1/index.json"), "/redfish/v1/");
  EXPECT_EQ(root.systems, "/redfish/v1/Systems");
  EXPECT_EQ(root.managers, "/redfish/v1/Managers");
  EXPECT_EQ(root.session_service, "/redfish/v1/SessionService");
  EXPECT_EQ(root.sessions, "/redfish/v1/SessionService/Sessions");
  EXPECT_EQ(root.redfish_version, "1.15.0");
}

TEST(RedfishResources, CollectionsOfDmtfRackmount) {
  EXPECT_EQ(parse_collection(load("dmtf/public-rackmount1/Systems/index.json"), "Systems"),
            std::vector<std::string>{"/redfish/v1/Systems/437XR1138R2"});
  EXPECT_EQ(parse_collection(load("dmtf/public-rackmount1/Systems/437XR1138R2/VirtualMedia/index.json"), "VM"),
            (std::vector<std::string>{"/redfish/v1/Systems/437XR1138R2/VirtualMedia/Floppy1",
                                      "/redfish/v1/Systems/437XR1138R2/VirtualMedia/CD1",
                                      "/redfish/v1/Systems/437XR1138R2/VirtualMedia/CD2"}));
  EXPECT_THROW(parse_collection(load("dmtf/public-rackmount1/index.json"), "/redfish/v1/"), Error);
}

TEST(RedfishResources, SystemOfDmtfRackmount) {
  ComputerSystem s = parse_system(load("dmtf/public-rackmount1/Systems/437XR1138R2/index.json"), "x");
  EXPECT_EQ(s.path, "/redfish/v1/Systems/437XR1138R2");
  EXPECT_EQ(s.power_state, "On");
  EXPECT_TRUE(s.boot.present);
  EXPECT_EQ(s.boot.override_target, "Pxe");
  EXPECT_EQ(s.boot.override_enabled, "Once");
  EXPECT_EQ(s.boot.allowed_targets.size(), 10u);
  EXPECT_EQ(s.virtual_media, "/redfish/v1/Systems/437XR1138R2/VirtualMedia");
  EXPECT_EQ(s.managed_by, std::vector<std::string>{"/redfish/v1/Managers/BMC"});
  EXPECT_EQ(s.reset.target, "/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset");
  EXPECT_TRUE(s.reset.allows("GracefulShutdown"));
  EXPECT_FALSE(s.reset.allows("PowerCycle"));
  EXPECT_TRUE(s.settings.empty());
}

TEST(RedfishResources, VirtualMediaOfDmtfMockups) {
  VirtualMedia cd1 = parse_virtual_media(load("dmtf/public-rackmount1/Systems/437XR1138R2/VirtualMedia/CD1/index.json"), "x");
  EXPECT_TRUE(cd1.has("CD"));
  EXPECT_TRUE(cd1.inserted);
  EXPECT_EQ(cd1.connected_via, "Applet");
  EXPECT_TRUE(cd1.insert.target.empty());  // this mockup has no actions: PATCH it
  VirtualMedia floppy = parse_virtual_media(load("dmtf/public-rackmount1/Systems/437XR1138R2/VirtualMedia/Floppy1/index.json"), "x");
  EXPECT_FALSE(floppy.has("CD"));
  // The action's target is whatever the service says, not the conventional name.
  VirtualMedia tele = parse_virtual_media(load("dmtf/public-telemetry/Managers/1/VirtualMedia/CD1/index.json"), "x");
  EXPECT_EQ(tele.insert.target, "/redfish/v1/Managers/1/VirtualMedia/CD1/Actions/VM.InsertMedia");
  EXPECT_EQ(tele.eject.target, "/redfish/v1/Managers/1/VirtualMedia/CD1/Actions/VM.EjectMedia");
}

TEST(RedfishResources, TaskOfDmtfRackmount) {
  Task t = parse_task(load("dmtf/public-rackmount1/TaskService/Tasks/545/index.json"), "x");
  EXPECT_EQ(t.state, "Completed");
  EXPECT_TRUE(t.finished());
  EXPECT_TRUE(t.succeeded());
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_EQ(t.messages[0], "The property SKU is a read only property and cannot be assigned a value");
}

TEST(RedfishResources, Idrac9From600ListsVirtualMediaUnderTheSystem) {
  ComputerSystem s = parse_system(load("idrac9-6.10/System.Embedded.1.json"), "x");
  EXPECT_EQ(s.virtual_media, "/redfish/v1/Systems/System.Embedded.1/VirtualMedia");
  EXPECT_TRUE(s.reset.allows("PowerCycle"));
  VirtualMedia one = parse_virtual_media(load("idrac9-6.10/VirtualMedia-1.json"), "x");
  EXPECT_EQ(one.path, "/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1");
  EXPECT_TRUE(one.has("CD"));
  EXPECT_FALSE(one.inserted);
  EXPECT_TRUE(one.image.empty());  // null
  EXPECT_FALSE(one.write_protected);
  EXPECT_EQ(one.insert.target, "/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1/Actions/VirtualMedia.InsertMedia");
  EXPECT_TRUE(one.insert.allows("HTTPS"));
  EXPECT_FALSE(one.insert.allows("FTP"));
}

TEST(RedfishResources, Idrac9Before600ListsVirtualMediaUnderTheManager) {
  ComputerSystem s = parse_system(load("idrac9-5.10/System.Embedded.1.json"), "x");
  EXPECT_TRUE(s.virtual_media.empty());
  Manager m = parse_manager(load("idrac9-5.10/iDRAC.Embedded.1.json"), "x");
  EXPECT_EQ(m.virtual_media, "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia");
  EXPECT_EQ(m.firmware_version, "5.10.50.00");
  VirtualMedia cd = parse_virtual_media(load("idrac9-5.10/VirtualMedia-CD.json"), "x");
  EXPECT_TRUE(cd.inserted);
  EXPECT_EQ(cd.image, "http://192.0.2.10/old.iso");
  EXPECT_TRUE(cd.insert.allows("HTTP"));  // nothing listed: anything goes
}

TEST(RedfishResources, SettingsObjectAndBadLinks) {
  auto s = parse_system(parse_document(R"({"Boot":{},"@Redfish.Settings":{"SettingsObject":{"@odata.id":"/redfish/v1/Systems/1/SD"}}})", "x"), "x");
  EXPECT_EQ(s.settings, "/redfish/v1/Systems/1/SD");
  EXPECT_THROW(parse_system(parse_document(R"({"VirtualMedia":"/x"})", "x"), "x"), Error);
  EXPECT_THROW(parse_document("<html>", "/redfish/v1/"), Error);
  EXPECT_THROW(parse_document("[1]", "/redfish/v1/"), Error);
}

TEST(RedfishResources, ErrorMessages) {
  std::string idrac = R"({"error":{"@Message.ExtendedInfo":[{"Message":"Unable to mount remote share.","MessageId":"IDRAC.2.8.RAC0720"}],"code":"Base.1.8.GeneralError","message":"A general error has occurred."}})";
  EXPECT_EQ(error_messages(idrac), "Unable to mount remote share. [IDRAC.2.8.RAC0720]");
  EXPECT_EQ(error_messages(R"({"error":{"message":"nope"}})"), "nope");
  EXPECT_EQ(error_messages("plain"), "plain");
  EXPECT_EQ(error_messages("<html>\r\n<head><title>405 Not Allowed</title></head>\n</html>\n"),
            "<html> <head><title>405 Not Allowed</title></head> </html>");
  EXPECT_EQ(error_messages(""), "");
}

TEST(RedfishResources, ErrorMessageIds) {
  std::string idrac = R"({"error":{"@Message.ExtendedInfo":[{"Message":"Unable to mount remote share.","MessageId":"IDRAC.2.8.RAC0720"},{"MessageId":"Base.1.8.PropertyUnknown"}],"code":"Base.1.8.GeneralError","message":"A general error has occurred."}})";
  std::vector<RedfishMessage> messages = parse_error_messages(idrac);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].id, "IDRAC.2.8.RAC0720");
  EXPECT_EQ(messages[0].text, "Unable to mount remote share.");
  EXPECT_EQ(messages[1].id, "Base.1.8.PropertyUnknown");
  EXPECT_EQ(messages[1].text, "");
  // Without ExtendedInfo, the error's own code and message.
  messages = parse_error_messages(R"({"error":{"code":"Base.1.0.MalformedJSON","message":"bad"}})");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].id, "Base.1.0.MalformedJSON");
  EXPECT_EQ(messages[0].text, "bad");
  EXPECT_TRUE(parse_error_messages("<html>405</html>").empty());
  EXPECT_TRUE(parse_error_messages("").empty());
  EXPECT_TRUE(parse_error_messages(R"({"Id":"1"})").empty());
}

}  // namespace
}  // namespace imgbuild::redfish
