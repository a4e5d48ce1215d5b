// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/preseed.hpp"

#include "util/error.hpp"

#include <cstddef>
#include <optional>

namespace imgbuild::preseed {

namespace {

// [[:space:]] in the C locale, which is what the installer's sed and grep use.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_blank(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

std::string_view strip_leading(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

// One line of the file: its text without the terminator, and the terminator itself, so a
// rewrite can put back exactly what was there ("\n", "\r\n" or nothing at end of file).
struct PhysicalLine {
  std::string_view content;
  std::string_view terminator;
};

std::vector<PhysicalLine> split_lines(std::string_view text) {
  std::vector<PhysicalLine> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back({text.substr(pos), {}});
      break;
    }
    std::size_t end = nl;
    if (end > pos && text[end - 1] == '\r') --end;
    lines.push_back({text.substr(pos, end - pos), text.substr(end, nl + 1 - end)});
    pos = nl + 1;
  }
  return lines;
}

// Throws for bytes the installer's shell tools cannot carry (NUL) and for text that is not
// UTF-8 (debconf templates and the installer's terminal are UTF-8: a Latin-1 preseed puts
// mojibake into the installed system).
void check_encoding(std::string_view text, const std::string& file) {
  int line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (c == 0)
      throw Error(file, "NUL byte on line " + std::to_string(line),
                  "a preseed is a text file; was a binary file given?");
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    bool ok = len != 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok)
      throw Error(file, "invalid UTF-8 on line " + std::to_string(line),
                  "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8");
    i += len;
  }
}

// Splits off the first whitespace-separated field the way the installer's first_field /
// rest_line do. Returns nullopt when `s` has no whitespace at all.
std::optional<std::string_view> take_field(std::string_view& s) {
  std::size_t ws = 0;
  while (ws < s.size() && !is_space(s[ws])) ++ws;
  if (ws == s.size()) return std::nullopt;
  std::string_view field = s.substr(0, ws);
  s = strip_leading(s.substr(ws));
  return field;
}

// A logical line: the joined text and where it came from.
struct Logical {
  std::string text;
  int first = 0;
  int last = 0;
};

// Splits logical text into an entry, or returns the installer's complaint.
std::optional<std::string> split_entry(std::string_view rest, Entry& entry) {
  auto owner = take_field(rest);
  if (!owner)
    return "only one field: the installer stops with \"unable to determine template owner\"; "
           "a line is: owner question type value";
  auto question = take_field(rest);
  if (!question)
    return "only two fields: the installer stops with \"unable to determine template name\"; "
           "a line is: owner question type value";
  std::string_view type_field;
  std::string_view value;
  if (auto type = take_field(rest)) {
    type_field = *type;
    value = rest;
  } else if (!rest.empty()) {
    type_field = rest;  // "owner question type" with an empty value
  } else {
    return "no type: the installer stops with \"unable to determine template type\"; "
           "a line is: owner question type value";
  }
  entry.owner = *owner;
  entry.question = *question;
  entry.type = type_field;
  entry.value = value;
  return std::nullopt;
}

}  // namespace

