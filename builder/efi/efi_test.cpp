// SPDX-License-Identifier: GPL-2.0-or-later
#include "efi/authenticode.hpp"
#include "efi/fat.hpp"
#include "efi/self_signed.hpp"
#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace imgbuild;
using imgbuild::test::fresh_dir;
using imgbuild::test::run;
using imgbuild::test::slurp;
using imgbuild::test::write_file;

namespace {

void put(std::string& b, std::size_t at, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) b[at + i] = static_cast<char>(value >> (8 * i) & 0xff);
}

// A minimal x86_64 EFI application: headers, one .text section of `code` (one file
// alignment unit), nothing else. sbsign signs it as it signs GRUB.
std::string tiny_pe(char fill = '\x90') {
  std::string b(1024, '\0');
  b[0] = 'M';
  b[1] = 'Z';
  put(b, 0x3c, 0x80, 4);
  std::size_t pe = 0x80;
  b.replace(pe, 4, std::string("PE\0\0", 4));
  put(b, pe + 4, 0x8664, 2);     // Machine
  put(b, pe + 6, 1, 2);          // NumberOfSections
  put(b, pe + 20, 240, 2);       // SizeOfOptionalHeader: PE32+ with 16 directories
  put(b, pe + 22, 0x22, 2);      // executable, large address aware
  std::size_t opt = pe + 24;
  put(b, opt, 0x20b, 2);
  put(b, opt + 4, 512, 4);       // SizeOfCode
  put(b, opt + 16, 0x1000, 4);   // AddressOfEntryPoint
  put(b, opt + 20, 0x1000, 4);   // BaseOfCode
  put(b, opt + 24, 0x400000, 8); // ImageBase
  put(b, opt + 32, 0x1000, 4);   // SectionAlignment
  put(b, opt + 36, 512, 4);      // FileAlignment
  put(b, opt + 56, 0x2000, 4);   // SizeOfImage
  put(b, opt + 60, 512, 4);      // SizeOfHeaders
  put(b, opt + 68, 10, 2);       // Subsystem: EFI application
  put(b, opt + 108, 16, 4);      // NumberOfRvaAndSizes
  std::size_t section = opt + 240;
  b.replace(section, 5, ".text");
  put(b, section + 8, 512, 4);   // VirtualSize
  put(b, section + 12, 0x1000, 4);
  put(b, section + 16, 512, 4);  // SizeOfRawData
  put(b, section + 20, 512, 4);  // PointerToRawData
  put(b, section + 36, 0x60000020, 4);
  std::fill(b.begin() + 512, b.end(), fill);
  b[512] = '\xc3';
  return b;
}

// A throwaway signing key and certificate.
void make_key(const fs::path& dir, const std::string& name, const std::string& subject) {
  run("openssl req -new -x509 -newkey rsa:2048 -nodes -days 30 -sha256 -subj '" + subject + "' -keyout " +
      (dir / (name + ".key")).string() + " -out " + (dir / (name + ".crt")).string() + " 2>/dev/null");
}

void sign(const fs::path& dir, const std::string& key, const fs::path& in, const fs::path& out) {
  run("sbsign --key " + (dir / (key + ".key")).string() + " --cert " + (dir / (key + ".crt")).string() +
      " --output " + out.string() + " " + in.string() + " 2>/dev/null");
}

bool tool(const char* name) { return std::system((std::string("command -v ") + name + " >/dev/null").c_str()) == 0; }

// sbverify --list's certificate subjects and issuers, one "subject|issuer" per line, per signature.
std::vector<std::vector<std::string>> sbverify_list(const fs::path& file) {
  std::istringstream in(run("sbverify --list " + file.string() + " 2>/dev/null"));
  std::vector<std::vector<std::string>> out;
  std::string line, subject;
  while (std::getline(in, line)) {
    if (line.rfind("signature ", 0) == 0) out.emplace_back();
    if (line.rfind(" - subject: ", 0) == 0) subject = line.substr(12);
    if (line.rfind("   issuer:  ", 0) == 0 && !out.empty()) out.back().push_back(subject + "|" + line.substr(12));
  }
  return out;
}

std::vector<std::vector<std::string>> ours(const efi::PeSignatures& s) {
  std::vector<std::vector<std::string>> out;
  for (const auto& sig : s.signatures) {
    out.emplace_back();
    for (const auto& c : sig.certificates) out.back().push_back(c.subject + "|" + c.issuer);
  }
  return out;
}

}  // namespace

TEST(Authenticode, UnsignedPeHasNoSignature) {
  auto s = efi::read_pe_signatures(tiny_pe(), "tiny.efi");
  EXPECT_FALSE(s.is_signed());
  EXPECT_EQ(s.machine, "x86_64");
}

