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

}  // namespace imgbuild::util
