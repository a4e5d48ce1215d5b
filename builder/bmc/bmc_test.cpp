// SPDX-License-Identifier: GPL-2.0-or-later
#include "bmc/bmc.hpp"

#include <gtest/gtest.h>

namespace imgbuild::bmc {
namespace {

using util::Json;

const std::string k_password = "s3cret-Pa55word";
// "root:s3cret-Pa55word"
const std::string k_basic = "Basic cm9vdDpzM2NyZXQtUGE1NXdvcmQ=";

BmcConfig config_of(Dialect dialect, Faults faults = {}) {
  BmcConfig config;
  config.dialect = dialect;
  config.user = "root";
  config.password = k_password;
  config.powered_on = true;
  config.faults = std::move(faults);
  return config;
}

// A client as sushy drives one: a session token once logged in, basic auth before.
class Client {
 public:
  explicit Client(EmulatedBmc& bmc) : m_bmc(bmc) {}

  Response send(const std::string& method, const std::string& path, const std::string& body = {},
                Headers extra = {}) {
    Request request{method, path, std::move(extra), body};
    if (!m_token.empty()) request.headers.emplace_back("X-Auth-Token", m_token);
    Response response = m_bmc.handle(request);
    m_seen += response.body;
    for (const auto& [name, value] : response.headers) m_seen += name + ": " + value + "\n";
    return response;
  }
  Json get(const std::string& path) {
    Response response = send("GET", path);
    EXPECT_EQ(response.status, 200) << path << "\n" << response.body;
    return Json::parse(response.body);
  }
  void login() {
    Response response = send("POST", "/redfish/v1/SessionService/Sessions",
                             R"({"UserName":"root","Password":")" + k_password + "\"}");
    ASSERT_EQ(response.status, 201) << response.body;
    m_token = *response.header("X-Auth-Token");
    m_session = *response.header("Location");
  }
  const std::string& session() const { return m_session; }
  // Everything the BMC has answered so far, headers included.
  const std::string& seen() const { return m_seen; }

 private:
  EmulatedBmc& m_bmc;
  std::string m_token;
  std::string m_session;
  std::string m_seen;
};

std::string first_error_id(const Response& response) {
  Json body = Json::parse(response.body);
  return body["error"]["@Message.ExtendedInfo"][0]["MessageId"].get<std::string>();
}

// The virtual media slots as a client finds them: under the System where it links them
// (iDRAC9 >= 6.00), else under each Manager (iDRAC8).
std::vector<std::string> discover_slots(Client& client) {
  Json root = client.get("/redfish/v1/");
  Json systems = client.get(root["Systems"]["@odata.id"]);
  Json system = client.get(systems["Members"][0]["@odata.id"]);
  std::string collection;
  if (system.contains("VirtualMedia")) {
    collection = system["VirtualMedia"]["@odata.id"];
  } else {
    Json manager = client.get(system["Links"]["ManagedBy"][0]["@odata.id"]);
    collection = manager["VirtualMedia"]["@odata.id"];
  }
  std::vector<std::string> slots;
  const Json members = client.get(collection)["Members"];
  for (const auto& member : members) slots.push_back(member["@odata.id"]);
  return slots;
}

class BmcFlow : public ::testing::TestWithParam<Dialect> {};

// What ironic's redfish-virtual-media boot does: power off, eject every slot, insert into
// the first CD slot, one-time boot from Cd, power on; eject once deployed.
TEST_P(BmcFlow, DeploysLikeIronic) {
  EmulatedBmc bmc(config_of(GetParam()));
  Client client(bmc);
  client.login();
  const auto slots = discover_slots(client);
  ASSERT_EQ(slots.size(), 2u);
  const std::string system = bmc.system_path();
  Json reset = client.get(system)["Actions"]["#ComputerSystem.Reset"];
  EXPECT_EQ(reset["ResetType@Redfish.AllowableValues"],
            Json::parse(R"(["On","ForceOff","GracefulShutdown","ForceRestart","GracefulRestart"])"));

  EXPECT_EQ(client.send("POST", reset["target"], R"({"ResetType":"ForceOff"})").status, 204);
  EXPECT_EQ(client.get(system)["PowerState"], "Off");
  for (const auto& slot : slots) {
    Json media = client.get(slot);
    EXPECT_EQ(client.send("POST", media["Actions"]["#VirtualMedia.EjectMedia"]["target"]).status, 204);
  }
  Json cd = client.get(slots[0]);
  ASSERT_EQ(cd["MediaTypes"][0], "CD");
  const std::string image = "http://10.0.2.2:8080/trixie-r660.iso";
  Response inserted = client.send("POST", cd["Actions"]["#VirtualMedia.InsertMedia"]["target"],
                                  R"({"Image":")" + image + R"(","Inserted":true,"WriteProtected":true})");
  ASSERT_EQ(inserted.status, 202) << inserted.body;
  const std::string monitor = *inserted.header("Location");
  EXPECT_EQ(client.send("GET", monitor).status, GetParam() == Dialect::Idrac9 ? 202 : 200);

  auto effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::PowerOff);
  EXPECT_FALSE(effects[0].graceful);
  EXPECT_EQ(effects[1].kind, Effect::Kind::InsertMedia);
  EXPECT_EQ(effects[1].image, image);
  EXPECT_EQ(effects[1].slot, GetParam() == Dialect::Idrac9 ? "1" : "CD");
  bmc.media_fetched(effects[1].task);
  Json task = client.get("/redfish/v1/TaskService/Tasks/" + effects[1].task);
  EXPECT_EQ(task["TaskState"], "Completed");
  if (GetParam() == Dialect::Idrac9) {
    EXPECT_EQ(client.send("GET", monitor).status, 204);
  }
  cd = client.get(slots[0]);
  EXPECT_EQ(cd["Inserted"], true);
  EXPECT_EQ(cd["Image"], image);
  EXPECT_EQ(cd["ImageName"], "trixie-r660.iso");
  EXPECT_EQ(cd["ConnectedVia"], "URI");

