// SPDX-License-Identifier: GPL-2.0-or-later
#include "inspect/expect.hpp"
#include "util/text.hpp"

#include "config/config.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <cctype>
#include <fnmatch.h>
#include <sstream>
#include <string_view>

namespace imgbuild::inspect {

namespace {

bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool by_uuid_or_label(const std::string& device) {
  return device.rfind("UUID=", 0) == 0 || device.rfind("LABEL=", 0) == 0 ||
         device.rfind("/dev/disk/by-uuid/", 0) == 0 || device.rfind("/dev/disk/by-label/", 0) == 0;
}

// Devices that are not block devices at all (proc, tmpfs, none): no naming rule applies.
bool is_virtual_device(const std::string& device) { return device.rfind("/", 0) != 0 && device.find('=') == std::string::npos; }

std::string shorten(std::string text, std::size_t max = 160) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

// FAT names compare without case (the ESP is FAT: EFI/BOOT/BOOTX64.EFI = efi/boot/bootx64.efi).
bool same_fat_name(const std::string& a, const std::string& b) { return util::iequals(a, b); }

// An EFI System Partition: fstab mounts /boot/efi by UUID with the wanted type, and a
// filesystem of that type and UUID is on the disk.
Verdict judge_esp(const DiskFacts& f, const std::string& type) {
  Verdict v;
  const FstabEntry* entry = nullptr;
  for (const auto& e : f.fstab)
    if (e.mountpoint == "/boot/efi") entry = &e;
  if (!entry) {
    v.detail = "no /boot/efi in fstab";
    return v;
  }
  v.detail = entry->device + " " + entry->type;
  if (entry->type != type || entry->device.rfind("UUID=", 0) != 0) return v;
  const std::string uuid = entry->device.substr(5);
  for (const auto& fs : f.filesystems)
    if (same_fat_name(fs.uuid, uuid)) {
      v.ok = fs.type == type;
      v.detail += ", on the disk as " + fs.device + " " + fs.type;
      return v;
    }
  v.detail += ", but no filesystem on the disk has that UUID";
  return v;
}

}  // namespace

Profile parse_profile(const std::string& text, const std::string& path) {
  Profile profile;
  profile.path = path;
  auto table = config::Table::parse(text, path);
  auto add = [&](const std::string& key, const config::Value<std::string>& value) {
    if (value.value.empty()) throw Error(table.where(value.line), key + " is empty", "give it a value or leave it out");
    profile.expectations.push_back({key, value.value, value.line});
  };
  auto one_of = [&](const std::string& key, std::initializer_list<const char*> allowed) {
    std::string what;
    for (const char* value : allowed) what += (what.empty() ? "\"" : " or \"") + std::string(value) + "\"";
    auto value = table.string(key, what);
    if (!value) return;
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return value->value == a; }))
      throw Error(table.where(value->line), key + " takes " + what + ", got \"" + value->value + "\"");
    add(key, *value);
  };
  for (const char* key : {"distribution", "version", "arch", "grub-default-kernel"})
    if (auto value = table.string(key)) add(key, *value);
  for (const char* key : {"package", "kernel", "fstab-mount", "apt-source", "firstboot-log", "efi-file"})
    for (const auto& value : table.strings(key)) add(key, value);
  one_of("grub-root", {"uuid-or-label"});
  one_of("fstab", {"uuid-or-label"});
  one_of("grub-boot-sector", {"mbr"});
  one_of("firstboot", {"done", "not-done"});
  one_of("esp", {"vfat"});
  table.reject_unknown("see builder/inspect/expect.hpp");
  if (profile.expectations.empty()) throw Error(path, "no expectations in this profile", "see builder/inspect/expect.hpp");
  // The report follows the file.
  std::stable_sort(profile.expectations.begin(), profile.expectations.end(),
                   [](const Expectation& a, const Expectation& b) { return a.line < b.line; });
  return profile;
}

Profile load_profile(const std::string& path) {
  return parse_profile(util::read_small_file(path, 1u << 20, "expectation profile"), path);
}

