// SPDX-License-Identifier: GPL-2.0-or-later
#include "inspect/facts.hpp"

#include "debformat/control.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace imgbuild::inspect {

namespace {

std::string trim(std::string_view text) { return std::string(util::trim(text)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Splits a GRUB 2 script line into words, honouring '…' and "…" quoting.
std::vector<std::string> grub_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) quote = 0;
      else word += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

void kernel_line(GrubEntry& entry, const std::vector<std::string>& words) {
  if (words.size() < 2) return;
  entry.kernel = words[1];
  for (std::size_t i = 2; i < words.size(); ++i)
    if (words[i].rfind("root=", 0) == 0) entry.root_arg = words[i].substr(5);
}

std::optional<GrubEntry> resolve_default(const std::vector<GrubEntry>& entries, const std::string& spec,
                                         const std::vector<std::string>& ids) {
  if (entries.empty()) return std::nullopt;
  std::string value = spec.empty() ? "0" : spec;
  // "1>2": entry 2 of submenu 1. Each part a number or a title.
  const std::vector<GrubEntry>* level = &entries;
  const GrubEntry* found = nullptr;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find('>', start);
    std::string part = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    found = nullptr;
    if (!part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
      std::size_t index = std::stoul(part);
      if (index < level->size()) found = &(*level)[index];
    } else {
      for (std::size_t i = 0; i < level->size(); ++i)
        if ((*level)[i].title == part || (level == &entries && i < ids.size() && ids[i] == part))
          found = &(*level)[i];
    }
    if (!found) return std::nullopt;
    if (end == std::string::npos) break;
    level = &found->children;
    start = end + 1;
  }
  if (found && !found->children.empty()) return found->children.front();
  return found ? std::optional<GrubEntry>(*found) : std::nullopt;
}

}  // namespace

bool is_kernel_device_name(const std::string& device) {
  static const char* const k_prefixes[] = {"/dev/sd", "/dev/hd", "/dev/vd", "/dev/xvd", "/dev/nvme",
                                           "/dev/sr", "/dev/scd", "/dev/fd", "/dev/cciss/"};
  for (const char* prefix : k_prefixes)
    if (device.rfind(prefix, 0) == 0) return true;
  return false;
}

std::vector<FstabEntry> parse_fstab(const std::string& text) {
  std::vector<FstabEntry> out;
  for (const auto& raw : lines_of(text)) {
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    FstabEntry entry;
    in >> entry.device >> entry.mountpoint >> entry.type >> entry.options;
    if (entry.mountpoint.empty()) continue;
    std::istringstream options(entry.options);
    for (std::string option; std::getline(options, option, ',');)
      if (option == "noauto") entry.noauto = true;
    entry.by_kernel_name = is_kernel_device_name(entry.device);
    out.push_back(std::move(entry));
  }
  return out;
}

