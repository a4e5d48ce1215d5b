// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/syslog.hpp"

#include <cctype>

namespace imgbuild::deploy {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Takes the next space-delimited word off `rest` (leading blanks skipped).
std::string_view take_word(std::string_view& rest) {
  std::size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  std::size_t end = rest.find(' ');
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return word;
}

// RFC 5424's STRUCTURED-DATA: "-" or one or more [id param="value"...] (a value may hold
// an escaped \] ).
void skip_structured_data(std::string_view& rest) {
  if (rest.starts_with("- ") || rest == "-") {
    rest.remove_prefix(rest.size() > 1 ? 2 : 1);
    return;
  }
  while (rest.starts_with("[")) {
    std::size_t i = 1;
    bool quoted = false;
    while (i < rest.size()) {
      char c = rest[i];
      if (c == '\\' && i + 1 < rest.size()) {
        i += 2;
        continue;
      }
      if (c == '"') quoted = !quoted;
      if (c == ']' && !quoted) break;
      ++i;
    }
    rest.remove_prefix(i < rest.size() ? i + 1 : rest.size());
  }
  if (rest.starts_with(" ")) rest.remove_prefix(1);
}

// "Mmm dd hh:mm:ss " (the day padded with a blank): RFC 3164's timestamp.
bool skip_bsd_timestamp(std::string_view& rest) {
  if (rest.size() < 16 || rest[3] != ' ' || rest[6] != ' ' || rest[9] != ':' || rest[12] != ':' || rest[15] != ' ')
    return false;
  if (!std::isalpha(static_cast<unsigned char>(rest[0]))) return false;
  rest.remove_prefix(16);
  return true;
}

// A syslog tag as BusyBox and glibc write it: "name:" or "name[pid]:".
bool is_tag(std::string_view word) { return word.ends_with(":") || word.find('[') != std::string_view::npos; }

std::string trim_line_end(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0' || text.back() == ' '))
    text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

SyslogMessage parse_syslog(std::string_view datagram) {
  SyslogMessage message;
  std::string_view rest = datagram;
  // <PRI>: one to three digits.
  if (rest.starts_with("<")) {
    std::size_t close = rest.find('>');
    if (close == std::string_view::npos || close < 2 || close > 4) {
      message.text = trim_line_end(datagram);
      return message;
    }
    rest.remove_prefix(close + 1);
  }
  if (rest.size() >= 2 && is_digit(rest[0]) && rest[1] == ' ') {
    // RFC 5424: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
    rest.remove_prefix(2);
    take_word(rest);  // timestamp
    std::string_view host = take_word(rest);
    std::string_view app = take_word(rest);
    take_word(rest);  // procid
    take_word(rest);  // msgid
    skip_structured_data(rest);
    if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // the BOM of a UTF-8 MSG
    if (host != "-") message.hostname = std::string(host);
    if (app != "-") message.tag = std::string(app);
    message.text = trim_line_end(rest);
    return message;
  }
  if (skip_bsd_timestamp(rest)) {
    std::string_view save = rest;
    std::string_view first = take_word(rest);
    if (!is_tag(first)) {
      // "HOST TAG: text" (logger, rsyslog), unless the word after is no tag either: then
      // the sender wrote no tag and the first word is the text's.
      std::string_view after = rest;
      std::string_view second = take_word(after);
      if (is_tag(second)) {
        message.hostname = std::string(first);
        first = second;
        rest = after;
      } else {
        rest = save;
        first = {};
      }
    }
    if (!first.empty()) {
      first.remove_suffix(first.ends_with(":") ? 1 : 0);
      message.tag = std::string(first);
    }
  }
  message.text = trim_line_end(rest);
  return message;
}

std::string HostEvent::line() const {
  std::string out = message.hostname;
  if (!message.tag.empty()) out += (out.empty() ? "" : " ") + message.tag + ":";
  return out + (out.empty() ? "" : " ") + message.text;
}

SyslogRouter::SyslogRouter(std::vector<RoutedHost> hosts) : m_hosts(std::move(hosts)) {
  for (std::size_t i = 0; i < m_hosts.size(); ++i)
    for (const auto& address : m_hosts[i].addresses) m_known[address].insert(i);
}

void SyslogRouter::bind(const std::string& source, std::uint16_t port, std::size_t host) {
  m_senders[{source, port}] = host;
}

std::optional<std::size_t> SyslogRouter::by_address(const std::string& source) const {
  auto found = m_known.find(source);
  if (found == m_known.end() || found->second.size() != 1) return std::nullopt;
  return *found->second.begin();
}

std::optional<std::size_t> SyslogRouter::by_hostname(std::string_view hostname) const {
  if (hostname.empty()) return std::nullopt;
  // "pe01.example.org" is pe01: the installed system may send its full name.
  std::string_view shortname = hostname.substr(0, hostname.find('.'));
  for (std::size_t i = 0; i < m_hosts.size(); ++i) {
    std::string_view mine = m_hosts[i].hostname;
    if (mine.empty()) continue;
    if (mine == hostname || mine.substr(0, mine.find('.')) == shortname) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> SyslogRouter::by_build_id(std::string_view build_id) const {
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < m_hosts.size(); ++i) {
    if (m_hosts[i].build_id.empty() || m_hosts[i].build_id != build_id) continue;
    if (found) return std::nullopt;  // a fleet image: every host boots it
    found = i;
  }
  return found;
}

SyslogRouter::Routed SyslogRouter::route(const std::string& source, std::string_view datagram,
                                         std::chrono::steady_clock::time_point when, std::uint16_t port) {
  Routed routed;
  HostEvent& event = routed.event;
  event.when = when;
  event.source = source;
  event.message = parse_syslog(datagram);
  vm::Marker marker;
  if (vm::parse_marker_line(vm::strip_terminal_codes(event.message.text), marker)) event.marker = marker;

  auto decide = [&](std::size_t host, const char* how, bool binds) {
    routed.host = host;
    event.how = how;
    if (binds) bind(source, port, host);
  };
  if (event.marker && event.marker->kind == vm::MarkerKind::Fleet &&
      (event.marker->event == "host" || event.marker->event == "network" || event.marker->event == "hostname")) {
    std::string_view detail = event.marker->detail;
    if (auto host = by_hostname(detail.substr(0, detail.find(':')))) {
      decide(*host, "fleet marker", true);
      return routed;
    }
  }
  if (auto host = by_hostname(event.message.hostname)) {
    decide(*host, "hostname", true);
  } else if (auto id_host = event.marker && event.marker->kind == vm::MarkerKind::PreseedLoaded
                                ? by_build_id(event.marker->detail)
                                : std::nullopt) {
    decide(*id_host, "build id", true);
  } else if (auto sender = m_senders.find({source, port}); sender != m_senders.end()) {
    decide(sender->second, "address", false);
  } else if (auto address_host = by_address(source)) {
    decide(*address_host, "address", false);
  }
  if (!routed.host && m_hosts.size() == 1) decide(0, "only host", false);
  return routed;
}

void HostEvents::push(HostEvent event) {
  {
    std::lock_guard lock(m_mutex);
    m_events.push_back(std::move(event));
  }
  m_changed.notify_all();
}

std::optional<HostEvent> HostEvents::next(std::chrono::steady_clock::time_point deadline,
                                          const std::atomic<bool>& stop) {
  std::unique_lock lock(m_mutex);
  while (m_events.empty()) {
    if (stop.load()) return std::nullopt;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    m_changed.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(200)));
  }
  HostEvent event = std::move(m_events.front());
  m_events.pop_front();
  return event;
}

void HostEvents::clear() {
  std::lock_guard lock(m_mutex);
  m_events.clear();
}

}  // namespace imgbuild::deploy
