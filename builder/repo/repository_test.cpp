// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/repository.hpp"

#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace imgbuild;
using ::testing::HasSubstr;

namespace {

fs::path fresh_dir(const std::string& name) { return test::fresh_dir("repo", name); }
using test::run;
using test::slurp;

// Builds a real, tiny .deb with dpkg-deb, the tool that defines the format.
fs::path build_deb(const fs::path& dir, const std::string& package, const std::string& version,
                   const std::string& arch, const std::string& extra_fields = {},
                   const std::string& compression = "gzip") {
  fs::path tree = dir / ("tree-" + package + "-" + compression);
  fs::remove_all(tree);
  fs::create_directories(tree / "DEBIAN");
  fs::create_directories(tree / "usr/share/doc" / package);
  std::ofstream(tree / "usr/share/doc" / package / "README") << package << " " << version << "\n";
  std::ofstream(tree / "DEBIAN/control") << "Package: " << package << "\nVersion: " << version
                                         << "\nArchitecture: " << arch
                                         << "\nMaintainer: Test <test@example.org>\n"
                                         << extra_fields << "Description: test package " << package
                                         << "\n A package built by repository_test.\n";
  std::string file = package + "_" + version + "_" + arch + ".deb";
  if (auto colon = file.find(':'); colon != std::string::npos) file.erase(file.find('_') + 1, colon - file.find('_'));
  fs::path out = dir / file;
  run("dpkg-deb --root-owner-group -Z" + compression + " --build '" + tree.string() + "' '" + out.string() +
      "' >/dev/null 2>&1");
  return out;
}

}  // namespace

TEST(DebControl, ReadsEveryControlCompression) {
  auto dir = fresh_dir("compressions");
  for (std::string compression : {"gzip", "xz", "zstd", "none"}) {
    auto deb = build_deb(dir, "hello-" + (compression == "none" ? std::string("plain") : compression), "1:2.0-3",
                         "amd64", "Source: hello-src (2.0-1)\nDepends: libc6 (>= 2.34)\n", compression);
    auto control = repo::read_deb_control(deb.string());
    EXPECT_EQ(control.version, "1:2.0-3") << compression;
    EXPECT_EQ(control.architecture, "amd64");
    EXPECT_EQ(control.source, "hello-src");
    EXPECT_EQ(control.paragraph.get_or("Depends"), "libc6 (>= 2.34)");
  }
}

TEST(DebControl, NonDebIsAnErrorNamingTheFile) {
  auto dir = fresh_dir("nondeb");
  fs::path text = dir / "notes.deb";
  std::ofstream(text) << "just text\n";
  try {
    repo::read_deb_control(text.string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), text.string());
    EXPECT_THAT(e.what(), HasSubstr("not a Debian package"));
  }
  // An ar archive that is not a Debian package.
  fs::path member = dir / "member.txt";
  std::ofstream(member) << "x\n";
  fs::path ar = dir / "other.deb";
  run("cd '" + dir.string() + "' && ar rc other.deb member.txt");
  EXPECT_THROW(repo::read_deb_control(ar.string()), Error);
  EXPECT_THROW(repo::read_deb_control((dir / "missing.deb").string()), Error);
}

