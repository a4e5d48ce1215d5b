// SPDX-License-Identifier: GPL-2.0-or-later
#include "efi/fat.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

namespace imgbuild::efi {

namespace {

constexpr std::size_t k_max_entries = 65536;   // in a whole walk
constexpr int k_max_depth = 32;

std::uint32_t le(const std::string& b, std::uint64_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
  return v;
}

bool power_of_two(std::uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

void append_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

std::string utf16_to_utf8(const std::vector<std::uint16_t>& units) {
  std::string out;
  for (std::size_t i = 0; i < units.size(); ++i) {
    std::uint32_t c = units[i];
    if (c == 0) break;
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < units.size() && units[i + 1] >= 0xdc00 && units[i + 1] < 0xe000) {
      c = 0x10000 + ((c - 0xd800) << 10) + (units[i + 1] - 0xdc00);
      ++i;
    } else if (c >= 0xd800 && c < 0xe000) {
      c = 0xfffd;
    }
    append_utf8(out, c);
  }
  return out;
}

std::string short_name(const std::string& e) {
  auto part = [&e](std::size_t from, std::size_t n, bool lower) {
    std::string s = e.substr(from, n);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (lower)
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  std::uint8_t case_bits = static_cast<std::uint8_t>(e[12]);
  std::string base = part(0, 8, case_bits & 0x08);
  if (!base.empty() && static_cast<unsigned char>(base[0]) == 0x05) base[0] = static_cast<char>(0xe5);
  std::string ext = part(8, 3, case_bits & 0x10);
  std::string name = ext.empty() ? base : base + "." + ext;
  // Bytes above 0x7f are in an OEM code page we do not know: keep the names valid UTF-8.
  for (char& c : name)
    if (static_cast<unsigned char>(c) >= 0x80 || static_cast<unsigned char>(c) < 0x20) c = '_';
  return name;
}

std::uint8_t lfn_checksum(const std::string& e) {
  std::uint8_t sum = 0;
  for (int i = 0; i < 11; ++i) sum = static_cast<std::uint8_t>(((sum & 1) << 7) + (sum >> 1) + static_cast<unsigned char>(e[i]));
  return sum;
}

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

FatImage::FatImage(std::string bytes, std::string where) : m_bytes(std::move(bytes)), m_where(std::move(where)) {
  auto fail = [this](const std::string& problem) {
    return Error(m_where, "not a FAT file system: " + problem, "is it the disc's EFI boot image?");
  };
  if (m_bytes.size() < 512) throw fail("shorter than a boot sector");
  m_bytes_per_sector = le(m_bytes, 11, 2);
  std::uint32_t sectors_per_cluster = le(m_bytes, 13, 1);
  std::uint32_t reserved = le(m_bytes, 14, 2);
  std::uint32_t fats = le(m_bytes, 16, 1);
  m_root_entries = le(m_bytes, 17, 2);
  std::uint32_t total = le(m_bytes, 19, 2);
  if (total == 0) total = le(m_bytes, 32, 4);
  std::uint32_t fat_size = le(m_bytes, 22, 2);
  if (fat_size == 0 && m_bytes.size() >= 48) fat_size = le(m_bytes, 36, 4);
  if (m_bytes_per_sector < 512 || m_bytes_per_sector > 4096 || !power_of_two(m_bytes_per_sector))
    throw fail("bad sector size");
  if (!power_of_two(sectors_per_cluster) || sectors_per_cluster > 128) throw fail("bad cluster size");
  if (reserved == 0 || fats == 0 || fat_size == 0 || total == 0) throw fail("bad boot sector geometry");
  m_cluster_size = m_bytes_per_sector * sectors_per_cluster;
  std::uint64_t root_sectors = (std::uint64_t{m_root_entries} * 32 + m_bytes_per_sector - 1) / m_bytes_per_sector;
  std::uint64_t first_data = reserved + std::uint64_t{fats} * fat_size + root_sectors;
  if (first_data >= total) throw fail("no data area");
  std::uint64_t clusters = (total - first_data) / sectors_per_cluster;
  m_type = clusters < 4085 ? "FAT12" : clusters < 65525 ? "FAT16" : "FAT32";
  m_fat_offset = std::uint64_t{reserved} * m_bytes_per_sector;
  m_root_offset = (reserved + std::uint64_t{fats} * fat_size) * m_bytes_per_sector;
  m_data_offset = first_data * m_bytes_per_sector;
  std::uint64_t fat_bytes = std::uint64_t{fat_size} * m_bytes_per_sector;
  // The clusters the FAT can describe and the image holds.
  std::uint64_t fat_capacity = m_type == "FAT12" ? (fat_bytes > 2 ? (fat_bytes - 2) * 2 / 3 : 0) : m_type == "FAT16" ? fat_bytes / 2 : fat_bytes / 4;
  clusters = std::min<std::uint64_t>(clusters, fat_capacity >= 2 ? fat_capacity - 2 : 0);
  if (m_fat_offset + fat_bytes > m_bytes.size()) throw fail("FAT past the end of the image (truncated?)");
  if (m_type == "FAT32") {
    if (m_root_entries != 0) throw fail("FAT32 with a fixed root directory");
    m_root_cluster = le(m_bytes, 44, 4);
  } else if (m_root_offset + std::uint64_t{m_root_entries} * 32 > m_bytes.size()) {
    throw fail("root directory past the end of the image (truncated?)");
  }
  m_clusters = static_cast<std::uint32_t>(std::min<std::uint64_t>(clusters, 0x0ffffff0));
}

std::uint32_t FatImage::next_cluster(std::uint32_t cluster) const {
  if (m_type == "FAT12") {
    std::uint64_t at = m_fat_offset + cluster + cluster / 2;
    std::uint32_t v = le(m_bytes, at, 2);
    v = (cluster & 1) ? v >> 4 : v & 0xfff;
    return v >= 0xff8 ? 0xffffffff : v;
  }
  if (m_type == "FAT16") {
    std::uint32_t v = le(m_bytes, m_fat_offset + std::uint64_t{cluster} * 2, 2);
    return v >= 0xfff8 ? 0xffffffff : v;
  }
  std::uint32_t v = le(m_bytes, m_fat_offset + std::uint64_t{cluster} * 4, 4) & 0x0fffffff;
  return v >= 0x0ffffff8 ? 0xffffffff : v;
}

std::uint64_t FatImage::cluster_offset(std::uint32_t cluster) const {
  std::uint64_t at = m_data_offset + std::uint64_t{cluster - 2} * m_cluster_size;
  if (at + m_cluster_size > m_bytes.size())
    throw Error(m_where, "cluster " + std::to_string(cluster) + " past the end of the image (truncated?)");
  return at;
}

// The clusters of a chain, at most max_clusters of them; Error for a cluster outside the
// FAT or a chain that loops.
std::vector<std::uint32_t> FatImage::chain(std::uint32_t first, std::uint64_t max_clusters) const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t c = first; c != 0xffffffff && out.size() < max_clusters;) {
    if (c < 2 || c >= m_clusters + 2) throw Error(m_where, "cluster chain leaves the FAT (damaged image?)");
    if (out.size() >= m_clusters) throw Error(m_where, "cluster chain loops (damaged image?)");
    out.push_back(c);
    c = next_cluster(c);
  }
  return out;
}

std::vector<FatEntry> FatImage::read_directory(const std::string& dir_path, std::uint32_t first_cluster) const {
  std::string records;
  if (first_cluster == 0 && m_type != "FAT32") {
    records = m_bytes.substr(m_root_offset, std::uint64_t{m_root_entries} * 32);
  } else {
    for (std::uint32_t c : chain(first_cluster == 0 ? m_root_cluster : first_cluster, k_max_entries * 32 / m_cluster_size + 1))
      records.append(m_bytes, cluster_offset(c), m_cluster_size);
  }
  std::vector<FatEntry> out;
  std::vector<std::uint16_t> long_name;
  int expected = 0;            // the next LFN sequence number, 0 when none is pending
  std::uint8_t long_sum = 0;
  std::string prefix = dir_path == "/" ? "/" : dir_path + "/";
  for (std::size_t at = 0; at + 32 <= records.size(); at += 32) {
    std::string e = records.substr(at, 32);
    auto first = static_cast<std::uint8_t>(e[0]);
    if (first == 0x00) break;
    std::uint8_t attr = static_cast<std::uint8_t>(e[11]);
    if (first == 0xe5) {
      expected = 0;
      continue;
    }
    if ((attr & 0x3f) == 0x0f) {  // a long-name piece: the last piece comes first
      int seq = first & 0x1f;
      if (first & 0x40) {
        long_name.assign(static_cast<std::size_t>(seq) * 13, 0);
        long_sum = static_cast<std::uint8_t>(e[13]);
        expected = seq;
      }
      if (seq == 0 || seq != expected || static_cast<std::uint8_t>(e[13]) != long_sum) {
        expected = 0;
        continue;
      }
      static const int offsets[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
      for (int i = 0; i < 13; ++i)
        long_name[static_cast<std::size_t>(seq - 1) * 13 + i] = static_cast<std::uint16_t>(le(e, offsets[i], 2));
      --expected;
      if (expected == 0) expected = -1;  // complete: the short entry comes next
      continue;
    }
    bool has_long = expected == -1 && lfn_checksum(e) == long_sum;
    expected = 0;
    if (attr & 0x08) continue;  // the volume label
    FatEntry entry;
    std::string name = has_long ? utf16_to_utf8(long_name) : short_name(e);
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) continue;
    entry.path = prefix + name;
    entry.is_dir = attr & 0x10;
    entry.first_cluster = le(e, 26, 2) | (m_type == "FAT32" ? le(e, 20, 2) << 16 : 0);
    entry.size = entry.is_dir ? 0 : le(e, 28, 4);
    out.push_back(std::move(entry));
    if (out.size() > k_max_entries) throw Error(m_where, "directory " + dir_path + " has too many entries");
  }
  std::sort(out.begin(), out.end(), [](const FatEntry& a, const FatEntry& b) { return a.path < b.path; });
  return out;
}

std::optional<FatEntry> FatImage::find(const std::string& path) const {
  FatEntry current{"/", true, 0, 0};
  for (const auto& part : split_path(path)) {
    if (!current.is_dir) return std::nullopt;
    bool found = false;
    for (auto& e : read_directory(current.path, current.first_cluster))
      if (same_name(e.path.substr(e.path.rfind('/') + 1), part)) {
        current = e;
        found = true;
        break;
      }
    if (!found) return std::nullopt;
  }
  return current;
}

std::vector<FatEntry> FatImage::list(const std::string& dir_path) const {
  auto dir = find(dir_path);
  if (!dir || !dir->is_dir) throw Error(m_where + ":" + dir_path, "no such directory");
  return read_directory(dir->path, dir->first_cluster);
}

std::vector<FatEntry> FatImage::walk() const {
  std::vector<FatEntry> out;
  std::function<void(const std::string&, std::uint32_t, int)> visit = [&](const std::string& path, std::uint32_t cluster,
                                                                          int depth) {
    if (depth > k_max_depth) throw Error(m_where + ":" + path, "directories nested too deep (a loop?)");
    for (auto& e : read_directory(path, cluster)) {
      if (out.size() >= k_max_entries) throw Error(m_where, "too many files");
      out.push_back(e);
      // A directory whose cluster is 0 would be the root again.
      if (e.is_dir && e.first_cluster != 0) visit(e.path, e.first_cluster, depth + 1);
    }
  };
  visit("/", 0, 0);
  return out;
}

std::string FatImage::read(const FatEntry& file, std::uint64_t max_size) const {
  if (file.is_dir) throw Error(m_where + ":" + file.path, "is a directory");
  if (file.size > max_size)
    throw Error(m_where + ":" + file.path, "larger than " + std::to_string(max_size) + " bytes");
  if (file.size == 0) return {};
  std::uint64_t needed = (std::uint64_t{file.size} + m_cluster_size - 1) / m_cluster_size;
  auto clusters = chain(file.first_cluster, needed);
  if (clusters.size() < needed)
    throw Error(m_where + ":" + file.path, "cluster chain shorter than the file (damaged image?)");
  std::string out;
  out.reserve(file.size);
  for (std::uint32_t c : clusters) {
    std::uint64_t n = std::min<std::uint64_t>(m_cluster_size, file.size - out.size());
    out.append(m_bytes, cluster_offset(c), n);
  }
  return out;
}

}  // namespace imgbuild::efi
