// SPDX-License-Identifier: GPL-2.0-or-later
// Menus modelled on the real ones: Etch's debian-cd isolinux.cfg (single arch and the
// i386/amd64 multi-arch disc), Debian 12's isolinux tree and grub.cfg, and the Debian 12
// netboot menus installed on this machine, read from disk.
#include "bootmenu/bootmenu.hpp"
#include "util/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace imgbuild;
using namespace imgbuild::bootmenu;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

using Files = std::map<std::string, std::string>;

FileReader reader(const Files& files) {
  return [&files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

// The disc after the rewrite: the original files with the changed ones replaced.
Files with_changes(Files files, const std::map<std::string, std::string>& changed) {
  for (const auto& [path, text] : changed) files[path] = text;
  return files;
}

std::string lower(std::string s) {
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

void evaluate(const Files& files, const std::string& path, const std::string& cwd, Effective& e,
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

Effective evaluate(const Files& files, const std::string& root, const std::string& cwd) {
  Effective e;
  evaluate(files, root, cwd, e);
  return e;
}

// ---- fixtures -------------------------------------------------------------------------

// debian-cd's Etch isolinux.cfg for an i386 netinst (tools/boot/etch/boot-i386).
const char* const k_etch_isolinux = R"(DEFAULT install
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
const char* const k_etch_multiarch = R"(DEFAULT install
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
Files debian12_isolinux() {
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

Files debian12_grub() {
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

Unattended unattended_for(const InstallerEntry& base, const std::string& user_args = "") {
  Unattended u;
  u.kernel = base.kernel;
  u.initrds = base.initrds;
  u.args = unattended_args(base.args, user_args);
  return u;
}

}  // namespace

// ---- helpers ------------------------------------------------------------------------------

TEST(Paths, JoinAndArch) {
  EXPECT_EQ(iso_path_join("/isolinux", "menu.cfg"), "/isolinux/menu.cfg");
  EXPECT_EQ(iso_path_join("/isolinux", "/install.amd/vmlinuz"), "/install.amd/vmlinuz");
  EXPECT_EQ(iso_path_join("/isolinux", "../install.386//./vmlinuz"), "/install.386/vmlinuz");
  EXPECT_EQ(iso_path_join("/", "../../x"), "/x");
  EXPECT_EQ(detect_arch("/install.386/vmlinuz"), "i386");
  EXPECT_EQ(detect_arch("/install.i386/vmlinuz"), "i386");
  EXPECT_EQ(detect_arch("/INSTALL.AMD/VMLINUZ"), "amd64");
  EXPECT_EQ(detect_arch("/debian-installer/amd64/linux"), "amd64");
  EXPECT_EQ(detect_arch("/install/vmlinuz"), "");
}

TEST(UnattendedArgs, InsertsBeforeSeparator) {
  EXPECT_EQ(unattended_args("vga=normal --", ""), "vga=normal auto=true priority=critical --");
  EXPECT_EQ(unattended_args("vga=788 --- quiet", "console=ttyS0,115200n8"),
            "vga=788 auto=true priority=critical console=ttyS0,115200n8 --- quiet");
  EXPECT_EQ(unattended_args("vga=788", "a=b"), "vga=788 auto=true priority=critical a=b");
  EXPECT_EQ(unattended_args("", ""), "auto=true priority=critical");
  // The base entry's own mode is replaced, not repeated or contradicted.
  EXPECT_EQ(unattended_args("auto=true priority=critical vga=788 --- quiet", ""),
            "vga=788 auto=true priority=critical --- quiet");
  EXPECT_EQ(unattended_args("priority=low vga=788 ---", ""), "vga=788 auto=true priority=critical ---");
  // Only the first separator counts; what follows it goes to the installed system as is.
  EXPECT_EQ(unattended_args("a -- b --- c", "u"), "a auto=true priority=critical u -- b --- c");
}

TEST(CommandLine, LimitFromKernelHeaderAndCheck) {
  // An Etch-era header: boot protocol 2.04, no cmdline_size field.
  std::string old_kernel(0x400, '\0');
  old_kernel.replace(0x202, 4, "HdrS");
  old_kernel[0x206] = 0x04;
  old_kernel[0x207] = 0x02;
  EXPECT_EQ(kernel_command_line_limit(old_kernel), 255u);
  std::string new_kernel = old_kernel;
  new_kernel[0x206] = 0x0f;
  new_kernel[0x238] = static_cast<char>(0xff);
  new_kernel[0x239] = 0x07;
  EXPECT_EQ(kernel_command_line_limit(new_kernel), 2047u);
  EXPECT_EQ(kernel_command_line_limit("MZ not a kernel"), std::nullopt);
  EXPECT_EQ(kernel_command_line_limit(std::string(0x400, 'x')), std::nullopt);

  const char* real = "/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/linux";
  if (std::filesystem::exists(real)) {
    std::ifstream in(real, std::ios::binary);
    std::string head(0x400, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_EQ(kernel_command_line_limit(head), 2047u);  // Debian 12's kernel
  }

  Unattended u;
  u.kernel = "/install.386/vmlinuz";
  u.initrds = {"/install.386/initrd.gz"};
  u.args = unattended_args("vga=normal --", "console=ttyS0,115200n8");
  EXPECT_EQ(unattended_command_line(Loader::isolinux, u),
            "BOOT_IMAGE=/install.386/vmlinuz initrd=/install.386/initrd.gz vga=normal auto=true "
            "priority=critical console=ttyS0,115200n8 --");
  EXPECT_EQ(unattended_command_line(Loader::grub, u),
            "BOOT_IMAGE=/install.386/vmlinuz vga=normal auto=true priority=critical console=ttyS0,115200n8 --");
  EXPECT_NO_THROW(check_command_line(Loader::isolinux, u, 255));
  u.args = unattended_args("vga=normal --", std::string(200, 'a'));
  try {
    check_command_line(Loader::isolinux, u, 255);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--kernel-args: the unattended entry's kernel command line is 304 bytes"));
  }
  EXPECT_NO_THROW(check_command_line(Loader::isolinux, u, 2047));
}

// ---- Etch -------------------------------------------------------------------------------

TEST(EtchIsolinux, FindsInstallers) {
  Files files = {{"/isolinux/isolinux.cfg", k_etch_isolinux}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 6u);
  const InstallerEntry& install = tree.entries[0];
  EXPECT_EQ(install.label, "install");
  EXPECT_EQ(install.menu_file, "/isolinux/isolinux.cfg");
  EXPECT_EQ(install.kernel, "/install.386/vmlinuz");
  EXPECT_EQ(install.initrds, std::vector<std::string>{"/install.386/initrd.gz"});
  EXPECT_EQ(install.args, "vga=normal --");
  EXPECT_EQ(install.arch, "i386");
  EXPECT_TRUE(install.is_installer);
  EXPECT_FALSE(install.graphical);
  EXPECT_TRUE(tree.entries[2].graphical);
  EXPECT_EQ(tree.entries[2].initrds, std::vector<std::string>{"/install.386/gtk/initrd.gz"});

  EXPECT_EQ(&choose_base_entry(tree, ""), &tree.entries[0]);
  EXPECT_EQ(&choose_base_entry(tree, "i386"), &tree.entries[0]);
  try {
    choose_base_entry(tree, "amd64");
    FAIL() << "amd64 chosen on an i386 disc";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/isolinux.cfg"));
    EXPECT_THAT(e.what(), HasSubstr("--arch amd64 but the disc only has i386"));
  }
}

TEST(EtchIsolinux, UnattendedIsDefaultAfterTimeoutWithPromptKept) {
  Files files = {{"/isolinux/isolinux.cfg", k_etch_isolinux}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "i386"), "console=ttyS0");
  u.timeout_seconds = 3;
  auto changed = make_unattended_isolinux(tree, u);
  ASSERT_EQ(changed.size(), 1u);
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  // The block comes first, before DEFAULT install.
  EXPECT_EQ(text.rfind("# imgbuild: begin", 0), 0u) << text;
  EXPECT_THAT(text, HasSubstr("label imgbuild\n\tkernel /install.386/vmlinuz\n"
                              "\tappend initrd=/install.386/initrd.gz vga=normal auto=true "
                              "priority=critical console=ttyS0 --\n"));
  EXPECT_THAT(text, HasSubstr("# imgbuild: disabled: DEFAULT install\n"));
  EXPECT_THAT(text, HasSubstr("# imgbuild: disabled: TIMEOUT 0\n"));
  EXPECT_THAT(text, HasSubstr("\nPROMPT 1\n"));
  // No menu UI on this disc: no "menu" lines the Etch isolinux would not know.
  EXPECT_THAT(text, Not(HasSubstr("menu ")));

  Effective e = evaluate(with_changes(files, changed), "/isolinux/isolinux.cfg", "/isolinux");
  EXPECT_EQ(e.default_label, "imgbuild");
  EXPECT_EQ(e.timeout, 30);
  EXPECT_EQ(e.ontimeout, "");
  // Every original label is still there, after the new one.
  EXPECT_EQ(e.labels, (std::vector<std::string>{"imgbuild", "install", "linux", "installgui", "expert",
                                                "rescue", "auto"}));
}

TEST(EtchIsolinux, MultiArchDiscForcedToI386) {
  Files files = {{"/isolinux/isolinux.cfg", k_etch_multiarch}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 5u);
  EXPECT_FALSE(tree.entries[4].is_installer);  // memtest
  const InstallerEntry& base = choose_base_entry(tree, "i386");
  EXPECT_EQ(base.label, "install");
  EXPECT_EQ(choose_base_entry(tree, "amd64").label, "amd64-install");
  // Without --arch the first plain installer in menu order.
  EXPECT_EQ(choose_base_entry(tree, "").label, "amd64-install");

  auto changed = make_unattended_isolinux(tree, unattended_for(base));
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  // DEFAULT64 would make a 64-bit CPU boot amd64 regardless of the profile.
  EXPECT_THAT(text, HasSubstr("# imgbuild: disabled: DEFAULT64 amd64-install\n"));
  EXPECT_THAT(text, HasSubstr("\tkernel /install.386/vmlinuz\n"));
  for (const std::string& line : {std::string("\nDEFAULT64"), std::string("\nDEFAULT ")}) {
    EXPECT_THAT(text, Not(HasSubstr(line)));
  }
  try {
    choose_base_entry(tree, "powerpc");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--arch powerpc but the disc only has amd64, i386"));
  }
}

// ---- Debian 12 isolinux ---------------------------------------------------------------------

TEST(Debian12Isolinux, FollowsIncludesAndPrefersText) {
  Files files = debian12_isolinux();
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  // prompt.cfg is reached only through "config" (the Help entry): not part of this menu.
  EXPECT_EQ(tree.files.count("/isolinux/prompt.cfg"), 0u);
  EXPECT_EQ(tree.files.count("/isolinux/adgtk.cfg"), 1u);
  EXPECT_EQ(tree.files.count("/isolinux/rqgtk.cfg"), 1u);
  std::vector<std::string> labels;
  for (const auto& e : tree.entries) labels.push_back(e.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"installgui", "install", "mainmenu", "expertgui",
                                              "rescuegui", "autogui", "expert", "rescue", "auto", "hdt",
                                              "help", "installspk", "installspk-text"}));
  const InstallerEntry& base = choose_base_entry(tree, "amd64");
  EXPECT_EQ(base.label, "install");
  EXPECT_EQ(base.menu_file, "/isolinux/txt.cfg");
  EXPECT_EQ(base.args, "vga=788 --- quiet");
  EXPECT_FALSE(tree.entries[9].is_installer);   // hdt.c32
  EXPECT_FALSE(tree.entries[10].is_installer);  // help: config prompt.cfg
  EXPECT_FALSE(tree.entries[2].is_installer);   // menu exit
}

TEST(Debian12Isolinux, MenuStaysWithUnattendedDefaultAndNoSpeechTimeout) {
  Files files = debian12_isolinux();
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"));
  u.extras.push_back({"Memory test (memtest86+)", "/boot/memtest86+x64.bin", "", "", {}, ""});
  auto changed = make_unattended_isolinux(tree, u);
  // Only the files with something to change.
  std::vector<std::string> paths;
  for (const auto& [path, text] : changed) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/isolinux/gtk.cfg", "/isolinux/isolinux.cfg",
                                             "/isolinux/spkgtk.cfg"}));
  const std::string& root = changed.at("/isolinux/isolinux.cfg");
  EXPECT_THAT(root, HasSubstr("ui vesamenu.c32\n"));
  EXPECT_THAT(root, HasSubstr("\tmenu label imgbuild: unattended install\n\tmenu default\n"));
  EXPECT_THAT(root, HasSubstr("label imgbuild-extra-1\n\tmenu label Memory test (memtest86+)\n"
                              "\tkernel /boot/memtest86+x64.bin\n"));
  EXPECT_THAT(changed.at("/isolinux/spkgtk.cfg"), HasSubstr("# imgbuild: disabled: ontimeout "));
  EXPECT_THAT(changed.at("/isolinux/gtk.cfg"), HasSubstr("\t# imgbuild: disabled: menu default\n"));

  Files after = with_changes(files, changed);
  Effective e = evaluate(after, "/isolinux/isolinux.cfg", "/isolinux");
  EXPECT_EQ(e.default_label, "imgbuild");
  EXPECT_EQ(e.ui, "vesamenu.c32");
  EXPECT_EQ(e.timeout, 50);
  EXPECT_EQ(e.ontimeout, "");
  EXPECT_EQ(e.menu_default_labels, std::vector<std::string>{"imgbuild"});
  EXPECT_EQ(e.labels.front(), "imgbuild");
  EXPECT_EQ(e.labels.size(), 2 + tree.entries.size());  // imgbuild, one extra, every original

  // The rewritten disc still loads, and shows the same installers (the imgbuild entries
  // are imgbuild's own and not offered as a base).
  MenuTree again = load_isolinux("/isolinux/isolinux.cfg", reader(after));
  EXPECT_EQ(again.entries.size(), tree.entries.size());
  EXPECT_EQ(choose_base_entry(again, "amd64").label, "install");
}