TEST(Repository, LayoutIndicesAndRelease) {
  auto dir = fresh_dir("layout");
  auto debs = dir / "debs";
  fs::create_directories(debs);
  build_deb(debs, "libfoo1", "1.2-1", "amd64", "Source: foo\n");
  build_deb(debs, "foo-utils", "1.2-1", "amd64", "Source: foo\nDepends: libfoo1 (= 1.2-1)\n");
  build_deb(debs, "docs", "3", "all");
  repo::RepositoryOptions options;
  options.suite = "bookworm";
  options.date = 1700000000;
  repo::Repository repository(options);
  repository.add_deb_directory(debs);
  repository.check_dependencies();
  auto out = dir / "out";
  repository.write(out);

  EXPECT_TRUE(fs::exists(out / "pool/main/f/foo/libfoo1_1.2-1_amd64.deb"));
  EXPECT_TRUE(fs::exists(out / "pool/main/f/foo/foo-utils_1.2-1_amd64.deb"));
  EXPECT_TRUE(fs::exists(out / "pool/main/d/docs/docs_3_all.deb"));
  std::string packages = slurp(out / "dists/bookworm/main/binary-amd64/Packages");
  EXPECT_THAT(packages, HasSubstr("Package: docs\n"));
  EXPECT_THAT(packages, HasSubstr("Filename: pool/main/f/foo/libfoo1_1.2-1_amd64.deb\n"));
  // Sorted by package name, each paragraph with the file's real size and sums.
  EXPECT_LT(packages.find("Package: docs"), packages.find("Package: foo-utils"));
  EXPECT_LT(packages.find("Package: foo-utils"), packages.find("Package: libfoo1"));
  auto sums = repo::digest_file((out / "pool/main/d/docs/docs_3_all.deb").string());
  EXPECT_THAT(packages, HasSubstr("SHA256: " + sums.sha256 + "\n"));
  EXPECT_THAT(packages, HasSubstr("Size: " + std::to_string(sums.size) + "\n"));
  // md5sum(1), an independent implementation, agrees with the index.
  std::string md5 = run("md5sum '" + (out / "pool/main/d/docs/docs_3_all.deb").string() + "'");
  EXPECT_THAT(packages, HasSubstr("MD5sum: " + md5.substr(0, 32) + "\n"));

  // Packages.gz decompresses (gzip(1)) to Packages.
  EXPECT_EQ(run("gzip -dc '" + (out / "dists/bookworm/main/binary-amd64/Packages.gz").string() + "'"), packages);

  std::string release = slurp(out / "dists/bookworm/Release");
  EXPECT_THAT(release, HasSubstr("Suite: bookworm\nCodename: bookworm\n"));
  EXPECT_THAT(release, HasSubstr("Date: Tue, 14 Nov 2023 22:13:20 UTC\n"));
  EXPECT_THAT(release, HasSubstr("Architectures: amd64\n"));
  std::string sha = run("cd '" + (out / "dists/bookworm").string() + "' && sha256sum main/binary-amd64/Packages.gz");
  EXPECT_THAT(release, HasSubstr(" " + sha.substr(0, 64) + " "));
  EXPECT_THAT(release, HasSubstr("MD5Sum:\n"));
  EXPECT_THAT(release, HasSubstr("SHA1:\n"));
}

