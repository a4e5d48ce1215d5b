// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/process.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace imgbuild::vm {

namespace {

// Children to kill on a fatal signal; read by the handler without locks or allocation.
constexpr int k_max_children = 16;
std::atomic<pid_t> g_children[k_max_children];
constexpr int k_signals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];
std::once_flag g_handlers_installed;
std::atomic<int> g_interrupt_scopes{0};
std::atomic<int> g_interrupted_by{0};

extern "C" void kill_children_then_chain(int signal_number) {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  int none = 0;
  if (g_interrupt_scopes.load() > 0 && g_interrupted_by.compare_exchange_strong(none, signal_number)) return;
  for (int i = 0; i < 3; ++i) {
    if (k_signals[i] != signal_number) continue;
    const struct sigaction& previous = g_previous[i];
    if (previous.sa_handler == SIG_IGN) return;
    if (previous.sa_handler == SIG_DFL) {
      ::signal(signal_number, SIG_DFL);
      ::raise(signal_number);
      return;
    }
    // util's handler removes temp files and _exits with 128+signal.
    previous.sa_handler(signal_number);
  }
}

void install_handlers() {
  std::call_once(g_handlers_installed, [] {
    struct sigaction action {};
    action.sa_handler = kill_children_then_chain;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; ++i) ::sigaction(k_signals[i], &action, &g_previous[i]);
  });
}

void register_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace

InterruptScope::InterruptScope() {
  install_handlers();
  g_interrupt_scopes.fetch_add(1);
}

InterruptScope::~InterruptScope() { g_interrupt_scopes.fetch_sub(1); }

int InterruptScope::signal() { return g_interrupted_by.load(); }

namespace {

std::string package_hint(const std::string& program) {
  if (program.starts_with("qemu-system")) return "install qemu-system-x86";
  if (program == "qemu-img") return "install qemu-utils";
  return "install it or check PATH";
}

}  // namespace

ChildProcess::~ChildProcess() { kill(); }

void ChildProcess::spawn(const std::vector<std::string>& argv, const std::string& stderr_path) {
  if (m_pid > 0) throw Error(argv.at(0), "internal: process already started");
  install_handlers();

  int out_pipe[2];
  int exec_pipe[2];  // reports an exec failure's errno; closed by a successful exec
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(exec_pipe, O_CLOEXEC) != 0)
    throw Error(argv[0], std::string("cannot create a pipe: ") + std::strerror(errno), "", 3);
  util::Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  util::Fd exec_read(exec_pipe[0]), exec_write(exec_pipe[1]);
  util::Fd err_fd(::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!err_fd)
    throw Error(stderr_path, std::string("cannot create: ") + std::strerror(errno), "", 3);
  util::Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  // Everything the child needs is prepared before fork: it may only call
  // async-signal-safe functions.
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw Error(argv[0], std::string("cannot fork: ") + std::strerror(errno), "", 3);
  if (pid == 0) {
    // Dies with imgbuild even when imgbuild is SIGKILLed; the check closes the race
    // where the parent died before prctl.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Its own process group: a terminal's Ctrl-C reaches imgbuild, which stops QEMU in
    // order, instead of both racing.
    ::setpgid(0, 0);
    for (int sig : k_signals) ::signal(sig, SIG_DFL);
    ::dup2(null_fd.get(), 0);
    ::dup2(out_write.get(), 1);
    ::dup2(err_fd.get(), 2);
    ::execvp(args[0], args.data());
    int err = errno;
    ssize_t ignored = ::write(exec_write.get(), &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  }
  m_pid = pid;
  register_child(pid);
  exec_write = util::Fd();
  out_write = util::Fd();
  int err = 0;
  ssize_t n;
  do {
    n = ::read(exec_read.get(), &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof err)) {
    kill();
    throw Error(argv[0], std::string("cannot run: ") + std::strerror(err), package_hint(argv[0]), 3);
  }
  m_stdout = std::move(out_read);
}

bool ChildProcess::running() {
  if (m_pid <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid || (r < 0 && errno == ECHILD)) {
    m_status = status;
    unregister_child(m_pid);
    m_pid = -1;
    return false;
  }
  return true;
}

bool ChildProcess::wait_for_exit(int milliseconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void ChildProcess::kill() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_status = status;
  unregister_child(m_pid);
  m_pid = -1;
}

namespace {

// Appends what the child writes on stdout until it closes it or `deadline` passes; false
// on the deadline (a child, or a grandchild it left behind, still holding stdout).
bool drain_until(int fd, std::chrono::steady_clock::time_point deadline, std::string& out) {
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd readable{fd, POLLIN, 0};
    int ready = ::poll(&readable, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return true;  // nothing more can be read: wait for the exit below
    if (ready == 0) continue;
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return true;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

bool run_command(const std::vector<std::string>& argv, std::string& output,
                 std::chrono::milliseconds timeout) {
  std::string log_path = util::create_temp_file("cmd");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ChildProcess child;
  try {
    child.spawn(argv, log_path);
  } catch (...) {
    ::unlink(log_path.c_str());
    throw;
  }
  // Drain stdout so the child never blocks on a full pipe; it is appended to `output`.
  // The deadline runs while reading: a child that hangs with stdout open is timed out too.
  std::string out;
  bool in_time = drain_until(child.stdout_fd(), deadline, out);
  if (in_time) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    in_time = child.wait_for_exit(static_cast<int>(std::max<long long>(left.count(), 0)));
  }
  int status = child.wait_status();
  bool ok = in_time && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  // The child leads its own process group: what it started goes with it.
  if (!in_time && child.pid() > 0) ::kill(-child.pid(), SIGKILL);
  child.kill();
  try {
    output = out + util::read_small_file(log_path, 1u << 20, "command output");
  } catch (const Error&) {
    output = out;
  }
  if (!in_time)
    output += argv.at(0) + ": killed after " + std::to_string(timeout.count()) + " ms without finishing\n";
  ::unlink(log_path.c_str());
  return ok;
}

}  // namespace imgbuild::vm
