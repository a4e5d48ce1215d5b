// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/utf8.hpp"

#include <cstdint>

namespace imgbuild::util {

namespace {

// The length of the well-formed UTF-8 sequence starting at `at`, or 0 when the byte there
// does not start one (Unicode 15, table 3-7).
std::size_t sequence_length(std::string_view bytes, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  const std::uint8_t lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xbf;  // the range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // no overlong forms
    if (lead == 0xed) high = 0x9f;  // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // no overlong forms
    if (lead == 0xf4) high = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;  // 0x80..0xc1 (continuation or overlong lead) and 0xf5..0xff
  }
  if (bytes.size() - at < length) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xbf) return 0;
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    std::size_t length = sequence_length(bytes, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::string escape_invalid_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() + 16);
  for (std::size_t at = 0; at < bytes.size();) {
    if (std::size_t length = sequence_length(bytes, at)) {
      out.append(bytes.substr(at, length));
      at += length;
      continue;
    }
    const auto value = static_cast<std::uint8_t>(bytes[at++]);
    out += "\\x";
    out += k_hex[value >> 4];
    out += k_hex[value & 0xf];
  }
  return out;
}

}  // namespace imgbuild::util
