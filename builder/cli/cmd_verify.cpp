// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "iso/reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "vm/accel.hpp"
#include "vm/profile.hpp"
#include "vm/qemu_runner.hpp"
#include "vm/syslog_listener.hpp"
#include "vm/verify.hpp"

#ifdef IMGBUILD_HAVE_GUESTFS
#include "inspect/expect.hpp"
#include "inspect/facts.hpp"
#include "inspect/guestfs_guest.hpp"
#include "inspect/logs.hpp"
#endif

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <unistd.h>

namespace fs = std::filesystem;

namespace imgbuild::cli {

namespace {

struct VerifyArgs {
  std::string iso;
  std::string machine = "generic";
  std::string firmware = "bios";
  std::string stage = "boot";
  std::optional<unsigned> timeout;
  std::string log_dir;
  std::string accel = "auto";
  std::string expect;
  std::optional<std::uint16_t> syslog_port;
  bool quiet = false;
};

// What the installed disk says after a run to stage install or firstboot: judged against
// --expect when the stage was reached, its installer and first-boot logs when it was not.
struct DiskCheck {
  bool judged = false;
  bool ok = true;
  std::string verdicts;                // per-item report when judged
  std::vector<std::string> log_names;  // files saved under <logs>/disk/
  std::string problem;                 // why the disk could not be read, if it could not
#ifdef IMGBUILD_HAVE_GUESTFS
  std::vector<inspect::DiskLog> logs;
#endif
};

// A full install runs the whole installer: about 20 minutes under TCG here.
constexpr unsigned k_boot_timeout = 300;
constexpr unsigned k_install_timeout = 3600;
constexpr std::size_t k_tail_lines = 40;

bool is_build_id(const std::string& text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The build id `imgbuild build` wrote into the ISO; nullopt for an ISO without one.
std::optional<std::string> read_build_id(const std::string& iso_path) {
  iso::Reader reader(iso_path);
  auto content = reader.read_file("/imgbuild/build-id", 4096);
  if (!content) return std::nullopt;
  std::string id = *content;
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' ')) id.pop_back();
  if (!is_build_id(id))
    throw Error(iso_path, "/imgbuild/build-id is not 32 lowercase hex characters",
                "rebuild the image with imgbuild build");
  return id;
}

std::string make_log_dir(const std::string& requested) {
  if (!requested.empty()) {
    std::error_code ec;
    fs::create_directories(requested, ec);
    if (ec || !fs::is_directory(requested))
      throw Error(requested, "cannot create the log directory: " + ec.message(), "choose a writable path");
    return requested;
  }
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/imgbuild-verify-log-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data()))
    throw Error(pattern, std::string("cannot create a log directory: ") + std::strerror(errno),
                "set TMPDIR or pass --log DIR", 3);
  return buffer.data();
}

void save(const fs::path& path, const std::string& content) {
  try {
    util::write_file_atomically(path.string(), content);
  } catch (const Error& e) {
    std::cerr << "imgbuild: warning: " << e.what() << "\n";
  }
}

// The live timeline: event lines, and a self-overwriting status line, on a terminal only.
class Timeline {
 public:
  explicit Timeline(bool live) : m_live(live) {}
  ~Timeline() { clear_status(); }

  void event(const vm::TimelineEvent& e) {
    if (!m_live) return;
    clear_status();
    std::fprintf(stderr, "[%4.0fs] %s\n", e.seconds, e.text.c_str());
  }
  void tick(double seconds, vm::Stage reached, vm::Stage target) {
    // Redrawn once a second, not on every poll.
    if (!m_live || (m_status && static_cast<long>(seconds) == m_drawn_second)) return;
    m_drawn_second = static_cast<long>(seconds);
    std::fprintf(stderr, "\r[%4.0fs] waiting for stage %s (reached: %s)\x1b[K", seconds,
                 std::string(vm::stage_name(target)).c_str(), std::string(vm::stage_name(reached)).c_str());
    m_status = true;
  }

 private:
  void clear_status() {
    if (m_status) std::fputs("\r\x1b[K", stderr);
    m_status = false;
  }
  bool m_live;
  bool m_status = false;
  long m_drawn_second = -1;
};

