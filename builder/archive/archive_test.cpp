// SPDX-License-Identifier: GPL-2.0-or-later
// The writers are checked with independent tools (gzip, GNU cpio), the reader against
// archives made by tar, xz and lzop.
#include "archive/reader.hpp"
#include "archive/writer.hpp"

#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace imgbuild;

namespace {

fs::path fresh_dir(const std::string& name) { return test::fresh_dir("archive", name); }
using test::run;
using test::write_file;
std::string read_file(const fs::path& path) { return test::slurp(path); }

// Every regular file of an archive, path -> content.
std::map<std::string, std::string> contents(archive::Reader& reader) {
  std::map<std::string, std::string> out;
  for (;;) {
    auto status = reader.next_entry();
    if (status == archive::Reader::Status::end) break;
    EXPECT_EQ(status, archive::Reader::Status::ok) << reader.error_text();
    if (status != archive::Reader::Status::ok) break;
    if (reader.entry().type != archive::EntryType::regular) continue;
    std::string data;
    std::string_view block;
    while (reader.read_block(block) == archive::Reader::Status::ok) data.append(block);
    out[reader.entry().path] = data;
  }
  return out;
}

// A tree "t/a.txt", "t/sub/b.txt" packed by tar with the given compression option.
fs::path make_tarball(const fs::path& dir, const std::string& name, const std::string& tar_option) {
  fs::create_directories(dir / "t/sub");
  write_file(dir / "t/a.txt", "alpha\n");
  write_file(dir / "t/sub/b.txt", std::string(100000, 'b'));
  run("cd '" + dir.string() + "' && tar " + tar_option + " -cf '" + name + "' t");
  return dir / name;
}

}  // namespace

TEST(GzipReproducible, GunzipsBackWithoutNameOrTimestamp) {
  auto dir = fresh_dir("gzip");
  for (std::string input : {std::string(), std::string("Package: x\n"), std::string(300000, 'p')}) {
    std::string gz = archive::gzip_reproducible(input);
    ASSERT_GE(gz.size(), 18u);
    EXPECT_EQ(gz.substr(0, 2), "\x1f\x8b");
    EXPECT_EQ(gz[3] & 0x08, 0) << "FNAME set";
    EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0')) << "MTIME set";
    EXPECT_EQ(gz, archive::gzip_reproducible(input));
    write_file(dir / "x.gz", gz);
    // gzip -t also fails on trailing garbage (block padding).
    run("gzip -t '" + (dir / "x.gz").string() + "'");
    EXPECT_EQ(run("gzip -dc '" + (dir / "x.gz").string() + "'"), input);
  }
}

TEST(GzipNewcCpio, GnuCpioListsAndExtractsIt) {
  auto dir = fresh_dir("cpio");
  std::string big(70000, 'z');
  std::vector<archive::CpioEntry> entries = {
      {"etc", true, 0755, {}, 1000, 1, 2},
      {"etc/x.conf", false, 0600, "x=1\n", 1000, 2, 1},
      {"preseed.cfg", false, 0644, big, 1000, 3, 1},
      {"empty", false, 0644, {}, 1000, 4, 1},
  };
  std::string cpio_gz = archive::gzip_newc_cpio(entries, "test appendix");
  EXPECT_EQ(cpio_gz, archive::gzip_newc_cpio(entries, "test appendix"));
  EXPECT_EQ(cpio_gz.substr(4, 4), std::string(4, '\0')) << "gzip MTIME set";
  write_file(dir / "a.cpio.gz", cpio_gz);
  run("gzip -t '" + (dir / "a.cpio.gz").string() + "'");
  std::string listing = run("gzip -dc '" + (dir / "a.cpio.gz").string() + "' | cpio -itv --quiet");
  EXPECT_NE(listing.find("drwxr-xr-x   2 root     root            0 Jan  1  1970 etc"), std::string::npos)
      << listing;
  EXPECT_NE(listing.find("-rw-------   1 root     root            4 Jan  1  1970 etc/x.conf"), std::string::npos)
      << listing;
  std::string header = run("gzip -dc '" + (dir / "a.cpio.gz").string() + "' | head -c 6");
  EXPECT_EQ(header, "070701");
  fs::create_directories(dir / "out");
  run("cd '" + (dir / "out").string() + "' && gzip -dc ../a.cpio.gz | cpio -id --quiet");
  EXPECT_EQ(read_file(dir / "out/preseed.cfg"), big);
  EXPECT_EQ(read_file(dir / "out/etc/x.conf"), "x=1\n");
  EXPECT_TRUE(fs::exists(dir / "out/empty"));
}

