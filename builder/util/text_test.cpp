// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/source_date.hpp"
#include "util/text.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace imgbuild::util {
namespace {

TEST(Trim, AsciiWhiteSpaceOnBothEnds) {
  EXPECT_EQ(trim(" \t\r\n\v\fa b\t\r\n "), "a b");
  EXPECT_EQ(trim("abc"), "abc");
  EXPECT_EQ(trim(" \n\t"), "");
  EXPECT_EQ(trim(""), "");
  // Not a byte of UTF-8 (a no-break space stays: it is text).
  EXPECT_EQ(trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");
  std::string_view text = "  kept  ";
  EXPECT_EQ(trim(text).data(), text.data() + 2);  // a view into the argument
}

TEST(Lower, AsciiLettersOnly) {
  EXPECT_EQ(lower("Hostname,MAC,Service_Tag"), "hostname,mac,service_tag");
  EXPECT_EQ(lower("ÄB 0-9 @[`{"), "Äb 0-9 @[`{");
  EXPECT_EQ(lower(""), "");
}

TEST(Iequals, AsciiCaseOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("BASIC ", "Basic "));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Basic", "Basic "));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("@", "`"));             // 0x40 and 0x60: not letters
  EXPECT_FALSE(iequals("\xC3\x84", "\xC3\xA4"));  // Ä and ä: bytes, not letters
}

class SourceDateEpoch : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("SOURCE_DATE_EPOCH"); }
  static std::string error_for(const char* value) {
    ::setenv("SOURCE_DATE_EPOCH", value, 1);
    try {
      source_date_epoch();
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      return e.what();
    }
    return "";
  }
};

TEST_F(SourceDateEpoch, UnsetOrEmptyIsNone) {
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(source_date_epoch(), std::nullopt);
  ::setenv("SOURCE_DATE_EPOCH", "", 1);
  EXPECT_EQ(source_date_epoch(), std::nullopt);
}

TEST_F(SourceDateEpoch, DigitsAreSeconds) {
  ::setenv("SOURCE_DATE_EPOCH", "0", 1);
  EXPECT_EQ(source_date_epoch(), 0);
  ::setenv("SOURCE_DATE_EPOCH", "1176033600", 1);
  EXPECT_EQ(source_date_epoch(), 1176033600);
}

TEST_F(SourceDateEpoch, AnythingElseIsAnErrorNamingTheValue) {
  // strtoll accepted the first three, and the fourth (clamped to LLONG_MAX) where errno
  // was not checked.
  for (const char* bad : {" 1700000000", "+1700000000", "-1", "99999999999999999999", "1700000000 ",
                          "1.5", "yesterday", "0x10"}) {
    std::string message = error_for(bad);
    EXPECT_NE(message.find("SOURCE_DATE_EPOCH"), std::string::npos) << bad;
    EXPECT_NE(message.find(std::string("'") + bad + "'"), std::string::npos) << message;
  }
}

TEST(Text, Sha256HexAsToolsPrintIt) {
  const std::string hex(64, 'a');
  EXPECT_EQ(sha256_hex(std::string(64, 'A')), hex);
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += std::string(i ? ":" : "") + "AA";
  EXPECT_EQ(sha256_hex(colons), hex);
  EXPECT_FALSE(sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(sha256_hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(sha256_hex("SHA256:" + hex));
}

}  // namespace
}  // namespace imgbuild::util
