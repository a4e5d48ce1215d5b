// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/md5sums.hpp"

#include <set>

namespace imgbuild::remaster {

std::string update_md5sums(std::string_view original, const std::map<std::string, std::string>& md5_by_iso_path) {
  std::string out;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start < original.size()) {
    std::size_t end = original.find('\n', start);
    if (end == std::string_view::npos) end = original.size();
    std::string line(original.substr(start, end - start));
    start = end + 1;
    // "<32 hex>  ./path": anything else is kept verbatim.
    std::size_t separator = line.find("  ");
    if (separator == 32 && line.size() > 34) {
      std::string name = line.substr(34);
      std::string iso_path = name.rfind("./", 0) == 0 ? name.substr(1) : "/" + name;
      auto it = md5_by_iso_path.find(iso_path);
      if (it != md5_by_iso_path.end()) {
        line = it->second + "  " + name;
        seen.insert(iso_path);
      }
    }
    out += line;
    out += '\n';
  }
  for (const auto& [iso_path, md5] : md5_by_iso_path)
    if (!seen.count(iso_path)) out += md5 + "  ." + iso_path + "\n";
  return out;
}

}  // namespace imgbuild::remaster
