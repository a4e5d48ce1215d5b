// SPDX-License-Identifier: GPL-2.0-or-later
#include "config/config.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace imgbuild::config {
namespace {

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "no error";
}

TEST(Config, TypedValuesWithTheirLines) {
  auto t = Table::parse(
      "# comment\n"
      "name = \"pe2950\"  # trailing comment\n"
      "memory = 16384\n"
      "enabled = true\n"
      "list = [\n"
      "  \"one\",\n"
      "  # a comment between entries\n"
      "  \"two\",\n"
      "]\n"
      "single = \"only\"\n",
      "t.toml");
  EXPECT_EQ(t.string("name")->value, "pe2950");
  EXPECT_EQ(t.string("name")->line, 2);
  EXPECT_EQ(t.integer("memory")->value, 16384);
  EXPECT_EQ(t.integer("memory")->line, 3);
  EXPECT_TRUE(t.boolean("enabled")->value);
  auto list = t.strings("list");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].value, "one");
  EXPECT_EQ(list[0].line, 6);
  EXPECT_EQ(list[1].value, "two");
  EXPECT_EQ(list[1].line, 8);
  auto single = t.strings("single");
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].value, "only");
  EXPECT_FALSE(t.string("absent"));
  EXPECT_TRUE(t.strings("absent").empty());
  EXPECT_NO_THROW(t.reject_unknown());
}

TEST(Config, KeysInFileOrder) {
  auto t = Table::parse("zeta = 1\nalpha = 2\nmid = 3\n", "t.toml");
  auto keys = t.keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].value, "zeta");
  EXPECT_EQ(keys[1].value, "alpha");
  EXPECT_EQ(keys[1].line, 2);
  EXPECT_EQ(keys[2].value, "mid");
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  auto message = error_of([] { Table::parse("a = 1\nqemu = -machine pc\n", "m.toml"); });
  EXPECT_EQ(message.rfind("m.toml:2: ", 0), 0u) << message;
  EXPECT_NE(message.find("TOML"), std::string::npos) << message;
  // A key given twice is a TOML error too.
  message = error_of([] { Table::parse("a = 1\nb = 2\na = 3\n", "m.toml"); });
  EXPECT_EQ(message.rfind("m.toml:3: ", 0), 0u) << message;
  // An integer that does not fit.
  message = error_of([] { Table::parse("memory = 99999999999999999999\n", "m.toml"); });
  EXPECT_EQ(message.rfind("m.toml:1: ", 0), 0u) << message;
}

// toml++ 3.3.0 reached __builtin_unreachable on these (upstream #190; inspect_fuzz found
// the second, tests/fuzz/findings/inspect-toml-unreachable.toml): now a plain syntax Error
// (UBSan builds, as ./run-tests makes, would report the old behaviour).
TEST(Config, CharactersTomlPlusPlusCouldNotClassify) {
  // Valid TOML: a line-ending backslash, then U+00A7 starts the next line.
  auto t = Table::parse("s = \"\"\"\\\n\xc2\xa7\"\"\"\n", "u.toml");
  EXPECT_EQ(t.string("s")->value, "\xc2\xa7");
  // Not TOML: a syntax error at its line.
  auto message = error_of([] { Table::parse(std::string("T\xef\xbb\x93\r\0*\r\0\0\r", 11), "u.toml"); });
  EXPECT_EQ(message.rfind("u.toml:1: ", 0), 0u) << message;
}

TEST(Config, WrongTypeNamesLineAndBothTypes) {
  auto t = Table::parse("\nmemory = \"16G\"\nname = 5\nlist = [\"a\", 2]\nsub = 1\n", "m.toml");
  auto message = error_of([&] { t.integer("memory", "a number of MiB"); });
  EXPECT_EQ(message, "m.toml:2: memory must be an integer (a number of MiB), got a string");
  message = error_of([&] { t.string("name"); });
  EXPECT_EQ(message, "m.toml:3: name must be a string, got an integer (quote it: key = \"value\")");
  message = error_of([&] { t.strings("list"); });
  EXPECT_NE(message.find("m.toml:4: list[1] must be a string, got an integer"), std::string::npos) << message;
  message = error_of([&] { t.boolean("name"); });
  EXPECT_NE(message.find("m.toml:3: name must be true or false"), std::string::npos) << message;
  message = error_of([&] { t.table("sub"); });
  EXPECT_NE(message.find("m.toml:5: sub must be a table"), std::string::npos) << message;
  message = error_of([&] { t.strings("name"); });
  EXPECT_NE(message.find("m.toml:3: name must be an array of strings"), std::string::npos) << message;
}

TEST(Config, UnknownKeyListsTheKnownOnes) {
  auto t = Table::parse("memory = 1\ncolour = \"red\"\n", "m.toml");
  t.integer("memory");
  t.string("description");
  auto message = error_of([&] { t.reject_unknown("see machines/README.md"); });
  EXPECT_EQ(message, "m.toml:2: unknown key 'colour' (known: description, memory; see machines/README.md)");
}

TEST(Config, SubTables) {
  auto t = Table::parse("a = 1\n[serial]\nport = 2\nspeed = 3\n", "m.toml");
  t.integer("a");
  auto sub = t.table("serial");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->line(), 2);
  EXPECT_EQ(sub->integer("port")->value, 2);
  EXPECT_NO_THROW(t.reject_unknown());
  auto message = error_of([&] { sub->reject_unknown(); });
  EXPECT_EQ(message, "m.toml:4: unknown key 'serial.speed' (known: port)");
}

TEST(Config, LoadNamesAMissingFile) {
  auto message = error_of([] { Table::load("/nonexistent/x.toml", "machine profile"); });
  EXPECT_NE(message.find("/nonexistent/x.toml"), std::string::npos) << message;
}

}  // namespace
}  // namespace imgbuild::config
