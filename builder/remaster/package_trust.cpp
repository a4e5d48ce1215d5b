// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/package_trust.hpp"

#include "repo/signing.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <sys/stat.h>

namespace fs = std::filesystem;

namespace imgbuild::remaster {

namespace {

// Writes a file of the staged target tree; the directories it needs are created 0755,
// the mode every staged tree has (normalised_mode).
void write_target_file(const fs::path& target_stage, const std::string& target_path, const std::string& content) {
  fs::path relative = fs::path(target_path).relative_path();
  fs::path dir = target_stage;
  for (const auto& part : relative.parent_path()) {
    dir /= part;
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
  }
  util::write_file_atomically((target_stage / relative).string(), content, 0644);
}

}  // namespace

void check_package_trust_options(const BuildOptions& options) {
  if (options.package_dirs.empty()) {
    if (!options.sign_key.empty())
      throw Error("--sign-key", "only means something with --packages (it signs their repository)",
                  "add --packages DIR, or drop --sign-key");
    if (options.unsigned_packages)
      throw Error("--unsigned-packages", "only means something with --packages", "add --packages DIR, or drop it");
    return;
  }
  if (!options.sign_key.empty() && options.unsigned_packages)
    throw Error("--unsigned-packages", "contradicts --sign-key", "keep one of them");
  if (options.sign_key.empty() && !options.unsigned_packages)
    throw Error("--packages", "the repository of extra packages would be unsigned, and the target would trust it blindly",
                "sign it with --sign-key KEYID|FILE, or accept that with --unsigned-packages");
}

bool release_has_old_apt(const std::string& release) { return release == "etch" || release == "lenny"; }

PackageTrust publish_package_trust(const BuildOptions& options, const std::string& release,
                                   const fs::path& target_stage, const fs::path& suite_dir) {
  check_package_trust_options(options);
  const bool old_apt = release_has_old_apt(release);
  const std::string repository = std::string("file:") + k_extras_repo_target_path + " " + k_extras_suite + " main";
  PackageTrust trust;
  std::string source;
  if (!options.sign_key.empty()) {
    repo::Signer signer = repo::Signer::open(options.sign_key);
    if (old_apt) signer.check_usable_by_old_gpgv("the " + release + " target's apt (gpgv of GnuPG 1.4)");
    repo::sign_release(suite_dir, signer);
    write_target_file(target_stage, k_extras_keyring_target_path, signer.public_keyring());
    trust.fingerprint = signer.fingerprint();
    trust.id_field = "extras-signed-by:" + trust.fingerprint;
    if (old_apt) {
      trust.apt_key_file = k_extras_keyring_target_path;
      source = "deb " + repository;
    } else {
      source = std::string("deb [signed-by=") + k_extras_keyring_target_path + "] " + repository;
    }
  } else {
    trust.id_field = "extras-unsigned";
    // Etch's apt (0.6) knows no [trusted=yes]: there the installer's allow_unauthenticated
    // setting covers the unsigned Release.
    source = std::string("deb ") + (old_apt ? "" : "[trusted=yes] ") + repository;
    trust.notice = std::string("--unsigned-packages: the installed system trusts ") + k_extras_repo_target_path +
                   " without any signature" + (old_apt ? "" : " ([trusted=yes])");
  }
  write_target_file(target_stage, k_extras_sources_target_path,
                    "# Extra packages carried on the installation disc by imgbuild build --packages.\n" + source + "\n");
  return trust;
}

}  // namespace imgbuild::remaster
