// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/layout.hpp"

#include "iso/reader.hpp"
#include "preseed/questions.hpp"

#include <algorithm>
#include <regex>

namespace imgbuild::remaster {

namespace {

constexpr std::uint64_t k_max_menu_size = 1 << 20;
constexpr std::uint64_t k_max_md5sums_size = 64u << 20;

Menus load_menus(const iso::Reader& reader) {
  bootmenu::FileReader read = [&reader](const std::string& iso_path) {
    return reader.read_file(iso_path, k_max_menu_size);
  };
  Menus menus;
  for (const char* root : bootmenu::k_isolinux_roots)
    if (reader.find(root)) {
      menus.isolinux = bootmenu::load_isolinux(root, read);
      break;
    }
  for (const char* root : bootmenu::k_grub_roots)
    if (reader.find(root)) {
      menus.grub = bootmenu::load_grub(root, read);
      break;
    }
  return menus;
}

// Symlinked suites (stable -> etch) are the same files and are skipped by the reader's listing.
std::vector<std::string> base_package_indices(const iso::Reader& reader) {
  static const std::regex index(R"(^/dists/[^/]+/[^/]+/binary-[^/]+/Packages(\.gz|\.xz)?$)");
  std::map<std::string, std::string> best;  // directory -> index, uncompressed preferred
  for (const auto& entry : reader.entries()) {
    if (entry.is_dir || entry.is_symlink || !std::regex_match(entry.path, index)) continue;
    std::string dir = entry.path.substr(0, entry.path.rfind('/'));
    auto it = best.find(dir);
    if (it == best.end() || entry.path.size() < it->second.size()) best[dir] = entry.path;
  }
  std::vector<std::string> out;
  for (const auto& [dir, path] : best) out.push_back(path);
  return out;
}

}  // namespace

bool has_installer(const std::optional<bootmenu::MenuTree>& tree) {
  if (tree)
    for (const auto& e : tree->entries)
      if (e.is_installer) return true;
  return false;
}

bool Menus::has_installer() const { return remaster::has_installer(isolinux) || remaster::has_installer(grub); }

BaseLayout read_layout(const iso::Reader& reader) {
  BaseLayout layout;
  layout.base_path = reader.path();
  layout.volume = reader.volume();
  for (const auto& entry : reader.entries())
    if (!entry.is_dir) layout.files.insert(entry.path);
  layout.menus = load_menus(reader);
  if (auto info = reader.read_file("/.disk/info", 4096)) layout.release = preseed::guess_release(*info);
  if (reader.find("/md5sum.txt")) layout.md5sums = reader.read_file("/md5sum.txt", k_max_md5sums_size);
  layout.package_indices = base_package_indices(reader);

  // One pass over the image for the heads of every installer kernel and initrd.
  std::set<std::string> wanted;
  for (const auto* tree : {layout.menus.isolinux ? &*layout.menus.isolinux : nullptr,
                           layout.menus.grub ? &*layout.menus.grub : nullptr})
    if (tree)
      for (const auto& entry : tree->entries) {
        if (!entry.is_installer) continue;
        if (const iso::Entry* kernel = reader.find(entry.kernel); kernel && !kernel->is_dir) wanted.insert(kernel->path);
        for (const auto& initrd : entry.initrds)
          if (const iso::Entry* e = reader.find(iso::normalise_iso_path(initrd)); e && !e->is_dir) wanted.insert(e->path);
      }
  reader.stream_files(wanted, [&](const std::string& iso_path, const char* data, std::size_t size, bool) {
    std::string& head = layout.heads[iso_path];
    if (head.size() < k_kernel_head_size) head.append(data, std::min(size, k_kernel_head_size - head.size()));
  }, k_kernel_head_size);
  return layout;
}

}  // namespace imgbuild::remaster
