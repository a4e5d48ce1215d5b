// SPDX-License-Identifier: GPL-2.0-or-later
// Reader and writer tests on small ISOs mastered by the xorriso CLI (an independent tool),
// and read back with isoinfo/xorriso as well as with our own reader.
#include "iso/boot_report.hpp"
#include "iso/build_id.hpp"
#include "iso/reader.hpp"
#include "iso/volume.hpp"
#include "iso/writer.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sys/wait.h>
#include <map>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace imgbuild;

namespace {

std::string run(const std::string& command) {
  std::array<char, 4096> buffer;
  std::string output;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
  if (!pipe) return {};
  while (std::fgets(buffer.data(), buffer.size(), pipe.get())) output += buffer.data();
  return output;
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class IsoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::path(IMGBUILD_TEST_TMP) / ("iso-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir / "tree/isolinux");
    fs::copy_file("/usr/lib/ISOLINUX/isolinux.bin", m_dir / "tree/isolinux/isolinux.bin");
    fs::copy_file("/usr/lib/syslinux/modules/bios/ldlinux.c32", m_dir / "tree/isolinux/ldlinux.c32");
    write_text(m_dir / "tree/isolinux/isolinux.cfg", "default install\nlabel install\n  kernel /install.386/vmlinuz\n");
    write_text(m_dir / "tree/install.386/initrd.gz", std::string(5000, 'i'));
    write_text(m_dir / "tree/.disk/info", "Debian GNU/Linux 4.0 r9 \"Etch\" - Official i386 NETINST Binary-1");
    fs::create_symlink(".", m_dir / "tree/debian");
    m_base = (m_dir / "base.iso").string();
    std::string out = run("xorriso -as mkisofs -quiet -o " + m_base +
                          " -R -J -V 'Debian 4.0 r9 i386 Bin-1' --modification-date=2007040812000000"
                          " -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot"
                          " -boot-load-size 4 -boot-info-table " + (m_dir / "tree").string());
    ASSERT_TRUE(fs::exists(m_base)) << out;
  }

  std::string remaster(const std::string& name, std::int64_t timestamp) {
    write_text(m_dir / "new/isolinux.cfg", "default imgbuild\nlabel imgbuild\n");
    write_text(m_dir / "new/overlay/imgbuild/build-id", "0123\n");
    util::AtomicOutput output((m_dir / name).string());
    iso::WriteOptions options;
    options.base_path = m_base;
    options.output_path = output.temp_path();
    options.grafts = {{(m_dir / "new/isolinux.cfg").string(), "/isolinux/isolinux.cfg"},
                      {(m_dir / "new/overlay/imgbuild").string(), "/imgbuild"}};
    options.timestamp = timestamp;
    options.joliet = true;
    iso::write_remastered(options);
    output.commit();
    return (m_dir / name).string();
  }

  fs::path m_dir;
  std::string m_base;
};

}  // namespace

TEST(VolumeDate, ParsesWithTimezoneOffset) {
  // 2007-04-08 12:00:00 at UTC+2 (8 quarters) is 10:00:00 UTC.
  std::string field = "2007040812000000";
  field.push_back(static_cast<char>(8));
  auto t = iso::parse_volume_date(field);
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1176026400);
  EXPECT_EQ(iso::format_volume_date(1176026400), "2007040810000000");
  EXPECT_FALSE(iso::parse_volume_date(std::string(16, '0') + '\0'));
  EXPECT_FALSE(iso::parse_volume_date("20071399xx000000\0"));
}

TEST(VolumeDescriptors, RejectsGarbageAndMissingTerminator) {
  EXPECT_THROW(iso::parse_volume_descriptors(std::string(4096, 'x'), "x.iso"), Error);
  std::string pvd(2048, '\0');
  pvd[0] = 1;
  pvd.replace(1, 5, "CD001");
  EXPECT_THROW(iso::parse_volume_descriptors(pvd, "x.iso"), Error);  // no terminator
  std::string terminator(2048, '\0');
  terminator[0] = static_cast<char>(255);
  terminator.replace(1, 5, "CD001");
  auto info = iso::parse_volume_descriptors(pvd + terminator, "x.iso");
  EXPECT_FALSE(info.has_el_torito);
}

