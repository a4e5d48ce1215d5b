// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/markup.hpp"

#include <gtest/gtest.h>

namespace imgbuild::util {
namespace {

TEST(Markup, EscapesWhatXmlCannotHold) {
  EXPECT_EQ(xml_escape("a<b>&\"c\" d'e"), "a&lt;b&gt;&amp;&quot;c&quot; d'e");
  EXPECT_EQ(xml_escape("tab\there\nline\rcr"), "tab\there\nline\rcr");
  EXPECT_EQ(xml_escape(std::string_view("nul\0bell\a", 9)), "nul?bell?");
  EXPECT_EQ(xml_escape("caf\xe9 \xc3\xa9t\xc3\xa9"), "caf\\xe9 \xc3\xa9t\xc3\xa9");
}

}  // namespace
}  // namespace imgbuild::util
