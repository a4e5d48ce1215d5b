// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/inventory.hpp"

#include "fleet/csv.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace imgbuild::fleet {
namespace {

namespace fs = std::filesystem;

const fs::path k_file = "/nonexistent/rack/hosts.csv";

// The message of the Error that parsing `text` throws, or "" when it parses.
std::string error_of(std::string_view text, const fs::path& file = k_file) {
  try {
    parse_inventory(text, file);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "";
}

// A record is reported at the line it starts on, also when its FIRST field is a quoted
// value holding line breaks (the field ends, and libcsv reports it, lines later).
TEST(Csv, RecordStartsWhereItsFirstFieldStarts) {
  auto records = read_csv("a,b\n\"x\ny\nz\",1\n\n\"p\nq\"\n", "f.csv");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"x\ny\nz", "1"}));
  EXPECT_EQ(records[2].line, 6);
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"p\nq"}));
  // And in the inventory's message about that record.
  EXPECT_EQ(error_of("kernel_args,hostname\n\"quiet\nsplash\",a1\n"),
            "/nonexistent/rack/hosts.csv:2: column kernel_args: a line break in kernel arguments (keep them on one line)");
}

TEST(Inventory, ReadsASpreadsheetExport) {
  // As LibreOffice exports it: CRLF, a BOM, quoted fields, a column order of its own.
  const char* text =
      "\xEF\xBB\xBFhostname,Service_Tag,mac,address,gateway,nameservers,domain\r\n"
      "vm01,7abcd1x,\"00:1E:C9:AA:BB:01 00-1e-c9-aa-bb-02\",192.0.2.11/24,192.0.2.1,\"192.0.2.53 192.0.2.54\",rack1.example.org\r\n"
      "\r\n"
      "vm02,,00:1e:c9:aa:cc:01,dhcp,,,\r\n";
  Inventory inventory = parse_inventory(text, k_file);
  ASSERT_EQ(inventory.hosts.size(), 2u);
  const Host& a = inventory.hosts[0];
  EXPECT_EQ(a.line, 2);
  EXPECT_EQ(a.hostname, "vm01");
  EXPECT_EQ(a.service_tag, "7ABCD1X");
  EXPECT_EQ(a.macs, (std::vector<std::string>{"00:1e:c9:aa:bb:01", "00:1e:c9:aa:bb:02"}));
  ASSERT_TRUE(a.address);
  EXPECT_EQ(a.address->address.text(), "192.0.2.11");
  EXPECT_EQ(a.address->netmask().text(), "255.255.255.0");
  ASSERT_TRUE(a.gateway);
  EXPECT_EQ(a.gateway->text(), "192.0.2.1");
  ASSERT_EQ(a.nameservers.size(), 2u);
  EXPECT_EQ(a.nameservers[1].text(), "192.0.2.54");
  EXPECT_EQ(a.domain, "rack1.example.org");
  const Host& b = inventory.hosts[1];
  EXPECT_EQ(b.line, 4);
  EXPECT_FALSE(b.address);
  EXPECT_TRUE(b.service_tag.empty());
  EXPECT_EQ(inventory.find("vm02"), &b);
  EXPECT_EQ(inventory.find("vm03"), nullptr);
}

TEST(Inventory, QuotedFieldsMayHoldCommasQuotesAndLineBreaks) {
  Inventory inventory = parse_inventory(
      "hostname,kernel_args,mac\n"
      "a1,\"console=ttyS0,115200n8 x=\"\"y\"\"\",00:1e:c9:aa:bb:01\n"
      "a2,\"\",00:1e:c9:aa:bb:02\n",
      k_file);
  EXPECT_EQ(inventory.hosts[0].kernel_args, "console=ttyS0,115200n8 x=\"y\"");
  EXPECT_EQ(inventory.hosts[1].line, 3);
  // A line break inside kernel arguments is refused, naming the row where it starts.
  EXPECT_EQ(error_of("hostname,kernel_args\na1,\"quiet\nsplash\"\n"),
            "/nonexistent/rack/hosts.csv:2: column kernel_args: a line break in kernel arguments (keep them on one line)");
}

