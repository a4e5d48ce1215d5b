// SPDX-License-Identifier: GPL-2.0-or-later
#include "digest/digest.hpp"

#include "util/fs.hpp"
#include "util/hash.hpp"

#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

namespace imgbuild::digest {

struct Hasher::State {
  const nettle_hash* hash;
  union {
    md5_ctx md5;
    sha1_ctx sha1;
    sha256_ctx sha256;
    sha512_ctx sha512;
  } context;
};

namespace {

const nettle_hash& nettle_algorithm(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::md5: return nettle_md5;
    case Algorithm::sha1: return nettle_sha1;
    case Algorithm::sha256: return nettle_sha256;
    case Algorithm::sha512: return nettle_sha512;
  }
  return nettle_sha256;
}

}  // namespace

const char* name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::md5: return "MD5";
    case Algorithm::sha1: return "SHA-1";
    case Algorithm::sha256: return "SHA-256";
    case Algorithm::sha512: return "SHA-512";
  }
  return "?";
}

std::optional<Algorithm> algorithm_of_hex_length(std::size_t hex_digits) {
  for (Algorithm algorithm : {Algorithm::md5, Algorithm::sha1, Algorithm::sha256, Algorithm::sha512})
    if (nettle_algorithm(algorithm).digest_size * 2 == hex_digits) return algorithm;
  return std::nullopt;
}

Hasher::Hasher(Algorithm algorithm)
    : m_algorithm(algorithm), m_state(std::make_unique<State>()) {
  m_state->hash = &nettle_algorithm(algorithm);
  m_state->hash->init(&m_state->context);
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(const void* data, std::size_t size) {
  m_state->hash->update(&m_state->context, size, static_cast<const std::uint8_t*>(data));
}

std::string Hasher::finish_hex() {
  std::uint8_t out[SHA512_DIGEST_SIZE];
  unsigned size = m_state->hash->digest_size;
  // nettle's digest functions also reset the context for the next message.
  m_state->hash->digest(&m_state->context, size, out);
  return util::to_hex(out, size);
}

std::string file_hex(const std::string& path, Algorithm algorithm, util::ProgressStep* progress) {
  Hasher hasher(algorithm);
  util::read_chunks(path, [&](const std::uint8_t* data, std::size_t size) { hasher.update(data, size); }, progress);
  return hasher.finish_hex();
}

std::string bytes_hex(std::string_view data, Algorithm algorithm) {
  Hasher hasher(algorithm);
  hasher.update(data);
  return hasher.finish_hex();
}

}  // namespace imgbuild::digest
