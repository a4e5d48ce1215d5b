// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "iso/boot_report.hpp"
#include "iso/volume.hpp"
#include "remaster/secure_boot.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::remaster {

// What `imgbuild inspect` tells about an image: enough for a person to know what the
// disc will do when booted, and for verify to know which build id to expect.
struct InstallerDescription {
  std::string loader;        // "isolinux" or "grub"
  std::string label;
  std::string kernel;
  std::vector<std::string> initrds;
  std::string arch;
  bool graphical = false;
  bool unattended = false;   // imgbuild's own entry
};

// A secret answer of an embedded preseed: where it is and in what form, never its value
// (inspect shows the names so a disc carrying a password in the clear is noticed).
struct SecretAnswer {
  int line = 0;
  std::string question;
  std::string form;  // "plaintext", "crypted", "not a crypt(3) hash"
};

struct InitrdDescription {
  std::string path;
  bool has_preseed = false;
  std::optional<std::string> preseed_build_id;   // from the marker imgbuild put in it
  std::vector<SecretAnswer> preseed_secrets;
};

struct ImageDescription {
  std::string path;
  std::uint64_t size = 0;
  iso::VolumeInfo volume;
  iso::BootReport boot;
  std::vector<InstallerDescription> installers;
  std::vector<InitrdDescription> initrds;
  std::optional<std::string> build_id;           // /imgbuild/build-id
  std::optional<std::string> disk_info;          // /.disk/info
  bool has_md5sums = false;
  SecureBootChain secure_boot;                   // EFI programs and installer kernels, signed or not
};

ImageDescription describe(const std::string& iso_path);

std::string format_text(const ImageDescription& description);
std::string format_json(const ImageDescription& description);

}  // namespace imgbuild::remaster
