// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/hosts.hpp"

#include "fleet/answers.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/paths.hpp"

namespace imgbuild::remaster {

namespace {

constexpr std::uint64_t k_max_fragment_size = 1 << 20;

std::string data_file(const std::string& relative) {
  auto path = util::find_data_file(relative);
  if (path.empty())
    throw Error(relative, "imgbuild's data file is missing", "reinstall imgbuild or set IMGBUILD_DATA_DIR", 3);
  return util::read_small_file(path.string(), 1 << 20, "data file");
}

// When the host is chosen. Debian's installer runs its steps in the order of their
// Installer-Menu-Item: ethdetect (which loads the NIC drivers through hw-detect) is 17 in
// Etch and 1700 today, netcfg 18 and 1800, and main-menu configures a step by running
// `udpkg --configure --force-configure PACKAGE`, i.e. the package's postinst, which for
// netcfg (and Etch's netcfg-static) is only "exec netcfg". Found by reading Etch's sources
// as released (debian-installer svn, dankamongmen/s-i at b37283fa3c, 2007-04-08:
// packages/hw-detect/debian/control, packages/netcfg/debian/{control,netcfg.postinst,
// netcfg-static.postinst}, packages/main-menu/main-menu.c) and Debian 12's netboot initrd
// (var/lib/dpkg/status, var/lib/dpkg/info/netcfg.postinst). So a postinst that identifies
// the machine and then runs netcfg sees every NIC with its MAC and comes before netcfg
// reads a single answer, in Etch as in Debian 12. preseed/early_command runs before
// hw-detect (lib/debian-installer-startup.d/S33preseed_early_command): no NIC is there yet
// on a machine whose driver is not built into the kernel. A later cpio in the initrd
// replaces the earlier file of the same name, so the base's bytes stay as they were.
std::string netcfg_postinst(UnknownHost unknown) {
  return std::string("#!/bin/sh\n"
                     "# imgbuild: identify this machine from the inventory, then run netcfg.\n"
                     "exec /bin/sh /") +
         k_hosts_initrd_dir + "/netcfg-hook.sh --unknown " + std::string(unknown_host_name(unknown)) + "\n";
}

}  // namespace

UnknownHost parse_unknown_host(std::string_view text) {
  if (text == "stop") return UnknownHost::stop;
  if (text == "dhcp") return UnknownHost::dhcp;
  throw Error("--unknown-host", "'" + std::string(text) + "' is not a choice", "use stop or dhcp");
}

std::string_view unknown_host_name(UnknownHost unknown) {
  return unknown == UnknownHost::stop ? "stop" : "dhcp";
}

std::string host_preseed_answers(const fleet::Host& host, std::string_view release) {
  std::string fragment;
  if (!host.preseed.empty()) fragment = util::read_small_file(host.preseed.string(), k_max_fragment_size, "preseed fragment");
  return fleet::host_answers(host, release, fragment);
}

std::vector<initrd::Member> fleet_initrd_members(const fleet::Inventory& inventory, std::string_view release,
                                                 UnknownHost unknown) {
  const std::string dir = k_hosts_initrd_dir;
  std::vector<initrd::Member> members{
      {dir + "/identify.sh", data_file("data/fleet/identify.sh"), 0755},
      {dir + "/netcfg-hook.sh", data_file("data/fleet/netcfg-hook.sh"), 0755},
      {dir + "/unknown.templates", data_file("data/fleet/unknown.templates"), 0644},
      {dir + "/table", fleet::identification_table(inventory), 0644},
  };
  for (const auto& host : inventory.hosts)
    members.push_back({dir + "/" + host.hostname + ".cfg", host_preseed_answers(host, release), 0644});
  for (const char* package : {"netcfg", "netcfg-static"})
    members.push_back({std::string("var/lib/dpkg/info/") + package + ".postinst", netcfg_postinst(unknown), 0755});
  return members;
}

std::vector<initrd::Member> per_host_initrd_members() {
  const std::string dir = k_hosts_initrd_dir;
  std::vector<initrd::Member> members{{dir + "/netcfg-hook.sh", data_file("data/fleet/netcfg-hook.sh"), 0755}};
  for (const char* package : {"netcfg", "netcfg-static"})
    members.push_back({std::string("var/lib/dpkg/info/") + package + ".postinst", netcfg_postinst(UnknownHost::stop), 0755});
  return members;
}

}  // namespace imgbuild::remaster
