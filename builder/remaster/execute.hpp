// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "iso/writer.hpp"
#include "remaster/plan.hpp"
#include "util/fs.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace imgbuild::iso {
class Reader;
}

namespace imgbuild::remaster {

// The new files of a plan, made on disk under a staging directory: the grafts a writer
// puts onto the base. Made once, they can be written into any number of outputs.
struct StagedPlan {
  std::vector<iso::Graft> grafts;  // in the order the writer applies them
};

// Makes the plan's files: each preseeded initrd (the base's bytes, then the appendix),
// the text files, and /md5sum.txt naming their new bytes. `stage` is an empty directory.
StagedPlan stage_plan(const RemasterPlan& plan, const iso::Reader& base, const std::filesystem::path& stage);

// A staged file of mode 0644 (whatever the umask), its directories created.
void write_staged_file(const std::filesystem::path& path, std::string_view content);

// Writes the base with the staged files onto it into `output_path` in the given layout,
// atomically (a temp file beside the output, renamed when complete; removed on failure or
// a signal), with progress on stderr. Returns its size. One staged plan can be written
// into any number of outputs; in the append layout each shares the base's extents on a
// reflink filesystem and costs only the change.
std::uint64_t write_output(const RemasterPlan& plan, const StagedPlan& staged, const std::string& base_path,
                           const std::string& output_path, iso::Layout layout);

// The same into an output the caller commits: several outputs that appear together
// (build --per-host, where the append layout makes every host's image share the base's
// extents). Returns its size.
std::uint64_t write_output_uncommitted(const RemasterPlan& plan, const StagedPlan& staged, const std::string& base_path,
                                       util::AtomicOutput& file, iso::Layout layout);

}  // namespace imgbuild::remaster
