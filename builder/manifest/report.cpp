// SPDX-License-Identifier: GPL-2.0-or-later
#include "manifest/report.hpp"

namespace imgbuild::manifest {

util::Json manifest_to_json(const std::string& image, const Manifest& manifest) {
  util::Json files = util::Json::array();
  for (const auto& record : manifest.files) {
    util::Json file = {{"path", record.path}};
    if (record.type == 'f') {
      file["type"] = "file";
      file["size"] = record.size;
      file["xxh128"] = record.xxh128;
    } else if (record.type == 'l') {
      file["type"] = "symlink";
      file["link_target"] = record.link_target;
    } else {
      file["type"] = "directory";
    }
    files.push_back(std::move(file));
  }
  util::Json out;
  out["image"] = image;
  out["volume_id"] = manifest.volume.volume_id;
  out["files"] = std::move(files);
  out["boot"] = {{"el_torito", manifest.boot.el_torito}, {"system_area", manifest.boot.system_area}};
  return out;
}

util::Json diff_to_json(const std::string& a, const std::string& b, const std::vector<Difference>& differences) {
  util::Json listed = util::Json::array();
  for (const auto& d : differences) listed.push_back({{"what", d.what}, {"path", d.path}, {"detail", d.detail}});
  util::Json out;
  out["a"] = a;
  out["b"] = b;
  out["same"] = differences.empty();
  out["differences"] = std::move(listed);
  return out;
}

}  // namespace imgbuild::manifest
