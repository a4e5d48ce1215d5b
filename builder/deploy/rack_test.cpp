// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/rack.hpp"
#include "deploy/rack_report.hpp"
#include "deploy/rack_run.hpp"
#include "deploy/rack_table.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace imgbuild::deploy {
namespace {

namespace fs = std::filesystem;

const std::string k_fp = "SHA256:" + std::string(64, 'a');

// A scratch folder with an inventory and images.
struct Rack {
  fs::path dir;
  explicit Rack(const std::string& name) : dir(fs::path(IMGBUILD_TEST_TMP) / ("deploy-" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir / "images");
    std::ofstream(dir / "fleet.iso") << "iso";
  }
  fleet::Inventory inventory(const std::string& csv) const {
    std::ofstream(dir / "rack.csv") << csv;
    return fleet::read_inventory(dir / "rack.csv");
  }
  RackRequest fleet_request() const {
    RackRequest request;
    request.inventory = (dir / "rack.csv").string();
    request.image = (dir / "fleet.iso").string();
    request.image_url = "http://10.0.0.5/fleet.iso";
    request.user = "admin";
    return request;
  }
};

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  return "";
}

const std::string k_csv =
    "hostname,bmc,bmc_user,bmc_fingerprint\n"
    "db1,https://10.0.0.21,root," + k_fp + "\n"
    "db2,https://10.0.0.22:8443,,\n";

TEST(RackPlan, EachRowsValuesFirstThenTheCommandLines) {
  Rack rack("plan");
  RackRequest request = rack.fleet_request();
  request.ca_file = "/etc/bmc-ca.pem";
  auto hosts = plan_rack(request, rack.inventory(k_csv), {});
  ASSERT_EQ(hosts.size(), 2u);
  const HostPlan& a = hosts[0].plan;
  EXPECT_EQ(a.name, "db1");
  EXPECT_EQ(hosts[0].line, 2);
  EXPECT_EQ(a.bmc.base_url, "https://10.0.0.21");
  EXPECT_EQ(a.user, "root");
  EXPECT_EQ(a.bmc.trust.mode, redfish::Trust::Mode::fingerprint);
  EXPECT_EQ(a.bmc.trust.fingerprint, k_fp);
  EXPECT_EQ(a.image_url, "http://10.0.0.5/fleet.iso");
  EXPECT_EQ(a.image_path, request.image);
  const HostPlan& b = hosts[1].plan;
  EXPECT_EQ(b.user, "admin");  // --user for a row without bmc_user
  EXPECT_EQ(b.bmc.trust.mode, redfish::Trust::Mode::ca_file);
  EXPECT_EQ(b.bmc.trust.ca_file, "/etc/bmc-ca.pem");
  EXPECT_NE(hosts[1].trust.find("--ca"), std::string::npos);
  EXPECT_FALSE(hosts[0].skip);
  request.ca_file.clear();
  request.insecure = true;
  EXPECT_EQ(plan_rack(request, rack.inventory(k_csv), {})[1].plan.bmc.trust.mode, redfish::Trust::Mode::insecure);
}

TEST(RackPlan, PerHostImagesAndTheirUrls) {
  Rack rack("per-host");
  std::ofstream(rack.dir / "images" / "db1.iso") << "1";
  std::ofstream(rack.dir / "images" / "db2.iso") << "2";
  RackRequest request = rack.fleet_request();
  request.image.clear();
  request.image_url.clear();
  request.per_host_dir = (rack.dir / "images").string();
  request.image_base_url = "https://10.0.0.5/rack";
  auto hosts = plan_rack(request, rack.inventory(k_csv), {});
  EXPECT_EQ(hosts[0].plan.image_url, "https://10.0.0.5/rack/db1.iso");
  EXPECT_EQ(hosts[1].plan.image_path, (rack.dir / "images" / "db2.iso").string());
  fs::remove(rack.dir / "images" / "db2.iso");
  EXPECT_EQ(error_of([&] { plan_rack(request, rack.inventory(k_csv), {}); })
                .rfind((rack.dir / "rack.csv").string() + ":3: host db2: no image ", 0),
            0u);
}

