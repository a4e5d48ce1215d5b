// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/secureboot.hpp"

#include "vm/markers.hpp"

#include <algorithm>
#include <initializer_list>

namespace imgbuild::vm {

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string trimmed(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return std::string(line);
}

}  // namespace

std::string_view secure_boot_state_name(SecureBootState state) {
  switch (state) {
    case SecureBootState::NotReported: return "not reported";
    case SecureBootState::On: return "on";
    case SecureBootState::Off: return "off";
    case SecureBootState::Bios: return "bios";
    case SecureBootState::Unknown: return "unknown";
  }
  return "unknown";
}

SecureBootState parse_secure_boot_state(std::string_view detail) {
  if (detail == "on") return SecureBootState::On;
  if (detail == "off") return SecureBootState::Off;
  if (detail == "bios") return SecureBootState::Bios;
  return SecureBootState::Unknown;
}

std::optional<Refusal> secure_boot_refusal(std::string_view line) {
  // The words: from where the message starts to the end of the phrase that names the
  // refusal, blanks collapsed (shim's box pads its text with them).
  auto refusal = [&](const char* stage, std::initializer_list<std::string_view> starts, std::string_view phrase) {
    std::size_t end = line.find(phrase) + phrase.size();
    std::size_t begin = std::string_view::npos;
    for (auto start : starts) begin = std::min(begin, line.rfind(start, end - phrase.size()));
    if (begin == std::string_view::npos) begin = end - phrase.size();
    std::string words;
    for (char c : line.substr(begin, end - begin))
      if (c != ' ' || (!words.empty() && words.back() != ' ')) words.push_back(c == '\t' ? ' ' : c);
    return Refusal{stage, trimmed(words)};
  };
  // OVMF's BdsDxe names the boot option it could not start and EFI_ACCESS_DENIED, which
  // DxeImageVerificationLib returns for an image whose signature db does not trust.
  if (contains(line, "BdsDxe") && contains(line, "Access Denied"))
    return refusal("firmware", {"BdsDxe"}, "Access Denied");
  // shim's verify_buffer: "Verification failed: (0x1A) Security Violation", drawn in a
  // box; then "Failed to load image: Security Violation" and "start_image() returned ...".
  if (contains(line, "Security Violation"))
    return refusal("shim", {"Verification failed", "Failed to load image", "start_image"}, "Security Violation");
  // GRUB's shim_lock verifier (grub-core/kern/efi/sb.c).
  if (contains(line, "bad shim signature")) return refusal("GRUB", {"error:"}, "bad shim signature");
  // The kernel, locked down by Secure Boot, refusing a module without a trusted signature.
  if (contains(line, "Lockdown:") && contains(line, "unsigned module loading is restricted"))
    return refusal("kernel", {"Lockdown:"}, "unsigned module loading is restricted");
  for (std::string_view phrase : {"Loading of unsigned module is rejected", "Loading of module with unavailable key is rejected"})
    if (contains(line, phrase)) return refusal("kernel", {}, phrase);
  return std::nullopt;
}

std::optional<Refusal> find_secure_boot_refusal(std::string_view raw) {
  // Pieces end at CR, LF and at cursor moves (CSI ... H or f): shim and the firmware
  // draw at screen positions, so one "line" can hold a whole dialog box.
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= raw.size(); ++i) {
    bool end = i == raw.size() || raw[i] == '\n' || raw[i] == '\r';
    std::size_t next = i + 1;
    if (!end && raw[i] == 0x1b && i + 1 < raw.size() && raw[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < raw.size() && ((raw[j] >= '0' && raw[j] <= '9') || raw[j] == ';')) ++j;
      if (j < raw.size() && (raw[j] == 'H' || raw[j] == 'f')) {
        end = true;
        next = j + 1;
      }
    }
    if (!end) continue;
    if (auto refusal = secure_boot_refusal(strip_terminal_codes(raw.substr(begin, i - begin)))) return refusal;
    begin = next;
    i = next - 1;
  }
  return std::nullopt;
}

}  // namespace imgbuild::vm
