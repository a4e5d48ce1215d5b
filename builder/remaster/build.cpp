// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/build.hpp"

#include "bootmenu/bootmenu.hpp"
#include "digest/digest.hpp"
#include "initrd/initrd.hpp"
#include "iso/reader.hpp"
#include "iso/writer.hpp"
#include "preseed/lint.hpp"
#include "preseed/preseed.hpp"
#include "preseed/questions.hpp"
#include "preseed/secrets.hpp"
#include "remaster/base_checksum.hpp"
#include "remaster/md5sums.hpp"
#include "remaster/overlay.hpp"
#include "remaster/package_trust.hpp"
#include "repo/repository.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/json_document.hpp"
#include "util/progress.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace imgbuild::remaster {

namespace {

constexpr std::uint64_t k_max_menu_size = 1 << 20;
constexpr std::uint64_t k_max_preseed_size = 1 << 20;
constexpr std::uint64_t k_level_2_max_file = (std::uint64_t{4} << 30) - 1;
constexpr std::uint64_t k_no_limit = ~std::uint64_t{0};

// Where memtest86+ lives once the Debian package is installed. The ".bin" suffix is
// dropped on the disc: isolinux treats *.bin as a boot sector, not as a kernel.
const char* const k_memtest_sources[] = {"/boot/memtest86+ia32.bin", "/boot/memtest86+.bin",
                                         "/boot/memtest86+x64.bin"};
constexpr const char* k_memtest_iso_path = "/imgbuild/memtest86+";
// Its EFI programs (Debian 12's memtest86+ 6.x ships them beside the BIOS images), for
// GRUB on UEFI, by GRUB's ${grub_cpu}.
struct MemtestEfi {
  const char* grub_cpu;
  const char* source;
  const char* iso_path;
};
const MemtestEfi k_memtest_efi[] = {{"x86_64", "/boot/memtest86+x64.efi", "/imgbuild/memtest86+x64.efi"},
                                    {"i386", "/boot/memtest86+ia32.efi", "/imgbuild/memtest86+ia32.efi"}};
// memtest86+ mirrors its screen to the serial port it is given: the port verify watches,
// and where a remote console (serial over LAN) can follow the test.
constexpr const char* k_memtest_args = "console=ttyS0,115200";

std::int64_t choose_timestamp(const BuildOptions& options, const iso::VolumeInfo& volume) {
  if (options.source_date_epoch) return *options.source_date_epoch;
  if (const char* env = std::getenv("SOURCE_DATE_EPOCH"); env && *env) {
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(env, &end, 10);
    if (errno != 0 || *end != '\0' || value < 0)
      throw Error("SOURCE_DATE_EPOCH", std::string("'") + env + "' is not a number of seconds",
                  "unset it or give e.g. SOURCE_DATE_EPOCH=1176033600");
    return value;
  }
  if (volume.creation_time) return *volume.creation_time;
  // A disc with no creation date: any fixed date keeps builds reproducible.
  return 0;
}

void write_local_file(const fs::path& path, std::string_view content, mode_t mode = 0644) {
  fs::create_directories(path.parent_path());
  util::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) throw Error(path.string(), std::string("cannot create staging file: ") + std::strerror(errno), "", 3);
  util::write_all(fd.get(), content, path.string());
  ::fchmod(fd.get(), mode);
}

void append_to_local_file(const fs::path& path, std::string_view content) {
  util::Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd) throw Error(path.string(), std::string("cannot open staging file: ") + std::strerror(errno), "", 3);
  util::write_all(fd.get(), content, path.string());
}

// md5sum.txt wants MD5 only, not repo's three-digest pass over initrds of tens of megabytes.
std::string md5_file_hex(const fs::path& path) { return digest::file_hex(path.string(), digest::Algorithm::md5); }

// Installer menus of the disc, by boot loader; a disc may have both (BIOS isolinux + UEFI grub).
struct Menus {
  std::optional<bootmenu::MenuTree> isolinux;
  std::optional<bootmenu::MenuTree> grub;
  bool has_installer() const {
    for (const auto* tree : {isolinux ? &*isolinux : nullptr, grub ? &*grub : nullptr})
      if (tree)
        for (const auto& e : tree->entries)
          if (e.is_installer) return true;
    return false;
  }
};

