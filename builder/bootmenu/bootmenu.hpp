// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Boot menus of installer discs (isolinux for BIOS, GRUB for UEFI): find the
// debian-installer kernels in them, and add one unattended entry that boots by itself
// after a short timeout while every original entry stays reachable. Pure text in, text
// out: files are read through a FileReader, so everything here is tested with strings.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::bootmenu {

enum class Loader { isolinux, grub };

struct InstallerEntry {
  Loader loader = Loader::isolinux;
  std::string menu_file;              // ISO path of the file it is in, e.g. "/isolinux/txt.cfg"
  std::string label;                  // isolinux label / grub menuentry title
  std::string kernel;                 // absolute ISO path "/install.386/vmlinuz"
  std::vector<std::string> initrds;   // absolute ISO paths
  std::string args;                   // the command line minus initrd=...
  std::string arch;                   // "i386", "amd64", "" if unknown
  bool graphical = false;             // gtk initrd
  bool is_installer = false;          // a debian-installer kernel+initrd (not memtest, hd boot, .c32)
};

// Reads a file of the disc by absolute ISO path; nullopt when there is no such file.
using FileReader = std::function<std::optional<std::string>(const std::string& iso_path)>;

struct MenuTree {
  Loader loader = Loader::isolinux;
  std::string root_file;                      // "/isolinux/isolinux.cfg" or "/boot/grub/grub.cfg"
  std::map<std::string, std::string> files;   // every file read, ISO path -> text
  std::vector<InstallerEntry> entries;        // in menu order, all entries found
};

// Where installer discs keep their boot menus, in the order loaders look: the first one
// present on a disc is the one its isolinux/GRUB reads. build rewrites it and inspect reads
// it, from this one list.
inline constexpr const char* k_isolinux_roots[] = {"/isolinux/isolinux.cfg", "/boot/isolinux/isolinux.cfg",
                                                   "/isolinux.cfg", "/syslinux/syslinux.cfg"};
inline constexpr const char* k_grub_roots[] = {"/boot/grub/grub.cfg"};

// Menu files larger than this are not menus (Error naming the file), nor is text with
// NUL bytes in it.
constexpr std::size_t k_max_menu_file = 1u << 20;

// isolinux: follows `include` and `menu include` (keywords are case-insensitive); relative
// paths are tried against the root config's directory (isolinux's working directory), the
// including file's directory and the `path` directories. A missing root file, a file over
// 1 MB or with binary data, an include loop or nesting deeper than 16 is an Error.
// Entries inside an earlier imgbuild block are skipped: they are imgbuild's own.
MenuTree load_isolinux(const std::string& root_file, const FileReader& read);
// GRUB: menuentry/submenu blocks, linux/linux16/linuxefi and initrd/initrd16/initrdefi lines,
// and `source`/`configfile` of static absolute paths.
MenuTree load_grub(const std::string& root_file, const FileReader& read);

struct ExtraEntry {  // e.g. memtest86+
  std::string title;
  std::string kernel;  // for isolinux: an image it boots with KERNEL (Linux boot protocol)
  std::string args;
  // The isolinux label, what a user types at a plain "boot:" prompt (Etch has no menu);
  // empty: imgbuild-extra-N.
  std::string label;
  // For GRUB on UEFI: EFI programs it starts with `chainloader` (passing args), by
  // GRUB's ${grub_cpu} ("x86_64", "i386"). Without any, the entry is left out of GRUB
  // menus (a BIOS image is no EFI program).
  std::map<std::string, std::string> efi_programs;
  // GRUB's --hotkey: the key that boots the entry from the menu at once.
  std::string hotkey;
  // The EFI programs carry no Secure Boot signature: under Secure Boot (GRUB started by
  // shim sets shim_lock=y) GRUB refuses to start them, so the entry says why instead.
  bool efi_unsigned = false;
};

struct Unattended {
  std::string kernel;
  std::vector<std::string> initrds;
  std::string args;  // usually unattended_args(base.args, user_args)
  int timeout_seconds = 5;
  std::string title = "imgbuild: unattended install";
  std::vector<ExtraEntry> extras;  // added right after the unattended entry
};

// The entry an unattended install should boot: installer entries only, matching arch if
// given (Error naming the menu when none matches, e.g. "--arch i386 but the disc only has
// amd64"), plain installs before rescue/expert/speech/theme variants, text before
// graphical, then first in menu order.
const InstallerEntry& choose_base_entry(const MenuTree& tree, const std::string& arch);

// The base entry's args with any auto=/priority= removed and "auto=true priority=critical"
// plus the user's args inserted before the first "---"/"--" separator (appended if none).
std::string unattended_args(const std::string& base_args, const std::string& user_args);

// ISO path -> new text, for every menu file that must change (unchanged files are absent).
// Everything imgbuild writes sits between "# imgbuild: begin" and "# imgbuild: end" lines,
// and every original line it disables is kept, commented out with "# imgbuild:", so running
// it on an already rewritten menu replaces the earlier block instead of adding a second.
std::map<std::string, std::string> make_unattended_isolinux(const MenuTree& tree, const Unattended& u);
std::map<std::string, std::string> make_unattended_grub(const MenuTree& tree, const Unattended& u);

// Kernel command line length. Linux x86 kernels before 2.6.22 (boot protocol < 2.06, e.g.
// Etch's 2.6.18) keep only the first 255 bytes of the command line and silently drop the
// rest -- "auto=true priority=critical" or a preseed option could be lost that way.
// The limit from a kernel image's first bytes (at least 0x240 of them): cmdline_size for
// protocol 2.06+, else 255; nullopt when it is not an x86 bzImage ("HdrS" missing).
std::optional<std::size_t> kernel_command_line_limit(std::string_view kernel_head);
// The command line the loader hands the kernel for the unattended entry: isolinux and
// GRUB both add "BOOT_IMAGE=<kernel> "; isolinux passes initrd=... along.
std::string unattended_command_line(Loader loader, const Unattended& u);
// Error (naming --kernel-args) when that command line is longer than the limit.
void check_command_line(Loader loader, const Unattended& u, std::size_t limit);

// Helpers shared with the tests and the remaster plan.
std::string detect_arch(const std::string& kernel_path);
std::string iso_path_join(const std::string& dir, const std::string& relative);

}  // namespace imgbuild::bootmenu