TEST(Debian12Isolinux, RewriteIsIdempotent) {
  Files files = debian12_isolinux();
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"), "a=1");
  Files once = with_changes(files, make_unattended_isolinux(tree, u));

  MenuTree tree2 = load_isolinux("/isolinux/isolinux.cfg", reader(once));
  Unattended u2 = unattended_for(choose_base_entry(tree2, "amd64"), "a=1");
  EXPECT_EQ(u2.args, u.args);
  Files twice = with_changes(once, make_unattended_isolinux(tree2, u2));
  EXPECT_EQ(twice, once);

  // A different timeout replaces the block rather than adding one.
  u2.timeout_seconds = 0;
  Files third = with_changes(once, make_unattended_isolinux(tree2, u2));
  const std::string& root = third.at("/isolinux/isolinux.cfg");
  EXPECT_EQ(root.find("label imgbuild\n"), root.rfind("label imgbuild\n"));
  // Zero seconds is the shortest wait, not isolinux's "wait forever".
  EXPECT_THAT(root, HasSubstr("timeout 1\n"));
  EXPECT_EQ(evaluate(third, "/isolinux/isolinux.cfg", "/isolinux").ui, "vesamenu.c32");
}

TEST(Debian12Isolinux, CrlfFilesKeepTheirLineEnds) {
  Files files = {{"/isolinux/isolinux.cfg",
                  "DEFAULT install\r\nLABEL install\r\n kernel /install.amd/vmlinuz\r\n"
                  " append initrd=/install.amd/initrd.gz --\r\nTIMEOUT 0\r\n"}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 1u);
  EXPECT_EQ(tree.entries[0].args, "--");
  auto changed = make_unattended_isolinux(tree, unattended_for(tree.entries[0]));
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  EXPECT_THAT(text, HasSubstr("label imgbuild\r\n"));
  EXPECT_THAT(text, Not(HasSubstr("[^\r]\n")));
  std::size_t lf = std::count(text.begin(), text.end(), '\n');
  std::size_t crlf = 0;
  for (std::size_t i = 1; i < text.size(); ++i) crlf += text[i] == '\n' && text[i - 1] == '\r';
  EXPECT_EQ(lf, crlf);
}

