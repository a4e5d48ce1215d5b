// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The menus bootmenu's tests read, modelled on the real ones (Etch's debian-cd isolinux.cfg,
// single arch and multi-arch; Debian 12's isolinux tree and grub.cfg), and the small
// helpers around them. Shared by bootmenu_test.cpp (isolinux) and grub_test.cpp; both test
// files include it, so everything here is inline.

#include "bootmenu/bootmenu.hpp"
#include "util/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

using namespace imgbuild;
using namespace imgbuild::bootmenu;
using ::testing::HasSubstr;
using ::testing::Not;

namespace bootmenu_test_menus {

using Files = std::map<std::string, std::string>;

inline FileReader reader(const Files& files) {
  return [&files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

// The disc after the rewrite: the original files with the changed ones replaced.
inline Files with_changes(Files files, const std::map<std::string, std::string>& changed) {
  for (const auto& [path, text] : changed) files[path] = text;
  return files;
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A small independent model of what syslinux ends up with after reading a config: the
// last global DEFAULT/TIMEOUT/ONTIMEOUT/UI (later lines override earlier ones, includes
// are read in place), and the label carrying "menu default".
struct Effective {
  std::string default_label;
  std::optional<int> timeout;
  std::string ontimeout;
  std::string ui;
  std::vector<std::string> labels;
  std::vector<std::string> menu_default_labels;
};

inline void evaluate(const Files& files, const std::string& path, const std::string& cwd, Effective& e,
              int depth = 0) {
  ASSERT_LT(depth, 10);
  auto it = files.find(path);
  if (it == files.end()) return;
  std::istringstream in(it->second);
  bool in_text = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string keyword, arg;
    words >> keyword;
    keyword = lower(keyword);
    std::getline(words >> std::ws, arg);
    while (!arg.empty() && (arg.back() == ' ' || arg.back() == '\r')) arg.pop_back();
    if (in_text) {
      if (keyword == "endtext") in_text = false;
      continue;
    }
    if (keyword.empty() || keyword[0] == '#') continue;
    if (keyword == "text") in_text = true;
    if (keyword == "default") e.default_label = arg;
    if (keyword == "timeout") e.timeout = std::stoi(arg);
    if (keyword == "ontimeout") e.ontimeout = arg;
    if (keyword == "ui") e.ui = arg;
    if (keyword == "label") e.labels.push_back(arg);
    if (keyword == "menu" && lower(arg) == "default") e.menu_default_labels.push_back(e.labels.back());
    std::string include;
    if (keyword == "include") include = arg;
    if (keyword == "menu" && lower(arg).rfind("include ", 0) == 0) include = arg.substr(8);
    if (!include.empty()) {
      std::string target = include[0] == '/' ? include : (cwd == "/" ? "" : cwd) + "/" + include;
      evaluate(files, target, cwd, e, depth + 1);
    }
  }
}

inline Effective evaluate(const Files& files, const std::string& root, const std::string& cwd) {
  Effective e;
  evaluate(files, root, cwd, e);
  return e;
}

// ---- fixtures -------------------------------------------------------------------------

// debian-cd's Etch isolinux.cfg for an i386 netinst (tools/boot/etch/boot-i386).
inline const char* const k_etch_isolinux = R"(DEFAULT install
DISPLAY boot.txt

LABEL install
	kernel /install.386/vmlinuz
	append vga=normal initrd=/install.386/initrd.gz -- 
LABEL linux
	kernel /install.386/vmlinuz
	append vga=normal initrd=/install.386/initrd.gz -- 
LABEL installgui
	kernel /install.386/vmlinuz
	append video=vesa:ywrap,mtrr vga=788 initrd=/install.386/gtk/initrd.gz -- 
LABEL expert
	kernel /install.386/vmlinuz
	append priority=low vga=normal initrd=/install.386/initrd.gz -- 
LABEL rescue
	kernel /install.386/vmlinuz
	append vga=normal initrd=/install.386/initrd.gz rescue/enable=true -- 
LABEL auto
	kernel /install.386/vmlinuz
	append auto=true priority=critical vga=normal initrd=/install.386/initrd.gz -- 
PROMPT 1
TIMEOUT 0
F1 f1.txt
F2 f2.txt
F3 f3.txt
F4 f4.txt
F5 f5.txt
F6 f6.txt
F7 f7.txt
F8 f8.txt
F9 f9.txt
F10 f10.txt
)";

// The Etch multi-arch disc: i386 and amd64 installers side by side, DEFAULT64 making a
// 64-bit CPU boot amd64 by itself.
inline const char* const k_etch_multiarch = R"(DEFAULT install
DEFAULT64 amd64-install
DISPLAY boot.txt
LABEL amd64-install
	kernel /install.amd/vmlinuz
	append vga=normal initrd=/install.amd/initrd.gz -- 
LABEL amd64-expert
	kernel /install.amd/vmlinuz
	append priority=low vga=normal initrd=/install.amd/initrd.gz -- 
LABEL install
	kernel /install.386/vmlinuz
	append vga=normal initrd=/install.386/initrd.gz -- 
LABEL expert
	kernel /install.386/vmlinuz
	append priority=low vga=normal initrd=/install.386/initrd.gz -- 
LABEL memtest
	kernel /install/mt86plus
PROMPT 1
TIMEOUT 0
F1 f1.txt
)";

// Debian 12 amd64 netinst (debian-cd tools/boot/bookworm/boot-x86 + d-i's boot-screens).
inline Files debian12_isolinux() {
  return {
      {"/isolinux/isolinux.cfg", R"(# D-I config version 2.0
# search path for the c32 support libraries (libcom32, libutil etc.)
path 
include menu.cfg
default vesamenu.c32
prompt 0
timeout 0
)"},
      {"/isolinux/menu.cfg", R"(menu hshift 4
menu width 70

menu title Debian GNU/Linux installer menu (BIOS mode)
include stdmenu.cfg
include gtk.cfg
include txt.cfg
menu begin advanced
    menu label ^Advanced options
	menu title Advanced options
	include stdmenu.cfg
	label mainmenu
		menu label ^Back..
		menu exit
	include adgtk.cfg
	include adtxt.cfg
	include adspkgtk.cfg
	include adspk.cfg
menu end
include x86menu.cfg
label help
	menu label ^Help
	text help
   Display help screens; type 'menu' at boot prompt to return to this menu
	endtext
	config prompt.cfg
include spkgtk.cfg
include spk.cfg
)"},
      {"/isolinux/stdmenu.cfg", R"(menu background splash.png
menu color title	* #FFFFFFFF *
menu color border	* #00000000 #00000000 none
menu color sel		* #ffffffff #76a1d0ff *
menu vshift 8
menu rows 12
menu tabmsg Press ENTER to boot or TAB to edit a menu entry
)"},
      {"/isolinux/gtk.cfg", R"(default installgui
label installgui
	menu label ^Graphical install
	menu default
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/gtk/initrd.gz --- quiet 
)"},
      {"/isolinux/txt.cfg", R"(label install
	menu label ^Install
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/initrd.gz --- quiet 
)"},
      {"/isolinux/adgtk.cfg", R"(label expertgui
	menu label Graphical expert install
	kernel /install.amd/vmlinuz
	append priority=low vga=788 initrd=/install.amd/gtk/initrd.gz --- 
include rqgtk.cfg
label autogui
	menu label Graphical automated install
	kernel /install.amd/vmlinuz
	append auto=true priority=critical vga=788 initrd=/install.amd/gtk/initrd.gz --- quiet 
)"},
      {"/isolinux/rqgtk.cfg", R"(label rescuegui
	menu label Graphical rescue mode
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/gtk/initrd.gz rescue/enable=true --- quiet 
)"},
      {"/isolinux/adtxt.cfg", R"(label expert
	menu label E^xpert install
	kernel /install.amd/vmlinuz
	append priority=low vga=788 initrd=/install.amd/initrd.gz --- 
include rqtxt.cfg
label auto
	menu label ^Automated install
	kernel /install.amd/vmlinuz
	append auto=true priority=critical vga=788 initrd=/install.amd/initrd.gz --- quiet 
)"},
      {"/isolinux/rqtxt.cfg", R"(label rescue
	menu label ^Rescue mode
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/initrd.gz rescue/enable=true --- quiet 
)"},
      {"/isolinux/x86menu.cfg", R"(label hdt
	menu label ^Hardware Detection Tool (HDT)
	com32 hdt.c32
)"},
      {"/isolinux/spkgtk.cfg", R"(label installspk
	menu label Graphical install with ^speech synthesis
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/gtk/initrd.gz speakup.synth=soft --- quiet 
# timeout to speech-enabled install
timeout 300
ontimeout /install.amd/vmlinuz vga=788 initrd=/install.amd/gtk/initrd.gz speakup.synth=soft --- quiet 
menu autoboot Press a key, otherwise speech synthesis will be started in # second{,s}...
)"},
      {"/isolinux/spk.cfg", R"(label installspk-text
	menu label Install with speech synthesis
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/initrd.gz speakup.synth=soft --- quiet 
)"},
      {"/isolinux/prompt.cfg", "prompt 1\ntimeout 0\ninclude menu.cfg\n"},
  };
}

inline Files debian12_grub() {
  return {
      {"/boot/grub/grub.cfg", R"(source /boot/grub/config.cfg

# Last modified on 15 March 2023
menuentry --hotkey=g 'Graphical install' {
    set background_color=black
    linux    /install.amd/vmlinuz vga=788 --- quiet
    initrd   /install.amd/gtk/initrd.gz
}
menuentry --hotkey=i 'Install' {
    set background_color=black
    linux    /install.amd/vmlinuz vga=788 --- quiet
    initrd   /install.amd/initrd.gz
}
submenu --hotkey=a 'Advanced options ...' {
    set menu_color_normal=cyan/blue
    menuentry '... Graphical expert install' {
        set background_color=black
        linux    /install.amd/vmlinuz priority=low vga=788 ---
        initrd   /install.amd/gtk/initrd.gz
    }
    menuentry '... Rescue mode' {
        set background_color=black
        linux    /install.amd/vmlinuz vga=788 rescue/enable=true --- quiet
        initrd   /install.amd/initrd.gz
    }
}
menuentry --hotkey=s 'Install with speech synthesis' {
    set background_color=black
    linux    /install.amd/vmlinuz vga=788 speakup.synth=soft --- quiet
    initrd   /install.amd/gtk/initrd.gz
}
)"},
      {"/boot/grub/config.cfg", R"(if [ x$feature_default_font_path = xy ] ; then
   font=unicode
else
   font=$prefix/font.pf2
fi

if loadfont $font ; then
  set gfxmode=800x600
  set gfxpayload=keep
  insmod gfxterm
  terminal_output gfxterm
fi
set timeout=30
insmod play
play 960 440 1 0 4 440 1
)"},
  };
}

inline Unattended unattended_for(const InstallerEntry& base, const std::string& user_args = "") {
  Unattended u;
  u.kernel = base.kernel;
  u.initrds = base.initrds;
  u.args = unattended_args(base.args, user_args);
  return u;
}

}  // namespace bootmenu_test_menus

using namespace bootmenu_test_menus;
