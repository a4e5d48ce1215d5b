// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/json_document.hpp"
#include "util/utf8.hpp"

#include <gtest/gtest.h>

using namespace imgbuild;

TEST(Utf8, WellFormedSequencesOnly) {
  EXPECT_TRUE(util::is_valid_utf8(""));
  EXPECT_TRUE(util::is_valid_utf8("plain ASCII \t\n"));
  EXPECT_TRUE(util::is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbf"));  // é € 💿
  EXPECT_TRUE(util::is_valid_utf8("\xf4\x8f\xbf\xbf"));                            // U+10FFFF
  EXPECT_FALSE(util::is_valid_utf8("\xff"));
  EXPECT_FALSE(util::is_valid_utf8("caf\xe9"));          // Latin-1
  EXPECT_FALSE(util::is_valid_utf8("\xc0\xaf"));         // overlong '/'
  EXPECT_FALSE(util::is_valid_utf8("\xe0\x80\xaf"));     // overlong, 3 bytes
  EXPECT_FALSE(util::is_valid_utf8("\xed\xa0\x80"));     // surrogate U+D800
  EXPECT_FALSE(util::is_valid_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
  EXPECT_FALSE(util::is_valid_utf8("\xe2\x82"));         // cut off
  EXPECT_FALSE(util::is_valid_utf8("\x80"));             // lone continuation byte
}

TEST(Utf8, EachStrayByteBecomesBackslashXHex) {
  EXPECT_EQ(util::escape_invalid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(util::escape_invalid_utf8("caf\xe9.txt"), "caf\\xe9.txt");
  EXPECT_EQ(util::escape_invalid_utf8("\xff\xfe"), "\\xff\\xfe");
  // A cut-off sequence: each of its bytes is escaped, the valid text around it kept.
  EXPECT_EQ(util::escape_invalid_utf8("a\xe2\x82z\xe2\x82\xac"), "a\\xe2\\x82z\xe2\x82\xac");
  EXPECT_EQ(util::escape_invalid_utf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(util::escape_invalid_utf8(std::string_view("nul\0byte", 8)), std::string("nul\0byte", 8));
}

TEST(JsonText, EscapesInvalidUtf8InValuesAndNamesAndKeepsOrder) {
  util::Json document;
  document["zeta"] = "first";
  document["path"] = "/pool/caf\xe9 \"quoted\"\n";
  document["names"] = {"ok", "\xff"};
  document["files"]["bad\xfe"] = 1;
  std::string text = util::json_text(document, -1);
  EXPECT_EQ(text, "{\"zeta\":\"first\",\"path\":\"/pool/caf\\\\xe9 \\\"quoted\\\"\\n\","
                  "\"names\":[\"ok\",\"\\\\xff\"],\"files\":{\"bad\\\\xfe\":1}}\n");
  EXPECT_TRUE(util::is_valid_utf8(text));
  util::Json back = util::Json::parse(text);
  EXPECT_EQ(back["path"], "/pool/caf\\xe9 \"quoted\"\n");
  EXPECT_EQ(back["files"]["bad\\xfe"], 1);
}

TEST(JsonText, IndentedByDefault) {
  EXPECT_EQ(util::json_text({{"a", 1}, {"b", {true, nullptr}}}), "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ]\n}\n");
}
