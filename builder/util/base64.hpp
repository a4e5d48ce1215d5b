// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// RFC 4648 base64: the Basic authorization header (sent by the Redfish client, checked by
// the emulated BMC) and the body of a PEM certificate.

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::util {

std::string base64_encode(std::string_view bytes);
// Whitespace is skipped; nullopt on any other character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace imgbuild::util
