// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as the text files inspect reads. Checks, beyond "no
// crash, no sanitizer report, no hang":
//  - as an expect profile (TOML through config::Table): the only exception is
//    imgbuild::Error naming the file at a line; a profile that parses has expectations in
//    file order, each with a non-empty value and a line;
//  - as a dpkg status file and an apt sources file (one-line and deb822), read through
//    debformat: the only exception is imgbuild::Error; every package read is installed
//    and named.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./inspect_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "inspect/expect.hpp"
#include "inspect/facts.hpp"
#include "util/error.hpp"

using namespace imgbuild::inspect;

namespace {

void check_profile(const std::string& text) {
  Profile profile;
  try {
    profile = parse_profile(text, "fuzz.toml");
  } catch (const imgbuild::Error& e) {
    if (std::string(e.what()).rfind("fuzz.toml", 0) != 0) std::abort();
    return;
  }
  if (profile.expectations.empty()) std::abort();
  int previous = 0;
  for (const auto& e : profile.expectations) {
    if (e.value.empty() || e.line < 1 || e.line < previous) std::abort();
    previous = e.line;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  check_profile(text);
  parse_sources("/etc/apt/sources.list", text);
  try {
    for (const auto& [name, package] : parse_dpkg_status(text)) {
      // Installed means dpkg's state word "installed" with the "ok" flag (any want).
      std::istringstream words(package.status);
      std::string want, eflag, state, extra;
      words >> want >> eflag >> state;
      if (name.empty() || eflag != "ok" || state != "installed" || (words >> extra)) std::abort();
    }
  } catch (const imgbuild::Error&) {
  }
  try {
    parse_sources("/etc/apt/sources.list.d/debian.sources", text);
  } catch (const imgbuild::Error&) {
  }
  return 0;
}
