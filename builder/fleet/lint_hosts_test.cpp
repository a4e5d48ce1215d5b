// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/lint_hosts.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace imgbuild::fleet {
namespace {

namespace fs = std::filesystem;

TEST(LintHosts, FindingsPointAtTheFragmentOrTheRowTheyComeFrom) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "fleet-lint-hosts";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Line 2 of the fragment answers a question the release does not have.
  std::ofstream(dir / "web.cfg") << "# web servers\nd-i netcfg/get_hostnme string web\n";
  Inventory inventory = parse_inventory(
      "hostname,address,gateway,preseed\n"
      "web1,192.0.2.11/24,192.0.2.1,web.cfg\n"
      "db1,192.0.2.12/24,192.0.2.1,\n",
      dir / "rack.csv");
  preseed::QuestionSet questions = preseed::parse_question_list(
      "netcfg/get_hostname\tstring\nnetcfg/hostname\tstring\nnetcfg/get_domain\tstring\n"
      "netcfg/disable_autoconfig\tboolean\nnetcfg/get_ipaddress\tstring\nnetcfg/get_netmask\tstring\n"
      "netcfg/get_gateway\tstring\nnetcfg/get_nameservers\tstring\nnetcfg/confirm_static\tboolean\n"
      "mirror/country\tstring\n",
      "test.txt");
  preseed::LintOptions options;
  options.release = "bookworm";
  // The image's own preseed has its own unknown question (line 2): that is reported by the
  // lint of that file, not once per host.
  auto diagnostics = lint_hosts(inventory, "d-i mirror/country string manual\nd-i mirror/cuntry string x\n",
                                "image.cfg", questions, options);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].file, (dir / "web.cfg").string());
  EXPECT_EQ(diagnostics[0].line, 2);
  EXPECT_NE(diagnostics[0].message.find("netcfg/get_hostnme"), std::string::npos);

  // Generated answers the release does not know are attributed to the row (line 0 of the
  // file "rack.csv:3 (host db1)"): an Etch-only question list lacks disable_autoconfig.
  preseed::QuestionSet etchish = preseed::parse_question_list(
      "netcfg/get_hostname\tstring\nnetcfg/get_domain\tstring\nnetcfg/get_ipaddress\tstring\n"
      "netcfg/get_netmask\tstring\nnetcfg/get_gateway\tstring\nnetcfg/get_nameservers\tstring\n"
      "netcfg/confirm_static\tboolean\nmirror/country\tstring\nnetcfg/hostname\tstring\n",
      "etchish.txt");
  auto on_old = lint_hosts(inventory, "d-i mirror/country string manual\n", "image.cfg", etchish, options);
  bool row_named = false;
  for (const auto& d : on_old)
    if (d.file == (dir / "rack.csv").string() + ":3 (host db1)" && d.line == 0 &&
        d.message.find("netcfg/disable_autoconfig") != std::string::npos)
      row_named = true;
  EXPECT_TRUE(row_named);
}

}  // namespace
}  // namespace imgbuild::fleet
