// SPDX-License-Identifier: GPL-2.0-or-later
// The appendix is checked with independent tools (gzip, zcat, GNU cpio) as well as with our
// own reader, and against the real Debian 12 installer initrd when it is installed.
#include "initrd/initrd.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace imgbuild;
using initrd::Format;
using initrd::Member;

namespace {

const char* const k_debian_initrd =
    "/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/initrd.gz";

fs::path fresh_dir(const std::string& name) { return test::fresh_dir("initrd", name); }

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Cmd {
  int status;
  std::string out;
};

// Runs a shell command, returns its exit status and stdout.
Cmd run(const std::string& command) {
  Cmd result{-1, {}};
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<Member> sample_members() {
  return {
      {"preseed.cfg", "d-i debian-installer/locale string en_US\n", 0644},
      {"usr/lib/imgbuild/early.sh", "#!/bin/sh\necho early\n", 0755},
      {"etc/imgbuild.conf", "x=1\n", 0600},
  };
}

// One newc header as read by hand from the decompressed bytes (zcat), independent of our
// reader.
struct RawHeader {
  std::string name;
  unsigned long ino, mode, uid, gid, nlink, mtime, filesize;
};

std::vector<RawHeader> raw_headers(const std::string& cpio) {
  std::vector<RawHeader> out;
  std::size_t pos = 0;
  auto hex = [&](std::size_t field) {
    return std::stoul(cpio.substr(pos + 6 + field * 8, 8), nullptr, 16);
  };
  while (pos + 110 <= cpio.size()) {
    EXPECT_EQ(cpio.substr(pos, 6), "070701");
    RawHeader h;
    h.ino = hex(0);
    h.mode = hex(1);
    h.uid = hex(2);
    h.gid = hex(3);
    h.nlink = hex(4);
    h.mtime = hex(5);
    h.filesize = hex(6);
    unsigned long namesize = hex(11);
    h.name = cpio.substr(pos + 110, namesize - 1);
    pos += (110 + namesize + 3) & ~std::size_t(3);
    pos += (h.filesize + 3) & ~std::size_t(3);
    out.push_back(h);
    if (h.name == "TRAILER!!!") break;
  }
  return out;
}

}  // namespace

TEST(DetectFormat, KnownMagics) {
  using namespace std::string_view_literals;
  EXPECT_EQ(initrd::detect_format("\x1f\x8b\x08\x00"sv, "x"), Format::gzip);
  EXPECT_EQ(initrd::detect_format("\xfd" "7zXZ\0\0\x01"sv, "x"), Format::xz);
  EXPECT_EQ(initrd::detect_format("\x28\xb5\x2f\xfd\x00"sv, "x"), Format::zstd);
  EXPECT_EQ(initrd::detect_format("BZh91AY"sv, "x"), Format::bzip2);
  EXPECT_EQ(initrd::detect_format("\x02\x21\x4c\x18"sv, "x"), Format::lz4);
  EXPECT_EQ(initrd::detect_format("07070100000001"sv, "x"), Format::cpio);
  EXPECT_EQ(initrd::detect_format("\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff"sv, "x"),
            Format::lzma);
  // Eight bytes are enough for every format (callers read a short head of the file).
  EXPECT_EQ(initrd::detect_format("\x5d\x00\x00\x80\x00\xff\xff\xff"sv, "x"), Format::lzma);
}

TEST(DetectFormat, RejectsOtherFilesNamingThem) {
  try {
    initrd::detect_format(std::string_view("MZ\x90\x00", 4), "/install.amd/vmlinuz");
    FAIL() << "a kernel image was taken for an initrd";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("/install.amd/vmlinuz"), std::string::npos) << what;
    EXPECT_NE(what.find("not an initrd"), std::string::npos) << what;
    EXPECT_NE(what.find("4d 5a 90 00"), std::string::npos) << what;
    EXPECT_NE(what.find("expected gzip/xz/zstd/cpio"), std::string::npos) << what;
    EXPECT_EQ(e.exit_code(), 2);
  }
  EXPECT_THROW(initrd::detect_format("", "empty"), Error);
  // The old binary cpio format is not something the kernel unpacks.
  EXPECT_THROW(initrd::detect_format("070707", "odc"), Error);
}

