// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/lint.hpp"
#include "preseed/questions.hpp"
#include "util/error.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace imgbuild;
using namespace imgbuild::preseed;

namespace {

// A small question set, so each test shows exactly what it relies on.
QuestionSet small_set() {
  return parse_question_list(
      "# test list\n"
      "partman-auto/method\tstring\n"
      "partman-auto/choose_recipe\tselect\n"
      "partman/confirm\tboolean\n"
      "partman/choose_partition\tselect\n"
      "partman-partitioning/confirm_write_new_label\tboolean\n"
      "passwd/root-password\tpassword\n"
      "passwd/root-password-crypted\tpassword\n"
      "passwd/make-user\tboolean\n"
      "mirror/country\tstring\n"
      "mirror/http/hostname\tstring\n"
      "pkgsel/upgrade\tselect\tnone\tsafe-upgrade\tfull-upgrade\n"
      "apt-setup/services-select\tmultiselect\tsecurity\tupdates\tbackports\n"
      "apt-setup/local*/repository\t-\n"
      "netcfg/get_hostname\tstring\n"
      "preseed/late_command\tstring\n"
      "preseed/early_command\tstring\n"
      "keyboard-configuration/xkb-keymap\tselect\n"
      "console-keymaps-at/keymap\tselect\n"
      "base-installer/kernel/image\t-\n"
      "tasksel/first\tmultiselect\n",
      "test.txt");
}

std::vector<Diagnostic> run(const std::string& text, const std::string& release = "",
                            const QuestionSet& set = small_set()) {
  LintOptions options;
  options.release = release;
  return lint(parse(text, "p.cfg"), set, options);
}

// Only the diagnostics about lines (the unanswered-question checks need a release).
std::vector<std::string> lines_of(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.line > 0) out.push_back(format(d));
  return out;
}

bool mentions(const std::vector<Diagnostic>& ds, int line, Severity severity, const std::string& text) {
  for (const auto& d : ds)
    if (d.line == line && d.severity == severity && format(d).find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(Lint, CleanPreseedHasNoLineDiagnostics) {
  auto ds = run("d-i partman-auto/method string regular\n"
                "d-i pkgsel/upgrade select none\n"
                "d-i apt-setup/services-select multiselect security, updates\n"
                "d-i apt-setup/local0/repository string http://x/debian stable main\n"
                "d-i partman-auto/choose_recipe select atomic\n");
  EXPECT_TRUE(lines_of(ds).empty()) << lines_of(ds)[0];
}

TEST(Lint, SyntaxProblemsAreErrorsOrWarnings) {
  auto ds = run("d-i justtwo\n  # indented comment here\n");
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "template name"));
  EXPECT_TRUE(mentions(ds, 2, Severity::warning, "indented comment"));
}

TEST(Lint, UnknownQuestionSuggestsTheNearestName) {
  auto ds = run("d-i partman-auto/metod string regular\n"
                "d-i netcfg/hostname string x\n"
                "d-i partman/confirm_write_new_label boolean true\n"
                "d-i totally/unknown string x\n"
                "some-package some-package/question string x\n");
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "did you mean partman-auto/method?"));
  EXPECT_TRUE(mentions(ds, 2, Severity::error, "did you mean netcfg/get_hostname?"));
  EXPECT_TRUE(mentions(ds, 3, Severity::error, "partman-partitioning/confirm_write_new_label"));
  EXPECT_TRUE(mentions(ds, 4, Severity::warning, "unknown question totally/unknown"));
  EXPECT_EQ(lines_of(ds).size(), 4u);  // nothing about some-package's own question
}

TEST(Lint, WrongTypeAndBooleanValues) {
  auto ds = run("d-i partman/confirm boolean yes\n"
                "d-i passwd/make-user string false\n"
                "d-i passwd/root-password string secret\n"
                "d-i mirror/country select manual\n"  // string vs select: the installer ignores types
                "d-i partman/confirm seen maybe\n"
                "d-i netcfg/dhcp_timeout string 60\n",  // a "text" template in Etch
                "", [] {
                  QuestionSet set = small_set();
                  set.add({"netcfg/dhcp_timeout", "text", {}});
                  return set;
                }());
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "neither true nor false"));
  EXPECT_TRUE(mentions(ds, 2, Severity::warning, "is a boolean question, given as string"));
  EXPECT_TRUE(mentions(ds, 3, Severity::warning, "is a password question"));
  EXPECT_FALSE(mentions(ds, 4, Severity::warning, "given as"));
  EXPECT_TRUE(mentions(ds, 5, Severity::error, "\"seen\" line takes true or false"));
  EXPECT_TRUE(mentions(ds, 3, Severity::warning, "plaintext root password"));
  EXPECT_EQ(lines_of(ds).size(), 5u);
}

