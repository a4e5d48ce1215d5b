// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/qemu_runner.hpp"

#include "util/error.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace fs = std::filesystem;

namespace imgbuild::vm {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string tail_of_file(const std::string& path, std::size_t max_bytes) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  off_t start = size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
  std::string out(static_cast<std::size_t>(size - start), '\0');
  ssize_t n = ::pread(fd.get(), out.data(), out.size(), start);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

}  // namespace

std::string read_file_from(const std::string& path, std::uint64_t offset, std::size_t max_bytes) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) <= offset) return {};
  std::string out(std::min<std::uint64_t>(max_bytes, static_cast<std::uint64_t>(st.st_size) - offset), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

QmpReply parse_qmp_reply(std::string_view line) {
  QmpReply reply;
  // No exceptions: a reply QEMU should never send (cut off, not JSON, numbers out of
  // range) is a diagnosis like any other, not a crash of verify.
  util::Json json = util::Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    reply.problem = "malformed QMP reply (not a JSON object): " + util::escape_invalid_utf8(line.substr(0, 200));
    return reply;
  }
  if (auto found = json.find("return"); found != json.end()) {
    reply.kind = QmpReply::Kind::Return;
    if (found->is_string()) reply.text = found->get<std::string>();
  } else if (auto error = json.find("error"); error != json.end()) {
    reply.kind = QmpReply::Kind::Error;
    auto desc = error->is_object() ? error->find("desc") : error->end();
    reply.problem = desc != error->end() && desc->is_string() ? desc->get<std::string>() : "unknown error";
  } else if (json.contains("event")) {
    reply.kind = QmpReply::Kind::Event;
  } else if (json.contains("QMP")) {
    reply.kind = QmpReply::Kind::Greeting;
  } else {
    reply.problem = "malformed QMP reply (no return, error, event or greeting): " +
                    util::escape_invalid_utf8(line.substr(0, 200));
  }
  return reply;
}

std::optional<std::string> qmp_command(const std::string& command, const util::Json& arguments) {
  util::Json json = {{"execute", command}};
  if (!arguments.is_null()) json["arguments"] = arguments;
  // Strict: QMP is UTF-8; a path with other bytes (TMPDIR) cannot be named through it.
  try {
    return json.dump(-1, ' ', false, util::Json::error_handler_t::strict);
  } catch (const util::Json::type_error&) {
    return std::nullopt;
  }
}

bool QmpClient::connect(const std::string& socket_path, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  m_problem.clear();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) return false;
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  for (;;) {
    util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return false;
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      m_fd = std::move(fd);
      break;
    }
    if (remaining_ms(deadline) == 0) {
      m_problem = "cannot connect to " + socket_path + ": " + std::strerror(errno);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  m_buffer.clear();
  auto greeting = read_line(remaining_ms(deadline) + 1000);
  if (!greeting || parse_qmp_reply(*greeting).kind != QmpReply::Kind::Greeting) {
    m_problem = greeting ? "no QMP greeting: " + parse_qmp_reply(*greeting).problem : "no QMP greeting";
    m_fd = util::Fd();
    return false;
  }
  auto reply = execute(*qmp_command("qmp_capabilities"), 5000);
  if (!reply || reply->kind != QmpReply::Kind::Return) {
    m_problem = "QMP capabilities not accepted" + (reply ? ": " + reply->problem : std::string());
    m_fd = util::Fd();
    return false;
  }
  return true;
}

std::optional<std::string> QmpClient::read_line(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    std::size_t newline = m_buffer.find('\n');
    if (newline != std::string::npos) {
      std::string line = m_buffer.substr(0, newline);
      m_buffer.erase(0, newline + 1);
      return line;
    }
    pollfd pfd{m_fd.get(), POLLIN, 0};
    int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buffer[65536];
    ssize_t n = ::read(m_fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      m_fd = util::Fd();
      return std::nullopt;
    }
    m_buffer.append(buffer, static_cast<std::size_t>(n));
  }
}

std::optional<QmpReply> QmpClient::execute(const std::string& command_json, int timeout_ms) {
  if (!m_fd) return std::nullopt;
  std::string line = command_json + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::send(m_fd.get(), line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      m_fd = util::Fd();
      return std::nullopt;
    }
    done += static_cast<std::size_t>(n);
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto line = read_line(remaining_ms(deadline));
    if (!line) return std::nullopt;
    QmpReply reply = parse_qmp_reply(*line);
    // Asynchronous events (RESET, STOP, ...) interleave with replies: kept for
    // take_events().
    if (reply.kind == QmpReply::Kind::Event) {
      if (m_events.size() < 1024) m_events.push_back(util::Json::parse(*line, nullptr, false));
      continue;
    }
    return reply;
  }
}

