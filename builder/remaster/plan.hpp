// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "initrd/initrd.hpp"
#include "remaster/build.hpp"
#include "remaster/layout.hpp"
#include "remaster/package_trust.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::remaster {

// Where the bytes of a file the output holds instead of (or beside) the base's come from.
struct FileSource {
  enum class Kind {
    text,                // `text` is the whole content
    local_file,          // a staged local file, `local_path`
    base_plus_appendix,  // the base's file at the same ISO path, then the plan's appendix
  };
  Kind kind = Kind::text;
  std::string text;
  std::string local_path;
};

struct NewFile {
  std::string iso_path;
  FileSource source;
};

// A staged local tree grafted at an ISO path, with its regular files (ISO path -> local path).
struct NewTree {
  std::string iso_path;
  std::string local_path;
  std::map<std::string, std::string> files;
};

// What was staged from the user's files before planning (overlays, extra packages,
// memtest86+): the plan only names them, the build id takes their fields.
struct StagedInputs {
  std::vector<std::string> id_fields;  // build id fields, in the order they were staged
  std::optional<NewTree> cdrom;        // at "/"
  std::optional<NewTree> target;       // at /imgbuild/target (target overlays and extras)
  std::string memtest_local_path;      // when --memtest: the BIOS image
  // memtest86+'s EFI programs, when --memtest and GRUB menus will offer them.
  struct EfiProgram {
    std::string grub_cpu;    // GRUB's ${grub_cpu}: "x86_64", "i386"
    std::string iso_path;
    std::string local_path;
    bool is_signed = false;  // carries an Authenticode signature (Secure Boot)
  };
  std::vector<EfiProgram> memtest_efi;
  PackageTrust packages;               // how the target trusts the --packages repository
};

// Everything besides the base layout a plan is made from, all already read.
struct PlanInputs {
  const BuildOptions* options = nullptr;
  std::string preseed_text;   // the --preseed file's bytes, "" without one
  std::int64_t timestamp = 0;
  std::string base_digest;    // XXH3-128 of the base image (part of the build id)
  StagedInputs staged;
  // Files every preseeded initrd gets beside preseed.cfg (a fleet image's /imgbuild/hosts
  // and netcfg hook); they are in the build id.
  std::vector<initrd::Member> initrd_members;
  // For build.json: the inventory of a fleet image, or the one host of a per-host image.
  struct Fleet {
    std::string inventory;      // file name
    std::size_t hosts = 0;
    std::string unknown_host;   // fleet image: "stop" or "dhcp"; per-host image: ""
    std::string host;           // per-host image: its hostname
  };
  std::optional<Fleet> fleet;
};

// What a remaster changes where, decided without writing anything: which initrds get
// which cpio, which menu files change and to what, which overlay files land where,
// which md5sum.txt lines change, and what the build id is made of. One plan can be
// carried out into any number of outputs (execute.hpp).
struct RemasterPlan {
  std::vector<std::string> build_id_fields;  // hashed in this order, XXH3-128 field by field
  std::string build_id;
  std::int64_t timestamp = 0;
  std::string appendix;                      // newc+gzip cpio appended to every preseeded initrd
  std::vector<std::string> preseeded_initrds;
  std::vector<std::string> rewritten_menus;
  std::optional<NewTree> cdrom_tree;         // grafted first, so the files below win over it
  std::vector<NewFile> files;                // initrds, memtest86+, menus, /imgbuild/build-id, build.json
  std::optional<NewTree> target_tree;        // grafted after the files
  // /md5sum.txt, when the base has one: its text, and for every line to update or add
  // the source of that file's new bytes.
  std::optional<std::string> md5sums_base;
  std::map<std::string, FileSource> md5_sources;
  bool joliet = false;
  int iso_level = 3;
  std::uint64_t base_size = 0;               // the base volume's bytes (progress estimate)
};

// Pure: the same layout and inputs give the same plan. Throws Error (exit 2) for input
// that cannot be built (a preseed for a disc with no installer, an initrd the menus name
// that is missing or cannot take an appended cpio, a command line too long for the kernel).
RemasterPlan make_plan(const BaseLayout& layout, const PlanInputs& inputs);

// The build id of a list of fields (XXH3-128, field by field).
std::string build_id_of(const std::vector<std::string>& fields);

// Where memtest86+ goes on the disc. The ".bin" suffix is dropped: isolinux treats *.bin
// as a boot sector, not as a kernel.
inline constexpr const char* k_memtest_iso_path = "/imgbuild/memtest86+";
// memtest86+ mirrors its screen to the serial port it is given: the port verify watches,
// and where a remote console (serial over LAN) can follow the test.
inline constexpr const char* k_memtest_args = "console=ttyS0,115200";

}  // namespace imgbuild::remaster