TEST(Isolinux, RelativePathsPathDirectiveAndCaseInsensitiveKeywords) {
  Files files = {
      {"/boot/isolinux/isolinux.cfg", "PATH /boot/isolinux/modules\nINCLUDE sub/menu.cfg\nMENU INCLUDE extra.cfg\n"},
      {"/boot/isolinux/sub/menu.cfg", "Label one\n  KERNEL ../../install/vmlinuz\n  APPEND initrd=../../install/initrd.gz,../../install/fw.cpio.gz quiet\n"},
      {"/boot/isolinux/modules/extra.cfg", "label two\n linux /install.amd/vmlinuz\n initrd /install.amd/initrd.gz\n append --- quiet\n"},
  };
  MenuTree tree = load_isolinux("/boot/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 2u);
  EXPECT_EQ(tree.entries[0].kernel, "/install/vmlinuz");
  EXPECT_EQ(tree.entries[0].initrds, (std::vector<std::string>{"/install/initrd.gz", "/install/fw.cpio.gz"}));
  EXPECT_EQ(tree.entries[0].args, "quiet");
  EXPECT_EQ(tree.entries[0].arch, "");
  EXPECT_TRUE(tree.entries[0].is_installer);
  EXPECT_EQ(tree.entries[1].menu_file, "/boot/isolinux/modules/extra.cfg");
  EXPECT_EQ(tree.entries[1].initrds, std::vector<std::string>{"/install.amd/initrd.gz"});
  EXPECT_EQ(tree.entries[1].arch, "amd64");
}

TEST(Isolinux, RejectsBadFiles) {
  Files loop = {{"/isolinux/isolinux.cfg", "include a.cfg\n"},
                {"/isolinux/a.cfg", "include b.cfg\n"},
                {"/isolinux/b.cfg", "include a.cfg\n"}};
  try {
    load_isolinux("/isolinux/isolinux.cfg", reader(loop));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/a.cfg: boot menu include loop: /isolinux/isolinux.cfg -> "
                                    "/isolinux/a.cfg -> /isolinux/b.cfg -> /isolinux/a.cfg"));
  }
  Files binary = {{"/isolinux/isolinux.cfg", "include txt.cfg\n"},
                  {"/isolinux/txt.cfg", std::string("label x\n\0\0\0kernel y\n", 20)}};
  try {
    load_isolinux("/isolinux/isolinux.cfg", reader(binary));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/txt.cfg: boot menu file contains binary data"));
  }
  Files huge = {{"/isolinux/isolinux.cfg", "# " + std::string(k_max_menu_file, 'x') + "\n"}};
  try {
    load_isolinux("/isolinux/isolinux.cfg", reader(huge));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/isolinux.cfg: boot menu file is over 1 MB"));
  }
  Files none;
  EXPECT_THROW(load_isolinux("/isolinux/isolinux.cfg", reader(none)), Error);
  Files no_installer = {{"/isolinux/isolinux.cfg", "label hd\n localboot 0\nlabel m\n kernel memtest\n"}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(no_installer));
  EXPECT_EQ(tree.entries.size(), 2u);
  try {
    choose_base_entry(tree, "");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no debian-installer kernel"));
  }
  // A missing include is skipped, as isolinux does.
  Files missing = {{"/isolinux/isolinux.cfg", "include nothere.cfg\nlabel a\n kernel /install.amd/vmlinuz\n append initrd=/install.amd/initrd.gz\n"}};
  EXPECT_EQ(load_isolinux("/isolinux/isolinux.cfg", reader(missing)).entries.size(), 1u);
  // Including the same file twice is no loop (Debian's menu.cfg includes stdmenu.cfg twice).
  Files twice = {{"/isolinux/isolinux.cfg", "include s.cfg\ninclude s.cfg\n"}, {"/isolinux/s.cfg", "menu rows 12\n"}};
  EXPECT_NO_THROW(load_isolinux("/isolinux/isolinux.cfg", reader(twice)));
}

