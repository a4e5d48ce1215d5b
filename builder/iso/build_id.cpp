// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/build_id.hpp"

#include "iso/reader.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace imgbuild::iso {

bool is_build_id(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<std::string> read_build_id(const std::string& iso_path) {
  Reader reader(iso_path);
  auto text = reader.read_file(k_build_id_path, 4096);
  if (!text) return std::nullopt;
  std::string id(util::trim(*text));
  if (!is_build_id(id))
    throw Error(iso_path, std::string(k_build_id_path) + " does not hold a build id", "was the image edited by hand?");
  return id;
}

}  // namespace imgbuild::iso
