// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What the isolinux and GRUB halves of bootmenu share, and nothing outside bootmenu/
// uses: menu text split into lines and joined back byte-exactly, the words of a line,
// the guard every menu file passes before it is parsed, the "# imgbuild:" block markers
// that make a rebuild replace the earlier block, and the classification of an entry.

#include "bootmenu/bootmenu.hpp"
#include "util/text.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::bootmenu::detail {

inline constexpr const char* k_begin = "# imgbuild: begin";
inline constexpr const char* k_begin_line =
    "# imgbuild: begin (written by imgbuild build; a rebuild replaces this block)";
inline constexpr const char* k_end = "# imgbuild: end";
inline constexpr const char* k_disabled = "# imgbuild: disabled: ";
// isolinux and GRUB configs nest a few levels; more is a loop in disguise or garbage.
inline constexpr int k_max_depth = 16;
inline constexpr int k_max_loads = 512;

// A menu file as lines, with what it takes to write it back unchanged.
struct Text {
  std::vector<std::string> lines;
  bool crlf = false;
  bool final_newline = true;
};

Text split_lines(const std::string& text);
std::string join_lines(const Text& text);

bool is_space(char c);
using util::lower;
using util::trim;
// Splits off the first whitespace-separated word: returns it, leaves the trimmed rest.
std::string_view take_word(std::string_view& s);
std::vector<std::string> words(std::string_view s);
std::string join_words(const std::vector<std::string>& parts);
bool starts_with_ci(std::string_view s, std::string_view prefix);
std::string dirname(const std::string& path);

// Both loaders enter every file through here: hostile menus (include loops, deep or
// endless nesting, binary data) are refused before they are parsed. `loop_what` and
// `nest_what` name the mechanism in the messages ("boot menu include", "GRUB menus").
void enter_menu_file(std::vector<std::string>& stack, int& loads, MenuTree& tree, const std::string& path,
                     const std::string& text, const std::string& loop_what, const std::string& nest_what);

// The line commented out with "# imgbuild: disabled: ", its indentation kept.
std::string disable(const std::string& line);
// Which lines belong to an earlier imgbuild block (begin..end, both included). A begin
// without an end marks nothing: a hand-edited file must not lose its tail.
std::vector<bool> marker_mask(const std::vector<std::string>& lines);
// Drops an earlier imgbuild block, keeping everything else.
std::vector<std::string> without_marker_blocks(const std::vector<std::string>& lines);

// Fills arch, graphical and is_installer from the kernel and initrd paths.
void classify(InstallerEntry& entry);

// Text that goes into a menu line must stay on that line: a newline in --kernel-args
// would otherwise add menu commands of its own. Error naming the root menu file.
void check_unattended(const MenuTree& tree, const Unattended& u);

}  // namespace imgbuild::bootmenu::detail
