// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Signs a repository's Release file with GPGME (the only place imgbuild includes gpgme.h):
//
//   <dists>/<suite>/InRelease     the Release, clearsigned (what modern apt reads first)
//   <dists>/<suite>/Release.gpg   a detached, ASCII-armoured signature (what Etch's apt reads)
//
// The key comes either from the user's keyring (GNUPGHOME or ~/.gnupg; "--sign-key KEYID",
// an id, fingerprint or user id naming exactly one secret key) or from a file holding one
// unprotected secret key ("--sign-key FILE"), imported into a private, temporary GnuPG home
// that is removed afterwards; the user's keyring is then never read or written.
//
//   repo::Signer signer = repo::Signer::open("/secure/imgbuild-repo.key");
//   signer.check_usable_by_old_gpgv("Etch's apt 0.6 (gpgv 1.4)");   // when the target is old
//   repo::sign_release(staging / "dists/imgbuild", signer);
//   std::string keyring = signer.public_keyring();                  // for Signed-By / apt-key
//
// Every refusal (no such key, several keys, no secret part, expired, revoked, a secret key
// that needs a passphrase) is an Error (exit 2) thrown by open(), before anything is written.

#include <filesystem>
#include <memory>
#include <string>

namespace imgbuild::repo {

class Signer {
 public:
  // `key` is a file when it contains a '/', exists, or ends in .asc/.gpg/.key/.sec/.pgp;
  // otherwise a key id, fingerprint or user id looked up among the secret keys of the
  // user's keyring.
  static Signer open(const std::string& key);

  Signer(Signer&&) noexcept;
  Signer& operator=(Signer&&) noexcept;
  ~Signer();

  // The primary key's fingerprint (40 hex digits for a v4 key).
  const std::string& fingerprint() const;
  // What the user gave (the id or the file), for messages.
  const std::string& source() const;
  bool from_file() const;

  // The public key as a binary OpenPGP keyring (the format of /usr/share/keyrings/*.gpg,
  // read by apt's Signed-By, gpgv --keyring and apt-key add): the primary key, its user
  // ids and subkeys with their self-signatures only.
  std::string public_keyring() const;

  // The clearsigned text (InRelease) and an armoured detached signature (Release.gpg).
  std::string clearsign(const std::string& text) const;
  std::string detached_signature(const std::string& text) const;

  // GnuPG 1.4 (Etch's and Lenny's gpgv) verifies RSA and DSA signatures only: an ECC key
  // (Ed25519, ECDSA) is refused with an Error naming `verifier`.
  void check_usable_by_old_gpgv(const std::string& verifier) const;

 private:
  struct State;
  explicit Signer(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

// Writes InRelease and Release.gpg beside `suite_dir`/Release (atomically each), signed by
// `signer`. Throws Error when there is no Release.
void sign_release(const std::filesystem::path& suite_dir, const Signer& signer);

}  // namespace imgbuild::repo
