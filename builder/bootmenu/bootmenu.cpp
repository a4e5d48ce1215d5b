// SPDX-License-Identifier: GPL-2.0-or-later
#include "bootmenu/bootmenu.hpp"

#include <algorithm>
#include <set>

#include "util/error.hpp"

namespace imgbuild::bootmenu {

namespace {

constexpr const char* k_begin = "# imgbuild: begin";
constexpr const char* k_begin_line =
    "# imgbuild: begin (written by imgbuild build; a rebuild replaces this block)";
constexpr const char* k_end = "# imgbuild: end";
constexpr const char* k_disabled = "# imgbuild: disabled: ";
// isolinux and GRUB configs nest a few levels; more is a loop in disguise or garbage.
constexpr int k_max_depth = 16;
constexpr int k_max_loads = 512;

// ---- text helpers -------------------------------------------------------------------

struct Text {
  std::vector<std::string> lines;
  bool crlf = false;
  bool final_newline = true;
};

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits off the first whitespace-separated word: returns it, leaves the trimmed rest.
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

// Both loaders enter every file through here: hostile menus (include loops, deep or
// endless nesting, binary data) are refused before they are parsed. `loop_what` and
// `nest_what` name the mechanism in the messages ("boot menu include", "GRUB menus").
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

std::string disable(const std::string& line) {
  return leading_space(line) + k_disabled + std::string(trim(line));
}

// Which lines belong to an earlier imgbuild block (begin..end, both included). A begin
// without an end marks nothing: a hand-edited file must not lose its tail.
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

// Drops an earlier imgbuild block, keeping everything else.
std::vector<std::string> without_marker_blocks(const std::vector<std::string>& lines) {
  std::vector<bool> mask = marker_mask(lines);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!mask[i]) out.push_back(lines[i]);
  }
  return out;
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

void classify(InstallerEntry& entry) {
  entry.arch = detect_arch(entry.kernel);
  if (entry.arch.empty() && !entry.initrds.empty()) entry.arch = detect_arch(entry.initrds.front());
  entry.graphical = std::any_of(entry.initrds.begin(), entry.initrds.end(), [](const std::string& i) {
    return lower(i).find("/gtk/") != std::string::npos;
  });
  entry.is_installer = !entry.kernel.empty() && entry.kernel.front() == '/' &&
                       looks_installer_kernel(entry.kernel) && !entry.initrds.empty();
}

// ---- isolinux -------------------------------------------------------------------------

class IsolinuxLoader {
 public:
  IsolinuxLoader(const std::string& root, const FileReader& read) : m_read(read) {
    m_tree.loader = Loader::isolinux;
    m_tree.root_file = iso_path_join("/", root);
    // isolinux's working directory is the one it was loaded from, where isolinux.cfg
    // sits; pxelinux's is the TFTP root, above pxelinux.cfg/.
    m_cwd = dirname(m_tree.root_file);
    if (m_cwd.ends_with("/pxelinux.cfg")) m_cwd = dirname(m_cwd);
  }

  MenuTree run() {
    auto text = m_read(m_tree.root_file);
    if (!text) {
      throw Error(m_tree.root_file, "isolinux menu not found on the disc",
                  "is this a BIOS-bootable Debian installer ISO?");
    }
    load(m_tree.root_file, *text);
    for (Raw& raw : m_raw) m_tree.entries.push_back(finish(raw));
    return std::move(m_tree);
  }

 private:
  struct Raw {
    std::string file;
    std::string label;
    std::string kind;  // kernel, linux, com32, config, localboot, ...
    std::string kernel;
    std::string append;
    std::string initrd;
  };

  std::string resolve(const std::string& relative) const {
    return iso_path_join(m_cwd, relative);
  }