TEST(Authenticode, NotAPeIsAnError) {
  EXPECT_THROW(efi::read_pe_signatures("hello", "x"), Error);
  EXPECT_THROW(efi::read_pe_signatures(std::string(4096, 'M'), "x"), Error);
  std::string bad = tiny_pe();
  put(bad, 0x3c, 0xfffffff0, 4);
  EXPECT_THROW(efi::read_pe_signatures(bad, "x"), Error);
}

TEST(Authenticode, SbsignedFileShowsItsSignerAndDigest) {
  if (!tool("sbsign")) GTEST_SKIP() << "sbsign not installed";
  auto dir = fresh_dir("efi", "signed");
  make_key(dir, "a", "/O=imgbuild tests/CN=imgbuild test signer A");
  write_file(dir / "tiny.efi", tiny_pe());
  sign(dir, "a", dir / "tiny.efi", dir / "signed.efi");
  auto s = efi::read_pe_signatures_file((dir / "signed.efi").string());
  ASSERT_EQ(s.signatures.size(), 1u);
  EXPECT_EQ(s.signatures[0].signer.subject, "/O=imgbuild tests/CN=imgbuild test signer A");
  EXPECT_EQ(s.signatures[0].signer.issuer, "/O=imgbuild tests/CN=imgbuild test signer A");
  EXPECT_EQ(s.signatures[0].digest_algorithm, "sha256");
  EXPECT_EQ(s.signatures[0].digest_matches, std::optional<bool>(true));
  EXPECT_EQ(ours(s), sbverify_list(dir / "signed.efi"));
  // sbverify agrees the file is intact with this certificate.
  run("sbverify --cert " + (dir / "a.crt").string() + " " + (dir / "signed.efi").string() + " >/dev/null 2>&1");
}

TEST(Authenticode, TamperedFileKeepsItsSignerButNotItsDigest) {
  if (!tool("sbsign")) GTEST_SKIP() << "sbsign not installed";
  auto dir = fresh_dir("efi", "tampered");
  make_key(dir, "a", "/CN=imgbuild test signer A");
  write_file(dir / "tiny.efi", tiny_pe());
  sign(dir, "a", dir / "tiny.efi", dir / "signed.efi");
  std::string bytes = slurp(dir / "signed.efi");
  bytes[600] ^= 1;  // inside .text
  write_file(dir / "tampered.efi", bytes);
  // sbverify refuses it too.
  EXPECT_NE(std::system(("sbverify --cert " + (dir / "a.crt").string() + " " + (dir / "tampered.efi").string() +
                         " >/dev/null 2>&1").c_str()), 0);
  auto s = efi::read_pe_signatures(bytes, "tampered.efi");
  ASSERT_EQ(s.signatures.size(), 1u);
  EXPECT_EQ(s.signatures[0].signer.subject, "/CN=imgbuild test signer A");
  EXPECT_EQ(s.signatures[0].digest_matches, std::optional<bool>(false));
}

// The PE hash leaves out what signing changes (CheckSum, the security directory entry,
// the certificate table): the same before and after sbsign; not after a byte of code.
TEST(Authenticode, PeHashIsTheSameSignedOrNot) {
  if (!tool("sbsign")) GTEST_SKIP() << "sbsign not installed";
  auto dir = fresh_dir("efi", "hash");
  make_key(dir, "a", "/CN=imgbuild test signer A");
  write_file(dir / "tiny.efi", tiny_pe());
  sign(dir, "a", dir / "tiny.efi", dir / "signed.efi");
  auto unsigned_hash = efi::pe_hash(tiny_pe(), "sha256", "tiny.efi");
  auto signed_hash = efi::pe_hash(slurp(dir / "signed.efi"), "sha256", "signed.efi");
  ASSERT_TRUE(unsigned_hash);
  EXPECT_EQ(unsigned_hash->size(), 32u);
  EXPECT_EQ(unsigned_hash, signed_hash);
  EXPECT_NE(unsigned_hash, efi::pe_hash(tiny_pe('\x91'), "sha256", "other.efi"));
  EXPECT_THROW(efi::pe_hash(tiny_pe(), "no-such-digest", "tiny.efi"), Error);
}

TEST(Authenticode, TwoSignaturesInOrder) {
  if (!tool("sbsign")) GTEST_SKIP() << "sbsign not installed";
  auto dir = fresh_dir("efi", "two");
  make_key(dir, "a", "/CN=imgbuild test signer A");
  make_key(dir, "b", "/CN=imgbuild test signer B");
  write_file(dir / "tiny.efi", tiny_pe());
  sign(dir, "a", dir / "tiny.efi", dir / "one.efi");
  sign(dir, "b", dir / "one.efi", dir / "two.efi");
  auto s = efi::read_pe_signatures_file((dir / "two.efi").string());
  ASSERT_EQ(s.signatures.size(), 2u);
  EXPECT_EQ(s.signatures[0].signer.subject, "/CN=imgbuild test signer A");
  EXPECT_EQ(s.signatures[1].signer.subject, "/CN=imgbuild test signer B");
  EXPECT_EQ(ours(s), sbverify_list(dir / "two.efi"));
}

