// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

using namespace imgbuild;

namespace {

// Bytes that differ from segment to segment (a segment's digest must land in its place).
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : bytes) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return bytes;
}

// The definition in util/hash.hpp, written out over bytes in memory.
std::string segmented_by_definition(const std::string& bytes, std::uint64_t segment) {
  util::Xxh3_128 whole;
  whole.update_field("imgbuild-segmented-xxh3-128");
  whole.update_field(std::to_string(segment));
  whole.update_field(std::to_string(bytes.size()));
  for (std::uint64_t at = 0; at < bytes.size(); at += segment) {
    util::Xxh3_128 one;
    one.update(bytes.data() + at, std::min<std::uint64_t>(segment, bytes.size() - at));
    auto digest = one.digest();
    whole.update(digest.data(), digest.size());
  }
  return whole.hex();
}

}  // namespace

TEST(SegmentedXxh3, AnyThreadCountGivesTheDefinitionsDigest) {
  auto dir = test::fresh_dir("util", "segmented");
  const std::uint64_t segment = 1 << 20;
  // Whole segments, a short last one, one segment, less than one, nothing.
  for (std::size_t size : {std::size_t{4} << 20, (std::size_t{7} << 19) + 5, std::size_t{1} << 20,
                           std::size_t{1000}, std::size_t{0}}) {
    const std::string bytes = pattern(size);
    const auto path = dir / ("file-" + std::to_string(size));
    std::ofstream(path, std::ios::binary) << bytes;
    const std::string expected = segmented_by_definition(bytes, segment);
    for (unsigned threads : {1u, 2u, 3u, 8u})
      EXPECT_EQ(util::segmented_xxh3_128_file_hex(path.string(), nullptr, threads, segment), expected)
          << size << " bytes, " << threads << " threads";
  }
}

TEST(SegmentedXxh3, OneChangedByteInAnySegmentChangesIt) {
  auto dir = test::fresh_dir("util", "segmented-change");
  const std::uint64_t segment = 1 << 16;
  std::string bytes = pattern(5 * segment + 17);
  const auto path = (dir / "base").string();
  std::ofstream(path, std::ios::binary) << bytes;
  const std::string before = util::segmented_xxh3_128_file_hex(path, nullptr, 2, segment);
  for (std::size_t at : {std::size_t{0}, std::size_t{3 * segment + 1}, bytes.size() - 1}) {
    std::string changed = bytes;
    changed[at] = static_cast<char>(changed[at] ^ 1);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << changed;
    EXPECT_NE(util::segmented_xxh3_128_file_hex(path, nullptr, 2, segment), before) << at;
  }
  // Two segments swapped: the same digests in another order.
  std::string swapped = bytes.substr(segment, segment) + bytes.substr(0, segment) + bytes.substr(2 * segment);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << swapped;
  EXPECT_NE(util::segmented_xxh3_128_file_hex(path, nullptr, 2, segment), before);
}

TEST(SegmentedXxh3, AMissingFileNamesItself) {
  auto dir = test::fresh_dir("util", "segmented-missing");
  try {
    util::segmented_xxh3_128_file_hex((dir / "absent").string());
    FAIL() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent"), std::string::npos) << e.what();
  }
}
