// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/boots.hpp"

#include "vm/markers.hpp"

#include <array>
#include <cctype>

namespace imgbuild::vm {

namespace {

constexpr std::size_t k_max_line = 4096;
constexpr std::size_t k_max_problems = 20;

// "[    1.234567] text" -> "text": the kernel's timestamp prefix, when printk.time is on.
std::string_view without_timestamp(std::string_view text) {
  std::size_t first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  text.remove_prefix(first);
  if (text.starts_with("[")) {
    std::size_t close = text.find("] ");
    if (close != std::string_view::npos && close < 20) text.remove_prefix(close + 2);
  }
  return text;
}

std::string collapse_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Console lines of a system in trouble, whatever the init system.
constexpr std::array<std::string_view, 10> k_trouble = {
    "I/O error",                         // block layer: "I/O error, dev sda, sector ..."
    "EXT4-fs error",        "EXT3-fs error",
    "Remounting filesystem read-only",
    "Dropping to a shell",  // initramfs-tools: "ALERT!  /dev/sdc1 does not exist.  Dropping to a shell!"
    "You are in emergency mode",             // systemd
    "Give root password for maintenance",    // sysvinit's sulogin, systemd's emergency
    "Timed out waiting for device",
    "Kernel panic",
    "Dependency failed for Local File Systems",
};

}  // namespace

// "nvme0n1p2" -> "nvme0n1", "sda1" -> "sda", "mmcblk0p1" -> "mmcblk0".
std::string disk_of_partition(std::string name) {
  while (!name.empty() && std::isdigit(static_cast<unsigned char>(name.back()))) name.pop_back();
  if (name.size() > 1 && name.back() == 'p' && std::isdigit(static_cast<unsigned char>(name[name.size() - 2])))
    name.pop_back();
  return name;
}

std::string BootRecord::system_disk() const {
  if (!first_mount.empty()) return disk_of_partition(first_mount);
  for (const auto& disk : disks)
    if (disk.model.find("Virtual") == std::string::npos) return disk.name;
  return {};
}

bool BootRecord::started_by_removable_path() const {
  return !boot_option.empty() && boot_option.find('\\') == std::string::npos;
}

void BootWatcher::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n' || c == '\r') {
      if (!m_partial.empty()) line(std::move(m_partial));
      m_partial.clear();
    } else if (m_partial.size() < k_max_line) {
      m_partial.push_back(c);
    }
  }
  // A getty's prompt does not end its line: look at the partial one too.
  if (!m_boots.empty() && !m_boots.back().login_prompt) {
    std::string text = strip_terminal_codes(m_partial);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (text.ends_with(" login:")) m_boots.back().login_prompt = true;
  }
}

void BootWatcher::line(std::string raw) {
  const std::string stripped = strip_terminal_codes(raw);
  std::string_view text = without_timestamp(stripped);
  if (text.starts_with("BdsDxe: starting ")) {
    m_boot_option = collapse_spaces(text.substr(17));
    return;
  }
  if (text.starts_with("Linux version ")) {
    BootRecord boot;
    std::string_view rest = text.substr(14);
    boot.kernel = std::string(rest.substr(0, rest.find(' ')));
    boot.boot_option = std::move(m_boot_option);
    m_boot_option.clear();
    m_boots.push_back(std::move(boot));
    m_scsi_models.clear();
    return;
  }
  if (m_boots.empty()) return;
  BootRecord& boot = m_boots.back();
  // Debian's kernels (arch/x86/kernel/setup.c): "secureboot: Secure boot enabled".
  if (text.starts_with("secureboot: Secure boot ") && boot.secure_boot.empty()) {
    boot.secure_boot = collapse_spaces(text.substr(24));
    return;
  }
  // "EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode. Quota mode: none."
  for (std::string_view fs : {"EXT4-fs (", "EXT3-fs (", "XFS ("}) {
    if (text.starts_with(fs) && boot.first_mount.empty()) {
      std::string_view rest = text.substr(fs.size());
      std::size_t close = rest.find(')');
      if (close != std::string_view::npos && (rest.find("mounted filesystem", close) != std::string_view::npos ||
                                              rest.find("Ending clean mount", close) != std::string_view::npos))
        boot.first_mount = std::string(rest.substr(0, close));
    }
  }
  if (text.starts_with("Command line: ") && boot.command_line.empty()) {
    boot.command_line = std::string(text.substr(14));
    return;
  }
  // "scsi 2:0:0:0: Direct-Access     Dell     Virtual Floppy   0001 PQ: 0 ANSI: 4"
  if (text.starts_with("scsi ") && text.find(" PQ: ") != std::string_view::npos) {
    std::string_view rest = text.substr(5);
    std::size_t colon = rest.find(": ");
    if (colon == std::string_view::npos) return;
    std::string address(rest.substr(0, colon));
    std::string_view fields = rest.substr(colon + 2, rest.find(" PQ: ") - colon - 2);
    // Type, then vendor (8), model (16) and revision (4), space-padded.
    std::size_t type_end = fields.find("  ");
    if (type_end == std::string_view::npos) return;
    std::string words = collapse_spaces(fields.substr(type_end));
    std::size_t last_space = words.rfind(' ');
    if (last_space != std::string::npos) words.resize(last_space);  // the revision
    m_scsi_models.emplace_back(address, words);
    return;
  }
  // "sd 2:0:0:0: [sdc] Attached SCSI disk" (also removable ones)
  if (text.starts_with("sd ") && text.find("] Attached SCSI") != std::string_view::npos) {
    std::string_view rest = text.substr(3);
    std::size_t colon = rest.find(": [");
    if (colon == std::string_view::npos) return;
    std::string address(rest.substr(0, colon));
    std::string_view after = rest.substr(colon + 3);
    std::string name(after.substr(0, after.find(']')));
    std::string model;
    for (const auto& [known, known_model] : m_scsi_models)
      if (known == address) model = known_model;
    boot.disks.push_back({name, model});
    return;
  }
  for (std::string_view sign : k_trouble) {
    if (text.find(sign) != std::string_view::npos) {
      if (boot.problems.size() < k_max_problems) boot.problems.emplace_back(text);
      return;
    }
  }
}

std::string describe_disks(const BootRecord& boot) {
  std::string out;
  for (const auto& disk : boot.disks)
    out += (out.empty() ? "" : ", ") + disk.name + ": " + (disk.model.empty() ? "?" : disk.model);
  return out.empty() ? "no SCSI disk named on the console" : out;
}

}  // namespace imgbuild::vm