Menus load_menus(const iso::Reader& reader) {
  bootmenu::FileReader read = [&reader](const std::string& iso_path) {
    return reader.read_file(iso_path, k_max_menu_size);
  };
  Menus menus;
  for (const char* root : bootmenu::k_isolinux_roots)
    if (reader.find(root)) {
      menus.isolinux = bootmenu::load_isolinux(root, read);
      break;
    }
  for (const char* root : bootmenu::k_grub_roots)
    if (reader.find(root)) {
      menus.grub = bootmenu::load_grub(root, read);
      break;
    }
  return menus;
}

// The base image's own hash: part of the build id, so another base means another id.
std::string hash_base(const std::string& path) {
  util::ProgressStep progress("hashing " + path, util::file_size_or_zero(path));
  return util::xxh3_128_file_hex(path, &progress);
}

// The base disc's own package indices (dists/<suite>/<component>/binary-<arch>/Packages*),
// which satisfy the extras' dependencies. Symlinked suites (stable -> etch) are the same
// files and are skipped by the reader's listing.
std::vector<std::string> base_package_indices(const iso::Reader& reader) {
  static const std::regex index(R"(^/dists/[^/]+/[^/]+/binary-[^/]+/Packages(\.gz|\.xz)?$)");
  std::map<std::string, std::string> best;  // directory -> index, uncompressed preferred
  for (const auto& entry : reader.entries()) {
    if (entry.is_dir || entry.is_symlink || !std::regex_match(entry.path, index)) continue;
    std::string dir = entry.path.substr(0, entry.path.rfind('/'));
    auto it = best.find(dir);
    if (it == best.end() || entry.path.size() < it->second.size()) best[dir] = entry.path;
  }
  std::vector<std::string> out;
  for (const auto& [dir, path] : best) out.push_back(path);
  return out;
}

PackageTrust stage_extra_packages(const BuildOptions& options, const iso::Reader& reader, std::int64_t timestamp,
                                  const fs::path& stage, util::Xxh3_128& inputs) {
  repo::RepositoryOptions repo_options;
  repo_options.suite = k_extras_suite;
  repo_options.date = static_cast<std::time_t>(timestamp);
  repo::Repository repository(repo_options);
  for (const auto& dir : options.package_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw Error(dir, "--packages directory does not exist", "give a directory holding .deb files");
    repository.add_deb_directory(dir);
  }
  int n = 0;
  for (const auto& index : base_package_indices(reader)) {
    fs::path local = stage / "base-indices" / std::to_string(n++);
    fs::create_directories(local.parent_path());
    std::string name = local.string() + fs::path(index).extension().string();
    reader.extract_file(index, name);
    repository.add_base_index(name);
  }
  repository.check_dependencies();
  fs::path root = stage / "target" / std::string(k_extras_repo_target_path).substr(1);
  repository.write(root);
  for (const auto& extra : repository.extras()) inputs.update_field("extra:" + extra.package + "=" + extra.version);
  // The staged tree's modes and content go into the build id like any overlay's.
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) ::chmod(e.path().c_str(), 0644);
  // Directories are 0755 in every staged tree (normalised_mode), new ones included.
  for (auto& e : fs::recursive_directory_iterator(stage / "target"))
    if (e.is_directory()) ::chmod(e.path().c_str(), 0755);
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) inputs.update_field(e.path().lexically_relative(root).string() + ":" +
                                                 util::xxh3_128_file_hex(e.path().string()));
  // After the id fields: a signature carries the time it was made, so the key's
  // fingerprint stands for it in the build id.
  std::string release;
  if (auto info = reader.read_file("/.disk/info", 4096)) release = preseed::guess_release(*info);
  PackageTrust trust = publish_package_trust(options, release, stage / "target", root / "dists" / k_extras_suite);
  inputs.update_field(trust.id_field);
  return trust;
}