TEST(Authenticode, TruncatedAndCorruptedFilesGiveErrorsNotCrashes) {
  if (!tool("sbsign")) GTEST_SKIP() << "sbsign not installed";
  auto dir = fresh_dir("efi", "hostile");
  make_key(dir, "a", "/CN=imgbuild test signer A");
  write_file(dir / "tiny.efi", tiny_pe());
  sign(dir, "a", dir / "tiny.efi", dir / "signed.efi");
  const std::string bytes = slurp(dir / "signed.efi");
  // Cut inside the certificate table: an error that says so.
  try {
    efi::read_pe_signatures(bytes.substr(0, bytes.size() - 100), "cut.efi");
    ADD_FAILURE() << "a truncated certificate table was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  for (std::size_t n = 0; n < bytes.size(); n += 13) {
    try {
      efi::read_pe_signatures(bytes.substr(0, n), "cut.efi");
    } catch (const Error&) {
    }
  }
  std::mt19937 random(1);
  for (int i = 0; i < 2000; ++i) {
    std::string broken = bytes;
    for (int k = 0; k < 4; ++k) broken[random() % broken.size()] = static_cast<char>(random());
    try {
      efi::read_pe_signatures(broken, "broken.efi");
    } catch (const Error&) {
    }
  }
}

// Debian's own signed binaries, when the netboot images are installed: the kernel (an EFI
// stub, with bytes past its last section that sbsigntool hashes too), GRUB and shim.
TEST(Authenticode, DebianSignedBinariesAgreeWithSbverify) {
  const fs::path dir = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";
  if (!fs::exists(dir / "linux") || !tool("sbverify")) GTEST_SKIP() << "debian-installer-12-netboot-amd64 not installed";
  for (const char* name : {"linux", "grubx64.efi", "bootnetx64.efi"}) {
    auto s = efi::read_pe_signatures_file((dir / name).string());
    ASSERT_TRUE(s.is_signed()) << name;
    EXPECT_EQ(ours(s), sbverify_list(dir / name)) << name;
    for (const auto& sig : s.signatures) {
      EXPECT_EQ(sig.digest_matches, std::optional<bool>(true)) << name;
      EXPECT_FALSE(sig.signer.subject.empty()) << name;
    }
  }
  auto kernel = efi::read_pe_signatures_file((dir / "linux").string());
  EXPECT_EQ(kernel.signatures[0].signer.subject, "/CN=Debian Secure Boot Signer 2022 - linux");
}

// ------------------------------------------------------------------------------ FAT

namespace {

bool have_mtools() { return tool("mkfs.vfat") && tool("mcopy") && tool("mmd"); }

// An image with nested directories, long and short names, and a file of many clusters.
fs::path make_fat(const fs::path& dir, const std::string& fat_bits, const std::string& kb) {
  fs::path img = dir / ("fat" + fat_bits + ".img");
  run("mkfs.vfat -C -F " + fat_bits + " " + img.string() + " " + kb + " >/dev/null 2>&1");
  std::string big(300000, '\0');
  std::mt19937 random(7);
  for (char& c : big) c = static_cast<char>(random());
  write_file(dir / "big.bin", big);
  write_file(dir / "small.txt", "hello\n");
  write_file(dir / "empty", "");
  std::string m = "MTOOLS_SKIP_CHECK=1 ";
  run(m + "mmd -i " + img.string() + " ::/EFI ::/EFI/boot ::/EFI/debian ::/boot ::/boot/grub");
  run(m + "mcopy -i " + img.string() + " " + (dir / "big.bin").string() + " ::/EFI/boot/bootx64.efi");
  run(m + "mcopy -i " + img.string() + " " + (dir / "small.txt").string() + " ::/EFI/debian/grub.cfg");
  run(m + "mcopy -i " + img.string() + " " + (dir / "small.txt").string() + " '::/boot/grub/A Long File Name.text'");
  run(m + "mcopy -i " + img.string() + " " + (dir / "empty").string() + " ::/README");
  return img;
}

}  // namespace

