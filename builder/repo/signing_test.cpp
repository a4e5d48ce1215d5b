// SPDX-License-Identifier: GPL-2.0-or-later
// repo::Signer against independent tools: throwaway keys made by gpg in a scratch
// GnuPG home, every signature checked by gpgv (what apt runs) with a keyring of the one
// public key Signer exports.
#include "repo/signing.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace imgbuild;
using ::testing::HasSubstr;

namespace {

// Per process: ctest runs each test as its own process, in parallel. Short, because
// gpg-agent's socket path must fit in 108 bytes. Removed when the process ends.
const fs::path& scratch_root() {
  static const struct Root {
    fs::path path = fs::temp_directory_path() / ("imgbuild-sign-" + std::to_string(::getpid()));
    ~Root() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } root;
  return root.path;
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = scratch_root() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all);
  return dir;
}

std::string slurp(const fs::path& path) { return util::read_small_file(path.string()); }

void spit(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

int shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// A scratch GnuPG home with throwaway keys, none protected unless asked.
class KeyHome {
 public:
  explicit KeyHome(const std::string& name) : m_home(fresh_dir(name)) {}
  ~KeyHome() { shell("gpgconf --homedir " + quoted(m_home) + " --kill gpg-agent >/dev/null 2>&1"); }
  const fs::path& path() const { return m_home; }

  // Returns the new key's fingerprint. `extra` goes before the command (e.g. a faked time).
  std::string generate(const std::string& uid, const std::string& algorithm, const std::string& expiry = "0",
                       const std::string& passphrase = "", const std::string& extra = "") {
    std::string gpg = gpg_command(passphrase) + " " + extra;
    EXPECT_EQ(shell(gpg + " --quick-gen-key '" + uid + "' " + algorithm + " sign " + expiry + " >/dev/null 2>&1"), 0);
    fs::path listing = m_home / "listing";
    shell(gpg_command("") + " --with-colons --list-secret-keys '" + uid + "' >" + quoted(listing) + " 2>/dev/null");
    std::istringstream lines(slurp(listing));
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("fpr:", 0) == 0) return line.substr(12, 40);
    ADD_FAILURE() << "no fingerprint for " << uid;
    return {};
  }
  fs::path export_secret(const std::string& fingerprint, const std::string& file, const std::string& passphrase = "") {
    fs::path out = m_home.parent_path() / file;
    EXPECT_EQ(shell(gpg_command(passphrase) + " --export-secret-keys " + fingerprint + " >" + quoted(out) + " 2>/dev/null"), 0);
    EXPECT_GT(fs::file_size(out), 0u);
    return out;
  }
  fs::path export_public(const std::string& fingerprint, const std::string& file) {
    fs::path out = m_home.parent_path() / file;
    EXPECT_EQ(shell(gpg_command("") + " --export " + fingerprint + " >" + quoted(out) + " 2>/dev/null"), 0);
    return out;
  }

 private:
  std::string gpg_command(const std::string& passphrase) const {
    return "gpg --homedir " + quoted(m_home) + " --batch --pinentry-mode loopback --passphrase '" + passphrase + "'";
  }
  fs::path m_home;
};

const std::string k_release =
    "Origin: imgbuild\nLabel: imgbuild\nSuite: imgbuild\nCodename: imgbuild\n"
    "Date: Thu, 01 Jan 2026 00:00:00 UTC\nArchitectures: amd64\nComponents: main\n"
    "SHA256:\n 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08        5 main/binary-amd64/Packages\n";

// gpgv with exactly this keyring, as apt runs it for a Signed-By source.
int gpgv(const fs::path& keyring, const std::string& files) {
  return shell("gpgv --keyring " + quoted(keyring) + " " + files + " >/dev/null 2>&1");
}

int exit_code_of(const std::function<void()>& action, std::string* message) {
  try {
    action();
  } catch (const Error& e) {
    *message = e.what();
    return e.exit_code();
  }
  return 0;
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (m_old) ::setenv(m_name, m_old->c_str(), 1);
    else ::unsetenv(m_name);
  }

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

}  // namespace

