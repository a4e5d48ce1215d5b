// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/answers.hpp"

#include "preseed/preseed.hpp"

#include <gtest/gtest.h>

namespace imgbuild::fleet {
namespace {

Inventory rack() {
  return parse_inventory(
      "hostname,domain,service_tag,mac,address,gateway,nameservers\n"
      "vm01,rack1.example.org,7ABCD1X,00:1e:c9:aa:bb:01 00:1e:c9:aa:bb:02,192.0.2.11/24,192.0.2.1,192.0.2.53 192.0.2.54\n"
      "vm02,,,00:1e:c9:aa:cc:01,dhcp,,\n"
      "vm03,,HX42,,10.1.2.2/30,,10.1.2.1\n",
      "/nonexistent/hosts.csv");
}

// Every answer as "question type value", through the same parser the installer's loader
// is modelled on: the text must be a preseed the installer reads as meant.
std::vector<std::string> answers_of(const std::string& text) {
  std::vector<std::string> out;
  auto parsed = preseed::parse(text, "answers");
  EXPECT_TRUE(parsed.problems.empty());
  for (const auto& e : parsed.entries) out.push_back(e.question + " " + e.type + " " + e.value);
  return out;
}

TEST(HostAnswers, StaticHostOnAModernInstaller) {
  auto inventory = rack();
  EXPECT_EQ(answers_of(host_answers(inventory.hosts[0], "bookworm")),
            (std::vector<std::string>{
                "netcfg/get_hostname string vm01", "netcfg/hostname string vm01",
                "netcfg/get_domain string rack1.example.org", "netcfg/disable_autoconfig boolean true",
                "netcfg/get_ipaddress string 192.0.2.11", "netcfg/get_netmask string 255.255.255.0",
                "netcfg/get_gateway string 192.0.2.1", "netcfg/get_nameservers string 192.0.2.53 192.0.2.54",
                "netcfg/confirm_static boolean true"}));
}

TEST(HostAnswers, EtchKnowsOnlyDisableDhcpAndNoForcedHostname) {
  auto inventory = rack();
  auto answers = answers_of(host_answers(inventory.hosts[0], "etch"));
  EXPECT_NE(std::find(answers.begin(), answers.end(), "netcfg/disable_dhcp boolean true"), answers.end());
  for (const auto& a : answers) {
    EXPECT_EQ(a.find("disable_autoconfig"), std::string::npos);
    EXPECT_EQ(a.rfind("netcfg/hostname ", 0), std::string::npos);
  }
}

TEST(HostAnswers, DhcpHostGetsOnlyItsNames) {
  auto inventory = rack();
  EXPECT_EQ(answers_of(host_answers(inventory.hosts[1], "bookworm")),
            (std::vector<std::string>{"netcfg/get_hostname string vm02", "netcfg/hostname string vm02",
                                      "netcfg/get_domain string "}));
}

TEST(HostAnswers, NoGatewayIsSaidExplicitly) {
  auto inventory = rack();
  auto answers = answers_of(host_answers(inventory.hosts[2], "bookworm"));
  EXPECT_NE(std::find(answers.begin(), answers.end(), "netcfg/get_netmask string 255.255.255.252"), answers.end());
  EXPECT_NE(std::find(answers.begin(), answers.end(), "netcfg/no_default_route boolean true"), answers.end());
}

TEST(HostAnswers, TheHostsFragmentComesLastSoItWins) {
  auto inventory = rack();
  std::string text = host_answers(inventory.hosts[1], "bookworm", "d-i netcfg/get_domain string lab.example.org");
  auto answers = answers_of(text);
  EXPECT_EQ(answers.back(), "netcfg/get_domain string lab.example.org");
  EXPECT_EQ(text.back(), '\n');
}

TEST(IdentificationTable, OneTabSeparatedLinePerHost) {
  EXPECT_EQ(identification_table(rack()),
            "vm01\t7ABCD1X\t00:1e:c9:aa:bb:01 00:1e:c9:aa:bb:02\n"
            "vm02\t-\t00:1e:c9:aa:cc:01\n"
            "vm03\tHX42\t-\n");
}

}  // namespace
}  // namespace imgbuild::fleet
