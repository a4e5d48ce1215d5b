// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <string>
#include <string_view>

namespace imgbuild::remaster {

// The base ISO is checked before use against what its publisher says it is: a damaged
// or replaced download must not become a server's installer.

// `--base-sha256 HEX`: throws Error (exit 2) on a mismatch or a malformed value.
void check_base_sha256(const std::string& base_path, const std::string& expected_hex);

// `--base-checksums FILE`: Debian's MD5SUMS, SHA1SUMS, SHA256SUMS or SHA512SUMS ("<hex>
// [ *]<name>" lines); the line for the base's file name is used, the algorithm told by the
// length of its digest. Throws Error when the file does not list the base, or on mismatch.
void check_base_against_sums(const std::string& base_path, const std::string& sums_path);

// The digest line for `file_name` in a sums file's text: its hex digest, or empty.
std::string find_sum(std::string_view sums_text, const std::string& file_name);

}  // namespace imgbuild::remaster