// The Debian 12 netboot menus as installed by debian-installer-12-netboot-amd64: the real
// boot-screens files, read from disk.
TEST(Debian12Netboot, RealMenusFromDisk) {
  const std::filesystem::path base = "/usr/lib/debian-installer/images/12/amd64/text";
  if (!std::filesystem::exists(base / "pxelinux.cfg/default")) GTEST_SKIP() << "netboot images not installed";
  FileReader read_disk = [&](const std::string& path) -> std::optional<std::string> {
    std::filesystem::path p = base / path.substr(1);
    if (!std::filesystem::is_regular_file(p)) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  MenuTree tree = load_isolinux("/pxelinux.cfg/default", read_disk);
  EXPECT_GE(tree.files.size(), 8u);
  const InstallerEntry& base_entry = choose_base_entry(tree, "amd64");
  EXPECT_EQ(base_entry.label, "install");
  EXPECT_EQ(base_entry.kernel, "/debian-installer/amd64/linux");
  EXPECT_EQ(base_entry.initrds, std::vector<std::string>{"/debian-installer/amd64/initrd.gz"});
  EXPECT_THROW(choose_base_entry(tree, "i386"), Error);

  auto changed = make_unattended_isolinux(tree, unattended_for(base_entry));
  Files after = tree.files;
  for (const auto& [path, text] : changed) after[path] = text;
  Effective e = evaluate(after, "/pxelinux.cfg/default", "/");
  EXPECT_EQ(e.default_label, "imgbuild");
  EXPECT_EQ(e.ui, "debian-installer/amd64/boot-screens/vesamenu.c32");
  EXPECT_EQ(e.timeout, 50);
  EXPECT_EQ(e.ontimeout, "");  // spk.cfg's speech-synthesis timeout is disabled
  EXPECT_EQ(e.menu_default_labels, std::vector<std::string>{"imgbuild"});  // drk.cfg's too
}

// ---- GRUB ------------------------------------------------------------------------------------

TEST(Debian12Grub, FindsEntriesThroughSubmenusAndSource) {
  Files files = debian12_grub();
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  EXPECT_EQ(tree.files.size(), 2u);
  std::vector<std::string> labels;
  for (const auto& e : tree.entries) labels.push_back(e.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"Graphical install", "Install", "... Graphical expert install",
                                              "... Rescue mode", "Install with speech synthesis"}));
  const InstallerEntry& base = choose_base_entry(tree, "amd64");
  EXPECT_EQ(base.label, "Install");
  EXPECT_EQ(base.kernel, "/install.amd/vmlinuz");
  EXPECT_EQ(base.initrds, std::vector<std::string>{"/install.amd/initrd.gz"});
  EXPECT_EQ(base.args, "vga=788 --- quiet");
  EXPECT_EQ(base.loader, Loader::grub);
  EXPECT_TRUE(tree.entries[0].graphical);
}