  InstallerEntry finish(const Raw& raw) const {
    InstallerEntry entry;
    entry.loader = Loader::isolinux;
    entry.menu_file = raw.file;
    entry.label = raw.label;
    if (!raw.kernel.empty()) entry.kernel = resolve(raw.kernel);
    auto add_initrds = [&](std::string_view list) {
      std::size_t start = 0;
      while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string_view::npos) comma = list.size();
        std::string_view one = list.substr(start, comma - start);
        if (!one.empty()) entry.initrds.push_back(resolve(std::string(one)));
        start = comma + 1;
      }
    };
    add_initrds(trim(raw.initrd));
    std::vector<std::string> args;
    for (const std::string& word : words(raw.append)) {
      if (starts_with_ci(word, "initrd=")) {
        add_initrds(std::string_view(word).substr(7));
      } else {
        args.push_back(word);
      }
    }
    if (args.size() == 1 && args[0] == "-") args.clear();  // "append -": no arguments
    entry.args = join_words(args);
    classify(entry);
    bool boots_kernel = raw.kind == "kernel" || raw.kind == "linux";
    if (!boots_kernel) entry.is_installer = false;
    return entry;
  }

  std::optional<std::pair<std::string, std::string>> find_include(const std::string& name,
                                                                   const std::string& includer) {
    std::vector<std::string> candidates;
    if (!name.empty() && name.front() == '/') {
      candidates.push_back(iso_path_join("/", name));
    } else {
      candidates.push_back(iso_path_join(m_cwd, name));
      candidates.push_back(iso_path_join(dirname(includer), name));
      for (const std::string& dir : m_path_dirs) candidates.push_back(iso_path_join(iso_path_join(m_cwd, dir), name));
    }
    for (const std::string& path : candidates) {
      auto cached = m_tree.files.find(path);
      if (cached != m_tree.files.end()) return std::make_pair(path, cached->second);
      if (auto text = m_read(path)) return std::make_pair(path, std::move(*text));
    }
    return std::nullopt;  // isolinux skips a missing include too
  }

  void include(const std::string& name, const std::string& includer) {
    auto found = find_include(name, includer);
    if (found) load(found->first, found->second);
  }

  void load(const std::string& path, const std::string& text) {
    enter_menu_file(m_stack, m_loads, m_tree, path, text, "boot menu include", "boot menu includes");
    bool in_text = false;
    std::vector<std::string> lines = split_lines(text).lines;
    std::vector<bool> mask = marker_mask(lines);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (mask[i]) continue;
      std::string_view line = trim(lines[i]);
      if (line.empty() || line.front() == '#') continue;
      std::string_view rest = line;
      std::string keyword = lower(take_word(rest));
      if (in_text) {
        if (keyword == "endtext") in_text = false;
        continue;
      }
      if (keyword == "text") {
        in_text = true;
        continue;
      }
      if (keyword == "menu") {
        std::string sub = lower(take_word(rest));
        if (sub == "include") include(std::string(take_word(rest)), path);
        continue;
      }
      if (keyword == "include") {
        include(std::string(take_word(rest)), path);
      } else if (keyword == "path") {
        for (std::string& dir : words(rest)) {
          // "path a:b" and "path a b" both occur.
          std::size_t start = 0;
          while (start <= dir.size()) {
            std::size_t colon = dir.find(':', start);
            if (colon == std::string::npos) colon = dir.size();
            if (colon > start) m_path_dirs.push_back(dir.substr(start, colon - start));
            start = colon + 1;
          }
        }
      } else if (keyword == "label") {
        m_raw.push_back(Raw{path, std::string(rest), {}, {}, {}, {}});
      } else if (!m_raw.empty() &&
                 (keyword == "kernel" || keyword == "linux" || keyword == "boot" || keyword == "bss" ||
                  keyword == "pxe" || keyword == "fdimage" || keyword == "comboot" ||
                  keyword == "com32" || keyword == "config" || keyword == "localboot")) {
        m_raw.back().kind = keyword;
        m_raw.back().kernel = std::string(take_word(rest));
        // A .c32 named by KERNEL is a COM32 module, not Linux.
        if (lower(m_raw.back().kernel).ends_with(".c32")) m_raw.back().kind = "com32";
        if (keyword == "localboot") m_raw.back().kernel.clear();
      } else if (!m_raw.empty() && keyword == "append") {
        m_raw.back().append = std::string(rest);
      } else if (!m_raw.empty() && keyword == "initrd") {
        m_raw.back().initrd = std::string(rest);
      }
    }
    m_stack.pop_back();
  }

  const FileReader& m_read;
  MenuTree m_tree;
  std::string m_cwd;
  std::vector<std::string> m_path_dirs;
  std::vector<std::string> m_stack;
  std::vector<Raw> m_raw;
  int m_loads = 0;
};

