// SPDX-License-Identifier: GPL-2.0-or-later
#include "bootmenu/menu_file.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace imgbuild::bootmenu::detail {

namespace {

void check_menu_text(const std::string& path, const std::string& text) {
  if (text.size() > k_max_menu_file) {
    throw Error(path, "boot menu file is over 1 MB (" + std::to_string(text.size()) + " bytes)",
                "this is not a boot menu; check the base ISO");
  }
  if (text.find('\0') != std::string::npos) {
    throw Error(path, "boot menu file contains binary data (NUL bytes)",
                "this is not a text boot menu; check the base ISO");
  }
}

// "# imgbuild: begin" alone or followed by a space: "# imgbuild: beginning" is someone
// else's comment.
bool is_marker(std::string_view line, std::string_view marker) {
  line = trim(line);
  return line.starts_with(marker) && (line.size() == marker.size() || line[marker.size()] == ' ');
}
bool is_marker_begin(std::string_view line) { return is_marker(line, k_begin); }
bool is_marker_end(std::string_view line) { return is_marker(line, k_end); }

std::string leading_space(const std::string& line) {
  std::size_t n = 0;
  while (n < line.size() && is_space(line[n])) ++n;
  return line.substr(0, n);
}

bool looks_installer_kernel(const std::string& kernel) {
  std::string base = lower(kernel.substr(kernel.rfind('/') + 1));
  if (base.find("memtest") != std::string::npos) return false;
  for (const char* ext : {".c32", ".com", ".cbt", ".0", ".bss", ".img", ".cfg", ".bin", ".efi"}) {
    if (base.ends_with(ext)) return false;
  }
  return base.find("vmlinu") != std::string::npos || base.starts_with("linux") ||
         base.starts_with("bzimage");
}

}  // namespace

Text split_lines(const std::string& text) {
  Text out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    bool has_newline = end != std::string::npos;
    if (!has_newline) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
      out.crlf = true;
    }
    out.lines.push_back(std::move(line));
    out.final_newline = has_newline;
    start = end + 1;
  }
  return out;
}

std::string join_lines(const Text& text) {
  std::string out;
  const char* eol = text.crlf ? "\r\n" : "\n";
  for (std::size_t i = 0; i < text.lines.size(); ++i) {
    out += text.lines[i];
    if (i + 1 < text.lines.size() || text.final_newline) out += eol;
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view take_word(std::string_view& s) {
  s = trim(s);
  std::size_t end = 0;
  while (end < s.size() && !is_space(s[end])) ++end;
  std::string_view word = s.substr(0, end);
  s = trim(s.substr(end));
  return word;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view w = take_word(s); !w.empty(); w = take_word(s)) out.emplace_back(w);
  return out;
}

std::string join_words(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

void enter_menu_file(std::vector<std::string>& stack, int& loads, MenuTree& tree, const std::string& path,
                     const std::string& text, const std::string& loop_what, const std::string& nest_what) {
  if (std::find(stack.begin(), stack.end(), path) != stack.end()) {
    std::string chain;
    for (const std::string& p : stack) chain += p + " -> ";
    throw Error(path, loop_what + " loop: " + chain + path, "check the base ISO's menus");
  }
  if (static_cast<int>(stack.size()) >= k_max_depth)
    throw Error(path, nest_what + " nest deeper than 16 levels", "check the base ISO's menus");
  if (++loads > k_max_loads)
    throw Error(tree.root_file, nest_what + " load more than 512 files", "check the base ISO's menus");
  check_menu_text(path, text);
  tree.files.emplace(path, text);
  stack.push_back(path);
}

std::string dirname(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string disable(const std::string& line) {
  return leading_space(line) + k_disabled + std::string(trim(line));
}

std::vector<bool> marker_mask(const std::vector<std::string>& lines) {
  std::vector<bool> mask(lines.size(), false);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_marker_begin(lines[i])) continue;
    std::size_t end = i + 1;
    while (end < lines.size() && !is_marker_end(lines[end])) {
      // A stray begin before ours must not swallow the lines between them.
      if (is_marker_begin(lines[end])) i = end;
      ++end;
    }
    if (end == lines.size()) break;
    for (std::size_t j = i; j <= end; ++j) mask[j] = true;
    i = end;
  }
  return mask;
}

std::vector<std::string> without_marker_blocks(const std::vector<std::string>& lines) {
  std::vector<bool> mask = marker_mask(lines);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!mask[i]) out.push_back(lines[i]);
  }
  return out;
}

void classify(InstallerEntry& entry) {
  entry.arch = detect_arch(entry.kernel);
  if (entry.arch.empty() && !entry.initrds.empty()) entry.arch = detect_arch(entry.initrds.front());
  entry.graphical = std::any_of(entry.initrds.begin(), entry.initrds.end(), [](const std::string& i) {
    return lower(i).find("/gtk/") != std::string::npos;
  });
  entry.is_installer = !entry.kernel.empty() && entry.kernel.front() == '/' &&
                       looks_installer_kernel(entry.kernel) && !entry.initrds.empty();
}

void check_unattended(const MenuTree& tree, const Unattended& u) {
  auto check = [&](const std::string& value, const std::string& what) {
    if (value.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
      throw Error(tree.root_file, "the unattended entry's " + what + " contains a line break",
                  "give kernel arguments and titles on one line");
    }
  };
  if (u.kernel.empty()) throw Error(tree.root_file, "no kernel for the unattended entry");
  check(u.kernel, "kernel");
  check(u.args, "kernel arguments");
  check(u.title, "title");
  for (const std::string& i : u.initrds) check(i, "initrd");
  for (const ExtraEntry& e : u.extras) {
    check(e.title, "extra entry title");
    check(e.kernel, "extra entry kernel");
    check(e.args, "extra entry arguments");
    check(e.hotkey, "extra entry hotkey");
    for (const auto& [cpu, program] : e.efi_programs) {
      check(cpu, "extra entry CPU");
      check(program, "extra entry EFI program");
    }
    if (e.label.find_first_of(" \t") != std::string::npos)
      throw Error(e.label, "an isolinux label cannot contain blanks", "choose a one-word label");
  }
}

}  // namespace imgbuild::bootmenu::detail
