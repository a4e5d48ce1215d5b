// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The build id imgbuild writes on every image it builds (32 lowercase hex digits and a
// line end in /imgbuild/build-id): how verify and the delivery flows recognise a disc.

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::iso {

inline constexpr const char* k_build_id_path = "/imgbuild/build-id";

// 32 lowercase hexadecimal digits, nothing else.
bool is_build_id(std::string_view text);

// The build id of an image built by imgbuild, or nullopt for any other image (no
// /imgbuild/build-id). Throws Error naming the image when the file holds something else.
std::optional<std::string> read_build_id(const std::string& iso_path);

}  // namespace imgbuild::iso
