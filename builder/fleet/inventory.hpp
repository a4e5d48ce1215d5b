// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The inventory of a rack: one row per server, as a spreadsheet exports it (CSV with a
// header row, RFC 4180 quoting). It is what lets one image serve many hosts: every answer
// that differs between them (hostname, static address, a preseed fragment) comes from here,
// and the service tag or MACs pick the row at install time.
//
// Everything is checked when the file is read, so a typo shows up at build time with the
// file, line and column, never as a half-configured server in the rack.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::fleet {

struct Ipv4 {
  std::uint32_t value = 0;  // host byte order
  std::string text() const;
  bool operator==(const Ipv4&) const = default;
};

// A static address in CIDR form ("192.0.2.10/24").
struct StaticAddress {
  Ipv4 address;
  unsigned prefix = 24;
  Ipv4 netmask() const;
  bool contains(Ipv4 other) const;  // same subnet
};

struct Host {
  int line = 0;                       // where the row starts, for messages
  std::string hostname;               // one RFC 1123 label, lower case
  std::string domain;                 // may be empty
  std::string service_tag;            // SMBIOS system serial, upper case; may be empty
  std::vector<std::string> macs;      // lower case, colon-separated; any of them matches
  std::optional<StaticAddress> address;  // empty: DHCP
  std::optional<Ipv4> gateway;
  std::vector<Ipv4> nameservers;
  std::filesystem::path preseed;      // absolute (resolved against the inventory); may be empty
  std::string kernel_args;
  // The server's BMC, for `deploy --hosts`; all optional here (deploy requires bmc). The
  // password never comes from the inventory: bmc_password_file names a file holding it.
  std::string bmc;                          // "https://HOST[:PORT]", normalised
  std::string bmc_user;
  std::string bmc_fingerprint;              // "SHA256:" + 64 lower-case hex digits
  std::filesystem::path bmc_password_file;  // absolute (resolved against the inventory)
};

struct Inventory {
  std::filesystem::path file;
  std::vector<Host> hosts;
  const Host* find(std::string_view hostname) const;
};

// The columns a header may name; `hostname` is required.
inline constexpr std::string_view k_columns[] = {
    "hostname", "domain", "service_tag", "mac",      "address",         "gateway",          "nameservers",
    "preseed",  "kernel_args", "bmc",   "bmc_user", "bmc_fingerprint", "bmc_password_file"};

// Parses and checks an inventory. `file` names it in errors and anchors relative `preseed`
// paths. Throws imgbuild::Error (exit 2) naming "FILE:LINE", the column and the fix for:
// malformed CSV, an unknown or repeated column, a missing hostname column, an empty file,
// a row with more fields than the header, a bad hostname, domain, service tag, MAC, address,
// gateway (or one outside the host's subnet, or one given for a DHCP host), name server,
// duplicate hostnames, service tags, MACs or BMC URLs, a preseed fragment or BMC password
// file that is missing or not a regular file, a BMC URL that is not https://HOST[:PORT], a
// BMC user with a colon or a control character, and a fingerprint that is not SHA256:HEX.
Inventory parse_inventory(std::string_view text, const std::filesystem::path& file);
Inventory read_inventory(const std::filesystem::path& file);

// Single checks, shared with the places that take the same values elsewhere (verify's
// --identity). Each returns the normalised form, or nullopt when the text is not valid.
std::optional<std::string> normalise_mac(std::string_view text);
std::optional<std::string> normalise_service_tag(std::string_view text);
std::optional<Ipv4> parse_ipv4(std::string_view text);
// A BMC address: "https://HOST[:PORT]" (a trailing "/" allowed) with HOST a DNS name, an
// IPv4 address or a bracketed IPv6 address; no user, path, query or fragment. Returned
// with the scheme and host in lower case and no trailing "/".
std::optional<std::string> normalise_bmc_url(std::string_view text);
// A certificate's SHA-256 fingerprint as openssl prints it ("SHA256 Fingerprint=AB:CD:...")
// or as "SHA256:abcd...": "SHA256:" + 64 lower-case hex digits.
std::optional<std::string> normalise_fingerprint(std::string_view text);

// For `deploy --hosts`: every host has a bmc. Error (exit 2) naming "FILE:LINE", the
// column and the fix for the first that has none.
void require_bmc(const Inventory& inventory);

}  // namespace imgbuild::fleet
