// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <string>
#include <string_view>

namespace imgbuild::util {

// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// `bytes` as valid UTF-8 for machine-readable output (file names on a disc or a disk are
// bytes, not text): every well-formed UTF-8 sequence is kept as it is, and every byte that
// is not part of one becomes the four characters \xNN (lowercase hex), e.g. the Latin-1
// name "caf\xe9" stays readable as "caf\xe9". The form is documented for users
// (docs/json.md); a name that already holds the text "\x" followed by two hex digits
// reads the same, which is the price of keeping every valid name unchanged.
std::string escape_invalid_utf8(std::string_view bytes);

}  // namespace imgbuild::util
