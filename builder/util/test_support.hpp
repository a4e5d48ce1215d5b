// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Helpers shared by the GoogleTest unit tests (*_test.cpp only, never by the tool): a fresh
// scratch directory under the build tree, whole-file reads and writes, and running an
// independent reference tool (gzip, cpio, dpkg-deb, gpgv...) whose failure fails the test.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace imgbuild::test {

// IMGBUILD_TEST_TMP/<module>/<name>, emptied: each test starts from nothing and leaves
// its files for a look after a failure.
inline std::filesystem::path fresh_dir(const std::string& module, const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(IMGBUILD_TEST_TMP) / module / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Runs a shell command; its stdout, and a test failure when it exits non-zero.
inline std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = ::pclose(pipe);
  if (status != 0) ADD_FAILURE() << command << " exited with " << status;
  return out;
}

}  // namespace imgbuild::test