TEST(RackPlan, BadInputNamesTheRowOrTheOption) {
  Rack rack("bad");
  RackRequest request = rack.fleet_request();
  const std::string csv = (rack.dir / "rack.csv").string();
  EXPECT_EQ(error_of([&] { plan_rack(request, rack.inventory("hostname,bmc\ndb1,https://a\ndb2,\n"), {}); })
                .rfind(csv + ":3: column bmc: host db2 has no BMC address", 0),
            0u);
  request.user.clear();
  EXPECT_EQ(error_of([&] { plan_rack(request, rack.inventory(k_csv), {}); })
                .rfind(csv + ":3: column bmc_user: host db2 has no BMC user", 0),
            0u);
  request = rack.fleet_request();
  request.image_url = "ftp://10.0.0.5/fleet.iso";
  EXPECT_NE(error_of([&] { plan_rack(request, rack.inventory(k_csv), {}); }).find("--image-url ftp://"),
            std::string::npos);
  request = rack.fleet_request();
  request.per_host_dir = (rack.dir / "images").string();
  EXPECT_NE(error_of([&] { plan_rack(request, rack.inventory(k_csv), {}); }).find("an ISO argument and --per-host"),
            std::string::npos);
  request = rack.fleet_request();
  request.image_url.clear();
  EXPECT_NE(error_of([&] { plan_rack(request, rack.inventory(k_csv), {}); }).find("no --image-url"),
            std::string::npos);
}

TEST(RackPlan, WhatAnEarlierRunFinishedIsSkipped) {
  EXPECT_TRUE(already_deployed({"boot", "t", "https://a", "u"}, "https://a", Until::boot));
  EXPECT_FALSE(already_deployed({"boot", "t", "https://a", "u"}, "https://b", Until::boot));  // another BMC
  EXPECT_FALSE(already_deployed({"boot", "t", "https://a", "u"}, "https://a", Until::install));
  EXPECT_TRUE(already_deployed({"install", "t", "https://a", "u"}, "https://a", Until::firstboot));
  EXPECT_TRUE(already_deployed({"firstboot", "t", "https://a", "u"}, "https://a", Until::install));
  EXPECT_FALSE(already_deployed({"", "t", "https://a", "u"}, "https://a", Until::boot));

  Rack rack("skip");
  RackRequest request = rack.fleet_request();
  std::map<std::string, Deployed> previous{{"db1", {"boot", "2026-12-07T20:00:00Z", "https://10.0.0.21", "u"}},
                                           {"db2", {"boot", "2026-12-07T20:00:00Z", "https://10.0.0.99", "u"}}};
  // By default the rack goes until the first boot: a host only booted into its installer
  // before has not been installed, it is deployed again.
  EXPECT_EQ(request.until, Until::firstboot);
  EXPECT_FALSE(plan_rack(request, rack.inventory(k_csv), previous)[0].skip);
  previous["db1"].until = "install";
  EXPECT_TRUE(plan_rack(request, rack.inventory(k_csv), previous)[0].skip);
  previous["db1"].until = "boot";
  request.until = Until::boot;
  auto hosts = plan_rack(request, rack.inventory(k_csv), previous);
  EXPECT_TRUE(hosts[0].skip);
  EXPECT_FALSE(hosts[1].skip);  // the row now names another BMC
  request.force = true;
  EXPECT_FALSE(plan_rack(request, rack.inventory(k_csv), previous)[0].skip);
}

RackResult sample_result() {
  RackResult result;
  result.inventory = "rack.csv";
  result.until = "boot";
  result.started = "2026-12-07T20:00:00Z";
  result.seconds = 12.5;
  HostResult done;
  done.host = "db1";
  done.line = 2;
  done.bmc = "https://10.0.0.21";
  done.outcome.status = HostOutcome::Status::done;
  done.outcome.steps = {{"connect", std::chrono::milliseconds(1500), true, "TLS pinned"},
                        {"insert", std::chrono::milliseconds(20000), true, "holds it"}};
  done.deployed = Deployed{"boot", "2026-12-07T20:00:12Z", done.bmc, "http://10.0.0.5/fleet.iso"};
  HostResult failed;
  failed.host = "db2";
  failed.line = 3;
  failed.bmc = "https://10.0.0.22";
  failed.outcome.status = HostOutcome::Status::failed;
  failed.outcome.diagnosis = "insert: <script>alert(1)</script> & \"quoted\"";
  failed.outcome.bmc_answer = "HTTP 400: RAC0904 <bad>";
  failed.outcome.steps = {{"connect", std::chrono::milliseconds(100), true, "ok"},
                          {"insert", std::chrono::milliseconds(300), false, "refused"}};
  HostResult skipped;
  skipped.host = "db3";
  skipped.line = 4;
  skipped.outcome.status = HostOutcome::Status::skipped;
  skipped.outcome.diagnosis = "deployed until boot";
  skipped.deployed = Deployed{"boot", "2026-12-06T10:00:00Z", "https://10.0.0.23", "u"};
  result.hosts = {done, failed, skipped};
  return result;
}