Preseed parse(std::string_view text, const std::string& file) {
  check_encoding(text, file);
  Preseed result;
  result.file = file;
  std::vector<PhysicalLine> lines = split_lines(text);

  std::string pending;  // the installer's $multiline
  bool previous_glues = false;  // the last continued line has no blank before its "\"
  int pending_first = 0;
  auto finish = [&](Logical logical) {
    std::string_view body = logical.text;
    if (body.starts_with("#")) {
      // Only column 1 starts a comment for the installer; this one was indented.
      Entry probe;
      if (split_entry(body, probe))
        result.problems.push_back({logical.first,
            "indented comment: the installer only skips lines with '#' in column 1, and "
            "stops on this one with a syntax error (move '#' to column 1)", false});
      else
        result.problems.push_back({logical.first,
            "indented comment: the installer only skips lines with '#' in column 1 and "
            "reads this as question '" + probe.question + "' (move '#' to column 1)", true});
      return;
    }
    Entry entry;
    if (auto complaint = split_entry(body, entry)) {
      result.problems.push_back({logical.first, *complaint, false});
      return;
    }
    entry.line = logical.first;
    entry.end_line = logical.last;
    result.entries.push_back(std::move(entry));
  };

  for (std::size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string content;
    // The installer deletes every CR of the file, not just the one before LF.
    for (char c : lines[i].content)
      if (c != '\r') content += c;
    if (content.starts_with("#")) continue;
    if (is_blank(content)) {
      if (!content.empty()) result.blank_lines_with_spaces.push_back(number);
      continue;
    }
    // Etch joins a continued line to the next one as they are ("a\" + "b" = "ab").
    if (!pending.empty() && !is_space(content.front()) && previous_glues)
      result.glued_continuations.push_back(number);
    previous_glues = content.size() >= 2 && content.back() == '\\' && !is_space(content[content.size() - 2]);
    std::string_view line = strip_leading(content);
    if (line.ends_with('\\')) {
      line.remove_suffix(1);
      while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
      if (!line.empty()) {
        if (pending.empty()) {
          pending_first = number;
        } else {
          pending += ' ';
        }
        pending += line;
      }
      continue;
    }
    if (!pending.empty()) {
      Logical logical{pending + " " + std::string(line), pending_first, number};
      pending.clear();
      finish(std::move(logical));
    } else {
      finish({std::string(line), number, number});
    }
  }
  if (!pending.empty())
    result.problems.push_back({pending_first,
        "the file ends inside a continued line (last line ends with '\\'): the installer "
        "drops this entry silently (remove the trailing backslash)", false});
  return result;
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\"'\"'";
    else
      out += c;
  }
  out += '\'';
  return out;
}

