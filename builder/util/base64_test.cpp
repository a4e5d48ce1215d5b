// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/base64.hpp"

#include <gtest/gtest.h>

namespace imgbuild::util {
namespace {

TEST(Base64, RoundTripsAndRejects) {
  EXPECT_EQ(base64_encode("root:calvin"), "cm9vdDpjYWx2aW4=");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("abc"), "YWJj");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_decode("cm9vdDpj\nYWx2aW4="), "root:calvin");
  EXPECT_EQ(base64_decode("YWI="), "ab");
  EXPECT_FALSE(base64_decode("a*b").has_value());
  EXPECT_FALSE(base64_decode("YQ==YQ").has_value());  // data after the padding
}

}  // namespace
}  // namespace imgbuild::util