TEST(Debian12Grub, UnattendedFirstWithTimeoutAndOthersNeutralised) {
  Files files = debian12_grub();
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"), "console=ttyS0");
  u.timeout_seconds = 7;
  u.extras.push_back({"memtest86+", "/imgbuild/memtest86+", "console=ttyS0,115200", "memtest",
                      {{"x86_64", "/imgbuild/memtest86+x64.efi"}, {"i386", "/imgbuild/memtest86+ia32.efi"}}, "m"});
  // An extra with no EFI program (a BIOS image only) has no place in GRUB's menu.
  u.extras.push_back({"BIOS only", "/imgbuild/bios-only", "", "bios", {}, ""});
  auto changed = make_unattended_grub(tree, u);
  ASSERT_EQ(changed.size(), 2u);
  const std::string& root = changed.at("/boot/grub/grub.cfg");
  EXPECT_EQ(root.rfind("source /boot/grub/config.cfg\n", 0), 0u);
  std::size_t block = root.find("# imgbuild: begin");
  std::size_t first_entry = root.find("menuentry --hotkey=g 'Graphical install'");
  ASSERT_NE(block, std::string::npos);
  EXPECT_LT(block, first_entry);
  EXPECT_THAT(root, HasSubstr("set default=0\nset timeout=7\n"
                              "menuentry 'imgbuild: unattended install' {\n"
                              "    linux /install.amd/vmlinuz vga=788 auto=true priority=critical "
                              "console=ttyS0 --- quiet\n"
                              "    initrd /install.amd/initrd.gz\n}\n"
                              "if [ \"${grub_platform}\" = efi ]; then\n"
                              "    if [ \"${grub_cpu}\" = i386 ]; then\n"
                              "        menuentry --hotkey=m 'memtest86+' {\n"
                              "            insmod chain\n"
                              "            chainloader /imgbuild/memtest86+ia32.efi console=ttyS0,115200\n"
                              "        }\n"
                              "    fi\n"
                              "    if [ \"${grub_cpu}\" = x86_64 ]; then\n"
                              "        menuentry --hotkey=m 'memtest86+' {\n"
                              "            insmod chain\n"
                              "            chainloader /imgbuild/memtest86+x64.efi console=ttyS0,115200\n"
                              "        }\n"
                              "    fi\n"
                              "fi\n"
                              "# imgbuild: end\n"));
  EXPECT_THAT(root, Not(HasSubstr("bios-only")));
  EXPECT_THAT(changed.at("/boot/grub/config.cfg"), HasSubstr("# imgbuild: disabled: set timeout=30\n"));

  // Reloaded: the original entries are all there (imgbuild's own block is not offered as
  // a base), and a second run changes nothing.
  Files after = with_changes(files, changed);
  MenuTree again = load_grub("/boot/grub/grub.cfg", reader(after));
  ASSERT_EQ(again.entries.size(), tree.entries.size());
  Unattended u2 = unattended_for(choose_base_entry(again, "amd64"), "console=ttyS0");
  EXPECT_EQ(choose_base_entry(again, "amd64").label, "Install");
  u2.timeout_seconds = 7;
  u2.extras = u.extras;
  EXPECT_EQ(with_changes(after, make_unattended_grub(again, u2)), after);
}

