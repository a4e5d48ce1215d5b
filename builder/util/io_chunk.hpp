// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace imgbuild::util {

// The size of one read(2) of a file streamed through user space. With a page-aligned
// buffer (IoBuffer) the size hardly matters: 64 KiB to 4 MiB all hash a cached 4 GB file
// in 1.1-1.3 s here; 128 KiB keeps the buffer small.
inline constexpr std::size_t k_io_chunk = 128 * 1024;

// A buffer for read(2) that starts on a page boundary. Why not std::vector: a 128 KiB
// vector comes from malloc's mmap path, 16 bytes past a page boundary, and the kernel's
// copy into a destination that is not cache-line aligned is several times slower on this
// kind of machine (AMD EPYC under a hypervisor, Linux 6.1): hashing a cached 4 GB file took
// 3.0-3.6 s (2.4-2.8 s of system time) into a buffer 16 bytes off a page, 0.9-1.1 s
// (0.5-0.6 s of system time) into one 0, 64 or 4096 bytes off (2026-12-02, read +
// XXH3_128bits_update in a C++ loop, the same file, alternating).
class IoBuffer {
 public:
  explicit IoBuffer(std::size_t size = k_io_chunk)
      : m_data(static_cast<std::uint8_t*>(::operator new(size, k_alignment))), m_size(size) {}
  ~IoBuffer() { ::operator delete(m_data, k_alignment); }
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;

  std::uint8_t* data() { return m_data; }
  char* chars() { return reinterpret_cast<char*>(m_data); }
  std::size_t size() const { return m_size; }

 private:
  static constexpr std::align_val_t k_alignment{4096};
  std::uint8_t* m_data;
  std::size_t m_size;
};

}  // namespace imgbuild::util
