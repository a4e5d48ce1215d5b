// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/lint.hpp"
#include "preseed/secrets.hpp"
#include "util/error.hpp"

#include <gtest/gtest.h>

using namespace imgbuild;
using namespace imgbuild::preseed;

namespace {

// Real hashes of "Sekr1t" (openssl passwd, glibc crypt), one per scheme.
const char* const k_good_hashes[] = {
    "$1$abcdefgh$7cnvLVaSaxV/nfIUW0/Xv0",
    "$5$abcdefgh$wbIqDRba7LFt4eTH/xbKqzyzeqy6RlO7HkSeSGKQyQ7",
    "$6$abcdefgh$Z7dreVkU2G3XzDu3iGfDj3DrMqEM9woyte9wPrKwXImW75ZEFmrhVBvd9wW3teX.2x8FgMqkBtzVdXSmonhjs.",
    "$6$rounds=5000$abcdefgh$Z7dreVkU2G3XzDu3iGfDj3DrMqEM9woyte9wPrKwXImW75ZEFmrhVBvd9wW3teX.2x8FgMqkBtzVdXSmonhjs.",
    "$y$j9T$abcdefghijklmnop$NtcgAlfZ16VtqZutex74P956EaHfG.7asQYs.vrxOt3",
    "$gy$j9T$abcdefghijklmnop$6xxdgxguYsLVqa845b34lmQslWoViyg8Cqy375aCWZ0",
    "$7$CU..../....abcdefgh$8TPIgw4lzDkI36MsIXPofN7GBA4LF80dfgTazZKl.j3",
    "$2b$10$abcdefghijklmnopqrstuuupmzm0VA69kCf1IpAEvddRGtU/.bwGK",
    "$2a$10$abcdefghijklmnopqrstuuupmzm0VA69kCf1IpAEvddRGtU/.bwGK",
    "$2y$10$abcdefghijklmnopqrstuuupmzm0VA69kCf1IpAEvddRGtU/.bwGK",
    "ab/zlbXn4.A5E",                         // traditional DES
    "!$6$abcdefgh$Z7dreVkU2G3XzDu3iGfDj3DrMqEM9woyte9wPrKwXImW75ZEFmrhVBvd9wW3teX.2x8FgMqkBtzVdXSmonhjs.",
    "*ab/zlbXn4.A5E",
    "!",                                     // locked, no password
    "*",
    "$6$salt$hash",                          // the shape of a hash (test preseeds use it)
    "  $1$abcdefgh$7cnvLVaSaxV/nfIUW0/Xv0 ",  // blanks around it are not part of it
};

const char* const k_bad_hashes[] = {
    "Sekr1t-Pw-4711",
    "",
    "   ",
    "correct horse battery staple",
    "$6$onlysalt",                       // no hash field
    "$6$$hash",                          // empty salt field
    "$6$salt$",                          // empty hash
    "$6$salt$hash$",                     // trailing empty field
    "$9$salt$hash",                      // unknown scheme
    "$md5$salt$hash",
    "$6$salt$has h",                     // a blank inside
    "$6$salt$hash!",                     // not in the crypt alphabet
    "$6$sa=lt$hash=",                    // "=" only in parameter fields, not in the hash
    "$2b$1$abcdefghijklmnopqrstuuupmzm0VA69kCf1IpAEvddRGtU/.bwGK",  // bcrypt cost is two digits
    "$2b$10$tooshort",
    "ab/zlbXn4.A5",                      // 12 characters: no DES hash
    "ab/zlbXn4.A5EE",                    // 14
    "ab/zlbXn4.A5!",
    "!Sekr1t",                           // locked, but what follows is no hash
    "$",
    "$$",
};

Entry entry(std::string owner, std::string question, std::string type, std::string value) {
  Entry e;
  e.owner = std::move(owner);
  e.question = std::move(question);
  e.type = std::move(type);
  e.value = std::move(value);
  e.line = e.end_line = 1;
  return e;
}

}  // namespace