// Passwords reach the disc only as crypt(3) hashes unless the user asks otherwise (issue
// 6). Runs before lint, so that a refusal is the one line printed; names the line and the
// question, never the value.
void check_secrets(const BuildOptions& options, const std::string& preseed_text, const std::string& release) {
  if (options.allow_plaintext_password) return;
  struct Found {
    std::string where;
    std::string question;
    preseed::Secret secret;
  };
  std::vector<Found> found;
  if (options.preseed_path)
    for (const auto& entry : preseed::parse(preseed_text, *options.preseed_path).entries)
      if (preseed::Secret secret = preseed::classify(entry); preseed::in_clear(secret))
        found.push_back({*options.preseed_path + ":" + std::to_string(entry.line), entry.question, secret});
  for (const auto& arg : preseed::kernel_arg_secrets(options.kernel_args))
    if (preseed::in_clear(arg.secret)) found.push_back({"--kernel-args", arg.question, arg.secret});
  if (found.empty()) return;

  const Found& first = found.front();
  std::string more = found.size() > 1 ? " (and " + std::to_string(found.size() - 1) + " more)" : "";
  // Etch's passwd knows MD5 crypt, not SHA-512.
  std::string openssl = release == "etch" ? "`openssl passwd -1`" : "`openssl passwd -6`";
  if (first.secret == preseed::Secret::not_a_hash)
    throw Error(first.where, first.question + " does not hold a crypt(3) hash: it would be on the disc as it is" + more,
                "put a hash from " + openssl + " there, or pass --allow-plaintext-password");
  std::string crypted = preseed::crypted_form_of(first.question);
  throw Error(first.where, first.question + " is a plaintext secret: it would be on the disc in the clear" + more,
              crypted.empty() ? "it has no crypted form: pass --allow-plaintext-password to carry it anyway"
                              : "use " + crypted + " with a hash from " + openssl +
                                    ", or pass --allow-plaintext-password");
}

}  // namespace

