// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/virtual_media.hpp"

#include "redfish/fake_clock.hpp"
#include "redfish/fake_transport.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

namespace imgbuild::redfish {
namespace {

using util::Json;

const std::string k_data = std::string(IMGBUILD_SOURCE_DIR) + "/builder/redfish/testdata/";
const std::string k_image = "http://192.0.2.5/trixie-r660.iso";

Json load(const std::string& relative) { return parse_document(test::slurp(k_data + relative), relative); }

// The document of `file` with some members replaced, as the BMC's answer at `path`.
void serve(FakeTransport& t, const std::string& path, const std::string& file, const Json& changes = Json::object(),
           const std::string& etag = {}) {
  Json document = load(file);
  document.update(changes);
  std::vector<Header> headers;
  if (!etag.empty()) headers.push_back({"ETag", etag});
  t.on("GET", path, Response{200, headers, document.dump()});
}

const std::string k_sessions = "/redfish/v1/SessionService/Sessions";

void dell_root(FakeTransport& t) {
  t.on("GET", "/redfish/v1/", 200,
       R"({"RedfishVersion":"1.17.0","Vendor":"Dell","Systems":{"@odata.id":"/redfish/v1/Systems"},
           "Managers":{"@odata.id":"/redfish/v1/Managers"},"SessionService":{"@odata.id":"/redfish/v1/SessionService"},
           "Links":{"Sessions":{"@odata.id":"/redfish/v1/SessionService/Sessions"}}})");
  t.on("POST", k_sessions, 201, {}, {{"X-Auth-Token", "t"}, {"Location", k_sessions + "/42"}});
  t.on("DELETE", k_sessions + "/42", 200);
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Members":[{"@odata.id":"/redfish/v1/Systems/System.Embedded.1"}]})");
}

const std::string k_system = "/redfish/v1/Systems/System.Embedded.1";

std::string body_of(const FakeTransport& t, const std::string& method, const std::string& path, int nth = 0) {
  for (const Request& r : t.requests())
    if (r.method == method && r.path == path && nth-- == 0) return r.body;
  return "(not sent)";
}

DeployOptions options() {
  DeployOptions o;
  o.image_url = k_image;
  return o;
}

// ---- pure decisions ----

TEST(RedfishVirtualMedia, CdSlotsPreferCdThenDvd) {
  std::string dir = "dmtf/public-rackmount1/Systems/437XR1138R2/VirtualMedia/";
  std::vector<VirtualMedia> all{parse_virtual_media(load(dir + "Floppy1/index.json"), "f"),
                                parse_virtual_media(load(dir + "CD1/index.json"), "c1"),
                                parse_virtual_media(load(dir + "CD2/index.json"), "c2")};
  std::vector<VirtualMedia> cds = cd_slots(all);
  ASSERT_EQ(cds.size(), 2u);
  EXPECT_EQ(cds[0].id, "CD1");
  VirtualMedia dvd;
  dvd.media_types = {"DVD"};
  EXPECT_EQ(cd_slots({all[0], dvd}).size(), 1u);
  EXPECT_TRUE(cd_slots({all[0]}).empty());
  EXPECT_FALSE(is_empty(all[1]));
  EXPECT_FALSE(is_empty(all[2]));  // Inserted although NotConnected: eject it
  EXPECT_TRUE(is_empty(parse_virtual_media(load("idrac9-6.10/VirtualMedia-1.json"), "1")));
}