std::vector<util::Json> QmpClient::take_events(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  // What is there now; if nothing, the first to arrive before the deadline and whatever
  // came with it.
  while (m_fd) {
    auto line = read_line(m_events.empty() ? remaining_ms(deadline) : 0);
    if (!line) break;
    util::Json json = util::Json::parse(*line, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.contains("event")) m_events.push_back(std::move(json));
  }
  return std::exchange(m_events, {});
}

OvmfFiles find_ovmf(Firmware firmware) {
  // Debian's ovmf package, 4 MiB flash images. Without Secure Boot: the plain build and an
  // empty variable store. With it: the build that enforces Secure Boot (SMM) and the
  // store with Microsoft's keys enrolled (KEK 2011, db UEFI CA 2011 + Windows PCA 2011),
  // which is what a server from the factory trusts.
  OvmfFiles files{"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"};
  if (firmware == Firmware::UefiSecureBoot)
    files = {"/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"};
  std::error_code ec;
  for (const auto& path : {files.code, files.vars_template}) {
    if (!fs::is_regular_file(path, ec))
      throw Error(path, std::string(firmware == Firmware::UefiSecureBoot ? "UEFI Secure Boot" : "UEFI") +
                            " firmware not found",
                  "install the Debian package ovmf, or use --firmware bios", 3);
  }
  return files;
}

QemuRunner::QemuRunner(MachineProfile profile, LaunchSettings settings, std::string stderr_log)
    : m_profile(std::move(profile)), m_settings(std::move(settings)), m_stderr_log(std::move(stderr_log)) {
  m_command = qemu_command(m_profile, m_settings);
}

QemuRunner::~QemuRunner() {
  // No exception may leave a destructor; stop() only kills and reaps here.
  try {
    stop();
  } catch (...) {
    m_child.kill();
  }
}

void QemuRunner::prepare() {
  if (m_prepared) return;
  if (m_settings.keep_disks) {
    // A blank disk here would erase the installed system before its second boot.
    std::error_code ec;
    if (!fs::is_regular_file(m_settings.disk, ec))
      throw Error(m_settings.disk, "the disk of the machine's earlier session is gone", "", 3);
    m_prepared = true;
    return;
  }
  std::string output;
  if (!run_command({"qemu-img", "create", "-q", "-f", m_profile.disk_format, m_settings.disk,
                    m_profile.disk_size},
                   output))
    throw Error(m_settings.disk, "qemu-img could not create the target disk: " + output,
                "check free space in $TMPDIR", 3);
  if (m_profile.floppy_bytes > 0) {
    util::Fd fd(::open(m_settings.floppy.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd || ::ftruncate(fd.get(), static_cast<off_t>(m_profile.floppy_bytes)) != 0)
      throw Error(m_settings.floppy, std::string("cannot create the floppy image: ") + std::strerror(errno), "", 3);
  }
  if (is_uefi(m_settings.firmware)) {
    OvmfFiles ovmf = find_ovmf(m_settings.firmware);
    std::error_code ec;
    // A private, writable copy: the firmware stores boot entries in it.
    fs::copy_file(ovmf.vars_template, m_settings.ovmf_vars, fs::copy_options::overwrite_existing, ec);
    if (ec)
      throw Error(m_settings.ovmf_vars, "cannot copy the OVMF variable store: " + ec.message(), "", 3);
    ::chmod(m_settings.ovmf_vars.c_str(), 0644);
  }
  m_prepared = true;
}

void QemuRunner::start() {
  prepare();
  m_child.spawn(m_command, m_stderr_log);
  ::fcntl(m_child.stdout_fd(), F_SETFL, ::fcntl(m_child.stdout_fd(), F_GETFL) | O_NONBLOCK);
}

std::string QemuRunner::read_serial(std::chrono::milliseconds timeout) {
  if (m_child.stdout_fd() < 0) return {};
  pollfd pfd{m_child.stdout_fd(), POLLIN, 0};
  int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return {};
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(m_child.stdout_fd(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() >= (1u << 20)) break;
  }
  if (out.empty() && (pfd.revents & (POLLHUP | POLLERR))) {
    // End of file: QEMU has closed its stdout, it is ending. Do not spin on the pipe.
    m_child.wait_for_exit(2000);
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(100)));
  }
  return out;
}

bool QemuRunner::running() { return m_child.running(); }

QmpClient& QemuRunner::qmp() {
  if (!m_qmp_tried && m_child.running()) {
    m_qmp_tried = true;
    m_qmp.connect(m_settings.qmp_socket, 5000);
  }
  return m_qmp;
}

std::string QemuRunner::monitor(const std::string& command) {
  if (!m_child.running()) return {};
  auto request = qmp_command("human-monitor-command", {{"command-line", command}});
  auto reply = request ? qmp().execute(*request, 15000) : std::nullopt;
  if (!reply) return {};
  if (reply->kind != QmpReply::Kind::Return) note_qmp_problem("monitor command '" + command + "': " + reply->problem);
  return reply->text.value_or(std::string());
}

