// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace imgbuild::util {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int get() const { return m_fd; }
  int release() { int fd = m_fd; m_fd = -1; return fd; }
  explicit operator bool() const { return m_fd >= 0; }

 private:
  int m_fd = -1;
};

// Opens a regular file for reading. A directory, FIFO, device or missing file is an Error
// naming the path: imgbuild never blocks on a FIFO handed to it as an ISO.
Fd open_for_reading(const std::string& path, std::string_view what = "file");

// Reads a whole regular file that is expected to be small (menus, preseeds, configs).
// Larger than max_size is an Error: such a file is not what the caller thinks it is.
std::string read_small_file(const std::string& path, std::uint64_t max_size = 16u << 20,
                            std::string_view what = "file");

// Writes all of `data` to `fd` (retrying short writes and EINTR); Error naming `subject`
// on failure (exit 3, with a hint for a full disk).
void write_all(int fd, std::string_view data, const std::string& subject);

// Streams a regular file in chunks of up to 1 MiB to `consume`; Error naming the file.
// A file's size, 0 when it cannot be read (a progress total, not a check).
std::uint64_t file_size_or_zero(const std::string& path);

class ProgressStep;
// `progress`, when given, advances by every chunk (util/io_chunk.hpp) read.
void read_chunks(const std::string& path, const std::function<void(const std::uint8_t*, std::size_t)>& consume,
                 ProgressStep* progress = nullptr);

// How clone_file copied.
enum class CloneMethod { reflink, copy_file_range, stream };
const char* clone_method_name(CloneMethod method);

// Copies the whole regular file `from` over the existing file `to`: sharing its extents
// where the filesystem can (FICLONE on btrfs and XFS: no data is copied), else in the
// kernel (copy_file_range), else reading and writing a chunk at a time (util/io_chunk.hpp). Error naming the
// file (exit 3, with a hint for a full disk) on failure.
CloneMethod clone_file(const std::string& from, const std::string& to);

// Writes bytes through fsync and rename, so `path` holds either the old or the new content.
void write_file_atomically(const std::string& path, std::string_view content, mode_t mode = 0644);

// An output file that appears only when commit() is called: it is written as a hidden
// temp file beside the target (same filesystem, so rename is atomic), fsync'd and renamed.
// Destroying it uncommitted, or a SIGINT/SIGTERM meanwhile, removes the temp file.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string target_path);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  const std::string& temp_path() const { return m_temp_path; }
  const std::string& target_path() const { return m_target_path; }
  // The mode the output gets (0600 for a file holding a secret); without it, 0666 less the
  // umask.
  void set_mode(mode_t mode) { m_mode = mode; }
  void commit();

 private:
  std::string m_target_path;
  std::string m_temp_path;
  mode_t m_mode = 0;
  bool m_committed = false;
};

// A new private (0700) directory $TMPDIR/imgbuild-PURPOSE-XXXXXX (/tmp when TMPDIR is
// unset or empty), left in place for the caller. Throws Error (exit 3) naming the pattern,
// with `fix` (default: set TMPDIR to a writable directory).
std::filesystem::path create_temp_directory(std::string_view purpose, std::string_view fix = {});
// The same for an empty file (0600), closed.
std::filesystem::path create_temp_file(std::string_view purpose, std::string_view fix = {});

// A private directory under $TMPDIR, removed recursively on destruction or on a signal.
class TempDir {
 public:
  explicit TempDir(std::string_view purpose = "work");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove every registered temp path and exit
// with 128+signal. Called once by main.
void install_cleanup_signal_handlers();
// Registered temp paths (AtomicOutput and TempDir do this themselves).
void register_temp_path(const std::string& path, bool is_directory);
void unregister_temp_path(const std::string& path);

// Checks that the directory that will receive `output_path` exists and is writable, and
// that the output is not one of the inputs; throws an Error naming the path otherwise.
void check_output_path(const std::string& output_path, const std::string& must_differ_from = {});

}  // namespace imgbuild::util
