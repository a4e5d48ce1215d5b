// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "util/hash.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace imgbuild::remaster {

// Copies a user's overlay tree into the staging area, checking it on the way:
// symlinks must stay inside the tree (no absolute targets, no ".." that climbs out),
// no device nodes, FIFOs or sockets, every file readable. Modes are normalised (0755
// for directories and files with any execute bit, 0644 otherwise) so the image does
// not depend on the builder's umask. Files of 4 GiB or more are refused when
// `max_file_size` says the ISO level cannot hold them.
// Adds paths, modes and content hashes to `id_fields` (for the build id). Returns the number
// of files copied.
std::uint64_t stage_overlay(const std::filesystem::path& source, const std::filesystem::path& destination,
                            const std::string& option_name, std::uint64_t max_file_size,
                            std::vector<std::string>& id_fields);

// Normalised permission bits for a file of mode `mode` (see stage_overlay).
unsigned normalised_mode(unsigned mode, bool is_directory);

// True when `target` (a symlink's text, found at `link_relative` inside a tree) resolves
// to a place inside that tree, judged lexically: absolute targets never do.
bool symlink_stays_inside(const std::string& link_relative, const std::string& target);

}  // namespace imgbuild::remaster