bool QemuRunner::screenshot(const std::string& png_path, std::string& why) {
  if (!m_child.running()) {
    why = "QEMU is no longer running";
    return false;
  }
  // QMP screendump writes PNG directly since QEMU 7.1 (when built with libpng, as
  // Debian's is); an older or PNG-less QEMU says so in the error.
  auto request = qmp_command("screendump", {{"filename", png_path}, {"format", "png"}});
  if (!request) {
    why = "the screenshot path is not valid UTF-8, which QMP cannot carry: " + util::escape_invalid_utf8(png_path);
    return false;
  }
  return run_qmp(*request, why);
}

std::string QemuRunner::firmware_log_from(std::uint64_t offset, std::size_t max_bytes) {
  if (m_settings.firmware_log.empty()) return {};
  return read_file_from(m_settings.firmware_log, offset, max_bytes);
}

std::string QemuRunner::diagnostics() {
  if (!m_qmp.problem().empty()) note_qmp_problem(m_qmp.problem());
  // QEMU's own last line stays last: it says why QEMU exited, when it did.
  std::string out;
  for (const auto& problem : m_qmp_problems) out += "imgbuild: QMP: " + problem + "\n";
  return out + tail_of_file(m_stderr_log, 64u << 10);
}

bool QemuRunner::run_qmp(const std::string& request, std::string& why) {
  auto reply = qmp().execute(request, 15000);
  if (!reply) {
    why = "no answer from the QEMU monitor";
    return false;
  }
  if (reply->kind != QmpReply::Kind::Return) {
    why = reply->problem;
    if (reply->kind == QmpReply::Kind::Malformed) note_qmp_problem(request + ": " + reply->problem);
    return false;
  }
  return true;
}

void QemuRunner::note_qmp_problem(const std::string& problem) {
  // Once each: the same malformed reply may come for every poll of the screen.
  if (std::find(m_qmp_problems.begin(), m_qmp_problems.end(), problem) == m_qmp_problems.end())
    m_qmp_problems.push_back(problem);
}

std::string QemuRunner::read_channel() {
  if (m_settings.drac_socket.empty() || !m_child.running()) return {};
  if (!m_channel) {
    // QEMU listens there from its start (server=on,wait=off); one attempt per poll.
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (m_settings.drac_socket.size() >= sizeof address.sun_path) return {};
    std::memcpy(address.sun_path, m_settings.drac_socket.c_str(), m_settings.drac_socket.size() + 1);
    util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return {};
    m_channel = std::move(fd);
  }
  std::string out;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(m_channel.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      m_channel = util::Fd();  // QEMU closed it; reconnect on the next poll
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() >= (64u << 10)) break;
  }
  return out;
}

void QemuRunner::write_channel(const std::string& bytes) {
  std::size_t done = 0;
  // A few KiB at most: the socket buffer takes it at once; a guest that does not read
  // loses the answer, which its racadm reports as no answer.
  while (m_channel && done < bytes.size()) {
    ssize_t n = ::send(m_channel.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

bool QemuRunner::remove_device(const std::string& id, std::string& why) {
  if (!m_child.running()) {
    why = "QEMU is no longer running";
    return false;
  }
  auto request = qmp_command("device_del", {{"id", id}});
  if (!request) {
    why = "the device id is not valid UTF-8: " + util::escape_invalid_utf8(id);
    return false;
  }
  return run_qmp(*request, why);
}

bool QemuRunner::power_off(std::chrono::milliseconds grace) {
  if (!m_child.running()) return true;
  if (qmp().connected()) {
    m_qmp.execute(*qmp_command("system_powerdown"), 5000);
    if (m_child.wait_for_exit(static_cast<int>(grace.count()))) return true;
    // The guest ignores the power button (no ACPI handler: a minimal system without
    // logind's D-Bus, or still booting). Before pulling the plug, what an operator does on
    // the console: SysRq s (sync) and u (remount read-only), so that what the guest wrote
    // (the first-boot hook's state) is on the disk for the next boot and for libguestfs.
    for (const char* keys : {"alt-sysrq-s", "alt-sysrq-u"}) {
      std::string command = std::string("sendkey ") + keys;
      m_qmp.execute(*qmp_command("human-monitor-command", {{"command-line", command}}), 5000);
      if (m_child.wait_for_exit(3000)) return false;
    }
  }
  stop();
  return false;
}

void QemuRunner::stop() {
  if (!m_child.running()) return;
  // A clean quit lets QEMU flush its files; if the monitor does not answer, kill.
  if (qmp().connected()) {
    m_qmp.execute(*qmp_command("quit"), 2000);
    if (m_child.wait_for_exit(3000)) return;
  }
  m_child.kill();
}

}  // namespace imgbuild::vm