TEST(DetectFormat, Lz4CannotBeAppendedTo) {
  for (Format f : {Format::gzip, Format::xz, Format::lzma, Format::zstd, Format::bzip2, Format::cpio}) {
    EXPECT_TRUE(initrd::can_append_to(f)) << initrd::format_name(f);
    EXPECT_NO_THROW(initrd::check_appendable(f, "x"));
  }
  EXPECT_FALSE(initrd::can_append_to(Format::lz4));
  try {
    initrd::check_appendable(Format::lz4, "base.iso:/install.amd/initrd.lz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("base.iso:/install.amd/initrd.lz: cannot add a preseed to an lz4"),
              std::string::npos)
        << e.what();
  }
}

TEST(MakeAppendix, IsOneValidGzipMemberGnuCpioLists) {
  auto dir = fresh_dir("valid");
  std::string bytes = initrd::make_appendix(sample_members(), 1700000000);
  ASSERT_GT(bytes.size(), 20u);
  // gzip header: no FNAME flag, MTIME zero.
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
  EXPECT_EQ(bytes[3] & 0x08, 0) << "gzip header carries a file name";
  EXPECT_EQ(bytes.substr(4, 4), std::string(4, '\0')) << "gzip header carries a timestamp";
  write_file(dir / "a.gz", bytes);

  // `gzip -t` exits 2 on trailing garbage (e.g. block padding), 1 on errors.
  EXPECT_EQ(run("gzip -t " + quote((dir / "a.gz").string()) + " 2>&1").status, 0);

  Cmd listed = run("zcat " + quote((dir / "a.gz").string()) + " | cpio -t --quiet 2>&1");
  ASSERT_EQ(listed.status, 0) << listed.out;
  EXPECT_EQ(lines(listed.out),
            (std::vector<std::string>{"etc", "etc/imgbuild.conf", "preseed.cfg", "usr", "usr/lib",
                                      "usr/lib/imgbuild", "usr/lib/imgbuild/early.sh"}));

  fs::create_directories(dir / "x");
  Cmd extracted = run("cd " + quote((dir / "x").string()) + " && zcat ../a.gz | cpio -i --quiet -d 2>&1");
  ASSERT_EQ(extracted.status, 0) << extracted.out;
  EXPECT_EQ(read_file(dir / "x/preseed.cfg"), "d-i debian-installer/locale string en_US\n");
  EXPECT_EQ(read_file(dir / "x/usr/lib/imgbuild/early.sh"), "#!/bin/sh\necho early\n");
  EXPECT_EQ(fs::status(dir / "x/usr/lib/imgbuild/early.sh").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
}

TEST(MakeAppendix, HeadersAreDeterministic) {
  auto dir = fresh_dir("headers");
  write_file(dir / "a.gz", initrd::make_appendix(sample_members(), 1234567890));
  Cmd raw = run("zcat " + quote((dir / "a.gz").string()));
  ASSERT_EQ(raw.status, 0);
  auto headers = raw_headers(raw.out);
  ASSERT_EQ(headers.size(), 8u);
  EXPECT_EQ(headers.back().name, "TRAILER!!!");
  for (std::size_t i = 0; i + 1 < headers.size(); ++i) {
    const RawHeader& h = headers[i];
    SCOPED_TRACE(h.name);
    EXPECT_EQ(h.ino, i + 1);
    EXPECT_EQ(h.uid, 0u);
    EXPECT_EQ(h.gid, 0u);
    EXPECT_EQ(h.mtime, 1234567890u);
    bool dir_entry = (h.mode & 0170000) == 0040000;
    EXPECT_EQ(h.nlink, dir_entry ? 2u : 1u);
    if (dir_entry) {
      EXPECT_EQ(h.mode & 07777, 0755u);
    }
  }
  EXPECT_EQ(headers[1].name, "etc/imgbuild.conf");
  EXPECT_EQ(headers[1].mode, 0100600u);
  EXPECT_EQ(headers[6].mode, 0100755u);
}

TEST(MakeAppendix, SameBytesUnderOtherTimezoneAndUmask) {
  std::string a = initrd::make_appendix(sample_members(), 1700000000);
  const char* old_tz = std::getenv("TZ");
  std::string saved_tz = old_tz ? old_tz : "";
  setenv("TZ", "Pacific/Kiritimati", 1);
  tzset();
  mode_t old_mask = umask(0077);
  std::string b = initrd::make_appendix(sample_members(), 1700000000);
  umask(old_mask);
  if (old_tz) {
    setenv("TZ", saved_tz.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(a, b);
  // Order of the input does not matter either: entries are sorted.
  auto reversed = sample_members();
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(initrd::make_appendix(reversed, 1700000000), a);
  // ...but the content and the mtime do.
  EXPECT_NE(initrd::make_appendix(sample_members(), 1700000001), a);
}

TEST(MakeAppendix, RejectsBadPaths) {
  for (std::string bad : {"", "/preseed.cfg", "a/../b", "./x", "a//b", "dir/", ".."}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(initrd::make_appendix({{bad, "x", 0644}}, 0), Error);
  }
  EXPECT_THROW(initrd::make_appendix({{"a", "x", 0644}, {"a", "y", 0644}}, 0), Error);
  EXPECT_THROW(initrd::make_appendix({{"a", "x", 0644}, {"a/b", "y", 0644}}, 0), Error);
  EXPECT_THROW(initrd::make_appendix({{"a/b", "y", 0644}, {"a", "x", 0644}}, 0), Error);
  EXPECT_THROW(initrd::make_appendix({{"a", "x", 0104755}}, 0), Error);
}

TEST(ReadMember, FindsLastCopyAcrossFormats) {
  auto dir = fresh_dir("formats");
  // An "original" initrd made by GNU cpio with an older preseed.cfg in it.
  fs::create_directories(dir / "tree/var/lib/cdebconf");
  write_file(dir / "tree/var/lib/cdebconf/templates.dat", "Name: debconf/priority\n");
  write_file(dir / "tree/preseed.cfg", "old\n");
  ASSERT_EQ(run("cd " + quote((dir / "tree").string()) +
                " && find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../orig.newc").status,
            0);
  std::string appendix = initrd::make_appendix({{"preseed.cfg", "new\n", 0644}}, 0);

  struct Case {
    const char* name;
    const char* compress;  // shell filter from orig.cpio to stdout
  };
  for (Case c : {Case{"gzip", "gzip -n -9 -c"}, Case{"xz", "xz --check=crc32 -c"},
                 Case{"zstd", "zstd -q -c"}, Case{"bzip2", "bzip2 -c"}, Case{"lzma", "lzma -c"},
                 Case{"cpio", "cat"}}) {
    SCOPED_TRACE(c.name);
    fs::path orig = dir / (std::string("orig.") + c.name);
    ASSERT_EQ(run(std::string(c.compress) + " < " + quote((dir / "orig.newc").string()) + " > " +
                  quote(orig.string()))
                  .status,
              0);
    std::string original = read_file(orig);
    fs::path combined = dir / (std::string("new.") + c.name);
    write_file(combined, original + appendix);

    auto preseed = initrd::read_member(combined.string(), "preseed.cfg", 1024);
    ASSERT_TRUE(preseed.has_value());
    EXPECT_EQ(*preseed, "new\n");
    auto templates = initrd::read_member(combined.string(), "var/lib/cdebconf/templates.dat", 1024);
    ASSERT_TRUE(templates.has_value());
    EXPECT_EQ(*templates, "Name: debconf/priority\n");
    // The original alone still has the old file: nothing is read from the wrong segment.
    auto old = initrd::read_member(orig.string(), "./preseed.cfg", 1024);
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(*old, "old\n");
    EXPECT_FALSE(initrd::read_member(combined.string(), "no/such/file", 1024).has_value());
  }

  // lz4 (legacy frame, the kernel's) works alone; nothing can follow it, since the
  // kernel's unlz4 reads to the end of the initrd: that is an Error, not a silent miss.
  ASSERT_EQ(run("lz4 -l -q -c < " + quote((dir / "orig.newc").string()) + " > " +
                quote((dir / "orig.lz4").string()))
                .status,
            0);
  EXPECT_EQ(initrd::read_member((dir / "orig.lz4").string(), "preseed.cfg", 1024).value_or(""), "old\n");
  write_file(dir / "new.lz4", read_file(dir / "orig.lz4") + appendix);
  EXPECT_THROW(initrd::read_member((dir / "new.lz4").string(), "preseed.cfg", 1024), Error);

  // Several zstd frames and xz streams back to back, each its own segment.
  std::string two_zstd = read_file(dir / "orig.zstd") + read_file(dir / "orig.zstd") + appendix;
  EXPECT_EQ(initrd::read_member_from_bytes(two_zstd, "preseed.cfg", 1024, "zstd2").value_or(""), "new\n");
  std::string two_xz = read_file(dir / "orig.xz") + std::string(8, '\0') + read_file(dir / "orig.xz");
  EXPECT_EQ(initrd::read_member_from_bytes(two_xz, "preseed.cfg", 1024, "xz2").value_or(""), "old\n");

  // Microcode-style layout: an uncompressed cpio, zero padding, then the compressed ones.
  std::string early = read_file(dir / "orig.newc");
  std::string padded = early + std::string(512, '\0') + read_file(dir / "orig.gzip") + appendix;
  auto found = initrd::read_member_from_bytes(padded, "preseed.cfg", 1024, "padded");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, "new\n");
}

TEST(ReadMember, XzAndZstdStreamsEndWhereTheirLibrariesSay) {
  // liblzma (stream footer, index) and libzstd (ZSTD_findFrameCompressedSize) find where
  // a stream ends so the appendix after it is read; checked over the variants xz and zstd
  // write: every xz integrity check, several blocks, frames with and without a content size
  // or checksum.
  auto dir = fresh_dir("stream-ends");
  fs::create_directories(dir / "tree");
  std::string big;
  for (int i = 0; i < 400000; ++i) big += static_cast<char>("abcdefgh\n"[(i * 7 + i / 13) % 9]);
  write_file(dir / "tree/big", big);
  write_file(dir / "tree/preseed.cfg", "old\n");
  ASSERT_EQ(run("cd " + quote((dir / "tree").string()) +
                " && find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../orig.newc").status,
            0);
  std::string appendix = initrd::make_appendix({{"preseed.cfg", "new\n", 0644}}, 0);
  for (const char* compress :
       {"xz --check=none -c", "xz --check=crc32 -c", "xz --check=crc64 -c", "xz --check=sha256 -c",
        "xz --block-size=65536 -c", "xz -T2 --block-size=100000 -c", "zstd -q -c", "zstd -q --no-check -c",
        "zstd -q -c --no-content-size -B65536", "cat | zstd -q -c"}) {
    SCOPED_TRACE(compress);
    ASSERT_EQ(run(std::string(compress) + " < " + quote((dir / "orig.newc").string()) + " > " +
                  quote((dir / "orig.z").string()))
                  .status,
              0);
    std::string original = read_file(dir / "orig.z");
    EXPECT_EQ(initrd::read_member_from_bytes(original + appendix, "preseed.cfg", 1024, "s").value_or(""), "new\n");
    // xz's stream padding (zeros, a multiple of 4) between the stream and the appendix.
    EXPECT_EQ(initrd::read_member_from_bytes(original + std::string(4, '\0') + appendix, "preseed.cfg", 1024, "s")
                  .value_or(""),
              "new\n");
    EXPECT_EQ(initrd::read_member_from_bytes(original + appendix, "big", 1 << 20, "s").value_or(""), big);
    // A stream cut short before the appendix: an Error, not the appendix read as if whole.
    std::string cut = original.substr(0, original.size() - 5) + appendix;
    EXPECT_THROW(initrd::read_member_from_bytes(cut, "preseed.cfg", 1024, "cut"), Error);
  }
}

TEST(ReadMember, ErrorsNameTheFile) {
  auto dir = fresh_dir("errors");
  std::string appendix = initrd::make_appendix({{"preseed.cfg", std::string(2000, 'x'), 0644}}, 0);
  write_file(dir / "big.gz", appendix);
  try {
    initrd::read_member((dir / "big.gz").string(), "preseed.cfg", 1000);
    FAIL() << "a member over max_size was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("big.gz"), std::string::npos) << e.what();
  }
  EXPECT_EQ(initrd::read_member((dir / "big.gz").string(), "preseed.cfg", 2000)->size(), 2000u);

  // Truncated gzip: an Error, not a partial answer.
  write_file(dir / "truncated.gz", appendix.substr(0, appendix.size() / 2));
  EXPECT_THROW(initrd::read_member((dir / "truncated.gz").string(), "preseed.cfg", 5000), Error);

  write_file(dir / "vmlinuz", std::string("MZ\x90\x00garbage", 11));
  try {
    initrd::read_member((dir / "vmlinuz").string(), "preseed.cfg", 1000);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vmlinuz: not an initrd"), std::string::npos) << e.what();
  }
  write_file(dir / "empty", "");
  EXPECT_THROW(initrd::read_member((dir / "empty").string(), "preseed.cfg", 1000), Error);
  EXPECT_THROW(initrd::read_member((dir / "missing").string(), "preseed.cfg", 1000), Error);

  // Junk after a complete segment is ignored, as by the kernel.
  write_file(dir / "junk.gz", appendix + "SIGNATURE-BLOCK");
  EXPECT_TRUE(initrd::read_member((dir / "junk.gz").string(), "preseed.cfg", 5000).has_value());
}

TEST(RealDebianInitrd, AppendedPreseedIsSeenByCpioAndReader) {
  if (!fs::exists(k_debian_initrd)) GTEST_SKIP() << k_debian_initrd << " not installed";
  auto dir = fresh_dir("debian");
  std::string original = read_file(k_debian_initrd);
  std::string preseed = "d-i debian-installer/locale string en_US\nd-i preseed/early_command string true\n";
  std::string appendix = initrd::make_appendix({{"preseed.cfg", preseed, 0644}}, 1700000000);
  write_file(dir / "initrd.gz", original + appendix);
  // Original bytes untouched: the new file starts with them.
  EXPECT_EQ(read_file(dir / "initrd.gz").substr(0, original.size()), original);
  EXPECT_EQ(run("gzip -t " + quote((dir / "initrd.gz").string()) + " 2>&1").status, 0);

  // zcat decompresses the concatenated gzip members as one stream, as the kernel does.
  // GNU cpio stops at the first TRAILER!!!, so the original's members are listed from the
  // start of that stream and the appendix's from where the original's unpacked bytes end.
  std::string d = quote(dir.string());
  ASSERT_EQ(run(std::string("zcat ") + k_debian_initrd + " > " + d + "/orig.cpio").status, 0);
  ASSERT_EQ(run("zcat " + d + "/initrd.gz > " + d + "/new.cpio").status, 0);
  auto orig_size = fs::file_size(dir / "orig.cpio");
  ASSERT_GT(fs::file_size(dir / "new.cpio"), orig_size);
  EXPECT_EQ(run("cmp -n " + std::to_string(orig_size) + " " + d + "/orig.cpio " + d + "/new.cpio").status, 0);
  Cmd listed = run("cpio -t --quiet < " + d + "/new.cpio");
  ASSERT_EQ(listed.status, 0);
  auto members = lines(listed.out);
  ASSERT_GT(members.size(), 1000u);
  Cmd tail = run("tail -c +" + std::to_string(orig_size + 1) + " " + d + "/new.cpio | cpio -t --quiet");
  ASSERT_EQ(tail.status, 0);
  EXPECT_EQ(tail.out, "preseed.cfg\n");

  // templates.dat is built at boot from the udebs' .templates files; those are in the
  // initrd. One pass of our reader finds them and the appended preseed.cfg.
  auto found = initrd::read_members_from_bytes(
      util::read_small_file((dir / "initrd.gz").string(), 512u << 20, "initrd"),
      [](const std::string& path) {
        return path == "preseed.cfg" ||
               (path.starts_with("var/lib/dpkg/info/") && path.ends_with(".templates"));
      },
      64 << 20, (dir / "initrd.gz").string());
  ASSERT_EQ(found.count("preseed.cfg"), 1u);
  EXPECT_EQ(found.at("preseed.cfg"), preseed);
  std::size_t templates = std::count_if(members.begin(), members.end(), [](const std::string& m) {
    return m.starts_with("var/lib/dpkg/info/") && m.ends_with(".templates");
  });
  EXPECT_GT(templates, 10u);
  EXPECT_EQ(found.size(), templates + 1);
  Cmd expected = run("cpio -i --quiet --to-stdout var/lib/dpkg/info/netcfg.templates < " + d + "/orig.cpio");
  ASSERT_EQ(expected.status, 0);
  EXPECT_GT(expected.out.size(), 1000u);
  EXPECT_EQ(found.at("var/lib/dpkg/info/netcfg.templates"), expected.out);

  EXPECT_FALSE(initrd::read_member(k_debian_initrd, "preseed.cfg", 1 << 20).has_value());
  fs::remove(dir / "orig.cpio");
  fs::remove(dir / "new.cpio");
}
