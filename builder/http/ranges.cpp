// SPDX-License-Identifier: GPL-2.0-or-later
#include "http/ranges.hpp"

#include "util/text.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

namespace imgbuild::http {

namespace {

using util::trim;

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    auto comma = text.find(',');
    parts.push_back(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) return parts;
    text.remove_prefix(comma + 1);
  }
}

// Decimal digits only, no sign, no overflow; nullopt otherwise.
std::optional<std::uint64_t> parse_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::string_view opaque_tag(std::string_view tag) {
  tag = trim(tag);
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

constexpr std::array<const char*, 7> k_days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string range_text(const ByteRange& range, std::uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.first + range.length - 1) + "/" +
         std::to_string(size);
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  RangeRequest result;
  header = trim(header);
  if (!util::iequals(header.substr(0, 6), "bytes=")) return result;
  auto specs = split_commas(header.substr(6));
  if (specs.size() > 1) {
    result.multiple = true;
    return result;
  }
  std::string_view spec = specs.front();
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return result;
  std::string_view first_text = trim(spec.substr(0, dash));
  std::string_view last_text = trim(spec.substr(dash + 1));
  if (first_text.empty()) {
    // A suffix: the last N bytes, the whole file when N is larger; N = 0 is nothing.
    auto suffix = parse_number(last_text);
    if (!suffix) return result;
    if (*suffix == 0 || size == 0) {
      result.kind = RangeRequest::Kind::Unsatisfiable;
      return result;
    }
    std::uint64_t length = std::min(*suffix, size);
    result.kind = RangeRequest::Kind::Single;
    result.range = {size - length, length};
    return result;
  }
  auto first = parse_number(first_text);
  if (!first) return result;
  std::optional<std::uint64_t> last;
  if (!last_text.empty()) {
    last = parse_number(last_text);
    if (!last || *last < *first) return result;  // invalid: ignored, as RFC 9110 14.1.1 says
  }
  if (*first >= size) {
    result.kind = RangeRequest::Kind::Unsatisfiable;
    return result;
  }
  std::uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  result.kind = RangeRequest::Kind::Single;
  result.range = {*first, end - *first + 1};
  return result;
}

bool none_match_matches(std::string_view header, std::string_view etag) {
  if (trim(header) == "*") return true;
  for (auto tag : split_commas(header))
    if (!tag.empty() && opaque_tag(tag) == opaque_tag(etag)) return true;
  return false;
}

FileDecision decide(const Preconditions& request, const FileValidators& file, bool is_head) {
  FileDecision decision;
  decision.body = {0, file.size};
  bool not_modified = false;
  if (request.if_none_match) {
    not_modified = none_match_matches(*request.if_none_match, file.etag);
  } else if (request.if_modified_since) {
    auto since = parse_http_date(*request.if_modified_since);
    not_modified = since && file.mtime <= *since;
  }
  if (not_modified) return {304, {0, 0}, {}};
  // Range is defined for GET only; HEAD describes the whole file.
  if (!request.range || is_head) return decision;
  if (request.if_range) {
    std::string_view validator = trim(*request.if_range);
    bool matches;
    if (validator.starts_with("\"") || validator.starts_with("W/")) {
      // Strong comparison: a weak tag never matches.
      matches = !validator.starts_with("W/") && validator == file.etag;
    } else {
      auto date = parse_http_date(validator);
      matches = date && *date == file.mtime;
    }
    if (!matches) return decision;
  }
  RangeRequest range = parse_range(*request.range, file.size);
  switch (range.kind) {
    case RangeRequest::Kind::None:
      return decision;
    case RangeRequest::Kind::Unsatisfiable:
      return {416, {0, 0}, "bytes */" + std::to_string(file.size)};
    case RangeRequest::Kind::Single:
      return {206, range.range, range_text(range.range, file.size)};
  }
  return decision;
}

std::string format_http_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", k_days[tm.tm_wday], tm.tm_mday,
                k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  std::string value(trim(text));
  // IMF-fixdate, RFC 850 and asctime (RFC 9110 5.6.7); %a/%b read English names in the C
  // locale, which imgbuild never leaves.
  static constexpr const char* k_formats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                              "%a %b %e %H:%M:%S %Y"};
  for (const char* format : k_formats) {
    std::tm tm{};
    const char* end = ::strptime(value.c_str(), format, &tm);
    if (end && *end == '\0') return static_cast<std::int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

}  // namespace imgbuild::http
