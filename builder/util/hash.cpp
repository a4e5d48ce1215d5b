// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/hash.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <xxhash.h>

#include <cstring>
#include <new>

namespace imgbuild::util {

struct Xxh3_128::State {
  XXH3_state_t* xxh3 = nullptr;
  ~State() { XXH3_freeState(xxh3); }
};

Xxh3_128::Xxh3_128() : m_state(std::make_unique<State>()) {
  m_state->xxh3 = XXH3_createState();
  if (!m_state->xxh3) throw std::bad_alloc();
  XXH3_128bits_reset(m_state->xxh3);
}

Xxh3_128::~Xxh3_128() = default;

void Xxh3_128::update(const void* data, std::size_t size) {
  XXH3_128bits_update(m_state->xxh3, data, size);
}

void Xxh3_128::update_field(std::string_view text) {
  std::uint64_t size = text.size();
  std::uint8_t prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<std::uint8_t>(size >> (56 - 8 * i));
  update(prefix, sizeof prefix);
  update(text);
}

Xxh3_128::Digest Xxh3_128::digest() const {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(m_state->xxh3));
  Digest out;
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

std::string Xxh3_128::hex() const {
  auto d = digest();
  return to_hex(d.data(), d.size());
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

std::string xxh3_128_file_hex(const std::string& path, ProgressStep* progress) {
  Xxh3_128 hash;
  read_chunks(path, [&](const std::uint8_t* data, std::size_t size) { hash.update(data, size); }, progress);
  return hash.hex();
}

}  // namespace imgbuild::util