TEST(Inventory, EachMalformedCellIsNamedWithLineAndColumn) {
  struct Case {
    const char* text;
    const char* starts_with;
  };
  const Case cases[] = {
      {"", "/nonexistent/rack/hosts.csv: the inventory is empty"},
      {"hostname\n", "/nonexistent/rack/hosts.csv: the inventory names no host"},
      {"name,mac\nx,00:1e:c9:aa:bb:01\n", "/nonexistent/rack/hosts.csv:1: unknown column 'name'"},
      {"mac\n00:1e:c9:aa:bb:01\n", "/nonexistent/rack/hosts.csv:1: no 'hostname' column"},
      {"hostname,mac,MAC\n", "/nonexistent/rack/hosts.csv:1: column 'mac' appears twice"},
      {"hostname\na,b\n", "/nonexistent/rack/hosts.csv:2: 2 fields, the header has 1"},
      {"hostname\n\n\nweb_1\n", "/nonexistent/rack/hosts.csv:4: column hostname: 'web_1' is not a valid host name"},
      {"hostname\nweb1.example.org\n", "/nonexistent/rack/hosts.csv:2: column hostname: 'web1.example.org'"},
      {"hostname\n-web\n", "/nonexistent/rack/hosts.csv:2: column hostname:"},
      {"hostname,domain\nweb,example..org\n", "/nonexistent/rack/hosts.csv:2: column domain:"},
      {"hostname,service_tag\nweb,7ABC 1X\n", "/nonexistent/rack/hosts.csv:2: column service_tag:"},
      {"hostname,mac\nweb,00:1e:c9:zz:bb:01\n", "/nonexistent/rack/hosts.csv:2: column mac: '00:1e:c9:zz:bb:01' is not a MAC"},
      {"hostname,mac\nweb,00:1e:c9:aa:bb\n", "/nonexistent/rack/hosts.csv:2: column mac:"},
      {"hostname,mac\nweb,01:00:5e:00:00:01\n", "/nonexistent/rack/hosts.csv:2: column mac:"},  // multicast
      {"hostname,mac\nweb,00:00:00:00:00:00\n", "/nonexistent/rack/hosts.csv:2: column mac:"},
      {"hostname,address\nweb,192.0.2.10\n", "/nonexistent/rack/hosts.csv:2: column address: '192.0.2.10' has no prefix"},
      {"hostname,address\nweb,192.0.2.300/24\n", "/nonexistent/rack/hosts.csv:2: column address:"},
      {"hostname,address\nweb,192.0.2.10/33\n", "/nonexistent/rack/hosts.csv:2: column address:"},
      {"hostname,address\nweb,192.0.2.010/24\n", "/nonexistent/rack/hosts.csv:2: column address:"},
      {"hostname,address\nweb,192.0.2.0/24\n", "/nonexistent/rack/hosts.csv:2: column address: 192.0.2.0/24 is the network"},
      {"hostname,address\nweb,192.0.2.255/24\n", "/nonexistent/rack/hosts.csv:2: column address: 192.0.2.255/24 is the broadcast"},
      {"hostname,address,gateway\nweb,192.0.2.10/24,198.51.100.1\n",
       "/nonexistent/rack/hosts.csv:2: column gateway: 198.51.100.1 is outside the host's subnet 192.0.2.10/24"},
      {"hostname,address,gateway\nweb,dhcp,192.0.2.1\n", "/nonexistent/rack/hosts.csv:2: column gateway: a gateway is given for a DHCP host"},
      {"hostname,address,gateway\nweb,192.0.2.10/24,192.0.2.10\n", "/nonexistent/rack/hosts.csv:2: column gateway: 192.0.2.10 is the host's own"},
      {"hostname,address,gateway\nweb,192.0.2.10/24,gw\n", "/nonexistent/rack/hosts.csv:2: column gateway: 'gw' is not"},
      {"hostname,nameservers\nweb,192.0.2.53 dns.example.org\n", "/nonexistent/rack/hosts.csv:2: column nameservers: 'dns.example.org'"},
      {"hostname,nameservers\nweb,1.1.1.1 1.0.0.1 8.8.8.8 9.9.9.9\n", "/nonexistent/rack/hosts.csv:2: column nameservers: 4 name servers"},
      {"hostname,preseed\nweb,web.cfg\n", "/nonexistent/rack/hosts.csv:2: column preseed: fragment /nonexistent/rack/web.cfg does not exist"},
      {"hostname\nweb\nWEB\n", "/nonexistent/rack/hosts.csv:3: column hostname: 'web' is already used on line 2"},
      {"hostname,service_tag\na,7ABCD1X\nb,7abcd1x\n", "/nonexistent/rack/hosts.csv:3: column service_tag: 7ABCD1X is already used on line 2"},
      {"hostname,mac\na,00:1e:c9:aa:bb:01\nb,\"00:1e:c9:aa:bb:02 00:1E:C9:AA:BB:01\"\n",
       "/nonexistent/rack/hosts.csv:3: column mac: 00:1e:c9:aa:bb:01 is already used on line 2"},
      {"hostname,mac\na,0\"0:1e\n", "/nonexistent/rack/hosts.csv:2: malformed CSV"},
      {"hostname,mac\n\"a,00:1e:c9:aa:bb:01\n", "/nonexistent/rack/hosts.csv:2: malformed CSV: a quoted field is never closed"},
  };
  for (const auto& c : cases) {
    std::string message = error_of(c.text);
    EXPECT_EQ(message.rfind(c.starts_with, 0), 0u) << "input: " << c.text << "\nmessage: " << message;
  }
  // A NUL byte (not reachable through a C string above).
  EXPECT_EQ(error_of(std::string_view("hostname\na\0b\n", 13)).rfind("/nonexistent/rack/hosts.csv:2: NUL byte", 0), 0u);
}

