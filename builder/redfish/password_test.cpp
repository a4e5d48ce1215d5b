// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/password.hpp"

#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace imgbuild::redfish {
namespace {

TEST(RedfishPassword, FileThenEnvironment) {
  auto dir = test::fresh_dir("redfish", "password");
  test::write_file(dir / "pw", "from-file\r\nsecond line\n");
  ::setenv(k_password_variable, "from-env", 1);
  EXPECT_EQ(read_password((dir / "pw").string(), "root"), "from-file");
  EXPECT_EQ(read_password("", "root"), "from-env");
  ::unsetenv(k_password_variable);
  test::write_file(dir / "empty", "\n");
  EXPECT_THROW(read_password((dir / "empty").string(), "root"), Error);
  EXPECT_THROW(read_password((dir / "missing").string(), "root"), Error);
}

}  // namespace
}  // namespace imgbuild::redfish
