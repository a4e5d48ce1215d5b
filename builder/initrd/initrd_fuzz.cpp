// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as an initrd file. Reading members must never crash
// or hang; imgbuild::Error is an accepted outcome.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./initrd_fuzz -max_total_time=60
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "initrd/initrd.hpp"
#include "util/error.hpp"

using namespace imgbuild;

namespace {

// One temp file for the whole run, rewritten for every input.
const std::string& temp_path() {
  static const std::string path = [] {
    std::string tmpl = "/tmp/initrd_fuzz.XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd < 0) std::abort();
    close(fd);
    return tmpl;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = temp_path();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    (void)initrd::read_member(path, "preseed.cfg", 1 << 20);
  } catch (const Error&) {
  }
  try {
    (void)initrd::read_members_from_bytes(
        std::string_view(reinterpret_cast<const char*>(data), size),
        [](const std::string& name) { return name.find("templates") != std::string::npos; }, 4 << 20, "fuzz");
  } catch (const Error&) {
  }
  return 0;
}