TEST(Inventory, PreseedFragmentsResolveAgainstTheInventory) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "fleet-inventory";
  fs::remove_all(dir);
  fs::create_directories(dir / "hosts");
  std::ofstream(dir / "hosts" / "a.cfg") << "d-i netcfg/get_hostname string a\n";
  fs::create_directories(dir / "hosts" / "b.cfg");
  Inventory inventory = parse_inventory("hostname,preseed\na,hosts/a.cfg\n", dir / "rack.csv");
  EXPECT_EQ(inventory.hosts[0].preseed, dir / "hosts" / "a.cfg");
  EXPECT_EQ(error_of("hostname,preseed\nb,hosts/b.cfg\n", dir / "rack.csv"),
            (dir / "rack.csv").string() + ":2: column preseed: " + (dir / "hosts" / "b.cfg").string() +
                " is not a regular file (name a preseed fragment file)");
}

// The columns deploy --hosts reads: the BMC's address, user, certificate fingerprint and
// the file holding its password.
TEST(Inventory, BmcColumns) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "fleet-inventory-bmc";
  fs::remove_all(dir);
  fs::create_directories(dir / "secrets");
  std::ofstream(dir / "secrets" / "db1.pw") << "not read here\n";
  const std::string fp = "SHA256:" + std::string(64, 'a');
  Inventory inventory = parse_inventory(
      "hostname,bmc,bmc_user,bmc_fingerprint,bmc_password_file\n"
      "db1,HTTPS://iDRAC-db1.Example.org/,root,\"SHA256 Fingerprint=" + std::string(31, 'A') + "A:" +
          std::string(32, 'A') + "\",secrets/db1.pw\n"
      "db2,https://10.0.0.22:8443,admin,,\n"
      "db3,https://[fd00::22]:443,,,\n"
      "db4,,,,\n",
      dir / "rack.csv");
  const Host& a = inventory.hosts[0];
  EXPECT_EQ(a.bmc, "https://idrac-db1.example.org");
  EXPECT_EQ(a.bmc_user, "root");
  EXPECT_EQ(a.bmc_fingerprint, fp);
  EXPECT_EQ(a.bmc_password_file, dir / "secrets" / "db1.pw");
  EXPECT_EQ(inventory.hosts[1].bmc, "https://10.0.0.22:8443");
  EXPECT_TRUE(inventory.hosts[1].bmc_fingerprint.empty());
  EXPECT_EQ(inventory.hosts[2].bmc, "https://[fd00::22]:443");
  EXPECT_TRUE(inventory.hosts[3].bmc.empty());
  // Lint takes a row without a BMC; deploy does not, and names the row and the column.
  try {
    require_bmc(inventory);
    ADD_FAILURE() << "a host without a BMC passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_EQ(std::string(e.what()).rfind((dir / "rack.csv").string() + ":5: column bmc: host db4 has no BMC address", 0),
              0u)
        << e.what();
  }
  require_bmc(parse_inventory("hostname,bmc\na,https://a\n", k_file));  // no throw
}