namespace {

constexpr std::string_view k_marker_function =
    "imgbuild_mark() { echo \"$1\"; { test -c /dev/ttyS0 && echo \"$1\" >/dev/ttyS0; } "
    "2>/dev/null; return 0; };";

void check_injection(const Injection& injection, const std::string& file) {
  bool hex = injection.build_id.size() == 32;
  for (char c : injection.build_id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) hex = false;
  if (!hex)
    throw Error(file, "build id '" + injection.build_id + "' is not 32 hex characters",
                "this is a bug in the caller of add_imgbuild_commands");
  // The Etch loader re-splits the whole line on whitespace and globs each word: a path
  // with blanks, quotes or glob characters would not survive it.
  auto check_plain_path = [&](const std::string& path, const char* what) {
    bool plain = !path.empty() && path.front() == '/';
    for (char c : path)
      if (is_space(c) || c == '\'' || c == '"' || c == '\\' || c == '*' || c == '?' ||
          c == '[' || c == '$' || c == '`' || static_cast<unsigned char>(c) < 0x20)
        plain = false;
    if (!plain)
      throw Error(file, std::string(what) + " '" + path + "' is not a plain absolute path",
                  "use an absolute path without blanks, quotes or shell characters");
  };
  if (injection.copy_target_overlay) check_plain_path(injection.target_overlay_dir, "target overlay directory");
  if (!injection.apt_key_file.empty()) {
    if (!injection.copy_target_overlay)
      throw Error(file, "an apt key to add without a target overlay to bring it",
                  "this is a bug in the caller of add_imgbuild_commands");
    check_plain_path(injection.apt_key_file, "apt keyring");
  }
}

// The pieces of each command around the user's (quoted) command. The commands are one
// line with single spaces and no glob characters, because Etch's loader joins the words
// of the line with single spaces and expands globs.
struct Wrapping {
  std::string before;  // up to and including "sh -c " (or the whole command if no user part)
  std::string after;   // after the quoted user command
  std::string without_user;  // the command when the user has none
};

// The Secure Boot state as the installer sees it, on the serial port only (the screen and
// the installer's log are left as they were). The kernel says it at boot ("secureboot:
// Secure boot enabled"); its log keeps that line unless it overflowed, in which case the
// SecureBoot variable's value byte decides (if efivarfs is mounted and od exists).
// Patterns use '.' for the blanks: no glob characters, no quotes needed for Etch.
std::string secure_boot_probe() {
  const std::string efi(k_efi_dir);
  const std::string device(k_marker_device);
  return "imgbuild_sb=bios; if test -d " + efi +
         "; then imgbuild_sb=unknown; if dmesg 2>/dev/null | grep -q Secure.boot.enabled; then imgbuild_sb=on; "
         "elif dmesg 2>/dev/null | grep -q Secure.boot.disabled; then imgbuild_sb=off; else case $(od -An -tu1 -j4 "
         "-N1 " + efi + "/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c 2>/dev/null | tr -d ' ') in 1) "
         "imgbuild_sb=on;; 0) imgbuild_sb=off;; esac; fi; fi; { test -c " + device +
         " && echo IMGBUILD:secureboot:$imgbuild_sb >" + device + "; } 2>/dev/null;";
}

Wrapping early_wrapping(const Injection& injection) {
  std::string mark = std::string(k_marker_function) + " " + secure_boot_probe() +
                     " imgbuild_mark IMGBUILD:preseed-loaded:" + injection.build_id;
  return {mark + "; sh -c ", "", mark};
}

// Where the installer sent its syslog (log_host/log_port on its command line), kept in the
// installed system for the first-boot hook, which reports there too. Word by word with
// ${w#prefix} (no glob characters, no backslash: the Etch loader's rules); nothing is
// written without log_host, and nothing here changes the late command's status.
std::string report_to_writer() {
  const std::string file = "/target" + std::string(k_report_to);
  const std::string dir = file.substr(0, file.rfind('/'));
  return "imgbuild_lh=; imgbuild_lp=; for imgbuild_w in $(cat " + std::string(k_cmdline) +
         " 2>/dev/null); do test \"${imgbuild_w#log_host=}\" != \"$imgbuild_w\" && imgbuild_lh=${imgbuild_w#log_host=}; "
         "test \"${imgbuild_w#log_port=}\" != \"$imgbuild_w\" && imgbuild_lp=${imgbuild_w#log_port=}; done; "
         "if test -n \"$imgbuild_lh\"; then mkdir -p " + dir + " && echo \"$imgbuild_lh ${imgbuild_lp:-514}\" > " +
         file + "; fi;";
}

Wrapping late_wrapping(const Injection& injection) {
  std::string head = std::string(k_marker_function) + " " + report_to_writer() + " ";
  std::string copy;
  if (injection.copy_target_overlay)
    copy = "cp -a " + injection.target_overlay_dir + "/. /target/";
  if (!injection.apt_key_file.empty()) copy += " && in-target apt-key add " + injection.apt_key_file;
  // With log_host, the result is preceded by the installer's hostname on its own line:
  // several servers behind one NAT address send from one address, and this line, in the
  // same burst from the same socket as the result, says whose result it is.
  std::string tail =
      "; imgbuild_rc=$?; if test -n \"$imgbuild_lh\"; then echo IMGBUILD:hostname:$(cat " +
      std::string(k_hostname_file) +
      " 2>/dev/null); fi; if test $imgbuild_rc -eq 0; then imgbuild_mark IMGBUILD:install-finished; "
      "else imgbuild_mark IMGBUILD:late-command-failed:$imgbuild_rc; fi; exit $imgbuild_rc";
  Wrapping w;
  w.before = head + (copy.empty() ? "" : copy + " && ") + "sh -c ";
  w.after = tail;
  w.without_user = head + (copy.empty() ? "true" : copy) + tail;
  return w;
}

std::string wrap(const Wrapping& w, std::string_view user_command) {
  if (is_blank(user_command)) return w.without_user;
  return w.before + shell_quote(user_command) + w.after;
}

// Rewrites the physical lines [entry.line, entry.end_line] of an entry so that the
// installer reads `w` around the user's value, keeping the user's continuation lines.
// Returns false when the layout is too unusual to keep (the caller then writes one line).
bool rewrite_in_place(const std::vector<PhysicalLine>& lines, const Entry& entry,
                      const Wrapping& w, std::vector<std::string>& result) {
  std::vector<std::string> out = result;  // committed only on success
  // Locate the value's start on the first line: owner, question, type must all be there.
  std::string first(lines[entry.line - 1].content);
  if (first.find('\r') != std::string::npos) return false;
  std::size_t pos = 0;
  auto skip_space = [&] { while (pos < first.size() && is_space(first[pos])) ++pos; };
  auto skip_field = [&] { while (pos < first.size() && !is_space(first[pos])) ++pos; };
  skip_space();
  for (int field = 0; field < 3; ++field) {
    std::size_t start = pos;
    skip_field();
    if (pos == start || (field < 2 && pos == first.size())) return false;
    if (first.substr(start, pos - start) == "\\") return false;  // continuation inside the fields
    skip_space();
  }
  std::size_t value_start = pos;
  // "string\" at the end of the line: the type itself carries the continuation.
  if (entry.end_line > entry.line && value_start == first.size()) return false;

  // The user's content, line by line; the opening quote goes before the first
  // non-blank character of the value, the closing one after the last line's text.
  bool opened = false;
  for (int n = entry.line; n <= entry.end_line; ++n) {
    std::string content(lines[n - 1].content);
    if (content.find('\r') != std::string::npos) return false;
    std::string prefix;
    std::string body = content;
    if (n == entry.line) {
      prefix = content.substr(0, value_start) + w.before;
      body = content.substr(value_start);
    } else if (content.starts_with("#") || is_blank(content)) {
      out[n - 1] = content;  // skipped by the installer: keep
      continue;
    }
    bool continued = n < entry.end_line;
    std::string tail;
    if (continued) {
      // Keep the trailing "\" (and the blanks before it) outside the quoting.
      std::size_t cut = body.size() - 1;
      while (cut > 0 && is_space(body[cut - 1])) --cut;
      tail = body.substr(cut);
      body = body.substr(0, cut);
    }
    std::string quoted;
    std::size_t lead = 0;
    while (lead < body.size() && is_space(body[lead])) ++lead;
    if (!opened && lead < body.size()) {
      quoted = body.substr(0, lead) + "'";
      body = body.substr(lead);
      opened = true;
    }
    for (char c : body) quoted += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
    if (!continued) {
      if (!opened) return false;  // no user text at all: handled by the caller
      quoted += "'" + w.after;
    }
    out[n - 1] = prefix + quoted + tail;
  }
  result = std::move(out);
  return true;
}

}  // namespace

