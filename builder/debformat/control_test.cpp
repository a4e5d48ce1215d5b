// SPDX-License-Identifier: GPL-2.0-or-later
#include "debformat/control.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <apt-pkg/tagfile.h>

#include <cstdlib>

using namespace imgbuild;
using debformat::compare_versions;

TEST(Versions, DpkgOrdering) {
  EXPECT_EQ(compare_versions("1.0", "1.0"), 0);
  EXPECT_LT(compare_versions("1.0", "1.1"), 0);
  EXPECT_LT(compare_versions("1.9", "1.10"), 0);       // numeric, not lexical
  EXPECT_LT(compare_versions("1.0~rc1", "1.0"), 0);    // ~ before the end
  EXPECT_LT(compare_versions("1.0~~", "1.0~"), 0);
  EXPECT_GT(compare_versions("1.0a", "1.0"), 0);
  EXPECT_LT(compare_versions("1.0a", "1.0+"), 0);      // letters before other symbols
  EXPECT_GT(compare_versions("1:0.1", "9.9"), 0);      // epoch wins
  EXPECT_EQ(compare_versions("0:1.2-3", "1.2-3"), 0);  // epoch 0 is no epoch
  EXPECT_LT(compare_versions("1.2-3", "1.2-10"), 0);   // revision numeric
  EXPECT_LT(compare_versions("1.2-3", "1.2-3.1"), 0);
  EXPECT_EQ(compare_versions("1.01", "1.1"), 0);       // leading zeros
  EXPECT_LT(compare_versions("2.6.18.dfsg.1-26etch2", "2.6.18.dfsg.1-26etch10"), 0);
  EXPECT_GT(compare_versions("2.36.1-8+deb11u1", "2.36.1-8"), 0);
}

TEST(Versions, Satisfies) {
  EXPECT_TRUE(debformat::version_satisfies("2.0", ">=", "1.5"));
  EXPECT_FALSE(debformat::version_satisfies("2.0", "<<", "2.0"));
  EXPECT_TRUE(debformat::version_satisfies("2.0", "<=", "2.0"));
  EXPECT_TRUE(debformat::version_satisfies("2.0-1", "=", "2.0-1"));
  EXPECT_FALSE(debformat::version_satisfies("2.0-1", ">>", "2.0-1"));
  EXPECT_TRUE(debformat::version_satisfies("anything", "", ""));
}

TEST(Relations, ParsesAlternativesVersionsAndQualifiers) {
  auto groups = debformat::parse_relations(
      "libc6 (>= 2.34), python3:any, foo | bar (<< 3~) , baz,\n perl (> 5), old (< 1), e (=1:2.0-1)", "t");
  ASSERT_EQ(groups.size(), 7u);
  EXPECT_EQ(groups[0][0].name, "libc6");
  EXPECT_EQ(groups[0][0].op, ">=");
  EXPECT_EQ(groups[0][0].version, "2.34");
  EXPECT_EQ(groups[1][0].name, "python3");
  ASSERT_EQ(groups[2].size(), 2u);
  EXPECT_EQ(groups[2][1].to_string(), "bar (<< 3~)");
  EXPECT_EQ(groups[3][0].to_string(), "baz");
  EXPECT_EQ(groups[4][0].op, ">=");  // obsolete ">" reads as ">=", as dpkg and apt read it
  EXPECT_EQ(groups[5][0].op, "<=");  // obsolete "<" as "<="
  EXPECT_EQ(groups[6][0].to_string(), "e (= 1:2.0-1)");
  EXPECT_EQ(debformat::parse_relations("a, b,", "t").size(), 2u);  // a trailing comma is fine
  EXPECT_TRUE(debformat::parse_relations("  ", "t").empty());
}

// An Etch package's fields as they were written then (Pre-Depends, "<<"/">=" with epochs
// and "etch" revisions, obsolete "<"), read as apt 0.6 read them.
TEST(Relations, EtchEraFields) {
  auto groups = debformat::parse_relations(
      "libc6 (>= 2.3.6-6), libssl0.9.8 (>= 0.9.8c-1), debconf (>= 0.5) | debconf-2.0, "
      "adduser, lsb-base (>= 3.0-6), dpkg (< 1.13.25)", "etch.deb");
  ASSERT_EQ(groups.size(), 6u);
  EXPECT_EQ(groups[2][1].name, "debconf-2.0");
  EXPECT_EQ(groups[5][0].to_string(), "dpkg (<= 1.13.25)");
  EXPECT_TRUE(debformat::version_satisfies("2.3.6.ds1-13etch10", ">=", "2.3.6-6"));
  EXPECT_FALSE(debformat::version_satisfies("0.9.8c-1", ">>", "0.9.8c-1"));
}

