// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/verify.hpp"

#include <algorithm>
#include <thread>

namespace imgbuild::vm {

namespace {

using Clock = std::chrono::steady_clock;

// A serial log larger than this is a guest printing in a loop; the head is enough.
constexpr std::size_t k_max_serial_log = 64u << 20;

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

// Feeds newly arrived text, line by line, to `emit` for the boot-path lines; keeps a
// partial last line for the next call.
class LineScanner {
 public:
  template <typename Emit>
  void feed(std::string_view text, Emit&& emit) {
    for (char c : text) {
      if (c == '\n' || c == '\r') {
        std::string line = strip_terminal_codes(m_line);
        std::size_t first = line.find_first_not_of(' ');
        if (first != std::string::npos && is_boot_path_line(std::string_view(line).substr(first)))
          emit(line.substr(first));
        m_line.clear();
      } else if (m_line.size() < 4096) {
        m_line.push_back(c);
      }
    }
  }

 private:
  std::string m_line;
};

std::string stage_event_text(const Marker& marker, const StageTracker& tracker) {
  switch (marker.kind) {
    case MarkerKind::PreseedLoaded:
      if (tracker.expected_build_id() && marker.detail == *tracker.expected_build_id())
        return "stage boot: preseed loaded, build id " + marker.detail + " matches";
      return "preseed loaded with build id '" + marker.detail + "' (not this ISO's)";
    case MarkerKind::InstallFinished: return "stage install: late_command finished";
    case MarkerKind::LateCommandFailed: return "late_command failed (" + marker.detail + ")";
    case MarkerKind::Firstboot:
      return "first boot: " + marker.event + (marker.detail.empty() ? "" : " (" + marker.detail + ")");
    case MarkerKind::Unknown: return "marker " + marker.text;
  }
  return marker.text;
}

}  // namespace

VerifyOutcome run_verify(Runner& runner, const VerifyOptions& options, const VerifyObserver& observer) {
  VerifyOutcome outcome;
  StageTracker tracker(options.target, options.expected_build_id);
  MarkerParser parser;
  LineScanner firmware_lines;
  LineScanner serial_lines;
  std::size_t firmware_seen = 0;
  Evidence evidence;

  const auto start = Clock::now();
  auto emit = [&](std::string text) {
    if (observer.on_event) observer.on_event({seconds_since(start), std::move(text)});
  };
  auto handle_markers = [&](const std::vector<Marker>& markers) {
    for (const auto& marker : markers) {
      tracker.on_marker(marker);
      emit(stage_event_text(marker, tracker));
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
      serial_lines.feed(chunk, [&](const std::string& line) { emit("firmware: " + line); });
      handle_markers(parser.feed(chunk));
    }
    std::string firmware = runner.firmware_log();
    if (firmware.size() > firmware_seen) {
      firmware_lines.feed(std::string_view(firmware).substr(firmware_seen),
                          [&](const std::string& line) { emit("firmware: " + line); });
      firmware_seen = firmware.size();
    }
    if (tracker.target_reached() || tracker.failed()) break;
    if (!runner.running()) {
      // Whatever was still in the pipe belongs to the log.
      std::string rest = runner.read_serial(std::chrono::milliseconds(0));
      outcome.serial_log += rest;
      handle_markers(parser.feed(rest));
      if (!tracker.target_reached() && !tracker.failed()) {
        evidence.qemu_exited = true;
        emit("machine exited");
      }
      break;
    }
    if (observer.on_tick) observer.on_tick(seconds_since(start), tracker.reached());
  }
  handle_markers(parser.finish());
  outcome.seconds = seconds_since(start);

  const bool passed = tracker.target_reached();
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
  outcome.firmware_log = runner.firmware_log();
  evidence.elapsed_seconds = outcome.seconds;
  evidence.serial_log = outcome.serial_log;
  evidence.firmware_log = outcome.firmware_log;
  evidence.vga_text = outcome.vga_text;
  runner.stop();
  evidence.qemu_stderr = runner.diagnostics();
  outcome.verdict = diagnose(tracker, evidence);
  return outcome;
}

}  // namespace imgbuild::vm
