// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/drac.hpp"

#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

TEST(Drac, Kinds) {
  EXPECT_EQ(parse_drac_kind("drac5"), DracKind::Drac5);
  EXPECT_EQ(parse_drac_kind("idrac7"), DracKind::Idrac7);
  EXPECT_EQ(parse_drac_kind("idrac8"), DracKind::Idrac8);
  EXPECT_EQ(drac_kind_name(DracKind::Idrac8), "idrac8");
  EXPECT_EQ(parse_drac_kind("none"), DracKind::None);
  EXPECT_FALSE(parse_drac_kind("drac4"));
  EXPECT_FALSE(parse_drac_kind("DRAC5"));
  EXPECT_EQ(drac_kind_name(DracKind::Idrac6), "idrac6");
}

// The first-boot hook's DRAC5 path: config ... 0, then the read-back must say 0.
TEST(Drac, Drac5DetachesThroughTheLegacyGroup) {
  EmulatedDrac drac(DracKind::Drac5, "PowerEdge 2950");
  auto info = drac.racadm("getsysinfo");
  EXPECT_EQ(info.status, 0);
  EXPECT_NE(info.output.find("RAC Type                = DRAC 5"), std::string::npos);
  EXPECT_NE(info.output.find("PowerEdge 2950"), std::string::npos);
  EXPECT_EQ(drac.racadm("getconfig -g cfgRacVirtual -o cfgVirMediaAttached").output, "1\n");
  EXPECT_TRUE(drac.media_attached());
  EXPECT_FALSE(drac.take_media_change());

  EXPECT_EQ(drac.racadm("config -g cfgRacVirtual -o cfgVirMediaAttached 0").status, 0);
  EXPECT_FALSE(drac.media_attached());
  EXPECT_TRUE(drac.take_media_change());
  EXPECT_FALSE(drac.take_media_change());  // once
  EXPECT_EQ(drac.racadm("getconfig -g cfgRacVirtual -o cfgVirMediaAttached").output, "0\n");
  EXPECT_NE(drac.racadm("getconfig -g cfgRacVirtual").output.find("cfgVirMediaAttached=0\n"), std::string::npos);
  // Detaching again changes nothing.
  drac.racadm("config -g cfgRacVirtual -o cfgVirMediaAttached 0");
  EXPECT_FALSE(drac.take_media_change());
}

TEST(Drac, Drac5RefusesTheIdracDialect) {
  EmulatedDrac drac(DracKind::Drac5, "PowerEdge 2950");
  auto set = drac.racadm("set iDRAC.VirtualMedia.Attached Detached");
  EXPECT_NE(set.status, 0);
  EXPECT_EQ(set.output, "ERROR: Invalid subcommand specified.\n");
  EXPECT_NE(drac.racadm("remoteimage -d").status, 0);
  EXPECT_TRUE(drac.media_attached());
  EXPECT_FALSE(drac.take_media_change());
  ASSERT_FALSE(drac.events().empty());
  EXPECT_NE(drac.events().back().find("refused racadm remoteimage -d"), std::string::npos);
}

TEST(Drac, Idrac7SetGetAndRemoteimage) {
  EmulatedDrac drac(DracKind::Idrac7, "PowerEdge R720");
  EXPECT_NE(drac.racadm("getsysinfo").output.find("iDRAC7"), std::string::npos);
  EXPECT_NE(drac.racadm("config -g cfgRacVirtual -o cfgVirMediaAttached 0").status, 0);
  EXPECT_NE(drac.racadm("getconfig -g cfgRacVirtual").status, 0);
  EXPECT_TRUE(drac.media_attached());
  EXPECT_EQ(drac.racadm("get iDRAC.VirtualMedia.Attached").output,
            "[Key=iDRAC.Embedded.1#VirtualMedia.1]\nAttached=Attached\n");
  EXPECT_EQ(drac.racadm("set iDRAC.VirtualMedia.Attached Detached").status, 0);
  EXPECT_TRUE(drac.take_media_change());
  EXPECT_EQ(drac.racadm("get iDRAC.VirtualMedia.Attached").output,
            "[Key=iDRAC.Embedded.1#VirtualMedia.1]\nAttached=Detached\n");
  EXPECT_EQ(drac.racadm("set iDRAC.VirtualMedia.Attached Attached").status, 0);
  EXPECT_TRUE(drac.take_media_change());
  EXPECT_EQ(drac.racadm("remoteimage -d").status, 0);
  EXPECT_FALSE(drac.media_attached());
}

TEST(Drac, Idrac6KeepsTheLegacyGroupAndHasRemoteimage) {
  EmulatedDrac drac(DracKind::Idrac6, "PowerEdge R710");
  EXPECT_NE(drac.racadm("set iDRAC.VirtualMedia.Attached Detached").status, 0);
  EXPECT_EQ(drac.racadm("getconfig -g cfgRacVirtual -o cfgVirMediaAttached").output, "1\n");
  EXPECT_EQ(drac.racadm("remoteimage -d").status, 0);
  EXPECT_FALSE(drac.media_attached());
}

