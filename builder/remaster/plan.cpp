// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/plan.hpp"

#include "initrd/initrd.hpp"
#include "iso/reader.hpp"
#include "preseed/preseed.hpp"
#include "preseed/secrets.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/json_document.hpp"

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace imgbuild::remaster {

namespace {

std::vector<std::string> id_fields(const BaseLayout& layout, const PlanInputs& inputs) {
  (void)layout;
  const BuildOptions& options = *inputs.options;
  std::vector<std::string> fields{"imgbuild-build-v1", IMGBUILD_VERSION, inputs.base_digest};
  // Secrets in the clear are hashed as the placeholder that replaces them: the build id is
  // published (serial log, build.json, inspect) and XXH3 is fast and not a cryptographic
  // hash, so a low-entropy password could be brute-forced from it, every other input being
  // known. Two builds differing only in such a password share a build id. crypt(3) hashes
  // stay in: they are made to be written to files, and a changed hash must change the id.
  fields.push_back(options.preseed_path
                       ? preseed::redact(inputs.preseed_text, *options.preseed_path, preseed::Redact::in_clear)
                       : std::string("<no preseed>"));
  fields.push_back(preseed::redact_kernel_args(options.kernel_args, preseed::Redact::in_clear));
  fields.push_back(options.arch);
  fields.push_back(std::to_string(options.timeout_seconds));
  fields.push_back(options.memtest ? "memtest" : "");
  fields.push_back(std::to_string(options.iso_level));
  fields.push_back(std::to_string(inputs.timestamp));
  fields.insert(fields.end(), inputs.staged.id_fields.begin(), inputs.staged.id_fields.end());
  for (const auto& member : inputs.initrd_members)
    fields.push_back("initrd-member:" + member.path + ":" + std::to_string(member.mode) + ":" + member.content);
  if (inputs.fleet) fields.push_back("fleet:" + inputs.fleet->unknown_host + ":" + inputs.fleet->host);
  return fields;
}

// Every initrd an installer entry of the menus names, once.
std::set<std::string> installer_initrds(const Menus& menus) {
  std::set<std::string> initrds;
  for (const auto* tree : {menus.isolinux ? &*menus.isolinux : nullptr, menus.grub ? &*menus.grub : nullptr})
    if (tree)
      for (const auto& entry : tree->entries)
        if (entry.is_installer)
          for (const auto& initrd_path : entry.initrds) initrds.insert(iso::normalise_iso_path(initrd_path));
  return initrds;
}

// The unattended entry first, the disc's own entries kept below it.
void plan_menu(const BaseLayout& layout, const BuildOptions& options, const bootmenu::MenuTree& tree,
               const std::vector<bootmenu::ExtraEntry>& extras, RemasterPlan& plan) {
  const bootmenu::InstallerEntry& base_entry = bootmenu::choose_base_entry(tree, options.arch);
  bootmenu::Unattended unattended;
  unattended.kernel = base_entry.kernel;
  unattended.initrds = base_entry.initrds;
  unattended.args = bootmenu::unattended_args(base_entry.args, options.kernel_args);
  unattended.timeout_seconds = options.timeout_seconds;
  unattended.extras = extras;
  // A command line longer than the kernel accepts is cut silently (255 bytes for
  // Etch's 2.6.18): refuse it here instead of at 3 a.m. in the datacenter.
  if (auto head = layout.heads.find(iso::normalise_iso_path(unattended.kernel)); head != layout.heads.end())
    if (auto limit = bootmenu::kernel_command_line_limit(head->second))
      bootmenu::check_command_line(tree.loader, unattended, *limit);
  auto changed = tree.loader == bootmenu::Loader::isolinux ? bootmenu::make_unattended_isolinux(tree, unattended)
                                                           : bootmenu::make_unattended_grub(tree, unattended);
  for (auto& [iso_path, text] : changed) {
    plan.files.push_back({iso_path, {FileSource::Kind::text, std::move(text), ""}});
    plan.rewritten_menus.push_back(iso_path);
  }
}

std::string build_info_json(const BaseLayout& layout, const PlanInputs& inputs, const RemasterPlan& plan,
                            bool has_target_overlay) {
  const BuildOptions& options = *inputs.options;
  const std::string& fingerprint = inputs.staged.packages.fingerprint;
  util::Json info;
  info["imgbuild_version"] = IMGBUILD_VERSION;
  info["build_id"] = plan.build_id;
  info["timestamp"] = plan.timestamp;
  info["base"] = {{"file", fs::path(options.base_path).filename().string()}, {"volume_id", layout.volume.volume_id}};
  info["preseed"] = options.preseed_path ? util::Json(fs::path(*options.preseed_path).filename().string()) : util::Json();
  info["arch"] = options.arch;
  info["kernel_args"] = preseed::redact_kernel_args(options.kernel_args, preseed::Redact::in_clear);
  info["timeout_seconds"] = options.timeout_seconds;
  info["memtest"] = options.memtest;
  info["target_overlay"] = has_target_overlay;
  info["packages"] = options.package_dirs.empty() ? util::Json()
                     : fingerprint.empty()        ? util::Json{{"signed_by", nullptr}, {"unsigned", true}}
                                                  : util::Json{{"signed_by", fingerprint}, {"unsigned", false}};
  if (inputs.fleet)
    info["hosts"] = inputs.fleet->host.empty()
                        ? util::Json{{"inventory", inputs.fleet->inventory}, {"count", inputs.fleet->hosts},
                                     {"unknown_host", inputs.fleet->unknown_host}}
                        : util::Json{{"inventory", inputs.fleet->inventory}, {"host", inputs.fleet->host}};
  else
    info["hosts"] = util::Json();
  info["preseeded_initrds"] = plan.preseeded_initrds;
  info["rewritten_menus"] = plan.rewritten_menus;
  return util::json_text(std::move(info));
}

}  // namespace

std::string build_id_of(const std::vector<std::string>& fields) {
  util::Xxh3_128 hash;
  for (const auto& field : fields) hash.update_field(field);
  return hash.hex();
}

RemasterPlan make_plan(const BaseLayout& layout, const PlanInputs& inputs) {
  const BuildOptions& options = *inputs.options;
  if (options.preseed_path && !layout.menus.has_installer())
    throw Error(*options.preseed_path, "preseed given for a disc with no Debian installer in its boot menus",
                "drop --preseed to add only overlays, or use an installer image");
  if (!options.preseed_path && (!options.kernel_args.empty() || !options.arch.empty()))
    throw Error("--kernel-args/--arch", "only mean something with --preseed (the unattended entry)",
                "add --preseed FILE");

  RemasterPlan plan;
  plan.build_id_fields = id_fields(layout, inputs);
  plan.build_id = build_id_of(plan.build_id_fields);
  plan.timestamp = inputs.timestamp;
  plan.cdrom_tree = inputs.staged.cdrom;
  plan.target_tree = inputs.staged.target;
  plan.joliet = layout.volume.has_joliet;
  plan.iso_level = options.iso_level;
  plan.base_size = layout.volume.volume_sectors * iso::k_sector_size;
  const bool has_target_overlay = inputs.staged.target.has_value();

  if (options.preseed_path) {
    // The preseed, with imgbuild's markers chained in, appended to every installer initrd.
    preseed::Injection injection;
    injection.build_id = plan.build_id;
    injection.copy_target_overlay = has_target_overlay;
    injection.target_overlay_dir = std::string("/cdrom") + k_target_overlay_path;
    injection.apt_key_file = inputs.staged.packages.apt_key_file;
    std::string final_preseed = preseed::add_imgbuild_commands(inputs.preseed_text, *options.preseed_path, injection);
    std::vector<initrd::Member> members{{"preseed.cfg", final_preseed, 0644}};
    members.insert(members.end(), inputs.initrd_members.begin(), inputs.initrd_members.end());
    plan.appendix = initrd::make_appendix(members, inputs.timestamp);

    for (const auto& initrd_path : installer_initrds(layout.menus)) {
      if (!layout.files.count(initrd_path))
        throw Error(layout.base_path, "boot menu names initrd " + initrd_path + " which is not on the disc",
                    "the base image is damaged or not an installer");
      std::string subject = layout.base_path + ":" + initrd_path;
      auto head = layout.heads.find(initrd_path);
      std::string_view first = head == layout.heads.end() ? std::string_view() : std::string_view(head->second);
      auto format = initrd::detect_format(first.substr(0, k_initrd_head_size), subject);
      // The kernel cannot unpack a gzip segment after an lz4 one (measured: "Decoding failed").
      initrd::check_appendable(format, subject);
      plan.files.push_back({initrd_path, {FileSource::Kind::base_plus_appendix, "", ""}});
      plan.preseeded_initrds.push_back(initrd_path);
    }

    std::vector<bootmenu::ExtraEntry> extras;
    if (!inputs.staged.memtest_local_path.empty()) {
      plan.files.push_back({k_memtest_iso_path, {FileSource::Kind::local_file, "", inputs.staged.memtest_local_path}});
      bootmenu::ExtraEntry memtest{"Memory test (memtest86+)", k_memtest_iso_path, k_memtest_args, "memtest", {}, "m"};
      for (const auto& efi : inputs.staged.memtest_efi) {
        plan.files.push_back({efi.iso_path, {FileSource::Kind::local_file, "", efi.local_path}});
        memtest.efi_programs.emplace(efi.grub_cpu, efi.iso_path);
        if (!efi.is_signed) memtest.efi_unsigned = true;
      }
      extras.push_back(std::move(memtest));
    }
    if (has_installer(layout.menus.isolinux)) plan_menu(layout, options, *layout.menus.isolinux, extras, plan);
    // GRUB menus offer the extras' EFI programs (memtest86+'s .efi) on UEFI.
    if (has_installer(layout.menus.grub)) plan_menu(layout, options, *layout.menus.grub, extras, plan);
  }

  // imgbuild's own files: build id and build information.
  plan.files.push_back({k_build_id_path, {FileSource::Kind::text, plan.build_id + "\n", ""}});
  plan.files.push_back({k_build_info_path, {FileSource::Kind::text,
                                            build_info_json(layout, inputs, plan, has_target_overlay), ""}});

  // md5sum.txt, when the disc has one, names the new bytes; files from overlays are listed too.
  if (layout.md5sums) {
    plan.md5sums_base = layout.md5sums;
    for (const auto& file : plan.files) plan.md5_sources[file.iso_path] = file.source;
    for (const auto* tree : {plan.cdrom_tree ? &*plan.cdrom_tree : nullptr,
                             plan.target_tree ? &*plan.target_tree : nullptr})
      if (tree)
        for (const auto& [iso_path, local] : tree->files)
          if (iso_path != "/md5sum.txt") plan.md5_sources[iso_path] = {FileSource::Kind::local_file, "", local};
  }
  return plan;
}

}  // namespace imgbuild::remaster
