// SPDX-License-Identifier: GPL-2.0-or-later
#include "manifest/manifest.hpp"

#include "iso/reader.hpp"
#include "util/hash.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace imgbuild::manifest {

Manifest compute(const iso::Reader& reader) {
  Manifest manifest;
  manifest.volume = reader.volume();
  std::set<std::string> regular_files;
  for (const auto& entry : reader.entries()) {
    FileRecord record;
    record.path = entry.path;
    record.size = entry.size;
    if (entry.is_dir) {
      record.type = 'd';
    } else if (entry.is_symlink) {
      record.type = 'l';
      record.link_target = entry.symlink_target;
    } else {
      regular_files.insert(entry.path);
    }
    manifest.files.push_back(std::move(record));
  }
  // One pass over the image, hashing each file as its bytes stream by.
  std::map<std::string, std::unique_ptr<util::Xxh3_128>> hashes;
  std::map<std::string, std::string> digests;
  std::map<std::string, std::uint64_t> sizes;
  reader.stream_files(regular_files, [&](const std::string& path, const char* data, std::size_t size, bool last) {
    auto& hash = hashes[path];
    if (!hash) hash = std::make_unique<util::Xxh3_128>();
    if (size) hash->update(data, size);
    sizes[path] += size;
    if (last) {
      digests[path] = hash->hex();
      hashes.erase(path);
    }
  });
  for (auto& record : manifest.files)
    if (record.type == 'f') {
      auto it = digests.find(record.path);
      record.xxh128 = it != digests.end() ? it->second : util::Xxh3_128().hex();
      if (auto s = sizes.find(record.path); s != sizes.end()) record.size = s->second;
    }
  manifest.boot = iso::read_boot_report(reader.path());
  return manifest;
}

std::string format_lines(const Manifest& manifest) {
  std::string out;
  for (const auto& record : manifest.files) {
    if (record.type == 'f')
      out += record.xxh128 + "  " + std::to_string(record.size) + "  " + record.path + "\n";
    else if (record.type == 'l')
      out += "symlink  ->" + record.link_target + "  " + record.path + "\n";
  }
  return out;
}

namespace {

// Block addresses move whenever any file changes size; what matters for the boot setup is
// the entries themselves. The LBA column of El Torito lines is left out of the comparison.
std::vector<std::string> without_block_addresses(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (std::string line : lines) {
    if (line.rfind("El Torito catalog", 0) == 0) {
      // "El Torito catalog  : <lba>  <entries>": keep the number of entries.
      line = "El Torito catalog entries: " + line.substr(line.find_last_of(' ') + 1);
    } else if (line.rfind("El Torito boot img", 0) == 0) {
      // The column is right-aligned: the spaces before it go too, or an address of
      // another width (a grown image's blocks) would read as another entry.
      auto end = line.find_last_not_of(' ');
      auto start = line.find_last_of(' ', end);
      if (start != std::string::npos) line = line.substr(0, line.find_last_not_of(' ', start) + 1);
    }
    out.push_back(line);
  }
  return out;
}

void diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b, const std::string& area,
                std::vector<Difference>& out) {
  // Multisets: each copy of a line pairs with one copy on the other side, so a duplicated
  // entry (a second, identical boot image) is reported as a difference, once per surplus copy.
  std::multiset<std::string> unmatched_in_b(b.begin(), b.end()), unmatched_in_a(a.begin(), a.end());
  for (const auto& line : a)
    if (auto it = unmatched_in_b.find(line); it != unmatched_in_b.end())
      unmatched_in_b.erase(it);
    else
      out.push_back({"boot", area, "- " + line});
  for (const auto& line : b)
    if (auto it = unmatched_in_a.find(line); it != unmatched_in_a.end())
      unmatched_in_a.erase(it);
    else
      out.push_back({"boot", area, "+ " + line});
}

void diff_field(const std::string& name, const std::string& a, const std::string& b, std::vector<Difference>& out) {
  if (a != b) out.push_back({"volume", name, "'" + a + "' -> '" + b + "'"});
}

}  // namespace

std::vector<Difference> diff(const Manifest& a, const Manifest& b) {
  std::vector<Difference> out;
  diff_field("volume_id", a.volume.volume_id, b.volume.volume_id, out);
  diff_field("system_id", a.volume.system_id, b.volume.system_id, out);
  diff_field("publisher_id", a.volume.publisher_id, b.volume.publisher_id, out);
  diff_field("application_id", a.volume.application_id, b.volume.application_id, out);
  diff_field("creation_time", a.volume.creation_time ? std::to_string(*a.volume.creation_time) : "unset",
             b.volume.creation_time ? std::to_string(*b.volume.creation_time) : "unset", out);
  diff_field("joliet", a.volume.has_joliet ? "yes" : "no", b.volume.has_joliet ? "yes" : "no", out);

  std::map<std::string, const FileRecord*> left, right;
  for (const auto& r : a.files) left[r.path] = &r;
  for (const auto& r : b.files) right[r.path] = &r;
  for (const auto& [path, record] : left) {
    auto it = right.find(path);
    if (it == right.end()) {
      out.push_back({"removed", path, std::string(1, record->type)});
      continue;
    }
    const FileRecord& other = *it->second;
    if (record->type != other.type)
      out.push_back({"changed", path, std::string("type ") + record->type + " -> " + other.type});
    else if (record->type == 'f' && record->xxh128 != other.xxh128)
      out.push_back({"changed", path, std::to_string(record->size) + " -> " + std::to_string(other.size) + " bytes"});
    else if (record->type == 'l' && record->link_target != other.link_target)
      out.push_back({"changed", path, "->" + record->link_target + " -> ->" + other.link_target});
  }
  for (const auto& [path, record] : right)
    if (!left.count(path)) out.push_back({"added", path, std::string(1, record->type)});
  diff_lines(without_block_addresses(a.boot.el_torito), without_block_addresses(b.boot.el_torito), "el_torito", out);
  diff_lines(a.boot.system_area, b.boot.system_area, "system_area", out);
  return out;
}

}  // namespace imgbuild::manifest