TEST(RedfishVirtualMedia, InsertBodiesAndProtocols) {
  VirtualMedia slot = parse_virtual_media(load("idrac9-6.10/VirtualMedia-1.json"), "1");
  std::vector<Json> bodies = insert_bodies(slot, "https://h/x.iso");
  ASSERT_EQ(bodies.size(), 4u);
  EXPECT_EQ(bodies[0].dump(), R"({"Image":"https://h/x.iso","Inserted":true,"WriteProtected":true})");
  EXPECT_EQ(bodies[1].dump(), R"({"Image":"https://h/x.iso"})");
  EXPECT_EQ(bodies[2].dump(), R"({"Image":"https://h/x.iso","TransferProtocolType":"HTTPS"})");
  EXPECT_EQ(bodies[3].dump(), R"({"Image":"https://h/x.iso","TransferProtocolType":"HTTPS","TransferMethod":"Stream"})");
  slot.insert.allowable = {"NFS"};
  EXPECT_EQ(insert_bodies(slot, "http://h/x.iso").size(), 2u);
  EXPECT_EQ(transfer_protocol_of("SMB://h/share/x.iso"), "CIFS");
  EXPECT_THROW(transfer_protocol_of("ftp://h/x.iso"), Error);
  EXPECT_THROW(transfer_protocol_of("/srv/x.iso"), Error);
}

TEST(RedfishVirtualMedia, BootTargetAndResetTypes) {
  ComputerSystem dmtf = parse_system(load("dmtf/public-rackmount1/Systems/437XR1138R2/index.json"), "s");
  EXPECT_EQ(cd_boot_target(dmtf), "Cd");
  EXPECT_EQ(power_on_reset_type(dmtf), "On");
  ComputerSystem supermicro;
  supermicro.boot.allowed_targets = {"None", "Pxe", "Hdd", "UsbCd", "BiosSetup"};
  EXPECT_EQ(cd_boot_target(supermicro), "UsbCd");
  supermicro.boot.allowed_targets = {"None", "Pxe", "Hdd"};
  EXPECT_THROW(cd_boot_target(supermicro), Error);
  supermicro.reset.allowable = {"ForceOff", "PushPowerButton"};
  EXPECT_EQ(power_on_reset_type(supermicro), "PushPowerButton");
  supermicro.reset.allowable = {"ForceOff"};
  EXPECT_THROW(power_on_reset_type(supermicro), Error);
}

// ---- whole flows against recorded answers ----

TEST(RedfishVirtualMedia, Idrac9From600SystemLevelSlots) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  std::string file = "idrac9-6.10/System.Embedded.1.json";
  serve(t, k_system, file, {{"PowerState", "On"}}, "W/\"gen-1\"");   // read
  serve(t, k_system, file, {{"PowerState", "On"}}, "W/\"gen-1\"");   // first poll after shutdown
  serve(t, k_system, file, {{"PowerState", "Off"}}, "W/\"gen-2\"");  // second poll; and read before boot
  serve(t, k_system, file, {{"PowerState", "Off"}}, "W/\"gen-2\"");
  serve(t, k_system, file, {{"PowerState", "On"}}, "W/\"gen-3\"");   // after power-on
  t.on("GET", k_system + "/VirtualMedia", 200, test::slurp(k_data + "idrac9-6.10/VirtualMedia.json"));
  serve(t, k_system + "/VirtualMedia/1", "idrac9-6.10/VirtualMedia-1.json");  // discovery
  serve(t, k_system + "/VirtualMedia/1", "idrac9-6.10/VirtualMedia-1.json");  // read again before the insert
  serve(t, k_system + "/VirtualMedia/1", "idrac9-6.10/VirtualMedia-1.json",
        {{"Inserted", true}, {"Image", k_image}, {"ConnectedVia", "URI"}});
  serve(t, k_system + "/VirtualMedia/2", "idrac9-6.10/VirtualMedia-2.json");
  t.on("POST", k_system + "/Actions/ComputerSystem.Reset", 204);
  t.on("POST", k_system + "/VirtualMedia/1/Actions/VirtualMedia.InsertMedia", 204);
  t.on("PATCH", k_system, 200);
  DeployResult result;
  {
    Client c(t, {"root", "calvin"}, clock);
    c.open();
    result = deploy_until_boot(c, options());
  }
  EXPECT_EQ(result.slot, k_system + "/VirtualMedia/1");
  EXPECT_EQ(result.boot_target, "Cd");
  EXPECT_EQ(t.changes(), (std::vector<std::string>{
                             "POST " + k_sessions,
                             "POST " + k_system + "/Actions/ComputerSystem.Reset",
                             "POST " + k_system + "/VirtualMedia/1/Actions/VirtualMedia.InsertMedia",
                             "PATCH " + k_system,
                             "POST " + k_system + "/Actions/ComputerSystem.Reset",
                             "DELETE " + k_sessions + "/42",
                         }));
  EXPECT_EQ(body_of(t, "POST", k_system + "/Actions/ComputerSystem.Reset", 0), R"({"ResetType":"GracefulShutdown"})");
  EXPECT_EQ(body_of(t, "POST", k_system + "/Actions/ComputerSystem.Reset", 1), R"({"ResetType":"On"})");
  EXPECT_EQ(body_of(t, "POST", k_system + "/VirtualMedia/1/Actions/VirtualMedia.InsertMedia"),
            R"({"Image":")" + k_image + R"(","Inserted":true,"WriteProtected":true})");
  EXPECT_EQ(body_of(t, "PATCH", k_system),
            R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})");
  std::vector<std::string> if_match;
  for (const Request& r : t.requests())
    for (const Header& h : r.headers)
      if (r.method == "PATCH" && h.name == "If-Match") if_match.push_back(h.value);
  EXPECT_EQ(if_match, std::vector<std::string>{"W/\"gen-2\""});  // the ETag read after power-off
}

TEST(RedfishVirtualMedia, Idrac9Before600ManagerLevelSlotWithStaleInserted) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  const std::string manager = "/redfish/v1/Managers/iDRAC.Embedded.1";
  const std::string cd = manager + "/VirtualMedia/CD";
  serve(t, k_system, "idrac9-5.10/System.Embedded.1.json");  // Off
  serve(t, manager, "idrac9-5.10/iDRAC.Embedded.1.json");
  t.on("GET", manager + "/VirtualMedia", 200, test::slurp(k_data + "idrac9-5.10/VirtualMedia.json"));
  serve(t, manager + "/VirtualMedia/RemovableDisk", "idrac9-5.10/VirtualMedia-RemovableDisk.json");
  serve(t, cd, "idrac9-5.10/VirtualMedia-CD.json");                                    // discovery
  serve(t, cd, "idrac9-5.10/VirtualMedia-CD.json");                                    // right after eject: stale
  serve(t, cd, "idrac9-5.10/VirtualMedia-CD.json", {{"Inserted", false}, {"Image", nullptr}});
  serve(t, cd, "idrac9-5.10/VirtualMedia-CD.json", {{"Image", k_image}});  // after the insert
  t.on("POST", cd + "/Actions/VirtualMedia.EjectMedia", 204);
  t.on("POST", cd + "/Actions/VirtualMedia.InsertMedia", 204);
  t.on("PATCH", k_system, 204);
  t.on("POST", k_system + "/Actions/ComputerSystem.Reset", 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  DeployResult result = deploy_until_boot(c, options());
  EXPECT_EQ(result.slot, cd);
  EXPECT_EQ(t.changes(), (std::vector<std::string>{
                             "POST " + k_sessions,
                             "POST " + cd + "/Actions/VirtualMedia.EjectMedia",
                             "POST " + cd + "/Actions/VirtualMedia.InsertMedia",
                             "PATCH " + k_system,
                             "POST " + k_system + "/Actions/ComputerSystem.Reset",
                         }));
  EXPECT_EQ(body_of(t, "POST", cd + "/Actions/VirtualMedia.EjectMedia"), "");
  EXPECT_FALSE(clock.sleeps().empty());  // the stale Inserted was waited out
}

TEST(RedfishVirtualMedia, StaleInsertedForeverFailsBounded) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  const std::string cd = "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD";
  serve(t, cd, "idrac9-5.10/VirtualMedia-CD.json");
  t.on("POST", cd + "/Actions/VirtualMedia.EjectMedia", 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  VirtualMedia slot = parse_virtual_media(load("idrac9-5.10/VirtualMedia-CD.json"), cd);
  DeployOptions o = options();
  o.eject_wait = std::chrono::seconds(20);
  EXPECT_THROW(eject_all(c, {slot}, o), Error);
  EXPECT_EQ(clock.sleeps().size(), 4u);  // 20 s in polls of 5 s
}

TEST(RedfishVirtualMedia, AcceptedButNeverInsertedFailsBounded) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  const std::string slot = k_system + "/VirtualMedia/1";
  serve(t, slot, "idrac9-6.10/VirtualMedia-1.json");  // never Inserted
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  DeployOptions o = options();
  o.insert_wait = std::chrono::seconds(30);
  try {
    wait_inserted(c, slot, k_image, o);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Range requests"), std::string::npos) << e.what();
  }
  EXPECT_EQ(clock.sleeps().size(), 6u);  // 30 s in polls of 5 s
}

TEST(RedfishVirtualMedia, IloEjectWantsAnEmptyObject) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  VirtualMedia slot = parse_virtual_media(load("ilo5/VirtualMedia-2.json"), "x");
  slot.inserted = true;
  t.on("POST", slot.eject.target, 415);
  t.on("POST", slot.eject.target, 200);
  serve(t, slot.path, "ilo5/VirtualMedia-2.json");
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  eject_all(c, {slot}, options());
  EXPECT_EQ(body_of(t, "POST", slot.eject.target, 0), "");
  EXPECT_EQ(body_of(t, "POST", slot.eject.target, 1), "{}");
}

