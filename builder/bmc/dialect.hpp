// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What differs between the emulated Dell controllers: the schema versions their firmware
// reports, their allowable values and their virtual media slots. Internal to bmc/.

#include "bmc/bmc.hpp"

#include <string>
#include <vector>

namespace imgbuild::bmc {

struct SchemaVersions {
  std::string redfish_version;
  std::string firmware;
  std::string service_root;
  std::string computer_system;
  std::string manager;
  std::string virtual_media;
  std::string session_service;
  std::string session;
  std::string task_service;
  std::string task;
};

inline const SchemaVersions& versions(Dialect dialect) {
  // iDRAC9 7.x on a 16G PowerEdge; iDRAC8 2.8x on a 13G one.
  static const SchemaVersions idrac9 = {"1.17.0",          "7.00.60.00",        "ServiceRoot.v1_15_0",
                                        "ComputerSystem.v1_20_0", "Manager.v1_18_0", "VirtualMedia.v1_6_0",
                                        "SessionService.v1_1_8",  "Session.v1_7_0",  "TaskService.v1_2_0",
                                        "Task.v1_7_0"};
  static const SchemaVersions idrac8 = {"1.4.0",                 "2.83.83.83",     "ServiceRoot.v1_5_0",
                                        "ComputerSystem.v1_5_0", "Manager.v1_3_3", "VirtualMedia.v1_2_0",
                                        "SessionService.v1_1_8", "Session.v1_1_0", "TaskService.v1_1_0",
                                        "Task.v1_4_0"};
  return dialect == Dialect::Idrac9 ? idrac9 : idrac8;
}

inline std::vector<std::string> allowed_boot_targets(Dialect dialect) {
  std::vector<std::string> targets = {"None", "Pxe", "Floppy", "Cd", "Hdd", "BiosSetup", "Utilities", "UefiTarget", "SDCard"};
  if (dialect == Dialect::Idrac9) targets.push_back("UefiHttp");
  return targets;
}

inline std::vector<std::string> allowed_boot_enabled() { return {"Once", "Continuous", "Disabled"}; }
inline std::vector<std::string> allowed_boot_modes() { return {"Legacy", "UEFI"}; }
inline std::vector<std::string> allowed_reset_types() {
  return {"On", "ForceOff", "GracefulShutdown", "ForceRestart", "GracefulRestart"};
}

inline std::vector<MediaSlot> initial_slots(Dialect dialect) {
  std::vector<MediaSlot> slots(2);
  if (dialect == Dialect::Idrac9) {
    slots[0].id = "1";
    slots[0].name = "Virtual Media 1";
    slots[0].media_types = {"CD", "DVD", "USBStick"};
    slots[1].id = "2";
    slots[1].name = "Virtual Media 2";
    slots[1].media_types = {"CD", "DVD", "USBStick"};
  } else {
    slots[0].id = "CD";
    slots[0].name = "Virtual CD";
    slots[0].media_types = {"CD", "DVD"};
    slots[1].id = "RemovableDisk";
    slots[1].name = "Virtual Removable Disk";
    slots[1].media_types = {"USBStick"};
  }
  return slots;
}

}  // namespace imgbuild::bmc
