// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/client.hpp"

#include "redfish/fake_clock.hpp"
#include "redfish/fake_transport.hpp"

#include <gtest/gtest.h>

namespace imgbuild::redfish {
namespace {

const std::string k_password = "Sekr3t-pa55";  // what no message may show
const std::string k_root = R"({"RedfishVersion":"1.11.0","Systems":{"@odata.id":"/redfish/v1/Systems"},
  "Managers":{"@odata.id":"/redfish/v1/Managers"},"SessionService":{"@odata.id":"/redfish/v1/SessionService"},
  "Links":{"Sessions":{"@odata.id":"/redfish/v1/SessionService/Sessions"}}})";

void with_session(FakeTransport& t) {
  t.on("GET", "/redfish/v1/", 200, k_root);
  t.on("POST", "/redfish/v1/SessionService/Sessions", 201, R"({"@odata.id":"/redfish/v1/SessionService/Sessions/7"})",
       {{"X-Auth-Token", "tok123"}, {"Location", "https://bmc.test/redfish/v1/SessionService/Sessions/7"}});
  t.on("DELETE", "/redfish/v1/SessionService/Sessions/7", 204);
}

std::string header_of(const Request& r, const std::string& name) {
  for (const Header& h : r.headers)
    if (h.name == name) return h.value;
  return {};
}

TEST(RedfishClient, SessionLoginUseAndLogout) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Members":[]})");
  {
    Client c(t, {"root", k_password}, clock);
    c.open();
    EXPECT_TRUE(c.has_session());
    c.get("/redfish/v1/Systems");
  }
  ASSERT_EQ(t.requests().size(), 4u);
  EXPECT_EQ(header_of(t.requests()[0], "X-Auth-Token"), "");  // the root is read anonymously
  EXPECT_NE(t.requests()[1].body.find(k_password), std::string::npos);
  EXPECT_EQ(header_of(t.requests()[2], "X-Auth-Token"), "tok123");
  EXPECT_EQ(header_of(t.requests()[2], "Authorization"), "");
  EXPECT_EQ(t.requests()[3].method + " " + t.requests()[3].path, "DELETE /redfish/v1/SessionService/Sessions/7");
  EXPECT_EQ(header_of(t.requests()[3], "X-Auth-Token"), "tok123");
}

TEST(RedfishClient, SessionDeletedWhenAnExceptionLeavesTheScope) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  try {
    Client c(t, {"root", k_password}, clock);
    c.open();
    c.get("/redfish/v1/Nowhere");  // 404
    FAIL() << "no exception";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 404);
  }
  EXPECT_EQ(t.changes().back(), "DELETE /redfish/v1/SessionService/Sessions/7");
}

TEST(RedfishClient, BasicAuthWithoutSessionService) {
  FakeTransport t;
  FakeClock clock;
  t.on("GET", "/redfish/v1/", 200, R"({"Systems":{"@odata.id":"/redfish/v1/Systems"}})");
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Members":[]})");
  Client c(t, {"root", "calvin"}, clock);
  c.open();
  EXPECT_FALSE(c.has_session());
  c.get("/redfish/v1/Systems");
  EXPECT_EQ(header_of(t.requests().back(), "Authorization"), "Basic cm9vdDpjYWx2aW4=");
}

TEST(RedfishClient, RefusedLoginIsNotRetriedAndHidesThePassword) {
  FakeTransport t;
  FakeClock clock;
  t.on("GET", "/redfish/v1/", 200, k_root);
  // A careless BMC that echoes what it was sent.
  t.on("POST", "/redfish/v1/SessionService/Sessions", 401,
       R"({"error":{"message":"bad login {\"UserName\":\"root\",\"Password\":\")" + k_password + R"(\"}"}})");
  Client c(t, {"root", k_password}, clock);
  try {
    c.open();
    FAIL() << "no exception";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 401);
    std::string text = e.what();
    EXPECT_EQ(text.find(k_password), std::string::npos) << text;
    EXPECT_NE(text.find("refused user 'root'"), std::string::npos) << text;
  }
  EXPECT_EQ(t.changes().size(), 1u);  // one login attempt, nothing else
  EXPECT_TRUE(clock.sleeps().empty());
}

