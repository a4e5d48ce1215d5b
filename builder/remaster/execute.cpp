// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/execute.hpp"

#include "digest/digest.hpp"
#include "iso/reader.hpp"
#include "remaster/md5sums.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace imgbuild::remaster {

void write_staged_file(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  util::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw Error(path.string(), std::string("cannot create staging file: ") + std::strerror(errno), "", 3);
  util::write_all(fd.get(), content, path.string());
  ::fchmod(fd.get(), 0644);
}

namespace {

void append_to_local_file(const fs::path& path, std::string_view content) {
  util::Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd) throw Error(path.string(), std::string("cannot open staging file: ") + std::strerror(errno), "", 3);
  util::write_all(fd.get(), content, path.string());
}

// Bytes of a staged file or tree.
std::uint64_t staged_size(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return util::file_size_or_zero(path.string());
  std::uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec))
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  return total;
}

// md5sum.txt wants MD5 only, not repo's three-digest pass over initrds of tens of megabytes.
std::string md5_file_hex(const std::string& path) { return digest::file_hex(path, digest::Algorithm::md5); }

}  // namespace

StagedPlan stage_plan(const RemasterPlan& plan, const iso::Reader& base, const fs::path& stage) {
  StagedPlan staged;
  if (plan.cdrom_tree) staged.grafts.push_back({plan.cdrom_tree->local_path, plan.cdrom_tree->iso_path});
  std::map<std::string, std::string> local_by_iso_path;
  std::uint64_t initrd_bytes = 0;
  for (const auto& initrd_path : plan.preseeded_initrds)
    if (const iso::Entry* entry = base.find(initrd_path)) initrd_bytes += entry->size;
  std::optional<util::ProgressStep> initrd_progress;
  if (!plan.preseeded_initrds.empty())
    initrd_progress.emplace("reading and rewriting " + std::to_string(plan.preseeded_initrds.size()) + " initrd(s)",
                            initrd_bytes);
  for (const auto& file : plan.files) {
    fs::path local = stage / "files" / file.iso_path.substr(1);
    switch (file.source.kind) {
      case FileSource::Kind::text:
        write_staged_file(local, file.source.text);
        break;
      case FileSource::Kind::local_file:
        local = file.source.local_path;
        break;
      case FileSource::Kind::base_plus_appendix:
        fs::create_directories(local.parent_path());
        base.extract_file(file.iso_path, local.string());
        append_to_local_file(local, plan.appendix);
        ::chmod(local.c_str(), 0644);
        if (const iso::Entry* entry = base.find(file.iso_path)) initrd_progress->advance(entry->size);
        break;
    }
    local_by_iso_path[file.iso_path] = local.string();
    staged.grafts.push_back({local.string(), file.iso_path});
  }
  if (initrd_progress) initrd_progress->finish();
  // A directory the writer has to create for a file (/imgbuild for build-id) takes its
  // local parent's mode: 0755, whatever the umask.
  if (fs::exists(stage / "files"))
    for (auto& e : fs::recursive_directory_iterator(stage / "files"))
      if (e.is_directory()) ::chmod(e.path().c_str(), 0755);
  if (plan.target_tree) staged.grafts.push_back({plan.target_tree->local_path, plan.target_tree->iso_path});

  if (plan.md5sums_base) {
    std::map<std::string, std::string> md5_by_iso_path;
    for (const auto& [iso_path, source] : plan.md5_sources)
      md5_by_iso_path[iso_path] = source.kind == FileSource::Kind::text ? digest::bytes_hex(source.text, digest::Algorithm::md5)
                                  : source.kind == FileSource::Kind::local_file
                                      ? md5_file_hex(source.local_path)
                                      : md5_file_hex(local_by_iso_path.at(iso_path));
    fs::path local = stage / "md5sum.txt";
    write_staged_file(local, update_md5sums(*plan.md5sums_base, md5_by_iso_path));
    staged.grafts.push_back({local.string(), "/md5sum.txt"});
  }
  return staged;
}

std::uint64_t write_output(const RemasterPlan& plan, const StagedPlan& staged, const std::string& base_path,
                           const std::string& output_path, iso::Layout layout) {
  util::AtomicOutput file(output_path);
  std::uint64_t size = write_output_uncommitted(plan, staged, base_path, file, layout);
  file.commit();
  return size;
}

std::uint64_t write_output_uncommitted(const RemasterPlan& plan, const StagedPlan& staged, const std::string& base_path,
                                       util::AtomicOutput& file, iso::Layout layout) {
  const std::string& output_path = file.target_path();
  iso::WriteOptions write;
  write.base_path = base_path;
  write.output_path = file.temp_path();
  write.grafts = staged.grafts;
  write.timestamp = plan.timestamp;
  write.joliet = plan.joliet;
  write.iso_level = plan.iso_level;
  write.layout = layout;
  // compact: about the base's size (grafts are small next to it). append: the staged
  // files, about what the new session holds beside its tree.
  std::uint64_t expected = plan.base_size;
  if (layout == iso::Layout::append) {
    expected = 0;
    for (const auto& graft : staged.grafts) expected += staged_size(graft.local_path);
  }
  util::ProgressStep progress("writing " + output_path, expected);
  write.progress = [&progress](std::uint64_t written) { progress.set_done(written); };
  iso::write_remastered(write);
  progress.finish();
  struct stat st;
  if (::stat(file.temp_path().c_str(), &st) == 0) return static_cast<std::uint64_t>(st.st_size);
  return 0;
}

}  // namespace imgbuild::remaster
