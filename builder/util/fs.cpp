// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/fs.hpp"
#include "util/io_chunk.hpp"
#include "util/progress.hpp"

#include "util/error.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <mutex>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace imgbuild::util {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Fixed-size table of temp paths, readable from a signal handler without allocation.
constexpr int k_max_temp_paths = 64;
constexpr int k_max_temp_path_length = 4096;
struct TempSlot {
  std::atomic<bool> used{false};
  bool is_directory = false;
  char path[k_max_temp_path_length] = {};
};
TempSlot g_temp_slots[k_max_temp_paths];
std::mutex g_temp_mutex;

void remove_tree_signal_safe(const char* path);

extern "C" void cleanup_and_exit(int signal_number) {
  for (auto& slot : g_temp_slots) {
    if (!slot.used.load()) continue;
    if (slot.is_directory)
      remove_tree_signal_safe(slot.path);
    else
      ::unlink(slot.path);
  }
  ::_exit(128 + signal_number);
}

// Recursive removal using only async-signal-safe calls (openat, getdents64, unlinkat), so
// a Ctrl-C during a build leaves no temp directory behind.
void remove_tree_at(int parent_fd, const char* name, int depth) {
  if (depth > 64) return;
  if (::unlinkat(parent_fd, name, 0) == 0) return;
  int fd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buffer[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
    if (n <= 0) break;
    for (long offset = 0; offset < n;) {
      struct Entry {
        std::uint64_t inode;
        std::int64_t next;
        unsigned short length;
        unsigned char type;
        char name[1];
      };
      auto* entry = reinterpret_cast<Entry*>(buffer + offset);
      offset += entry->length;
      if (std::strcmp(entry->name, ".") == 0 || std::strcmp(entry->name, "..") == 0) continue;
      remove_tree_at(fd, entry->name, depth + 1);
    }
  }
  ::close(fd);
  ::unlinkat(parent_fd, name, AT_REMOVEDIR);
}

void remove_tree_signal_safe(const char* path) { remove_tree_at(AT_FDCWD, path, 0); }

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (m_fd >= 0) ::close(m_fd);
}

Fd open_for_reading(const std::string& path, std::string_view what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT)
      throw Error(path, std::string(what) + " does not exist", "check the path");
    throw Error(path, "cannot access " + std::string(what) + ": " + errno_text(err));
  }
  if (S_ISDIR(st.st_mode))
    throw Error(path, std::string(what) + " is a directory", "give the path of a regular file");
  if (!S_ISREG(st.st_mode))
    throw Error(path, std::string(what) + " is not a regular file (FIFO, socket or device)",
                "copy it to a regular file first");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    throw Error(path, "cannot open " + std::string(what) + ": " + errno_text(err),
                err == EACCES ? "check its permissions" : "");
  }
  // Recheck on the descriptor: the path may have been swapped for a FIFO since stat().
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path, std::string(what) + " is not a regular file");
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return Fd(fd);
}

std::string read_small_file(const std::string& path, std::uint64_t max_size, std::string_view what) {
  Fd fd = open_for_reading(path, what);
  struct stat st;
  ::fstat(fd.get(), &st);
  if (static_cast<std::uint64_t>(st.st_size) > max_size)
    throw Error(path, std::string(what) + " is " + std::to_string(st.st_size) +
                          " bytes, more than the " + std::to_string(max_size) + " accepted",
                "is this the right file?");
  std::string content;
  content.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path, "cannot read " + std::string(what) + ": " + errno_text(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  content.resize(done);
  return content;
}

void write_all(int fd, std::string_view data, const std::string& subject) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      throw Error(subject, "cannot write: " + errno_text(err), err == ENOSPC ? "free some space on that filesystem" : "", 3);
    }
    done += static_cast<std::size_t>(n);
  }
}

std::uint64_t file_size_or_zero(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
}

void read_chunks(const std::string& path, const std::function<void(const std::uint8_t*, std::size_t)>& consume,
                 ProgressStep* progress) {
  Fd fd = open_for_reading(path);
  IoBuffer buffer;
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path, "cannot read: " + errno_text(errno));
    }
    if (n == 0) break;
    consume(buffer.data(), static_cast<std::size_t>(n));
    if (progress) progress->advance(static_cast<std::uint64_t>(n));
  }
}

const char* clone_method_name(CloneMethod method) {
  switch (method) {
    case CloneMethod::reflink: return "reflink";
    case CloneMethod::copy_file_range: return "copy_file_range";
    case CloneMethod::stream: return "stream";
  }
  return "?";
}

CloneMethod clone_file(const std::string& from, const std::string& to) {
  Fd in = open_for_reading(from);
  Fd out(::open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!out) throw Error(to, "cannot open for writing: " + errno_text(errno), "", 3);
  if (::ioctl(out.get(), FICLONE, in.get()) == 0) return CloneMethod::reflink;
  struct stat st;
  if (::fstat(in.get(), &st) != 0) throw Error(from, "cannot read: " + errno_text(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  // copy_file_range may refuse (EXDEV across filesystems on older kernels, EINVAL or
  // EOPNOTSUPP on some filesystems) before copying anything: then the loop below does it.
  std::uint64_t done = 0;
  bool in_kernel = true;
  while (done < size) {
    ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<std::size_t>(size - done), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && done == 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)) {
      in_kernel = false;
      break;
    }
    if (n < 0) {
      int err = errno;
      throw Error(to, "cannot write: " + errno_text(err), err == ENOSPC ? "free some space on that filesystem" : "", 3);
    }
    if (n == 0) break;  // the file shrank meanwhile: what is there is copied
    done += static_cast<std::uint64_t>(n);
  }
  if (in_kernel) return CloneMethod::copy_file_range;
  IoBuffer buffer;
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(from, "cannot read: " + errno_text(errno));
    if (n == 0) break;
    write_all(out.get(), std::string_view(buffer.chars(), static_cast<std::size_t>(n)), to);
  }
  return CloneMethod::stream;
}

