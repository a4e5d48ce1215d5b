// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace imgbuild::util {

class ProgressStep;

// The directory of remembered file digests: $IMGBUILD_DIGEST_CACHE ("off" turns the cache
// off), else $XDG_CACHE_HOME/imgbuild/digests, else $HOME/.cache/imgbuild/digests; none
// when no variable names one.
std::optional<std::filesystem::path> digest_cache_dir();

// segmented_xxh3_128_file_hex of `path` (util/hash.hpp), remembered between runs the way ccache's direct mode trusts
// a file's stat: the entry is keyed by device, inode, size, and mtime and ctime to the
// nanosecond. Any write to the file, or another file put in its place, changes its ctime,
// which no user can set, so a stale entry is never used. Why: the base's digest is part of
// the build id, and reading a 4 GB DVD to hash it took a third of an append remaster of it
// (issue 15); building a rack's images one after another from one base reads it once.
// The cache only saves time: an entry that cannot be read or written is ignored, and the
// digest is computed.
std::string cached_segmented_xxh3_128_file_hex(const std::string& path, ProgressStep* progress = nullptr,
                                               const std::optional<std::filesystem::path>& cache_dir = digest_cache_dir());

}  // namespace imgbuild::util
