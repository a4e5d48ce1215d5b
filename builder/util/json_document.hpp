// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// imgbuild's JSON, through nlohmann-json (owned by util: other modules include this header,
// never <nlohmann/json.hpp>). Every document imgbuild writes (each command's --json output,
// /imgbuild/build.json on the disc) and every JSON it reads (QEMU's QMP replies) goes
// through here.

#include <nlohmann/json.hpp>

#include <string>

namespace imgbuild::util {

// Objects keep their members in the order they were added: a document reads in the order
// of its text form, and field order is part of what stays stable.
using Json = nlohmann::ordered_json;

// The text of `document`, valid UTF-8 whatever bytes its strings hold: every string and
// member name is passed through escape_invalid_utf8 (utf8.hpp: a stray byte becomes \xNN)
// first, and nlohmann's strict error handler stays on behind that, so invalid UTF-8 can
// never reach the output. `indent` < 0 gives one line; the text ends with a newline.
std::string json_text(Json document, int indent = 2);

}  // namespace imgbuild::util