TEST(Fat, ReadsWhatMtoolsWrote) {
  if (!have_mtools()) GTEST_SKIP() << "dosfstools/mtools not installed";
  for (auto [bits, kb] : {std::pair{"12", "2048"}, {"16", "20480"}, {"32", "40000"}}) {
    auto dir = fresh_dir("efi", std::string("fat") + bits);
    fs::path img = make_fat(dir, bits, kb);
    efi::FatImage fat(slurp(img), img.string());
    EXPECT_EQ(fat.type(), std::string("FAT") + bits);
    // The same listing as mtools' own (mdir -/ -b: every path, recursively).
    std::istringstream mdir(run("MTOOLS_SKIP_CHECK=1 mdir -/ -b -i " + img.string() + " ::/"));
    std::set<std::string> expected;
    for (std::string line; std::getline(mdir, line);)
      if (line.rfind("::", 0) == 0) expected.insert(line.substr(2));
    std::set<std::string> got;
    for (const auto& e : fat.walk()) got.insert(e.path + (e.is_dir ? "/" : ""));
    EXPECT_EQ(got, expected) << bits;
    auto boot = fat.find("/efi/BOOT/BOOTX64.EFI");
    ASSERT_TRUE(boot) << bits;
    EXPECT_EQ(boot->path, "/EFI/boot/bootx64.efi");
    EXPECT_EQ(fat.read(*boot, 1 << 20), slurp(dir / "big.bin")) << bits;
    auto long_name = fat.find("/boot/grub/A Long File Name.text");
    ASSERT_TRUE(long_name) << bits;
    EXPECT_EQ(fat.read(*long_name, 100), "hello\n");
    EXPECT_EQ(fat.read(*fat.find("/README"), 100), "");
    EXPECT_FALSE(fat.find("/EFI/boot/nothere.efi"));
    EXPECT_THROW(fat.read(*boot, 1000), Error);
  }
}

TEST(Fat, HostileImagesGiveErrorsNotCrashes) {
  if (!have_mtools()) GTEST_SKIP() << "dosfstools/mtools not installed";
  auto dir = fresh_dir("efi", "fat-hostile");
  const std::string bytes = slurp(make_fat(dir, "12", "2048"));
  EXPECT_THROW(efi::FatImage(bytes.substr(0, 100), "x"), Error);
  EXPECT_THROW(efi::FatImage(std::string(4096, '\0'), "x"), Error);
  // Truncated after the directories: the big file's clusters are missing.
  {
    efi::FatImage fat(bytes.substr(0, 64 * 1024), "cut");
    try {
      auto boot = fat.find("/EFI/boot/bootx64.efi");
      if (boot) fat.read(*boot, 1 << 20);
      ADD_FAILURE() << "a truncated file was read";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
  }
  auto exercise = [](const std::string& image) {
    try {
      efi::FatImage fat(image, "broken");
      for (const auto& e : fat.walk())
        if (!e.is_dir) fat.read(e, 1 << 20);
    } catch (const Error&) {
    }
  };
  // A FAT whose every entry points at cluster 2: every chain loops.
  {
    std::string looped = bytes;
    std::size_t fat = 512;  // one reserved sector
    for (std::size_t i = 3; i < 1000; ++i) looped[fat + i] = static_cast<char>(i % 3 == 0 ? 0x02 : i % 3 == 1 ? 0x20 : 0x00);
    exercise(looped);
  }
  std::mt19937 random(3);
  for (int i = 0; i < 1000; ++i) {
    std::string broken = bytes;
    for (int k = 0; k < 8; ++k) broken[random() % (64 * 1024)] = static_cast<char>(random());
    exercise(broken);
  }
}

// The certificate an emulated BMC presents: openssl reads it, finds the key its own, the
// names asked for, and the same SHA-256 fingerprint that clients are told to pin.
TEST(SelfSigned, OpensslAgreesOnTheCertificateAndItsFingerprint) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl is not installed";
  auto made = efi::make_self_signed_certificate("idrac-ABC1234", {"127.0.0.1"}, {"localhost"}, 2);
  auto dir = fresh_dir("efi", "self-signed");
  write_file(dir / "cert.pem", made.cert_pem);
  write_file(dir / "key.pem", made.key_pem);
  std::string fingerprint = run("openssl x509 -noout -fingerprint -sha256 -in " + (dir / "cert.pem").string());
  std::string hex;
  for (char c : fingerprint.substr(fingerprint.find('=') + 1))
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(hex, made.sha256_hex);
  std::string text = run("openssl x509 -noout -text -in " + (dir / "cert.pem").string());
  EXPECT_NE(text.find("CN = idrac-ABC1234"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:127.0.0.1"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:localhost"), std::string::npos) << text;
  EXPECT_NE(text.find("prime256v1"), std::string::npos) << text;
  // The key is the certificate's.
  EXPECT_EQ(run("openssl pkey -pubout -in " + (dir / "key.pem").string()),
            run("openssl x509 -noout -pubkey -in " + (dir / "cert.pem").string()));
  // Two certificates are two keys.
  EXPECT_NE(efi::make_self_signed_certificate("x", {}, {}, 1).sha256_hex, made.sha256_hex);
}
