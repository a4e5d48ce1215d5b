// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The UEFI Secure Boot chain of a disc: the EFI programs the firmware may start (in the
// El Torito EFI image, and under /EFI on the ISO tree), and the installer kernels GRUB
// loads, each with its Authenticode signatures. inspect shows it; build uses it to warn
// when a change would break the chain of a signed base.

#include "efi/authenticode.hpp"
#include "util/json_document.hpp"

#include <optional>
#include <string>
#include <vector>

namespace imgbuild::iso {
class Reader;
}

namespace imgbuild::remaster {

struct ChainBinary {
  std::string kind;                    // "efi" (an EFI program) or "kernel" (an installer kernel)
  std::optional<std::string> image;    // the ISO path of the FAT image holding it; nullopt: on the ISO tree
  std::string path;                    // inside that image, or on the ISO
  std::optional<efi::PeSignatures> pe; // nullopt when it could not be read as a PE file
  std::string error;                   // why not
};

struct SecureBootChain {
  std::optional<std::string> efi_image;  // the El Torito EFI image's ISO path
  std::string efi_image_error;           // when the disc has one but it cannot be read
  std::vector<ChainBinary> binaries;
  // The program the firmware starts (EFI/boot/boot*.efi of the EFI image) carries a
  // signature: the disc is meant to boot under Secure Boot.
  bool loader_signed = false;
};

// `el_torito`: the boot catalog as iso::read_boot_report gives it; `kernels`: the ISO
// paths of the installer kernels the disc's menus name.
SecureBootChain read_secure_boot_chain(const iso::Reader& reader, const std::vector<std::string>& el_torito,
                                       const std::vector<std::string>& kernels);

// The El Torito EFI image's ISO path from the boot catalog report, nullopt when there is
// none (or it is hidden from the ISO tree).
std::optional<std::string> efi_boot_image_path(const std::vector<std::string>& el_torito);

// Whether a file's last bytes carry the kernel module signature marker; for compressed
// modules (.ko.xz, .ko.zst) the marker is inside: nullopt.
std::optional<bool> kernel_module_signed(const std::string& local_path);

std::string format_chain_text(const SecureBootChain& chain);
util::Json chain_to_json(const SecureBootChain& chain);

// "/boot/grub/efi.img:/EFI/boot/bootx64.efi" or "/EFI/boot/bootx64.efi".
std::string chain_location(const ChainBinary& binary);

}  // namespace imgbuild::remaster
