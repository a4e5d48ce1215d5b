// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/markers.hpp"

#include <algorithm>
#include <deque>

namespace imgbuild::vm {

namespace {

constexpr std::string_view k_prefix = "IMGBUILD:";
// A line longer than this without a newline is a screen redraw stream; only its tail can
// still hold a marker, so the head is dropped to keep memory bounded.
constexpr std::size_t k_max_line = 8192;
constexpr std::size_t k_kept_tail = 512;

bool is_marker_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == ':' || c == '.';
}

}  // namespace

std::string strip_terminal_codes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b || c == 0x9b) {
      bool csi = c == 0x9b || (i + 1 < text.size() && text[i + 1] == '[');
      bool osc = c == 0x1b && i + 1 < text.size() && text[i + 1] == ']';
      i += c == 0x9b ? 1 : 2;
      if (csi) {
        // Parameters and intermediates, then one final byte in 0x40..0x7e.
        while (i < text.size()) {
          unsigned char p = static_cast<unsigned char>(text[i++]);
          if (p >= 0x40 && p <= 0x7e) break;
        }
      } else if (osc) {
        // Ends at BEL or ESC backslash.
        while (i < text.size()) {
          if (text[i] == '\a') { ++i; break; }
          if (text[i] == 0x1b && i + 1 < text.size() && text[i + 1] == '\\') { i += 2; break; }
          ++i;
        }
      } else if (c == 0x1b && i - 1 < text.size()) {
        // Two-byte sequences (ESC 7, ESC =) already consumed; charset designations
        // (ESC ( B) carry one more byte.
        unsigned char second = static_cast<unsigned char>(text[i - 1]);
        if (second >= 0x20 && second <= 0x2f && i < text.size()) ++i;
      }
      continue;
    }
    if (c == '\t' || (c >= 0x20 && c < 0x7f)) out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

bool parse_marker_line(std::string_view line, Marker& marker) {
  // The last occurrence: garbage before a marker may itself contain a broken "IMGBUILD:".
  std::size_t at = line.rfind(k_prefix);
  if (at == std::string_view::npos) return false;
  std::size_t end = at + k_prefix.size();
  while (end < line.size() && is_marker_char(line[end])) ++end;
  std::string_view rest = line.substr(end);
  std::string_view body = line.substr(at + k_prefix.size(), end - at - k_prefix.size());
  if (rest.find_first_not_of(" \t") != std::string_view::npos) {
    // Only a first-boot detail ("detach-failed:racadm returned 1"), a fleet image's host
    // detail ("mac@ens6", what an unknown machine saw) and the addresses netcfg set may be
    // free text, and not one that is the rest of an echo command.
    if (!(body.starts_with("firstboot-") || body.starts_with("host") || body.starts_with("network:")) ||
        body.find(':') == std::string_view::npos || rest.find("/dev/ttyS") != std::string_view::npos)
      return false;
    end = line.size();
    while (end > at && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
    body = line.substr(at + k_prefix.size(), end - at - k_prefix.size());
  }
  if (body.empty()) return false;

  marker = Marker{};
  marker.text = std::string(line.substr(at, end - at));
  std::string_view name = body;
  std::string_view detail;
  if (std::size_t colon = body.find(':'); colon != std::string_view::npos) {
    name = body.substr(0, colon);
    detail = body.substr(colon + 1);
  }
  marker.detail = std::string(detail);
  if (name == "preseed-loaded") {
    marker.kind = MarkerKind::PreseedLoaded;
  } else if (name == "install-finished") {
    marker.kind = MarkerKind::InstallFinished;
  } else if (name == "late-command-failed") {
    marker.kind = MarkerKind::LateCommandFailed;
  } else if (name == "host" || name == "host-unknown" || name == "host-unknown-dhcp" || name == "network" ||
             name == "hostname") {
    marker.kind = MarkerKind::Fleet;
    marker.event = std::string(name);
  } else if (name == "secureboot") {
    marker.kind = MarkerKind::SecureBoot;
  } else if (name.starts_with("firstboot-") && name.size() > 10) {
    marker.kind = MarkerKind::Firstboot;
    marker.event = std::string(name.substr(10));
  } else {
    marker.kind = MarkerKind::Unknown;
    marker.event = std::string(name);
  }
  return true;
}

std::vector<Marker> MarkerParser::feed(std::string_view bytes) {
  std::vector<Marker> out;
  for (char c : bytes) {
    if (c == '\n' || c == '\r') {
      take_line(out);
      continue;
    }
    m_line.push_back(c);
    if (m_line.size() > k_max_line) m_line.erase(0, m_line.size() - k_kept_tail);
  }
  return out;
}

std::vector<Marker> MarkerParser::finish() {
  std::vector<Marker> out;
  take_line(out);
  return out;
}

void MarkerParser::take_line(std::vector<Marker>& out) {
  if (m_line.empty()) return;
  // Every line is cleaned before looking for a marker: a control byte inside one (a
  // terminal's stray 0x9b, a glitch on the serial line) must not hide it. Serial output
  // is a few kB/s, so there is no need for a cheaper pre-filter.
  Marker marker;
  if (parse_marker_line(strip_terminal_codes(m_line), marker)) out.push_back(std::move(marker));
  m_line.clear();
}

std::vector<std::string> last_lines(std::string_view log, std::size_t count) {
  std::deque<std::string> lines;
  std::size_t start = 0;
  while (start <= log.size()) {
    std::size_t end = log.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = log.size();
    std::string line = strip_terminal_codes(log.substr(start, end - start));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!line.empty()) {
      lines.push_back(std::move(line));
      if (lines.size() > count) lines.pop_front();
    }
    start = end + 1;
  }
  return {lines.begin(), lines.end()};
}

}  // namespace imgbuild::vm
