// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/inventory.hpp"

#include "fleet/csv.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <sys/stat.h>

namespace imgbuild::fleet {

namespace fs = std::filesystem;

namespace {

using util::lower;

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == ',' || text[pos] == ';')) ++pos;
    std::size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != ',' && text[end] != ';') ++end;
    if (end > pos) words.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

// RFC 1123 label: letters, digits and hyphens, 1 to 63 of them, no hyphen at either end.
bool is_label(std::string_view text) {
  if (text.empty() || text.size() > 63 || text.front() == '-' || text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

bool is_domain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = text.find('.', pos);
    if (!is_label(text.substr(pos, dot == std::string_view::npos ? dot : dot - pos))) return false;
    if (dot == std::string_view::npos) return true;
    pos = dot + 1;
  }
}

// Reports one bad cell: "hosts.csv:4: column mac: ... (fix)".
[[noreturn]] void bad_cell(const fs::path& file, int line, std::string_view column, const std::string& problem,
                           const std::string& fix) {
  throw Error(file.string() + ":" + std::to_string(line), "column " + std::string(column) + ": " + problem, fix);
}

struct Columns {
  std::map<std::string, std::size_t, std::less<>> index;
  std::string_view get(const CsvRecord& row, std::string_view name) const {
    auto it = index.find(name);
    if (it == index.end() || it->second >= row.fields.size()) return {};
    std::string_view value = row.fields[it->second];
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    return value;
  }
};

Columns read_header(const CsvRecord& header, const fs::path& file) {
  Columns columns;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = lower(header.fields[i]);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    if (std::find(std::begin(k_columns), std::end(k_columns), name) == std::end(k_columns))
      throw Error(file.string() + ":" + std::to_string(header.line),
                  "unknown column '" + header.fields[i] + "'",
                  "the columns are hostname, domain, service_tag, mac, address, gateway, nameservers, preseed, "
                  "kernel_args, bmc, bmc_user, bmc_fingerprint, bmc_password_file");
    if (!columns.index.emplace(name, i).second)
      throw Error(file.string() + ":" + std::to_string(header.line), "column '" + name + "' appears twice",
                  "keep one of them");
  }
  if (!columns.index.count("hostname"))
    throw Error(file.string() + ":" + std::to_string(header.line), "no 'hostname' column",
                "the first row names the columns; hostname is required");
  return columns;
}

// A file named in a cell, relative to the inventory's folder: it must be a regular file.
// `what` names it when missing ("fragment"), `kind` in the fix ("name a preseed fragment file").
fs::path file_cell(std::string_view cell, const fs::path& file, int line, std::string_view column,
                   std::string_view what, std::string_view kind) {
  fs::path path = fs::path(cell).is_absolute() ? fs::path(cell) : file.parent_path() / fs::path(cell);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    bad_cell(file, line, column, std::string(what) + " " + path.string() + " does not exist",
             "paths are relative to the inventory's folder");
  if (!S_ISREG(st.st_mode))
    bad_cell(file, line, column, path.string() + " is not a regular file", "name a " + std::string(kind) + " file");
  return path.lexically_normal();
}

