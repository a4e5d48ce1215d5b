// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/rack_table.hpp"

#include "deploy/rack.hpp"
#include "util/error.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace imgbuild::deploy {

namespace {

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

winsize terminal_size(std::FILE* stream) {
  winsize size{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) != 0 || size.ws_col <= 20 || size.ws_row < 5) {
    size.ws_col = 80;
    size.ws_row = 24;
  }
  return size;
}

double seconds_since(std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace

std::string format_row(const TableRow& row, std::size_t host_width, std::size_t width) {
  std::string line = padded(row.host, host_width) + "  " + padded(row.state, 18);
  char number[48];
  if (row.seconds) {
    std::snprintf(number, sizeof number, "%6.0f s", *row.seconds);
    line += number;
  } else {
    line += "        ";
  }
  if (row.served) {
    std::snprintf(number, sizeof number, "  %8.1f MB", static_cast<double>(*row.served) / 1e6);
    line += number;
  }
  if (!row.last.empty()) {
    std::string last = row.last;
    for (char& c : last)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    line += "  " + last;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (line.size() > width) line.resize(width);
  return line;
}

std::vector<std::size_t> rows_shown(const std::vector<bool>& active, std::size_t lines) {
  std::vector<std::size_t> shown;
  if (active.size() <= lines + 1) {  // all of them, in place of the "more" line
    for (std::size_t i = 0; i < active.size(); ++i) shown.push_back(i);
    return shown;
  }
  for (std::size_t i = 0; i < active.size() && shown.size() < lines; ++i)
    if (active[i]) shown.push_back(i);
  return shown;
}

RackTable::RackTable(const std::vector<std::string>& hosts, util::ProgressMode mode, const std::string& log_path,
                     std::FILE* stream)
    : m_mode(mode), m_stream(stream) {
  for (const auto& host : hosts) {
    Row row;
    row.host = host;
    m_rows.push_back(std::move(row));
    m_host_width = std::max(m_host_width, host.size());
  }
  if (!log_path.empty()) {
    m_log = util::Fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!m_log)
      throw Error(log_path, std::string("cannot write the log: ") + std::strerror(errno),
                  "give --log a file in a writable directory");
  }
}

RackTable::~RackTable() { finish(); }

RackTable::Row* RackTable::find(const std::string& host) {
  for (auto& row : m_rows)
    if (row.host == host) return &row;
  return nullptr;
}

void RackTable::line(const std::string& text, bool on_terminal) {
  if (m_log) {
    std::string stamped = utc_time(std::time(nullptr)) + " " + text + "\n";
    try {
      util::write_all(m_log.get(), stamped, "--log");
    } catch (const Error&) {
      m_log = util::Fd();  // a full disk ends the log, not the deployment
    }
  }
  if (m_mode == util::ProgressMode::Off) return;
  if (m_mode == util::ProgressMode::Live) {
    if (!on_terminal) return;
    clear_table();
    std::fprintf(m_stream, "%s\n", text.c_str());
    draw_table();
  } else {
    std::fprintf(m_stream, "%s\n", text.c_str());
  }
  std::fflush(m_stream);
}

void RackTable::clear_table() {
  if (m_drawn > 0) std::fprintf(m_stream, "\x1b[%zuA\r\x1b[J", m_drawn);
  m_drawn = 0;
}

void RackTable::draw_table() {
  clear_table();
  const winsize size = terminal_size(m_stream);
  const std::size_t width = size.ws_col - 1;
  const auto now = std::chrono::steady_clock::now();
  std::vector<bool> active;
  for (const auto& row : m_rows) active.push_back(row.start && !row.end);
  for (std::size_t i : rows_shown(active, static_cast<std::size_t>(size.ws_row) - 2)) {
    const Row& row = m_rows[i];
    TableRow shown{row.host, row.state, std::nullopt, std::nullopt, row.last};
    if (row.start) shown.seconds = seconds_since(*row.start, row.end.value_or(now));
    if (m_served) shown.served = m_served(row.host);
    std::fprintf(m_stream, "%s\x1b[K\n", format_row(shown, m_host_width, width).c_str());
    ++m_drawn;
  }
  if (m_drawn < m_rows.size()) {
    std::size_t waiting = 0, ended = 0;
    for (const auto& row : m_rows) {
      if (!row.start) ++waiting;
      else if (row.end) ++ended;
    }
    std::fprintf(m_stream, "(%zu more hosts: %zu waiting, %zu ended)\x1b[K\n", m_rows.size() - m_drawn, waiting,
                 ended);
    ++m_drawn;
  }
  std::fflush(m_stream);
}

void RackTable::step_started(const std::string& host, const std::string& step) {
  std::lock_guard lock(m_mutex);
  if (Row* row = find(host)) {
    row->state = step;
    row->last.clear();
  }
  if (m_mode == util::ProgressMode::Live) draw_table();
}

void RackTable::step_finished(const std::string& host, const StepRecord& record) {
  std::lock_guard lock(m_mutex);
  char took[32];
  std::snprintf(took, sizeof took, "%.1f s", static_cast<double>(record.elapsed.count()) / 1000.0);
  line("imgbuild: deploy: " + host + ": " + record.name + " " + (record.ok ? "ok" : "FAILED") + " (" + took +
           "): " + record.detail,
       false);
}

void RackTable::log(const std::string& host, const std::string& text) {
  std::lock_guard lock(m_mutex);
  if (Row* row = find(host)) row->last = text;
  line("imgbuild: deploy: " + host + ": " + text, false);
  if (m_mode == util::ProgressMode::Live) draw_table();
}

void RackTable::host_started(const std::string& host) {
  std::lock_guard lock(m_mutex);
  if (Row* row = find(host)) {
    row->start = std::chrono::steady_clock::now();
    row->state = "starting";
  }
  line("imgbuild: deploy: " + host + ": started", false);
}

void RackTable::host_finished(const HostOutcome& outcome) {
  std::lock_guard lock(m_mutex);
  if (Row* row = find(outcome.host)) {
    row->end = std::chrono::steady_clock::now();
    row->last = outcome.diagnosis;
    if (outcome.status == HostOutcome::Status::failed)
      row->state = "FAILED" + (outcome.steps.empty() ? std::string() : " (" + outcome.steps.back().name + ")");
    else
      row->state = status_name(outcome.status);
  }
  line("imgbuild: deploy: " + outcome.host + ": " + status_name(outcome.status) +
           (outcome.diagnosis.empty() ? std::string() : ": " + outcome.diagnosis),
       true);
}

void RackTable::host_skipped(const std::string& host, const std::string& why) {
  std::lock_guard lock(m_mutex);
  if (Row* row = find(host)) row->state = "skipped";
  line("imgbuild: deploy: " + host + ": skipped: " + why, true);
}

void RackTable::message(const std::string& text) {
  std::lock_guard lock(m_mutex);
  line("imgbuild: deploy: " + text, true);
}

void RackTable::tick() {
  std::lock_guard lock(m_mutex);
  if (m_mode == util::ProgressMode::Live) draw_table();
}

void RackTable::finish() {
  std::lock_guard lock(m_mutex);
  if (m_mode != util::ProgressMode::Live) return;
  draw_table();
  m_drawn = 0;
  m_mode = util::ProgressMode::Plain;
}

void RackTable::set_served(std::function<std::optional<std::uint64_t>(const std::string& host)> served) {
  std::lock_guard lock(m_mutex);
  m_served = std::move(served);
}

}  // namespace imgbuild::deploy