TEST(Repository, ReproducibleBytes) {
  auto dir = fresh_dir("reproducible");
  auto debs = dir / "debs";
  fs::create_directories(debs);
  build_deb(debs, "a", "1", "i386");
  build_deb(debs, "b", "1", "all");
  auto make = [&](const fs::path& out) {
    repo::RepositoryOptions options;
    options.suite = "etch";
    options.date = 1175990400;
    repo::Repository repository(options);
    repository.add_deb(debs / "b_1_all.deb");  // different order than the directory
    repository.add_deb(debs / "a_1_i386.deb");
    repository.write(out);
  };
  make(dir / "one");
  make(dir / "two");
  for (const char* file : {"dists/etch/Release", "dists/etch/main/binary-i386/Packages",
                           "dists/etch/main/binary-i386/Packages.gz"})
    EXPECT_EQ(slurp(dir / "one" / file), slurp(dir / "two" / file)) << file;
  std::string gz = slurp(dir / "one/dists/etch/main/binary-i386/Packages.gz");
  ASSERT_GT(gz.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(gz[3], 0) << "gzip header has flags (a file name?)";
  EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0')) << "gzip header has a timestamp";
}

TEST(Repository, DateFromSourceDateEpoch) {
  auto dir = fresh_dir("sde");
  build_deb(dir, "a", "1", "amd64");
  repo::Repository repository(repo::RepositoryOptions{});
  repository.add_deb(dir / "a_1_amd64.deb");
  ::setenv("SOURCE_DATE_EPOCH", "0", 1);
  EXPECT_THAT(repository.release_text({}), HasSubstr("Date: Thu, 01 Jan 1970 00:00:00 UTC\n"));
  ::setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
  EXPECT_THROW(repository.release_text({}), Error);
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST(Repository, DependencyClosure) {
  auto dir = fresh_dir("closure");
  build_deb(dir, "app", "1.0", "amd64",
            "Pre-Depends: init-system-helpers (>= 1.54~)\n"
            "Depends: libc6 (>= 2.34), mta | postfix, libold (<< 2), virtual-ver (>= 3), helper:any\n");
  build_deb(dir, "helper", "2", "all", "Provides: mta, virtual-ver (= 3.1)\n");
  build_deb(dir, "libold", "1.9", "amd64");
  repo::RepositoryOptions options;
  options.suite = "bookworm";
  repo::Repository repository(options);
  repository.add_deb(dir / "app_1.0_amd64.deb");
  repository.add_deb(dir / "helper_2_all.deb");
  repository.add_deb(dir / "libold_1.9_amd64.deb");
  // Nothing provides libc6 or init-system-helpers yet.
  auto missing = repository.missing_dependencies();
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].relation, "init-system-helpers (>= 1.54~)");
  EXPECT_EQ(missing[1].relation, "libc6 (>= 2.34)");
  EXPECT_EQ(missing[1].package, "app");
  try {
    repository.check_dependencies();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), (dir / "app_1.0_amd64.deb").string());
    EXPECT_THAT(e.what(), HasSubstr("libc6 (>= 2.34)"));
    EXPECT_THAT(e.what(), HasSubstr("init-system-helpers"));
  }
  // A base index with too old a libc6 and a good init-system-helpers (for i386 only: wrong
  // architecture, so it does not count).
  repository.add_base_index_text(
      "Package: libc6\nVersion: 2.31-13\nArchitecture: amd64\n\n"
      "Package: init-system-helpers\nVersion: 1.65.2\nArchitecture: i386\n",
      "base/Packages");
  EXPECT_EQ(repository.missing_dependencies().size(), 2u);
  repository.add_base_index_text(
      "Package: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\n\n"
      "Package: init-system-helpers\nVersion: 1.65.2\nArchitecture: all\n",
      "base/Packages");
  EXPECT_TRUE(repository.missing_dependencies().empty());
  EXPECT_NO_THROW(repository.check_dependencies());
}

TEST(Repository, UnversionedProvidesDoesNotSatisfyVersionedDepends) {
  auto dir = fresh_dir("provides");
  build_deb(dir, "app", "1", "amd64", "Depends: awk (>= 1)\n");
  build_deb(dir, "mawk", "1.3", "amd64", "Provides: awk\n");
  repo::Repository repository(repo::RepositoryOptions{});
  repository.add_deb(dir / "app_1_amd64.deb");
  repository.add_deb(dir / "mawk_1.3_amd64.deb");
  ASSERT_EQ(repository.missing_dependencies().size(), 1u);
}

TEST(Repository, BaseIndexFromCompressedFile) {
  auto dir = fresh_dir("base-gz");
  build_deb(dir, "app", "1", "amd64", "Depends: libc6\n");
  std::ofstream(dir / "Packages") << "Package: libc6\nVersion: 2.36\nArchitecture: amd64\n";
  run("gzip -9 '" + (dir / "Packages").string() + "'");
  repo::Repository repository(repo::RepositoryOptions{});
  repository.add_deb(dir / "app_1_amd64.deb");
  repository.add_base_index(dir / "Packages.gz");
  EXPECT_TRUE(repository.missing_dependencies().empty());
}

