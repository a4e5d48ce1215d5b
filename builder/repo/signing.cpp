// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/signing.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <gpgme.h>

#include <clocale>
#include <ctime>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace imgbuild::repo {

namespace {

constexpr std::uint64_t k_max_key_file = 1 << 20;
constexpr std::uint64_t k_max_release = 64u << 20;

struct ContextDeleter {
  void operator()(gpgme_ctx_t ctx) const { gpgme_release(ctx); }
};
struct DataDeleter {
  void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
struct KeyDeleter {
  void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using Context = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, ContextDeleter>;
using Data = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;
using Key = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter>;

std::string error_text(gpgme_error_t err) { return gpgme_strerror(err); }

void initialise_gpgme() {
  static const bool ready = [] {
    gpgme_check_version(nullptr);
    gpgme_set_locale(nullptr, LC_CTYPE, std::setlocale(LC_CTYPE, nullptr));
    return true;
  }();
  (void)ready;
  if (gpgme_error_t err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP))
    throw Error("--sign-key", "GnuPG cannot be used: " + error_text(err), "apt-get install gnupg", 3);
}

// A context on `home` (empty: the user's GnuPG home, GNUPGHOME or ~/.gnupg). Offline: a
// build never looks anything up on a key server.
Context new_context(const std::string& home, gpgme_protocol_t protocol = GPGME_PROTOCOL_OpenPGP) {
  gpgme_ctx_t raw = nullptr;
  if (gpgme_error_t err = gpgme_new(&raw)) throw Error("--sign-key", "GPGME: " + error_text(err), "", 3);
  Context ctx(raw);
  gpgme_set_protocol(raw, protocol);
  if (!home.empty() && protocol == GPGME_PROTOCOL_OpenPGP)
    if (gpgme_error_t err = gpgme_ctx_set_engine_info(raw, protocol, nullptr, home.c_str()))
      throw Error(home, "GPGME cannot use this GnuPG home: " + error_text(err), "", 3);
  gpgme_set_offline(raw, 1);
  return ctx;
}

Data new_data() {
  gpgme_data_t raw = nullptr;
  if (gpgme_error_t err = gpgme_data_new(&raw)) throw Error("--sign-key", "GPGME: " + error_text(err), "", 3);
  return Data(raw);
}

Data data_from(const std::string& bytes) {
  gpgme_data_t raw = nullptr;
  if (gpgme_error_t err = gpgme_data_new_from_mem(&raw, bytes.data(), bytes.size(), 1))
    throw Error("--sign-key", "GPGME: " + error_text(err), "", 3);
  return Data(raw);
}

std::string bytes_of(gpgme_data_t data) {
  std::string out;
  gpgme_data_seek(data, 0, SEEK_SET);
  char buffer[8192];
  for (;;) {
    ssize_t n = gpgme_data_read(data, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// A secret key from a file must work without anyone typing: GnuPG asks through this
// callback (loopback pinentry), which records the question and declines it.
gpgme_error_t refuse_passphrase(void* asked, const char*, const char*, int, int) {
  *static_cast<bool*>(asked) = true;
  return gpg_error(GPG_ERR_CANCELED);
}

bool ends_with(const std::string& text, const char* tail) {
  std::string t(tail);
  return text.size() >= t.size() && text.compare(text.size() - t.size(), t.size(), t) == 0;
}

bool names_a_file(const std::string& key) {
  std::error_code ec;
  if (key.find('/') != std::string::npos || fs::exists(key, ec)) return true;
  for (const char* extension : {".asc", ".gpg", ".key", ".sec", ".pgp"})
    if (ends_with(key, extension)) return true;
  return false;
}

std::string date_of(long seconds) {
  std::time_t when = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &tm);
  return buffer;
}

bool is_classic_algorithm(gpgme_pubkey_algo_t algorithm) {
  switch (algorithm) {
    case GPGME_PK_RSA:
    case GPGME_PK_RSA_S:
    case GPGME_PK_DSA:
      return true;
    default:
      return false;
  }
}

}  // namespace

// A private GnuPG home for a key given as a file. The destructor stops the gpg-agent that
// GnuPG started for it (gpgconf --kill, spawned through GPGME), then util::TempDir removes
// the directory with the imported secret key (also on SIGINT/SIGTERM, through TempDir's
// registration; the agent then exits on its own when it sees its home disappear).
class TempGnupgHome {
 public:
  TempGnupgHome() : m_dir("gnupg") { ::chmod(m_dir.path().c_str(), 0700); }
  TempGnupgHome(const TempGnupgHome&) = delete;
  TempGnupgHome& operator=(const TempGnupgHome&) = delete;
  ~TempGnupgHome() {
    stop_agent();
    // gpgconf --kill returns before the agent has removed its sockets: removing the
    // directory meanwhile races with it and can leave the directory behind.
    fs::path socket = m_dir.path() / "S.gpg-agent";
    std::error_code ec;
    for (int i = 0; i < 200 && fs::exists(socket, ec); ++i) ::usleep(10'000);
    for (int attempt = 0; attempt < 3 && fs::exists(m_dir.path(), ec); ++attempt) fs::remove_all(m_dir.path(), ec);
  }
  std::string path() const { return m_dir.path().string(); }

 private:
  void stop_agent() noexcept {
    const char* gpgconf = gpgme_get_dirinfo("gpgconf-name");
    if (!gpgconf) return;
    gpgme_ctx_t raw = nullptr;
    if (gpgme_new(&raw)) return;
    Context ctx(raw);
    if (gpgme_set_protocol(raw, GPGME_PROTOCOL_SPAWN)) return;
    std::string home = path();
    const char* argv[] = {"gpgconf", "--homedir", home.c_str(), "--kill", "gpg-agent", nullptr};
    gpgme_op_spawn(raw, gpgconf, argv, nullptr, nullptr, nullptr, 0);
  }

  util::TempDir m_dir;
};

struct Signer::State {
  std::unique_ptr<TempGnupgHome> home;  // only for a key file
  std::string home_path;                // "" = the user's GnuPG home
  std::string source;
  std::string fingerprint;
  Key key;

  Context context() const { return new_context(home_path); }
  std::string sign(const std::string& text, gpgme_sig_mode_t mode) const;
};

namespace {

std::vector<Key> secret_keys_matching(gpgme_ctx_t ctx, const std::string& pattern, const std::string& subject) {
  std::vector<Key> keys;
  if (gpgme_error_t err = gpgme_op_keylist_start(ctx, pattern.empty() ? nullptr : pattern.c_str(), 1))
    throw Error(subject, "cannot list secret keys: " + error_text(err), "check the GnuPG home");
  for (;;) {
    gpgme_key_t raw = nullptr;
    gpgme_error_t err = gpgme_op_keylist_next(ctx, &raw);
    if (gpg_err_code(err) == GPG_ERR_EOF) break;
    if (err) {
      gpgme_op_keylist_end(ctx);
      throw Error(subject, "cannot list secret keys: " + error_text(err), "check the GnuPG home");
    }
    keys.emplace_back(raw);
  }
  gpgme_op_keylist_end(ctx);
  return keys;
}

// The refusals a key can earn before it signs anything: what apt would reject later.
void check_key_usable(gpgme_key_t key, const std::string& subject) {
  std::string id = key->fpr ? key->fpr : "?";
  if (key->revoked) throw Error(subject, "key " + id + " is revoked", "sign with a valid key");
  if (key->disabled) throw Error(subject, "key " + id + " is disabled", "enable it (gpg --edit-key, enable) or use another");
  if (key->expired) {
    std::string when = key->subkeys && key->subkeys->expires ? " on " + date_of(key->subkeys->expires) : "";
    throw Error(subject, "key " + id + " expired" + when,
                "extend it (gpg --quick-set-expire " + id + " 1y) or sign with another key");
  }
  if (key->invalid) throw Error(subject, "key " + id + " is not valid", "sign with another key");
  bool expired_signing_subkey = false;
  for (gpgme_subkey_t sub = key->subkeys; sub; sub = sub->next) {
    if (!sub->can_sign || sub->revoked || sub->disabled || sub->invalid) continue;
    if (sub->expired) {
      expired_signing_subkey = true;
      continue;
    }
    if (sub->secret) return;
  }
  if (expired_signing_subkey)
    throw Error(subject, "the signing subkey of " + id + " expired",
                "extend it (gpg --quick-set-expire " + id + " 1y '*') or sign with another key");
  throw Error(subject, "key " + id + " has no secret key that can sign",
              "give a key with a signing (sub)key whose secret part is available");
}

}  // namespace

std::string Signer::State::sign(const std::string& text, gpgme_sig_mode_t mode) const {
  Context ctx = context();
  gpgme_set_armor(ctx.get(), 1);
  gpgme_set_textmode(ctx.get(), 0);
  bool asked = false;
  if (home) {
    gpgme_set_pinentry_mode(ctx.get(), GPGME_PINENTRY_MODE_LOOPBACK);
    gpgme_set_passphrase_cb(ctx.get(), refuse_passphrase, &asked);
  }
  if (gpgme_error_t err = gpgme_signers_add(ctx.get(), key.get()))
    throw Error(source, "cannot sign with key " + fingerprint + ": " + error_text(err), "check the key");
  Data in = data_from(text);
  Data out = new_data();
  gpgme_error_t err = gpgme_op_sign(ctx.get(), in.get(), out.get(), mode);
  gpgme_sign_result_t result = gpgme_op_sign_result(ctx.get());
  if (asked || (home && gpg_err_code(err) == GPG_ERR_CANCELED))
    throw Error(source, "the secret key is protected by a passphrase, and a build asks no one for it",
                "give a copy without passphrase (made in a scratch GNUPGHOME with gpg --passwd), or import it "
                "into your keyring and pass its fingerprint with --sign-key");
  if (err || !result || result->invalid_signers || !result->signatures)
    throw Error(source, "GnuPG could not sign with key " + fingerprint + ": " +
                            error_text(err ? err : (result && result->invalid_signers ? result->invalid_signers->reason
                                                                                       : gpg_error(GPG_ERR_GENERAL))),
                "check that the secret key is usable (gpg --list-secret-keys " + fingerprint + ")");
  return bytes_of(out.get());
}

Signer::Signer(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Signer::Signer(Signer&&) noexcept = default;
Signer& Signer::operator=(Signer&&) noexcept = default;
Signer::~Signer() = default;

Signer Signer::open(const std::string& key) {
  if (key.empty()) throw Error("--sign-key", "is empty", "give a key id, a fingerprint or a secret key file");
  initialise_gpgme();
  auto state = std::make_unique<State>();
  state->source = key;
  std::vector<Key> keys;
  if (names_a_file(key)) {
    std::error_code ec;
    if (!fs::exists(key, ec))
      throw Error(key, "no such secret key file", "export one with gpg --export-secret-keys KEYID > FILE");
    std::string bytes = util::read_small_file(key, k_max_key_file, "secret key file");
    state->home = std::make_unique<TempGnupgHome>();
    state->home_path = state->home->path();
    Context ctx = state->context();
    bool asked = false;
    gpgme_set_pinentry_mode(ctx.get(), GPGME_PINENTRY_MODE_LOOPBACK);
    gpgme_set_passphrase_cb(ctx.get(), refuse_passphrase, &asked);
    Data in = data_from(bytes);
    gpgme_error_t err = gpgme_op_import(ctx.get(), in.get());
    gpgme_import_result_t result = gpgme_op_import_result(ctx.get());
    if (err || !result || result->considered == 0)
      throw Error(key, "not an OpenPGP secret key file" + (err ? " (" + error_text(err) + ")" : std::string()),
                  "export one with gpg --export-secret-keys KEYID > FILE");
    if (result->secret_imported == 0 && result->secret_unchanged == 0) {
      if (asked)
        throw Error(key, "the secret key is protected by a passphrase, and a build asks no one for it",
                    "give a copy without passphrase, or import it into your keyring and pass its fingerprint");
      throw Error(key, "holds a public key only, no secret key to sign with",
                  "export the secret key: gpg --export-secret-keys KEYID > FILE");
    }
    keys = secret_keys_matching(ctx.get(), "", key);
    if (keys.size() > 1)
      throw Error(key, "holds " + std::to_string(keys.size()) + " secret keys; which one signs is ambiguous",
                  "export only the signing key: gpg --export-secret-keys FINGERPRINT > FILE");
  } else {
    Context ctx = state->context();
    keys = secret_keys_matching(ctx.get(), key, key);
    if (keys.size() > 1)
      throw Error(key, std::to_string(keys.size()) + " secret keys in the keyring match this id",
                  "give the full fingerprint (gpg --list-secret-keys --with-colons)");
  }
  if (keys.empty())
    throw Error(key, state->home ? "holds no secret key" : "no secret key with this id in the keyring (GNUPGHOME or ~/.gnupg)",
                state->home ? "export the secret key: gpg --export-secret-keys KEYID > FILE"
                            : "gpg --list-secret-keys shows the ids; or give a secret key file");
  state->key = std::move(keys.front());
  state->fingerprint = state->key->fpr ? state->key->fpr : "";
  check_key_usable(state->key.get(), key);
  // One signature now, so that a key that cannot sign after all (a passphrase nobody
  // gives, a card that is absent) is refused before anything is staged.
  state->sign("imgbuild signing probe\n", GPGME_SIG_MODE_DETACH);
  return Signer(std::move(state));
}

const std::string& Signer::fingerprint() const { return m_state->fingerprint; }
const std::string& Signer::source() const { return m_state->source; }
bool Signer::from_file() const { return m_state->home != nullptr; }

std::string Signer::public_keyring() const {
  Context ctx = m_state->context();
  gpgme_set_armor(ctx.get(), 0);
  Data out = new_data();
  gpgme_key_t keys[] = {m_state->key.get(), nullptr};
  if (gpgme_error_t err = gpgme_op_export_keys(ctx.get(), keys, GPGME_EXPORT_MODE_MINIMAL, out.get()))
    throw Error(m_state->source, "cannot export the public key: " + error_text(err), "check the key", 3);
  std::string bytes = bytes_of(out.get());
  if (bytes.empty()) throw Error(m_state->source, "GnuPG exported an empty public key", "check the key", 3);
  return bytes;
}

std::string Signer::clearsign(const std::string& text) const { return m_state->sign(text, GPGME_SIG_MODE_CLEAR); }

std::string Signer::detached_signature(const std::string& text) const {
  return m_state->sign(text, GPGME_SIG_MODE_DETACH);
}

void Signer::check_usable_by_old_gpgv(const std::string& verifier) const {
  for (gpgme_subkey_t sub = m_state->key->subkeys; sub; sub = sub->next) {
    bool primary = sub == m_state->key->subkeys;
    if (!primary && !sub->can_sign) continue;
    if (is_classic_algorithm(sub->pubkey_algo)) continue;
    const char* name = gpgme_pubkey_algo_name(sub->pubkey_algo);
    throw Error(m_state->source,
                std::string(primary ? "key" : "signing subkey") + " " + (sub->fpr ? sub->fpr : m_state->fingerprint) +
                    " is " + (name ? name : "an ECC key") + ": " + verifier + " verifies RSA and DSA signatures only",
                "sign with an RSA key (gpg --quick-gen-key 'imgbuild repository' rsa3072 sign)");
  }
}

void sign_release(const fs::path& suite_dir, const Signer& signer) {
  fs::path release = suite_dir / "Release";
  std::string text = util::read_small_file(release.string(), k_max_release, "Release file");
  std::string clearsigned = signer.clearsign(text);
  std::string detached = signer.detached_signature(text);
  util::write_file_atomically((suite_dir / "InRelease").string(), clearsigned);
  util::write_file_atomically((suite_dir / "Release.gpg").string(), detached);
}

}  // namespace imgbuild::repo
