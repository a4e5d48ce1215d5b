// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/profile.hpp"

#include "config/config.hpp"
#include "vm/media.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace imgbuild::vm {

namespace {

using util::trim;

const std::vector<std::string> k_placeholders = {"iso",  "disk", "floppy",       "memory",
                                                 "cpus", "cd-bootindex", "disk-bootindex", "drac-socket"};

bool parse_unsigned(std::string_view text, std::uint64_t& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}


}  // namespace

std::string qemu_escape(std::string_view path) {
  std::string out;
  for (char c : path) {
    out.push_back(c);
    if (c == ',') out.push_back(',');
  }
  return out;
}

bool parse_size(std::string_view text, std::uint64_t& bytes) {
  text = trim(text);
  if (text.empty()) return false;
  std::uint64_t multiplier = 1;
  char suffix = text.back();
  if (suffix == 'K' || suffix == 'k') multiplier = 1ull << 10;
  if (suffix == 'M' || suffix == 'm') multiplier = 1ull << 20;
  if (suffix == 'G' || suffix == 'g') multiplier = 1ull << 30;
  if (suffix == 'T' || suffix == 't') multiplier = 1ull << 40;
  if (multiplier != 1) text.remove_suffix(1);
  std::uint64_t number = 0;
  if (!parse_unsigned(text, number)) return false;
  if (number > UINT64_MAX / multiplier) return false;
  bytes = number * multiplier;
  return true;
}

std::string_view firmware_name(Firmware firmware) {
  switch (firmware) {
    case Firmware::Bios: return "bios";
    case Firmware::Uefi: return "uefi";
    case Firmware::UefiSecureBoot: return "uefi-secureboot";
  }
  return "bios";
}

std::optional<Firmware> parse_firmware(std::string_view name) {
  if (name == "bios") return Firmware::Bios;
  if (name == "uefi") return Firmware::Uefi;
  if (name == "uefi-secureboot") return Firmware::UefiSecureBoot;
  return std::nullopt;
}

bool is_uefi(Firmware firmware) { return firmware != Firmware::Bios; }

void require_secure_boot_machine(const MachineProfile& profile, const std::string& why) {
  const std::string fix = "use \"-machine q35\", the machine type with SMM, or another --firmware";
  const MachineProfile::Option* machine = nullptr;
  std::string type;
  for (const auto& option : profile.options) {
    if (option.flag != "-machine" && option.flag != "-M") continue;
    machine = &option;
    // "-machine q35,smm=on": the type is the first property without '=', or type=.
    std::string_view rest = option.value;
    for (bool first = true; !rest.empty(); first = false) {
      std::size_t comma = rest.find(',');
      std::string_view property = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (property.starts_with("type="))
        type = std::string(property.substr(5));
      else if (first && property.find('=') == std::string_view::npos)
        type = std::string(property);
      if (property == "smm=off" || property == "smm=no")
        throw Error(profile.source + ":" + std::to_string(option.line),
                    why + " needs SMM, but the machine has " + std::string(property), fix);
    }
  }
  if (!machine)
    throw Error(profile.source, why + " needs SMM, but the profile sets no -machine: QEMU's default pc (i440fx) has none",
                fix);
  if (type != "q35" && !type.starts_with("pc-q35"))
    throw Error(profile.source + ":" + std::to_string(machine->line),
                why + " needs SMM, which machine type \"" + type + "\" does not have", fix);
}

std::string_view accel_name(Accel accel) { return accel == Accel::Kvm ? "kvm" : "tcg"; }

std::string expand_placeholders(std::string_view text,
                                const std::vector<std::pair<std::string, std::string>>& values,
                                const std::string& where) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t close = text.find('}', i);
    if (close == std::string_view::npos)
      throw Error(where, "unclosed '{' in \"" + std::string(text) + "\"",
                  "placeholders look like {iso}");
    std::string key(text.substr(i + 1, close - i - 1));
    auto found = std::find_if(values.begin(), values.end(),
                              [&](const auto& entry) { return entry.first == key; });
    if (found == values.end()) {
      std::string known;
      for (const auto& name : k_placeholders) known += (known.empty() ? "{" : ", {") + name + "}";
      throw Error(where, "unknown placeholder {" + key + "}", "known: " + known);
    }
    out += found->second;
    i = close + 1;
  }
  return out;
}