TEST(RedfishVirtualMedia, InsertFallsBackToTransferProtocolType) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  VirtualMedia slot = parse_virtual_media(load("idrac9-6.10/VirtualMedia-2.json"), "x");
  std::string error = R"({"error":{"@Message.ExtendedInfo":[{"Message":"Missing TransferProtocolType","MessageId":"Base.1.8.PropertyMissing"}]}})";
  t.on("POST", slot.insert.target, 400, error);
  t.on("POST", slot.insert.target, 400, error);
  t.on("POST", slot.insert.target, 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  insert_image(c, slot, k_image);
  EXPECT_EQ(body_of(t, "POST", slot.insert.target, 1), R"({"Image":")" + k_image + R"("})");
  EXPECT_EQ(body_of(t, "POST", slot.insert.target, 2),
            R"({"Image":")" + k_image + R"(","TransferProtocolType":"HTTP"})");
  EXPECT_EQ(body_of(t, "POST", slot.insert.target, 3), "(not sent)");
}

TEST(RedfishVirtualMedia, InsertBodyRefusedOnlyForTheFormOfTheRequest) {
  // The body: a property or parameter the BMC does not take, a body it cannot parse.
  EXPECT_TRUE(insert_body_refused(400, {"Base.1.8.PropertyUnknown"}));
  EXPECT_TRUE(insert_body_refused(400, {"Base.1.0.PropertyValueNotInList"}));
  EXPECT_TRUE(insert_body_refused(400, {"Base.1.12.ActionParameterUnknown"}));
  EXPECT_TRUE(insert_body_refused(400, {"Base.1.5.ActionParameterMissing"}));
  EXPECT_TRUE(insert_body_refused(400, {"Base.1.8.MalformedJSON"}));
  EXPECT_TRUE(insert_body_refused(422, {"Base.1.8.PropertyMissing"}));
  EXPECT_TRUE(insert_body_refused(400, {"Base.1.8.GeneralError", "Base.1.8.PropertyUnknown"}));
  // The action not taken as sent; a bare 400 that says nothing.
  EXPECT_TRUE(insert_body_refused(405, {}));
  EXPECT_TRUE(insert_body_refused(501, {}));
  EXPECT_TRUE(insert_body_refused(400, {}));
  // The image or the slot: another body cannot change the answer.
  EXPECT_FALSE(insert_body_refused(400, {"IDRAC.2.8.RAC0904"}));
  EXPECT_FALSE(insert_body_refused(400, {"Base.1.8.GeneralError"}));
  EXPECT_FALSE(insert_body_refused(500, {"IDRAC.2.8.VRM0012"}));
  EXPECT_FALSE(insert_body_refused(500, {}));
  EXPECT_FALSE(insert_body_refused(503, {}));
  EXPECT_FALSE(insert_body_refused(409, {"Base.1.8.ResourceInUse"}));
  EXPECT_FALSE(insert_body_refused(415, {}));
  EXPECT_FALSE(insert_body_refused(404, {"Base.1.8.ResourceMissingAtURI"}));
  // A key is matched whole, not as a prefix or inside another.
  EXPECT_FALSE(insert_body_refused(400, {"Base.1.8.PropertyValueModified"}));
  EXPECT_FALSE(insert_body_refused(400, {"Oem.PropertyUnknownImage"}));
}