// ---- GRUB -----------------------------------------------------------------------------

// GRUB's shell-like words: quotes removed, backslash escapes applied, a '#' starting a
// word begins a comment, and '{' / '}' are words of their own when they stand alone or
// end a line.
std::vector<std::string> grub_words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) break;
    if (line[i] == '#') break;
    std::string word;
    while (i < line.size() && !is_space(line[i])) {
      char c = line[i];
      if (c == '\'') {
        std::size_t close = line.find('\'', i + 1);
        if (close == std::string_view::npos) close = line.size();
        word.append(line.substr(i + 1, close - i - 1));
        i = close + 1;
      } else if (c == '"') {
        ++i;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          word += line[i++];
        }
        ++i;
      } else if (c == '\\' && i + 1 < line.size()) {
        word += line[i + 1];
        i += 2;
      } else if ((c == '{' || c == '}') && word.empty() &&
                 (i + 1 >= line.size() || is_space(line[i + 1]))) {
        word = c;
        ++i;
        break;
      } else {
        word += c;
        ++i;
      }
    }
    out.push_back(std::move(word));
  }
  return out;
}

std::string strip_device(const std::string& path) {
  if (!path.empty() && path.front() == '(') {
    std::size_t close = path.find(')');
    if (close != std::string::npos) return path.substr(close + 1);
  }
  return path;
}

// The title of a menuentry/submenu line: the first word after the options.
std::string grub_title(const std::vector<std::string>& w) {
  for (std::size_t i = 1; i < w.size(); ++i) {
    const std::string& word = w[i];
    if (word.starts_with("--")) {
      if (word.find('=') == std::string::npos &&
          (word == "--class" || word == "--users" || word == "--hotkey" || word == "--id")) {
        ++i;
      }
      continue;
    }
    if (word == "{") break;
    return word;
  }
  return {};
}

// Per line of a GRUB file: its words and where it stands in the block structure.
struct GrubLine {
  std::vector<std::string> words;
  int depth = 0;            // blocks open before this line
  bool in_entry = false;    // inside a menuentry body
  bool in_marker = false;   // inside an imgbuild block
};

