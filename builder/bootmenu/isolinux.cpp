// SPDX-License-Identifier: GPL-2.0-or-later
// isolinux (and syslinux/pxelinux) menus: the loader that finds the entries, and the
// rewrite that puts the unattended entry first.
#include "bootmenu/bootmenu.hpp"
#include "bootmenu/menu_file.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace imgbuild::bootmenu {

using namespace detail;

namespace {

// isolinux's "text" ... "endtext" holds words to show, not directives: true for the lines
// of such a block and its two keywords (`keyword`: the line's first word, lower-case),
// with `in_text` carried from line to line.
bool in_text_block(const std::string& keyword, bool& in_text) {
  if (in_text) {
    if (keyword == "endtext") in_text = false;
    return true;
  }
  if (keyword == "text") {
    in_text = true;
    return true;
  }
  return false;
}

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
      if (in_text_block(keyword, in_text)) continue;
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

}  // namespace

MenuTree load_isolinux(const std::string& root_file, const FileReader& read) {
  return IsolinuxLoader(root_file, read).run();
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
      if (in_text_block(keyword, in_text)) continue;
      if (keyword == "ui") {
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

}  // namespace imgbuild::bootmenu