// insert_image through a session on `t`: the text of the error it ends with.
std::string insert_failure(FakeTransport& t, const VirtualMedia& slot) {
  FakeClock clock;
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  try {
    insert_image(c, slot, k_image);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string k_unreachable = "The remote file location is not accessible or reachable.";
const std::string k_rac0904 = R"({"error":{"@Message.ExtendedInfo":[{"Message":")" + k_unreachable +
                              R"(","MessageId":"IDRAC.2.8.RAC0904"}]}})";

// iDRAC answers an image it cannot fetch with RAC0904: the insert stops there, quoting it,
// after one body (the other bodies would only ask again for the same unreachable image).
TEST(RedfishVirtualMedia, UnreachableImageStopsAtTheFirstBody) {
  FakeTransport t;
  dell_root(t);
  VirtualMedia slot = parse_virtual_media(load("idrac9-6.10/VirtualMedia-2.json"), "x");
  t.on("POST", slot.insert.target, 400, k_rac0904);
  std::string error = insert_failure(t, slot);
  EXPECT_NE(error.find(k_unreachable + " [IDRAC.2.8.RAC0904]"), std::string::npos) << error;
  EXPECT_NE(body_of(t, "POST", slot.insert.target, 0), "(not sent)");
  EXPECT_EQ(body_of(t, "POST", slot.insert.target, 1), "(not sent)");
}

