// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/verify.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

namespace imgbuild::vm {

namespace {

using Clock = std::chrono::steady_clock;

// A serial or firmware log larger than this is a guest printing in a loop; the head is
// enough.
constexpr std::size_t k_max_serial_log = 64u << 20;
constexpr std::size_t k_max_firmware_log = 64u << 20;
// Console output searched for a Secure Boot refusal: more than a screen of shim's box.
constexpr std::size_t k_console_tail = 64u << 10;
// Read per poll: a firmware printing faster than this is caught up over the next polls.
constexpr std::size_t k_firmware_chunk = 4u << 20;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Boot-path lines worth a timeline entry: SeaBIOS's boot attempts (debug console) and
// OVMF's boot manager (on the serial console).
bool is_boot_path_line(std::string_view line) {
  return line.starts_with("Booting from") || line.starts_with("Boot failed") ||
         line.starts_with("No bootable device") || line.starts_with("BdsDxe: loading") ||
         line.starts_with("BdsDxe: starting") || line.starts_with("BdsDxe: failed") ||
         line.starts_with("BdsDxe: No bootable");
}

// Feeds newly arrived text, line by line (terminal codes removed, leading blanks
// dropped), to `emit`; keeps a partial last line for the next call.
class LineScanner {
 public:
  template <typename Emit>
  void feed(std::string_view text, Emit&& emit) {
    for (char c : text) {
      if (c == '\n' || c == '\r') {
        take(emit);
      } else if (m_line.size() < 4096) {
        m_line.push_back(c);
      }
    }
  }
  // The last line, which no newline ended (GRUB's "Press any key to continue...").
  template <typename Emit>
  void finish(Emit&& emit) {
    take(emit);
  }

 private:
  template <typename Emit>
  void take(Emit&& emit) {
    std::string line = strip_terminal_codes(m_line);
    m_line.clear();
    std::size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos) emit(line.substr(first));
  }
  std::string m_line;
};

std::string stage_event_text(const Marker& marker, const StageTracker& tracker) {
  switch (marker.kind) {
    case MarkerKind::SecureBoot: return "installer reports Secure Boot " + marker.detail;
    case MarkerKind::PreseedLoaded:
      if (tracker.secure_boot_failed()) return "preseed loaded, but Secure Boot is not proven on";
      if (tracker.expected_build_id() && marker.detail == *tracker.expected_build_id())
        return "stage boot: preseed loaded, build id " + marker.detail + " matches";
      return "preseed loaded with build id '" + marker.detail + "' (not this ISO's)";
    case MarkerKind::InstallFinished: return "stage install: late_command finished";
    case MarkerKind::LateCommandFailed: return "late_command failed (" + marker.detail + ")";
    case MarkerKind::Firstboot:
      return "first boot: " + marker.event + (marker.detail.empty() ? "" : " (" + marker.detail + ")");
    case MarkerKind::Fleet:
      if (marker.event == "host") return "host chosen: " + marker.detail;
      if (marker.event == "network") return "stage network: netcfg configured " + marker.detail;
      if (marker.event == "hostname") return "the installer's hostname: " + marker.detail;
      return "machine not in the inventory (" + marker.event + "): " + marker.detail;
    case MarkerKind::Unknown: return "marker " + marker.text;
  }
  return marker.text;
}

// A console line after which a system does not come up on its own (an initramfs or
// emergency shell, a panic); empty when the boot shows none.
std::string stopping_problem(const BootRecord& boot) {
  for (const auto& problem : boot.problems)
    if (problem.find("Dropping to a shell") != std::string::npos || problem.find("emergency mode") != std::string::npos ||
        problem.find("Give root password") != std::string::npos || problem.find("Kernel panic") != std::string::npos)
      return problem;
  return {};
}

}  // namespace

void take_screenshot(Runner& runner, const std::string& dir, const std::string& prefix, const std::string& caption,
                     double seconds, std::vector<Screenshot>& shots) {
  if (dir.empty() || !runner.running()) return;
  Screenshot shot;
  shot.seconds = seconds;
  shot.caption = caption;
  char name[64];
  std::snprintf(name, sizeof name, "%s-%02zu.png", prefix.c_str(), shots.size() + 1);
  std::string path = dir + "/" + name;
  if (runner.screenshot(path, shot.problem)) shot.path = path;
  shots.push_back(std::move(shot));
}

