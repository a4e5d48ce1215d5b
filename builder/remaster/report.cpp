// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/report.hpp"

namespace imgbuild::remaster {

util::Json build_result_to_json(const BuildOptions& options, const BuildResult& result) {
  util::Json out;
  out["output"] = options.output_path;
  out["size"] = result.output_size;
  out["build_id"] = result.build_id;
  out["base"] = options.base_path;
  out["preseed"] = options.preseed_path ? util::Json(*options.preseed_path) : util::Json();
  out["preseeded_initrds"] = result.preseeded_initrds;
  out["rewritten_menus"] = result.rewritten_menus;
  out["notices"] = result.notices;
  // build --hosts --per-host: one image per host (output, size and build_id stay empty).
  if (!options.per_host_dir.empty()) {
    util::Json hosts = util::Json::array();
    for (const auto& image : result.host_images)
      hosts.push_back({{"hostname", image.hostname}, {"output", image.path}, {"size", image.size},
                       {"build_id", image.build_id}});
    out["hosts"] = std::move(hosts);
  }
  return out;
}

}  // namespace imgbuild::remaster