// The same through a task: iDRAC9's task monitor answers the action's own error once the
// task ended in Exception; a task read as a Task ends in Exception. Either way, one body.
TEST(RedfishVirtualMedia, InsertTaskEndingInExceptionStopsAtTheFirstBody) {
  const std::string task = R"({"TaskState":"Exception","TaskStatus":"Critical","Messages":[{"Message":")" +
                           k_unreachable + R"(","MessageId":"IDRAC.2.8.RAC0904"}]})";
  for (bool monitor : {true, false}) {
    FakeTransport t;
    dell_root(t);
    VirtualMedia slot = parse_virtual_media(load("idrac9-6.10/VirtualMedia-2.json"), "x");
    const std::string location =
        monitor ? "/redfish/v1/TaskService/TaskMonitors/JID_1" : "/redfish/v1/TaskService/Tasks/JID_1";
    t.on("POST", slot.insert.target, 202, {}, {{"Location", location}});
    t.on("GET", location, monitor ? 400 : 200, monitor ? k_rac0904 : task);
    std::string error = insert_failure(t, slot);
    EXPECT_NE(error.find(k_unreachable), std::string::npos) << error;
    EXPECT_EQ(body_of(t, "POST", slot.insert.target, 1), "(not sent)") << (monitor ? "task monitor" : "task");
  }
}

// A BMC that refuses body after body for the form of the request: all four are tried, the
// last refusal is reported.
TEST(RedfishVirtualMedia, InsertRefusedOnEveryBodyReportsTheBmcMessage) {
  FakeTransport t;
  dell_root(t);
  VirtualMedia slot = parse_virtual_media(load("idrac9-6.10/VirtualMedia-2.json"), "x");
  t.on("POST", slot.insert.target, 400, R"({"error":{"@Message.ExtendedInfo":[{"Message":"The action VirtualMedia.InsertMedia was submitted with the invalid parameter X.","MessageId":"Base.1.12.ActionParameterUnknown"}]}})");
  std::string error = insert_failure(t, slot);
  EXPECT_NE(error.find("ActionParameterUnknown"), std::string::npos) << error;
  EXPECT_NE(body_of(t, "POST", slot.insert.target, 3).find("\"TransferMethod\":\"Stream\""), std::string::npos);
  EXPECT_EQ(body_of(t, "POST", slot.insert.target, 4), "(not sent)");
}