namespace {

[[noreturn]] void fail_at(const config::Table& table, int line, const std::string& problem,
                          const std::string& fix = {}) {
  throw Error(table.where(line), problem, fix);
}

// description, memory, cpus, the disk and the floppy.
void read_hardware(config::Table& table, MachineProfile& profile) {
  if (auto description = table.string("description")) profile.description = description->value;
  if (auto memory = table.integer("memory", "a number of MiB")) {
    if (memory->value < 16)
      fail_at(table, memory->line, "memory must be at least 16 (MiB), got " + std::to_string(memory->value));
    profile.memory_mib = static_cast<std::uint64_t>(memory->value);
  }
  if (auto cpus = table.integer("cpus")) {
    if (cpus->value < 1 || cpus->value > 64)
      fail_at(table, cpus->line, "cpus must be 1 to 64, got " + std::to_string(cpus->value));
    profile.cpus = static_cast<unsigned>(cpus->value);
  }
  if (auto disk_size = table.string("disk-size", "a size like \"20G\"")) {
    std::uint64_t bytes = 0;
    if (!parse_size(disk_size->value, bytes) || bytes < (1u << 20))
      fail_at(table, disk_size->line, "disk-size must be a size like \"20G\", got \"" + disk_size->value + "\"");
    profile.disk_size = disk_size->value;
  }
  if (auto disk_format = table.string("disk-format", "qcow2 or raw")) {
    if (disk_format->value != "qcow2" && disk_format->value != "raw")
      fail_at(table, disk_format->line, "disk-format must be \"qcow2\" or \"raw\", got \"" + disk_format->value + "\"");
    profile.disk_format = disk_format->value;
  }
  if (auto floppy_size = table.string("floppy-size", "a size like \"1440K\"")) {
    if (!parse_size(floppy_size->value, profile.floppy_bytes) || profile.floppy_bytes == 0 ||
        profile.floppy_bytes % 512 != 0)
      fail_at(table, floppy_size->line, "floppy-size must be a multiple of 512 bytes like \"1440K\", got \"" +
                                  floppy_size->value + "\"");
  }
}

// Which placeholders the qemu entries use.
struct PlaceholderUse {
  bool iso = false;
  bool floppy = false;
};

// The qemu entries: one option each, none of those imgbuild sets, every placeholder known.
PlaceholderUse read_qemu_options(config::Table& table, MachineProfile& profile) {
  // Dummy values: only checks that every placeholder is known.
  std::vector<std::pair<std::string, std::string>> probe;
  for (const auto& key : k_placeholders) probe.emplace_back(key, "x");
  PlaceholderUse used;
  for (const auto& line : table.strings("qemu", "one QEMU option per string: \"-flag value\"")) {
    const std::string where = table.where(line.line);
    std::string_view value = trim(line.value);
    if (value.empty() || value.front() != '-')
      fail_at(table, line.line, "a qemu entry holds one option starting with '-', got \"" + line.value + "\"");
    MachineProfile::Option option;
    std::size_t space = value.find_first_of(" \t");
    option.flag = std::string(value.substr(0, space));
    // QEMU option names are lower-case words with dashes; anything else (a missing space
    // as in "-drive,file={iso}") would pass an unexpanded placeholder to QEMU.
    if (option.flag.size() < 2 ||
        option.flag.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", 1) != std::string::npos)
      fail_at(table, line.line, "\"" + option.flag + "\" is not a QEMU option name",
           "write the option and its value separated by a space: \"-drive file={iso}\"");
    if (space != std::string_view::npos) option.value = std::string(trim(value.substr(space)));
    option.line = line.line;
    expand_placeholders(option.value, probe, where);
    for (const auto& reserved : {"-accel", "-enable-kvm", "-serial", "-monitor", "-qmp", "-display",
                                 "-kernel", "-initrd", "-m", "-smp", "-bios"}) {
      if (option.flag == reserved)
        fail_at(table, line.line, "option " + option.flag + " is set by imgbuild, not by profiles",
             "use the memory/cpus keys or verify's --accel/--firmware options");
    }
    if (option.value.find("{floppy}") != std::string::npos) used.floppy = true;
    if (option.value.find("{iso}") != std::string::npos) used.iso = true;
    profile.options.push_back(std::move(option));
  }
  return used;
}

// The emulated remote-access controller and the channel the guest reaches it on; the
// firmware. Returns the line of the drac key (0: none).
int read_drac_and_firmware(config::Table& table, MachineProfile& profile) {
  int drac_line = 0;
  if (auto drac = table.string("drac", "drac5, idrac6, idrac7, idrac8, idrac9 or none")) {
    auto kind = parse_drac_kind(drac->value);
    if (!kind)
      fail_at(table, drac->line, "unknown drac \"" + drac->value + "\"",
              "known: drac5, idrac6, idrac7, idrac8, idrac9, none");
    profile.drac = *kind;
    drac_line = drac->line;
  }
  if (auto channel = table.string("drac-channel", "the guest's device, e.g. \"/dev/ttyS1\""))
    profile.drac_channel = channel->value;
  for (const auto& id : table.strings("drac-media", "QEMU device ids")) profile.drac_media.push_back(id.value);
  if (auto model = table.string("system-model")) profile.system_model = model->value;
  if (auto disk = table.string("system-disk", "a kernel disk name, e.g. \"sda\" or \"nvme0n1\"")) {
    if (disk->value.empty() || disk->value.find('/') != std::string::npos)
      fail_at(table, disk->line, "system-disk \"" + disk->value + "\" is not a kernel disk name",
              "e.g. \"sda\" or \"nvme0n1\"");
    profile.system_disk = disk->value;
  }
  if (auto firmware = table.string("firmware", "bios, uefi or uefi-secureboot")) {
    profile.firmware = parse_firmware(firmware->value);
    if (!profile.firmware)
      fail_at(table, firmware->line, "unknown firmware \"" + firmware->value + "\"",
              "known: bios, uefi, uefi-secureboot");
    profile.firmware_line = firmware->line;
  }
  return drac_line;
}

// A DRAC needs the channel the guest reaches it on and the media devices it unplugs.
void check_drac(const config::Table& table, MachineProfile& profile, int drac_line) {
  const std::string kind(drac_kind_name(profile.drac));
  bool channel = false;
  for (const auto& option : profile.options)
    if (option.value.find("{drac-socket}") != std::string::npos) channel = true;
  if (!channel || profile.drac_channel.empty())
    fail_at(table, drac_line, "drac = " + kind + " but the profile declares no channel",
         "add \"-chardev socket,id=drac,path={drac-socket},server=on,wait=off\" and \"-device "
         "isa-serial,chardev=drac\" to qemu, and drac-channel = \"/dev/ttyS1\"");
  if (profile.drac_media.empty())
    fail_at(table, drac_line, "drac = " + kind + " but drac-media names no device",
         "add drac-media = the ids of the virtual CD and floppy devices, e.g. [\"vcd-bot\", \"vfd-bot\"]");
  for (const auto& id : profile.drac_media) {
    bool found = false;
    for (const auto& option : profile.options)
      if (option.flag == "-device" && option.value.find("id=" + id) != std::string::npos) found = true;
    if (!found) fail_at(table, drac_line, "drac-media names \"" + id + "\", which no -device of the profile has as id");
  }
  if (profile.system_model.empty()) profile.system_model = profile.name;
}

}  // namespace

MachineProfile parse_machine_profile(std::string_view text, const std::string& name,
                                     const std::string& source) {
  MachineProfile profile;
  profile.name = name;
  profile.source = source;
  auto table = config::Table::parse(text, source);
  read_hardware(table, profile);
  const PlaceholderUse used = read_qemu_options(table, profile);
  const int drac_line = read_drac_and_firmware(table, profile);
  table.reject_unknown("see machines/README.md");
  if (profile.drac != DracKind::None) check_drac(table, profile, drac_line);

  if (!used.iso)
    throw Error(source, "the profile never attaches the ISO", "add a qemu entry using {iso}");
  if (profile.firmware == Firmware::UefiSecureBoot)
    require_secure_boot_machine(profile, "firmware = \"uefi-secureboot\" (line " +
                                             std::to_string(profile.firmware_line) + ")");
  if (used.floppy && profile.floppy_bytes == 0)
    throw Error(source, "{floppy} is used but floppy-size is not set", "add floppy-size = \"1440K\"");
  return profile;
}

MachineProfile load_machine_profile(const std::string& name_or_path) {
  fs::path path;
  std::string name;
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > 5 && name_or_path.ends_with(".toml"));
  if (is_path) {
    path = name_or_path;
    name = path.stem().string();
  } else {
    name = name_or_path;
    path = util::find_data_file("machines/" + name + ".toml");
    if (path.empty()) {
      std::string known;
      for (const auto& candidate : available_machine_profiles())
        known += (known.empty() ? "" : ", ") + candidate;
      throw Error("--machine " + name, "unknown machine profile",
                  known.empty() ? "give the path of a .toml file"
                                : "known: " + known + ", or the path of a .toml file");
    }
  }
  std::string text = util::read_small_file(path.string(), 1u << 20, "machine profile");
  return parse_machine_profile(text, name, path.string());
}

