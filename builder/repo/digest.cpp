// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/digest.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace imgbuild::repo {

namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}
std::uint32_t load_be32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

// RFC 1321 per-round shift amounts and sine-derived constants.
constexpr int k_md5_shift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
constexpr std::uint32_t k_md5_table[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391};

// FIPS 180-4 SHA-256 round constants.
constexpr std::uint32_t k_sha256_table[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

std::string hex_le(const std::uint32_t* words, std::size_t count) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < count; ++i)
    for (int b = 0; b < 4; ++b) bytes.push_back(std::uint8_t(words[i] >> (8 * b)));
  return util::to_hex(bytes.data(), bytes.size());
}
std::string hex_be(const std::uint32_t* words, std::size_t count) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < count; ++i)
    for (int b = 3; b >= 0; --b) bytes.push_back(std::uint8_t(words[i] >> (8 * b)));
  return util::to_hex(bytes.data(), bytes.size());
}

}  // namespace

MultiDigest::MultiDigest()
    : m_md5{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476},
      m_sha1{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0},
      m_sha256{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
               0x1f83d9ab, 0x5be0cd19} {}

void MultiDigest::md5_block(const std::uint8_t* block) {
  std::uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = load_le32(block + 4 * i);
  std::uint32_t a = m_md5[0], b = m_md5[1], c = m_md5[2], d = m_md5[3];
  for (int i = 0; i < 64; ++i) {
    std::uint32_t f;
    int g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    std::uint32_t next = d;
    d = c;
    c = b;
    b = b + rotl(a + f + k_md5_table[i] + m[g], k_md5_shift[i]);
    a = next;
  }
  m_md5[0] += a;
  m_md5[1] += b;
  m_md5[2] += c;
  m_md5[3] += d;
}

void MultiDigest::sha1_block(const std::uint8_t* block) {
  std::uint32_t w[80];
  for (int i = 0; i < 16; ++i) w[i] = load_be32(block + 4 * i);
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  std::uint32_t a = m_sha1[0], b = m_sha1[1], c = m_sha1[2], d = m_sha1[3], e = m_sha1[4];
  for (int i = 0; i < 80; ++i) {
    std::uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  m_sha1[0] += a;
  m_sha1[1] += b;
  m_sha1[2] += c;
  m_sha1[3] += d;
  m_sha1[4] += e;
}

void MultiDigest::sha256_block(const std::uint8_t* block) {
  std::uint32_t w[64];
  for (int i = 0; i < 16; ++i) w[i] = load_be32(block + 4 * i);
  for (int i = 16; i < 64; ++i) {
    std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t h[8];
  for (int i = 0; i < 8; ++i) h[i] = m_sha256[i];
  for (int i = 0; i < 64; ++i) {
    std::uint32_t s1 = rotr(h[4], 6) ^ rotr(h[4], 11) ^ rotr(h[4], 25);
    std::uint32_t ch = (h[4] & h[5]) ^ (~h[4] & h[6]);
    std::uint32_t t1 = h[7] + s1 + ch + k_sha256_table[i] + w[i];
    std::uint32_t s0 = rotr(h[0], 2) ^ rotr(h[0], 13) ^ rotr(h[0], 22);
    std::uint32_t maj = (h[0] & h[1]) ^ (h[0] & h[2]) ^ (h[1] & h[2]);
    std::uint32_t t2 = s0 + maj;
    h[7] = h[6];
    h[6] = h[5];
    h[5] = h[4];
    h[4] = h[3] + t1;
    h[3] = h[2];
    h[2] = h[1];
    h[1] = h[0];
    h[0] = t1 + t2;
  }
  for (int i = 0; i < 8; ++i) m_sha256[i] += h[i];
}

void MultiDigest::feed_blocks(const std::uint8_t* data, std::size_t size) {
  // All three algorithms use 64-byte blocks, so one buffer serves them.
  while (size > 0) {
    if (m_buffered == 0 && size >= 64) {
      md5_block(data);
      sha1_block(data);
      sha256_block(data);
      data += 64;
      size -= 64;
      continue;
    }
    std::size_t take = std::min<std::size_t>(64 - m_buffered, size);
    std::memcpy(m_buffer.data() + m_buffered, data, take);
    m_buffered += take;
    data += take;
    size -= take;
    if (m_buffered == 64) {
      md5_block(m_buffer.data());
      sha1_block(m_buffer.data());
      sha256_block(m_buffer.data());
      m_buffered = 0;
    }
  }
}

void MultiDigest::update(const void* data, std::size_t size) {
  m_total += size;
  feed_blocks(static_cast<const std::uint8_t*>(data), size);
}

FileDigests MultiDigest::finish() {
  FileDigests out;
  out.size = m_total;
  std::uint64_t bits = m_total * 8;
  // Padding: 0x80, zeros up to 56 mod 64, then the bit length (little-endian for MD5,
  // big-endian for the SHAs). The padding is identical except for that last 8 bytes, so
  // pad once and finish the last block separately per algorithm.
  std::uint8_t pad[72] = {0x80};
  std::size_t pad_length = (m_buffered < 56) ? 56 - m_buffered : 120 - m_buffered;
  feed_blocks(pad, pad_length);
  // m_buffered is now 56: the last block still needs its length field.
  std::array<std::uint8_t, 64> le = m_buffer, be = m_buffer;
  for (int i = 0; i < 8; ++i) {
    le[56 + i] = std::uint8_t(bits >> (8 * i));
    be[56 + i] = std::uint8_t(bits >> (8 * (7 - i)));
  }
  md5_block(le.data());
  sha1_block(be.data());
  sha256_block(be.data());
  m_buffered = 0;
  m_finished = true;
  out.md5 = hex_le(m_md5.data(), m_md5.size());
  out.sha1 = hex_be(m_sha1.data(), m_sha1.size());
  out.sha256 = hex_be(m_sha256.data(), m_sha256.size());
  return out;
}

FileDigests digest_bytes(std::string_view data) {
  MultiDigest digest;
  digest.update(data);
  return digest.finish();
}

FileDigests digest_file(const std::string& path) {
  util::Fd fd = util::open_for_reading(path, "package file");
  MultiDigest digest;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path, std::string("cannot read: ") + std::strerror(errno), "", 3);
    }
    if (n == 0) break;
    digest.update(buffer.data(), static_cast<std::size_t>(n));
  }
  return digest.finish();
}

}  // namespace imgbuild::repo