std::vector<GrubLine> scan_grub(const std::vector<std::string>& lines) {
  std::vector<GrubLine> out;
  std::vector<bool> stack;  // true: a menuentry body
  std::vector<bool> mask = marker_mask(lines);
  bool pending_entry = false;  // "menuentry ..." whose '{' is on a later line
  for (std::size_t i = 0; i < lines.size(); ++i) {
    GrubLine info;
    info.depth = static_cast<int>(stack.size());
    info.in_entry = std::find(stack.begin(), stack.end(), true) != stack.end();
    if (mask[i]) {
      info.in_marker = true;
      out.push_back(std::move(info));
      continue;
    }
    info.words = grub_words(lines[i]);
    bool entry_line = !info.words.empty() && info.words[0] == "menuentry";
    if (entry_line) pending_entry = true;
    if (!info.words.empty() && info.words[0] == "submenu") pending_entry = false;
    for (const std::string& w : info.words) {
      if (w == "{") {
        stack.push_back(pending_entry);
        pending_entry = false;
      } else if (w == "}" && !stack.empty()) {
        stack.pop_back();
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

class GrubLoader {
 public:
  GrubLoader(const std::string& root, const FileReader& read) : m_read(read) {
    m_tree.loader = Loader::grub;
    m_tree.root_file = iso_path_join("/", root);
  }

  MenuTree run() {
    auto text = m_read(m_tree.root_file);
    if (!text) {
      throw Error(m_tree.root_file, "GRUB menu not found on the disc",
                  "is this a UEFI-bootable Debian installer ISO?");
    }
    load(m_tree.root_file, *text);
    return std::move(m_tree);
  }

 private:
  void follow(const std::string& target) {
    std::string path = strip_device(target);
    // Only static paths: "$prefix/x.cfg" depends on the firmware's boot device.
    if (path.empty() || path.front() != '/' || path.find('$') != std::string::npos) return;
    path = iso_path_join("/", path);
    auto cached = m_tree.files.find(path);
    if (cached != m_tree.files.end()) {
      std::string text = cached->second;
      load(path, text);
      return;
    }
    if (auto text = m_read(path)) load(path, *text);
  }

  void load(const std::string& path, const std::string& text) {
    enter_menu_file(m_stack, m_loads, m_tree, path, text, "GRUB menu source", "GRUB menus");
    std::optional<InstallerEntry> current;
    int entry_depth = -1;
    bool entry_opened = false;
    for (const GrubLine& line : scan_grub(split_lines(text).lines)) {
      if (line.in_marker || line.words.empty()) continue;
      const std::vector<std::string>& w = line.words;
      const std::string& command = w[0];
      if (current && !entry_opened && command == "{") {
        entry_opened = true;  // "menuentry 'x'" with its brace on the next line
        continue;
      }
      if (current && line.depth <= entry_depth) {
        classify(*current);
        m_tree.entries.push_back(std::move(*current));
        current.reset();
      }
      if (command == "menuentry") {
        current = InstallerEntry{};
        current->loader = Loader::grub;
        current->menu_file = path;
        current->label = grub_title(w);
        entry_depth = line.depth;
        entry_opened = std::find(w.begin(), w.end(), "{") != w.end();
      } else if (current && (command == "linux" || command == "linux16" || command == "linuxefi")) {
        if (w.size() >= 2) {
          std::string kernel = strip_device(w[1]);
          current->kernel = kernel.starts_with("/") ? iso_path_join("/", kernel) : kernel;
          current->args = join_words(std::vector<std::string>(w.begin() + 2, w.end()));
        }
      } else if (current && (command == "initrd" || command == "initrd16" || command == "initrdefi")) {
        current->initrds.clear();
        for (std::size_t i = 1; i < w.size(); ++i) {
          std::string initrd = strip_device(w[i]);
          current->initrds.push_back(initrd.starts_with("/") ? iso_path_join("/", initrd) : initrd);
        }
      } else if (!line.in_entry && !current && (command == "source" || command == "configfile") &&
                 w.size() >= 2) {
        follow(w[1]);
      }
    }
    if (current) {
      classify(*current);
      m_tree.entries.push_back(std::move(*current));
    }
    m_stack.pop_back();
  }

  const FileReader& m_read;
  MenuTree m_tree;
  std::vector<std::string> m_stack;
  int m_loads = 0;
};

std::string grub_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// GRUB expands $variables and splits on quotes in a linux line: a word with anything but
// plain characters is single-quoted so the kernel gets it as written.
std::string grub_word(const std::string& word) {
  bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-_./=:,+@%^~").find(c) != std::string_view::npos;
  });
  return plain ? word : grub_quote(word);
}

std::string grub_command(const std::string& command, const std::vector<std::string>& args) {
  std::string out = command;
  for (const std::string& arg : args) {
    for (const std::string& word : words(arg)) out += " " + grub_word(word);
  }
  return out;
}

// Text that goes into a menu line must stay on that line: a newline in --kernel-args
// would otherwise add menu commands of its own.
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
    if (e.label.find_first_of(" \t") != std::string::npos)
      throw Error(e.label, "an isolinux label cannot contain blanks", "choose a one-word label");
  }
}

bool is_variant(const InstallerEntry& e) {
  static const char* const k_markers[] = {"rescue/enable", "priority=low", "speakup.synth",
                                          "theme=", "desktop=", "priority=medium"};
  return std::any_of(std::begin(k_markers), std::end(k_markers),
                     [&](const char* m) { return e.args.find(m) != std::string::npos; });
}

}  // namespace

// ---- public ---------------------------------------------------------------------------

