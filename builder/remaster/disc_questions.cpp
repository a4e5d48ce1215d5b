// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/disc_questions.hpp"

#include "initrd/initrd.hpp"
#include "repo/deb.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"

#include <fcntl.h>
#include <set>
#include <unistd.h>

namespace imgbuild::remaster {

namespace {

bool is_installer_initrd(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  return path.starts_with("/install") && name.starts_with("initrd");
}

}  // namespace

preseed::QuestionSet disc_questions(const iso::Reader& disc, const std::string& release) {
  preseed::QuestionSet set;
  // The udebs on the disc (pool/**/*.udeb), which the installer loads after the initrd:
  // their DEBIAN/templates hold the questions of partman, apt-setup, grub-installer...
  std::set<std::string> udebs;
  std::uint64_t total = 0;
  for (const iso::Entry& entry : disc.entries()) {
    if (entry.is_dir || entry.is_symlink) continue;
    if (entry.path.ends_with(".udeb") && entry.size < (64u << 20)) udebs.insert(entry.path);
    if (udebs.count(entry.path) || is_installer_initrd(entry.path)) total += entry.size;
  }
  util::ProgressStep progress("reading the installer's templates on " + disc.path(), total);
  int initrds = 0;
  for (const iso::Entry& entry : disc.entries()) {
    if (entry.is_dir || entry.is_symlink || !is_installer_initrd(entry.path)) continue;
    auto bytes = disc.read_file(entry.path, 512u << 20);
    if (!bytes) continue;
    auto members = initrd::read_members_from_bytes(
        *bytes,
        [](const std::string& path) {
          return (path.starts_with("var/lib/dpkg/info/") && path.ends_with(".templates")) ||
                 path == "var/lib/cdebconf/templates.dat";
        },
        256u << 20, disc.path() + ":" + entry.path);
    for (const auto& [path, content] : members) preseed::add_templates(set, content);
    ++initrds;
    progress.advance(entry.size);
  }
  util::TempDir work("lint");
  std::string current;
  util::Fd out;
  auto finish = [&] {
    if (current.empty()) return;
    out = util::Fd();
    if (auto templates = repo::read_control_member((work.path() / "udeb").string(), "templates"))
      preseed::add_templates(set, *templates);
    current.clear();
  };
  disc.stream_files(udebs, [&](const std::string& path, const char* data, std::size_t size, bool last) {
    if (path != current) {
      current = path;
      out = util::Fd(::open((work.path() / "udeb").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
      if (!out) throw Error(work.path().string(), "cannot write a temporary file", "", 3);
    }
    if (size && ::write(out.get(), data, size) != static_cast<ssize_t>(size))
      throw Error(work.path().string(), "cannot write a temporary file", "free some space in $TMPDIR", 3);
    progress.advance(size);
    if (last) finish();
  });
  progress.finish();
  std::string origin = "templates of " + std::to_string(initrds) + " installer initrd(s) and " +
                       std::to_string(udebs.size()) + " udeb(s) on " + disc.path();
  if (!release.empty()) {
    preseed::QuestionSet list = preseed::builtin_questions(release);
    // The disc's own templates were added first and win; the list adds what is missing.
    set.add_all(list);
    set.origin = origin + " and the " + list.origin;
    return set;
  }
  if (initrds == 0)
    throw Error(disc.path(), "no installer initrd (install*/initrd*) on this disc",
                "is it a Debian installer ISO? use --release instead");
  set.origin = origin;
  return set;
}

std::string disc_release(const iso::Reader& disc) {
  auto info = disc.read_file("/.disk/info", 64u << 10);
  return info ? preseed::guess_release(*info) : "";
}

}  // namespace imgbuild::remaster
