// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Secret answers of a preseed (passwords, passphrases, WPA keys): which lines hold one,
// whether it is a crypt(3) hash or a plaintext, and the text with the values withheld,
// so that nothing imgbuild writes besides the disc itself (build id, build.json, lint and
// inspect output, error messages) can carry a password.

#include "preseed/preseed.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::preseed {

// What replaces a secret value wherever imgbuild shows or hashes a preseed.
inline constexpr std::string_view k_secret_placeholder = "<secret withheld by imgbuild>";

enum class Secret {
  none,        // not a secret, or an empty one (nothing to withhold)
  plaintext,   // the password itself: passwd/root-password, netcfg/wireless_wpa, ...
  crypted,     // a "-crypted" answer holding a crypt(3) hash
  not_a_hash,  // a "-crypted" answer whose value is no crypt(3) hash: as exposed as a plaintext
};

// A line is a secret when its type is "password" (debconf's type for every question of
// this kind), or when it answers a question known to hold one: the installer ignores the
// type field, so "d-i passwd/root-password string x" sets the root password all the same.
// "seen" lines set a flag, never a value.
Secret classify(const Entry& entry);

// The questions known to hold a secret, whatever the type of the line answering them.
bool is_secret_question(std::string_view question);

// Plaintext and malformed crypted values: what must not leave the disc.
inline bool in_clear(Secret secret) { return secret == Secret::plaintext || secret == Secret::not_a_hash; }

// A crypt(3) hash as passwd/shadow take it: $1$ (MD5), $5$/$6$ (SHA-256/512, with an
// optional rounds= field), $y$ and $gy$ (yescrypt), $7$ (scrypt), $2a$/$2b$/$2y$
// (bcrypt), a 13-character traditional DES hash, and the same behind the "!" / "*" of a
// locked account ("!" or "*" alone lock it). Lengths are not checked beyond bcrypt's cost:
// a test hash like "$6$salt$hash" is structurally a hash, and the point here is to catch a
// password typed where its hash belongs. Leading/trailing blanks are ignored.
bool is_crypt_hash(std::string_view value);

// The "-crypted" question that replaces a plaintext one ("passwd/root-password-again" ->
// "passwd/root-password-crypted"); empty when the question has no crypted form.
std::string crypted_form_of(std::string_view question);

enum class Redact {
  in_clear,  // plaintext and malformed crypted values (what a build id may not depend on)
  all,       // crypted hashes too (what is shown to a person)
};

// The preseed text with the value of every such secret replaced by k_secret_placeholder.
// Every other byte is kept, and so is a secret line up to its value. A secret continued
// over several physical lines becomes one line "owner question type <placeholder>" (its
// comment and blank lines stay). Returns `text` unchanged when nothing is withheld.
// Throws what parse() throws.
std::string redact(std::string_view text, const std::string& file, Redact which);

// Kernel command-line preseeding ("passwd/root-password=x", "owner:question=x", quoted
// values): the same classification and redaction for --kernel-args, where there is no
// type field (the question name decides).
struct KernelArgSecret {
  std::string question;
  Secret secret = Secret::none;
};
std::vector<KernelArgSecret> kernel_arg_secrets(std::string_view args);
std::string redact_kernel_args(std::string_view args, Redact which);

}  // namespace imgbuild::preseed
