// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// UEFI Secure Boot as the console shows it: the state the installer reports
// (IMGBUILD:secureboot:<state>, written by the preseed's early_command) and the words
// each verifier of the boot chain prints when it refuses a binary. Pure: tested with
// recorded console lines.

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::vm {

// What the installer found: on/off from the kernel (its "secureboot: Secure boot
// enabled|disabled" line, or the SecureBoot EFI variable), bios when it did not boot
// through UEFI, unknown when it could not tell; NotReported when no marker came (an
// image built without the marker, or a run that stopped before the preseed).
enum class SecureBootState { NotReported, On, Off, Bios, Unknown };

std::string_view secure_boot_state_name(SecureBootState state);
// The marker's detail: "on", "off", "bios"; anything else is Unknown.
SecureBootState parse_secure_boot_state(std::string_view detail);

// A binary refused by the boot chain, and by whom.
struct Refusal {
  std::string stage;  // "firmware" (OVMF), "shim", "GRUB", "kernel"
  std::string words;  // the console line that says so
};

// Recognises one console line (terminal codes removed):
//   firmware  OVMF's boot manager: "BdsDxe: failed to load Boot0001 ...: Access Denied"
//             (the loader is not signed by a key in db)
//   shim      "Verification failed: (0x1A) Security Violation" (GRUB not signed by a key
//             shim trusts, or changed)
//   GRUB      "error: bad shim signature." (a kernel shim's verifier refused)
//   kernel    lockdown refusing a module: "Lockdown: ...: unsigned module loading is
//             restricted", "Loading of unsigned module is rejected"
// nullopt for anything else.
// `words` runs from the start of the message to the end of its phrase, blanks collapsed.
std::optional<Refusal> secure_boot_refusal(std::string_view line);

// The first refusal in raw console output (terminal codes, CR/LF, cursor moves: shim
// draws its error as a box at screen positions, with no newline until a key is pressed),
// or nullopt. Only complete phrases count, so a message split across reads is found once
// its end has arrived.
std::optional<Refusal> find_secure_boot_refusal(std::string_view raw);

}  // namespace imgbuild::vm