TEST_F(IsoTest, ReaderListsAndReadsWithRockRidgeNames) {
  iso::Reader reader(m_base);
  EXPECT_EQ(reader.volume().volume_id, "Debian 4.0 r9 i386 Bin-1");
  EXPECT_TRUE(reader.volume().has_el_torito);
  EXPECT_TRUE(reader.volume().has_joliet);
  ASSERT_TRUE(reader.volume().creation_time);
  EXPECT_EQ(*reader.volume().creation_time, 1176033600);
  auto cfg = reader.read_file("/isolinux/isolinux.cfg", 1 << 20);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(*cfg, "default install\nlabel install\n  kernel /install.386/vmlinuz\n");
  EXPECT_TRUE(reader.find("/.disk/info"));
  const iso::Entry* link = reader.find("/debian");
  ASSERT_TRUE(link);
  EXPECT_TRUE(link->is_symlink);
  EXPECT_FALSE(reader.read_file("/no/such/file", 100));
  EXPECT_THROW(reader.read_file("/install.386/initrd.gz", 100), Error);
}

// read_layout wants 0x240 bytes of each installer kernel and initrd, not their 50 MB.
TEST_F(IsoTest, ReaderStreamsOnlyTheHeadsWhenAsked) {
  std::string big;
  for (int i = 0; i < 3 << 18; ++i) big += static_cast<char>('a' + i % 23);  // 768 KiB
  write_text(m_dir / "tree/install.amd/initrd.gz", big);
  write_text(m_dir / "tree/install.amd/vmlinuz", "kernel");
  std::string iso = (m_dir / "heads.iso").string();
  std::string out = run("xorriso -as mkisofs -quiet -R -o " + iso + " " + (m_dir / "tree").string());
  ASSERT_TRUE(fs::exists(iso)) << out;
  iso::Reader reader(iso);
  std::map<std::string, std::string> got;
  std::map<std::string, int> lasts;
  auto sink = [&](const std::string& path, const char* data, std::size_t size, bool last) {
    got[path].append(data, size);
    lasts[path] += last;
  };
  const std::set<std::string> paths = {"/install.amd/initrd.gz", "/install.amd/vmlinuz", "/install.386/initrd.gz"};
  reader.stream_files(paths, sink, 8);
  for (const auto& path : paths) EXPECT_EQ(lasts[path], 1) << path;
  // At least the head, not the whole file: the rest was skipped, not read.
  EXPECT_GE(got["/install.amd/initrd.gz"].size(), 8u);
  EXPECT_LT(got["/install.amd/initrd.gz"].size(), big.size());
  EXPECT_EQ(got["/install.amd/initrd.gz"], big.substr(0, got["/install.amd/initrd.gz"].size()));
  EXPECT_EQ(got["/install.amd/vmlinuz"], "kernel");  // shorter than the head: all of it
  EXPECT_EQ(got["/install.386/initrd.gz"].substr(0, 8), "iiiiiiii");
  got.clear();
  lasts.clear();
  reader.stream_files(paths, sink);
  EXPECT_EQ(got["/install.amd/initrd.gz"], big);
  EXPECT_EQ(got["/install.386/initrd.gz"], std::string(5000, 'i'));
}

TEST_F(IsoTest, ReaderRejectsBadInputWithTheFileName) {
  auto expect_error = [](const std::string& path, const std::string& fragment) {
    try {
      iso::Reader reader(path);
      FAIL() << path << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_EQ(e.exit_code(), 2);
    }
  };
  expect_error((m_dir / "missing.iso").string(), "does not exist");
  expect_error(m_dir.string(), "directory");
  write_text(m_dir / "empty.iso", "");
  expect_error((m_dir / "empty.iso").string(), "empty");
  write_text(m_dir / "text.iso", std::string(100000, 'a'));
  expect_error((m_dir / "text.iso").string(), "not an ISO 9660 image");
  std::string whole = slurp(m_base);
  write_text(m_dir / "cut.iso", whole.substr(0, whole.size() / 2));
  expect_error((m_dir / "cut.iso").string(), "truncated");
}

