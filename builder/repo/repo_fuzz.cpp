// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as Debian control data and as a .deb file.
//  - parse_paragraphs on the text; every Depends/Pre-Depends/Provides-like field through
//    parse_relations; Version fields through compare_versions, which must be a consistent
//    order (a == a, sign(a, b) == -sign(b, a)); render() of a parsed paragraph parses again.
//  - read_deb_control and read_maybe_compressed on the bytes as a file (ar, tar, gzip,
//    xz, zstd through libarchive).
// imgbuild::Error is an accepted outcome; a crash, a sanitizer report or a hang is not.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./repo_fuzz -max_total_time=60
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "debformat/control.hpp"
#include "repo/deb.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

using namespace imgbuild;

namespace {

int sign(int v) { return (v > 0) - (v < 0); }

// One in-memory file (memfd) for the whole run, rewritten for every input.
std::string write_file(const std::uint8_t* data, std::size_t size) {
  static int fd = ::memfd_create("repo_fuzz.deb", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (::ftruncate(fd, 0) != 0) std::abort();
  if (::lseek(fd, 0, SEEK_SET) != 0) std::abort();
  util::write_all(fd, std::string_view(reinterpret_cast<const char*>(data), size), "fuzz input");
  return "/proc/self/fd/" + std::to_string(fd);
}

void exercise_control(std::string_view text) {
  std::vector<debformat::Paragraph> paragraphs;
  try {
    paragraphs = debformat::parse_paragraphs(text, "fuzz-control");
  } catch (const Error&) {
    return;
  }
  std::vector<std::string> versions;
  for (const auto& p : paragraphs) {
    for (const auto& [name, value] : p.fields()) {
      (void)p.get(name);
      try {
        for (const auto& group : debformat::parse_relations(value, "fuzz-control"))
          for (const auto& relation : group) {
            (void)relation.to_string();
            (void)debformat::version_satisfies(value, relation.op, relation.version);
          }
      } catch (const Error&) {
      }
    }
    if (auto v = p.get("Version")) versions.push_back(*v);
    // What render() writes must read back (Packages indices are written this way).
    try {
      (void)debformat::parse_paragraphs(p.render(), "fuzz-render");
    } catch (const Error&) {
      std::abort();
    }
  }
  versions.emplace_back(text.substr(0, std::min<std::size_t>(text.size(), 64)));
  for (const auto& a : versions) {
    if (debformat::compare_versions(a, a) != 0) std::abort();
    for (const auto& b : versions)
      if (sign(debformat::compare_versions(a, b)) != -sign(debformat::compare_versions(b, a))) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  exercise_control(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string path = write_file(data, size);
  try {
    repo::DebControl control = repo::read_deb_control(path);
    if (control.package.empty() || control.version.empty() || control.architecture.empty()) std::abort();
  } catch (const Error&) {
  }
  try {
    (void)repo::read_maybe_compressed(path, 16u << 20);
  } catch (const Error&) {
  }
  return 0;
}
