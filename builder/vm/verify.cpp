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

VerifyOutcome run_verify(Runner& runner, const VerifyOptions& options, const VerifyObserver& observer) {
  VerifyOutcome outcome;
  StageTracker tracker(options.target, options.expected_build_id);
  if (options.require_secure_boot) tracker.require_secure_boot();
  MarkerParser parser;
  LineScanner firmware_lines;
  LineScanner serial_lines;
  std::uint64_t firmware_seen = 0;  // bytes of the firmware log read so far
  Evidence evidence;
  BootWatcher boots;
  std::optional<EmulatedDrac> drac;
  DracChannel channel;
  if (options.drac != DracKind::None) drac.emplace(options.drac, options.system_model);
  std::optional<Clock::time_point> reached_at;    // when the target stage was reached
  std::optional<Clock::time_point> installed_login;  // the installed system's login prompt
  std::size_t install_boot = 0;                   // boots seen when install-finished came
  std::string installed_trouble;  // the installed system stopped on its way up (shell, panic)

  const auto start = Clock::now();
  auto emit = [&](std::string text) {
    if (observer.on_event) observer.on_event({seconds_since(start), std::move(text)});
  };
  auto shoot = [&](const std::string& caption) {
    take_screenshot(runner, options.screenshot_dir, "shot", caption, seconds_since(start), outcome.screenshots);
  };
  // A guest may print one marker on several paths (the port itself, the kernel's console
  // through /dev/kmsg, the service's output on the console): one timeline line for it.
  std::string last_marker;
  auto handle_markers = [&](const std::vector<Marker>& markers) {
    for (const auto& marker : markers) {
      Stage before = tracker.reached();
      tracker.on_marker(marker);
      if (before < Stage::Install && tracker.reached() >= Stage::Install) install_boot = boots.count();
      if (marker.text == last_marker) continue;
      last_marker = marker.text;
      emit(stage_event_text(marker, tracker));
      if (tracker.reached() != before) shoot("stage " + std::string(stage_name(tracker.reached())));
    }
  };
  // The emulated DRAC: answer what the guest asked on the channel; carry out a detach.
  auto serve_drac = [&] {
    if (!drac) return;
    for (const auto& request : channel.feed(runner.read_channel())) {
      RacadmAnswer answer = drac->racadm(request);
      runner.write_channel(DracChannel::reply(answer));
      emit("DRAC: racadm " + request + " -> status " + std::to_string(answer.status));
    }
    if (drac->take_media_change()) {
      if (drac->media_attached()) {
        emit("DRAC: told to attach the virtual media again; verify does not plug devices back");
        return;
      }
      std::string removed;
      for (const auto& id : options.media_devices) {
        std::string why;
        if (runner.remove_device(id, why)) {
          removed += (removed.empty() ? "" : ", ") + id;
        } else {
          emit("DRAC: could not unplug " + id + ": " + why);
        }
      }
      outcome.media_detached = !removed.empty();
      shoot("virtual media detached");
      emit("DRAC: virtual media detached (QMP device_del " + (removed.empty() ? std::string("of nothing") : removed) +
           ")");
    }
  };

  // New firmware output since the last poll: its boot-path lines become events, and it is
  // kept (from its head) for the diagnosis.
  auto read_firmware = [&] {
    std::string fresh = runner.firmware_log_from(firmware_seen, k_firmware_chunk);
    if (fresh.empty()) return;
    firmware_seen += fresh.size();
    firmware_lines.feed(fresh, [&](const std::string& line) {
      if (is_boot_path_line(line)) emit("firmware: " + line);
    });
    if (outcome.firmware_log.size() < k_max_firmware_log) outcome.firmware_log += fresh;
  };

  // Boot-path lines of the firmware become events; a refusal by the Secure Boot chain ends
  // the run (nothing after it can reach the stage: the firmware only tries the next
  // boot option, GRUB waits at its menu).
  auto on_console_line = [&](const std::string& line) {
    if (is_boot_path_line(line)) emit("firmware: " + line);
  };
  // The newest console output, searched again after every read: a refusal may wait for a
  // key press with no newline after it (shim's box).
  std::string console_tail;
  auto look_for_refusal = [&](std::string_view chunk) {
    if (evidence.refusal) return;
    console_tail += chunk;
    if (console_tail.size() > k_console_tail) console_tail.erase(0, console_tail.size() - k_console_tail / 2);
    if (auto refusal = find_secure_boot_refusal(console_tail)) {
      evidence.refusal = refusal;
      emit("refused by Secure Boot (" + refusal->stage + "): " + refusal->words);
    }
  };

  runner.start();
  emit("machine started");
  const auto deadline = start + options.timeout;
  bool first_output = true;
  for (;;) {
    auto now = Clock::now();
    if (now >= deadline) {
      evidence.timed_out = true;
      break;
    }
    auto wait = std::min(options.poll,
                         std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    std::string chunk = runner.read_serial(wait);
    if (!chunk.empty()) {
      if (first_output) {
        emit("serial: first output");
        first_output = false;
      }
      if (outcome.serial_log.size() < k_max_serial_log) outcome.serial_log += chunk;
      serial_lines.feed(chunk, on_console_line);
      look_for_refusal(chunk);
      std::size_t boots_before = boots.count();
      boots.feed(chunk);
      if (boots.count() > boots_before) {
        emit("boot " + std::to_string(boots.count()) + ": kernel started");
        shoot("boot " + std::to_string(boots.count()));
      }
      handle_markers(parser.feed(chunk));
    }
    read_firmware();
    serve_drac();
    if (tracker.failed() || evidence.refusal) break;
    if (tracker.target_reached()) {
      if (options.settle.count() == 0) break;
      if (!reached_at) reached_at = Clock::now();
      const bool login = !boots.boots().empty() && boots.boots().back().login_prompt;
      // A few seconds past the login prompt: I/O errors of a disk lost with the media
      // show within them.
      const auto since = Clock::now() - *reached_at;
      if (login && (since >= std::chrono::seconds(10) || since >= options.settle)) break;
      if (since >= options.settle) {
        outcome.settle_problems.push_back("no login prompt within " +
                                          std::to_string(options.settle.count() / 1000) +
                                          " s after stage " + std::string(stage_name(options.target)));
        break;
      }
    } else if (options.target == Stage::Firstboot && tracker.reached() == Stage::Install &&
               boots.count() > install_boot && !(installed_trouble = stopping_problem(boots.boots().back())).empty()) {
      // The installed system will not come up: no need to wait for the timeout.
      emit("installed system stopped: " + installed_trouble);
      break;
    } else if (options.target == Stage::Firstboot && tracker.reached() == Stage::Install &&
               boots.count() > install_boot && boots.boots().back().login_prompt) {
      // The installed system is up; a hook would have said firstboot-start by now.
      if (!installed_login) installed_login = Clock::now();
      bool hook_started = false;
      for (const auto& marker : tracker.markers())
        if (marker.kind == MarkerKind::Firstboot) hook_started = true;
      if (!hook_started && Clock::now() - *installed_login >= options.hook_grace) {
        evidence.firstboot_not_run = true;
        emit("installed system up, no first-boot hook marker");
        break;
      }
    }
    if (!runner.running()) {
      // Whatever was still in the pipe belongs to the log.
      std::string rest = runner.read_serial(std::chrono::milliseconds(0));
      outcome.serial_log += rest;
      handle_markers(parser.feed(rest));
      look_for_refusal(rest);
      if (!tracker.target_reached() && !tracker.failed()) {
        evidence.qemu_exited = true;
        emit("machine exited");
      }
      break;
    }
    if (observer.on_tick) observer.on_tick(seconds_since(start), tracker.reached());
  }
  handle_markers(parser.finish());
  serial_lines.finish(on_console_line);
  outcome.seconds = seconds_since(start);
  if (reached_at && !boots.boots().empty()) {
    const BootRecord& boot = boots.boots().back();
    for (const auto& problem : boot.problems) {
      // The unplugged media may leave errors of their own; only the rest counts.
      bool about_media = false;
      for (const auto& disk : boot.disks)
        if (disk.model.find("Virtual") != std::string::npos &&
            (problem.find("dev " + disk.name + ",") != std::string::npos ||
             problem.find("[" + disk.name + "]") != std::string::npos))
          about_media = true;
      if (!about_media)
        outcome.settle_problems.push_back("console after stage " + std::string(stage_name(options.target)) + ": " + problem);
    }
  }
  outcome.boots = boots.boots();
  if (drac) outcome.drac_events = drac->events();
  evidence.boots_after_install = install_boot > 0 ? boots.count() - install_boot : 0;

  const bool passed = tracker.target_reached() && outcome.settle_problems.empty();
  if (runner.running()) shoot(passed ? "stage " + std::string(stage_name(options.target)) + " passed" : "where it stopped");
  if (!passed && runner.running()) {
    // Evidence while the guest still stands where it stopped. The CPU state is sampled a
    // few times: a single sample could land in a user process or an idle loop.
    if (!options.screenshot_path.empty())
      outcome.screenshot_saved = runner.screenshot(options.screenshot_path, outcome.screenshot_problem);
    outcome.vga_text = vga_text_from_xp(runner.monitor("xp /4000bx 0xb8000"));
    for (int sample = 0; sample < 5; ++sample) {
      auto running = kernel_running_from_registers(runner.monitor("info registers -a"));
      if (running) evidence.kernel_running = evidence.kernel_running.value_or(false) || *running;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } else if (!passed) {
    outcome.screenshot_problem = "QEMU had already exited";
  }
  read_firmware();
  evidence.elapsed_seconds = outcome.seconds;
  evidence.serial_log = outcome.serial_log;
  evidence.firmware_log = outcome.firmware_log;
  evidence.vga_text = outcome.vga_text;
  // A settled guest is powered off as by its power button, so its disk is clean for what
  // comes next (the power cycle, libguestfs); otherwise stopped at once.
  if (passed && options.settle.count() > 0) {
    if (!runner.power_off(std::chrono::seconds(20)))
      emit("the guest did not power off within 20 s of the power button: disks synced (SysRq s, u), stopped");
  }
  runner.stop();
  outcome.seconds = seconds_since(start);  // the next session's times follow this one's end
  evidence.qemu_stderr = runner.diagnostics();
  outcome.verdict = diagnose(tracker, evidence);
  outcome.secure_boot = tracker.secure_boot();
  outcome.refusal = evidence.refusal;
  if (!installed_trouble.empty()) {
    outcome.verdict.cause = Cause::NoReboot;
    outcome.verdict.summary = "stage firstboot not reached (last stage reached: install): the installed system "
                              "did not come up: " + installed_trouble;
    outcome.verdict.details.push_back("kernel command line: " + boots.boots().back().command_line);
    outcome.verdict.details.push_back("disks: " + describe_disks(boots.boots().back()));
  }
  if (outcome.verdict.passed && !outcome.settle_problems.empty()) {
    outcome.verdict.passed = false;
    outcome.verdict.cause = Cause::UnhealthyAfterStage;
    outcome.verdict.summary = "stage " + std::string(stage_name(options.target)) +
                              " reached, but the system was not healthy afterwards: " + outcome.settle_problems.front();
    for (const auto& problem : outcome.settle_problems) outcome.verdict.details.push_back(problem);
  }
  return outcome;
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
