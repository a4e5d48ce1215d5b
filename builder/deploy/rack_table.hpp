// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a rack's deployment shows while it runs (util/progress.hpp's modes, on stderr):
//   terminal (Live):  a table, one row per host (step, elapsed, MB served when known, the
//                     last thing it said), redrawn in place; a line for each host that
//                     ends (done, failed with its diagnosis, skipped) printed above it
//   not a terminal:   one plain line per step, per host finished, per BMC log line
//   quiet (Off):      nothing
// and with --log FILE every plain line, time-stamped, appended to FILE whatever the mode.
// The deploying threads call it; it serializes itself.

#include "deploy/host.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::deploy {

// One host's row as the table shows it.
struct TableRow {
  std::string host;
  std::string state;  // "waiting", a step's name, "done", "FAILED (insert)", "skipped", ...
  std::optional<double> seconds;  // since it started; none before
  std::optional<std::uint64_t> served;  // bytes of its image served, when known
  std::string last;  // what it said last (a retry, a wait), one line
};

// "db1   insert                12 s    35.2 MB  POST ...: HTTP 503, retry 1 in 2000 ms", cut
// to `width` columns; `host_width` is the widest hostname.
std::string format_row(const TableRow& row, std::size_t host_width, std::size_t width);

// Which rows a terminal of `lines` free lines shows: every row when they fit (with the line
// that would have said what is left out), else the running ones (`active`), at most
// `lines`, and the caller adds a line counting the others.
std::vector<std::size_t> rows_shown(const std::vector<bool>& active, std::size_t lines);

class RackTable : public Observer {
 public:
  // Opens `log_path` for appending (Error naming it when it cannot be written).
  RackTable(const std::vector<std::string>& hosts, util::ProgressMode mode, const std::string& log_path,
            std::FILE* stream = stderr);
  ~RackTable() override;
  RackTable(const RackTable&) = delete;
  RackTable& operator=(const RackTable&) = delete;

  void step_started(const std::string& host, const std::string& step) override;
  void step_finished(const std::string& host, const StepRecord& record) override;
  void log(const std::string& host, const std::string& line) override;

  void host_started(const std::string& host);
  void host_finished(const HostOutcome& outcome);
  void host_skipped(const std::string& host, const std::string& why);
  // A line about the whole run ("interrupted: ...").
  void message(const std::string& line);
  // Redraws the elapsed times on a terminal; the caller ticks a few times a second.
  void tick();
  // The table's last state stays on the terminal; later lines are printed below it.
  void finish();
  // Bytes of a host's image served so far, when the run serves the images itself.
  void set_served(std::function<std::optional<std::uint64_t>(const std::string& host)> served);

 private:
  struct Row {
    std::string host;
    std::string state = "waiting";
    std::optional<std::chrono::steady_clock::time_point> start;
    std::optional<std::chrono::steady_clock::time_point> end;
    std::string last;
  };
  Row* find(const std::string& host);
  // A plain line: to the log file, and to the stream unless the table is live and `live`
  // is false (then the table alone tells it).
  void line(const std::string& text, bool on_terminal);
  void clear_table();
  void draw_table();

  util::ProgressMode m_mode;
  std::FILE* m_stream;
  util::Fd m_log;
  std::vector<Row> m_rows;
  std::size_t m_host_width = 4;
  std::size_t m_drawn = 0;  // table lines on the terminal below the cursor's line
  std::function<std::optional<std::uint64_t>(const std::string&)> m_served;
  std::mutex m_mutex;
};

}  // namespace imgbuild::deploy
