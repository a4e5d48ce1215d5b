// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/control.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

using namespace imgbuild;
using repo::compare_versions;

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
  EXPECT_TRUE(repo::version_satisfies("2.0", ">=", "1.5"));
  EXPECT_FALSE(repo::version_satisfies("2.0", "<<", "2.0"));
  EXPECT_TRUE(repo::version_satisfies("2.0", "<=", "2.0"));
  EXPECT_TRUE(repo::version_satisfies("2.0-1", "=", "2.0-1"));
  EXPECT_FALSE(repo::version_satisfies("2.0-1", ">>", "2.0-1"));
  EXPECT_TRUE(repo::version_satisfies("anything", "", ""));
}

TEST(Relations, ParsesAlternativesVersionsAndQualifiers) {
  auto groups = repo::parse_relations(
      "libc6 (>= 2.34), python3:any, foo | bar (<< 3~) , baz [amd64] <!nocheck>,\n perl (> 5)", "t");
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[0][0].name, "libc6");
  EXPECT_EQ(groups[0][0].op, ">=");
  EXPECT_EQ(groups[0][0].version, "2.34");
  EXPECT_EQ(groups[1][0].name, "python3");
  ASSERT_EQ(groups[2].size(), 2u);
  EXPECT_EQ(groups[2][1].to_string(), "bar (<< 3~)");
  EXPECT_EQ(groups[3][0].to_string(), "baz");
  EXPECT_EQ(groups[4][0].op, ">=");  // obsolete ">" reads as ">="
}

TEST(Relations, MalformedIsAnErrorNamingTheFile) {
  try {
    repo::parse_relations("foo (>= )", "x.deb");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), "x.deb");
  }
  EXPECT_THROW(repo::parse_relations("foo (~> 1)", "x.deb"), Error);
  EXPECT_THROW(repo::parse_relations("foo (>= 1", "x.deb"), Error);
}

TEST(Paragraphs, ParsesAndRendersWithContinuations) {
  std::string text =
      "Package: a\nVersion: 1\nDescription: short\n long line\n .\n more\n\n\n"
      "Package: b\r\nversion: 2\r\n";
  auto paragraphs = repo::parse_paragraphs(text, "Packages");
  ASSERT_EQ(paragraphs.size(), 2u);
  EXPECT_EQ(paragraphs[0].get_or("package"), "a");
  EXPECT_EQ(*paragraphs[0].get("Description"), "short\n long line\n .\n more");
  EXPECT_EQ(paragraphs[1].get_or("Version"), "2");
  EXPECT_FALSE(paragraphs[1].get("Depends"));
  EXPECT_EQ(paragraphs[0].render(), "Package: a\nVersion: 1\nDescription: short\n long line\n .\n more\n");
}

TEST(Paragraphs, GarbageIsAnError) {
  EXPECT_THROW(repo::parse_paragraphs(" leading continuation\n", "f"), Error);
  EXPECT_THROW(repo::parse_paragraphs("Package: a\nno colon here\n", "f"), Error);
}

TEST(Versions, HugeEpochDoesNotOverflow) {
  // Fuzzer finding (tests/fuzz/findings/repo-version-epoch-overflow.txt): UBSan reported
  // signed overflow; a huge epoch now saturates and still orders after smaller ones.
  std::string huge(40, '2');
  EXPECT_GT(imgbuild::repo::compare_versions(huge + ":1", "1:1"), 0);
  EXPECT_EQ(imgbuild::repo::compare_versions(huge + ":1", huge + ":1"), 0);
}