namespace {

// One rule per key of a profile: whether the disk meets `e`, and what it shows instead.

void judge_distribution(const DiskFacts& f, const Expectation& e, Verdict& v) {
  v.ok = f.os.distribution == e.value;
  v.detail = f.os.distribution.empty() ? "unknown" : f.os.distribution;
}

void judge_version(const DiskFacts& f, const Expectation& e, Verdict& v) {
  std::string major = std::to_string(f.os.major_version);
  std::string full = major + "." + std::to_string(f.os.minor_version);
  v.ok = e.value == major || e.value == full;
  v.detail = full;
}

void judge_arch(const DiskFacts& f, const Expectation& e, Verdict& v) {
  v.ok = f.os.arch == e.value;
  v.detail = f.os.arch;
}

void judge_package(const DiskFacts& f, const Expectation& e, Verdict& v) {
  auto it = f.packages.find(e.value);
  v.ok = it != f.packages.end();
  v.detail = v.ok ? it->second.version : "not installed";
}

void judge_kernel(const DiskFacts& f, const Expectation& e, Verdict& v) {
  for (const auto& k : f.kernels)
    if (glob(e.value, k)) {
      bool initrd = std::find(f.initrds.begin(), f.initrds.end(), k) != f.initrds.end();
      v.ok = initrd;
      v.detail = k + (initrd ? " with initrd" : " WITHOUT initrd");
      if (v.ok) break;
    }
  if (v.detail.empty()) v.detail = f.kernels.empty() ? "no kernel in /boot" : "installed: " + [&] {
    std::string list;
    for (const auto& k : f.kernels) list += (list.empty() ? "" : " ") + k;
    return list;
  }();
}

void judge_grub_default_kernel(const DiskFacts& f, const Expectation& e, Verdict& v) {
  if (!f.grub.default_entry) {
    v.detail = f.grub.path.empty() ? "no GRUB configuration" : "default \"" + f.grub.default_spec + "\" unresolved";
  } else {
    v.ok = glob(e.value, f.grub.default_entry->kernel);
    v.detail = "\"" + f.grub.default_entry->title + "\" " + f.grub.default_entry->kernel;
  }
}

void judge_grub_root(const DiskFacts& f, const Expectation&, Verdict& v) {
  if (!f.grub.default_entry) {
    v.detail = "no resolvable default GRUB entry";
  } else {
    v.ok = by_uuid_or_label(f.grub.default_entry->root_arg);
    v.detail = "root=" + f.grub.default_entry->root_arg;
  }
}

void judge_grub_boot_sector(const DiskFacts& f, const Expectation&, Verdict& v) {
  for (const auto& b : f.boot_sectors)
    if (b.grub && std::none_of(b.device.begin() + std::min<std::size_t>(b.device.size(), 5), b.device.end(),
                               ::isdigit)) {
      v.ok = true;
      v.detail = "GRUB in the MBR of " + b.device;
    }
  if (!v.ok) {
    for (const auto& b : f.boot_sectors)
      if (b.grub) v.detail += (v.detail.empty() ? "GRUB only in " : ", ") + b.device;
    if (v.detail.empty()) v.detail = "no GRUB boot code in any boot sector";
  }
}

void judge_fstab(const DiskFacts& f, const Expectation&, Verdict& v) {
  v.ok = !f.fstab.empty();
  std::string bad;
  for (const auto& entry : f.fstab) {
    if (entry.noauto || is_virtual_device(entry.device) || by_uuid_or_label(entry.device)) continue;
    v.ok = false;
    bad += (bad.empty() ? "" : ", ") + entry.device + " " + entry.mountpoint;
  }
  v.detail = f.fstab.empty() ? "no /etc/fstab entries"
             : bad.empty()   ? std::to_string(f.fstab.size()) + " entries, every auto-mounted one by UUID/LABEL"
                             : "by kernel name: " + bad;
}

void judge_fstab_mount(const DiskFacts& f, const Expectation& e, Verdict& v) {
  for (const auto& entry : f.fstab)
    if (entry.mountpoint == e.value) {
      v.ok = true;
      v.detail = entry.device + " " + entry.type;
    }
  if (!v.ok) v.detail = "no fstab entry";
}

void judge_apt_source(const DiskFacts& f, const Expectation& e, Verdict& v) {
  for (const auto& s : f.apt_sources)
    if (s.line.find(e.value) != std::string::npos) {
      v.ok = true;
      v.detail = s.line + " (" + s.file + ")";
      break;
    }
  if (!v.ok) v.detail = std::to_string(f.apt_sources.size()) + " source lines, none matches";
}

void judge_firstboot(const DiskFacts& f, const Expectation& e, Verdict& v) {
  v.ok = (e.value == "done") == f.firstboot_done;
  v.detail = f.firstboot_done ? std::string(k_firstboot_state) + " present: " + shorten(f.firstboot_state)
                              : std::string(k_firstboot_state) + " absent";
}

void judge_firstboot_log(const DiskFacts& f, const Expectation& e, Verdict& v) {
  if (!f.firstboot_log) {
    v.detail = std::string(k_firstboot_log) + " absent";
  } else {
    v.ok = f.firstboot_log->find(e.value) != std::string::npos;
    v.detail = v.ok ? "found in " + std::string(k_firstboot_log) : "not in the log: " + shorten(*f.firstboot_log);
  }
}

void judge_esp_rule(const DiskFacts& f, const Expectation& e, Verdict& v) {
  v = judge_esp(f, e.value);
  v.item = e.key + " " + e.value;
}

void judge_efi_file(const DiskFacts& f, const Expectation& e, Verdict& v) {
  for (const auto& file : f.efi_files)
    if (same_fat_name(file, e.value)) {
      v.ok = true;
      v.detail = "/boot/efi/" + file;
    }
  if (!v.ok)
    v.detail = f.efi_files.empty() ? "no files under /boot/efi/EFI"
                                   : std::to_string(f.efi_files.size()) + " files under /boot/efi/EFI, not this one";
}

using Rule = void (*)(const DiskFacts&, const Expectation&, Verdict&);

const std::vector<std::pair<std::string_view, Rule>> k_rules = {
    {"distribution", judge_distribution},
    {"version", judge_version},
    {"arch", judge_arch},
    {"package", judge_package},
    {"kernel", judge_kernel},
    {"grub-default-kernel", judge_grub_default_kernel},
    {"grub-root", judge_grub_root},
    {"grub-boot-sector", judge_grub_boot_sector},
    {"fstab", judge_fstab},
    {"fstab-mount", judge_fstab_mount},
    {"apt-source", judge_apt_source},
    {"esp", judge_esp_rule},
    {"efi-file", judge_efi_file},
    {"firstboot", judge_firstboot},
    {"firstboot-log", judge_firstboot_log},
};

}  // namespace

std::vector<Verdict> judge(const DiskFacts& f, const Profile& profile) {
  std::vector<Verdict> out;
  for (const auto& e : profile.expectations) {
    Verdict v;
    v.item = e.key + " " + e.value;
    for (const auto& [key, rule] : k_rules) {
      if (e.key != key) continue;
      rule(f, e, v);
      break;
    }
    out.push_back(std::move(v));
  }
  return out;
}

bool all_ok(const std::vector<Verdict>& verdicts) {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.ok; });
}

std::string verdicts_to_text(const std::vector<Verdict>& verdicts) {
  std::string out;
  std::size_t failed = 0;
  for (const auto& v : verdicts) {
    out += (v.ok ? "ok    " : "FAIL  ") + v.item + ": " + v.detail + "\n";
    if (!v.ok) ++failed;
  }
  out += failed ? std::to_string(failed) + " of " + std::to_string(verdicts.size()) + " expectations FAILED\n"
                : "all " + std::to_string(verdicts.size()) + " expectations met\n";
  return out;
}

}  // namespace imgbuild::inspect