TEST(Lint, ValuesOutsideKnownChoices) {
  auto ds = run("d-i pkgsel/upgrade select safe_upgrade\n"
                "d-i apt-setup/services-select multiselect security, volatile\n"
                "tasksel tasksel/first multiselect anything, goes\n");
  // Warnings: the installer's code may still accept a value its menu does not offer.
  EXPECT_TRUE(mentions(ds, 1, Severity::warning, "'safe_upgrade' is not a choice of pkgsel/upgrade"));
  EXPECT_TRUE(mentions(ds, 1, Severity::warning, "none, safe-upgrade, full-upgrade"));
  EXPECT_TRUE(mentions(ds, 2, Severity::warning, "'volatile' is not a choice"));
  EXPECT_FALSE(mentions(ds, 2, Severity::warning, "'security'"));
  EXPECT_EQ(lines_of(ds).size(), 2u);
  // choose-mirror uses a preseeded suite as it is (Etch's find_suite() too).
  QuestionSet set = small_set();
  set.add({"mirror/suite", "select", {"stable", "testing", "unstable"}});
  EXPECT_TRUE(lines_of(run("d-i mirror/suite string etch\n", "etch", set)).empty());
}

TEST(Lint, DuplicatesNameBothLines) {
  auto ds = run("d-i preseed/late_command string one\n"
                "d-i mirror/country string manual\n"
                "d-i preseed/late_command seen true\n"
                "d-i mirror/country string DE\n"
                "d-i preseed/late_command string two\n");
  EXPECT_TRUE(mentions(ds, 5, Severity::error, "also set on line 1: this later line silently wins"));
  EXPECT_TRUE(mentions(ds, 4, Severity::warning, "also set on line 2"));
  EXPECT_EQ(lines_of(ds).size(), 2u);
}

TEST(Lint, EtchPitfalls) {
  std::string text =
      "d-i partman-auto/choose_recipe select atomic\n"
      "d-i partman/early_command string true\n"
      "d-i apt-setup/local0/repository string deb http://x/ etch main\n"
      "d-i keyboard-configuration/xkb-keymap select us\n"
      "d-i base-installer/kernel/image string linux-image-2.6-686-bigmem\n"
      "d-i preseed/late_command string in-target apt-get install linux-headers-$(uname -r)\n"
      "d-i mirror/country string manual\n"
      "d-i partman/choose_partition select finish\n";
  auto ds = run(text, "etch");
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "use: All files in one partition (recommended for new users)"));
  EXPECT_TRUE(mentions(ds, 2, Severity::error, "does not exist in Etch"));
  EXPECT_TRUE(mentions(ds, 3, Severity::error, "must not start with 'deb'"));
  EXPECT_TRUE(mentions(ds, 4, Severity::error, "console-keymaps-at/keymap"));
  EXPECT_TRUE(mentions(ds, 5, Severity::warning, "CPU"));
  EXPECT_TRUE(mentions(ds, 6, Severity::warning, "uname -r"));
  EXPECT_TRUE(mentions(ds, 7, Severity::error, "enter information manually"));
  EXPECT_TRUE(mentions(ds, 8, Severity::warning, "Finish partitioning and write changes to disk"));
  // None of these is a pitfall on a modern installer.
  auto modern = run(text, "bookworm");
  for (int line = 1; line <= 8; ++line)
    EXPECT_FALSE(mentions(modern, line, Severity::error, "Etch")) << line;
}

TEST(Lint, ModernPitfalls) {
  auto ds = run("d-i console-keymaps-at/keymap select us\n"
                "d-i mirror/country string enter information manually\n",
                "bookworm");
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "keyboard-configuration/xkb-keymap"));
  EXPECT_TRUE(mentions(ds, 2, Severity::error, "use: manual"));
  auto etch = run("d-i console-keymaps-at/keymap select us\n", "etch");
  EXPECT_TRUE(lines_of(etch).empty());
}

// Debian 13 has no i386 installer or kernel: a preseed installing a 686 kernel is refused
// with that reason; the same lines are fine for Debian 12, and amd64 is fine for 13.
TEST(Lint, TrixieRefusesAnI386Install) {
  const std::string text = "d-i base-installer/kernel/image string linux-image-686-pae\n"
                           "d-i pkgsel/include string openssh-server linux-image-686\n";
  auto ds = run(text, "trixie");
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "Debian 13 has no i386 installer and no i386 kernel"));
  EXPECT_TRUE(mentions(ds, 2, Severity::error, "no i386 installer"));
  EXPECT_TRUE(has_errors(ds));
  // (pkgsel/include is not in the small set: "unknown question" warnings only.)
  EXPECT_FALSE(has_errors(run(text, "bookworm")));
  EXPECT_FALSE(has_errors(run("d-i base-installer/kernel/image string linux-image-amd64\n"
                              "d-i pkgsel/include string openssh-server\n",
                              "trixie")));
}