TEST(RedfishVirtualMedia, NoActionsMeansPatchWithIfMatch) {
  // DMTF's rackmount mockup lists no InsertMedia/EjectMedia actions on its CD: the
  // properties are written instead, with the slot's ETag.
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  std::string path = "/redfish/v1/Systems/437XR1138R2/VirtualMedia/CD1";
  std::string file = "dmtf/public-rackmount1/Systems/437XR1138R2/VirtualMedia/CD1/index.json";
  serve(t, path, file, {{"Inserted", false}, {"ConnectedVia", "NotConnected"}}, "\"cd1-2\"");
  t.on("PATCH", path, 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  VirtualMedia slot = parse_virtual_media(load(file), path);
  slot.etag = "\"cd1-1\"";
  eject_all(c, {slot}, options());
  EXPECT_EQ(body_of(t, "PATCH", path, 0), R"({"Image":null,"Inserted":false})");
  VirtualMedia again = parse_virtual_media(load(file), path);
  again.etag = "\"cd1-2\"";
  insert_image(c, again, k_image);
  EXPECT_EQ(body_of(t, "PATCH", path, 1), R"({"Image":")" + k_image + R"(","Inserted":true,"WriteProtected":true})");
  std::vector<std::string> if_match;
  for (const Request& r : t.requests())
    for (const Header& h : r.headers)
      if (r.method == "PATCH" && h.name == "If-Match") if_match.push_back(h.value);
  EXPECT_EQ(if_match, (std::vector<std::string>{"\"cd1-1\"", "\"cd1-2\""}));
}

TEST(RedfishVirtualMedia, BootOverrideGoesToTheSettingsObject) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  ComputerSystem system = parse_system(parse_document(R"({"@odata.id":"/redfish/v1/Systems/1",
      "Boot":{"BootSourceOverrideTarget@Redfish.AllowableValues":["Pxe","UsbCd","Hdd"]},
      "@Redfish.Settings":{"SettingsObject":{"@odata.id":"/redfish/v1/Systems/1/Pending"}}})", "s"), "s");
  t.on("GET", "/redfish/v1/Systems/1/Pending", Response{200, {{"ETag", "\"p1\""}}, "{}"});
  t.on("PATCH", "/redfish/v1/Systems/1/Pending", 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  boot_once_from_cd(c, system);
  EXPECT_EQ(body_of(t, "PATCH", "/redfish/v1/Systems/1/Pending"),
            R"({"Boot":{"BootSourceOverrideTarget":"UsbCd","BootSourceOverrideEnabled":"Once"}})");
  EXPECT_EQ(body_of(t, "PATCH", "/redfish/v1/Systems/1"), "(not sent)");
}

TEST(RedfishVirtualMedia, GracefulShutdownThenForceOffAfterTheGrace) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  serve(t, k_system, "idrac9-6.10/System.Embedded.1.json", {{"PowerState", "On"}});
  for (int i = 0; i < 6; ++i) serve(t, k_system, "idrac9-6.10/System.Embedded.1.json", {{"PowerState", "On"}});
  serve(t, k_system, "idrac9-6.10/System.Embedded.1.json", {{"PowerState", "Off"}});
  t.on("POST", k_system + "/Actions/ComputerSystem.Reset", 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  ComputerSystem system = parse_system(load("idrac9-6.10/System.Embedded.1.json"), k_system);
  DeployOptions o = options();
  o.shutdown_grace = std::chrono::seconds(20);
  power_off(c, system, o);
  EXPECT_EQ(body_of(t, "POST", k_system + "/Actions/ComputerSystem.Reset", 0), R"({"ResetType":"GracefulShutdown"})");
  EXPECT_EQ(body_of(t, "POST", k_system + "/Actions/ComputerSystem.Reset", 1), R"({"ResetType":"ForceOff"})");
}

TEST(RedfishVirtualMedia, ForceOffOnlyWhereGracefulIsNotOffered) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  serve(t, k_system, "idrac9-6.10/System.Embedded.1.json", {{"PowerState", "Off"}});
  t.on("POST", k_system + "/Actions/ComputerSystem.Reset", 204);
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  ComputerSystem system = parse_system(load("idrac9-6.10/System.Embedded.1.json"), k_system);
  system.reset.allowable = {"On", "ForceOff"};
  power_off(c, system, options());
  EXPECT_EQ(body_of(t, "POST", k_system + "/Actions/ComputerSystem.Reset", 0), R"({"ResetType":"ForceOff"})");
}

