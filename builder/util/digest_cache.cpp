// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/digest_cache.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/progress.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace imgbuild::util {

namespace {

std::optional<std::string> stat_key(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::ostringstream key;
  // The digest's name first: an entry of another kind (the whole-stream XXH3-128 that
  // earlier builds of imgbuild kept here) is never taken for this one.
  key << "segmented-xxh3-128 dev=" << st.st_dev << " ino=" << st.st_ino << " size=" << st.st_size
      << " mtime=" << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << " ctime=" << st.st_ctim.tv_sec << '.'
      << st.st_ctim.tv_nsec;
  return key.str();
}

bool is_hex_digest(const std::string& text) {
  return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// An entry holds its whole key on the first line, so two keys that hash alike never share
// a digest.
std::optional<std::string> read_entry(const std::filesystem::path& entry, const std::string& key) {
  std::ifstream in(entry);
  std::string stored_key, digest;
  if (!std::getline(in, stored_key) || !std::getline(in, digest)) return std::nullopt;
  if (stored_key != key || !is_hex_digest(digest)) return std::nullopt;
  return digest;
}

}  // namespace

std::optional<std::filesystem::path> digest_cache_dir() {
  if (const char* dir = std::getenv("IMGBUILD_DIGEST_CACHE"); dir && *dir)
    return std::string(dir) == "off" ? std::nullopt : std::optional<std::filesystem::path>(dir);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "imgbuild" / "digests";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "imgbuild" / "digests";
  return std::nullopt;
}

std::string cached_segmented_xxh3_128_file_hex(const std::string& path, ProgressStep* progress,
                                               const std::optional<std::filesystem::path>& cache_dir) {
  const std::optional<std::string> key = cache_dir ? stat_key(path) : std::nullopt;
  if (!key) return segmented_xxh3_128_file_hex(path, progress);
  Xxh3_128 name;
  name.update(*key);
  const std::filesystem::path entry = *cache_dir / name.hex();
  if (auto digest = read_entry(entry, *key)) {
    // The whole file is accounted for: the progress line says so, as when it is read.
    std::error_code ignored;
    if (progress) progress->set_done(std::filesystem::file_size(path, ignored));
    return *digest;
  }

  std::string digest = segmented_xxh3_128_file_hex(path, progress);
  // Remembered only when the file did not change while it was read.
  if (stat_key(path) == key) {
    std::error_code ignored;
    std::filesystem::create_directories(*cache_dir, ignored);
    try {
      write_file_atomically(entry.string(), *key + "\n" + digest + "\n");
    } catch (const std::exception&) {
      // A read-only or full cache costs the next run a re-read, nothing else.
    }
  }
  return digest;
}

}  // namespace imgbuild::util