TEST(Secrets, CryptHashesAreRecognised) {
  for (const char* hash : k_good_hashes) EXPECT_TRUE(is_crypt_hash(hash)) << hash;
  for (const char* value : k_bad_hashes) EXPECT_FALSE(is_crypt_hash(value)) << value;
}

TEST(Secrets, ClassifiedByTypeOrByKnownQuestion) {
  const std::string hash = k_good_hashes[2];
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password", "password", "x")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password-again", "password", "x")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "passwd/user-password", "password", "x y")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password-crypted", "password", hash)), Secret::crypted);
  EXPECT_EQ(classify(entry("d-i", "passwd/user-password-crypted", "password", "Sekr1t")), Secret::not_a_hash);
  EXPECT_EQ(classify(entry("d-i", "grub-installer/password-crypted", "password", hash)), Secret::crypted);
  EXPECT_EQ(classify(entry("d-i", "grub-installer/password", "password", "x")), Secret::plaintext);
  // Any "password" line is one, whoever owns it.
  EXPECT_EQ(classify(entry("mysql-server", "mysql-server/root_password", "password", "x")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "netcfg/wireless_wpa", "password", "x")), Secret::plaintext);
  // The installer ignores the type: a known secret question is one whatever it says.
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password", "string", "x")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "netcfg/wireless_wpa", "string", "x")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "partman-crypto/passphrase", "string", "x")), Secret::plaintext);
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password-crypted", "string", "x")), Secret::not_a_hash);
  // Nothing to withhold.
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password", "password", "")), Secret::none);
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password-crypted", "password", "")), Secret::none);
  EXPECT_EQ(classify(entry("d-i", "passwd/root-password", "seen", "true")), Secret::none);
  EXPECT_EQ(classify(entry("d-i", "passwd/root-login", "boolean", "false")), Secret::none);
  EXPECT_EQ(classify(entry("d-i", "passwd/username", "string", "admin")), Secret::none);
  // Etch's grub-installer/password-crypted is a boolean flag, not a hash.
  EXPECT_EQ(classify(entry("d-i", "grub-installer/password-crypted", "boolean", "true")), Secret::none);
  EXPECT_TRUE(in_clear(Secret::plaintext));
  EXPECT_TRUE(in_clear(Secret::not_a_hash));
  EXPECT_FALSE(in_clear(Secret::crypted));
  EXPECT_FALSE(in_clear(Secret::none));
}

TEST(Secrets, CryptedFormOfAPlaintextQuestion) {
  EXPECT_EQ(crypted_form_of("passwd/root-password"), "passwd/root-password-crypted");
  EXPECT_EQ(crypted_form_of("passwd/root-password-again"), "passwd/root-password-crypted");
  EXPECT_EQ(crypted_form_of("passwd/user-password-again"), "passwd/user-password-crypted");
  EXPECT_EQ(crypted_form_of("grub-installer/password"), "grub-installer/password-crypted");
  EXPECT_EQ(crypted_form_of("netcfg/wireless_wpa"), "");
  EXPECT_EQ(crypted_form_of("partman-crypto/passphrase"), "");
}