TEST(Repository, DuplicatesAndBadInputAreErrors) {
  auto dir = fresh_dir("dupes");
  auto a = build_deb(dir, "a", "1", "amd64");
  fs::copy_file(a, dir / "copy-of-a.deb");
  repo::Repository repository(repo::RepositoryOptions{});
  repository.add_deb(a);
  EXPECT_THROW(repository.add_deb(dir / "copy-of-a.deb"), Error);
  repo::RepositoryOptions bad_suite;
  bad_suite.suite = "../x";
  EXPECT_THROW(repo::Repository{bad_suite}, Error);
  EXPECT_THROW(repo::Repository(repo::RepositoryOptions{}).add_deb_directory(dir / "nothing"), Error);
  // Architecture: all only: the target architecture must be given.
  auto all_dir = fresh_dir("all-only");
  build_deb(all_dir, "d", "1", "all");
  repo::Repository all_only(repo::RepositoryOptions{});
  all_only.add_deb_directory(all_dir);
  EXPECT_THROW(all_only.write(all_dir / "out"), Error);
}

TEST(Repository, PoolPathUsesLibPrefixAndDropsEpoch) {
  auto dir = fresh_dir("pool");
  build_deb(dir, "libbar2", "1:2.0-1", "amd64");
  repo::Repository repository(repo::RepositoryOptions{});
  repository.add_deb(dir / "libbar2_2.0-1_amd64.deb");
  EXPECT_EQ(repository.pool_path(repository.extras().front(), "libbar"), "pool/main/libb/libbar/libbar2_2.0-1_amd64.deb");
}

TEST(Repository, UdebsGoToTheInstallerIndex) {
  auto dir = fresh_dir("udeb");
  auto debs = dir / "debs";
  fs::create_directories(debs);
  build_deb(debs, "tool", "1.0", "amd64");
  fs::path udeb = build_deb(debs, "probe-udeb", "1.0", "amd64", "Package-Type: udeb\nDepends: di-utils\n");
  fs::rename(udeb, debs / "probe-udeb_1.0_amd64.udeb");
  repo::RepositoryOptions options;
  options.suite = "bookworm";
  options.date = 1700000000;
  repo::Repository repository(options);
  repository.add_deb_directory(debs);
  // di-utils is an installer package: a udeb's dependencies are the installer's business.
  EXPECT_NO_THROW(repository.check_dependencies());
  auto out = dir / "out";
  repository.write(out);
  EXPECT_TRUE(fs::exists(out / "pool/main/p/probe-udeb/probe-udeb_1.0_amd64.udeb"));
  std::string apt_index = slurp(out / "dists/bookworm/main/binary-amd64/Packages");
  std::string installer_index = slurp(out / "dists/bookworm/main/debian-installer/binary-amd64/Packages");
  EXPECT_THAT(apt_index, HasSubstr("Package: tool\n"));
  EXPECT_THAT(apt_index, Not(HasSubstr("probe-udeb")));
  EXPECT_THAT(installer_index, HasSubstr("Filename: pool/main/p/probe-udeb/probe-udeb_1.0_amd64.udeb\n"));
  EXPECT_THAT(installer_index, Not(HasSubstr("Package: tool")));
  std::string release = slurp(out / "dists/bookworm/Release");
  std::string sha = run("cd '" + (out / "dists/bookworm").string() +
                        "' && sha256sum main/debian-installer/binary-amd64/Packages.gz");
  EXPECT_THAT(release, HasSubstr(" " + sha.substr(0, 64) + " "));
}

TEST(DebControl, TarEntryWithoutNameIsNotACrash) {
  // Fuzzer finding: a control.tar entry with no name made std::string(nullptr) terminate.
  fs::path finding = fs::path(IMGBUILD_SOURCE_DIR) / "tests/fuzz/findings/repo-tar-entry-without-name.deb";
  try {
    repo::read_deb_control(finding.string());
  } catch (const imgbuild::Error&) {
    // A clean error naming the file is fine; a crash or another exception is not.
  }
}

