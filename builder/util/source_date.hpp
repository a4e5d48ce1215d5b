// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/): the date a
// reproducible build stamps on what it writes.

#include <cstdint>
#include <optional>

namespace imgbuild::util {

// The value of SOURCE_DATE_EPOCH, or nothing when it is unset or empty. The specification's
// format only: decimal digits as `date +%s` prints them (no sign, no space, no fraction),
// a value that fits in 64 bits. Anything else throws Error (exit 2) naming the variable and
// the value: a build must not fall back silently to another date.
std::optional<std::int64_t> source_date_epoch();

}  // namespace imgbuild::util