TEST(Grub, InsertsWhereEntriesStartEvenInSourcedFiles) {
  // All entries come from a sourced file: the block goes before that source line, so
  // "set default=0" still picks it.
  Files files = {
      {"/boot/grub/grub.cfg", "set timeout=10\nset default=\"2\"\nsource /boot/grub/entries.cfg\n"},
      {"/boot/grub/entries.cfg", "menuentry \"Install\" --class debian {\n  linux (cd0)/install.386/vmlinuz --- quiet\n  initrd (cd0)/install.386/initrd.gz\n}\n"},
  };
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 1u);
  EXPECT_EQ(tree.entries[0].kernel, "/install.386/vmlinuz");
  EXPECT_EQ(tree.entries[0].arch, "i386");
  auto changed = make_unattended_grub(tree, unattended_for(tree.entries[0]));
  ASSERT_EQ(changed.size(), 1u);
  const std::string& root = changed.at("/boot/grub/grub.cfg");
  EXPECT_EQ(root.rfind("# imgbuild: disabled: set timeout=10\n# imgbuild: disabled: set default=\"2\"\n# imgbuild: begin", 0), 0u) << root;
  EXPECT_LT(root.find("# imgbuild: end"), root.find("source /boot/grub/entries.cfg"));

  // configfile replaces the menu: the block must go into the file it loads.
  Files cfg = {
      {"/boot/grub/grub.cfg", "insmod part_gpt\nconfigfile /boot/grub/real.cfg\n"},
      {"/boot/grub/real.cfg", "menuentry 'Install' {\n linux /install.amd/vmlinuz ---\n initrd /install.amd/initrd.gz\n}\n"},
  };
  MenuTree tree2 = load_grub("/boot/grub/grub.cfg", reader(cfg));
  auto changed2 = make_unattended_grub(tree2, unattended_for(tree2.entries[0]));
  ASSERT_EQ(changed2.size(), 1u);
  EXPECT_EQ(changed2.begin()->first, "/boot/grub/real.cfg");
  EXPECT_EQ(changed2.begin()->second.rfind("# imgbuild: begin", 0), 0u);
}

