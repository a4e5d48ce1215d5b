// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace imgbuild::util {

// Streaming XXH3-128 with a canonical (big-endian) digest, so the hex form is the same on
// every machine: used for manifests, build ids and cache keys.
class Xxh3_128 {
 public:
  using Digest = std::array<std::uint8_t, 16>;

  Xxh3_128();
  ~Xxh3_128();
  Xxh3_128(const Xxh3_128&) = delete;
  Xxh3_128& operator=(const Xxh3_128&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Feeds a length-prefixed field, so ("ab","c") and ("a","bc") hash differently.
  void update_field(std::string_view text);
  Digest digest() const;
  std::string hex() const;

 private:
  // xxHash's state, behind a pointer so that <xxhash.h> stays inside util/hash.cpp.
  struct State;
  std::unique_ptr<State> m_state;
};

std::string to_hex(const std::uint8_t* data, std::size_t size);
// Hash of a file's bytes, streamed; throws Error naming the file when it cannot be read.
class ProgressStep;
std::string xxh3_128_file_hex(const std::string& path, ProgressStep* progress = nullptr);

// A digest of a large file read by several threads at once: the XXH3-128 of a header
// ("imgbuild-segmented-xxh3-128", the segment size, the file size) followed by the
// canonical XXH3-128 of each k_hash_segment-byte segment in order. Each segment is one
// thread's streaming read, so on two cores a 4 GB base is hashed in about half the time
// of one stream (which tops out at one core: the kernel's copy plus XXH3). Not the same
// value as xxh3_128_file_hex; `tests/e2e/build-reproducible.sh` computes it with xxhsum.
inline constexpr std::uint64_t k_hash_segment = 64ull << 20;
// threads 0: one a core, at most 4; any count gives the same digest. `segment` other than
// k_hash_segment is for tests.
std::string segmented_xxh3_128_file_hex(const std::string& path, ProgressStep* progress = nullptr,
                                        unsigned threads = 0, std::uint64_t segment = k_hash_segment);

}  // namespace imgbuild::util