TEST_F(IsoTest, WriterKeepsBootSetupAndAppliesGrafts) {
  std::string out = remaster("out.iso", 1176033600);
  // Independent readers: xorriso's El Torito report and isoinfo's listing.
  std::string report = run("xorriso -indev " + out + " -report_el_torito plain");
  EXPECT_NE(report.find("El Torito boot img :   1  BIOS  y   none"), std::string::npos) << report;
  EXPECT_NE(report.find("boot-info-table"), std::string::npos) << run("xorriso -indev " + out + " -report_el_torito as_mkisofs");
  std::string cfg = run("isoinfo -R -i " + out + " -x /isolinux/isolinux.cfg");
  EXPECT_EQ(cfg, "default imgbuild\nlabel imgbuild\n");
  std::string listing = run("isoinfo -R -l -i " + out);
  EXPECT_NE(listing.find("build-id"), std::string::npos) << listing;
  EXPECT_NE(run("isoinfo -J -l -i " + out).find("build-id"), std::string::npos);

  iso::Reader reader(out);
  EXPECT_EQ(reader.volume().volume_id, "Debian 4.0 r9 i386 Bin-1");
  EXPECT_EQ(*reader.volume().creation_time, 1176033600);
  const iso::Entry* id = reader.find("/imgbuild/build-id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->mode, 0644u);
  EXPECT_EQ(*reader.read_file("/install.386/initrd.gz", 1 << 20), std::string(5000, 'i'));
}

TEST_F(IsoTest, WriterFailsWithOneLineNamingTheProblem) {
  util::AtomicOutput output((m_dir / "x.iso").string());
  iso::WriteOptions options;
  options.base_path = m_base;
  options.output_path = output.temp_path();
  options.grafts = {{(m_dir / "does-not-exist").string(), "/x"}};
  try {
    iso::write_remastered(options);
    FAIL() << "a missing graft source was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does-not-exist"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST_F(IsoTest, WriterIsReproducibleAcrossTimezonesAndOwners) {
  std::string a = remaster("a.iso", 1176033600);
  ::setenv("TZ", "Pacific/Kiritimati", 1);
  ::tzset();
  // Another uid's files: same bytes.
  ASSERT_EQ(::chown((m_dir / "new/isolinux.cfg").c_str(), 1234, 1234), 0);
  ASSERT_EQ(::chown((m_dir / "new/overlay/imgbuild/build-id").c_str(), 1234, 1234), 0);
  std::string b = remaster("b.iso", 1176033600);
  ::unsetenv("TZ");
  ::tzset();
  EXPECT_TRUE(slurp(a) == slurp(b)) << "cmp: " << run("cmp " + a + " " + b);
}

TEST_F(IsoTest, BootReportMatchesTheXorrisoProgram) {
  std::string out = remaster("report.iso", 1176033600);
  iso::BootReport report = iso::read_boot_report(out);
  std::string joined;
  for (const auto& line : report.el_torito) joined += line + "\n";
  // The same lines the xorriso program prints for the same image.
  std::string cli = run("xorriso -indev " + out + " -report_el_torito plain 2>/dev/null");
  EXPECT_NE(joined.find("El Torito boot img :   1  BIOS  y   none"), std::string::npos) << joined;
  EXPECT_NE(cli.find(joined.substr(0, joined.find('\n'))), std::string::npos) << cli;
}

TEST_F(IsoTest, WriterKeepsFloppyEmulationAndSeveralEntries) {
  // A 1.44 MB floppy-emulation entry (old BIOS setups) beside a no-emulation one.
  fs::create_directories(m_dir / "ftree/boot");
  {
    std::ofstream floppy(m_dir / "ftree/boot/floppy.img", std::ios::binary);
    std::string sector(512, '\0');
    sector[510] = '\x55';
    sector[511] = '\xaa';
    floppy << sector << std::string(1474560 - 512, '\0');
  }
  fs::copy(m_dir / "tree", m_dir / "ftree", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::string base = (m_dir / "floppy-base.iso").string();
  std::string made = run("xorriso -as mkisofs -quiet -o " + base + " -R -J" +
                         " -b boot/floppy.img -c boot/boot.cat" +
                         " -eltorito-alt-boot -b isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table " +
                         (m_dir / "ftree").string());
  ASSERT_TRUE(fs::exists(base)) << made;
  write_text(m_dir / "new/x", "x\n");
  util::AtomicOutput output((m_dir / "floppy-out.iso").string());
  iso::WriteOptions options;
  options.base_path = base;
  options.output_path = output.temp_path();
  options.grafts = {{(m_dir / "new/x").string(), "/x"}};
  options.timestamp = 1176033600;
  iso::write_remastered(options);
  output.commit();
  std::string before = run("xorriso -indev " + base + " -report_el_torito plain 2>/dev/null | grep -E 'boot img|img opts'");
  std::string after = run("xorriso -indev " + (m_dir / "floppy-out.iso").string() +
                          " -report_el_torito plain 2>/dev/null | grep -E 'boot img|img opts'");
  EXPECT_NE(before.find("fd1.4"), std::string::npos) << before;
  auto without_lba = [](std::string text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      if (line.find("boot img") != std::string::npos) line = line.substr(0, line.find_last_not_of(" 0123456789") + 1);
      out += line + "\n";
      start = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
  };
  EXPECT_EQ(without_lba(before), without_lba(after));
}

// Directory records damaged by tests/fuzz/damage-iso.py (the hostile seeds of the iso
// fuzzer): a directory that contains itself made libisofs loop for ever in -indev, and a
// directory extent past the end was reported as an environment failure (exit 3).
TEST_F(IsoTest, BootReportRejectsLoopingAndPastTheEndDirectoriesPromptly) {
  for (const char* mode : {"loop", "past-end"}) {
    std::string damaged = (m_dir / (std::string(mode) + ".iso")).string();
    fs::copy_file(m_base, damaged, fs::copy_options::overwrite_existing);
    std::string out = run("python3 " + std::string(IMGBUILD_SOURCE_DIR) + "/tests/fuzz/damage-iso.py " + mode +
                          " " + damaged);
    ASSERT_EQ(out, "") << out;
    // A hang must fail the test, not stall it: the report runs in a child process.
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::alarm(60);
      try {
        (void)iso::read_boot_report(damaged);
        ::_exit(10);
      } catch (const Error& e) {
        bool named = std::string(e.what()).find(damaged) != std::string::npos;
        ::_exit(named ? e.exit_code() : 11);
      }
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << mode << ": killed by signal " << WTERMSIG(status) << " (hang?)";
    EXPECT_EQ(WEXITSTATUS(status), 2) << mode << " (10: accepted, 11: error without the file name)";
  }
}

// The build id that tells an imgbuild image: absent on a stock disc, 32 hex digits (and the
// line end imgbuild writes) on a built one, an error naming the image for anything else.
TEST_F(IsoTest, BuildIdReadFromTheImage) {
  EXPECT_EQ(iso::read_build_id(m_base), std::nullopt);
  auto image_with = [&](const std::string& name, const std::string& content) {
    write_text(m_dir / name / "imgbuild/build-id", content);
    iso::WriteOptions options;
    options.base_path = m_base;
    options.output_path = (m_dir / (name + ".iso")).string();
    options.grafts = {{(m_dir / name / "imgbuild").string(), "/imgbuild"}};
    options.timestamp = 1176033600;
    iso::write_remastered(options);
    return options.output_path;
  };
  EXPECT_EQ(iso::read_build_id(image_with("good", "0123456789abcdef0123456789abcdef\n")),
            "0123456789abcdef0123456789abcdef");
  std::string bad = image_with("bad", "0123456789ABCDEF0123456789ABCDEF\n");
  try {
    iso::read_build_id(bad);
    ADD_FAILURE() << "an upper-case id was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/imgbuild/build-id does not hold a build id"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(iso::is_build_id("0123"));
  EXPECT_FALSE(iso::is_build_id("0123456789abcdef0123456789abcdeg"));
  EXPECT_TRUE(iso::is_build_id("ffffffffffffffffffffffffffffffff"));
}
