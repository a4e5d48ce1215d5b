// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a file request gets, decided from its headers alone (RFC 9110 sections 13 and 14):
// byte ranges, If-Range, If-None-Match and If-Modified-Since. Pure functions of strings
// and numbers, so every case is a unit test; http/file_handler.cpp turns the decision
// into a response.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::http {

// One satisfiable byte range, already clamped to the file: [first, first + length).
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

// The Range header against a file of `size` bytes.
struct RangeRequest {
  enum class Kind {
    None,           // no header, another unit, malformed or several ranges: the whole file
    Single,         // one satisfiable range: 206
    Unsatisfiable,  // one range, none of it inside the file: 416
  };
  Kind kind = Kind::None;
  ByteRange range;
  bool multiple = false;  // Kind::None because it asked for several ranges
};

// "bytes=0-499", "bytes=500-", "bytes=-500" (the last 500). A request for several ranges
// is answered with the whole file (a 200 is always a valid answer to a Range request, and
// BMCs and QEMU ask for one range at a time), so `multiple` only says why.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// What a file is, as validators: its strong entity tag (with the quotes) and
// modification time (Unix seconds).
struct FileValidators {
  std::uint64_t size = 0;
  std::string etag;
  std::int64_t mtime = 0;
};

// The request headers that matter; absent when not sent.
struct Preconditions {
  std::optional<std::string> range;
  std::optional<std::string> if_range;
  std::optional<std::string> if_none_match;
  std::optional<std::string> if_modified_since;
};

struct FileDecision {
  int status = 200;            // 200, 206, 304 or 416
  ByteRange body;              // what to send (empty for 304 and 416; HEAD sends none)
  std::string content_range;   // "bytes 0-499/1234" (206), "bytes */1234" (416), else empty
  bool operator==(const FileDecision&) const = default;
};

// The decision for a GET or HEAD (`is_head`) of a file. Range only applies to GET; an
// If-Range that does not match (a weak or other tag, another date) gives the whole file;
// If-None-Match is compared weakly and wins over If-Modified-Since.
FileDecision decide(const Preconditions& request, const FileValidators& file, bool is_head);

// HTTP dates: IMF-fixdate out ("Sun, 06 Nov 1994 08:49:37 GMT"); in also the obsolete
// RFC 850 and asctime forms every recipient must accept. nullopt for anything else.
std::string format_http_date(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_http_date(std::string_view text);

// Whether an If-None-Match list ("*", or tags separated by commas) matches `etag`,
// comparing weakly (W/"x" matches "x").
bool none_match_matches(std::string_view header, std::string_view etag);

}  // namespace imgbuild::http
