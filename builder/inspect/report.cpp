// SPDX-License-Identifier: GPL-2.0-or-later
#include "inspect/report.hpp"

namespace imgbuild::inspect {

namespace {

util::Json entry_to_json(const GrubEntry& e) {
  return {{"title", e.title}, {"kernel", e.kernel}, {"root", e.root_arg}};
}

}  // namespace

util::Json facts_to_json(const DiskFacts& f) {
  util::Json out;
  out["os"] = {{"type", f.os.type},          {"distribution", f.os.distribution}, {"major", f.os.major_version},
               {"minor", f.os.minor_version}, {"product", f.os.product_name},      {"arch", f.os.arch},
               {"hostname", f.os.hostname},   {"root", f.os.root_device}};
  out["filesystems"] = util::Json::array();
  for (const auto& fs : f.filesystems)
    out["filesystems"].push_back({{"device", fs.device}, {"type", fs.type}, {"uuid", fs.uuid}, {"label", fs.label}});
  out["kernels"] = f.kernels;
  out["initrds"] = f.initrds;
  util::Json entries = util::Json::array();
  for (const auto& e : f.grub.entries) entries.push_back(entry_to_json(e));
  out["grub"] = {{"config", f.grub.path},
                 {"flavour", f.grub.flavour},
                 {"default", f.grub.default_spec},
                 {"default_entry", f.grub.default_entry ? entry_to_json(*f.grub.default_entry) : util::Json()},
                 {"entries", std::move(entries)}};
  out["boot_sectors"] = util::Json::array();
  for (const auto& b : f.boot_sectors)
    out["boot_sectors"].push_back({{"device", b.device}, {"grub", b.grub}, {"boot_signature", b.boot_signature}});
  out["fstab"] = util::Json::array();
  for (const auto& e : f.fstab)
    out["fstab"].push_back({{"device", e.device},
                            {"mountpoint", e.mountpoint},
                            {"type", e.type},
                            {"options", e.options},
                            {"by_kernel_name", e.by_kernel_name}});
  out["apt_sources"] = util::Json::array();
  for (const auto& s : f.apt_sources) out["apt_sources"].push_back({{"file", s.file}, {"line", s.line}});
  out["packages"] = util::Json::object();
  for (const auto& [name, package] : f.packages) out["packages"][name] = package.version;
  out["efi_files"] = f.efi_files;
  out["firstboot"] = {{"done", f.firstboot_done},
                      {"state", f.firstboot_state},
                      {"log", f.firstboot_log ? util::Json(*f.firstboot_log) : util::Json()}};
  return out;
}

util::Json verdicts_to_json(const std::vector<Verdict>& verdicts) {
  util::Json out = util::Json::array();
  for (const auto& v : verdicts) out.push_back({{"item", v.item}, {"ok", v.ok}, {"detail", v.detail}});
  return out;
}

util::Json disk_report_to_json(const std::string& disk, const DiskFacts& facts, const std::string& profile_path,
                                const std::vector<Verdict>* verdicts) {
  util::Json out;
  out["disk"] = disk;
  out["facts"] = facts_to_json(facts);
  if (verdicts) {
    out["expect"] = profile_path;
    out["ok"] = all_ok(*verdicts);
    out["verdicts"] = verdicts_to_json(*verdicts);
  }
  return out;
}

}  // namespace imgbuild::inspect