  Response current = client.send("GET", system);
  Json boot = Json::parse(current.body)["Boot"];
  EXPECT_NE(std::find(boot["BootSourceOverrideTarget@Redfish.AllowableValues"].begin(),
                      boot["BootSourceOverrideTarget@Redfish.AllowableValues"].end(), "Cd"),
            boot["BootSourceOverrideTarget@Redfish.AllowableValues"].end());
  Response patched = client.send("PATCH", system, R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})",
                                 {{"If-Match", *current.header("ETag")}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json::parse(patched.body)["Boot"]["BootSourceOverrideEnabled"], "Once");
  EXPECT_EQ(client.send("POST", reset["target"], R"({"ResetType":"On"})").status, 204);

  effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::BootOverride);
  EXPECT_EQ(effects[0].boot_device, "Cd");
  EXPECT_EQ(effects[1].kind, Effect::Kind::PowerOn);
  EXPECT_EQ(effects[1].boot_device, "Cd");
  // The one-time override is spent by that boot.
  EXPECT_EQ(client.get(system)["Boot"]["BootSourceOverrideEnabled"], "Disabled");
  EXPECT_TRUE(bmc.powered_on());

  EXPECT_EQ(client.send("POST", cd["Actions"]["#VirtualMedia.EjectMedia"]["target"], "{}").status, 204);
  effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::EjectMedia);
  EXPECT_EQ(client.get(slots[0])["Inserted"], false);
  EXPECT_EQ(client.send("DELETE", client.session()).status, 204);
  EXPECT_EQ(bmc.session_count(), 0u);
  EXPECT_EQ(client.send("GET", system).status, 401);

  EXPECT_EQ(client.seen().find(k_password), std::string::npos);
  for (const auto& line : bmc.events()) EXPECT_EQ(line.find(k_password), std::string::npos) << line;
}

