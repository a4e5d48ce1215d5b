// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/digest.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using namespace imgbuild;

// Published test vectors (RFC 1321, FIPS 180 examples).
TEST(Digest, EmptyInput) {
  auto d = repo::digest_bytes("");
  EXPECT_EQ(d.size, 0u);
  EXPECT_EQ(d.md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(d.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(d.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Abc) {
  auto d = repo::digest_bytes("abc");
  EXPECT_EQ(d.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, TwoBlockMessage) {
  // 56 bytes: the padding spills into a second block.
  auto d = repo::digest_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(d.md5, "8215ef0796a20bcaaae116d3876c664a");
  EXPECT_EQ(d.sha1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(d.sha256, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Digest, MillionAsStreamedInOddChunks) {
  repo::MultiDigest digest;
  std::string chunk(997, 'a');
  std::size_t left = 1000000;
  while (left) {
    std::size_t n = std::min(left, chunk.size());
    digest.update(chunk.data(), n);
    left -= n;
  }
  auto d = digest.finish();
  EXPECT_EQ(d.size, 1000000u);
  EXPECT_EQ(d.md5, "7707d6ae4e027c70eea2a935c2296f21");
  EXPECT_EQ(d.sha1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  EXPECT_EQ(d.sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Digest, FileMatchesBytes) {
  std::string path = std::string(IMGBUILD_TEST_TMP) + "/digest-file.bin";
  std::filesystem::create_directories(IMGBUILD_TEST_TMP);
  std::string content;
  for (int i = 0; i < 200000; ++i) content += static_cast<char>(i * 7);
  std::ofstream(path, std::ios::binary) << content;
  auto a = repo::digest_file(path);
  auto b = repo::digest_bytes(content);
  EXPECT_EQ(a.size, content.size());
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(a.md5, b.md5);
  EXPECT_THROW(repo::digest_file(path + ".missing"), Error);
}

TEST(Digest, FileMatchesCoreutils) {
  std::string path = std::string(IMGBUILD_TEST_TMP) + "/digest-coreutils.bin";
  std::filesystem::create_directories(IMGBUILD_TEST_TMP);
  std::string content;
  for (int i = 0; i < 1000003; ++i) content += static_cast<char>(i * 31 + (i >> 9));
  std::ofstream(path, std::ios::binary) << content;
  auto sums = repo::digest_file(path);
  auto tool = [&](const char* name) {
    std::string command = std::string(name) + " '" + path + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[256] = {};
    std::size_t n = pipe ? std::fread(buffer, 1, sizeof buffer - 1, pipe) : 0;
    if (!pipe || ::pclose(pipe) != 0) ADD_FAILURE() << command << " failed";
    std::string out(buffer, n);
    return out.substr(0, out.find(' '));
  };
  EXPECT_EQ(sums.size, content.size());
  EXPECT_EQ(sums.md5, tool("md5sum"));
  EXPECT_EQ(sums.sha1, tool("sha1sum"));
  EXPECT_EQ(sums.sha256, tool("sha256sum"));
}