TEST(Lint, PlaintextPasswordNamesTheCryptedForm) {
  auto ds = run("d-i passwd/root-password password r00tme\n");
  EXPECT_TRUE(mentions(ds, 1, Severity::warning, "passwd/root-password-crypted"));
  EXPECT_TRUE(lines_of(run("d-i passwd/root-password-crypted password $6$x$y\n")).empty());
}

TEST(Lint, QuestionsStillAskedAtCriticalPriority) {
  auto file_level = [](const std::vector<Diagnostic>& ds) {
    std::string all;
    for (const auto& d : ds)
      if (d.line == 0) all += format(d) + "\n";
    return all;
  };
  std::string empty = file_level(run("", "bookworm"));
  for (const char* what : {"partman-auto/method", "root password", "mirror/http/hostname",
                           "tasksel/first", "grub-installer/bootdev"})
    EXPECT_NE(empty.find(what), std::string::npos) << what << "\n" << empty;

  std::string answered = file_level(run(
      "d-i partman-auto/method string regular\n"
      "d-i partman-partitioning/confirm_write_new_label boolean true\n"
      "d-i partman/choose_partition select finish\n"
      "d-i partman/confirm boolean true\n"
      "d-i passwd/root-password-crypted password $6$x$y\n"
      "d-i passwd/make-user boolean false\n"
      "d-i mirror/country string manual\n"
      "d-i mirror/http/hostname string deb.debian.org\n"
      "tasksel tasksel/first multiselect\n"
      "d-i grub-installer/bootdev string default\n",
      "bookworm"));
  EXPECT_EQ(answered, "");

  std::string partial = file_level(run("d-i partman-auto/method string lvm\n", "bookworm"));
  EXPECT_NE(partial.find("partman/confirm is not true"), std::string::npos);
  EXPECT_NE(partial.find("partman-lvm/confirm"), std::string::npos);

  // Etch: GRUB goes to (hd0) with only_debian; the disk must be named; old mirror keys.
  std::string etch = file_level(run("d-i grub-installer/only_debian boolean true\n"
                                    "d-i partman-auto/method string regular\n"
                                    "d-i mirror/http/hostname string archive.debian.org\n",
                                    "etch"));
  EXPECT_EQ(etch.find("GRUB"), std::string::npos);
  EXPECT_NE(etch.find("partman-auto/disk"), std::string::npos);
  EXPECT_NE(etch.find("allow_unauthenticated"), std::string::npos);
  EXPECT_NE(etch.find("apt-setup/security_host"), std::string::npos);
}

TEST(Lint, FormatAndOrdering) {
  Diagnostic d{"a.cfg", 3, Severity::error, "bad thing", "do this"};
  EXPECT_EQ(format(d), "a.cfg:3: error: bad thing (do this)");
  d.line = 0;
  d.hint.clear();
  d.severity = Severity::warning;
  EXPECT_EQ(format(d), "a.cfg: warning: bad thing");
  auto ds = run("d-i b/b string x\nd-i a/a string x\n", "bookworm");
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds.front().line, 1);
  EXPECT_EQ(ds.back().line, 0);
  EXPECT_TRUE(has_errors({Diagnostic{"f", 1, Severity::error, "m", ""}}));
  EXPECT_FALSE(has_errors({Diagnostic{"f", 1, Severity::warning, "m", ""}}));
}

// ---------------------------------------------------------------------------- question sets

TEST(Questions, TemplatesFileAndTemplatesDat) {
  QuestionSet set = parse_templates_dat(
      "Template: pkgsel/upgrade\n"
      "Type: select\n"
      "__Choices: No automatic updates, Install security updates automatically\n"
      "Choices-C: none, safe-upgrade, full-upgrade\n"
      "Choices-de.UTF-8: Nein, Ja\n"
      "Description: What?\n"
      " Long text: with a colon\n"
      "\n"
      "Name: debian-installer/locale\n"
      "Type: select\n"
      "Choices: ${LOCALELIST}\n"
      "\n"
      "Template: x/escaped\n"
      "Type: multiselect\n"
      "Choices: a\\, b, c\n");
  const Question* q = set.find("pkgsel/upgrade");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, "select");
  EXPECT_EQ(q->choices, (std::vector<std::string>{"none", "safe-upgrade", "full-upgrade"}));
  q = set.find("debian-installer/locale");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->choices.empty());
  EXPECT_EQ(set.find("x/escaped")->choices, (std::vector<std::string>{"a, b", "c"}));
}

