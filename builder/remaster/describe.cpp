// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/describe.hpp"

#include "bootmenu/bootmenu.hpp"
#include "initrd/initrd.hpp"
#include "iso/reader.hpp"
#include "preseed/secrets.hpp"
#include "remaster/build.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_document.hpp"
#include "util/text.hpp"

#include <ctime>
#include <regex>
#include <set>
#include <sys/stat.h>

namespace imgbuild::remaster {

namespace {

constexpr std::uint64_t k_max_menu_size = 1 << 20;

std::string utc(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

// The menu loaders skip the block imgbuild wrote (so a rebuild replaces it); inspect
// shows it, because it is what the disc boots.
std::optional<InstallerDescription> unattended_entry(const std::string& menu, const std::string& loader) {
  auto begin = menu.find("# imgbuild: begin");
  auto end = menu.find("# imgbuild: end", begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos) return std::nullopt;
  std::string block = menu.substr(begin, end - begin);
  static const std::regex isolinux_kernel(R"((?:^|\n)label imgbuild\n(?:[ \t]*menu [^\n]*\n)*[ \t]*kernel ([^\s]+)\n[ \t]*append ([^\n]*))",
                                          std::regex::icase);
  // The entry may open with one-line `if`s (GRUB's output to the serial port as well).
  static const std::regex grub_linux(
      R"(menuentry [^\n]*imgbuild: unattended install[^\n]*\n(?:[ \t]*if [^\n]*\n)*\s*linux\s+([^\s]+)([^\n]*)\n\s*initrd\s+([^\n]+))");
  InstallerDescription entry;
  entry.loader = loader;
  entry.label = loader == "isolinux" ? "imgbuild" : "imgbuild: unattended install";
  entry.unattended = true;
  std::smatch match;
  if (loader == "isolinux" && std::regex_search(block, match, isolinux_kernel)) {
    entry.kernel = match[1].str();
    std::string append = match[2].str();
    static const std::regex initrd_arg(R"((?:^|\s)initrd=([^\s]+))");
    std::smatch initrd_match;
    if (std::regex_search(append, initrd_match, initrd_arg)) {
      std::string list = initrd_match[1].str();
      for (std::size_t start = 0; start <= list.size();) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        entry.initrds.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    }
  } else if (loader == "grub" && std::regex_search(block, match, grub_linux)) {
    entry.kernel = match[1].str();
    std::string initrd_words = match[3].str();
    for (std::size_t start = 0; start < initrd_words.size();) {
      std::size_t space = initrd_words.find_first_of(" \t", start);
      if (space == std::string::npos) space = initrd_words.size();
      if (space > start) entry.initrds.push_back(initrd_words.substr(start, space - start));
      start = space + 1;
    }
  } else {
    return std::nullopt;
  }
  entry.arch = bootmenu::detect_arch(entry.kernel);
  return entry;
}

std::vector<SecretAnswer> secret_answers(const std::string& preseed_text, const std::string& where) {
  std::vector<SecretAnswer> out;
  preseed::Preseed parsed;
  try {
    parsed = preseed::parse(preseed_text, where);
  } catch (const Error&) {
    return out;  // not text imgbuild could have written: nothing to say about its answers
  }
  for (const auto& entry : parsed.entries) {
    preseed::Secret secret = preseed::classify(entry);
    if (secret == preseed::Secret::none) continue;
    out.push_back({entry.line, entry.question,
                   secret == preseed::Secret::crypted     ? "crypted"
                   : secret == preseed::Secret::plaintext ? "plaintext"
                                                          : "not a crypt(3) hash"});
  }
  return out;
}

}  // namespace

ImageDescription describe(const std::string& iso_path) {
  iso::Reader reader(iso_path);
  ImageDescription d;
  d.path = iso_path;
  struct stat st;
  if (::stat(iso_path.c_str(), &st) == 0) d.size = static_cast<std::uint64_t>(st.st_size);
  d.volume = reader.volume();
  d.boot = iso::read_boot_report(iso_path);
  if (auto id = reader.read_file(k_build_id_path, 4096)) d.build_id = util::trim(*id);
  if (auto info = reader.read_file("/.disk/info", 4096)) d.disk_info = util::trim(*info);
  d.has_md5sums = reader.find("/md5sum.txt") != nullptr;

  bootmenu::FileReader read = [&reader](const std::string& p) { return reader.read_file(p, k_max_menu_size); };
  std::set<std::string> initrds;
  auto add_tree = [&](const bootmenu::MenuTree& tree, const char* loader) {
    for (const auto& e : tree.entries) {
      if (!e.is_installer) continue;
      InstallerDescription installer;
      installer.loader = loader;
      installer.label = e.label;
      installer.kernel = e.kernel;
      installer.initrds = e.initrds;
      installer.arch = e.arch;
      installer.graphical = e.graphical;
      installer.unattended = e.label == "imgbuild" || e.label.rfind("imgbuild:", 0) == 0;
      d.installers.push_back(installer);
      for (const auto& i : e.initrds) initrds.insert(iso::normalise_iso_path(i));
    }
  };
  // Per loader, the first of its menu files the disc has (the one build rewrites):
  // imgbuild's own entry first, then the disc's entries.
  auto add_menus = [&](const auto& roots, const char* loader, auto load) {
    for (const char* root : roots)
      if (reader.find(root)) {
        if (auto text = reader.read_file(root, k_max_menu_size))
          if (auto entry = unattended_entry(*text, loader)) {
            d.installers.push_back(*entry);
            for (const auto& i : entry->initrds) initrds.insert(iso::normalise_iso_path(i));
          }
        add_tree(load(root, read), loader);
        return;
      }
  };
  add_menus(bootmenu::k_isolinux_roots, "isolinux", bootmenu::load_isolinux);
  add_menus(bootmenu::k_grub_roots, "grub", bootmenu::load_grub);

  std::vector<std::string> kernels;
  for (const auto& installer : d.installers) kernels.push_back(installer.kernel);
  d.secure_boot = read_secure_boot_chain(reader, d.boot.el_torito, kernels);

  // Look inside each installer initrd for the preseed imgbuild appended.
  util::TempDir work("inspect");
  static const std::regex marker("IMGBUILD:preseed-loaded:([0-9a-f]{32})");
  int n = 0;
  for (const auto& path : initrds) {
    InitrdDescription initrd;
    initrd.path = path;
    const iso::Entry* entry = reader.find(path);
    if (entry && !entry->is_dir) {
      std::string local = (work.path() / ("initrd-" + std::to_string(n++))).string();
      reader.extract_file(path, local);
      if (auto preseed = initrd::read_member(local, "preseed.cfg", 1 << 20)) {
        initrd.has_preseed = true;
        std::smatch match;
        if (std::regex_search(*preseed, match, marker)) initrd.preseed_build_id = match[1].str();
        initrd.preseed_secrets = secret_answers(*preseed, iso_path + ":" + path + ":/preseed.cfg");
      }
    }
    d.initrds.push_back(initrd);
  }
  return d;
}

std::string format_text(const ImageDescription& d) {
  std::string out;
  out += "image:        " + d.path + " (" + std::to_string(d.size) + " bytes)\n";
  out += "volume id:    " + d.volume.volume_id + "\n";
  if (d.disk_info) out += "disc:         " + *d.disk_info + "\n";
  out += "created:      " + (d.volume.creation_time ? utc(*d.volume.creation_time) : std::string("not set")) + "\n";
  out += "joliet:       " + std::string(d.volume.has_joliet ? "yes" : "no") + "\n";
  out += "md5sum.txt:   " + std::string(d.has_md5sums ? "yes" : "no") + "\n";
  out += "boot setup:\n";
  for (const auto& line : d.boot.el_torito) out += "  " + line + "\n";
  for (const auto& line : d.boot.system_area) out += "  " + line + "\n";
  out += "installers:\n";
  if (d.installers.empty()) out += "  none found in the boot menus\n";
  for (const auto& i : d.installers) {
    out += "  " + i.loader + " '" + i.label + "': " + i.kernel;
    for (const auto& initrd : i.initrds) out += " + " + initrd;
    if (!i.arch.empty()) out += " (" + i.arch + (i.graphical ? ", graphical" : "") + ")";
    if (i.unattended) out += " [unattended]";
    out += "\n";
  }
  for (const auto& initrd : d.initrds) {
    out += "initrd " + initrd.path + ": ";
    if (!initrd.has_preseed)
      out += "no preseed.cfg\n";
    else if (initrd.preseed_build_id)
      out += "preseed.cfg with imgbuild markers, build id " + *initrd.preseed_build_id + "\n";
    else
      out += "preseed.cfg (not from imgbuild)\n";
    for (const auto& secret : initrd.preseed_secrets)
      out += "  secret answer " + secret.question + " (line " + std::to_string(secret.line) + "): " + secret.form +
             ", value withheld\n";
  }
  out += format_chain_text(d.secure_boot);
  out += "build id:     " + (d.build_id ? *d.build_id : std::string("none (not built by imgbuild)")) + "\n";
  return out;
}

std::string format_json(const ImageDescription& d) {
  auto optional_text = [](const std::optional<std::string>& text) { return text ? util::Json(*text) : util::Json(); };
  util::Json out;
  out["path"] = d.path;
  out["size"] = d.size;
  out["volume_id"] = d.volume.volume_id;
  out["disk_info"] = optional_text(d.disk_info);
  out["creation_time"] = d.volume.creation_time ? util::Json(*d.volume.creation_time) : util::Json();
  out["joliet"] = d.volume.has_joliet;
  out["md5sums"] = d.has_md5sums;
  out["el_torito"] = d.boot.el_torito;
  out["system_area"] = d.boot.system_area;
  out["installers"] = util::Json::array();
  for (const auto& i : d.installers)
    out["installers"].push_back({{"loader", i.loader}, {"label", i.label}, {"kernel", i.kernel},
                                 {"initrds", i.initrds}, {"arch", i.arch}, {"graphical", i.graphical},
                                 {"unattended", i.unattended}});
  out["initrds"] = util::Json::array();
  for (const auto& i : d.initrds) {
    util::Json secrets = util::Json::array();
    for (const auto& secret : i.preseed_secrets)
      secrets.push_back({{"line", secret.line}, {"question", secret.question}, {"form", secret.form}});
    out["initrds"].push_back({{"path", i.path}, {"preseed", i.has_preseed},
                              {"preseed_build_id", optional_text(i.preseed_build_id)},
                              {"preseed_secrets", std::move(secrets)}});
  }
  out["secure_boot"] = chain_to_json(d.secure_boot);
  out["build_id"] = optional_text(d.build_id);
  return util::json_text(std::move(out));
}

}  // namespace imgbuild::remaster
