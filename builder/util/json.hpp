// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::util {

// Just enough JSON writing for imgbuild's reports (build.json, inspect --json): strings
// escaped per RFC 8259, lists of strings.
std::string json_escape(std::string_view text);
inline std::string json_quoted(std::string_view text) { return "\"" + json_escape(text) + "\""; }
std::string json_string_list(const std::vector<std::string>& items);

}  // namespace imgbuild::util
