// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/base_checksum.hpp"

#include "digest/digest.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"
#include "util/text.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unistd.h>
#include <vector>

namespace imgbuild::remaster {

namespace {

bool is_hex(std::string_view text) {
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return !text.empty();
}

using util::lower;

}  // namespace

std::string find_sum(std::string_view text, const std::string& file_name) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::string_view digest = line.substr(0, space);
    std::string_view name = line.substr(space + 1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '*')) name.remove_prefix(1);
    if (name.rfind("./", 0) == 0) name.remove_prefix(2);
    if (std::filesystem::path(std::string(name)).filename() == file_name && is_hex(digest))
      return lower(std::string(digest));
  }
  return {};
}

void check_base_sha256(const std::string& base_path, const std::string& expected_hex) {
  std::string expected = lower(expected_hex);
  if (expected.size() != 64 || !is_hex(expected))
    throw Error("--base-sha256", "'" + expected_hex + "' is not a SHA-256 digest (64 hex digits)",
                "copy it from the SHA256SUMS file published beside the ISO");
  util::ProgressStep progress("checking the SHA-256 of " + base_path, util::file_size_or_zero(base_path));
  std::string actual = digest::file_hex(base_path, digest::Algorithm::sha256, &progress);
  if (actual != expected)
    throw Error(base_path, "SHA-256 is " + actual + ", not the expected " + expected,
                "the download is damaged or not the published image: download it again");
}

void check_base_against_sums(const std::string& base_path, const std::string& sums_path) {
  std::string text = util::read_small_file(sums_path, 16u << 20, "checksum file");
  std::string name = std::filesystem::path(base_path).filename().string();
  std::string expected = find_sum(text, name);
  if (expected.empty())
    throw Error(sums_path, "does not list " + name, "give the checksum file published beside this ISO");
  // The one algorithm the file names (by its digests' length): the base ISO is read once,
  // for that digest only.
  std::optional<digest::Algorithm> algorithm = digest::algorithm_of_hex_length(expected.size());
  if (!algorithm)
    throw Error(sums_path, "the digest for " + name + " has " + std::to_string(expected.size()) +
                               " hex digits: not MD5, SHA-1, SHA-256 or SHA-512", "is this a checksum file?");
  util::ProgressStep progress("checking " + base_path + " against " + sums_path, util::file_size_or_zero(base_path));
  std::string actual = digest::file_hex(base_path, *algorithm, &progress);
  if (actual != expected)
    throw Error(base_path, "does not match " + sums_path + " (" + actual + " != " + expected + ")",
                "the download is damaged or not the published image: download it again");
}

}  // namespace imgbuild::remaster