TEST(Secrets, RedactKeepsEveryOtherByte) {
  const std::string hash = k_good_hashes[2];
  std::string text =
      "#_preseed_V1\n"
      "# d-i passwd/root-password password commented-out stays\n"
      "d-i passwd/root-password password Sekr1t-Pw-4711\n"
      "d-i\tpasswd/root-password-again\t\tpassword   Sekr1t-Pw-4711  \n"
      "   d-i  passwd/user-password  password two words\r\n"
      "d-i passwd/user-password-crypted password " + hash + "\n"
      "d-i passwd/root-password seen true\n"
      "d-i passwd/username string admin\t\n"
      "d-i netcfg/wireless_wpa string wpa-key-1\n"
      "\n"
      "d-i preseed/late_command string echo hi";  // no newline at the end
  std::string in_clear =
      "#_preseed_V1\n"
      "# d-i passwd/root-password password commented-out stays\n"
      "d-i passwd/root-password password <secret withheld by imgbuild>\n"
      "d-i\tpasswd/root-password-again\t\tpassword   <secret withheld by imgbuild>\n"
      "   d-i  passwd/user-password  password <secret withheld by imgbuild>\r\n"
      "d-i passwd/user-password-crypted password " + hash + "\n"
      "d-i passwd/root-password seen true\n"
      "d-i passwd/username string admin\t\n"
      "d-i netcfg/wireless_wpa string <secret withheld by imgbuild>\n"
      "\n"
      "d-i preseed/late_command string echo hi";
  EXPECT_EQ(redact(text, "p.cfg", Redact::in_clear), in_clear);
  std::string all = in_clear;
  all.replace(all.find(hash), hash.size(), k_secret_placeholder);
  EXPECT_EQ(redact(text, "p.cfg", Redact::all), all);
}

TEST(Secrets, RedactWithNothingToWithholdIsTheIdentity) {
  std::string text = "d-i passwd/root-password-crypted password $6$salt$hash\r\n\n  \nd-i a/b string \\\n c\n";
  EXPECT_EQ(redact(text, "p.cfg", Redact::in_clear), text);
  EXPECT_EQ(redact("", "p.cfg", Redact::all), "");
}

TEST(Secrets, RedactContinuedSecretBecomesOneLine) {
  std::string text =
      "d-i a/b string before\n"
      "d-i passwd/root-password password \\\n"
      "# a comment between the lines stays\n"
      "   Sekr1t-\\\n"
      "\n"
      "Pw-4711\n"
      "d-i \\\n"
      "  passwd/user-password \\\n"
      "  password other-secret\n"
      "d-i c/d string after \\\n"
      "  continued\n";
  std::string want =
      "d-i a/b string before\n"
      "d-i passwd/root-password password <secret withheld by imgbuild>\n"
      "# a comment between the lines stays\n"
      "\n"
      "d-i passwd/user-password password <secret withheld by imgbuild>\n"
      "d-i c/d string after \\\n"
      "  continued\n";
  std::string got = redact(text, "p.cfg", Redact::in_clear);
  EXPECT_EQ(got, want);
  // What the installer would read from the redacted text: the same answers, values withheld.
  Preseed before = parse(text, "p.cfg"), after = parse(got, "p.cfg");
  ASSERT_EQ(before.entries.size(), after.entries.size());
  for (std::size_t i = 0; i < before.entries.size(); ++i) {
    EXPECT_EQ(before.entries[i].question, after.entries[i].question);
    EXPECT_EQ(before.entries[i].type, after.entries[i].type);
    if (classify(before.entries[i]) == Secret::none)
      EXPECT_EQ(before.entries[i].value, after.entries[i].value);
    else
      EXPECT_EQ(after.entries[i].value, k_secret_placeholder);
  }
}

TEST(Secrets, RedactRebuildsALineWithACarriageReturnInside) {
  // parse() drops every CR: "pass\rword" is the type "password" to the installer.
  std::string text = "d-i passwd/root-password pass\rword Sekr1t\n";
  EXPECT_EQ(redact(text, "p.cfg", Redact::in_clear), "d-i passwd/root-password password <secret withheld by imgbuild>\n");
}

TEST(Secrets, RedactRejectsWhatParseRejects) {
  EXPECT_THROW(redact(std::string("d-i a/b string x\0y\n", 19), "p.cfg", Redact::all), Error);
}