// A BMC that answers with broken JSON quoting what it was sent: the error that shows the
// start of the answer must not show the password (found by the redfish fuzz harness).
TEST(RedfishClient, NonJsonAnswerEchoingThePasswordIsScrubbed) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Password":")" + k_password + R"(", broken)");
  Client c(t, {"root", k_password}, clock);
  c.open();
  try {
    c.get("/redfish/v1/Systems");
    FAIL() << "no exception";
  } catch (const Error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("not a JSON object"), std::string::npos) << text;
    EXPECT_EQ(text.find(k_password), std::string::npos) << text;
  }
}

TEST(RedfishClient, ForbiddenIsNotRetried) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("POST", "/redfish/v1/x", 403, R"({"error":{"message":"Insufficient privilege"}})");
  Client c(t, {"operator", k_password}, clock);
  c.open();
  EXPECT_THROW(c.post("/redfish/v1/x", util::Json::object()), HttpError);
  EXPECT_TRUE(clock.sleeps().empty());
}

// The refusal's MessageIds travel with the error, for the caller to decide on; their
// texts are scrubbed like the rest.
TEST(RedfishClient, HttpErrorCarriesTheMessageIds) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("POST", "/redfish/v1/x", 400,
       R"({"error":{"code":"Base.1.12.GeneralError","@Message.ExtendedInfo":[
            {"MessageId":"IDRAC.2.8.RAC0904","Message":"The remote file location is not accessible or reachable."},
            {"MessageId":"Base.1.12.ActionParameterUnknown","Message":"invalid parameter )" + k_password + R"("}]}})");
  Client c(t, {"root", k_password}, clock);
  c.open();
  try {
    c.post("/redfish/v1/x", util::Json::object());
    FAIL() << "no exception";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.message_ids(), (std::vector<std::string>{"IDRAC.2.8.RAC0904", "Base.1.12.ActionParameterUnknown"}));
    ASSERT_EQ(e.messages().size(), 2u);
    EXPECT_EQ(e.messages()[0].text, "The remote file location is not accessible or reachable.");
    EXPECT_EQ(e.messages()[1].text, "invalid parameter ***");
    EXPECT_EQ(std::string(e.what()).find(k_password), std::string::npos) << e.what();
  }
}

TEST(RedfishClient, ServerErrorsRetriedWithBoundedBackoff) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("GET", "/redfish/v1/Systems", 503);
  t.on("GET", "/redfish/v1/Systems", 500);
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Members":[]})");
  t.on("GET", "/redfish/v1/Managers", 500, R"({"error":{"message":"busy"}})");
  Client c(t, {"root", k_password}, clock, RetryPolicy{3, std::chrono::milliseconds(1000), std::chrono::milliseconds(1500)});
  c.open();
  EXPECT_EQ(c.get("/redfish/v1/Systems").status, 200);
  EXPECT_EQ(clock.sleeps(), (std::vector<long long>{1000, 1500}));
  try {
    c.get("/redfish/v1/Managers");
    FAIL() << "no exception";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(std::string(e.what()).find("busy"), std::string::npos);
  }
  EXPECT_EQ(clock.sleeps().size(), 4u);  // two more: three attempts in all
}

TEST(RedfishClient, ConnectionErrorsRetried) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.fail("GET", "/redfish/v1/Systems", 2);
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Members":[]})");
  Client c(t, {"root", k_password}, clock);
  c.open();
  EXPECT_EQ(c.get("/redfish/v1/Systems").status, 200);
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(RedfishClient, PatchPreconditionFailedRetriedStrongThenWithout) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("PATCH", "/redfish/v1/Systems/1", 412);
  t.on("PATCH", "/redfish/v1/Systems/1", 412);
  t.on("PATCH", "/redfish/v1/Systems/1", 204);
  Client c(t, {"root", k_password}, clock);
  c.open();
  c.patch("/redfish/v1/Systems/1", {{"Boot", {{"BootSourceOverrideTarget", "Cd"}}}}, "W/\"abc\"");
  std::vector<std::string> if_match;
  for (const Request& r : t.requests())
    if (r.method == "PATCH") if_match.push_back(header_of(r, "If-Match"));
  EXPECT_EQ(if_match, (std::vector<std::string>{"W/\"abc\"", "\"abc\"", ""}));
}