std::vector<std::string> available_machine_profiles() {
  std::set<std::string> names;
  for (const auto& dir : util::data_search_path()) {
    std::error_code ec;
    for (fs::directory_iterator it(dir / "machines", ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".toml") names.insert(it->path().stem().string());
    }
  }
  return {names.begin(), names.end()};
}

namespace {

bool is_nic(const MachineProfile::Option& option) {
  return option.flag == "-device" && option.value.find("netdev=") != std::string::npos;
}

}  // namespace

std::size_t nic_count(const MachineProfile& profile) {
  return static_cast<std::size_t>(std::count_if(profile.options.begin(), profile.options.end(), is_nic));
}

std::vector<std::string> qemu_command(const MachineProfile& profile, const LaunchSettings& settings) {
  if (settings.nic_macs.size() > nic_count(profile))
    throw Error(profile.source, "--identity names " + std::to_string(settings.nic_macs.size()) +
                                    " MACs, the machine has " + std::to_string(nic_count(profile)) + " NICs",
                "give at most one mac= per NIC");
  std::vector<std::pair<std::string, std::string>> values = {
      {"iso", qemu_escape(settings.iso)},
      {"disk", qemu_escape(settings.disk)},
      {"floppy", qemu_escape(settings.floppy)},
      {"memory", std::to_string(profile.memory_mib)},
      {"cpus", std::to_string(profile.cpus)},
      {"drac-socket", qemu_escape(settings.drac_socket)},
      {"cd-bootindex", settings.cd_first ? "0" : "1"},
      {"disk-bootindex", settings.cd_first ? "1" : "0"},
  };
  std::vector<std::string> argv = {
      settings.qemu_binary,
      "-name", "imgbuild-verify-" + profile.name,
      "-accel", std::string(accel_name(settings.accel)),
      "-m", std::to_string(profile.memory_mib),
      "-smp", std::to_string(profile.cpus),
      "-nodefaults", "-no-user-config",
      "-display", "none",
      // Serial port 0 on QEMU's stdout: the runner reads it from a pipe, losing nothing.
      "-chardev", "stdio,id=serial0,signal=off",
      "-serial", "chardev:serial0",
      "-qmp", "unix:" + settings.qmp_socket + ",server=on,wait=off",
  };
  if (settings.firmware == Firmware::Bios) {
    // SeaBIOS writes its boot log (boot order, El Torito errors) to I/O port 0x402.
    if (!settings.firmware_log.empty()) {
      argv.insert(argv.end(), {"-chardev", "file,id=firmware-log,path=" + qemu_escape(settings.firmware_log),
                               "-device", "isa-debugcon,iobase=0x402,chardev=firmware-log"});
    }
  } else {
    argv.insert(argv.end(),
                {"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + qemu_escape(settings.ovmf_code),
                 "-drive", "if=pflash,format=raw,unit=1,file=" + qemu_escape(settings.ovmf_vars)});
    if (settings.firmware == Firmware::UefiSecureBoot) {
      // The Secure Boot build of OVMF keeps its variables behind SMM, so only the firmware
      // can change them (QEMU merges this -machine with the profile's); S3 is off as
      // OVMF's Secure Boot build requires.
      argv.insert(argv.end(), {"-machine", "smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on",
                               "-global", "ICH9-LPC.disable_s3=1"});
    }
  }
  if (!settings.smbios_serial.empty())
    argv.insert(argv.end(), {"-smbios", "type=1,serial=" + qemu_escape(settings.smbios_serial)});
  std::size_t nic = 0;
  for (const auto& option : options_without(profile.options, settings.omit_devices)) {
    argv.push_back(option.flag);
    if (!option.value.empty())
      argv.push_back(expand_placeholders(option.value, values,
                                         profile.source + ":" + std::to_string(option.line)));
    if (is_nic(option) && nic < settings.nic_macs.size()) argv.back() += ",mac=" + settings.nic_macs[nic++];
  }
  return argv;
}

}  // namespace imgbuild::vm