namespace {

// One verification run: its state, and one member per step, in the order run() takes
// them: start the machine, watch it poll by poll until the stage is reached or ruled out,
// note what the console showed after the stage, gather evidence where it stopped, stop
// it, judge.
class VerifyRun {
 public:
  VerifyRun(Runner& runner, const VerifyOptions& options, const VerifyObserver& observer)
      : m_runner(runner), m_options(options), m_observer(observer), m_tracker(options.target, options.expected_build_id) {
    if (options.require_secure_boot) m_tracker.require_secure_boot();
    if (options.drac != DracKind::None) m_drac.emplace(options.drac, options.system_model);
  }

  VerifyOutcome run() {
    m_runner.start();
    emit("machine started");
    watch();
    finish_watch();
    note_console_after_stage();
    const bool passed = m_tracker.target_reached() && m_outcome.settle_problems.empty();
    gather_evidence(passed);
    stop_machine(passed);
    judge();
    return std::move(m_outcome);
  }

 private:
  void emit(std::string text) {
    if (m_observer.on_event) m_observer.on_event({seconds_since(m_start), std::move(text)});
  }
  void shoot(const std::string& caption) {
    take_screenshot(m_runner, m_options.screenshot_dir, "shot", caption, seconds_since(m_start), m_outcome.screenshots);
  }

