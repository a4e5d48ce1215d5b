// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `manifest --json` and `diff --json`: the documents, field names documented in
// docs/json.md.

#include "manifest/manifest.hpp"
#include "util/json_document.hpp"

#include <string>
#include <vector>

namespace imgbuild::manifest {

// {"image", "volume_id", "files": [{"path", "type": "file"|"directory"|"symlink", "size",
// "xxh128" (files) | "link_target" (symlinks)}], "boot": {"el_torito", "system_area"}}
util::Json manifest_to_json(const std::string& image, const Manifest& manifest);

// {"a", "b", "same", "differences": [{"what", "path", "detail"}]}
util::Json diff_to_json(const std::string& a, const std::string& b, const std::vector<Difference>& differences);

}  // namespace imgbuild::manifest
