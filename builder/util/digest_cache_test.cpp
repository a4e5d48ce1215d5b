// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/digest_cache.hpp"
#include "util/hash.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace fs = std::filesystem;
using namespace imgbuild;
using imgbuild::test::fresh_dir;
using imgbuild::test::slurp;
using imgbuild::test::write_file;

namespace {

std::size_t entries(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST(DigestCache, SameDigestAsReadingAndOneEntry) {
  fs::path dir = fresh_dir("util", "digest-cache-same");
  write_file(dir / "base.iso", "the base image");
  const std::string expected = util::segmented_xxh3_128_file_hex((dir / "base.iso").string());
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "cache"), expected);
  EXPECT_EQ(entries(dir / "cache"), 1u);
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "cache"), expected);
  EXPECT_EQ(entries(dir / "cache"), 1u);
}

TEST(DigestCache, RememberedDigestIsUsedWhileTheFileIsUnchanged) {
  fs::path dir = fresh_dir("util", "digest-cache-used");
  write_file(dir / "base.iso", "the base image");
  util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "cache");
  // Plant another digest under the same key: it is what comes back, so the file was not read.
  fs::path entry = fs::directory_iterator(dir / "cache")->path();
  std::string text = slurp(entry);
  std::string key = text.substr(0, text.find('\n'));
  write_file(entry, key + "\n" + std::string(32, 'a') + "\n");
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "cache"), std::string(32, 'a'));
}

TEST(DigestCache, AWriteOfTheSameSizeAndMtimeIsSeen) {
  fs::path dir = fresh_dir("util", "digest-cache-write");
  fs::path base = dir / "base.iso";
  write_file(base, "the base image");
  struct stat before{};
  ASSERT_EQ(::stat(base.c_str(), &before), 0);
  util::cached_segmented_xxh3_128_file_hex(base.string(), nullptr, dir / "cache");
  // Same size, and mtime put back as `touch -r` would: only ctime tells, and it must.
  usleep(20000);
  write_file(base, "THE base image");
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, base.c_str(), times, 0), 0);
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex(base.string(), nullptr, dir / "cache"), util::segmented_xxh3_128_file_hex(base.string()));
}

TEST(DigestCache, AnotherFileInItsPlaceIsSeen) {
  fs::path dir = fresh_dir("util", "digest-cache-replace");
  fs::path base = dir / "base.iso";
  write_file(base, "first");
  util::cached_segmented_xxh3_128_file_hex(base.string(), nullptr, dir / "cache");
  write_file(dir / "next", "other");
  fs::rename(dir / "next", base);
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex(base.string(), nullptr, dir / "cache"), util::segmented_xxh3_128_file_hex(base.string()));
}

TEST(DigestCache, AnUnwritableOrCorruptCacheOnlyCostsAReread) {
  fs::path dir = fresh_dir("util", "digest-cache-broken");
  write_file(dir / "base.iso", "the base image");
  const std::string expected = util::segmented_xxh3_128_file_hex((dir / "base.iso").string());
  write_file(dir / "not-a-dir", "a file where the cache directory should be");
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "not-a-dir"), expected);
  util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "cache");
  fs::path entry = fs::directory_iterator(dir / "cache")->path();
  write_file(entry, "garbage");
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, dir / "cache"), expected);
  EXPECT_EQ(util::cached_segmented_xxh3_128_file_hex((dir / "base.iso").string(), nullptr, std::nullopt), expected);
}

TEST(DigestCache, DirectoryFromTheEnvironment) {
  const char* home = std::getenv("HOME");
  const std::string saved_home = home ? home : "";
  ::setenv("IMGBUILD_DIGEST_CACHE", "/somewhere", 1);
  EXPECT_EQ(util::digest_cache_dir(), fs::path("/somewhere"));
  ::setenv("IMGBUILD_DIGEST_CACHE", "off", 1);
  EXPECT_EQ(util::digest_cache_dir(), std::nullopt);
  ::unsetenv("IMGBUILD_DIGEST_CACHE");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(util::digest_cache_dir(), fs::path("/xdg/imgbuild/digests"));
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(util::digest_cache_dir(), fs::path("/home/u/.cache/imgbuild/digests"));
  if (home) ::setenv("HOME", saved_home.c_str(), 1); else ::unsetenv("HOME");
}