  // Polls the machine until the stage is reached, ruled out, or the time is up.
  void watch() {
    const auto deadline = m_start + m_options.timeout;
    for (;;) {
      auto now = Clock::now();
      if (now >= deadline) {
        m_evidence.timed_out = true;
        return;
      }
      auto wait = std::min(m_options.poll, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      std::string chunk = m_runner.read_serial(wait);
      if (!chunk.empty()) take_serial(chunk);
      read_firmware();
      serve_drac();
      if (m_tracker.failed() || m_evidence.refusal) return;
      if (m_tracker.target_reached()) {
        if (settled()) return;
      } else if (installed_system_stopped() || hook_missing()) {
        return;
      }
      if (!m_runner.running()) {
        machine_exited();
        return;
      }
      if (m_observer.on_tick) m_observer.on_tick(seconds_since(m_start), m_tracker.reached());
    }
  }

  // New serial output: the log, the console's lines, a Secure Boot refusal, a new boot,
  // the markers.
  void take_serial(const std::string& chunk) {
    if (m_first_output) {
      emit("serial: first output");
      m_first_output = false;
    }
    if (m_outcome.serial_log.size() < k_max_serial_log) m_outcome.serial_log += chunk;
    m_serial_lines.feed(chunk, [this](const std::string& line) { on_console_line(line); });
    look_for_refusal(chunk);
    std::size_t boots_before = m_boots.count();
    m_boots.feed(chunk);
    if (m_boots.count() > boots_before) {
      emit("boot " + std::to_string(m_boots.count()) + ": kernel started");
      shoot("boot " + std::to_string(m_boots.count()));
    }
    handle_markers(m_parser.feed(chunk));
  }

  // A guest may print one marker on several paths (the port itself, the kernel's console
  // through /dev/kmsg, the service's output on the console): one timeline line for it.
  void handle_markers(const std::vector<Marker>& markers) {
    for (const auto& marker : markers) {
      Stage before = m_tracker.reached();
      m_tracker.on_marker(marker);
      if (before < Stage::Install && m_tracker.reached() >= Stage::Install) m_install_boot = m_boots.count();
      if (marker.text == m_last_marker) continue;
      m_last_marker = marker.text;
      emit(stage_event_text(marker, m_tracker));
      if (m_tracker.reached() != before) shoot("stage " + std::string(stage_name(m_tracker.reached())));
    }
  }

  // The emulated DRAC: answer what the guest asked on the channel; carry out a detach.
  void serve_drac() {
    if (!m_drac) return;
    for (const auto& request : m_channel.feed(m_runner.read_channel())) {
      RacadmAnswer answer = m_drac->racadm(request);
      m_runner.write_channel(DracChannel::reply(answer));
      emit("DRAC: racadm " + request + " -> status " + std::to_string(answer.status));
    }
    if (m_drac->take_media_change()) {
      if (m_drac->media_attached()) {
        emit("DRAC: told to attach the virtual media again; verify does not plug devices back");
        return;
      }
      std::string removed;
      for (const auto& id : m_options.media_devices) {
        std::string why;
        if (m_runner.remove_device(id, why)) {
          removed += (removed.empty() ? "" : ", ") + id;
        } else {
          emit("DRAC: could not unplug " + id + ": " + why);
        }
      }
      m_outcome.media_detached = !removed.empty();
      shoot("virtual media detached");
      emit("DRAC: virtual media detached (QMP device_del " + (removed.empty() ? std::string("of nothing") : removed) +
           ")");
    }
  }

  // New firmware output since the last poll: its boot-path lines become events, and it is
  // kept (from its head) for the diagnosis.
  void read_firmware() {
    std::string fresh = m_runner.firmware_log_from(m_firmware_seen, k_firmware_chunk);
    if (fresh.empty()) return;
    m_firmware_seen += fresh.size();
    m_firmware_lines.feed(fresh, [this](const std::string& line) {
      if (is_boot_path_line(line)) emit("firmware: " + line);
    });
    if (m_outcome.firmware_log.size() < k_max_firmware_log) m_outcome.firmware_log += fresh;
  }

  // Boot-path lines of the firmware become events; a refusal by the Secure Boot chain ends
  // the run (nothing after it can reach the stage: the firmware only tries the next
  // boot option, GRUB waits at its menu).
  void on_console_line(const std::string& line) {
    if (is_boot_path_line(line)) emit("firmware: " + line);
  }

  // The newest console output, searched again after every read: a refusal may wait for a
  // key press with no newline after it (shim's box).
  void look_for_refusal(std::string_view chunk) {
    if (m_evidence.refusal) return;
    m_console_tail += chunk;
    if (m_console_tail.size() > k_console_tail) m_console_tail.erase(0, m_console_tail.size() - k_console_tail / 2);
    if (auto refusal = find_secure_boot_refusal(m_console_tail)) {
      m_evidence.refusal = refusal;
      emit("refused by Secure Boot (" + refusal->stage + "): " + refusal->words);
    }
  }

  // The target stage is reached: with a settle time, watch on to the login prompt. True
  // when the watch is over.
  bool settled() {
    if (m_options.settle.count() == 0) return true;
    if (!m_reached_at) m_reached_at = Clock::now();
    const bool login = !m_boots.boots().empty() && m_boots.boots().back().login_prompt;
    // A few seconds past the login prompt: I/O errors of a disk lost with the media
    // show within them.
    const auto since = Clock::now() - *m_reached_at;
    if (login && (since >= std::chrono::seconds(10) || since >= m_options.settle)) return true;
    if (since >= m_options.settle) {
      m_outcome.settle_problems.push_back("no login prompt within " + std::to_string(m_options.settle.count() / 1000) +
                                          " s after stage " + std::string(stage_name(m_options.target)));
      return true;
    }
    return false;
  }

  // Stage firstboot, the install finished and the installed system booting.
  bool installed_system_booting() const {
    return m_options.target == Stage::Firstboot && m_tracker.reached() == Stage::Install &&
           m_boots.count() > m_install_boot;
  }

  // The installed system will not come up (a shell, a panic): no need to wait for the
  // timeout.
  bool installed_system_stopped() {
    if (!installed_system_booting()) return false;
    m_installed_trouble = stopping_problem(m_boots.boots().back());
    if (m_installed_trouble.empty()) return false;
    emit("installed system stopped: " + m_installed_trouble);
    return true;
  }

  // The installed system is up; a hook would have said firstboot-start by now.
  bool hook_missing() {
    if (!installed_system_booting() || !m_boots.boots().back().login_prompt) return false;
    if (!m_installed_login) m_installed_login = Clock::now();
    bool hook_started = false;
    for (const auto& marker : m_tracker.markers())
      if (marker.kind == MarkerKind::Firstboot) hook_started = true;
    if (!hook_started && Clock::now() - *m_installed_login >= m_options.hook_grace) {
      m_evidence.firstboot_not_run = true;
      emit("installed system up, no first-boot hook marker");
      return true;
    }
    return false;
  }

  void machine_exited() {
    // Whatever was still in the pipe belongs to the log.
    std::string rest = m_runner.read_serial(std::chrono::milliseconds(0));
    m_outcome.serial_log += rest;
    handle_markers(m_parser.feed(rest));
    look_for_refusal(rest);
    if (!m_tracker.target_reached() && !m_tracker.failed()) {
      m_evidence.qemu_exited = true;
      emit("machine exited");
    }
  }

  void finish_watch() {
    handle_markers(m_parser.finish());
    m_serial_lines.finish([this](const std::string& line) { on_console_line(line); });
    m_outcome.seconds = seconds_since(m_start);
  }

  // Trouble on the console after the stage was reached (the settle time's boot).
  void note_console_after_stage() {
    if (m_reached_at && !m_boots.boots().empty()) {
      const BootRecord& boot = m_boots.boots().back();
      for (const auto& problem : boot.problems) {
        // The unplugged media may leave errors of their own; only the rest counts.
        bool about_media = false;
        for (const auto& disk : boot.disks)
          if (disk.model.find("Virtual") != std::string::npos &&
              (problem.find("dev " + disk.name + ",") != std::string::npos ||
               problem.find("[" + disk.name + "]") != std::string::npos))
            about_media = true;
        if (!about_media)
          m_outcome.settle_problems.push_back("console after stage " + std::string(stage_name(m_options.target)) +
                                              ": " + problem);
      }
    }
    m_outcome.boots = m_boots.boots();
    if (m_drac) m_outcome.drac_events = m_drac->events();
    m_evidence.boots_after_install = m_install_boot > 0 ? m_boots.count() - m_install_boot : 0;
  }

  void gather_evidence(bool passed) {
    if (m_runner.running())
      shoot(passed ? "stage " + std::string(stage_name(m_options.target)) + " passed" : "where it stopped");
    if (!passed && m_runner.running()) {
      // Evidence while the guest still stands where it stopped. The CPU state is sampled a
      // few times: a single sample could land in a user process or an idle loop.
      if (!m_options.screenshot_path.empty())
        m_outcome.screenshot_saved = m_runner.screenshot(m_options.screenshot_path, m_outcome.screenshot_problem);
      m_outcome.vga_text = vga_text_from_xp(m_runner.monitor("xp /4000bx 0xb8000"));
      for (int sample = 0; sample < 5; ++sample) {
        auto running = kernel_running_from_registers(m_runner.monitor("info registers -a"));
        if (running) m_evidence.kernel_running = m_evidence.kernel_running.value_or(false) || *running;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    } else if (!passed) {
      m_outcome.screenshot_problem = "QEMU had already exited";
    }
    read_firmware();
    m_evidence.elapsed_seconds = m_outcome.seconds;
    m_evidence.serial_log = m_outcome.serial_log;
    m_evidence.firmware_log = m_outcome.firmware_log;
    m_evidence.vga_text = m_outcome.vga_text;
  }

  // A settled guest is powered off as by its power button, so its disk is clean for what
  // comes next (the power cycle, libguestfs); otherwise stopped at once.
  void stop_machine(bool passed) {
    if (passed && m_options.settle.count() > 0) {
      if (!m_runner.power_off(std::chrono::seconds(20)))
        emit("the guest did not power off within 20 s of the power button: disks synced (SysRq s, u), stopped");
    }
    m_runner.stop();
    m_outcome.seconds = seconds_since(m_start);  // the next session's times follow this one's end
    m_evidence.qemu_stderr = m_runner.diagnostics();
  }

  void judge() {
    m_outcome.verdict = diagnose(m_tracker, m_evidence);
    m_outcome.secure_boot = m_tracker.secure_boot();
    m_outcome.refusal = m_evidence.refusal;
    Verdict& verdict = m_outcome.verdict;
    if (!m_installed_trouble.empty()) {
      verdict.cause = Cause::NoReboot;
      verdict.summary = "stage firstboot not reached (last stage reached: install): the installed system "
                        "did not come up: " + m_installed_trouble;
      verdict.details.push_back("kernel command line: " + m_boots.boots().back().command_line);
      verdict.details.push_back("disks: " + describe_disks(m_boots.boots().back()));
    }
    if (verdict.passed && !m_outcome.settle_problems.empty()) {
      verdict.passed = false;
      verdict.cause = Cause::UnhealthyAfterStage;
      verdict.summary = "stage " + std::string(stage_name(m_options.target)) +
                        " reached, but the system was not healthy afterwards: " + m_outcome.settle_problems.front();
      for (const auto& problem : m_outcome.settle_problems) verdict.details.push_back(problem);
    }
  }

  Runner& m_runner;
  const VerifyOptions& m_options;
  const VerifyObserver& m_observer;
  const Clock::time_point m_start = Clock::now();
  VerifyOutcome m_outcome;
  StageTracker m_tracker;
  MarkerParser m_parser;
  LineScanner m_firmware_lines;
  LineScanner m_serial_lines;
  std::uint64_t m_firmware_seen = 0;  // bytes of the firmware log read so far
  Evidence m_evidence;
  BootWatcher m_boots;
  std::optional<EmulatedDrac> m_drac;
  DracChannel m_channel;
  std::optional<Clock::time_point> m_reached_at;       // when the target stage was reached
  std::optional<Clock::time_point> m_installed_login;  // the installed system's login prompt
  std::size_t m_install_boot = 0;                      // boots seen when install-finished came
  std::string m_installed_trouble;  // the installed system stopped on its way up (shell, panic)
  std::string m_last_marker;
  std::string m_console_tail;
  bool m_first_output = true;
};

}  // namespace

VerifyOutcome run_verify(Runner& runner, const VerifyOptions& options, const VerifyObserver& observer) {
  return VerifyRun(runner, options, observer).run();
}

PowerOnOutcome run_power_on(Runner& runner, const PowerOnOptions& options, const VerifyObserver& observer) {
  PowerOnOutcome outcome;
  BootWatcher boots;
  MarkerParser parser;
  bool hook_ran = false;
  const auto start = Clock::now();
  auto emit = [&](std::string text) {
    if (observer.on_event) observer.on_event({seconds_since(start), std::move(text)});
  };
  runner.start();
  emit("machine powered on");
  const auto deadline = start + options.timeout;
  bool ended = false;
  std::string ending;
  while (!ended) {
    auto now = Clock::now();
    if (now >= deadline) {
      ending = "no login prompt within " + std::to_string(options.timeout.count() / 1000) + " s";
      break;
    }
    std::string chunk = runner.read_serial(
        std::min(options.poll, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    if (!chunk.empty()) {
      if (outcome.serial_log.size() < k_max_serial_log) outcome.serial_log += chunk;
      std::size_t before = boots.count();
      boots.feed(chunk);
      if (boots.count() > before) {
        emit("kernel started");
        take_screenshot(runner, options.screenshot_dir, options.screenshot_prefix, "after the power cycle: kernel started",
                        seconds_since(start), outcome.screenshots);
      }
      for (const auto& marker : parser.feed(chunk)) {
        if (marker.kind == MarkerKind::Firstboot && marker.event == "start") {
          hook_ran = true;
          emit("first-boot hook started again");
        }
      }
    }
    if (boots.count() > 0) {
      const BootRecord& boot = boots.boots().back();
      if (std::string problem = stopping_problem(boot); !problem.empty()) {
        ending = "the system did not come up: " + problem;
        ended = true;
      }
      if (!ended && boot.login_prompt) {
        emit("login prompt");
        take_screenshot(runner, options.screenshot_dir, options.screenshot_prefix, "after the power cycle: login prompt",
                        seconds_since(start), outcome.screenshots);
        break;
      }
    }
    if (!ended && !runner.running()) {
      ending = "the machine stopped before its login prompt";
      break;
    }
    if (observer.on_tick) observer.on_tick(seconds_since(start), Stage::None);
  }
  outcome.seconds = seconds_since(start);
  if (boots.count() > 0) outcome.boot = boots.boots().back();
  if (boots.count() > 1) outcome.details.push_back("the machine booted " + std::to_string(boots.count()) + " times");
  if (hook_ran) ending = ending.empty() ? "the first-boot hook ran again" : ending;
  for (const auto& problem : outcome.boot.problems) outcome.details.push_back("console: " + problem);
  outcome.passed = ending.empty() && outcome.boot.problems.empty();
  if (ending.empty() && !outcome.boot.problems.empty()) ending = "trouble on the console: " + outcome.boot.problems.front();
  if (!outcome.passed && runner.running() && !options.screenshot_path.empty())
    outcome.screenshot_saved = runner.screenshot(options.screenshot_path, outcome.screenshot_problem);
  outcome.summary = outcome.passed ? "came up to its login prompt in " + std::to_string(static_cast<long>(outcome.seconds)) + " s"
                                   : ending;
  if (outcome.passed) {
    if (!runner.power_off(options.power_off_grace))
      emit("the guest did not power off on the power button: disks synced (SysRq s, u), stopped");
  }
  runner.stop();
  outcome.seconds = seconds_since(start);
  return outcome;
}

}  // namespace imgbuild::vm