TEST(RedfishVirtualMedia, DryRunRecordsTheFlowAndChangesNothing) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  const std::string manager = "/redfish/v1/Managers/iDRAC.Embedded.1";
  const std::string cd = manager + "/VirtualMedia/CD";
  serve(t, k_system, "idrac9-5.10/System.Embedded.1.json", {{"PowerState", "On"}});
  serve(t, manager, "idrac9-5.10/iDRAC.Embedded.1.json");
  t.on("GET", manager + "/VirtualMedia", 200, test::slurp(k_data + "idrac9-5.10/VirtualMedia.json"));
  serve(t, manager + "/VirtualMedia/RemovableDisk", "idrac9-5.10/VirtualMedia-RemovableDisk.json");
  serve(t, cd, "idrac9-5.10/VirtualMedia-CD.json");
  Client c(t, {"root", "s3cret-dry"}, clock);
  c.set_dry_run(true);
  c.open();
  deploy_until_boot(c, options());
  EXPECT_TRUE(t.changes().empty());
  std::vector<std::string> recorded;
  for (const RecordedRequest& r : c.recorded()) recorded.push_back(r.method + " " + r.path + " " + r.body);
  EXPECT_EQ(recorded, (std::vector<std::string>{
                          "POST " + k_system + R"(/Actions/ComputerSystem.Reset {"ResetType":"GracefulShutdown"})",
                          "POST " + cd + "/Actions/VirtualMedia.EjectMedia ",
                          "POST " + cd + R"(/Actions/VirtualMedia.InsertMedia {"Image":")" + k_image +
                              R"(","Inserted":true,"WriteProtected":true})",
                          "PATCH " + k_system + R"( {"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})",
                          "POST " + k_system + R"(/Actions/ComputerSystem.Reset {"ResetType":"On"})",
                      }));
  for (const std::string& line : c.log()) EXPECT_EQ(line.find("s3cret-dry"), std::string::npos);
}

TEST(RedfishVirtualMedia, SystemChosenByIdWhenThereAreSeveral) {
  FakeTransport t;
  FakeClock clock;
  t.on("GET", "/redfish/v1/", 200, R"({"Systems":{"@odata.id":"/redfish/v1/Systems/"}})");  // no sessions
  t.on("GET", "/redfish/v1/Systems/", 200,
       R"({"Members":[{"@odata.id":"/redfish/v1/Systems/1/"},{"@odata.id":"/redfish/v1/Systems/2/"}]})");
  t.on("GET", "/redfish/v1/Systems/2/", 200, R"({"@odata.id":"/redfish/v1/Systems/2/","Id":"2"})");
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  EXPECT_EQ(read_system(c, "2").path, "/redfish/v1/Systems/2/");  // iLO-style trailing slash
  try {
    read_system(c, "");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than one System"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_system(c, "3"), Error);
}

TEST(RedfishVirtualMedia, NoCdSlotIsAClearError) {
  FakeTransport t;
  FakeClock clock;
  dell_root(t);
  const std::string manager = "/redfish/v1/Managers/iDRAC.Embedded.1";
  serve(t, manager, "idrac9-5.10/iDRAC.Embedded.1.json");
  t.on("GET", manager + "/VirtualMedia", 200,
       R"({"Members":[{"@odata.id":"/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/RemovableDisk"}]})");
  serve(t, manager + "/VirtualMedia/RemovableDisk", "idrac9-5.10/VirtualMedia-RemovableDisk.json");
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  ComputerSystem system = parse_system(load("idrac9-5.10/System.Embedded.1.json"), k_system);
  try {
    find_cd_slots(c, system);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no virtual CD/DVD slot"), std::string::npos);
  }
}

}  // namespace
}  // namespace imgbuild::redfish