TEST_P(BmcFlow, RestartsAndShutsDown) {
  EmulatedBmc bmc(config_of(GetParam()));
  Client client(bmc);
  client.login();
  const std::string target = bmc.system_path() + "/Actions/ComputerSystem.Reset";
  EXPECT_EQ(client.send("POST", target, R"({"ResetType":"GracefulRestart"})").status, 204);
  EXPECT_EQ(client.send("POST", target, R"({"ResetType":"GracefulShutdown"})").status, 204);
  Response again = client.send("POST", target, R"({"ResetType":"ForceOff"})");
  EXPECT_EQ(again.status, 409);
  Response bad = client.send("POST", target, R"({"ResetType":"Nmi"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(first_error_id(bad), "Base.1.12.ActionParameterNotSupported");
  EXPECT_EQ(client.send("POST", target, "{}").status, 400);
  auto effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::Reset);
  EXPECT_TRUE(effects[0].graceful);
  EXPECT_EQ(effects[1].kind, Effect::Kind::PowerOff);
  EXPECT_TRUE(effects[1].graceful);
  bmc.machine_powered_off();
  EXPECT_FALSE(bmc.powered_on());
}

TEST_P(BmcFlow, RefusesABusySlotAndUnknownParameters) {
  EmulatedBmc bmc(config_of(GetParam()));
  Client client(bmc);
  client.login();
  const std::string insert = discover_slots(client)[0] + "/Actions/VirtualMedia.InsertMedia";
  EXPECT_EQ(client.send("POST", insert, R"({"Image":"http://a/b.iso"})").status, 202);
  Response busy = client.send("POST", insert, R"({"Image":"http://a/c.iso"})");
  EXPECT_EQ(busy.status, 500);
  EXPECT_EQ(first_error_id(busy), "IDRAC.2.8.VRM0012");
  Response unknown = client.send("POST", insert, R"({"Image":"http://a/c.iso","Bogus":1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(first_error_id(unknown), "Base.1.12.ActionParameterUnknown");
  EXPECT_EQ(first_error_id(client.send("POST", insert, "{}")), "Base.1.12.ActionParameterMissing");
  EXPECT_EQ(first_error_id(client.send("POST", insert, "{not json")), "Base.1.12.MalformedJSON");
}

TEST_P(BmcFlow, MachineSideReportsAFailedFetch) {
  EmulatedBmc bmc(config_of(GetParam()));
  Client client(bmc);
  client.login();
  const std::string slot = discover_slots(client)[0];
  ASSERT_EQ(client.send("POST", slot + "/Actions/VirtualMedia.InsertMedia", R"({"Image":"http://a/b.iso"})").status, 202);
  auto effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 1u);
  bmc.media_fetch_failed(effects[0].task, "HTTP 404 from http://a/b.iso");
  Json task = client.get("/redfish/v1/TaskService/Tasks/" + effects[0].task);
  EXPECT_EQ(task["TaskState"], "Exception");
  EXPECT_EQ(task["TaskStatus"], "Critical");
  EXPECT_NE(task["Messages"][0]["Message"].get<std::string>().find("HTTP 404"), std::string::npos);
  EXPECT_EQ(client.get(slot)["Inserted"], false);
  // The slot is free again.
  EXPECT_EQ(client.send("POST", slot + "/Actions/VirtualMedia.InsertMedia", R"({"Image":"http://a/b.iso"})").status, 202);
}

INSTANTIATE_TEST_SUITE_P(Dialects, BmcFlow, ::testing::Values(Dialect::Idrac9, Dialect::Idrac8),
                         [](const auto& info) { return std::string(dialect_name(info.param)); });

TEST(Bmc, DialectPaths) {
  EXPECT_EQ(parse_dialect("idrac9"), Dialect::Idrac9);
  EXPECT_EQ(parse_dialect("idrac8"), Dialect::Idrac8);
  EXPECT_FALSE(parse_dialect("drac5"));
  EmulatedBmc nine(config_of(Dialect::Idrac9));
  EmulatedBmc eight(config_of(Dialect::Idrac8));
  Request get{"GET", "", {{"Authorization", k_basic}}, ""};
  get.path = "/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1";
  EXPECT_EQ(nine.handle(get).status, 200);
  EXPECT_EQ(eight.handle(get).status, 404);
  get.path = "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD";
  EXPECT_EQ(nine.handle(get).status, 404);
  EXPECT_EQ(eight.handle(get).status, 200);
  get.path = "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/RemovableDisk/";
  Json disk = Json::parse(eight.handle(get).body);
  EXPECT_EQ(disk["MediaTypes"], Json::parse(R"(["USBStick"])"));
  EXPECT_EQ(disk["@odata.id"], "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/RemovableDisk");
}

TEST(Bmc, Authentication) {
  EmulatedBmc bmc(config_of(Dialect::Idrac9));
  EXPECT_EQ(bmc.handle({"GET", "/redfish/v1", {}, ""}).status, 200);
  EXPECT_EQ(bmc.handle({"GET", "/redfish", {}, ""}).status, 200);
  Response refused = bmc.handle({"GET", "/redfish/v1/Systems", {}, ""});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("www-authenticate"), "Basic realm=\"RedfishService\"");
  EXPECT_EQ(first_error_id(refused), "Base.1.12.NoValidSession");
  EXPECT_EQ(bmc.handle({"GET", "/redfish/v1/Systems", {{"authorization", k_basic}}, ""}).status, 200);
  // "root:wrong"
  EXPECT_EQ(bmc.handle({"GET", "/redfish/v1/Systems", {{"Authorization", "Basic cm9vdDp3cm9uZw=="}}, ""}).status, 401);
  EXPECT_EQ(bmc.handle({"GET", "/redfish/v1/Systems", {{"Authorization", "Basic !!!"}}, ""}).status, 401);
  EXPECT_EQ(bmc.handle({"GET", "/redfish/v1/Systems", {{"X-Auth-Token", "0123"}}, ""}).status, 401);
  Response wrong = bmc.handle({"POST", "/redfish/v1/SessionService/Sessions", {}, R"({"UserName":"root","Password":"calvin"})"});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_FALSE(wrong.header("X-Auth-Token"));
  EXPECT_EQ(bmc.handle({"POST", "/redfish/v1/SessionService/Sessions", {}, R"({"UserName":"root"})"}).status, 400);
  Response created = bmc.handle({"POST", "/redfish/v1/SessionService/Sessions", {},
                                 R"({"UserName":"root","Password":")" + k_password + "\"}"});
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.header("Location"), "/redfish/v1/SessionService/Sessions/1");
  EXPECT_EQ(created.header("X-Auth-Token")->size(), 32u);
  EXPECT_TRUE(Json::parse(created.body)["Password"].is_null());
  EXPECT_EQ(created.body.find(k_password), std::string::npos);
  Response listed = bmc.handle({"GET", "/redfish/v1/SessionService/Sessions", {{"X-Auth-Token", *created.header("X-Auth-Token")}}, ""});
  EXPECT_EQ(Json::parse(listed.body)["Members@odata.count"], 1);
  for (const auto& line : bmc.events()) EXPECT_EQ(line.find(k_password), std::string::npos) << line;
}

TEST(Bmc, ETagsAndPreconditions) {
  EmulatedBmc bmc(config_of(Dialect::Idrac9));
  const Headers auth = {{"Authorization", k_basic}};
  for (const auto& path : bmc.resource_paths()) {
    Response response = bmc.handle({"GET", path, auth, ""});
    ASSERT_EQ(response.status, 200) << path;
    ASSERT_TRUE(response.header("ETag")) << path;
    EXPECT_EQ(response.header("ETag")->front(), '"') << path;
  }
  const std::string system = bmc.system_path();
  const std::string before = *bmc.handle({"GET", system, auth, ""}).header("ETag");
  const std::string once = R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})";
  Headers matching = auth;
  matching.emplace_back("If-Match", before);
  ASSERT_EQ(bmc.handle({"PATCH", system, matching, once}).status, 200);
  const std::string after = *bmc.handle({"GET", system, auth, ""}).header("ETag");
  EXPECT_NE(before, after);
  // The same If-Match again is now stale.
  Response stale = bmc.handle({"PATCH", system, matching, R"({"Boot":{"BootSourceOverrideTarget":"Pxe"}})"});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(first_error_id(stale), "Base.1.12.PreconditionFailed");
  EXPECT_EQ(bmc.boot().target, "Cd");
  // A weak tag never matches strongly; "*" always does; a list matches on any member.
  Headers weak = auth;
  weak.emplace_back("If-Match", "W/" + after);
  EXPECT_EQ(bmc.handle({"PATCH", system, weak, once}).status, 412);
  Headers any = auth;
  any.emplace_back("If-Match", "\"nope\", " + after);
  EXPECT_EQ(bmc.handle({"PATCH", system, any, once}).status, 200);
  Headers star = auth;
  star.emplace_back("If-Match", "*");
  EXPECT_EQ(bmc.handle({"PATCH", system, star, once}).status, 200);
  // No If-Match: accepted, as iDRAC does.
  EXPECT_EQ(bmc.handle({"PATCH", system, auth, once}).status, 200);
}

TEST(Bmc, RejectsBadBootPatches) {
  EmulatedBmc bmc(config_of(Dialect::Idrac8));
  const Headers auth = {{"Authorization", k_basic}};
  const std::string system = bmc.system_path();
  Response target = bmc.handle({"PATCH", system, auth, R"({"Boot":{"BootSourceOverrideTarget":"UefiHttp"}})"});
  EXPECT_EQ(target.status, 400);  // iDRAC8 has no HTTP boot
  EXPECT_EQ(first_error_id(target), "Base.1.12.PropertyValueNotInList");
  EXPECT_EQ(first_error_id(bmc.handle({"PATCH", system, auth, R"({"Boot":{"Nope":"Cd"}})"})), "Base.1.12.PropertyUnknown");
  EXPECT_EQ(first_error_id(bmc.handle({"PATCH", system, auth, R"({"PowerState":"On"})"})), "Base.1.12.PropertyNotWritable");
  // A rejected patch changes nothing, even its valid half.
  bmc.handle({"PATCH", system, auth, R"({"Boot":{"BootSourceOverrideEnabled":"Once","BootSourceOverrideMode":"BIOS"}})"});
  EXPECT_EQ(bmc.boot().enabled, "Disabled");
  EXPECT_TRUE(bmc.take_effects().empty());
}

TEST(Bmc, NotFoundAndMethodNotAllowed) {
  EmulatedBmc bmc(config_of(Dialect::Idrac9));
  const Headers auth = {{"Authorization", k_basic}};
  Response missing = bmc.handle({"GET", "/redfish/v1/Chassis/Nowhere", auth, ""});
  EXPECT_EQ(missing.status, 404);
  Json body = Json::parse(missing.body);
  EXPECT_EQ(body["error"]["code"], "Base.1.12.GeneralError");
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
  EXPECT_EQ(first_error_id(missing), "Base.1.12.ResourceMissingAtURI");
  Response deleted = bmc.handle({"DELETE", bmc.system_path(), auth, ""});
  EXPECT_EQ(deleted.status, 405);
  EXPECT_EQ(first_error_id(deleted), "Base.1.12.OperationNotAllowed");
  EXPECT_TRUE(deleted.header("Allow"));
  EXPECT_EQ(bmc.handle({"PATCH", bmc.manager_path(), auth, "{}"}).status, 405);
  // iDRAC takes media only through the actions, not a PATCH of the slot (sushy's fallback).
  EXPECT_EQ(bmc.handle({"PATCH", bmc.media_collection_path() + "/1", auth, R"({"Image":"http://a/b.iso"})"}).status, 405);
  EXPECT_EQ(bmc.handle({"GET", bmc.system_path() + "/Actions/ComputerSystem.Reset", auth, ""}).status, 405);
  EXPECT_EQ(bmc.handle({"POST", bmc.system_path() + "/Actions/ComputerSystem.Explode", auth, "{}"}).status, 404);
  EXPECT_EQ(bmc.handle({"PUT", bmc.system_path(), auth, "{}"}).status, 405);
  Response head = bmc.handle({"HEAD", bmc.system_path(), auth, ""});
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("ETag"), bmc.handle({"GET", bmc.system_path(), auth, ""}).header("ETag"));
  EXPECT_EQ(bmc.handle({"HEAD", "/redfish/v1/Nowhere", auth, ""}).status, 404);
  EXPECT_EQ(bmc.handle({"HEAD", bmc.system_path(), {}, ""}).status, 401);
}

TEST(BmcFaults, UnavailableOnce) {
  Faults faults;
  faults.unavailable_once_method = "POST";
  faults.unavailable_once_path = "/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1/Actions/VirtualMedia.InsertMedia";
  EmulatedBmc bmc(config_of(Dialect::Idrac9, faults));
  const Headers auth = {{"Authorization", k_basic}};
  // Another request on the same path is not the chosen one.
  EXPECT_EQ(bmc.handle({"GET", faults.unavailable_once_path, auth, ""}).status, 405);
  Response busy = bmc.handle({"POST", faults.unavailable_once_path, auth, R"({"Image":"http://a/b.iso"})"});
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.header("Retry-After"), "1");
  EXPECT_TRUE(bmc.take_effects().empty());
  EXPECT_EQ(bmc.handle({"POST", faults.unavailable_once_path, auth, R"({"Image":"http://a/b.iso"})"}).status, 202);
}

TEST(BmcFaults, StaleInsertedAfterEject) {
  Faults faults;
  faults.stale_inserted_polls = 2;
  EmulatedBmc bmc(config_of(Dialect::Idrac8, faults));
  const Headers auth = {{"Authorization", k_basic}};
  const std::string slot = bmc.media_collection_path() + "/CD";
  ASSERT_EQ(bmc.handle({"POST", slot + "/Actions/VirtualMedia.InsertMedia", auth, R"({"Image":"http://a/b.iso"})"}).status, 202);
  bmc.media_fetched(bmc.take_effects()[0].task);
  ASSERT_EQ(bmc.handle({"POST", slot + "/Actions/VirtualMedia.EjectMedia", auth, ""}).status, 204);
  ASSERT_EQ(bmc.take_effects()[0].kind, Effect::Kind::EjectMedia);
  for (int poll = 0; poll < 2; ++poll) {
    Json stale = Json::parse(bmc.handle({"GET", slot, auth, ""}).body);
    EXPECT_EQ(stale["Inserted"], true) << poll;
    EXPECT_EQ(stale["Image"], "http://a/b.iso") << poll;
  }
  Json settled = Json::parse(bmc.handle({"GET", slot, auth, ""}).body);
  EXPECT_EQ(settled["Inserted"], false);
  EXPECT_TRUE(settled["Image"].is_null());
}

TEST(BmcFaults, BootOnceIgnored) {
  Faults faults;
  faults.ignore_boot_once = true;
  EmulatedBmc bmc(config_of(Dialect::Idrac9, faults));
  const Headers auth = {{"Authorization", k_basic}};
  const std::string reset = bmc.system_path() + "/Actions/ComputerSystem.Reset";
  ASSERT_EQ(bmc.handle({"PATCH", bmc.system_path(), auth,
                        R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})"}).status, 200);
  ASSERT_EQ(bmc.handle({"POST", reset, auth, R"({"ResetType":"ForceRestart"})"}).status, 204);
  auto effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::BootOverride);  // accepted...
  EXPECT_EQ(effects[1].kind, Effect::Kind::Reset);
  EXPECT_EQ(effects[1].boot_device, "");  // ...but the machine boots its usual order
  // A continuous override is not affected.
  ASSERT_EQ(bmc.handle({"PATCH", bmc.system_path(), auth,
                        R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Continuous"}})"}).status, 200);
  ASSERT_EQ(bmc.handle({"POST", reset, auth, R"({"ResetType":"ForceRestart"})"}).status, 204);
  effects = bmc.take_effects();
  EXPECT_EQ(effects.back().boot_device, "Cd");
}

// As a real iDRAC: 204 at once, Inserted at once, an unreachable image refused at once.
TEST(Bmc, InsertWithoutTask) {
  BmcConfig config = config_of(Dialect::Idrac9);
  config.insert_task = false;
  config.faults.unreachable_image_prefix = "http://192.0.2.1/";
  EmulatedBmc bmc(config);
  const Headers auth = {{"Authorization", k_basic}};
  const std::string slot = bmc.media_collection_path() + "/1";
  const std::string insert = slot + "/Actions/VirtualMedia.InsertMedia";
  Response refused = bmc.handle({"POST", insert, auth, R"({"Image":"http://192.0.2.1/x.iso"})"});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(first_error_id(refused), "IDRAC.2.8.RAC0904");
  EXPECT_TRUE(bmc.take_effects().empty());
  Response inserted = bmc.handle({"POST", insert, auth, R"({"Image":"http://10.0.2.2/x.iso"})"});
  EXPECT_EQ(inserted.status, 204);
  EXPECT_FALSE(inserted.header("Location"));
  EXPECT_TRUE(bmc.tasks().empty());
  EXPECT_EQ(Json::parse(bmc.handle({"GET", slot, auth, ""}).body)["Inserted"], true);
  auto effects = bmc.take_effects();
  ASSERT_EQ(effects.size(), 1u);
  // The machine could not fetch it after all: the slot empties, nobody is told otherwise.
  bmc.media_fetch_failed(effects[0].task, "HTTP 404");
  Json after = Json::parse(bmc.handle({"GET", slot, auth, ""}).body);
  EXPECT_EQ(after["Inserted"], false);
  EXPECT_TRUE(after["Image"].is_null());
}

TEST(BmcFaults, WeakETags) {
  Faults faults;
  faults.weak_etags = true;
  EmulatedBmc bmc(config_of(Dialect::Idrac9, faults));
  const Headers auth = {{"Authorization", k_basic}};
  const std::string system = bmc.system_path();
  const std::string served = *bmc.handle({"GET", system, auth, ""}).header("ETag");
  ASSERT_EQ(served.substr(0, 3), "W/\"");
  const std::string once = R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})";
  Headers weak = auth;
  weak.emplace_back("If-Match", served);
  EXPECT_EQ(bmc.handle({"PATCH", system, weak, once}).status, 412);
  Headers strong = auth;
  strong.emplace_back("If-Match", served.substr(2));
  EXPECT_EQ(bmc.handle({"PATCH", system, strong, once}).status, 200);
}

TEST(BmcFaults, UnreachableImage) {
  Faults faults;
  faults.unreachable_image_prefix = "http://192.0.2.1/";
  EmulatedBmc bmc(config_of(Dialect::Idrac9, faults));
  const Headers auth = {{"Authorization", k_basic}};
  const std::string slot = bmc.media_collection_path() + "/1";
  Response inserted = bmc.handle({"POST", slot + "/Actions/VirtualMedia.InsertMedia", auth, R"({"Image":"http://192.0.2.1/x.iso"})"});
  ASSERT_EQ(inserted.status, 202);
  EXPECT_TRUE(bmc.take_effects().empty());  // the machine never sees the image
  Response monitor = bmc.handle({"GET", *inserted.header("Location"), auth, ""});
  EXPECT_EQ(monitor.status, 400);
  EXPECT_EQ(first_error_id(monitor), "IDRAC.2.8.RAC0904");
  const std::string task_id = bmc.tasks().begin()->first;
  Json task = Json::parse(bmc.handle({"GET", "/redfish/v1/TaskService/Tasks/" + task_id, auth, ""}).body);
  EXPECT_EQ(task["TaskState"], "Exception");
  EXPECT_EQ(task["Messages"][0]["MessageId"], "IDRAC.2.8.RAC0904");
  EXPECT_EQ(Json::parse(bmc.handle({"GET", slot, auth, ""}).body)["Inserted"], false);
  // Another image is fetched as usual.
  EXPECT_EQ(bmc.handle({"POST", slot + "/Actions/VirtualMedia.InsertMedia", auth, R"({"Image":"http://10.0.2.2/x.iso"})"}).status, 202);
  EXPECT_EQ(bmc.take_effects().size(), 1u);
}

}  // namespace
}  // namespace imgbuild::bmc