#ifdef IMGBUILD_HAVE_GUESTFS
// QEMU has quit: the disk is closed. Read-only, through the libguestfs appliance (~20 s).
DiskCheck check_installed_disk(const std::string& disk, bool stage_reached,
                               const std::optional<inspect::Profile>& expectations, bool say) {
  DiskCheck check;
  if (stage_reached && !expectations) return check;  // nothing asked of the disk
  try {
    auto guest = inspect::open_disk(disk, [say](const std::string& line) {
      if (say) std::cerr << "imgbuild verify: " << line << "\n";
    });
    if (stage_reached) {
      auto verdicts = inspect::judge(inspect::gather_facts(*guest), *expectations);
      check.judged = true;
      check.ok = inspect::all_ok(verdicts);
      check.verdicts = inspect::verdicts_to_text(verdicts);
    }
    check.logs = inspect::installation_logs(*guest);
  } catch (const Error& e) {
    check.problem = e.problem();
    if (stage_reached) check.ok = false;  // asked to judge a disk that cannot be read
  }
  return check;
}
#endif

int run(const VerifyArgs& args) {
  const vm::Stage target = *vm::parse_stage(args.stage);
  // Bad input first, before anything is started: exit 2 with one line.
  util::open_for_reading(args.iso, "ISO");
  const std::string iso_path = fs::absolute(args.iso).string();
  const std::optional<std::string> build_id = read_build_id(iso_path);
  const vm::MachineProfile profile = vm::load_machine_profile(args.machine);
  const vm::Firmware firmware = args.firmware == "uefi" ? vm::Firmware::Uefi : vm::Firmware::Bios;
  const unsigned timeout = args.timeout.value_or(target == vm::Stage::Boot ? k_boot_timeout : k_install_timeout);
  const bool say = !args.quiet;
#ifdef IMGBUILD_HAVE_GUESTFS
  // Before the run: a typo in the profile must not cost a 20-minute installation.
  std::optional<inspect::Profile> expectations;
  if (!args.expect.empty()) {
    if (target == vm::Stage::Boot)
      throw Error(args.expect, "--expect judges the installed disk, which stage boot does not make",
                  "add --stage firstboot (or --stage install), or drop --expect");
    expectations = inspect::load_profile(args.expect);
  }
#else
  if (!args.expect.empty())
    throw Error(args.expect, "this imgbuild was built without libguestfs: --expect cannot read the disk",
                "install libguestfs-dev and rebuild", 3);
#endif

  if (say && !build_id)
    std::cout << "note: " << args.iso << " has no /imgbuild/build-id (not built by imgbuild build "
              << "with a preseed?): it can boot, but cannot prove stage boot; booting anyway to show "
              << "how far it gets\n";
  if (say && target != vm::Stage::Boot)
    std::cout << "note: --stage " << args.stage << " runs a full installation (about 20 minutes under "
              << "TCG) and needs every installer component from the disc or a reachable mirror; "
              << (args.timeout ? "" : "timeout raised to " + std::to_string(timeout) + " s; ")
              << "a build host without a complete mirror cannot get past stage boot (issue 7)\n";

  util::TempDir work("verify");
  const fs::path dir = work.path();
  vm::LaunchSettings settings;
  settings.iso = iso_path;
  settings.disk = (dir / ("disk." + profile.disk_format)).string();
  settings.floppy = (dir / "floppy.img").string();
  settings.qmp_socket = (dir / "qmp.sock").string();
  if (settings.qmp_socket.size() >= 100)
    throw Error(settings.qmp_socket, "path too long for a unix socket", "set TMPDIR to a shorter directory", 3);
  settings.firmware = firmware;
  if (firmware == vm::Firmware::Bios) {
    settings.firmware_log = (dir / "firmware.log").string();
  } else {
    vm::OvmfFiles ovmf = vm::find_ovmf();
    settings.ovmf_code = ovmf.code;
    settings.ovmf_vars = (dir / "OVMF_VARS.fd").string();
  }
  settings.cd_first = target == vm::Stage::Boot;

  vm::QemuKvmProbe probe(settings.qemu_binary, dir.string());
  const vm::AccelChoice accel = vm::choose_accel(args.accel, probe);
  settings.accel = accel.accel;
  if (say)
    std::cout << "verify: " << args.iso << " on " << profile.name << " ("
              << vm::firmware_name(firmware) << "), stage " << args.stage << ", timeout " << timeout
              << " s\naccel: " << vm::accel_name(accel.accel) << " (" << accel.reason << ")\n"
              << std::flush;

  // Listening before QEMU starts: the installer's syslogd sends from its first seconds.
  std::optional<vm::SyslogListener> syslog;
  if (args.syslog_port) syslog.emplace(*args.syslog_port);

  vm::QemuRunner runner(profile, settings, (dir / "qemu.log").string());
  vm::VerifyOptions options;
  options.target = target;
  options.timeout = std::chrono::seconds(timeout);
  options.expected_build_id = build_id;
  options.screenshot_path = (dir / "screen.png").string();

  Timeline timeline(say && ::isatty(STDERR_FILENO));
  vm::VerifyObserver observer;
  observer.on_event = [&](const vm::TimelineEvent& e) { timeline.event(e); };
  observer.on_tick = [&](double seconds, vm::Stage reached) { timeline.tick(seconds, reached, target); };
  vm::VerifyOutcome outcome = vm::run_verify(runner, options, observer);
  timeline.event({outcome.seconds, "machine stopped"});
  std::string syslog_text;
  if (syslog) {
    syslog->stop();
    syslog_text = syslog->text();
  }

  const vm::Verdict& verdict = outcome.verdict;
  DiskCheck disk;
#ifdef IMGBUILD_HAVE_GUESTFS
  if (target != vm::Stage::Boot) {
    disk = check_installed_disk(settings.disk, verdict.passed, expectations, say);
    if (disk.judged || !disk.problem.empty() || !disk.logs.empty())
      timeline.event({outcome.seconds, "installed disk read"});
  }
#endif
  const bool passed = verdict.passed && disk.ok;
  const bool keep_logs = !passed || !args.log_dir.empty();
  std::string log_dir;
  if (keep_logs) {
    log_dir = make_log_dir(args.log_dir);
    const fs::path logs(log_dir);
    save(logs / "serial.log", outcome.serial_log);
    if (!outcome.firmware_log.empty()) save(logs / "firmware.log", outcome.firmware_log);
    save(logs / "qemu.log", runner.diagnostics());
    std::string command;
    for (const auto& arg : runner.command()) command += (command.empty() ? "" : " ") + arg;
    save(logs / "qemu-command.txt", command + "\n");
    if (!outcome.vga_text.empty()) save(logs / "vga-text.txt", outcome.vga_text);
    std::string report = verdict.summary + "\n";
    for (const auto& detail : verdict.details) report += detail + "\n";
    save(logs / "verdict.txt", report);
    if (disk.judged) save(logs / "disk-expectations.txt", disk.verdicts);
    if (!syslog_text.empty()) save(logs / "installer-syslog.log", syslog_text);
#ifdef IMGBUILD_HAVE_GUESTFS
    if (!disk.logs.empty()) fs::create_directories(logs / "disk");
    for (const auto& log : disk.logs) {
      save(logs / "disk" / log.saved_as, log.content);
      disk.log_names.push_back((logs / "disk" / log.saved_as).string());
    }
#endif
    if (outcome.screenshot_saved) {
      std::error_code ec;
      fs::copy_file(options.screenshot_path, logs / "screen.png", fs::copy_options::overwrite_existing, ec);
      if (ec) outcome.screenshot_problem = ec.message();
      else outcome.screenshot_saved = true;
    }
  }

  if (passed) {
    std::cout << "verify: PASSED: " << verdict.summary << (disk.judged ? ", installed disk as " + args.expect : "")
              << " (" << profile.name << ", " << vm::firmware_name(firmware) << ", "
              << vm::accel_name(accel.accel) << ")\n";
    if (say)
      for (const auto& detail : verdict.details) std::cout << "  " << detail << "\n";
    if (say && disk.judged) std::cout << "expectations from " << args.expect << ":\n" << disk.verdicts;
    if (say && !log_dir.empty()) std::cout << "logs: " << log_dir << "\n";
    return 0;
  }

  if (verdict.passed) {  // the stage was reached; the disk is not what the profile says
    std::cout << "verify: FAILED: " << verdict.summary << ", but the installed disk "
              << (disk.judged ? "differs from " + args.expect : "could not be read (" + disk.problem + ")") << "\n";
    if (disk.judged) std::cout << disk.verdicts;
    for (const auto& name : disk.log_names) std::cout << "  disk log: " << name << "\n";
    std::cout << "  logs: " << log_dir << "\n";
    return 1;
  }

  std::cout << "verify: FAILED: " << verdict.summary << "\n";
  std::cout << "  likely cause: " << vm::cause_name(verdict.cause) << "\n";
  for (const auto& detail : verdict.details) std::cout << "  " << detail << "\n";
  auto tail = vm::last_lines(outcome.serial_log, k_tail_lines);
  if (tail.empty()) {
    std::cout << "  serial output: none (a kernel without console=ttyS0 prints nothing there; "
                 "the markers would)\n";
  } else {
    std::cout << "  last " << tail.size() << " lines of serial output:\n";
    for (const auto& line : tail) std::cout << "    | " << line << "\n";
  }
  if (!outcome.vga_text.empty() && outcome.vga_text.find_first_not_of(" \n") != std::string::npos) {
    std::cout << "  VGA text screen (meaningful in text mode only):\n";
    for (const auto& line : vm::last_lines(outcome.vga_text, 25)) std::cout << "    | " << line << "\n";
  }
  if (outcome.screenshot_saved)
    std::cout << "  screenshot: " << (fs::path(log_dir) / "screen.png").string() << "\n";
  else
    std::cout << "  screenshot: none (" << outcome.screenshot_problem << ")\n";
  std::cout << "  serial log: " << (fs::path(log_dir) / "serial.log").string() << "\n";
  if (syslog) {
    if (syslog_text.empty())
      std::cout << "  installer syslog: nothing arrived on 127.0.0.1:" << *args.syslog_port
                << " (was the image built with --kernel-args \"log_host=10.0.2.2 log_port=" << *args.syslog_port
                << "\"?)\n";
    else {
      auto last = vm::last_lines(syslog_text, 1);
      std::cout << "  installer syslog: " << (fs::path(log_dir) / "installer-syslog.log").string() << " ("
                << syslog->datagrams() << " lines" << (last.empty() ? "" : "; last: " + last.front()) << ")\n";
    }
  }
  if (target != vm::Stage::Boot) {
    if (!disk.log_names.empty())
      for (const auto& name : disk.log_names) std::cout << "  disk log: " << name << "\n";
    else
      std::cout << "  disk logs: none (" << (disk.problem.empty() ? "no installer log on the disk" : disk.problem)
                << ")\n";
  }
  std::cout << "  logs: " << log_dir << "\n";
  return 1;
}

}  // namespace