std::string iso_path_join(const std::string& dir, const std::string& relative) {
  std::string combined = (!relative.empty() && relative.front() == '/') ? relative : dir + "/" + relative;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= combined.size()) {
    std::size_t slash = combined.find('/', start);
    if (slash == std::string::npos) slash = combined.size();
    std::string part = combined.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = slash + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string detect_arch(const std::string& kernel_path) {
  std::string p = lower(kernel_path);
  for (const char* m : {"install.amd", "install.x86_64", "install.x86-64", "/amd64/", "/x86_64/"}) {
    if (p.find(m) != std::string::npos) return "amd64";
  }
  for (const char* m : {"install.386", "install.i386", "install.486", "install.686", "/i386/"}) {
    if (p.find(m) != std::string::npos) return "i386";
  }
  return {};
}

MenuTree load_isolinux(const std::string& root_file, const FileReader& read) {
  return IsolinuxLoader(root_file, read).run();
}

MenuTree load_grub(const std::string& root_file, const FileReader& read) {
  return GrubLoader(root_file, read).run();
}

const InstallerEntry& choose_base_entry(const MenuTree& tree, const std::string& arch) {
  const InstallerEntry* best = nullptr;
  int best_rank = 0;
  std::set<std::string> arches;
  bool any_installer = false;
  for (const InstallerEntry& e : tree.entries) {
    if (!e.is_installer) continue;
    any_installer = true;
    arches.insert(e.arch.empty() ? "unknown" : e.arch);
    if (!arch.empty() && e.arch != arch) continue;
    // Plain installs first (a rescue or expert entry is no base for an unattended one),
    // then text before graphical; menu order breaks ties.
    int rank = (is_variant(e) ? 2 : 0) + (e.graphical ? 1 : 0);
    if (!best || rank < best_rank) {
      best = &e;
      best_rank = rank;
    }
  }
  if (best) return *best;
  if (!any_installer) {
    throw Error(tree.root_file, "no debian-installer kernel and initrd found in the boot menu",
                "is this a Debian installer ISO?");
  }
  std::string have;
  for (const std::string& a : arches) have += (have.empty() ? "" : ", ") + a;
  throw Error(tree.root_file, "--arch " + arch + " but the disc only has " + have,
              "use a base ISO for " + arch + " or drop --arch");
}

std::string unattended_args(const std::string& base_args, const std::string& user_args) {
  std::vector<std::string> out;
  std::vector<std::string> added = {"auto=true", "priority=critical"};
  for (std::string& w : words(user_args)) added.push_back(std::move(w));
  bool inserted = false;
  for (std::string& w : words(base_args)) {
    if (!inserted && (w == "---" || w == "--")) {
      out.insert(out.end(), added.begin(), added.end());
      inserted = true;
    }
    // The base entry's own mode is replaced, not contradicted.
    if (!inserted && (w.starts_with("auto=") || w.starts_with("priority=") || w.starts_with("initrd="))) {
      continue;
    }
    out.push_back(std::move(w));
  }
  if (!inserted) out.insert(out.end(), added.begin(), added.end());
  return join_words(out);
}

std::optional<std::size_t> kernel_command_line_limit(std::string_view head) {
  auto u16 = [&](std::size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(head[at])) |
           static_cast<unsigned>(static_cast<unsigned char>(head[at + 1])) << 8;
  };
  // Documentation/x86/boot.rst: "HdrS" at 0x202, protocol version at 0x206,
  // cmdline_size (protocol 2.06+) at 0x238.
  if (head.size() < 0x208 || head.substr(0x202, 4) != "HdrS") return std::nullopt;
  unsigned protocol = u16(0x206);
  if (protocol < 0x0206) return 255;
  if (head.size() < 0x23c) return std::nullopt;
  std::size_t size = u16(0x238) | static_cast<std::size_t>(u16(0x23a)) << 16;
  return size;
}

std::string unattended_command_line(Loader loader, const Unattended& u) {
  std::string initrd_arg;
  if (loader == Loader::isolinux) {
    for (const std::string& i : u.initrds) initrd_arg += (initrd_arg.empty() ? "initrd=" : ",") + i;
  }
  return join_words({"BOOT_IMAGE=" + u.kernel, initrd_arg, u.args});
}