// The columns deploy --hosts reads: where the BMC is, who logs in, how its certificate is
// trusted, where its password is kept (never the password itself).
void read_bmc(const CsvRecord& row, const Columns& columns, const fs::path& file, Host& host) {
  const int line = row.line;
  if (auto bmc = columns.get(row, "bmc"); !bmc.empty()) {
    auto url = normalise_bmc_url(bmc);
    if (!url)
      bad_cell(file, line, "bmc", "'" + std::string(bmc) + "' is not a BMC address",
               "write https://HOST or https://HOST:PORT (the BMC's Redfish service), without a user, path or "
               "query");
    host.bmc = *url;
  }
  if (auto user = columns.get(row, "bmc_user"); !user.empty()) {
    if (user.find(':') != std::string_view::npos ||
        std::any_of(user.begin(), user.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
      bad_cell(file, line, "bmc_user", "'" + std::string(user) + "' is not a BMC user name",
               "a user name has no colon and no control character");
    host.bmc_user = std::string(user);
  }
  if (auto fingerprint = columns.get(row, "bmc_fingerprint"); !fingerprint.empty()) {
    auto normalised = normalise_fingerprint(fingerprint);
    if (!normalised)
      bad_cell(file, line, "bmc_fingerprint", "'" + std::string(fingerprint) + "' is not a SHA-256 fingerprint",
               "SHA256: and 64 hex digits, as openssl x509 -noout -fingerprint -sha256 prints it for the BMC's "
               "certificate");
    host.bmc_fingerprint = *normalised;
  }
  if (auto password_file = columns.get(row, "bmc_password_file"); !password_file.empty())
    host.bmc_password_file = file_cell(password_file, file, line, "bmc_password_file", "password file", "password");
}

Host read_host(const CsvRecord& row, const Columns& columns, const fs::path& file) {
  Host host;
  host.line = row.line;
  const int line = row.line;

  std::string_view hostname = columns.get(row, "hostname");
  if (hostname.empty()) bad_cell(file, line, "hostname", "empty", "every row names its host");
  if (!is_label(hostname))
    bad_cell(file, line, "hostname", "'" + std::string(hostname) + "' is not a valid host name",
             "use letters, digits and hyphens (RFC 1123), no dots: the domain has its own column");
  host.hostname = lower(hostname);

  if (auto domain = columns.get(row, "domain"); !domain.empty()) {
    if (!is_domain(domain))
      bad_cell(file, line, "domain", "'" + std::string(domain) + "' is not a valid domain name",
               "dot-separated labels of letters, digits and hyphens, e.g. rack1.example.org");
    host.domain = lower(domain);
  }

  if (auto tag = columns.get(row, "service_tag"); !tag.empty()) {
    auto normalised = normalise_service_tag(tag);
    if (!normalised)
      bad_cell(file, line, "service_tag", "'" + std::string(tag) + "' is not a service tag",
               "a Dell service tag is 7 letters and digits (the SMBIOS system serial: dmidecode -s "
               "system-serial-number)");
    host.service_tag = *normalised;
  }

  for (auto word : split_words(columns.get(row, "mac"))) {
    auto mac = normalise_mac(word);
    if (!mac)
      bad_cell(file, line, "mac", "'" + std::string(word) + "' is not a MAC address",
               "six hex pairs separated by colons, e.g. 00:1e:c9:aa:bb:01; several MACs are separated by spaces");
    if (std::find(host.macs.begin(), host.macs.end(), *mac) == host.macs.end()) host.macs.push_back(*mac);
  }

  std::string_view address = columns.get(row, "address");
  if (!address.empty() && lower(address) != "dhcp") {
    auto slash = address.find('/');
    if (slash == std::string_view::npos)
      bad_cell(file, line, "address", "'" + std::string(address) + "' has no prefix length",
               "write the address in CIDR form, e.g. 192.0.2.10/24, or dhcp");
    auto ip = parse_ipv4(address.substr(0, slash));
    unsigned prefix = 0;
    std::string_view prefix_text = address.substr(slash + 1);
    auto [end, ec] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
    if (!ip || ec != std::errc() || end != prefix_text.data() + prefix_text.size() || prefix < 1 || prefix > 32)
      bad_cell(file, line, "address", "'" + std::string(address) + "' is not an IPv4 address in CIDR form",
               "e.g. 192.0.2.10/24, or dhcp");
    StaticAddress a{*ip, prefix};
    if (prefix <= 30) {
      std::uint32_t host_bits = ~a.netmask().value;
      if ((ip->value & host_bits) == 0 || (ip->value & host_bits) == host_bits)
        bad_cell(file, line, "address",
                 std::string(address) + " is the " + ((ip->value & host_bits) == 0 ? "network" : "broadcast") +
                     " address of its subnet",
                 "give the host's own address");
    }
    host.address = a;
  }

  if (auto gateway = columns.get(row, "gateway"); !gateway.empty()) {
    auto ip = parse_ipv4(gateway);
    if (!ip)
      bad_cell(file, line, "gateway", "'" + std::string(gateway) + "' is not an IPv4 address", "e.g. 192.0.2.1");
    if (!host.address)
      bad_cell(file, line, "gateway", "a gateway is given for a DHCP host",
               "DHCP supplies the gateway: leave the column empty, or give the host a static address");
    if (!host.address->contains(*ip))
      bad_cell(file, line, "gateway",
               ip->text() + " is outside the host's subnet " + host.address->address.text() + "/" +
                   std::to_string(host.address->prefix),
               "the gateway must be reachable without a router: check the address's prefix length");
    if (*ip == host.address->address)
      bad_cell(file, line, "gateway", ip->text() + " is the host's own address", "name the router's address");
    host.gateway = ip;
  }

  for (auto word : split_words(columns.get(row, "nameservers"))) {
    auto ip = parse_ipv4(word);
    if (!ip)
      bad_cell(file, line, "nameservers", "'" + std::string(word) + "' is not an IPv4 address",
               "name servers are IPv4 addresses separated by spaces");
    host.nameservers.push_back(*ip);
  }
  if (host.nameservers.size() > 3)
    bad_cell(file, line, "nameservers", std::to_string(host.nameservers.size()) + " name servers",
             "the installer and resolv.conf use at most 3");

  if (auto preseed = columns.get(row, "preseed"); !preseed.empty())
    host.preseed = file_cell(preseed, file, line, "preseed", "fragment", "preseed fragment");

  if (auto args = columns.get(row, "kernel_args"); !args.empty()) {
    if (args.find_first_of("\n\r") != std::string_view::npos)
      bad_cell(file, line, "kernel_args", "a line break in kernel arguments", "keep them on one line");
    host.kernel_args = std::string(args);
  }
  read_bmc(row, columns, file, host);
  return host;
}

// Each of these must name one host only: a duplicate would make the install-time choice
// depend on row order.
void check_unique(const std::vector<Host>& hosts, const fs::path& file) {
  std::map<std::string, int> hostnames, tags, macs, bmcs;
  for (const auto& host : hosts) {
    if (auto [it, fresh] = hostnames.emplace(host.hostname, host.line); !fresh)
      bad_cell(file, host.line, "hostname", "'" + host.hostname + "' is already used on line " + std::to_string(it->second),
               "every row is one server with its own name");
    if (!host.service_tag.empty())
      if (auto [it, fresh] = tags.emplace(host.service_tag, host.line); !fresh)
        bad_cell(file, host.line, "service_tag",
                 host.service_tag + " is already used on line " + std::to_string(it->second),
                 "a service tag identifies one server: check for a copied row");
    for (const auto& mac : host.macs)
      if (auto [it, fresh] = macs.emplace(mac, host.line); !fresh)
        bad_cell(file, host.line, "mac", mac + " is already used on line " + std::to_string(it->second),
                 "a MAC identifies one server: check for a copied row");
    if (!host.bmc.empty())
      if (auto [it, fresh] = bmcs.emplace(host.bmc, host.line); !fresh)
        bad_cell(file, host.line, "bmc", host.bmc + " is already used on line " + std::to_string(it->second),
                 "a BMC controls one server: check for a copied row");
  }
}

}  // namespace

std::string Ipv4::text() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
         std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

Ipv4 StaticAddress::netmask() const {
  return Ipv4{prefix == 0 ? 0u : static_cast<std::uint32_t>(0xffffffffull << (32 - prefix))};
}

bool StaticAddress::contains(Ipv4 other) const {
  std::uint32_t mask = netmask().value;
  return (other.value & mask) == (address.value & mask);
}

const Host* Inventory::find(std::string_view hostname) const {
  for (const auto& host : hosts)
    if (host.hostname == hostname) return &host;
  return nullptr;
}

std::optional<Ipv4> parse_ipv4(std::string_view text) {
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text.front() != '.') return std::nullopt;
      text.remove_prefix(1);
    }
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    // No leading zeros: "010" means 8 to some parsers and 10 to others.
    if (digits == 0 || digits > 3 || (digits > 1 && text[0] == '0')) return std::nullopt;
    unsigned octet = 0;
    std::from_chars(text.data(), text.data() + digits, octet);
    if (octet > 255) return std::nullopt;
    value = value << 8 | octet;
    text.remove_prefix(digits);
  }
  if (!text.empty()) return std::nullopt;
  return Ipv4{value};
}