void register_verify(CLI::App& app, Action& action) {
  auto args = std::make_shared<VerifyArgs>();
  auto* command = app.add_subcommand(
      "verify", "boot an ISO as delivered in QEMU and report how far it gets (exit 0 stage reached, "
                "1 not reached, 2 bad input)");
  command->add_option("iso", args->iso, "the ISO to boot (never modified)")->required();
  command->add_option("--machine", args->machine,
                      "machine profile: generic, pe2950, or the path of a .toml file (see machines/README.md)")
      ->capture_default_str();
  command->add_option("--firmware", args->firmware, "bios (SeaBIOS) or uefi (OVMF)")
      ->check(CLI::IsMember({"bios", "uefi"}))
      ->capture_default_str();
  command->add_option("--stage", args->stage,
                      "boot (the preseed ran with this ISO's build id), install (late_command finished), "
                      "firstboot (the first-boot hook finished)")
      ->check(CLI::IsMember({"boot", "install", "firstboot"}))
      ->capture_default_str();
  command->add_option("--timeout", args->timeout,
                      "seconds before giving up (default 300 for boot, 3600 for install/firstboot)")
      ->check(CLI::Range(1u, 86400u));
  command->add_option("--log", args->log_dir,
                      "directory for the serial log, screenshot and QEMU logs (default on failure: a new "
                      "directory under $TMPDIR)");
  command->add_option("--accel", args->accel, "auto (KVM only if a probe boot works, else TCG), kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  command->add_option("--expect", args->expect,
                      "with --stage install/firstboot: once the stage is reached and the machine is off, "
                      "judge the installed disk against this profile (as inspect-disk --expect); exit 1 "
                      "when it differs");
  command->add_option("--syslog-port", args->syslog_port,
                      "receive the installer's syslog on 127.0.0.1:PORT/udp and keep it with the logs "
                      "(the image needs --kernel-args \"log_host=10.0.2.2 log_port=PORT\")")
      ->check(CLI::Range(1, 65535));
  command->add_flag("-q,--quiet", args->quiet, "only the verdict");
  command->callback([args, &action] { action = [args]() -> int { return run(*args); }; });
}

}  // namespace imgbuild::cli