TEST(Grub, TitlesAreQuotedAndBadFilesRejected) {
  Files files = {{"/boot/grub/grub.cfg", "menuentry 'It'\\''s \"x\"' {\n linux /install.amd/vmlinuz\n initrd /install.amd/initrd.gz\n}\n"}};
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 1u);
  EXPECT_EQ(tree.entries[0].label, "It's \"x\"");
  Unattended u = unattended_for(tree.entries[0]);
  u.title = "imgbuild: Bob's install";
  auto changed = make_unattended_grub(tree, u);
  EXPECT_THAT(changed.begin()->second, HasSubstr("menuentry 'imgbuild: Bob'\\''s install' {"));
  // GRUB reads the title back as written (the loader skips imgbuild blocks, so drop the
  // markers to parse it as an ordinary entry).
  std::string unmarked;
  std::istringstream lines(changed.begin()->second);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# imgbuild: ", 0) != 0) unmarked += line + "\n";
  }
  Files plain = {{"/boot/grub/grub.cfg", unmarked}};
  MenuTree again = load_grub("/boot/grub/grub.cfg", reader(plain));
  EXPECT_EQ(again.entries[0].label, "imgbuild: Bob's install");

  Files loop = {{"/boot/grub/grub.cfg", "source /boot/grub/grub.cfg\n"}};
  EXPECT_THROW(load_grub("/boot/grub/grub.cfg", reader(loop)), Error);
  Files binary = {{"/boot/grub/grub.cfg", std::string("menuentry\0", 10)}};
  EXPECT_THROW(load_grub("/boot/grub/grub.cfg", reader(binary)), Error);
  Files huge = {{"/boot/grub/grub.cfg", std::string(k_max_menu_file + 1, '#')}};
  try {
    load_grub("/boot/grub/grub.cfg", reader(huge));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/boot/grub/grub.cfg: boot menu file is over 1 MB"));
  }
  // User text cannot add menu lines of its own, and GRUB does not expand it.
  Unattended evil = unattended_for(tree.entries[0], "a=1\nmenuentry x {");
  EXPECT_THROW(make_unattended_grub(tree, evil), Error);
  Files isolinux = {{"/isolinux/isolinux.cfg", "label a\n kernel /install.amd/vmlinuz\n append initrd=/install.amd/initrd.gz\n"}};
  MenuTree itree = load_isolinux("/isolinux/isolinux.cfg", reader(isolinux));
  EXPECT_THROW(make_unattended_isolinux(itree, evil), Error);
  Unattended dollar = unattended_for(tree.entries[0], "preseed/url=http://h/$x.cfg it's");
  std::string text = make_unattended_grub(tree, dollar).begin()->second;
  EXPECT_THAT(text, HasSubstr(" 'preseed/url=http://h/$x.cfg' 'it'\\''s'\n"));

  // Stray marker-like comments (found by the fuzzer): a begin without an end must not pair
  // with the block imgbuild adds, or a second run would hide the entries between them.
  Files stray = {{"/boot/grub/grub.cfg",
                  "# imgbuild: begin\n# imgbuild: beginning of notes\nfunction entries {\n"
                  "menuentry 'a' {\n linux /install.amd/vmlinuz\n initrd /install.amd/initrd.gz\n}\n}\nentries\n"}};
  MenuTree stray_tree = load_grub("/boot/grub/grub.cfg", reader(stray));
  ASSERT_EQ(stray_tree.entries.size(), 1u);
  Unattended su = unattended_for(stray_tree.entries[0]);
  Files stray_once = with_changes(stray, make_unattended_grub(stray_tree, su));
  MenuTree stray_again = load_grub("/boot/grub/grub.cfg", reader(stray_once));
  ASSERT_EQ(stray_again.entries.size(), 1u);
  EXPECT_EQ(with_changes(stray_once, make_unattended_grub(stray_again, su)), stray_once);

  // A brace on the line after the title.
  Files brace = {{"/boot/grub/grub.cfg", "menuentry \"Install\"\n{\n  linux /install.amd/vmlinuz ---\n  initrd /install.amd/initrd.gz\n}\n"}};
  MenuTree braced = load_grub("/boot/grub/grub.cfg", reader(brace));
  ASSERT_EQ(braced.entries.size(), 1u);
  EXPECT_TRUE(braced.entries[0].is_installer);

  // Dynamic paths are not followed (they depend on the firmware's boot device).
  Files dynamic = {{"/boot/grub/grub.cfg", "source $prefix/x86_64-efi/grub.cfg\n"}};
  EXPECT_EQ(load_grub("/boot/grub/grub.cfg", reader(dynamic)).files.size(), 1u);
}