TEST(Questions, PatternsAndNamespaces) {
  QuestionSet set = small_set();
  EXPECT_NE(set.find("apt-setup/local0/repository"), nullptr);
  EXPECT_NE(set.find("apt-setup/local12/repository"), nullptr);
  EXPECT_EQ(set.find("apt-setup/local0/x/repository"), nullptr);
  EXPECT_EQ(set.find("apt-setup/local/repository"), nullptr);
  EXPECT_TRUE(set.knows_namespace("partman-auto/anything"));
  EXPECT_FALSE(set.knows_namespace("grub-pc/install_devices"));
  EXPECT_THROW(parse_question_list("no-tab-here\n", "bad.txt"), Error);
}

TEST(Questions, GuessReleaseFromDiskInfo) {
  EXPECT_EQ(guess_release("Debian GNU/Linux 4.0 r9 \"Etch\" - Official i386 NETINST Binary-1 20100405-21:42"), "etch");
  EXPECT_EQ(guess_release("Debian GNU/Linux 5.0.10 \"Lenny\" - Official amd64 NETINST"), "lenny");
  EXPECT_EQ(guess_release("Debian GNU/Linux 12.8.0 \"Bookworm\" - Official amd64 NETINST with firmware"), "bookworm");
  EXPECT_EQ(guess_release("Debian GNU/Linux 12.x amd64"), "bookworm");
  EXPECT_EQ(guess_release("Debian GNU/Linux 13.1.0 \"Trixie\" - Official amd64"), "trixie");
  EXPECT_EQ(guess_release("Debian GNU/Linux 11.5.0 \"Bullseye\""), "");
  EXPECT_EQ(guess_release("Ubuntu 22.04"), "");
}

TEST(Questions, ShippedListsLoadAndKnowTheirRelease) {
  setenv("IMGBUILD_DATA_DIR", IMGBUILD_SOURCE_DIR, 1);
  for (const std::string& release : known_releases()) {
    QuestionSet set = builtin_questions(release);
    EXPECT_GT(set.size(), 800u) << release;
    EXPECT_NE(set.find("preseed/late_command"), nullptr) << release;
    EXPECT_NE(set.find("tasksel/first"), nullptr) << release;
    EXPECT_NE(set.find("apt-setup/local0/repository"), nullptr) << release;
  }
  EXPECT_NE(builtin_questions("etch").find("console-keymaps-at/keymap"), nullptr);
  EXPECT_EQ(builtin_questions("etch").find("keyboard-configuration/xkb-keymap"), nullptr);
  EXPECT_EQ(builtin_questions("etch").find("partman/early_command"), nullptr);
  EXPECT_NE(builtin_questions("bookworm").find("keyboard-configuration/xkb-keymap"), nullptr);
  EXPECT_NE(builtin_questions("bookworm").find("partman/early_command"), nullptr);
  EXPECT_NE(builtin_questions("lenny").find("partman/early_command"), nullptr);
  // Debian 13's list comes from its own installer's templates.
  EXPECT_NE(builtin_questions("trixie").find("auto-install/cloak_initrd_preseed"), nullptr);
  EXPECT_EQ(builtin_questions("bookworm").find("auto-install/cloak_initrd_preseed"), nullptr);
  EXPECT_EQ(builtin_questions("trixie").find("mouse/protocol"), nullptr);
  EXPECT_THROW(builtin_questions("sarge"), Error);
}

TEST(Lint, EmptyQuestionSetReportsNoUnknownQuestions) {
  auto ds = run("d-i anything/at-all string x\nd-i partman/confirm boolean maybe\n", "", QuestionSet{});
  EXPECT_TRUE(lines_of(ds).empty()) << lines_of(ds)[0];
}

TEST(Lint, PitfallReplacesTheUnknownQuestionDiagnostic) {
  auto ds = run("d-i partman/early_command string true\n", "etch",
                parse_question_list("partman/confirm\tboolean\npreseed/early_command\tstring\n", "t"));
  ASSERT_EQ(lines_of(ds).size(), 1u) << lines_of(ds)[0];
  EXPECT_TRUE(mentions(ds, 1, Severity::error, "does not exist in Etch"));
}

TEST(Lint, EtchLoaderPitfalls) {
  std::string text = "d-i partman/confirm boolean true\n  \nd-i preseed/late_command string echo a\\\nb\n";
  auto etch = run(text, "etch");
  EXPECT_TRUE(mentions(etch, 2, Severity::error, "only blanks"));
  EXPECT_TRUE(mentions(etch, 4, Severity::warning, "glues"));
  EXPECT_TRUE(lines_of(run(text, "bookworm")).empty());
}