TEST(Relations, MalformedIsAnErrorNamingTheFile) {
  try {
    debformat::parse_relations("foo (>= )", "x.deb");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), "x.deb");
    EXPECT_EQ(e.exit_code(), 2);
  }
  EXPECT_THROW(debformat::parse_relations("foo (~> 1)", "x.deb"), Error);  // apt alone reads "= ~> 1"
  EXPECT_THROW(debformat::parse_relations("foo (>= 1 2)", "x.deb"), Error);  // apt alone reads "1 2"
  EXPECT_THROW(debformat::parse_relations("foo (>= 1", "x.deb"), Error);
  EXPECT_THROW(debformat::parse_relations("foo bar", "x.deb"), Error);
  EXPECT_THROW(debformat::parse_relations("foo |", "x.deb"), Error);
  EXPECT_THROW(debformat::parse_relations(", foo", "x.deb"), Error);
  EXPECT_THROW(debformat::parse_relations("(>= 1)", "x.deb"), Error);
  // Source-package forms in a binary package.
  EXPECT_THROW(debformat::parse_relations("baz [amd64]", "x.deb"), Error);
  EXPECT_THROW(debformat::parse_relations("baz <!nocheck>", "x.deb"), Error);
}

TEST(Paragraphs, ParsesAndRendersWithContinuations) {
  std::string text =
      "Package: a\nVersion: 1\nDescription: short\n long line\n .\n more\n\n\n"
      "Package: b\r\nversion: 2\r\n";
  auto paragraphs = debformat::parse_paragraphs(text, "Packages");
  ASSERT_EQ(paragraphs.size(), 2u);
  EXPECT_EQ(paragraphs[0].get_or("package"), "a");
  EXPECT_EQ(*paragraphs[0].get("Description"), "short\n long line\n .\n more");
  EXPECT_EQ(paragraphs[1].get_or("Version"), "2");
  EXPECT_FALSE(paragraphs[1].get("Depends"));
  EXPECT_EQ(paragraphs[0].render(), "Package: a\nVersion: 1\nDescription: short\n long line\n .\n more\n");
}

TEST(Paragraphs, GarbageIsAnError) {
  EXPECT_THROW(debformat::parse_paragraphs(" leading continuation\n", "f"), Error);
  EXPECT_THROW(debformat::parse_paragraphs("Package: a\nno colon here\n", "f"), Error);
}

// Why paragraphs are not read by pkgTagSection: it accepts what dpkg refuses, silently.
// If a libapt-pkg release starts refusing these, this test fails and the reading can move.
TEST(Paragraphs, AptWouldAcceptGarbage) {
  const std::string no_colon = "Package: a\nno colon here\nVersion: 1\n\n";
  pkgTagSection section;
  ASSERT_TRUE(section.Scan(no_colon.data(), no_colon.size()));
  EXPECT_FALSE(section.Exists("Version")) << "the line without a colon swallowed the Version field";
  EXPECT_THROW(debformat::parse_paragraphs(no_colon, "f"), Error);

  const std::string leading = " stray continuation\nPackage: a\n\n";
  ASSERT_TRUE(section.Scan(leading.data(), leading.size()));
  EXPECT_EQ(section.FindS("Package"), "a") << "the stray line was dropped";
  EXPECT_THROW(debformat::parse_paragraphs(leading, "f"), Error);
}

// Tricky orderings, each also checked against dpkg itself when it is installed.
TEST(Versions, TrickyCasesAgreeWithDpkg) {
  struct Case {
    const char* a;
    const char* b;
    int expected;
  };
  const Case cases[] = {
      {"1.0~rc1", "1.0", -1},          {"1.0~~", "1.0~", -1},
      {"1.0~rc1-1", "1.0-1", -1},      {"1:1.0", "2.0", 1},
      {"0:1.0", "1.0", 0},             {"1.0-0", "1.0", 0},
      {"2:0.1", "1:9.9", 1},           {"1.0+b1", "1.0", 1},
      {"1.0a", "1.0+", -1},            {"1.0.0", "1.0", 1},
      {"007", "7", 0},                 {"1.0-1~bpo1", "1.0-1", -1},
      // Etch: kernels, glibc, OMSA-era versions.
      {"2.6.18.dfsg.1-26etch2", "2.6.18.dfsg.1-26etch10", -1},
      {"2.6.18-6", "2.6.18.dfsg.1-26etch2", -1},
      {"2.3.6.ds1-13etch10", "2.3.6-6", 1},
      {"0.9.8c-4etch5", "0.9.8c-4", 1},
      {"1:0.7.5-5", "0.7.5-5", 1},
      {"5.4.0-1", "5.3.0-1.lenny", 1},
  };
  const bool have_dpkg = std::system("dpkg --version >/dev/null 2>&1") == 0;
  for (const auto& c : cases) {
    EXPECT_EQ(debformat::compare_versions(c.a, c.b), c.expected) << c.a << " vs " << c.b;
    EXPECT_EQ(debformat::compare_versions(c.b, c.a), -c.expected) << c.b << " vs " << c.a;
    if (!have_dpkg) continue;
    const char* op = c.expected < 0 ? "lt" : c.expected > 0 ? "gt" : "eq";
    std::string command = std::string("dpkg --compare-versions '") + c.a + "' " + op + " '" + c.b + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
}

TEST(Versions, HugeEpochDoesNotOverflow) {
  // Fuzzer finding (tests/fuzz/findings/repo-version-epoch-overflow.txt): UBSan reported
  // signed overflow; a huge epoch now saturates and still orders after smaller ones.
  std::string huge(40, '2');
  EXPECT_GT(imgbuild::debformat::compare_versions(huge + ":1", "1:1"), 0);
  EXPECT_EQ(imgbuild::debformat::compare_versions(huge + ":1", huge + ":1"), 0);
}