TEST(Signer, KeyFileSignsReleaseThatGpgvAccepts) {
  KeyHome keys("keys");
  std::string fingerprint = keys.generate("imgbuild test <test@example.org>", "rsa2048");
  fs::path key_file = keys.export_secret(fingerprint, "test.key");
  // The user's keyring must stay untouched: point GNUPGHOME at an empty directory.
  fs::path user_home = fresh_dir("user-home");
  ScopedEnv gnupghome("GNUPGHOME", user_home.string());
  fs::path tmp = fresh_dir("tmp");
  ScopedEnv tmpdir("TMPDIR", tmp.string());
  fs::path suite = fresh_dir("dists");
  spit(suite / "Release", k_release);
  {
    repo::Signer signer = repo::Signer::open(key_file.string());
    EXPECT_EQ(signer.fingerprint(), fingerprint);
    EXPECT_TRUE(signer.from_file());
    // While it is open, the imported key lives in a private home under TMPDIR.
    EXPECT_FALSE(fs::is_empty(tmp));
    repo::sign_release(suite, signer);
    spit(suite.parent_path() / "keyring.gpg", signer.public_keyring());
    signer.check_usable_by_old_gpgv("gpgv 1.4");  // RSA: no throw
  }
  EXPECT_TRUE(fs::is_empty(user_home)) << "the user's GnuPG home was written to";
  for (const auto& left : fs::recursive_directory_iterator(tmp))
    ADD_FAILURE() << "the temporary GnuPG home was left behind: " << left.path();

  fs::path keyring = suite.parent_path() / "keyring.gpg";
  // A binary keyring (not armoured), holding the public key only.
  std::string ring = slurp(keyring);
  ASSERT_FALSE(ring.empty());
  EXPECT_EQ(ring.find("-----BEGIN"), std::string::npos);
  EXPECT_EQ(shell("gpg --homedir " + quoted(user_home) + " --batch --show-keys --with-colons " + quoted(keyring) +
                  " 2>/dev/null | grep -q '^sec'"),
            1);
  std::string inrelease = slurp(suite / "InRelease");
  EXPECT_EQ(inrelease.rfind("-----BEGIN PGP SIGNED MESSAGE-----\n", 0), 0u);
  EXPECT_THAT(inrelease, HasSubstr(k_release));
  EXPECT_THAT(slurp(suite / "Release.gpg"), HasSubstr("-----BEGIN PGP SIGNATURE-----"));
  EXPECT_EQ(gpgv(keyring, quoted(suite / "InRelease")), 0);
  EXPECT_EQ(gpgv(keyring, quoted(suite / "Release.gpg") + " " + quoted(suite / "Release")), 0);

  // A changed Release: both signatures fail.
  spit(suite / "Release", k_release + "X: y\n");
  EXPECT_NE(gpgv(keyring, quoted(suite / "Release.gpg") + " " + quoted(suite / "Release")), 0);
  std::string tampered = inrelease;
  tampered.replace(tampered.find("amd64"), 5, "i386 ");
  spit(suite / "InRelease.tampered", tampered);
  EXPECT_NE(gpgv(keyring, quoted(suite / "InRelease.tampered")), 0);

  // Another key's keyring does not verify them.
  std::string other = keys.generate("other <other@example.org>", "ed25519");
  fs::path other_ring = keys.export_public(other, "other.gpg");
  EXPECT_NE(gpgv(other_ring, quoted(suite / "InRelease")), 0);
}

TEST(Signer, KeyringKeyByFingerprintAndShortId) {
  KeyHome keys("keys");
  std::string fingerprint = keys.generate("keyring test <kr@example.org>", "ed25519");
  ScopedEnv gnupghome("GNUPGHOME", keys.path().string());
  for (const std::string& id : {fingerprint, fingerprint.substr(24), std::string("kr@example.org")}) {
    repo::Signer signer = repo::Signer::open(id);
    EXPECT_FALSE(signer.from_file());
    EXPECT_EQ(signer.fingerprint(), fingerprint);
    fs::path dir = fresh_dir("kr");
    spit(dir / "keyring.gpg", signer.public_keyring());
    spit(dir / "InRelease", signer.clearsign(k_release));
    EXPECT_EQ(gpgv(dir / "keyring.gpg", quoted(dir / "InRelease")), 0) << id;
  }
}