void write_file_atomically(const std::string& path, std::string_view content, mode_t mode) {
  AtomicOutput out(path);
  Fd fd(::open(out.temp_path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) throw Error(out.temp_path(), "cannot open for writing: " + errno_text(errno));
  write_all(fd.get(), content, path);
  out.set_mode(mode);
  out.commit();
}

AtomicOutput::AtomicOutput(std::string target_path) : m_target_path(std::move(target_path)) {
  fs::path target(m_target_path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string pattern = (dir / ("." + target.filename().string() + ".imgbuild-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  int fd = ::mkstemp(buffer.data());
  if (fd < 0) {
    int err = errno;
    throw Error(dir.string(), "cannot create a file in the output directory: " + errno_text(err),
                "check that it exists and is writable");
  }
  ::close(fd);
  m_temp_path = buffer.data();
  register_temp_path(m_temp_path, false);
}

AtomicOutput::~AtomicOutput() {
  if (!m_committed) {
    ::unlink(m_temp_path.c_str());
    unregister_temp_path(m_temp_path);
  }
}

void AtomicOutput::commit() {
  Fd fd(::open(m_temp_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) {
    int err = errno;
    throw Error(m_target_path, "cannot flush the output to disk: " + errno_text(err),
                err == ENOSPC ? "free some space on that filesystem" : "", 3);
  }
  // Temp files come from mkstemp with mode 0600; outputs get the usual 0644 less umask.
  mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat st;
  if (m_mode != 0) {
    ::fchmod(fd.get(), m_mode);
  } else if (::fstat(fd.get(), &st) == 0 && (st.st_mode & 0777) == 0600) {
    ::fchmod(fd.get(), 0666 & ~mask);
  }
  if (::rename(m_temp_path.c_str(), m_target_path.c_str()) != 0) {
    int err = errno;
    throw Error(m_target_path, "cannot move the finished output into place: " + errno_text(err));
  }
  // Make the rename itself durable.
  fs::path dir = fs::path(m_target_path).parent_path();
  Fd dir_fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd) ::fsync(dir_fd.get());
  m_committed = true;
  unregister_temp_path(m_temp_path);
}

namespace {

std::string temp_pattern(std::string_view purpose) {
  const char* base = std::getenv("TMPDIR");
  return std::string(base && *base ? base : "/tmp") + "/imgbuild-" + std::string(purpose) + "-XXXXXX";
}

std::string temp_fix(std::string_view fix) {
  return fix.empty() ? std::string("set TMPDIR to a writable directory") : std::string(fix);
}

}  // namespace

fs::path create_temp_directory(std::string_view purpose, std::string_view fix) {
  std::string pattern = temp_pattern(purpose);
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) {
    int err = errno;
    throw Error(pattern, "cannot create a temporary directory: " + errno_text(err), temp_fix(fix), 3);
  }
  return buffer.data();
}

fs::path create_temp_file(std::string_view purpose, std::string_view fix) {
  std::string pattern = temp_pattern(purpose);
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  int fd = ::mkstemp(buffer.data());
  if (fd < 0) {
    int err = errno;
    throw Error(pattern, "cannot create a temporary file: " + errno_text(err), temp_fix(fix), 3);
  }
  ::close(fd);
  return buffer.data();
}

TempDir::TempDir(std::string_view purpose) : m_path(create_temp_directory(purpose)) {
  register_temp_path(m_path.string(), true);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(m_path, ignored);
  unregister_temp_path(m_path.string());
}

void install_cleanup_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = cleanup_and_exit;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
}

void register_temp_path(const std::string& path, bool is_directory) {
  std::lock_guard lock(g_temp_mutex);
  if (path.size() >= k_max_temp_path_length) return;
  for (auto& slot : g_temp_slots) {
    if (slot.used.load()) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.is_directory = is_directory;
    slot.used.store(true);
    return;
  }
}

void unregister_temp_path(const std::string& path) {
  std::lock_guard lock(g_temp_mutex);
  for (auto& slot : g_temp_slots) {
    if (slot.used.load() && path == slot.path) {
      slot.used.store(false);
      return;
    }
  }
}

void check_output_path(const std::string& output_path, const std::string& must_differ_from) {
  if (output_path.empty()) throw Error("--output", "no output path given", "pass -o FILE");
  fs::path out(output_path);
  fs::path dir = out.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(output_path, "output directory " + dir.string() + " does not exist",
                "create it first");
  if (::access(dir.c_str(), W_OK) != 0)
    throw Error(output_path, "output directory " + dir.string() + " is not writable",
                "choose a writable directory");
  if (fs::is_directory(out, ec))
    throw Error(output_path, "output path is a directory", "name a file, e.g. " +
                (out / "image.iso").string());
  if (!must_differ_from.empty() && fs::exists(out, ec) &&
      fs::equivalent(out, must_differ_from, ec))
    throw Error(output_path, "output is the same file as the input " + must_differ_from,
                "write to a new file; imgbuild never modifies its inputs");
}

}  // namespace imgbuild::util
