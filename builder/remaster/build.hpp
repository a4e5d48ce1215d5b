// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "iso/build_id.hpp"
#include "iso/writer.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::remaster {

struct BuildOptions {
  std::string base_path;
  std::string output_path;
  std::optional<std::string> preseed_path;
  std::vector<std::string> cdrom_overlays;    // trees merged at the ISO root
  std::vector<std::string> target_overlays;   // trees carried as /imgbuild/target
  // Directories of extra .debs, laid out as an apt repository inside the target overlay
  // (/var/lib/imgbuild/repo, suite "imgbuild", component "main") with a sources entry
  // (/etc/apt/sources.list.d/imgbuild.list), so the late_command can install them on a
  // server with no route to any mirror. Their dependencies must be met by the extras or
  // by the disc's own Packages indices. Signed or not: see sign_key below.
  std::vector<std::string> package_dirs;
  // How the target trusts that repository (remaster/package_trust.hpp): its Release signed
  // with this key (an id in the user's keyring, or an unprotected secret key file), or
  // explicitly unsigned. --packages needs one of the two.
  std::string sign_key;
  bool unsigned_packages = false;
  std::string kernel_args;                    // added to the unattended entry
  std::string arch;                           // "i386", "amd64" or "" (the menu's first)
  int timeout_seconds = 5;
  bool memtest = false;                       // add a memtest86+ entry (isolinux, GRUB on UEFI)
  int iso_level = 3;
  // How the output holds the base (iso/writer.hpp): append grows a new session onto a
  // clone of the base (time and bytes written follow the change), compact rewrites the
  // whole image (the smallest output).
  iso::Layout layout = iso::Layout::compact;
  std::optional<std::int64_t> source_date_epoch;
  std::string base_sha256;                    // checked before use when given
  std::string base_checksums;                 // MD5SUMS/SHA1SUMS/SHA256SUMS/SHA512SUMS file
  // Lint runs on the preseed before anything is written; errors stop the build.
  bool lint = true;
  // A password, passphrase or key in the clear (a plaintext answer, a "-crypted" one that
  // holds no crypt(3) hash, the same on --kernel-args) stops the build unless this is set.
  // Set or not, no such value reaches the build id, build.json or any message.
  bool allow_plaintext_password = false;
  std::function<void(const std::string& line)> lint_report;      // each diagnostic line
  // A rack's inventory (fleet/inventory.hpp, needs a preseed). Alone: one image for every
  // host, which picks its host at install time (remaster/hosts.hpp) and treats a machine
  // that is not listed as unknown_host says ("stop" or "dhcp"). With per_host_dir: one
  // image per host there instead (DIR/<hostname>.iso with that host's answers in its
  // preseed, and DIR/hosts.json), no output_path.
  std::string hosts_path;
  std::string unknown_host;  // "" means "stop"
  std::string per_host_dir;
};

struct HostImage {
  std::string hostname;
  std::string path;
  std::string build_id;
  std::uint64_t size = 0;
};

struct BuildResult {
  std::string build_id;
  std::uint64_t output_size = 0;
  std::vector<std::string> preseeded_initrds;   // ISO paths
  std::vector<std::string> rewritten_menus;     // ISO paths
  std::vector<std::string> notices;             // for stderr, whatever --quiet says
  std::vector<HostImage> host_images;           // build --per-host, in inventory order
};

// The whole `build`: checks the inputs, plans the changes, writes the image atomically.
// Throws Error (exit 2) for bad input before anything is written.
BuildResult build(const BuildOptions& options);

// The ISO paths imgbuild itself writes.
using iso::k_build_id_path;  // iso/build_id.hpp: how any image is recognised
inline constexpr const char* k_build_info_path = "/imgbuild/build.json";
inline constexpr const char* k_target_overlay_path = "/imgbuild/target";
inline constexpr const char* k_extras_repo_target_path = "/var/lib/imgbuild/repo";
inline constexpr const char* k_extras_suite = "imgbuild";
inline constexpr const char* k_per_host_index = "hosts.json";

}  // namespace imgbuild::remaster
