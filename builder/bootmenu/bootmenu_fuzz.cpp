// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as a set of isolinux and GRUB menu files. Loading,
// choosing and rewriting must never crash; imgbuild::Error is an accepted outcome. The
// rewrite must also be idempotent: rewriting the rewritten menus changes nothing.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./bootmenu_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bootmenu/bootmenu.hpp"
#include "util/error.hpp"

using namespace imgbuild;
using namespace imgbuild::bootmenu;

namespace {

// "\n===\n" separates files: the first is the root menu, the others f1.cfg, f2.cfg, ...
// in the same directory, so "include f1.cfg" / "source /boot/grub/f1.cfg" reach them.
std::map<std::string, std::string> split_files(const std::string& input, const std::string& dir,
                                               const std::string& root) {
  std::map<std::string, std::string> files;
  std::size_t start = 0;
  for (int n = 0; start <= input.size() && n < 16; ++n) {
    std::size_t sep = input.find("\n===\n", start);
    if (sep == std::string::npos) sep = input.size();
    std::string name = n == 0 ? root : dir + "/f" + std::to_string(n) + ".cfg";
    files[name] = input.substr(start, sep - start);
    start = sep + 5;
  }
  return files;
}

FileReader reader(const std::map<std::string, std::string>& files) {
  return [&files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

template <typename Load, typename Rewrite>
void exercise(const std::map<std::string, std::string>& files, const std::string& root, Load load,
              Rewrite rewrite) {
  try {
    MenuTree tree = load(root, reader(files));
    const InstallerEntry& base = choose_base_entry(tree, "");
    Unattended u;
    u.kernel = base.kernel;
    u.initrds = base.initrds;
    u.args = unattended_args(base.args, "console=ttyS0");
    u.extras.push_back({"memtest", "/imgbuild/memtest86+", "console=ttyS0,115200", "memtest",
                        {{"x86_64", "/imgbuild/memtest86+x64.efi"}}, "m"});
    auto changed = rewrite(tree, u);
    auto after = files;
    for (const auto& [path, text] : changed) after[path] = text;
    MenuTree again = load(root, reader(after));
    auto changed_again = rewrite(again, u);
    auto twice = after;
    for (const auto& [path, text] : changed_again) twice[path] = text;
    if (twice != after) std::abort();  // not idempotent
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  exercise(split_files(input, "/isolinux", "/isolinux/isolinux.cfg"), "/isolinux/isolinux.cfg",
           load_isolinux, make_unattended_isolinux);
  exercise(split_files(input, "/boot/grub", "/boot/grub/grub.cfg"), "/boot/grub/grub.cfg", load_grub,
           make_unattended_grub);
  (void)unattended_args(input, input);
  return 0;
}
