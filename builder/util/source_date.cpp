// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/source_date.hpp"

#include "util/error.hpp"

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

namespace imgbuild::util {

std::optional<std::int64_t> source_date_epoch() {
  const char* env = std::getenv("SOURCE_DATE_EPOCH");
  if (!env || !*env) return std::nullopt;
  std::string_view text(env);
  std::int64_t value = 0;
  bool digits_only = text.find_first_not_of("0123456789") == std::string_view::npos;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits_only || error != std::errc() || end != text.data() + text.size())
    throw Error("SOURCE_DATE_EPOCH", "'" + std::string(text) + "' is not a number of seconds since 1970 (digits only, as date +%s prints)",
                "unset it or set it to a Unix time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)");
  return value;
}

}  // namespace imgbuild::util
