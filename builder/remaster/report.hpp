// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `build --json`: what was written, field names documented in docs/json.md.

#include "remaster/build.hpp"
#include "util/json_document.hpp"

namespace imgbuild::remaster {

// {"output", "size", "build_id", "base", "preseed" (null without one), "preseeded_initrds",
// "rewritten_menus", "notices" (also on stderr)}
util::Json build_result_to_json(const BuildOptions& options, const BuildResult& result);

}  // namespace imgbuild::remaster