TEST(Inventory, MalformedBmcCellsAreNamedWithLineAndColumn) {
  struct Case {
    const char* text;
    const char* starts_with;
  };
  const Case cases[] = {
      {"hostname,bmc\na,http://10.0.0.21\n", "/nonexistent/rack/hosts.csv:2: column bmc: 'http://10.0.0.21' is not a BMC address"},
      {"hostname,bmc\na,10.0.0.21\n", "/nonexistent/rack/hosts.csv:2: column bmc: '10.0.0.21' is not"},
      {"hostname,bmc\na,https://root:pw@10.0.0.21\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://10.0.0.21/redfish/v1\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://10.0.0.300\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://10.0.0.21:0\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://10.0.0.21:65536\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://10.0.0.21:\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://[fd00::1\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://a?x=1\n", "/nonexistent/rack/hosts.csv:2: column bmc:"},
      {"hostname,bmc\na,https://a\nb,https://A/\n", "/nonexistent/rack/hosts.csv:3: column bmc: https://a is already used on line 2"},
      {"hostname,bmc_user\na,ro:ot\n", "/nonexistent/rack/hosts.csv:2: column bmc_user: 'ro:ot' is not a BMC user name"},
      {"hostname,bmc_fingerprint\na,SHA256:abcd\n", "/nonexistent/rack/hosts.csv:2: column bmc_fingerprint: 'SHA256:abcd' is not a SHA-256 fingerprint"},
      {"hostname,bmc_fingerprint\na,SHA1:aa\n", "/nonexistent/rack/hosts.csv:2: column bmc_fingerprint:"},
      {"hostname,bmc_password_file\na,missing.pw\n", "/nonexistent/rack/hosts.csv:2: column bmc_password_file: password file /nonexistent/rack/missing.pw does not exist"},
      {"hostname,bmc_password\na,secret\n", "/nonexistent/rack/hosts.csv:1: unknown column 'bmc_password'"},
  };
  for (const auto& c : cases) {
    std::string message = error_of(c.text);
    EXPECT_EQ(message.rfind(c.starts_with, 0), 0u) << "input: " << c.text << "\nmessage: " << message;
  }
  EXPECT_EQ(normalise_fingerprint("sha256:" + std::string(64, 'F')), "SHA256:" + std::string(64, 'f'));
  EXPECT_FALSE(normalise_fingerprint(std::string(64, 'f')));
  EXPECT_FALSE(normalise_fingerprint("SHA256:" + std::string(63, 'f') + "g"));
}

TEST(Inventory, SingleValueChecks) {
  EXPECT_EQ(normalise_mac("00-1E-C9-AA-BB-01"), "00:1e:c9:aa:bb:01");
  EXPECT_FALSE(normalise_mac("00:1e:c9:aa:bb:01:02"));
  EXPECT_FALSE(normalise_mac("ff:ff:ff:ff:ff:ff"));
  EXPECT_EQ(normalise_service_tag("7abcd1x"), "7ABCD1X");
  EXPECT_FALSE(normalise_service_tag("7ABCD1X;reboot"));
  EXPECT_EQ(parse_ipv4("10.0.2.15")->value, 0x0a00020fu);
  EXPECT_FALSE(parse_ipv4("10.0.2"));
  EXPECT_FALSE(parse_ipv4("10.0.2.15.1"));
  EXPECT_FALSE(parse_ipv4(" 10.0.2.15"));
  StaticAddress slash31{*parse_ipv4("192.0.2.0"), 31};  // point-to-point: both addresses are hosts
  EXPECT_TRUE(slash31.contains(*parse_ipv4("192.0.2.1")));
  EXPECT_EQ(parse_inventory("hostname,address\np2p,192.0.2.0/31\n", k_file).hosts[0].address->prefix, 31u);
}

}  // namespace
}  // namespace imgbuild::fleet