namespace {

// A dpkg-deb .deb taken apart with ar and put together again with `control` and `data`
// as its 2nd and 3rd members (file names in `dir`), e.g. to give it a compression dpkg
// cannot unpack.
fs::path reassemble_deb(const fs::path& dir, const std::string& name, const std::string& control,
                        const std::string& data) {
  run("cd '" + dir.string() + "' && rm -f '" + name + "' && ar rc '" + name + "' debian-binary '" + control +
      "' '" + data + "'");
  return dir / name;
}

std::string error_of(const fs::path& deb) {
  try {
    repo::read_deb_control(deb.string());
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), deb.string());
    return e.what();
  }
  ADD_FAILURE() << deb << " was accepted";
  return {};
}

}  // namespace

TEST(DebControl, MembersInCompressionsDpkgCannotUnpackAreRefused) {
  // libarchive's catch-all filter set would run /usr/bin/lzop on these: the reader must
  // enable only what a .deb can hold (dpkg-deb: gzip, xz, zstd; data also bzip2, lzma).
  auto dir = fresh_dir("bad-compression");
  fs::path deb = build_deb(dir, "lzo", "1.0", "all");
  run("cd '" + dir.string() + "' && ar x '" + deb.string() + "' && gzip -dc control.tar.gz > control.tar && "
      "lzop -q -f -o control.tar.lzo control.tar && cp control.tar.lzo control-is-lzo.tar.gz && "
      "cp data.tar.gz data.tar.lzo");
  ASSERT_EQ(repo::read_deb_control(reassemble_deb(dir, "plain.deb", "control.tar", "data.tar.gz").string()).package,
            "lzo");

  // A control member named for a compression dpkg does not know.
  EXPECT_THAT(error_of(reassemble_deb(dir, "named-lzo.deb", "control.tar.lzo", "data.tar.gz")),
              HasSubstr("member control.tar.lzo is compressed in a way dpkg cannot unpack"));
  // One that claims gzip but holds lzop data: not decoded at all.
  run("cd '" + dir.string() + "' && cp control-is-lzo.tar.gz control.tar.gz");
  EXPECT_THAT(error_of(reassemble_deb(dir, "disguised.deb", "control.tar.gz", "data.tar.gz")),
              HasSubstr("control archive: "));
  // The data member is not unpacked by imgbuild, but dpkg would refuse it on the server.
  run("cd '" + dir.string() + "' && ar x '" + deb.string() + "' control.tar.gz");
  EXPECT_THAT(error_of(reassemble_deb(dir, "data-lzo.deb", "control.tar.gz", "data.tar.lzo")),
              HasSubstr("member data.tar.lzo is compressed in a way dpkg cannot unpack"));
  // bzip2 and lzma are data compressions dpkg reads (old packages), never control ones.
  run("cd '" + dir.string() + "' && gzip -dc data.tar.gz | bzip2 > data.tar.bz2 && "
      "gzip -dc control.tar.gz | bzip2 > control.tar.bz2");
  EXPECT_EQ(repo::read_deb_control(reassemble_deb(dir, "data-bz2.deb", "control.tar.gz", "data.tar.bz2").string())
                .package,
            "lzo");
  EXPECT_THAT(error_of(reassemble_deb(dir, "control-bz2.deb", "control.tar.bz2", "data.tar.gz")),
              HasSubstr("member control.tar.bz2 is compressed in a way dpkg cannot unpack"));
}

TEST(ReadMaybeCompressed, AptIndexCompressionsOnly) {
  auto dir = fresh_dir("index-compressions");
  std::string text = "Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n";
  std::ofstream(dir / "Packages") << text;
  run("cd '" + dir.string() + "' && gzip -kn Packages && xz -k Packages && bzip2 -k Packages && "
      "zstd -q -k Packages && lzma -k Packages && lz4 -q Packages Packages.lz4 && lzop -q Packages");
  for (const char* name : {"Packages", "Packages.gz", "Packages.xz", "Packages.bz2", "Packages.zst",
                           "Packages.lzma", "Packages.lz4"})
    EXPECT_EQ(repo::read_maybe_compressed((dir / name).string()), text) << name;
  // lzop is no apt index compression: its bytes come back undecoded (libarchive would
  // otherwise run the lzop program on them).
  EXPECT_NE(repo::read_maybe_compressed((dir / "Packages.lzo").string()), text);
}
