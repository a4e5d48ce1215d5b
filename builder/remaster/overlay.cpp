// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/overlay.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/io_chunk.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace imgbuild::remaster {

unsigned normalised_mode(unsigned mode, bool is_directory) {
  if (is_directory || (mode & 0111)) return 0755;
  return 0644;
}

bool symlink_stays_inside(const std::string& link_relative, const std::string& target) {
  if (target.empty() || target.front() == '/') return false;
  // Depth of the directory holding the link, then walk the target's components.
  std::vector<std::string> parts;
  std::string dir = fs::path(link_relative).parent_path().string();
  std::size_t start = 0;
  while (!dir.empty() && start <= dir.size()) {
    std::size_t end = dir.find('/', start);
    if (end == std::string::npos) end = dir.size();
    std::string part = dir.substr(start, end - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = end + 1;
  }
  start = 0;
  while (start <= target.size()) {
    std::size_t end = target.find('/', start);
    if (end == std::string::npos) end = target.size();
    std::string part = target.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  return true;
}

namespace {

void copy_file_contents(const fs::path& from, const fs::path& to, const std::string& subject,
                        std::vector<std::string>& id_fields) {
  util::Fd in = util::open_for_reading(from.string(), subject);
  util::Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw Error(to.string(), std::string("cannot create staging file: ") + std::strerror(errno), "", 3);
  util::IoBuffer buffer;
  util::Xxh3_128 content;
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.chars(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(from.string(), std::string("cannot read: ") + std::strerror(errno), "check its permissions");
    }
    if (n == 0) break;
    content.update(buffer.chars(), static_cast<std::size_t>(n));
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buffer.chars() + done, static_cast<std::size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        throw Error(to.string(), std::string("cannot write staging file: ") + std::strerror(err),
                    err == ENOSPC ? "free some space in $TMPDIR" : "", 3);
      }
      done += w;
    }
  }
  id_fields.push_back(content.hex());
}

}  // namespace

std::uint64_t stage_overlay(const fs::path& source, const fs::path& destination, const std::string& option_name,
                            std::uint64_t max_file_size, std::vector<std::string>& id_fields) {
  std::error_code ec;
  auto status = fs::symlink_status(source, ec);
  if (ec || !fs::exists(status))
    throw Error(source.string(), option_name + " directory does not exist", "check the path");
  if (!fs::is_directory(fs::status(source, ec)))
    throw Error(source.string(), option_name + " is not a directory", "give a directory whose tree is copied");

  // Sorted walk, so the build id does not depend on directory order on disk.
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(source, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    entries.push_back(it->path());
  if (ec) throw Error(source.string(), "cannot read " + option_name + " tree: " + ec.message(), "check its permissions");
  std::sort(entries.begin(), entries.end());

  fs::create_directories(destination);
  ::chmod(destination.c_str(), 0755);
  std::uint64_t files = 0;
  for (const auto& path : entries) {
    std::string relative = path.lexically_relative(source).string();
    fs::path target = destination / relative;
    struct stat st;
    // Several overlays merge into one tree: a later overlay's file replaces an earlier one's.
    struct stat existing;
    if (::lstat(target.c_str(), &existing) == 0 && !S_ISDIR(existing.st_mode)) ::unlink(target.c_str());
    if (::lstat(path.c_str(), &st) != 0)
      throw Error(path.string(), std::string("cannot read: ") + std::strerror(errno), "check its permissions");
    if (S_ISLNK(st.st_mode)) {
      std::string link_target = fs::read_symlink(path, ec).string();
      if (!symlink_stays_inside(relative, link_target))
        throw Error(path.string(), "symlink to '" + link_target + "' leads outside the " + option_name + " tree",
                    "replace it with a relative link inside the tree or with the file itself");
      fs::create_symlink(link_target, target, ec);
      if (ec) throw Error(target.string(), "cannot create symlink: " + ec.message(), "", 3);
      id_fields.push_back("l:" + relative + "->" + link_target);
    } else if (S_ISDIR(st.st_mode)) {
      fs::create_directories(target);
      ::chmod(target.c_str(), normalised_mode(st.st_mode, true));
      id_fields.push_back("d:" + relative);
    } else if (S_ISREG(st.st_mode)) {
      if (static_cast<std::uint64_t>(st.st_size) > max_file_size)
        throw Error(path.string(), "file is " + std::to_string(st.st_size) +
                                       " bytes, too large for the chosen ISO level",
                    "use --iso-level 3 (files of 4 GiB and more need it)");
      if (::access(path.c_str(), R_OK) != 0)
        throw Error(path.string(), "file in the " + option_name + " tree is not readable", "check its permissions");
      copy_file_contents(path, target, option_name + " file", id_fields);
      unsigned mode = normalised_mode(st.st_mode, false);
      ::chmod(target.c_str(), mode);
      id_fields.push_back("f:" + relative + ":" + std::to_string(mode));
      ++files;
    } else {
      throw Error(path.string(), "is a device node, FIFO or socket: " + option_name + " trees hold only files, directories and symlinks",
                  "remove it from the tree");
    }
  }
  return files;
}

}  // namespace imgbuild::remaster
