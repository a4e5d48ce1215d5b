// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/io_chunk.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace imgbuild;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::size_t count_entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST(AtomicOutput, UncommittedLeavesNothing) {
  auto dir = fresh_dir("atomic-uncommitted");
  {
    util::AtomicOutput out((dir / "x.iso").string());
    EXPECT_TRUE(fs::exists(out.temp_path()));
  }
  EXPECT_EQ(count_entries(dir), 0u);
}

TEST(AtomicOutput, CommitReplacesTarget) {
  auto dir = fresh_dir("atomic-commit");
  std::ofstream(dir / "x.txt") << "old";
  util::write_file_atomically((dir / "x.txt").string(), "new");
  EXPECT_EQ(util::read_small_file((dir / "x.txt").string()), "new");
  EXPECT_EQ(count_entries(dir), 1u);
}

// A file holding a secret (a BMC password) keeps the mode it was asked for.
TEST(AtomicOutput, KeepsAPrivateMode) {
  auto dir = fresh_dir("atomic-mode");
  util::write_file_atomically((dir / "secret").string(), "pw\n", 0600);
  util::write_file_atomically((dir / "public").string(), "x\n");
  EXPECT_EQ(fs::status(dir / "secret").permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(fs::status(dir / "public").permissions() & fs::perms::others_read, fs::perms::none);
}

TEST(OpenForReading, RejectsDirectoryAndFifo) {
  auto dir = fresh_dir("open-reading");
  EXPECT_THROW(util::open_for_reading(dir.string()), Error);
  auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    util::open_for_reading(fifo.string(), "base ISO");
    FAIL() << "a FIFO was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 2);
  }
  EXPECT_THROW(util::open_for_reading((dir / "missing").string()), Error);
}

TEST(ReadSmallFile, RefusesOversizedFile) {
  auto dir = fresh_dir("read-small");
  std::ofstream(dir / "big") << std::string(2000, 'x');
  EXPECT_THROW(util::read_small_file((dir / "big").string(), 1000), Error);
  EXPECT_EQ(util::read_small_file((dir / "big").string(), 2000).size(), 2000u);
}

TEST(CheckOutputPath, RejectsMissingDirectoryAndSameFile) {
  auto dir = fresh_dir("check-output");
  EXPECT_THROW(util::check_output_path((dir / "nope" / "x.iso").string()), Error);
  std::ofstream(dir / "base.iso") << "x";
  EXPECT_THROW(util::check_output_path((dir / "base.iso").string(), (dir / "base.iso").string()), Error);
  EXPECT_NO_THROW(util::check_output_path((dir / "out.iso").string(), (dir / "base.iso").string()));
}

TEST(Xxh3, KnownDigestAndFieldFraming) {
  util::Xxh3_128 empty;
  // XXH3_128bits("") from the xxHash reference implementation.
  EXPECT_EQ(empty.hex(), "99aa06d3014798d86001c324468d497f");
  util::Xxh3_128 a, b;
  a.update_field("ab"); a.update_field("c");
  b.update_field("a"); b.update_field("bc");
  EXPECT_NE(a.hex(), b.hex());
}

TEST(ErrorFormat, OneLineWithSubjectAndFix) {
  Error e("base.iso", "no El Torito boot catalog", "not a bootable ISO?");
  EXPECT_STREQ(e.what(), "base.iso: no El Torito boot catalog (not a bootable ISO?)");
}

TEST(CloneFile, SameBytesOverALongerTarget) {
  auto dir = fresh_dir("clone");
  std::string bytes;
  std::uint32_t x = 12345;
  for (int i = 0; i < (3 << 20) + 17; ++i) {  // more than one copy chunk, not block-aligned
    x = x * 1103515245u + 12345u;
    bytes.push_back(static_cast<char>(x >> 24));
  }
  std::ofstream(dir / "from", std::ios::binary) << bytes;
  std::ofstream(dir / "to", std::ios::binary) << std::string((4 << 20), 'x');  // must be truncated
  util::CloneMethod method = util::clone_file((dir / "from").string(), (dir / "to").string());
  std::ifstream in(dir / "to", std::ios::binary);
  std::string copied((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(copied.size(), bytes.size());
  EXPECT_TRUE(copied == bytes) << "clone by " << util::clone_method_name(method) << " differs";
}

TEST(CloneFile, MissingSourceNamesIt) {
  auto dir = fresh_dir("clone-missing");
  std::ofstream(dir / "to") << "";
  try {
    util::clone_file((dir / "nope.iso").string(), (dir / "to").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.iso"), std::string::npos) << e.what();
  }
}

// The kernel copies into a read buffer several times slower when it is not cache-line
// aligned (util/io_chunk.hpp): every IoBuffer starts on a page, whatever malloc does.
TEST(IoBuffer, StartsOnAPageBoundary) {
  for (std::size_t size : {std::size_t{4096}, util::k_io_chunk, std::size_t{1} << 20}) {
    util::IoBuffer small_first(16);
    util::IoBuffer buffer(size);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % 4096, 0u) << size;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small_first.data()) % 4096, 0u);
    EXPECT_EQ(buffer.size(), size);
    buffer.data()[size - 1] = 1;  // all of it is there (ASan would say otherwise)
  }
}

// Temporary directories and files go under $TMPDIR (/tmp when unset or empty), named after
// their purpose, private to the user; an unusable TMPDIR is an error naming the fix.
TEST(TempPaths, UnderTmpdirPrivateAndNamed) {
  fs::path base = fresh_dir("temp-paths");
  const char* saved = std::getenv("TMPDIR");
  std::string saved_value = saved ? saved : "";
  ::setenv("TMPDIR", base.c_str(), 1);
  fs::path dir = util::create_temp_directory("probe");
  fs::path file = util::create_temp_file("probe");
  EXPECT_EQ(dir.parent_path(), base);
  EXPECT_EQ(file.parent_path(), base);
  EXPECT_TRUE(dir.filename().string().starts_with("imgbuild-probe-")) << dir;
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  {
    util::TempDir temp("probe");
    EXPECT_EQ(temp.path().parent_path(), base);
    dir = temp.path();
  }
  EXPECT_FALSE(fs::exists(dir));  // TempDir removes its directory, the others stay
  ::setenv("TMPDIR", (base / "missing").c_str(), 1);
  try {
    util::create_temp_directory("probe", "set TMPDIR or pass --log DIR");
    ADD_FAILURE() << "no error for a missing TMPDIR";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find((base / "missing/imgbuild-probe-XXXXXX").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pass --log DIR"), std::string::npos) << e.what();
  }
  EXPECT_THROW(util::create_temp_file("probe"), Error);
  ::setenv("TMPDIR", "", 1);
  fs::path fallback = util::create_temp_file("probe");
  EXPECT_EQ(fallback.parent_path(), "/tmp");
  fs::remove(fallback);
  if (saved) ::setenv("TMPDIR", saved_value.c_str(), 1); else ::unsetenv("TMPDIR");
}
