// SPDX-License-Identifier: GPL-2.0-or-later
// Published test vectors (RFC 1321, FIPS 180-4 examples), and files of several sizes
// checked against coreutils' md5sum, sha1sum, sha256sum and sha512sum.
#include "digest/digest.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace imgbuild;
using digest::Algorithm;

namespace {

constexpr Algorithm k_all[] = {Algorithm::md5, Algorithm::sha1, Algorithm::sha256, Algorithm::sha512};

const char* coreutils_tool(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::md5: return "md5sum";
    case Algorithm::sha1: return "sha1sum";
    case Algorithm::sha256: return "sha256sum";
    case Algorithm::sha512: return "sha512sum";
  }
  return "false";
}

// The hex digest the coreutils tool prints for `path`.
std::string coreutils_hex(Algorithm algorithm, const fs::path& path) {
  std::string command = std::string(coreutils_tool(algorithm)) + " '" + path.string() + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {};
  char buffer[256] = {};
  std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  if (::pclose(pipe) != 0) ADD_FAILURE() << command << " failed";
  std::string out(buffer, n);
  return out.substr(0, out.find(' '));
}

}  // namespace

TEST(Digest, PublishedVectors) {
  struct Vector {
    std::string input;
    const char* md5;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Vector vectors[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
      // 56 bytes: the padding spills into a second block (MD5, SHA-1, SHA-256).
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "8215ef0796a20bcaaae116d3876c664a",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
       "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
  };
  for (const Vector& v : vectors) {
    EXPECT_EQ(digest::bytes_hex(v.input, Algorithm::md5), v.md5) << v.input;
    EXPECT_EQ(digest::bytes_hex(v.input, Algorithm::sha1), v.sha1) << v.input;
    EXPECT_EQ(digest::bytes_hex(v.input, Algorithm::sha256), v.sha256) << v.input;
    EXPECT_EQ(digest::bytes_hex(v.input, Algorithm::sha512), v.sha512) << v.input;
  }
}

TEST(Digest, MillionAsStreamedInOddChunks) {
  const std::pair<Algorithm, const char*> expected[] = {
      {Algorithm::md5, "7707d6ae4e027c70eea2a935c2296f21"},
      {Algorithm::sha1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
      {Algorithm::sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
      {Algorithm::sha512,
       "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
  };
  for (const auto& [algorithm, hex] : expected) {
    digest::Hasher hasher(algorithm);
    std::string chunk(997, 'a');
    for (std::size_t left = 1000000; left;) {
      std::size_t n = std::min(left, chunk.size());
      hasher.update(chunk.data(), n);
      left -= n;
    }
    EXPECT_EQ(hasher.finish_hex(), hex) << digest::name(algorithm);
    // finish_hex starts over: the next digest is of what comes after.
    hasher.update("abc");
    EXPECT_EQ(hasher.finish_hex(), digest::bytes_hex("abc", algorithm));
  }
}

TEST(Digest, FilesMatchCoreutils) {
  fs::path dir = fs::path(IMGBUILD_TEST_TMP) / "digest";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<fs::path> files;
  for (std::size_t size : {0u, 1u, 55u, 64u, 111u, 128u, 65536u, 3000017u}) {
    fs::path path = dir / ("f" + std::to_string(size));
    std::string content(size, '\0');
    std::uint32_t state = static_cast<std::uint32_t>(size) + 1;
    for (char& c : content) c = static_cast<char>((state = state * 1103515245u + 12345u) >> 24);
    std::ofstream(path, std::ios::binary) << content;
    files.push_back(path);
  }
  // A real file of tens of megabytes where the installer images are installed.
  fs::path initrd = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz";
  if (fs::exists(initrd)) files.push_back(initrd);
  for (const fs::path& file : files)
    for (Algorithm algorithm : k_all)
      EXPECT_EQ(digest::file_hex(file.string(), algorithm), coreutils_hex(algorithm, file))
          << file << " " << digest::name(algorithm);
  EXPECT_THROW(digest::file_hex((dir / "missing").string(), Algorithm::sha256), Error);
}

TEST(Digest, AlgorithmOfHexLength) {
  EXPECT_EQ(digest::algorithm_of_hex_length(32), Algorithm::md5);
  EXPECT_EQ(digest::algorithm_of_hex_length(40), Algorithm::sha1);
  EXPECT_EQ(digest::algorithm_of_hex_length(64), Algorithm::sha256);
  EXPECT_EQ(digest::algorithm_of_hex_length(128), Algorithm::sha512);
  EXPECT_EQ(digest::algorithm_of_hex_length(56), std::nullopt);  // SHA-224: no Debian sums file
  EXPECT_EQ(digest::algorithm_of_hex_length(0), std::nullopt);
}
