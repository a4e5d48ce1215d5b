// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Small text helpers for the line-oriented formats imgbuild reads (preseeds, boot menus,
// control files, checksum lists, CSV headers). ASCII only, independent of the locale.

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::util {

// ' ', '\t', '\n', '\v', '\f', '\r': what isspace() accepts in the C locale.
constexpr bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// `text` without leading and trailing ASCII white space (a view into `text`).
std::string_view trim(std::string_view text);

// `text` with A-Z made a-z; other bytes (UTF-8 included) unchanged.
std::string lower(std::string_view text);

// Equal but for the case of A-Z (HTTP header names, control file fields, "Basic ").
bool iequals(std::string_view a, std::string_view b);

// The 64 lower-case hex digits of a SHA-256 written as tools print it ("AB:CD:..." or
// "abcd..."; colons ignored), or nullopt when `hex` is anything else. Certificate
// fingerprints: the inventory's bmc_fingerprint and deploy's --fingerprint.
std::optional<std::string> sha256_hex(std::string_view hex);

}  // namespace imgbuild::util
