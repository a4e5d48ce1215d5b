// SPDX-License-Identifier: GPL-2.0-or-later
// What both loaders share: choosing the entry to base the unattended one on, its
// arguments, and the kernel command line limit. The loaders and rewrites themselves are in
// isolinux.cpp and grub.cpp, their common text handling in menu_file.cpp.
#include "bootmenu/bootmenu.hpp"
#include "bootmenu/menu_file.hpp"

#include <algorithm>
#include <set>

#include "util/error.hpp"

namespace imgbuild::bootmenu {

using namespace detail;

namespace {

bool is_variant(const InstallerEntry& e) {
  static const char* const k_markers[] = {"rescue/enable", "priority=low", "speakup.synth",
                                          "theme=", "desktop=", "priority=medium"};
  return std::any_of(std::begin(k_markers), std::end(k_markers),
                     [&](const char* m) { return e.args.find(m) != std::string::npos; });
}

}  // namespace

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

}  // namespace imgbuild::bootmenu