void check_command_line(Loader loader, const Unattended& u, std::size_t limit) {
  std::string line = unattended_command_line(loader, u);
  if (line.size() <= limit) return;
  throw Error("--kernel-args",
              "the unattended entry's kernel command line is " + std::to_string(line.size()) +
                  " bytes but this kernel keeps only " + std::to_string(limit) +
                  " (the rest would be silently dropped)",
              "shorten --kernel-args; put settings in the preseed instead");
}

std::map<std::string, std::string> make_unattended_isolinux(const MenuTree& tree, const Unattended& u) {
  check_unattended(tree, u);
  std::map<std::string, std::string> changed;
  std::map<std::string, Text> texts;
  bool has_ui = false;
  std::string ui_from_default;

  for (const auto& [path, original] : tree.files) {
    Text text = split_lines(original);
    text.lines = without_marker_blocks(text.lines);
    bool in_text = false;
    for (std::string& line : text.lines) {
      std::string_view rest = trim(line);
      if (rest.starts_with(k_disabled)) {
        // Disabled by an earlier run: "default vesamenu.c32" still means the disc has a menu.
        rest.remove_prefix(std::string_view(k_disabled).size());
        if (lower(take_word(rest)) == "default") {
          std::string_view target = take_word(rest);
          if (lower(target).ends_with(".c32")) ui_from_default = std::string(target);
        }
        continue;
      }
      if (rest.empty() || rest.front() == '#') continue;
      std::string keyword = lower(take_word(rest));
      if (in_text) {
        if (keyword == "endtext") in_text = false;
        continue;
      }
      if (keyword == "text") {
        in_text = true;
      } else if (keyword == "ui") {
        has_ui = true;
      } else if (keyword == "default" || keyword == "default64") {
        // "default vesamenu.c32" is the old way of starting the menu: keep the menu as UI.
        std::string target(take_word(rest));
        if (keyword == "default" && lower(target).ends_with(".c32")) ui_from_default = target;
        line = disable(line);
      } else if (keyword == "timeout" || keyword == "ontimeout") {
        // Debian 12's spkgtk.cfg sets "timeout 300" + "ontimeout <speech install>": left
        // alone it would boot speech synthesis instead of the unattended entry.
        line = disable(line);
      } else if (keyword == "menu" && lower(take_word(rest)) == "default") {
        line = disable(line);
      }
    }
    texts.emplace(path, std::move(text));
  }

  bool menu_ui = has_ui || !ui_from_default.empty();
  int tenths = std::max(1, u.timeout_seconds * 10);  // isolinux "timeout 0" waits forever
  std::string initrd_arg;
  for (const std::string& i : u.initrds) initrd_arg += (initrd_arg.empty() ? "initrd=" : ",") + i;
  std::vector<std::string> block = {k_begin_line, "default imgbuild"};
  if (!has_ui && !ui_from_default.empty()) block.push_back("ui " + ui_from_default);
  block.push_back("timeout " + std::to_string(tenths));
  block.push_back("label imgbuild");
  if (menu_ui) {
    block.push_back("\tmenu label " + u.title);
    block.push_back("\tmenu default");
  }
  block.push_back("\tkernel " + u.kernel);
  std::string append = join_words({initrd_arg, u.args});
  if (!append.empty()) block.push_back("\tappend " + append);
  int n = 0;
  for (const ExtraEntry& extra : u.extras) {
    ++n;
    block.push_back("label " + (extra.label.empty() ? "imgbuild-extra-" + std::to_string(n) : extra.label));
    if (menu_ui) block.push_back("\tmenu label " + extra.title);
    block.push_back("\tkernel " + extra.kernel);
    if (!extra.args.empty()) block.push_back("\tappend " + extra.args);
  }
  block.push_back(std::string(k_end));

  Text& root = texts.at(tree.root_file);
  root.lines.insert(root.lines.begin(), block.begin(), block.end());
  root.final_newline = true;
  for (const auto& [path, text] : texts) {
    std::string out = join_lines(text);
    if (out != tree.files.at(path)) changed.emplace(path, std::move(out));
  }
  return changed;
}

