// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Runner for QEMU: the serial port read from QEMU's stdout (a pipe), the QMP control
// socket for monitor commands, screenshots and a clean quit, and a child process that is
// killed on every exit path (see process.hpp).

#include "util/fs.hpp"
#include "util/json_document.hpp"
#include "vm/process.hpp"
#include "vm/profile.hpp"
#include "vm/runner.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::vm {

// One line QEMU sends on the QMP socket (a JSON object per line), read without throwing:
// anything that is not a QMP object is Malformed, with the reason in `problem`.
struct QmpReply {
  enum class Kind { Return, Error, Event, Greeting, Malformed };
  Kind kind = Kind::Malformed;
  std::optional<std::string> text;  // Return: the value of "return" when it is a string
  std::string problem;              // Error: QEMU's "desc"; Malformed: what is wrong
};
QmpReply parse_qmp_reply(std::string_view line);

// The line of a QMP command, {"execute": command, "arguments": arguments}; nullopt when an
// argument is not valid UTF-8 (QMP cannot carry such a file name).
std::optional<std::string> qmp_command(const std::string& command, const util::Json& arguments = {});

// Up to `max_bytes` of a file from byte `offset` on; empty when the file is shorter or
// cannot be read.
std::string read_file_from(const std::string& path, std::uint64_t offset, std::size_t max_bytes);

class QmpClient {
 public:
  // Connects to QEMU's QMP socket, retrying while QEMU creates it, and negotiates
  // capabilities. False when it cannot within `timeout_ms`.
  bool connect(const std::string& socket_path, int timeout_ms);
  bool connected() const { return static_cast<bool>(m_fd); }
  // Sends one command line (qmp_command); returns the reply (events skipped), or nullopt
  // on timeout or a closed socket.
  std::optional<QmpReply> execute(const std::string& command_json, int timeout_ms);
  // Why connect() failed, "" when it did not.
  const std::string& problem() const { return m_problem; }
  // The asynchronous events (RESET, SHUTDOWN, DEVICE_DELETED, ...) QEMU sent, oldest
  // first: those read while waiting for replies and those already on the socket; when
  // there are none, waits up to `timeout_ms` for the next. Each is its JSON object ({"event": ..., "data": ...}).
  std::vector<util::Json> take_events(int timeout_ms);

 private:
  std::optional<std::string> read_line(int timeout_ms);
  util::Fd m_fd;
  std::string m_buffer;
  std::vector<util::Json> m_events;
  std::string m_problem;
};

class QemuRunner : public Runner {
 public:
  // `settings` must name files in a work directory: the disk, floppy and OVMF variable
  // copies are created by prepare(), the sockets and logs by QEMU.
  QemuRunner(MachineProfile profile, LaunchSettings settings, std::string stderr_log);
  ~QemuRunner() override;

  // Creates the blank target disk (qemu-img), the floppy image and the private OVMF
  // variable store. Called by start() if not done before.
  void prepare();
  const std::vector<std::string>& command() const { return m_command; }

  void start() override;
  std::string read_serial(std::chrono::milliseconds timeout) override;
  bool running() override;
  std::string monitor(const std::string& command) override;
  bool screenshot(const std::string& png_path, std::string& why) override;
  std::string firmware_log_from(std::uint64_t offset, std::size_t max_bytes) override;
  // A line for each QMP problem seen (a malformed reply, a failed connection), then
  // QEMU's stderr.
  std::string diagnostics() override;
  void stop() override;
  std::string read_channel() override;
  void write_channel(const std::string& bytes) override;
  bool remove_device(const std::string& id, std::string& why) override;
  bool power_off(std::chrono::milliseconds grace) override;

 private:
  QmpClient& qmp();
  // One command whose answer is only "done" or an error; false with the reason otherwise.
  bool run_qmp(const std::string& request, std::string& why);
  void note_qmp_problem(const std::string& problem);

  MachineProfile m_profile;
  LaunchSettings m_settings;
  std::string m_stderr_log;
  std::vector<std::string> m_command;
  bool m_prepared = false;
  bool m_qmp_tried = false;
  ChildProcess m_child;
  QmpClient m_qmp;
  util::Fd m_channel;  // the DRAC channel's socket, connected on first use
  std::vector<std::string> m_qmp_problems;
};

// OVMF files for --firmware uefi or uefi-secureboot (Debian package ovmf); throws Error
// (exit 3) naming the package when missing.
struct OvmfFiles {
  std::string code;
  std::string vars_template;
};
OvmfFiles find_ovmf(Firmware firmware);

}  // namespace imgbuild::vm
