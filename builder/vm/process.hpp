// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A child process that cannot outlive imgbuild: killed by the destructor, by a SIGINT/
// SIGTERM/SIGHUP handler chained in front of util's temp-file cleanup, and by the kernel
// (PR_SET_PDEATHSIG) should imgbuild itself be killed with SIGKILL.

#include "util/fs.hpp"

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace imgbuild::vm {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Starts argv[0] (searched in PATH) with stdin from /dev/null, stdout into a pipe that
  // stdout_fd() reads, stderr appended to `stderr_path`. Throws Error (exit 3) when
  // the program cannot be run (the message names it and the package to install).
  void spawn(const std::vector<std::string>& argv, const std::string& stderr_path);

  pid_t pid() const { return m_pid; }
  int stdout_fd() const { return m_stdout.get(); }
  // Reaps the child if it has ended; true while it runs.
  bool running();
  // Exit status as from waitpid, once ended.
  int wait_status() const { return m_status; }
  // Waits up to `milliseconds` for the child to end by itself; true if it did.
  bool wait_for_exit(int milliseconds);
  // SIGKILL and reap. Idempotent.
  void kill();

 private:
  pid_t m_pid = -1;
  int m_status = 0;
  util::Fd m_stdout;
};

// While one lives, a first SIGINT/SIGTERM/SIGHUP kills the children (QEMU) as always but
// does not end imgbuild: the signal is only recorded, so the run that owns the scope sees
// its machine stop, keeps the logs of what happened so far and exits with 128+signal
// itself (verify: an interrupted 20-minute install must leave its console log). A second
// signal ends imgbuild at once, as without a scope.
class InterruptScope {
 public:
  InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
  ~InterruptScope();
  // The signal recorded while a scope lived (SIGINT, ...), 0 if none.
  static int signal();
};

// Runs a command to completion (qemu-img): its stdout and stderr are returned in `output`;
// true when it exited 0. A command still running after `timeout` (counted from its start,
// whether it is writing, silent or holding its stdout open) is killed and reported as
// failed, with a line saying so in `output`.
bool run_command(const std::vector<std::string>& argv, std::string& output,
                 std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace imgbuild::vm