std::map<std::string, std::string> make_unattended_grub(const MenuTree& tree, const Unattended& u) {
  check_unattended(tree, u);
  std::map<std::string, Text> texts;
  for (const auto& [path, original] : tree.files) {
    Text text = split_lines(original);
    text.lines = without_marker_blocks(text.lines);
    std::vector<GrubLine> scanned = scan_grub(text.lines);
    for (std::size_t i = 0; i < text.lines.size(); ++i) {
      const std::vector<std::string>& w = scanned[i].words;
      if (w.empty()) continue;
      std::string first = w[0] == "set" && w.size() >= 2 ? w[1] : w[0];
      if (first.starts_with("default=") || first.starts_with("timeout=")) {
        text.lines[i] = disable(text.lines[i]);
      }
    }
    texts.emplace(path, std::move(text));
  }

  // Which files (transitively) define menu entries, so the block goes before the first
  // line that adds one and "set default=0" picks it.
  std::set<std::string> with_entries;
  for (const InstallerEntry& e : tree.entries) with_entries.insert(e.menu_file);
  auto target_of = [&](const std::vector<std::string>& w) -> std::string {
    if (w.size() < 2 || (w[0] != "source" && w[0] != "configfile")) return {};
    std::string path = strip_device(w[1]);
    if (path.empty() || path.front() != '/' || path.find('$') != std::string::npos) return {};
    return iso_path_join("/", path);
  };
  std::function<bool(const std::string&, int)> defines_entries = [&](const std::string& path, int depth) {
    if (with_entries.count(path)) return true;
    if (depth > k_max_depth || !texts.count(path)) return false;
    for (const GrubLine& line : scan_grub(texts.at(path).lines)) {
      if (line.in_entry) continue;
      std::string target = target_of(line.words);
      if (!target.empty() && defines_entries(target, depth + 1)) return true;
    }
    return false;
  };

  std::string file = tree.root_file;
  std::size_t at = texts.at(file).lines.size();
  for (int depth = 0; depth <= k_max_depth; ++depth) {
    const Text& text = texts.at(file);
    std::vector<GrubLine> scanned = scan_grub(text.lines);
    at = text.lines.size();
    std::string into;
    for (std::size_t i = 0; i < scanned.size(); ++i) {
      const std::vector<std::string>& w = scanned[i].words;
      if (scanned[i].depth != 0 || w.empty()) continue;
      if (w[0] == "menuentry" || w[0] == "submenu") {
        at = i;
        break;
      }
      std::string target = target_of(w);
      if (!target.empty() && texts.count(target) && defines_entries(target, 0)) {
        // "configfile" replaces the menu: the entry must go into the new one.
        if (w[0] == "configfile") into = target;
        at = i;
        break;
      }
    }
    if (into.empty()) break;
    file = into;
  }

  std::vector<std::string> block = {k_begin_line, "set default=0",
                                    "set timeout=" + std::to_string(std::max(0, u.timeout_seconds))};
  block.push_back("menuentry " + grub_quote(u.title) + " {");
  block.push_back("    " + grub_command("linux", {u.kernel, u.args}));
  if (!u.initrds.empty()) block.push_back("    " + grub_command("initrd", u.initrds));
  block.push_back("}");
  for (const ExtraEntry& extra : u.extras) {
    block.push_back("menuentry " + grub_quote(extra.title) + " {");
    block.push_back("    " + grub_command("linux", {extra.kernel, extra.args}));
    block.push_back("}");
  }
  block.push_back(k_end);
  Text& target = texts.at(file);
  target.lines.insert(target.lines.begin() + static_cast<std::ptrdiff_t>(at), block.begin(), block.end());
  target.final_newline = true;

  std::map<std::string, std::string> changed;
  for (const auto& [path, text] : texts) {
    std::string out = join_lines(text);
    if (out != tree.files.at(path)) changed.emplace(path, std::move(out));
  }
  return changed;
}

}  // namespace imgbuild::bootmenu
