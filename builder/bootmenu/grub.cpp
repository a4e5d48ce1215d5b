// SPDX-License-Identifier: GPL-2.0-or-later
// GRUB menus: GRUB's shell-like words, the loader that finds the entries (following
// source/configfile), and the rewrite that puts the unattended entry first.
#include "bootmenu/bootmenu.hpp"
#include "bootmenu/menu_file.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "util/error.hpp"

namespace imgbuild::bootmenu {

using namespace detail;

namespace {

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

}  // namespace

MenuTree load_grub(const std::string& root_file, const FileReader& read) {
  return GrubLoader(root_file, read).run();
}

namespace {

// Every file of the menu, its default= and timeout= settings disabled.
std::map<std::string, Text> texts_without_defaults(const MenuTree& tree) {
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
  return texts;
}

// Where the unattended block goes: before the first line that adds a menu entry (directly
// or through a file it sources), so "set default=0" picks it; into the menu a
// "configfile" replaces this one with.
struct InsertPoint {
  std::string file;
  std::size_t at = 0;
};

InsertPoint insert_point(const MenuTree& tree, const std::map<std::string, Text>& texts) {
  // Which files (transitively) define menu entries.
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
  return {file, at};
}

// Extras are EFI programs here, each offered where GRUB runs on the CPU it was built for
// (GRUB for BIOS reads the same menu and skips them).
void add_extra_entries(const std::vector<ExtraEntry>& extras, std::vector<std::string>& block) {
  for (const ExtraEntry& extra : extras) {
    if (extra.efi_programs.empty()) continue;
    block.push_back("if [ \"${grub_platform}\" = efi ]; then");
    for (const auto& [cpu, program] : extra.efi_programs) {
      block.push_back("    if [ \"${grub_cpu}\" = " + grub_word(cpu) + " ]; then");
      block.push_back("        menuentry " + std::string(extra.hotkey.empty() ? "" : "--hotkey=" + grub_word(extra.hotkey) + " ") +
                      grub_quote(extra.title) + " {");
      std::string indent = "            ";
      if (extra.efi_unsigned) {
        block.push_back("            if [ x$shim_lock = xy ]; then");
        block.push_back("                echo " + grub_quote(extra.title + " is not signed for Secure Boot: GRUB may not start it."));
        block.push_back("                echo 'Turn Secure Boot off in the firmware setup to run it.'");
        block.push_back("                sleep 10");
        block.push_back("            else");
        indent += "    ";
      }
      // A GRUB image may lack the command built in (a disc's modules directory has it).
      block.push_back(indent + "insmod chain");
      block.push_back(indent + grub_command("chainloader", {program, extra.args}));
      if (extra.efi_unsigned) block.push_back("            fi");
      block.push_back("        }");
      block.push_back("    fi");
    }
    block.push_back("fi");
  }
}

// The block imgbuild adds: its entry, the default and timeout that choose it, the extras.
std::vector<std::string> unattended_block(const Unattended& u) {
  std::vector<std::string> block = {k_begin_line, "set default=0",
                                    "set timeout=" + std::to_string(std::max(0, u.timeout_seconds))};
  block.push_back("menuentry " + grub_quote(u.title) + " {");
  // GRUB's messages also go to the first serial port once the entry runs (the screen is
  // unchanged): a kernel refused under Secure Boot ("bad shim signature") would otherwise
  // be on the graphical console only, out of reach of a BMC's serial-over-LAN and of
  // verify. In an `if`, a GRUB without the serial terminal stays silent.
  block.push_back("    if serial --unit=0 --speed=115200; then terminal_output --append serial; fi");
  block.push_back("    " + grub_command("linux", {u.kernel, u.args}));
  if (!u.initrds.empty()) block.push_back("    " + grub_command("initrd", u.initrds));
  block.push_back("}");
  add_extra_entries(u.extras, block);
  block.push_back(k_end);
  return block;
}

}  // namespace

std::map<std::string, std::string> make_unattended_grub(const MenuTree& tree, const Unattended& u) {
  check_unattended(tree, u);
  std::map<std::string, Text> texts = texts_without_defaults(tree);
  const InsertPoint point = insert_point(tree, texts);
  const std::vector<std::string> block = unattended_block(u);
  Text& target = texts.at(point.file);
  target.lines.insert(target.lines.begin() + static_cast<std::ptrdiff_t>(point.at), block.begin(), block.end());
  target.final_newline = true;

  std::map<std::string, std::string> changed;
  for (const auto& [path, text] : texts) {
    std::string out = join_lines(text);
    if (out != tree.files.at(path)) changed.emplace(path, std::move(out));
  }
  return changed;
}

}  // namespace imgbuild::bootmenu