TEST(ExtraEntries, IsolinuxLabelIsWhatTheUserTypes) {
  std::map<std::string, std::string> files = {
      {"/isolinux/isolinux.cfg", "DEFAULT install\nPROMPT 1\nTIMEOUT 0\nLABEL install\n\tkernel /install.386/vmlinuz\n"
                                 "\tappend vga=normal initrd=/install.386/initrd.gz --\n"}};
  auto read = [&](const std::string& p) -> std::optional<std::string> {
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  auto tree = imgbuild::bootmenu::load_isolinux("/isolinux/isolinux.cfg", read);
  imgbuild::bootmenu::Unattended u;
  u.kernel = "/install.386/vmlinuz";
  u.initrds = {"/install.386/initrd.gz"};
  u.args = "auto=true priority=critical --";
  u.extras = {{"Memory test", "/imgbuild/memtest86+", "", "memtest", {}, ""}};
  auto changed = imgbuild::bootmenu::make_unattended_isolinux(tree, u);
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  EXPECT_NE(text.find("label memtest\n\tkernel /imgbuild/memtest86+\n"), std::string::npos) << text;
  u.extras[0].label = "two words";
  EXPECT_THROW(imgbuild::bootmenu::make_unattended_isolinux(tree, u), imgbuild::Error);
}