TEST(RackOutcome, ExitStatusAndSummary) {
  RackResult result = sample_result();
  EXPECT_EQ(exit_status(result), 1);
  auto lines = summary_lines(result);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "db2 (rack.csv:3): failed: insert: <script>alert(1)</script> & \"quoted\"");
  EXPECT_EQ(lines[1], "3 hosts: 1 done, 1 skipped, 1 failed");
  result.hosts.erase(result.hosts.begin() + 1);
  EXPECT_EQ(exit_status(result), 0);
  result.interrupted = true;
  EXPECT_EQ(exit_status(result), 130);
}

TEST(RackReport, DocumentPageAndJunit) {
  util::Json report = rack_document(sample_result());
  EXPECT_EQ(report["kind"], "imgbuild deploy --hosts");
  EXPECT_EQ(report["exit_status"], 1);
  EXPECT_EQ(report["counts"]["failed"], 1);
  const auto& db1 = report["hosts"][0];
  EXPECT_EQ(db1["status"], "done");
  EXPECT_EQ(db1["steps"][1]["name"], "insert");
  EXPECT_DOUBLE_EQ(db1["steps"][1]["seconds"].get<double>(), 20.0);
  EXPECT_EQ(db1["deployed"]["until"], "boot");
  EXPECT_TRUE(report["hosts"][1]["deployed"].is_null());
  EXPECT_EQ(report["hosts"][1]["bmc_answer"], "HTTP 400: RAC0904 <bad>");

  std::string html = rack_html(report);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(html.find("RAC0904 &lt;bad&gt;"), std::string::npos);
  EXPECT_NE(html.find("<th>connect</th><th>insert</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>20 s</td>"), std::string::npos);

  std::string junit = rack_junit(report, "out/index.html");
  EXPECT_NE(junit.find("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos);
  EXPECT_NE(junit.find("<testcase classname=\"imgbuild deploy --hosts rack.csv\" name=\"db1\" time=\"0.000000\"/>"),
            std::string::npos);
  EXPECT_NE(junit.find("<failure message=\"insert: &lt;script&gt;"), std::string::npos);
  EXPECT_NE(junit.find("<skipped message=\"deployed until boot\"/>"), std::string::npos);
  EXPECT_NE(junit.find("report: out/index.html"), std::string::npos);
}

TEST(RackReport, TheNextRunReadsWhatWasDeployed) {
  Rack rack("previous");
  const std::string dir = (rack.dir / "report").string();
  EXPECT_TRUE(read_previous(dir).empty());  // none yet
  write_rack_report(dir, rack_document(sample_result()));
  auto previous = read_previous(dir);
  ASSERT_EQ(previous.size(), 2u);  // db1 done now, db3 carried from before; db2 failed
  EXPECT_EQ(previous["db1"].until, "boot");
  EXPECT_EQ(previous["db1"].bmc, "https://10.0.0.21");
  EXPECT_EQ(previous["db3"].finished, "2026-12-06T10:00:00Z");
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / "index.html"));
  // Another command's report in that folder is bad input, not "nothing done".
  util::write_file_atomically(dir + "/report.json", "{\"iso\": \"a.iso\", \"passed\": true}\n");
  EXPECT_NE(error_of([&] { read_previous(dir); }).find("not the report of an earlier deploy --hosts"),
            std::string::npos);
}

TEST(RackTable, Rows) {
  EXPECT_EQ(format_row({"db1", "insert", 12.4, std::nullopt, ""}, 6, 80), "db1     insert                12 s");
  EXPECT_EQ(format_row({"web10", "waiting", std::nullopt, std::nullopt, ""}, 6, 80), "web10   waiting");
  EXPECT_EQ(format_row({"db1", "done", 75.0, 35'200'000, ""}, 4, 80), "db1   done                  75 s      35.2 MB");
  EXPECT_EQ(format_row({"db1", "insert", 12.4, std::nullopt, ""}, 6, 10).size(), 10u);
  EXPECT_EQ(format_row({"db1", "insert", 2.0, std::nullopt, "HTTP 503,\nretry 1"}, 3, 80),
            "db1  insert                 2 s  HTTP 503, retry 1");
}