TEST(Secrets, KernelArguments) {
  std::string args = "auto=true passwd/root-password=Sekr1t d-i:passwd/user-password=\"two words\" "
                     "passwd/root-password-crypted=$6$salt$hash netcfg/wireless_wpa= quiet";
  auto found = kernel_arg_secrets(args);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].question, "passwd/root-password");
  EXPECT_EQ(found[0].secret, Secret::plaintext);
  EXPECT_EQ(found[1].question, "passwd/user-password");
  EXPECT_EQ(found[2].secret, Secret::crypted);
  EXPECT_EQ(redact_kernel_args(args, Redact::in_clear),
            "auto=true passwd/root-password=<secret withheld by imgbuild> "
            "d-i:passwd/user-password=<secret withheld by imgbuild> "
            "passwd/root-password-crypted=$6$salt$hash netcfg/wireless_wpa= quiet");
  EXPECT_EQ(redact_kernel_args("auto=true priority=critical", Redact::all), "auto=true priority=critical");
  EXPECT_EQ(kernel_arg_secrets("passwd/root-password-crypted=Sekr1t")[0].secret, Secret::not_a_hash);
}

TEST(Secrets, LintErrorForACryptedAnswerThatIsNoHash) {
  auto ds = lint(parse("d-i passwd/root-password-crypted password Sekr1t-Pw-4711\n"
                       "d-i passwd/user-password-crypted password $6$abcdefgh$Z7dreVkU2G3XzDu3\n",
                       "p.cfg"),
                 QuestionSet(), {});
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(format(ds[0]),
            "p.cfg:1: error: passwd/root-password-crypted does not hold a crypt(3) hash "
            "(generate one with openssl passwd -6 (or -1 for Etch))");
}

// The hint names a hash the target can read: Etch's glibc has no SHA-512 crypt.
TEST(Secrets, LintHintFitsTheRelease) {
  auto preseed = parse("d-i passwd/root-password password Sekr1t-Pw-4711\n", "p.cfg");
  LintOptions etch;
  etch.release = "etch";
  LintOptions bookworm;
  bookworm.release = "bookworm";
  auto hint_for = [&](const LintOptions& options) {
    for (const auto& d : lint(preseed, QuestionSet(), options))
      if (d.message.find("plaintext root password") != std::string::npos) return d.hint;
    return std::string("(no plaintext warning)");
  };
  EXPECT_EQ(hint_for(etch),
            "use passwd/root-password-crypted with a hash from openssl passwd -1 (MD5: Etch's glibc has no SHA-512 crypt)");
  EXPECT_EQ(hint_for(bookworm), "use passwd/root-password-crypted with a hash from openssl passwd -6");
}

// Lint output ends up in build logs: a secret's value appears in no message, wherever
// it is put (a password typed for a boolean, a select, a "seen" flag, an Etch pitfall).
TEST(Secrets, LintNeverShowsASecretValue) {
  const std::string secret = "Sekr1t-Pw-4711";
  std::string text =
      "d-i passwd/root-password password " + secret + "\n"
      "d-i passwd/root-password-again password " + secret + "\n"
      "d-i passwd/root-password-crypted password " + secret + "\n"
      "d-i passwd/user-password string " + secret + "\n"
      "d-i partman/confirm password " + secret + "\n"
      "d-i pkgsel/upgrade password " + secret + "\n"
      "d-i apt-setup/services-select password security, " + secret + "\n"
      "d-i passwd/root-password seen " + secret + "\n"
      "d-i partman-auto/choose_recipe password " + secret + "\n"
      "d-i apt-setup/security_host password " + secret + "\n"
      "d-i mirror/country password " + secret + "\n"
      "d-i passwd/root-password password " + secret + "\n";
  QuestionSet set = parse_question_list(
      "partman/confirm\tboolean\npkgsel/upgrade\tselect\tnone\tsafe-upgrade\n"
      "apt-setup/services-select\tmultiselect\tsecurity\tupdates\npasswd/root-password\tpassword\n"
      "passwd/user-password\tpassword\npasswd/root-password-crypted\tpassword\n",
      "test.txt");
  std::size_t total = 0;
  for (const char* release : {"", "etch", "bookworm"}) {
    auto ds = lint(parse(text, "p.cfg"), set, {release});
    total += ds.size();
    for (const auto& d : ds) EXPECT_EQ(format(d).find(secret), std::string::npos) << format(d);
  }
  EXPECT_GT(total, 20u);  // the checks ran and had plenty to say
}
