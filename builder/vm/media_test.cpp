// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/media.hpp"

#include <gtest/gtest.h>

namespace imgbuild::vm {
namespace {

std::vector<MachineProfile::Option> pe2950_like() {
  return {{"-device", "usb-ehci,id=ehci", 1},
          {"-drive", "if=none,id=vcd,media=cdrom,readonly=on,format=raw,file={iso}", 2},
          {"-device", "usb-bot,bus=ehci.0,id=vcd-bot", 3},
          {"-device", "scsi-cd,bus=vcd-bot.0,drive=vcd,vendor=Dell,product=Virtual CDROM", 4},
          {"-drive", "if=none,id=vfd,format=raw,file={floppy}", 5},
          {"-device", "usb-bot,bus=ehci.0,id=vfd-bot", 6},
          {"-device", "scsi-hd,bus=vfd-bot.0,drive=vfd,removable=on", 7},
          {"-device", "megasas,id=perc", 8},
          {"-drive", "if=none,id=disk0,format=qcow2,file={disk}", 9},
          {"-device", "scsi-hd,bus=perc.0,drive=disk0,bootindex={disk-bootindex}", 10}};
}

TEST(Media, TheDetachedMediaLeaveWithTheirDrives) {
  auto left = options_without(pe2950_like(), {"vcd-bot", "vfd-bot"});
  std::vector<int> lines;
  for (const auto& option : left) lines.push_back(option.line);
  EXPECT_EQ(lines, (std::vector<int>{1, 8, 9, 10}));
  EXPECT_EQ(options_without(pe2950_like(), {}).size(), 10u);
}

TEST(Media, OptionKeys) {
  EXPECT_EQ(qemu_option_key("scsi-cd,bus=vcd-bot.0,drive=vcd", "bus"), "vcd-bot.0");
  EXPECT_EQ(qemu_option_key("scsi-cd,bus=vcd-bot.0,drive=vcd", "drive"), "vcd");
  EXPECT_EQ(qemu_option_key("megasas,id=perc", "bus"), "");
  EXPECT_EQ(qemu_option_key("megasas", "id"), "");
}

}  // namespace
}  // namespace imgbuild::vm