// iDRAC9 (PowerEdge 14G-16G): iDRAC7's attribute dialect and remoteimage, no legacy
// config/getconfig any more, AutoAttach as a third value, remoteimage -s/-c.
TEST(Drac, Idrac9AttributeDialectWithoutTheLegacyGroup) {
  EXPECT_EQ(parse_drac_kind("idrac9"), DracKind::Idrac9);
  EXPECT_EQ(drac_kind_name(DracKind::Idrac9), "idrac9");
  EmulatedDrac drac(DracKind::Idrac9, "PowerEdge R660");
  auto info = drac.racadm("getsysinfo");
  EXPECT_NE(info.output.find("RAC Type                = iDRAC9"), std::string::npos);
  EXPECT_NE(info.output.find("PowerEdge R660"), std::string::npos);
  // Gone in iDRAC9: the subcommands themselves, not just the group.
  auto legacy = drac.racadm("config -g cfgRacVirtual -o cfgVirMediaAttached 0");
  EXPECT_EQ(legacy.status, 1);
  EXPECT_EQ(legacy.output, "ERROR: Invalid subcommand specified.\n");
  EXPECT_EQ(drac.racadm("getconfig -g cfgRacVirtual").output, "ERROR: Invalid subcommand specified.\n");
  EXPECT_TRUE(drac.media_attached());
  EXPECT_FALSE(drac.take_media_change());

  EXPECT_EQ(drac.racadm("set iDRAC.VirtualMedia.Attached AutoAttach").status, 0);
  EXPECT_FALSE(drac.take_media_change());  // already attached
  EXPECT_EQ(drac.racadm("get iDRAC.VirtualMedia.Attached").output,
            "[Key=iDRAC.Embedded.1#VirtualMedia.1]\nAttached=AutoAttach\n");
  EXPECT_EQ(drac.racadm("set iDRAC.VirtualMedia.Attached Detached").status, 0);
  EXPECT_FALSE(drac.media_attached());
  EXPECT_TRUE(drac.take_media_change());
  EXPECT_EQ(drac.racadm("get iDRAC.VirtualMedia.Attached").output,
            "[Key=iDRAC.Embedded.1#VirtualMedia.1]\nAttached=Detached\n");
  EXPECT_NE(drac.racadm("set iDRAC.VirtualMedia.Attached Sometimes").status, 0);
}

TEST(Drac, Idrac9RemoteimageConnectsReportsAndDisconnects) {
  EmulatedDrac drac(DracKind::Idrac9, "PowerEdge R660");
  EXPECT_EQ(drac.racadm("remoteimage -s").output.rfind("Remote File Share is Disabled\n", 0), 0u);
  EXPECT_EQ(drac.racadm("remoteimage -c -l http://10.0.0.5/r660.iso").status, 0);
  EXPECT_NE(drac.racadm("remoteimage -s").output.find("Enabled\nUserName \nPassword \nShareName http://10.0.0.5/r660.iso\n"),
            std::string::npos);
  EXPECT_FALSE(drac.take_media_change());  // attached at power-on already
  EXPECT_EQ(drac.racadm("remoteimage -d").status, 0);
  EXPECT_FALSE(drac.media_attached());
  EXPECT_TRUE(drac.take_media_change());
  EXPECT_EQ(drac.racadm("remoteimage -s").output.rfind("Remote File Share is Disabled\n", 0), 0u);
  auto bad = drac.racadm("remoteimage -x");
  EXPECT_EQ(bad.status, 1);
  EXPECT_FALSE(drac.media_attached());
  // iDRAC7 has remoteimage -d only.
  EmulatedDrac idrac7(DracKind::Idrac7, "PowerEdge R720");
  EXPECT_NE(idrac7.racadm("remoteimage -s").status, 0);
  EXPECT_NE(idrac7.racadm("set iDRAC.VirtualMedia.Attached AutoAttach").status, 0);
  EXPECT_EQ(idrac7.racadm("config -g cfgRacVirtual").output, "ERROR: Invalid object name specified\n");
}

TEST(DracChannel, RequestsAmongChatterAndSplitReads) {
  DracChannel channel;
  EXPECT_TRUE(channel.feed("\x1b[?25lDebian GNU/Linux 12 pe2950 ttyS1\r\n\r\npe2950 login: ").empty());
  EXPECT_TRUE(channel.feed("IMGBUILD-RACADM config -g cfgRac").empty());
  auto requests = channel.feed("Virtual -o cfgVirMediaAttached 0\nIMGBUILD-RACADM getsysinfo\r\n");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0], "config -g cfgRacVirtual -o cfgVirMediaAttached 0");
  EXPECT_EQ(requests[1], "getsysinfo");
  EXPECT_EQ(DracChannel::reply({2, "ERROR: x\n"}), "ERROR: x\nIMGBUILD-RACADM-STATUS 2\n");
}

}  // namespace
}  // namespace imgbuild::vm