GrubConfig parse_grub_cfg(const std::string& text, const std::string& grubenv) {
  GrubConfig config;
  config.flavour = "grub2";
  std::vector<std::string> ids;  // $menuentry_id_option ids of top-level entries
  // Stack of open blocks: for each, the entry it builds (nullptr for if/function blocks).
  std::vector<GrubEntry*> stack;
  for (const auto& raw : lines_of(text)) {
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto words = grub_words(line);
    if (words.empty()) continue;
    const std::string& command = words[0];
    if ((command == "menuentry" || command == "submenu") && line.back() == '{') {
      GrubEntry entry;
      entry.title = words.size() > 1 ? words[1] : "";
      GrubEntry* parent = nullptr;
      for (auto it = stack.rbegin(); it != stack.rend(); ++it)
        if (*it) { parent = *it; break; }
      std::vector<GrubEntry>& siblings = parent ? parent->children : config.entries;
      if (!parent) {
        std::string id;
        for (std::size_t i = 1; i + 1 < words.size(); ++i)
          if (words[i] == "$menuentry_id_option") id = words[i + 1];
        ids.push_back(id);
      }
      siblings.push_back(std::move(entry));
      stack.push_back(&siblings.back());
      continue;
    }
    if (line.back() == '{') {  // function, if/else with a brace: not an entry
      stack.push_back(nullptr);
      continue;
    }
    if (command == "}") {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    if (stack.empty() && command == "set" && words.size() > 1 && words[1].rfind("default=", 0) == 0)
      config.default_spec = words[1].substr(8);
    GrubEntry* current = nullptr;
    for (auto it = stack.rbegin(); it != stack.rend(); ++it)
      if (*it) { current = *it; break; }
    if (current && (command == "linux" || command == "linux16" || command == "linuxefi"))
      kernel_line(*current, words);
  }
  std::string spec = config.default_spec;
  if (spec == "${saved_entry}" || spec == "saved") {
    spec = "0";
    for (const auto& line : lines_of(grubenv))
      if (line.rfind("saved_entry=", 0) == 0) spec = line.substr(12);
  }
  config.default_entry = resolve_default(config.entries, spec, ids);
  return config;
}

GrubConfig parse_menu_lst(const std::string& text) {
  GrubConfig config;
  config.flavour = "legacy";
  for (const auto& raw : lines_of(text)) {
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find_first_of(" \t=");
    std::string command = line.substr(0, space);
    std::string rest = space == std::string::npos ? "" : trim(line.substr(space + 1));
    if (command == "default") config.default_spec = rest;
    if (command == "title") config.entries.push_back(GrubEntry{rest, "", "", {}});
    if (command == "kernel" && !config.entries.empty()) {
      std::istringstream in(rest);
      std::vector<std::string> words{"kernel"};
      for (std::string word; in >> word;) words.push_back(word);
      kernel_line(config.entries.back(), words);
    }
  }
  // Legacy "default saved" reads /boot/grub/default; we resolve numbers only.
  config.default_entry = resolve_default(config.entries, config.default_spec == "saved" ? "" : config.default_spec, {});
  return config;
}

std::map<std::string, InstalledPackage> parse_dpkg_status(const std::string& text) {
  std::map<std::string, InstalledPackage> out;
  for (const auto& paragraph : debformat::parse_paragraphs(text, "/var/lib/dpkg/status")) {
    std::string name = paragraph.get_or("Package");
    std::string status = paragraph.get_or("Status");
    // "WANT EFLAG STATE": the package is on the disk when STATE is "installed" and EFLAG
    // "ok", whatever is wanted of it (install, hold, deinstall): a held package is installed.
    std::istringstream words(status);
    std::string want, eflag, state, extra;
    words >> want >> eflag >> state;
    if (!name.empty() && eflag == "ok" && state == "installed" && !(words >> extra))
      out[name] = InstalledPackage{paragraph.get_or("Version"), status};
  }
  return out;
}

std::vector<std::string> parse_sources(const std::string& file, const std::string& text) {
  std::vector<std::string> out;
  if (file.ends_with(".sources")) {
    // deb822: one source per paragraph; summarised as "Types URIs Suites Components".
    for (const auto& p : debformat::parse_paragraphs(text, file))
      if (p.get_or("Enabled") != "no")
        out.push_back(p.get_or("Types") + " " + p.get_or("URIs") + " " + p.get_or("Suites") + " " +
                      p.get_or("Components"));
    return out;
  }
  for (const auto& raw : lines_of(text)) {
    std::string line = trim(raw);
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

DiskFacts gather_facts(Guest& guest) {
  DiskFacts facts;
  facts.os = guest.os();
  facts.filesystems = guest.filesystems();

  for (const auto& name : guest.list_dir("/boot")) {
    if (name.rfind("vmlinuz-", 0) == 0) facts.kernels.push_back(name.substr(8));
    if (name.rfind("initrd.img-", 0) == 0) facts.initrds.push_back(name.substr(11));
  }

  if (auto cfg = guest.read_file("/boot/grub/grub.cfg")) {
    facts.grub = parse_grub_cfg(*cfg, guest.read_file("/boot/grub/grubenv").value_or(""));
    facts.grub.path = "/boot/grub/grub.cfg";
  } else if (auto menu = guest.read_file("/boot/grub/menu.lst")) {
    facts.grub = parse_menu_lst(*menu);
    facts.grub.path = "/boot/grub/menu.lst";
  }

  if (auto fstab = guest.read_file("/etc/fstab")) facts.fstab = parse_fstab(*fstab);

  auto add_sources = [&](const std::string& path) {
    if (auto text = guest.read_file(path))
      for (auto& line : parse_sources(path, *text)) facts.apt_sources.push_back({path, std::move(line)});
  };
  add_sources("/etc/apt/sources.list");
  for (const auto& name : guest.list_dir("/etc/apt/sources.list.d"))
    if (name.ends_with(".list") || name.ends_with(".sources")) add_sources("/etc/apt/sources.list.d/" + name);

  if (auto status = guest.read_file("/var/lib/dpkg/status")) facts.packages = parse_dpkg_status(*status);

  if (auto state = guest.read_file(k_firstboot_state)) {
    facts.firstboot_done = true;
    facts.firstboot_state = trim(*state);
  }
  facts.firstboot_log = guest.read_file(k_firstboot_log);

  // The boot loaders on the EFI System Partition: EFI/<vendor>/<file>, one level deep as
  // the UEFI specification lays them out (EFI/BOOT/BOOTX64.EFI, EFI/debian/shimx64.efi).
  for (const auto& vendor : guest.list_dir("/boot/efi/EFI")) {
    for (const auto& name : guest.list_dir("/boot/efi/EFI/" + vendor)) facts.efi_files.push_back("EFI/" + vendor + "/" + name);
  }

  // GRUB's boot code carries the string "GRUB" in its 512-byte boot sector (GRUB 2's
  // boot.img and Legacy's stage1 alike): look at each disk's MBR and each partition's
  // first sector to say where it was installed.
  std::vector<std::string> devices = guest.disks();
  for (const auto& fs : facts.filesystems)
    if (std::find(devices.begin(), devices.end(), fs.device) == devices.end() && fs.device.rfind("/dev/", 0) == 0)
      devices.push_back(fs.device);
  for (const auto& device : devices) {
    std::string sector = guest.read_device(device, 512, 0);
    if (sector.size() < 512) continue;
    BootSector boot;
    boot.device = device;
    boot.boot_signature = static_cast<unsigned char>(sector[510]) == 0x55 && static_cast<unsigned char>(sector[511]) == 0xaa;
    boot.grub = sector.find("GRUB") != std::string::npos;
    facts.boot_sectors.push_back(boot);
  }
  return facts;
}

std::string facts_to_text(const DiskFacts& f) {
  std::ostringstream out;
  out << "os:           " << f.os.distribution << " " << f.os.major_version << "." << f.os.minor_version << " ("
      << f.os.product_name << ") " << f.os.arch << ", root " << f.os.root_device << ", hostname " << f.os.hostname
      << "\n";
  for (const auto& fs : f.filesystems)
    out << "filesystem:   " << fs.device << " " << fs.type << (fs.uuid.empty() ? "" : " UUID=" + fs.uuid)
        << (fs.label.empty() ? "" : " LABEL=" + fs.label) << "\n";
  for (const auto& k : f.kernels)
    out << "kernel:       " << k
        << (std::find(f.initrds.begin(), f.initrds.end(), k) != f.initrds.end() ? " (with initrd)" : " (NO initrd)")
        << "\n";
  if (f.grub.path.empty()) {
    out << "grub:         no grub.cfg or menu.lst\n";
  } else {
    out << "grub:         " << f.grub.path << ", " << f.grub.entries.size() << " entries, default \""
        << f.grub.default_spec << "\"";
    if (f.grub.default_entry)
      out << " = \"" << f.grub.default_entry->title << "\" " << f.grub.default_entry->kernel << " root="
          << f.grub.default_entry->root_arg;
    else
      out << " (unresolved)";
    out << "\n";
  }
  for (const auto& b : f.boot_sectors)
    out << "boot sector:  " << b.device << (b.grub ? " GRUB" : " no GRUB") << (b.boot_signature ? ", 55AA" : "") << "\n";
  for (const auto& e : f.fstab)
    out << "fstab:        " << e.device << " " << e.mountpoint << " " << e.type << " " << e.options
        << (e.by_kernel_name ? (e.noauto ? "  [kernel name, noauto]" : "  [KERNEL NAME: use UUID= or LABEL=]") : "")
        << "\n";
  for (const auto& s : f.apt_sources) out << "apt source:   " << s.line << "  (" << s.file << ")\n";
  out << "packages:     " << f.packages.size() << " installed\n";
  for (const auto& file : f.efi_files) out << "EFI file:     /boot/efi/" << file << "\n";
  out << "first boot:   " << (f.firstboot_done ? "done (" + f.firstboot_state + ")" : "not done") << ", log "
      << (f.firstboot_log ? std::to_string(f.firstboot_log->size()) + " bytes" : "absent") << "\n";
  return out.str();
}

}  // namespace imgbuild::inspect