BuildResult build(const BuildOptions& options) {
  // 1. Inputs, checked before anything is written.
  iso::Reader reader(options.base_path);
  util::check_output_path(options.output_path, options.base_path);
  if (!reader.volume().has_el_torito)
    throw Error(options.base_path, "no El Torito boot catalog (not a bootable ISO?)",
                "give a bootable installer image");
  if (options.iso_level < 1 || options.iso_level > 3)
    throw Error("--iso-level", std::to_string(options.iso_level) + " is not an ISO 9660 level", "use 1, 2 or 3");
  std::uint64_t max_file_size = options.iso_level == 3 ? k_no_limit : k_level_2_max_file;
  check_package_trust_options(options);

  if (!options.base_sha256.empty()) check_base_sha256(options.base_path, options.base_sha256);
  if (!options.base_checksums.empty()) check_base_against_sums(options.base_path, options.base_checksums);

  std::string preseed_text;
  if (options.preseed_path)
    preseed_text = util::read_small_file(*options.preseed_path, k_max_preseed_size, "preseed");
  std::string release;
  if (auto info = reader.read_file("/.disk/info", 4096)) release = preseed::guess_release(*info);
  check_secrets(options, preseed_text, release);

  // Lint against the installer release on the disc, before anything is staged or written:
  // a preseed the installer would misread is a build error (unless --no-lint).
  if (options.preseed_path && options.lint) {
    if (!release.empty()) {
      auto parsed = preseed::parse(preseed_text, *options.preseed_path);
      auto diagnostics = preseed::lint(parsed, preseed::builtin_questions(release), {release});
      if (options.lint_report)
        for (const auto& d : diagnostics) options.lint_report(preseed::format(d));
      if (preseed::has_errors(diagnostics))
        throw Error(*options.preseed_path, "preseed has lint errors for the " + release + " installer on this disc",
                    "fix them, or build anyway with --no-lint");
    } else if (options.lint_report) {
      options.lint_report(*options.preseed_path + ": note: release of the disc not recognised from .disk/info; "
                          "lint skipped (run imgbuild lint --release NAME)");
    }
  }

  const std::int64_t timestamp = choose_timestamp(options, reader.volume());
  util::TempDir staging("build");
  const fs::path stage = staging.path();

  // 2. Overlays, staged and hashed (their content is part of the build id).
  util::Xxh3_128 inputs;
  inputs.update_field("imgbuild-build-v1");
  inputs.update_field(IMGBUILD_VERSION);
  inputs.update_field(hash_base(options.base_path));
  // Secrets in the clear are hashed as the placeholder that replaces them: the build id is
  // published (serial log, build.json, inspect) and XXH3 is fast and not a cryptographic
  // hash, so a low-entropy password could be brute-forced from it, every other input being
  // known. Two builds differing only in such a password share a build id. crypt(3) hashes
  // stay in: they are made to be written to files, and a changed hash must change the id.
  inputs.update_field(options.preseed_path
                          ? preseed::redact(preseed_text, *options.preseed_path, preseed::Redact::in_clear)
                          : std::string("<no preseed>"));
  const std::string kernel_args_shown = preseed::redact_kernel_args(options.kernel_args, preseed::Redact::in_clear);
  inputs.update_field(kernel_args_shown);
  inputs.update_field(options.arch);
  inputs.update_field(std::to_string(options.timeout_seconds));
  inputs.update_field(options.memtest ? "memtest" : "");
  inputs.update_field(std::to_string(options.iso_level));
  inputs.update_field(std::to_string(timestamp));

  std::vector<iso::Graft> grafts;
  for (const auto& overlay : options.cdrom_overlays) {
    inputs.update_field("cdrom-overlay");
    stage_overlay(overlay, stage / "cdrom", "--cdrom-overlay", max_file_size, inputs);
  }
  if (!options.cdrom_overlays.empty()) grafts.push_back({(stage / "cdrom").string(), "/"});
  for (const auto& overlay : options.target_overlays) {
    inputs.update_field("target-overlay");
    stage_overlay(overlay, stage / "target", "--target-overlay", max_file_size, inputs);
  }
  PackageTrust trust;
  if (!options.package_dirs.empty()) trust = stage_extra_packages(options, reader, timestamp, stage, inputs);
  const bool has_target_overlay = !options.target_overlays.empty() || !options.package_dirs.empty();

  // 3. Menus and installers.
  Menus menus = load_menus(reader);
  if (options.preseed_path && !menus.has_installer())
    throw Error(*options.preseed_path, "preseed given for a disc with no Debian installer in its boot menus",
                "drop --preseed to add only overlays, or use an installer image");
  if (!options.preseed_path && (!options.kernel_args.empty() || !options.arch.empty()))
    throw Error("--kernel-args/--arch", "only mean something with --preseed (the unattended entry)",
                "add --preseed FILE");

  BuildResult result;
  result.build_id = inputs.hex();
  if (!trust.notice.empty()) result.notices.push_back(trust.notice);
  std::map<std::string, std::string> md5_by_iso_path;
  auto add_graft_file = [&](const fs::path& local, const std::string& iso_path) {
    grafts.push_back({local.string(), iso_path});
    md5_by_iso_path[iso_path] = md5_file_hex(local);
  };

  if (options.preseed_path) {
    // 4. The preseed, with imgbuild's markers chained in, appended to every installer initrd.
    preseed::Injection injection;
    injection.build_id = result.build_id;
    injection.copy_target_overlay = has_target_overlay;
    injection.target_overlay_dir = std::string("/cdrom") + k_target_overlay_path;
    injection.apt_key_file = trust.apt_key_file;
    std::string final_preseed = preseed::add_imgbuild_commands(preseed_text, *options.preseed_path, injection);
    std::string appendix = initrd::make_appendix({{"preseed.cfg", final_preseed, 0644}}, timestamp);

    std::set<std::string> initrds;
    for (const auto* tree : {menus.isolinux ? &*menus.isolinux : nullptr, menus.grub ? &*menus.grub : nullptr})
      if (tree)
        for (const auto& entry : tree->entries)
          if (entry.is_installer)
            for (const auto& initrd_path : entry.initrds) initrds.insert(iso::normalise_iso_path(initrd_path));
    std::uint64_t initrd_bytes = 0;
    for (const auto& initrd_path : initrds)
      if (const iso::Entry* entry = reader.find(initrd_path)) initrd_bytes += entry->size;
    util::ProgressStep initrd_progress("reading and rewriting " + std::to_string(initrds.size()) + " initrd(s)",
                                       initrd_bytes);
    for (const auto& initrd_path : initrds) {
      const iso::Entry* entry = reader.find(initrd_path);
      if (!entry || entry->is_dir)
        throw Error(options.base_path, "boot menu names initrd " + initrd_path + " which is not on the disc",
                    "the base image is damaged or not an installer");
      fs::path local = stage / "initrd" / initrd_path.substr(1);
      fs::create_directories(local.parent_path());
      reader.extract_file(initrd_path, local.string());
      char head[8] = {};
      {
        util::Fd fd = util::open_for_reading(local.string());
        ssize_t n = ::read(fd.get(), head, sizeof head);
        std::string subject = options.base_path + ":" + initrd_path;
        auto format = initrd::detect_format(std::string_view(head, n > 0 ? static_cast<std::size_t>(n) : 0), subject);
        // The kernel cannot unpack a gzip segment after an lz4 one (measured: "Decoding failed").
        initrd::check_appendable(format, subject);
      }
      append_to_local_file(local, appendix);
      ::chmod(local.c_str(), 0644);
      add_graft_file(local, initrd_path);
      result.preseeded_initrds.push_back(initrd_path);
      initrd_progress.advance(entry->size);
    }
    initrd_progress.finish();

    // 5. Menus: an unattended entry first, the disc's own entries kept below it.
    bool isolinux_has_installer = false;
    if (menus.isolinux)
      for (const auto& e : menus.isolinux->entries) isolinux_has_installer |= e.is_installer;
    bool grub_has_installer = false;
    if (menus.grub)
      for (const auto& e : menus.grub->entries) grub_has_installer |= e.is_installer;
    std::vector<bootmenu::ExtraEntry> extras;
    if (options.memtest) {
      std::string source;
      for (const char* candidate : k_memtest_sources)
        if (::access(candidate, R_OK) == 0) {
          source = candidate;
          break;
        }
      if (source.empty())
        throw Error("--memtest", "memtest86+ is not installed on this machine", "apt-get install memtest86+");
      fs::path local = stage / "memtest86+";
      fs::copy_file(source, local);
      ::chmod(local.c_str(), 0644);
      add_graft_file(local, k_memtest_iso_path);
      bootmenu::ExtraEntry memtest{"Memory test (memtest86+)", k_memtest_iso_path, k_memtest_args, "memtest", {}, "m"};
      // Only where GRUB will offer them (a disc with GRUB menus, i.e. one that boots on UEFI).
      for (const MemtestEfi& efi : k_memtest_efi) {
        if (!grub_has_installer || ::access(efi.source, R_OK) != 0) continue;
        fs::path efi_local = stage / fs::path(efi.iso_path).filename();
        fs::copy_file(efi.source, efi_local);
        ::chmod(efi_local.c_str(), 0644);
        add_graft_file(efi_local, efi.iso_path);
        memtest.efi_programs.emplace(efi.grub_cpu, efi.iso_path);
      }
      extras.push_back(std::move(memtest));
    }
    auto rewrite = [&](const bootmenu::MenuTree& tree) {
      const bootmenu::InstallerEntry& base_entry = bootmenu::choose_base_entry(tree, options.arch);
      bootmenu::Unattended unattended;
      unattended.kernel = base_entry.kernel;
      unattended.initrds = base_entry.initrds;
      unattended.args = bootmenu::unattended_args(base_entry.args, options.kernel_args);
      unattended.timeout_seconds = options.timeout_seconds;
      unattended.extras = extras;
      // A command line longer than the kernel accepts is cut silently (255 bytes for
      // Etch's 2.6.18): refuse it here instead of at 3 a.m. in the datacenter.
      if (const iso::Entry* kernel = reader.find(unattended.kernel); kernel && !kernel->is_dir) {
        std::string head;
        reader.stream_files({kernel->path}, [&](const std::string&, const char* data, std::size_t size, bool) {
          if (head.size() < 0x240) head.append(data, std::min<std::size_t>(size, 0x240 - head.size()));
        });
        if (auto limit = bootmenu::kernel_command_line_limit(head))
          bootmenu::check_command_line(tree.loader, unattended, *limit);
      }
      auto changed = tree.loader == bootmenu::Loader::isolinux ? bootmenu::make_unattended_isolinux(tree, unattended)
                                                               : bootmenu::make_unattended_grub(tree, unattended);
      for (const auto& [iso_path, text] : changed) {
        fs::path local = stage / "menus" / iso_path.substr(1);
        write_local_file(local, text);
        add_graft_file(local, iso_path);
        result.rewritten_menus.push_back(iso_path);
      }
    };
    if (isolinux_has_installer) rewrite(*menus.isolinux);
    // GRUB menus offer the extras' EFI programs (memtest86+'s .efi) on UEFI.
    if (grub_has_installer) rewrite(*menus.grub);
  }

  // 6. imgbuild's own files: build id, build information, the target overlay.
  util::Json build_info;
  build_info["imgbuild_version"] = IMGBUILD_VERSION;
  build_info["build_id"] = result.build_id;
  build_info["timestamp"] = timestamp;
  build_info["base"] = {{"file", fs::path(options.base_path).filename().string()},
                        {"volume_id", reader.volume().volume_id}};
  build_info["preseed"] =
      options.preseed_path ? util::Json(fs::path(*options.preseed_path).filename().string()) : util::Json();
  build_info["arch"] = options.arch;
  build_info["kernel_args"] = kernel_args_shown;
  build_info["timeout_seconds"] = options.timeout_seconds;
  build_info["memtest"] = options.memtest;
  build_info["target_overlay"] = has_target_overlay;
  build_info["packages"] = options.package_dirs.empty() ? util::Json()
                           : trust.fingerprint.empty()  ? util::Json{{"signed_by", nullptr}, {"unsigned", true}}
                                                        : util::Json{{"signed_by", trust.fingerprint}, {"unsigned", false}};
  build_info["preseeded_initrds"] = result.preseeded_initrds;
  build_info["rewritten_menus"] = result.rewritten_menus;
  write_local_file(stage / "imgbuild/build-id", result.build_id + "\n");
  write_local_file(stage / "imgbuild/build.json", util::json_text(std::move(build_info)));
  ::chmod((stage / "imgbuild").c_str(), 0755);
  md5_by_iso_path[k_build_id_path] = md5_file_hex(stage / "imgbuild/build-id");
  md5_by_iso_path[k_build_info_path] = md5_file_hex(stage / "imgbuild/build.json");
  grafts.push_back({(stage / "imgbuild/build-id").string(), k_build_id_path});
  grafts.push_back({(stage / "imgbuild/build.json").string(), k_build_info_path});
  if (has_target_overlay) grafts.push_back({(stage / "target").string(), k_target_overlay_path});

  // 7. md5sum.txt, when the disc has one, names the new bytes.
  if (reader.find("/md5sum.txt")) {
    auto original = reader.read_file("/md5sum.txt", 64u << 20);
    if (original) {
      // Files that came from overlays are listed too.
      for (const char* tree : {"cdrom", "target"}) {
        fs::path root = stage / tree;
        if (!fs::exists(root)) continue;
        std::vector<fs::path> files;
        for (auto& e : fs::recursive_directory_iterator(root))
          if (!e.is_symlink() && e.is_regular_file()) files.push_back(e.path());
        for (const auto& file : files) {
          std::string iso_path = std::string(tree) == "cdrom"
                                     ? "/" + file.lexically_relative(root).string()
                                     : std::string(k_target_overlay_path) + "/" + file.lexically_relative(root).string();
          if (iso_path != "/md5sum.txt") md5_by_iso_path[iso_path] = md5_file_hex(file);
        }
      }
      write_local_file(stage / "md5sum.txt", update_md5sums(*original, md5_by_iso_path));
      grafts.push_back({(stage / "md5sum.txt").string(), "/md5sum.txt"});
    }
  }

  // 8. Write through a temp file beside the output, renamed only when complete.
  util::AtomicOutput output(options.output_path);
  iso::WriteOptions write;
  write.base_path = options.base_path;
  write.output_path = output.temp_path();
  write.grafts = grafts;
  write.timestamp = timestamp;
  write.joliet = reader.volume().has_joliet;
  write.iso_level = options.iso_level;
  // The base's size: the output is about as large (grafts are small next to it).
  util::ProgressStep write_progress("writing " + options.output_path,
                                    reader.volume().volume_sectors * iso::k_sector_size);
  write.progress = [&write_progress](std::uint64_t written) { write_progress.set_done(written); };
  iso::write_remastered(write);
  write_progress.finish();
  output.commit();
  struct stat st;
  if (::stat(options.output_path.c_str(), &st) == 0) result.output_size = static_cast<std::uint64_t>(st.st_size);
  return result;
}

}  // namespace imgbuild::remaster
