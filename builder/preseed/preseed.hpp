// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Preseed files as the Debian installer reads them, and the rewrite that chains imgbuild's
// progress markers around the user's early_command / late_command.

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::preseed {

// One answer, as the installer's preseed loader (packages/preseed/debconf-set-selections
// in debian-installer, the version since 2008) reads it: "owner question type value".
// Physical lines ending in "\" are joined to the next non-comment line with one space
// (the whitespace around the join is dropped); lines starting with "#" in column 1 and
// blank lines are skipped, even between continuation lines. The value is everything after
// the whitespace following the type, trailing whitespace included.
struct Entry {
  std::string owner, question, type, value;
  int line = 0;      // first physical line (1-based)
  int end_line = 0;  // last physical line (== line unless continued)
};

struct SyntaxProblem {
  int line;
  std::string message;
  // false: the installer refuses the whole file (or silently loses a line); true: it is
  // read, but probably not as the author meant (e.g. an indented "#" comment).
  bool warning = false;
};

struct Preseed {
  std::string file;
  std::vector<Entry> entries;
  std::vector<SyntaxProblem> problems;
  // Facts only Etch's older loader (shell word splitting, 2007) trips over; lint reports
  // them for --release etch:
  std::vector<int> blank_lines_with_spaces;  // only blanks: Etch's "shift 3" fails, file refused
  std::vector<int> glued_continuations;      // "a\" + "b": Etch joins them as "ab", not "a b"
};

// Throws imgbuild::Error(file, ...) for NUL bytes or invalid UTF-8 (with the line number);
// malformed lines are collected as problems (lint reports them).
Preseed parse(std::string_view text, const std::string& file);

struct Injection {
  std::string build_id;                     // 32 hex chars
  bool copy_target_overlay = false;         // the disc has /imgbuild/target
  std::string target_overlay_dir = "/cdrom/imgbuild/target";
  // A keyring in the installed system for `in-target apt-key add` once the overlay is
  // copied (Etch's apt 0.6 trusts only /etc/apt/trusted.gpg); empty: none.
  std::string apt_key_file;
};

// The serial device the markers are written to (tests substitute it in the output).
inline constexpr std::string_view k_marker_device = "/dev/ttyS0";
// Where the installer finds out whether it booted through UEFI, and the SecureBoot
// variable (EFI global variable GUID; 4 bytes of attributes, then the value) read when
// the kernel's own line is gone from its log (tests substitute the directory).
inline constexpr std::string_view k_efi_dir = "/sys/firmware/efi";
// The installer's kernel command line, where the late command finds log_host/log_port
// (tests substitute it), and the file of the installed system it writes them to: the
// first-boot hook reports there too ("HOST PORT", one line).
inline constexpr std::string_view k_cmdline = "/proc/cmdline";
inline constexpr std::string_view k_report_to = "/etc/imgbuild/report-to";
// The installer's hostname (netcfg sets it: a fleet image's row, a per-host image's own),
// said over the network before the late command's result (tests substitute it).
inline constexpr std::string_view k_hostname_file = "/proc/sys/kernel/hostname";

// Returns the preseed text with imgbuild's commands chained around the user's ones:
//  preseed/early_command: writes "IMGBUILD:secureboot:<on|off|bios|unknown>" (the
//    kernel's "Secure boot enabled/disabled" line in dmesg, else the SecureBoot EFI
//    variable; bios without /sys/firmware/efi) to the serial port only, then
//    "IMGBUILD:preseed-loaded:<id>" to the serial port (a
//    missing or unwritable port is ignored silently), then runs the user's early_command
//    with `sh -c`; the user's exit status is the command's exit status.
//  preseed/late_command: if copy_target_overlay, `cp -a <dir>/. /target/` (and with
//    apt_key_file, `in-target apt-key add <file>`), then the user's
//    late_command (`sh -c`); 0 -> IMGBUILD:install-finished, otherwise
//    IMGBUILD:late-command-failed:<rc> and exit rc, so the installer still reports it.
// The user's command keeps its own physical lines (continuations included), so each
// installer release joins them exactly as it would have without imgbuild. Where the
// preseed sets a question twice, the effective (last) line is rewritten. A missing line is
// added at the top (after a "#_preseed_V1" header), where no dangling continuation can
// swallow it. Everything else is kept byte for byte.
// Throws Error for a malformed build id or overlay path, and for what parse() throws.
std::string add_imgbuild_commands(std::string_view text, const std::string& file,
                                  const Injection& injection);

// The single-line shell commands add_imgbuild_commands() puts in the values; `user_command`
// is the user's command as the installer joined it (empty: none). Exposed for tests.
std::string early_command(const Injection& injection, std::string_view user_command);
std::string late_command(const Injection& injection, std::string_view user_command);

// Quotes text for a POSIX shell without backslashes ('...' with ' as '"'"'): the
// installer's debconf layer may unescape backslash sequences, quotes survive it.
std::string shell_quote(std::string_view text);

}  // namespace imgbuild::preseed