TEST(RedfishClient, AcceptedTaskFollowedToCompletion) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("POST", "/redfish/v1/a", 202, {}, {{"Location", "/redfish/v1/TaskService/Tasks/9"}});
  t.on("GET", "/redfish/v1/TaskService/Tasks/9", 202, R"({"TaskState":"Running","PercentComplete":10})");
  t.on("GET", "/redfish/v1/TaskService/Tasks/9", 200, R"({"TaskState":"Completed","TaskStatus":"OK","Messages":[{"Message":"Done."}]})");
  Client c(t, {"root", k_password}, clock);
  c.open();
  c.post("/redfish/v1/a", util::Json::object());
  EXPECT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NE(c.log().back().find("\"Done.\""), std::string::npos) << c.log().back();
}

TEST(RedfishClient, TaskExceptionQuotesItsMessagesWithoutThePassword) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("POST", "/redfish/v1/a", 202, {}, {{"Location", "/redfish/v1/TaskService/Tasks/9"}});
  t.on("GET", "/redfish/v1/TaskService/Tasks/9", 200,
       R"({"TaskState":"Exception","TaskStatus":"Critical","Messages":[{"Message":"Unable to mount )" + k_password + R"("}]})");
  Client c(t, {"root", k_password}, clock);
  c.open();
  try {
    c.post("/redfish/v1/a", util::Json::object());
    FAIL() << "no exception";
  } catch (const Error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("Exception"), std::string::npos) << text;
    EXPECT_NE(text.find("\"Unable to mount ***\""), std::string::npos) << text;
    // A TaskError: deploy quotes it as the BMC's answer in the rack's report.
    EXPECT_NE(dynamic_cast<const TaskError*>(&e), nullptr);
    EXPECT_EQ(text.find(k_password), std::string::npos) << text;
  }
}

TEST(RedfishClient, TaskTimeoutIsBounded) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("POST", "/redfish/v1/a", 202, {}, {{"Location", "/redfish/v1/TaskService/Tasks/9"}});
  t.on("GET", "/redfish/v1/TaskService/Tasks/9", 200, R"({"TaskState":"Running"})");
  RetryPolicy policy;
  policy.task_timeout = std::chrono::seconds(30);
  Client c(t, {"root", k_password}, clock, policy);
  c.open();
  EXPECT_THROW(c.post("/redfish/v1/a", util::Json::object()), Error);
  EXPECT_EQ(clock.sleeps().size(), 10u);  // 30 s in polls of 3 s
}

TEST(RedfishClient, DryRunRecordsChangesAndSendsOnlyReads) {
  FakeTransport t;
  FakeClock clock;
  with_session(t);
  t.on("GET", "/redfish/v1/Systems", 200, R"({"Members":[]})");
  {
    Client c(t, {"root", k_password}, clock);
    c.set_dry_run(true);
    c.open();
    c.get("/redfish/v1/Systems");
    c.post("/redfish/v1/x/Actions/VirtualMedia.InsertMedia", {{"Image", "http://h/i.iso"}});
    c.patch("/redfish/v1/Systems/1", {{"Boot", {{"BootSourceOverrideEnabled", "Once"}}}}, "\"e\"");
    ASSERT_EQ(c.recorded().size(), 2u);
    EXPECT_EQ(c.recorded()[0].body, R"({"Image":"http://h/i.iso"})");
    EXPECT_EQ(c.recorded()[1].method, "PATCH");
    for (const std::string& line : c.log()) EXPECT_EQ(line.find(k_password), std::string::npos) << line;
  }
  EXPECT_TRUE(t.changes().empty());  // no session, no action, no PATCH reached the BMC
}

TEST(RedfishClient, PathOfUrl) {
  EXPECT_EQ(path_of("https://10.0.0.1:443/redfish/v1/Tasks/1"), "/redfish/v1/Tasks/1");
  EXPECT_EQ(path_of("/redfish/v1/Tasks/1"), "/redfish/v1/Tasks/1");
  EXPECT_EQ(path_of(""), "");
}

}  // namespace
}  // namespace imgbuild::redfish
