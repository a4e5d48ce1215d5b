// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "initrd/initrd.hpp"
#include "iso/reader.hpp"
#include "repo/deb.hpp"
#include "preseed/lint.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <fcntl.h>
#include <iostream>
#include <set>
#include <unistd.h>
#include <memory>

namespace imgbuild::cli {

namespace {

struct LintArgs {
  std::string file;
  std::string release;
  std::string base;
  bool errors_only = false;
};

bool is_installer_initrd(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  return path.starts_with("/install") && name.starts_with("initrd");
}

// The questions of the disc's installer: the templates of every udeb inside its initrds
// (the installer builds templates.dat from var/lib/dpkg/info/*.templates at boot), plus
// the shipped list of its release for the udebs it loads later from the disc.
preseed::QuestionSet questions_from_disc(const iso::Reader& disc, const std::string& release) {
  preseed::QuestionSet set;
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
  }
  // The udebs on the disc (pool/**/*.udeb), which the installer loads after the initrd:
  // their DEBIAN/templates hold the questions of partman, apt-setup, grub-installer...
  std::set<std::string> udebs;
  for (const iso::Entry& entry : disc.entries())
    if (!entry.is_dir && !entry.is_symlink && entry.path.ends_with(".udeb") && entry.size < (64u << 20))
      udebs.insert(entry.path);
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
    if (last) finish();
  });
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

int run_lint(const LintArgs& args) {
  std::string release = args.release;
  std::unique_ptr<iso::Reader> disc;
  if (!args.base.empty()) {
    disc = std::make_unique<iso::Reader>(args.base);
    if (release.empty()) {
      auto info = disc->read_file("/.disk/info", 64u << 10);
      release = info ? preseed::guess_release(*info) : "";
      if (release.empty())
        std::cerr << "imgbuild lint: " << args.base
                  << ": release not recognised from .disk/info; release checks skipped (give --release)\n";
    }
  } else if (release.empty()) {
    throw Error(args.file, "which installer is it for?",
                "give --release etch|lenny|bookworm|trixie or --base ISO");
  }
  if (!release.empty()) preseed::builtin_questions(release);  // validates the name early

  std::string text = util::read_small_file(args.file, 16u << 20, "preseed");
  preseed::Preseed parsed = preseed::parse(text, args.file);
  preseed::QuestionSet questions =
      disc ? questions_from_disc(*disc, release) : preseed::builtin_questions(release);

  preseed::LintOptions options;
  options.release = release;
  auto diagnostics = preseed::lint(parsed, questions, options);
  int errors = 0, warnings = 0;
  for (const auto& d : diagnostics) {
    if (d.severity == preseed::Severity::error) ++errors; else ++warnings;
    if (args.errors_only && d.severity != preseed::Severity::error) continue;
    std::cout << preseed::format(d) << "\n";
  }
  std::cerr << args.file << ": " << errors << " error(s), " << warnings << " warning(s) against "
            << questions.origin << " (" << questions.size() << " questions)\n";
  if (args.errors_only) return errors ? 1 : 0;
  return diagnostics.empty() ? 0 : 1;
}

}  // namespace

void register_lint(CLI::App& app, Action& action) {
  auto args = std::make_shared<LintArgs>();
  auto* command = app.add_subcommand(
      "lint", "check a preseed against the questions of an installer release: exit 0 clean, "
              "1 problems found, 2 bad input");
  command->add_option("file", args->file, "preseed file")->required();
  command->add_option("--release", args->release, "installer release: etch, lenny, bookworm, trixie");
  command->add_option("--base", args->base,
                      "base ISO: questions from its installer's templates, release from .disk/info");
  command->add_flag("--errors-only", args->errors_only, "print and count errors only");
  command->callback([&action, args] { action = [args] { return run_lint(*args); }; });
}

}  // namespace imgbuild::cli