TEST(Signer, EccKeysAreRefusedForOldGpgv) {
  KeyHome keys("keys");
  std::string fingerprint = keys.generate("ecc <ecc@example.org>", "ed25519");
  ScopedEnv gnupghome("GNUPGHOME", keys.path().string());
  repo::Signer signer = repo::Signer::open(fingerprint);
  std::string message;
  EXPECT_EQ(exit_code_of([&] { signer.check_usable_by_old_gpgv("Etch's apt 0.6"); }, &message), 2);
  EXPECT_THAT(message, HasSubstr("Etch's apt 0.6"));
  EXPECT_THAT(message, HasSubstr("RSA"));
}

TEST(Signer, RefusesKeysThatCannotSign) {
  KeyHome keys("keys");
  std::string good = keys.generate("good <good@example.org>", "ed25519");
  std::string expired = keys.generate("expired <expired@example.org>", "ed25519", "1d", "",
                                      "--faked-system-time 20200101T000000");
  std::string protected_key = keys.generate("protected <protected@example.org>", "ed25519", "0", "s3cret");
  fs::path protected_file = keys.export_secret(protected_key, "protected.key", "s3cret");
  fs::path expired_file = keys.export_secret(expired, "expired.key");
  fs::path public_file = keys.export_public(good, "public.gpg");
  fs::path garbage = keys.path().parent_path() / "garbage.key";
  spit(garbage, "this is not a key\n");
  std::string another = keys.generate("another <another@example.org>", "ed25519");
  fs::path two_keys = keys.path().parent_path() / "two.key";
  spit(two_keys, slurp(keys.export_secret(good, "good.key")) + slurp(keys.export_secret(another, "another.key")));

  fs::path tmp = fresh_dir("tmp");
  ScopedEnv tmpdir("TMPDIR", tmp.string());
  ScopedEnv gnupghome("GNUPGHOME", keys.path().string());
  struct Case {
    std::string key;
    std::string expected;
  };
  const Case cases[] = {
      {"0123456789ABCDEF0123456789ABCDEF01234567", "no secret key with this id"},
      {"nobody@example.org", "no secret key with this id"},
      {expired, "expired"},
      {(keys.path().parent_path() / "missing.key").string(), "no such secret key file"},
      {public_file.string(), "public key only"},
      {garbage.string(), "not an OpenPGP secret key"},
      {protected_file.string(), "passphrase"},
      {expired_file.string(), "expired"},
      {two_keys.string(), "2 secret keys"},
      {"example.org", "secret keys in the keyring match"},
      {"", "empty"},
  };
  for (const auto& c : cases) {
    std::string message;
    EXPECT_EQ(exit_code_of([&] { repo::Signer::open(c.key); }, &message), 2) << c.key;
    EXPECT_THAT(message, HasSubstr(c.expected)) << c.key;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  for (const auto& left : fs::recursive_directory_iterator(tmp))
    ADD_FAILURE() << "a refused key file left its temporary GnuPG home behind: " << left.path();
}

TEST(Signer, SignReleaseNeedsARelease) {
  KeyHome keys("keys");
  std::string fingerprint = keys.generate("r <r@example.org>", "ed25519");
  ScopedEnv gnupghome("GNUPGHOME", keys.path().string());
  repo::Signer signer = repo::Signer::open(fingerprint);
  fs::path dir = fresh_dir("empty-suite");
  EXPECT_THROW(repo::sign_release(dir, signer), Error);
  EXPECT_FALSE(fs::exists(dir / "InRelease"));
  EXPECT_FALSE(fs::exists(dir / "Release.gpg"));
}
