// SPDX-License-Identifier: GPL-2.0-or-later
// repo-write DEBS_DIR OUT_DIR [SUITE] [BASE_PACKAGES]: lays out the .debs of DEBS_DIR as
// an apt repository in OUT_DIR with repo::Repository, as `build --packages` does, so that
// tests/e2e/repo-apt.sh and installer-repo.sh can hand the result to apt and to Debian's
// installer. A driver for those scripts, not a test of its own (it once hid inside the
// repo unit tests, where it could only ever be skipped).
#include "repo/repository.hpp"
#include "util/error.hpp"

#include <cstdio>
#include <string>

using namespace imgbuild;

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: repo-write DEBS_DIR OUT_DIR [SUITE] [BASE_PACKAGES]\n");
    return 2;
  }
  try {
    repo::RepositoryOptions options;
    options.suite = argc > 3 ? argv[3] : "bookworm";
    repo::Repository repository(options);
    repository.add_deb_directory(argv[1]);
    if (argc > 4 && *argv[4]) repository.add_base_index(argv[4]);
    repository.check_dependencies();
    repository.write(argv[2]);
  } catch (const Error& e) {
    std::fprintf(stderr, "repo-write: %s\n", e.what());
    return 1;
  }
  return 0;
}
