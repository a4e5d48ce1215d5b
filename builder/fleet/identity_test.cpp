// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/identity.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

namespace imgbuild::fleet {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_identity(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "";
}

TEST(Identity, SerialAndMacsInOrder) {
  auto id = parse_identity("serial=7abcd1x,mac=00:1E:C9:AA:BB:01,mac=00-1e-c9-aa-bb-02");
  EXPECT_EQ(id.serial, "7ABCD1X");
  ASSERT_EQ(id.macs.size(), 2u);
  EXPECT_EQ(id.macs[0], "00:1e:c9:aa:bb:01");
  EXPECT_EQ(id.macs[1], "00:1e:c9:aa:bb:02");
}

TEST(Identity, MacOnlyOrSerialOnly) {
  EXPECT_TRUE(parse_identity("mac=52:54:00:12:34:57").serial.empty());
  EXPECT_TRUE(parse_identity("serial=HX42").macs.empty());
}

TEST(Identity, MalformedItemsNameTheItem) {
  EXPECT_NE(error_of("serial=7ABCD1X,mac=00:1e:c9:aa:bb").find("'00:1e:c9:aa:bb' is not a MAC address"), std::string::npos);
  EXPECT_NE(error_of("mac=01:00:5e:00:00:01").find("is not a MAC address"), std::string::npos);  // multicast
  EXPECT_NE(error_of("serial=7ABCD1X,serial=HX42").find("serial= is given twice"), std::string::npos);
  EXPECT_NE(error_of("mac=00:1e:c9:aa:bb:01,mac=00:1E:C9:AA:BB:01").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("uuid=1234").find("unknown key 'uuid'"), std::string::npos);
  EXPECT_NE(error_of("7ABCD1X").find("is not KEY=VALUE"), std::string::npos);
  EXPECT_NE(error_of("").find("is not KEY=VALUE"), std::string::npos);
  EXPECT_NE(error_of("serial=7ABCD1X,").find("is not KEY=VALUE"), std::string::npos);
  EXPECT_NE(error_of("serial=a,b").find("is not KEY=VALUE"), std::string::npos);
  EXPECT_NE(error_of("serial=with space").find("is not a service tag"), std::string::npos);
  EXPECT_EQ(error_of("serial=7ABCD1X,mac=00:1e:c9:aa:bb:01"), "");
}

}  // namespace
}  // namespace imgbuild::fleet
