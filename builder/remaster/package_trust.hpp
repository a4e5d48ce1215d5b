// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// How the installed system comes to trust the repository of extra packages that
// `build --packages` carries (remaster/build.cpp stages it in the target overlay):
//
//  --sign-key KEYID|FILE  the Release is signed (InRelease, Release.gpg; repo/signing.hpp)
//      and the public key goes into the target as a binary keyring,
//      /usr/share/keyrings/imgbuild-local.gpg. Releases whose apt knows Signed-By (1.1 and
//      later: Debian 9 on, so Debian 12 and 13) name it on the source,
//        deb [signed-by=/usr/share/keyrings/imgbuild-local.gpg] file:/var/lib/imgbuild/repo imgbuild main
//      so the key vouches for this repository and nothing else. Etch's apt 0.6 (and
//      Lenny's 0.7) read only /etc/apt/trusted.gpg: there the late_command runs
//      `in-target apt-key add` on the keyring, and the source is a plain `deb` line.
//      Etch's gpgv (GnuPG 1.4) checks RSA and DSA only: an ECC key is refused for them.
//  --unsigned-packages    the old behaviour, asked for by name: [trusted=yes] on the
//      source (Etch and Lenny: a plain line, allow_unauthenticated covers it), reported
//      on stderr and in build.json.
//  neither                an Error: an unsigned repository is not a default.

#include "remaster/build.hpp"

#include <filesystem>
#include <string>

namespace imgbuild::remaster {

inline constexpr const char* k_extras_keyring_target_path = "/usr/share/keyrings/imgbuild-local.gpg";
inline constexpr const char* k_extras_sources_target_path = "/etc/apt/sources.list.d/imgbuild.list";

struct PackageTrust {
  std::string fingerprint;   // of the signing key; empty when unsigned
  std::string apt_key_file;  // target path the late_command gives `apt-key add`; empty: none
  std::string id_field;      // stands for the signatures in the build id (they carry a time)
  std::string notice;        // a line for stderr when the repository is unsigned
};

// Refuses --sign-key/--unsigned-packages without --packages, both at once, and
// --packages with neither. Runs before anything is read or written.
void check_package_trust_options(const BuildOptions& options);

// Whether the target's apt predates Signed-By and sources.list.d keys (Etch, Lenny).
bool release_has_old_apt(const std::string& release);

// Signs `suite_dir`/Release when options.sign_key is set (Error for a key that cannot
// sign; see repo::Signer::open), writes the keyring and the sources entry under
// `target_stage` (the staged root of the installed system), files 0644, new
// directories 0755.
PackageTrust publish_package_trust(const BuildOptions& options, const std::string& release,
                                   const std::filesystem::path& target_stage, const std::filesystem::path& suite_dir);

}  // namespace imgbuild::remaster