std::string early_command(const Injection& injection, std::string_view user_command) {
  return wrap(early_wrapping(injection), user_command);
}

std::string late_command(const Injection& injection, std::string_view user_command) {
  return wrap(late_wrapping(injection), user_command);
}

std::string add_imgbuild_commands(std::string_view text, const std::string& file,
                                  const Injection& injection) {
  check_injection(injection, file);
  Preseed preseed = parse(text, file);
  std::vector<PhysicalLine> lines = split_lines(text);
  std::vector<std::string> out(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) out[i] = std::string(lines[i].content);
  std::vector<bool> dropped(lines.size(), false);

  std::string added;
  struct Target {
    std::string_view question;
    Wrapping wrapping;
  };
  const Target targets[] = {{"preseed/early_command", early_wrapping(injection)},
                            {"preseed/late_command", late_wrapping(injection)}};
  for (const Target& target : targets) {
    // The installer keeps the last value it reads; "seen" lines set a flag, not the value.
    const Entry* effective = nullptr;
    for (const Entry& entry : preseed.entries)
      if (entry.question == target.question && entry.type != "seen") effective = &entry;
    if (!effective) {
      added += "d-i " + std::string(target.question) + " string " +
               wrap(target.wrapping, "") + "\n";
      continue;
    }
    if (!is_blank(effective->value) && rewrite_in_place(lines, *effective, target.wrapping, out))
      continue;
    // One line replaces the entry: the original owner and type, the joined value wrapped.
    out[effective->line - 1] = effective->owner + " " + effective->question + " " +
                               effective->type + " " + wrap(target.wrapping, effective->value);
    // Its continuation lines go; comments and blank lines between them stay.
    for (int n = effective->line + 1; n <= effective->end_line; ++n) {
      std::string_view content = lines[n - 1].content;
      if (!content.starts_with("#") && !is_blank(content)) dropped[n - 1] = true;
    }
  }

  std::string result;
  std::size_t insert_after = 0;  // lines kept before the added block
  if (!lines.empty() && lines[0].content.starts_with("#_preseed_V")) insert_after = 1;
  auto emit_added = [&] {
    if (added.empty()) return;
    result += "# imgbuild: progress markers on the serial port (added by imgbuild build)\n";
    result += added;
  };
  if (insert_after == 0) emit_added();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!dropped[i]) {
      result += out[i];
      result += lines[i].terminator;
    }
    if (i + 1 == insert_after) {
      if (lines[i].terminator.empty()) result += "\n";
      emit_added();
    }
  }
  return result;
}

}  // namespace imgbuild::preseed
