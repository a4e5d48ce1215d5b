// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Machine profiles: what QEMU hardware an image is booted on. Data, not code: one TOML file
// per machine in machines/<name>.toml (format documented in machines/README.md), read
// through config::Table, so a new server model is a new file.

#include "vm/drac.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::vm {

// bios: SeaBIOS. uefi: OVMF without Secure Boot. uefi-secureboot: OVMF with Secure Boot
// enforced and Microsoft's keys enrolled (as a server from the factory): needs SMM, so a
// q35 machine.
enum class Firmware { Bios, Uefi, UefiSecureBoot };
enum class Accel { Tcg, Kvm };

std::string_view firmware_name(Firmware firmware);
// "bios", "uefi", "uefi-secureboot"; nullopt for anything else.
std::optional<Firmware> parse_firmware(std::string_view name);
bool is_uefi(Firmware firmware);

struct MachineProfile {
  std::string name;         // file name without .toml
  std::string source;       // where it was read from, for messages
  std::string description;
  std::uint64_t memory_mib = 1024;
  unsigned cpus = 1;
  std::string disk_size = "8G";      // target disk created with qemu-img
  std::string disk_format = "qcow2";
  std::uint64_t floppy_bytes = 0;    // 0: no {floppy} image
  // One QEMU option per entry: {"-device", "scsi-cd,...,product=Virtual CDROM"}; the
  // value may contain spaces and {placeholders}. A flag alone has an empty value.
  struct Option {
    std::string flag;
    std::string value;
    int line = 0;
  };
  std::vector<Option> options;
  // The remote-access controller verify emulates (key drac): it answers racadm on the
  // channel the profile declares (a QEMU serial port on {drac-socket}; the guest's name
  // for it in drac-channel) and unplugs the devices in drac-media when told to detach.
  DracKind drac = DracKind::None;
  std::string drac_channel;             // e.g. "/dev/ttyS1", for the guest's racadm
  std::vector<std::string> drac_media;  // QEMU device ids of the virtual CD and floppy
  std::string system_model;             // what getsysinfo reports, e.g. "PowerEdge 2950"
  // The kernel's name of the installed system's disk once the virtual media are gone
  // (key system-disk): what the power cycle of a whole delivery checks.
  std::string system_disk = "sda";
  // The firmware the machine boots with (key firmware) unless verify --firmware says
  // otherwise; nullopt: not set (bios).
  std::optional<Firmware> firmware;
  int firmware_line = 0;
};

// Parses a profile. `source` names it in errors ("machines/pe2950.toml:12: ...").
// Throws Error (exit 2) for TOML syntax errors, unknown keys, wrong types, bad numbers,
// unknown placeholders, a profile that never attaches {iso}, or {floppy} without floppy-size.
MachineProfile parse_machine_profile(std::string_view text, const std::string& name,
                                     const std::string& source);

// `name_or_path`: a profile name (generic, pe2950), found as machines/<name>.toml on the
// data search path, or a path to a .toml file (anything containing '/' or ending .toml).
MachineProfile load_machine_profile(const std::string& name_or_path);

// Names of the profiles found on the data search path, for "unknown machine" errors.
std::vector<std::string> available_machine_profiles();

// Secure Boot needs SMM (the variable store is only writable from it): a q35 machine
// without smm=off. Throws Error (exit 2) naming the profile's -machine line (or the file,
// when it has none: QEMU's default pc has no SMM) otherwise. `why` says who asked for it
// ("firmware = \"uefi-secureboot\"", "--firmware uefi-secureboot").
void require_secure_boot_machine(const MachineProfile& profile, const std::string& why);

// Size with an optional K/M/G/T suffix (powers of 1024), e.g. "1440K", "20G".
bool parse_size(std::string_view text, std::uint64_t& bytes);

std::string_view accel_name(Accel accel);

// Everything about one launch that is not in the profile: files in the work directory,
// the firmware, the accelerator and the boot order.
struct LaunchSettings {
  std::string qemu_binary = "qemu-system-x86_64";
  std::string iso;
  std::string disk;
  std::string floppy;
  std::string qmp_socket;      // QMP control socket (unix)
  std::string firmware_log;    // SeaBIOS debug console output (BIOS only)
  std::string drac_socket;     // the emulated DRAC's channel (unix socket), {drac-socket}
  // Devices left out of the machine (their -device options, the devices on their buses
  // and the drives only they use): the DRAC's virtual media after a detach.
  std::vector<std::string> omit_devices;
  // The same machine powered on again (the power cycle after a detach): its disk, floppy
  // and UEFI variable store are used as they are, not created blank.
  bool keep_disks = false;
  Firmware firmware = Firmware::Bios;
  std::string ovmf_code;       // UEFI: read-only firmware code
  std::string ovmf_vars;       // UEFI: this run's private copy of the variable store
  Accel accel = Accel::Tcg;
  // Booting the installer: the CD first. For a full install (install/firstboot stages) the
  // disk comes first: empty, it is skipped; installed, it boots instead of the installer.
  bool cd_first = true;
  // The machine's identity (verify --identity): the SMBIOS type 1 serial (a Dell's service
  // tag, /sys/class/dmi/id/product_serial in the guest) and the MACs of the profile's NICs
  // in their order; empty: QEMU's defaults.
  std::string smbios_serial;
  std::vector<std::string> nic_macs;
};

// A path as a QEMU option value: properties are separated by commas, so a comma inside a
// file name is written twice.
std::string qemu_escape(std::string_view path);

// The profile's NICs: its -device options attached to a -netdev, in order.
std::size_t nic_count(const MachineProfile& profile);

// The full QEMU argv (argv[0] included). Serial port 0 is QEMU's stdout, so the runner
// reads it from a pipe; no display; no default devices besides what the profile lists.
std::vector<std::string> qemu_command(const MachineProfile& profile, const LaunchSettings& settings);

// Replaces {placeholders} from a table; throws Error naming `where` for an unknown one.
std::string expand_placeholders(std::string_view text,
                                const std::vector<std::pair<std::string, std::string>>& values,
                                const std::string& where);

}  // namespace imgbuild::vm