std::optional<std::string> normalise_mac(std::string_view text) {
  // Accept what tools print: 00:1E:C9:AA:BB:01, 00-1e-c9-aa-bb-01.
  if (text.size() != 17) return std::nullopt;
  std::string out;
  bool nonzero = false;
  for (std::size_t i = 0; i < 17; ++i) {
    char c = text[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return std::nullopt;
      out += ':';
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    nonzero |= c != '0';
  }
  if (!nonzero) return std::nullopt;
  // A group (multicast) address is never a NIC's own.
  unsigned first = static_cast<unsigned>(std::stoul(out.substr(0, 2), nullptr, 16));
  if (first & 1) return std::nullopt;
  return out;
}

std::optional<std::string> normalise_service_tag(std::string_view text) {
  // Dell's are 7 characters; other vendors' SMBIOS serials are longer. Letters, digits and
  // hyphens only: the value travels through shell and the kernel command line.
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::string out;
  for (unsigned char c : text) {
    if (!std::isalnum(c) && c != '-') return std::nullopt;
    out += static_cast<char>(std::toupper(c));
  }
  return out;
}

std::optional<std::string> normalise_bmc_url(std::string_view text) {
  std::string url = lower(text);
  if (url.rfind("https://", 0) != 0) return std::nullopt;
  std::string authority = url.substr(8);
  if (!authority.empty() && authority.back() == '/') authority.pop_back();
  if (authority.empty() || authority.find_first_of("/?#@ \t") != std::string::npos) return std::nullopt;
  std::string host = authority, port;
  if (authority.front() == '[') {  // [IPv6]
    auto close = authority.find(']');
    if (close == std::string::npos || close < 3) return std::nullopt;
    for (char c : authority.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return std::nullopt;
    host = authority.substr(0, close + 1);
    std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':' || rest.size() == 1) return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    if (colon != std::string::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    // All digits and dots: an IPv4 address (10.0.0.300 is a typo, not a name).
    bool numeric = host.find_first_not_of("0123456789.") == std::string::npos;
    if (numeric ? !parse_ipv4(host) : !is_domain(host)) return std::nullopt;
  }
  if (!port.empty()) {
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535 || port[0] == '0')
      return std::nullopt;
  }
  return "https://" + host + (port.empty() ? "" : ":" + port);
}

std::optional<std::string> normalise_fingerprint(std::string_view text) {
  std::string value = lower(util::trim(text));
  for (std::string_view prefix : {"sha256 fingerprint=", "sha256:"})
    if (value.rfind(prefix, 0) == 0) {
      auto hex = util::sha256_hex(std::string_view(value).substr(prefix.size()));
      if (!hex) return std::nullopt;
      return "SHA256:" + *hex;
    }
  return std::nullopt;
}

void require_bmc(const Inventory& inventory) {
  for (const auto& host : inventory.hosts)
    if (host.bmc.empty())
      bad_cell(inventory.file, host.line, "bmc", "host " + host.hostname + " has no BMC address",
               "deploy --hosts needs a bmc column with https://HOST[:PORT] on every row");
}

Inventory parse_inventory(std::string_view text, const fs::path& file) {
  auto records = read_csv(text, file.string());
  if (records.empty())
    throw Error(file.string(), "the inventory is empty",
                "the first row names the columns (hostname, mac, ...), then one row per server");
  Columns columns = read_header(records.front(), file);
  Inventory inventory{file, {}};
  for (std::size_t i = 1; i < records.size(); ++i) {
    const auto& row = records[i];
    if (row.fields.size() > records.front().fields.size())
      throw Error(file.string() + ":" + std::to_string(row.line),
                  std::to_string(row.fields.size()) + " fields, the header has " +
                      std::to_string(records.front().fields.size()),
                  "quote a field that holds a comma");
    inventory.hosts.push_back(read_host(row, columns, file));
  }
  if (inventory.hosts.empty())
    throw Error(file.string(), "the inventory names no host", "add one row per server below the header");
  check_unique(inventory.hosts, file);
  return inventory;
}

Inventory read_inventory(const fs::path& file) {
  return parse_inventory(util::read_small_file(file.string(), 16u << 20, "inventory"), file);
}

}  // namespace imgbuild::fleet
