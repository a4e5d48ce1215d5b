// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as a PE/COFF file (read_pe_signatures: headers,
// certificate table, PKCS#7 through OpenSSL, the PE hash) and as a FAT image (FatImage:
// boot sector, directories with long names, cluster chains, file reads). Hostile input
// must give an imgbuild::Error, never a crash, a sanitizer report or a hang.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./efi_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>

#include "efi/authenticode.hpp"
#include "efi/fat.hpp"
#include "util/error.hpp"

using namespace imgbuild;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    efi::read_pe_signatures(bytes, "fuzz.efi");
  } catch (const Error&) {
  }
  try {
    efi::FatImage fat(bytes, "fuzz.img");
    for (const auto& entry : fat.walk())
      if (!entry.is_dir) fat.read(entry, 1 << 20);
  } catch (const Error&) {
  }
  return 0;
}