TEST(Reader, ReadsTarThroughTheNamedFilterOnly) {
  auto dir = fresh_dir("tar");
  fs::path tgz = make_tarball(dir, "t.tar.gz", "-z");
  fs::path txz = make_tarball(dir, "t.tar.xz", "-J");

  archive::Reader gzip_reader({archive::Format::tar}, {archive::Filter::gzip});
  ASSERT_TRUE(gzip_reader.open_file(tgz.string())) << gzip_reader.error_text();
  auto files = contents(gzip_reader);
  EXPECT_EQ(files["t/a.txt"], "alpha\n");
  EXPECT_EQ(files["t/sub/b.txt"], std::string(100000, 'b'));

  // xz data where only gzip is enabled: not recognised, not decoded anyway.
  archive::Reader wrong({archive::Format::tar}, {archive::Filter::gzip});
  EXPECT_FALSE(wrong.open_file(txz.string()));
  EXPECT_FALSE(wrong.error_text().empty());

  std::string bytes = read_file(txz);
  archive::Reader from_memory({archive::Format::tar}, {archive::Filter::xz});
  ASSERT_TRUE(from_memory.open_memory(bytes)) << from_memory.error_text();
  EXPECT_EQ(contents(from_memory)["t/a.txt"], "alpha\n");
}

TEST(Reader, NeverRunsAnExternalDecompressor) {
  // libarchive's catch-all would run /usr/bin/lzop on this (it has no built-in lzo reader).
  auto dir = fresh_dir("lzop");
  fs::path tar = make_tarball(dir, "t.tar", "");
  run("lzop -q -f -o '" + (dir / "t.tar.lzo").string() + "' '" + tar.string() + "'");
  archive::Reader reader({archive::Format::tar, archive::Format::raw},
                         {archive::Filter::gzip, archive::Filter::xz, archive::Filter::lzma,
                          archive::Filter::zstd, archive::Filter::bzip2, archive::Filter::lz4});
  // Opened as "raw" (any bytes are), but what comes out is the lzop file itself.
  ASSERT_TRUE(reader.open_file((dir / "t.tar.lzo").string())) << reader.error_text();
  ASSERT_EQ(reader.next_entry(), archive::Reader::Status::ok);
  std::string data;
  std::string_view block;
  while (reader.read_block(block) == archive::Reader::Status::ok) data.append(block);
  EXPECT_EQ(data, read_file(dir / "t.tar.lzo"));
}

TEST(Reader, RawFormatReportsWhereACompressedStreamEnds) {
  auto dir = fresh_dir("raw");
  std::string first = archive::gzip_reproducible("first stream\n");
  std::string both = first + std::string("\x28\xb5\x2f\xfd", 4) + "not gzip";
  archive::Reader reader({archive::Format::raw}, {archive::Filter::gzip});
  ASSERT_TRUE(reader.open_memory(both)) << reader.error_text();
  ASSERT_EQ(reader.next_entry(), archive::Reader::Status::ok);
  std::string data;
  std::string_view block;
  while (reader.read_block(block) == archive::Reader::Status::ok) data.append(block);
  EXPECT_EQ(data, "first stream\n");
  EXPECT_EQ(reader.input_bytes_consumed(), static_cast<std::int64_t>(first.size()));
}

TEST(Reader, IsoEntriesCarryTypesAndLinks) {
  auto dir = fresh_dir("iso");
  fs::create_directories(dir / "root/dir");
  write_file(dir / "root/dir/file.txt", "content\n");
  fs::create_symlink("dir/file.txt", dir / "root/link");
  fs::path iso = dir / "t.iso";
  run("xorriso -outdev '" + iso.string() + "' -map '" + (dir / "root").string() +
      "' / -commit >/dev/null 2>&1");
  archive::Reader reader({archive::Format::iso9660}, {});
  ASSERT_TRUE(reader.open_file(iso.string(), 1 << 16)) << reader.error_text();
  std::map<std::string, archive::Entry> entries;
  while (reader.next_entry() == archive::Reader::Status::ok) entries[reader.entry().path] = reader.entry();
  ASSERT_TRUE(entries.count("dir/file.txt"));
  EXPECT_EQ(entries["dir/file.txt"].type, archive::EntryType::regular);
  EXPECT_EQ(entries["dir/file.txt"].size, 8);
  EXPECT_EQ(entries["dir"].type, archive::EntryType::directory);
  EXPECT_EQ(entries["link"].type, archive::EntryType::symlink);
  EXPECT_EQ(entries["link"].symlink_target, "dir/file.txt");

  archive::Reader not_iso({archive::Format::iso9660}, {});
  EXPECT_FALSE(not_iso.open_file((dir / "root/dir/file.txt").string()));
}
