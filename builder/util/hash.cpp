// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/hash.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/io_chunk.hpp"
#include "util/progress.hpp"

#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

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

namespace {

// One segment's canonical digest, read with pread (the threads share the descriptor, not
// a file position).
Xxh3_128::Digest hash_segment(int fd, const std::string& path, std::uint64_t offset, std::uint64_t length,
                              IoBuffer& buffer, ProgressStep* progress) {
  Xxh3_128 hash;
  for (std::uint64_t got = 0; got < length;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length - got));
    ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) throw Error(path, "shrank while it was read", "do not change the base during a build");
    hash.update(buffer.data(), static_cast<std::size_t>(n));
    got += static_cast<std::uint64_t>(n);
    if (progress) progress->advance(static_cast<std::uint64_t>(n));  // safe from any thread
  }
  return hash.digest();
}

}  // namespace

std::string segmented_xxh3_128_file_hex(const std::string& path, ProgressStep* progress, unsigned threads,
                                        std::uint64_t segment) {
  Fd fd = open_for_reading(path);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) throw Error(path, std::string("cannot read: ") + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (segment == 0) segment = k_hash_segment;
  const std::uint64_t segments = (size + segment - 1) / segment;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  threads = static_cast<unsigned>(std::clamp<std::uint64_t>(segments, 1, threads));

  std::vector<Xxh3_128::Digest> digests(segments);
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_lock;
  // Each thread takes the next segment; this one works too.
  auto work = [&] {
    IoBuffer buffer;
    try {
      for (std::uint64_t i; !failed && (i = next++) < segments;) {
        digests[i] = hash_segment(fd.get(), path, i * segment,
                                  std::min(segment, size - i * segment), buffer, progress);
      }
    } catch (...) {
      std::lock_guard<std::mutex> hold(failure_lock);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
  }  // the helpers are joined here
  if (failure) std::rethrow_exception(failure);

  Xxh3_128 whole;
  whole.update_field("imgbuild-segmented-xxh3-128");
  whole.update_field(std::to_string(segment));
  whole.update_field(std::to_string(size));
  for (const auto& digest : digests) whole.update(digest.data(), digest.size());
  return whole.hex();
}

}  // namespace imgbuild::util
