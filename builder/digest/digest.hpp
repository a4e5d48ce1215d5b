// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// MD5, SHA-1, SHA-256 and SHA-512 through nettle, streaming: what apt's indices list,
// what Debian publishes beside its ISOs (MD5SUMS ... SHA512SUMS) and what md5sum.txt on an
// installer disc holds. The only module that includes nettle's headers.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::util {
class ProgressStep;
}

namespace imgbuild::digest {

enum class Algorithm { md5, sha1, sha256, sha512 };

const char* name(Algorithm algorithm);  // "MD5", "SHA-1", "SHA-256", "SHA-512"
// The algorithm whose hex digest has this many digits (32, 40, 64, 128), else nullopt.
std::optional<Algorithm> algorithm_of_hex_length(std::size_t hex_digits);

class Hasher {
 public:
  explicit Hasher(Algorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Algorithm algorithm() const { return m_algorithm; }
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Lower-case hex of everything fed since construction (or the last finish_hex: the
  // hasher then starts over).
  std::string finish_hex();

 private:
  struct State;
  Algorithm m_algorithm;
  std::unique_ptr<State> m_state;
};

// One algorithm over a file, streamed; an Error naming the file when it cannot be read.
// `progress`, when given, advances as the file is read.
std::string file_hex(const std::string& path, Algorithm algorithm, util::ProgressStep* progress = nullptr);
std::string bytes_hex(std::string_view data, Algorithm algorithm);

}  // namespace imgbuild::digest
