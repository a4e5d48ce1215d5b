// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as a serial log. Checks, beyond "no crash, no
// sanitizer report, no hang":
//  - the streaming MarkerParser finds the same markers whatever the chunk sizes (the
//    first input byte picks them): a marker split across two reads is still found;
//  - strip_terminal_codes leaves only tab and printable ASCII, and is idempotent;
//  - it finds what parse_marker_line(strip_terminal_codes(line)) finds, line by line (its
//    cheap pre-filter must not drop a marker that cleaning would reveal);
//  - every marker's text starts with "IMGBUILD:"; last_lines returns at most `count` lines;
//  - the same bytes as a QMP reply line: parse_qmp_reply never throws, a Malformed reply
//    says why, and a "return" string survives a round trip through qmp's own JSON;
//  - as a string in a JSON document (serial log tails and file names reach --json output):
//    util::json_text never throws, writes valid UTF-8, and reads back as the documented
//    escape_invalid_utf8 form, which leaves valid UTF-8 as it is.
// The same bytes are also read as a machine profile (TOML through config::Table): the only
// exception allowed is imgbuild::Error naming the file; a profile that parses attaches the
// ISO, has options that start with '-', and its QEMU command line expands without error.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./vm_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "util/json_document.hpp"
#include "util/utf8.hpp"
#include "vm/markers.hpp"
#include "vm/profile.hpp"
#include "vm/qemu_runner.hpp"

using namespace imgbuild::vm;

namespace {

std::vector<std::string> texts(std::vector<Marker> markers) {
  std::vector<std::string> out;
  for (auto& m : markers) {
    if (m.text.rfind("IMGBUILD:", 0) != 0) std::abort();
    out.push_back(std::move(m.text));
  }
  return out;
}

std::vector<std::string> run(std::string_view log, std::size_t chunk) {
  MarkerParser parser;
  std::vector<Marker> all;
  for (std::size_t i = 0; i < log.size(); i += chunk) {
    auto got = parser.feed(log.substr(i, chunk));
    all.insert(all.end(), got.begin(), got.end());
  }
  auto rest = parser.finish();
  all.insert(all.end(), rest.begin(), rest.end());
  return texts(std::move(all));
}

// The markers of each LF/CR-terminated line, parsed one line at a time; nullopt when a
// line is longer than the streaming parser keeps (8192 bytes: it drops the head).
std::optional<std::vector<std::string>> line_by_line(std::string_view log) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= log.size()) {
    std::size_t end = log.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = log.size();
    if (end - start > 8192) return std::nullopt;
    Marker marker;
    if (parse_marker_line(strip_terminal_codes(log.substr(start, end - start)), marker))
      out.push_back(marker.text);
    start = end + 1;
  }
  return out;
}

void check_profile(std::string_view text) {
  MachineProfile profile;
  try {
    profile = parse_machine_profile(text, "fuzz", "fuzz.toml");
  } catch (const imgbuild::Error& e) {
    if (std::string_view(e.what()).rfind("fuzz.toml", 0) != 0) std::abort();
    return;
  }
  bool iso = false;
  for (const auto& option : profile.options) {
    if (option.flag.empty() || option.flag.front() != '-' || option.line < 1) std::abort();
    if (option.value.find("{iso}") != std::string::npos) iso = true;
  }
  if (!iso || profile.cpus < 1 || profile.memory_mib < 16) std::abort();
  LaunchSettings settings;
  settings.iso = "/a,b.iso";
  auto argv = qemu_command(profile, settings);
  for (const auto& arg : argv)
    if (arg.find("{iso}") != std::string::npos) std::abort();
}

void check_qmp_reply(std::string_view line) {
  QmpReply reply = parse_qmp_reply(line);
  switch (reply.kind) {
    case QmpReply::Kind::Malformed:
      if (reply.problem.rfind("malformed QMP reply", 0) != 0) std::abort();
      break;
    case QmpReply::Kind::Error:
      if (reply.problem.empty()) std::abort();
      break;
    case QmpReply::Kind::Return:
      if (reply.text) {
        auto again = parse_qmp_reply(imgbuild::util::Json{{"return", *reply.text}}.dump());
        if (again.kind != QmpReply::Kind::Return || again.text != reply.text) std::abort();
      }
      break;
    default:
      break;
  }
}

void check_json_text(std::string_view bytes) {
  using imgbuild::util::Json;
  std::string escaped = imgbuild::util::escape_invalid_utf8(bytes);
  if (!imgbuild::util::is_valid_utf8(escaped)) std::abort();
  if (imgbuild::util::is_valid_utf8(bytes) != (escaped == bytes)) std::abort();
  std::string text = imgbuild::util::json_text(Json{{"value", bytes}, {"k:" + std::string(bytes), 1}}, -1);
  if (!imgbuild::util::is_valid_utf8(text)) std::abort();
  Json back = Json::parse(text, nullptr, false);
  if (back.is_discarded() || back["value"] != escaped || !back.contains("k:" + escaped)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t chunk = 1 + data[0] % 17;
  std::string_view log(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string clean = strip_terminal_codes(log);
  for (char c : clean)
    if (c != '\t' && (c < 0x20 || c >= 0x7f)) std::abort();
  if (strip_terminal_codes(clean) != clean) std::abort();

  Marker marker;
  if (parse_marker_line(clean, marker) && marker.text.rfind("IMGBUILD:", 0) != 0) std::abort();

  auto streamed = run(log, log.size() + 1);
  if (streamed != run(log, chunk)) std::abort();
  if (auto expected = line_by_line(log); expected && *expected != streamed) std::abort();

  std::size_t count = data[0] % 8;
  if (last_lines(log, count).size() > count) std::abort();

  check_profile(log);
  check_qmp_reply(log);
  check_json_text(log);
  return 0;
}