TEST(RackTable, ATerminalTooSmallForTheRackShowsTheRunningHosts) {
  EXPECT_EQ(rows_shown({false, true, false}, 3), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(rows_shown({false, true, false, true}, 3), (std::vector<std::size_t>{0, 1, 2, 3}));  // 4 lines either way
  EXPECT_EQ(rows_shown({false, true, false, true, true, false}, 3), (std::vector<std::size_t>{1, 3, 4}));
  EXPECT_EQ(rows_shown({true, true, true, true, true, true}, 3), (std::vector<std::size_t>{0, 1, 2}));
}

// Not a terminal: a plain line per step, per BMC message, per host ended; --log gets each
// with its UTC time. Quiet: nothing on the stream, the log all the same.
TEST(RackTable, PlainLinesAndTheLog) {
  Rack rack("table");
  const std::string log = (rack.dir / "deploy.log").string();
  for (auto mode : {util::ProgressMode::Plain, util::ProgressMode::Off}) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* stream = open_memstream(&buffer, &size);
    {
      RackTable table({"db1", "db2"}, mode, log, stream);
      table.host_started("db1");
      table.step_started("db1", "insert");
      table.log("db1", "POST ...: HTTP 503, retry 1 in 2000 ms");
      table.step_finished("db1", {"insert", std::chrono::milliseconds(2100), true, "holds it"});
      HostOutcome failed;
      failed.host = "db2";
      failed.status = HostOutcome::Status::failed;
      failed.diagnosis = "connect: refused";
      table.host_finished(failed);
      table.tick();
    }
    std::fclose(stream);
    std::string shown(buffer, size);
    std::free(buffer);
    if (mode == util::ProgressMode::Off) {
      EXPECT_EQ(shown, "");
      continue;
    }
    EXPECT_EQ(shown,
              "imgbuild: deploy: db1: started\n"
              "imgbuild: deploy: db1: POST ...: HTTP 503, retry 1 in 2000 ms\n"
              "imgbuild: deploy: db1: insert ok (2.1 s): holds it\n"
              "imgbuild: deploy: db2: failed: connect: refused\n");
  }
  std::string logged = util::read_small_file(log);
  EXPECT_EQ(std::count(logged.begin(), logged.end(), '\n'), 8);  // both runs appended
  EXPECT_TRUE(logged.rfind("20", 0) == 0 && logged.substr(10, 1) == "T" && logged.substr(19, 2) == "Z ") << logged;
  EXPECT_NE(logged.find("Z imgbuild: deploy: db1: insert ok (2.1 s): holds it\n"), std::string::npos);
}

TEST(RackTableServed, BytesOfEachBmcsOwnAddress) {
  std::vector<PlannedHost> hosts(4);
  hosts[0].plan.name = "db1";
  hosts[0].plan.bmc.base_url = "https://192.0.2.7:8443";
  hosts[1].plan.name = "db2";
  hosts[1].plan.bmc.base_url = "https://[2001:db8::7]";
  hosts[2].plan.name = "emu1";  // two emulated BMCs on one machine: one address
  hosts[2].plan.bmc.base_url = "https://127.0.0.1:40001";
  hosts[3].plan.name = "emu2";
  hosts[3].plan.bmc.base_url = "https://127.0.0.1:40002";
  std::map<std::string, std::uint64_t> counts{{"192.0.2.7", 5'000'000}, {"127.0.0.1", 9}};
  auto served = served_by_bmc(hosts, [&counts] { return counts; });
  EXPECT_EQ(served("db1"), std::optional<std::uint64_t>(5'000'000));
  EXPECT_EQ(served("db2"), std::optional<std::uint64_t>(0));  // not fetched yet
  EXPECT_FALSE(served("emu1"));
  EXPECT_FALSE(served("emu2"));
  EXPECT_FALSE(served("nobody"));
  counts["2001:db8::7"] = 42;  // read anew each time the table is drawn
  EXPECT_EQ(served("db2"), std::optional<std::uint64_t>(42));
}

}  // namespace
}  // namespace imgbuild::deploy
