// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/build.hpp"

#include "efi/authenticode.hpp"
#include "fleet/inventory.hpp"
#include "fleet/lint_hosts.hpp"
#include "iso/boot_report.hpp"
#include "iso/reader.hpp"
#include "preseed/lint.hpp"
#include "preseed/preseed.hpp"
#include "preseed/questions.hpp"
#include "preseed/secrets.hpp"
#include "remaster/base_checksum.hpp"
#include "remaster/execute.hpp"
#include "remaster/hosts.hpp"
#include "remaster/layout.hpp"
#include "remaster/overlay.hpp"
#include "remaster/package_trust.hpp"
#include "remaster/plan.hpp"
#include "remaster/secure_boot.hpp"
#include "repo/repository.hpp"
#include "util/digest_cache.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/hash.hpp"
#include "util/json_document.hpp"
#include "util/progress.hpp"
#include "util/source_date.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace imgbuild::remaster {

namespace {

constexpr std::uint64_t k_max_preseed_size = 1 << 20;
constexpr std::uint64_t k_level_2_max_file = (std::uint64_t{4} << 30) - 1;
constexpr std::uint64_t k_no_limit = ~std::uint64_t{0};

// Where memtest86+ lives once the Debian package is installed.
const char* const k_memtest_sources[] = {"/boot/memtest86+ia32.bin", "/boot/memtest86+.bin",
                                         "/boot/memtest86+x64.bin"};
// Its EFI programs (Debian 12's memtest86+ 6.x ships them beside the BIOS images), for
// GRUB on UEFI, by GRUB's ${grub_cpu}.
struct MemtestEfi {
  const char* grub_cpu;
  const char* source;
  const char* iso_path;
};
const MemtestEfi k_memtest_efi[] = {{"x86_64", "/boot/memtest86+x64.efi", "/imgbuild/memtest86+x64.efi"},
                                    {"i386", "/boot/memtest86+ia32.efi", "/imgbuild/memtest86+ia32.efi"}};

std::int64_t choose_timestamp(const BuildOptions& options, const iso::VolumeInfo& volume) {
  if (options.source_date_epoch) return *options.source_date_epoch;
  if (auto epoch = util::source_date_epoch()) return *epoch;
  if (volume.creation_time) return *volume.creation_time;
  // A disc with no creation date: any fixed date keeps builds reproducible.
  return 0;
}

PackageTrust stage_extra_packages(const BuildOptions& options, const iso::Reader& reader, const BaseLayout& layout,
                                  std::int64_t timestamp, const fs::path& stage, std::vector<std::string>& id_fields) {
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
  for (const auto& index : layout.package_indices) {
    fs::path local = stage / "base-indices" / std::to_string(n++);
    fs::create_directories(local.parent_path());
    std::string name = local.string() + fs::path(index).extension().string();
    reader.extract_file(index, name);
    repository.add_base_index(name);
  }
  repository.check_dependencies();
  fs::path root = stage / "target" / std::string(k_extras_repo_target_path).substr(1);
  repository.write(root);
  for (const auto& extra : repository.extras()) id_fields.push_back("extra:" + extra.package + "=" + extra.version);
  // The staged tree's modes and content go into the build id like any overlay's.
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) ::chmod(e.path().c_str(), 0644);
  // Directories are 0755 in every staged tree (normalised_mode), new ones included.
  for (auto& e : fs::recursive_directory_iterator(stage / "target"))
    if (e.is_directory()) ::chmod(e.path().c_str(), 0755);
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) id_fields.push_back(e.path().lexically_relative(root).string() + ":" +
                                                 util::xxh3_128_file_hex(e.path().string()));
  // After the id fields: a signature carries the time it was made, so the key's
  // fingerprint stands for it in the build id.
  PackageTrust trust = publish_package_trust(options, layout.release, stage / "target", root / "dists" / k_extras_suite);
  id_fields.push_back(trust.id_field);
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

// Lint against the installer release on the disc, before anything is staged or written:
// a preseed the installer would misread is a build error (unless --no-lint).
void lint_preseed(const BuildOptions& options, const std::string& preseed_text, const std::string& release) {
  if (!options.preseed_path || !options.lint) return;
  if (release.empty()) {
    if (options.lint_report)
      options.lint_report(*options.preseed_path + ": note: release of the disc not recognised from .disk/info; "
                          "lint skipped (run imgbuild lint --release NAME)");
    return;
  }
  auto parsed = preseed::parse(preseed_text, *options.preseed_path);
  auto diagnostics = preseed::lint(parsed, preseed::builtin_questions(release), {release});
  if (options.lint_report)
    for (const auto& d : diagnostics) options.lint_report(preseed::format(d));
  if (preseed::has_errors(diagnostics))
    throw Error(*options.preseed_path, "preseed has lint errors for the " + release + " installer on this disc",
                "fix them, or build anyway with --no-lint");
}

// --hosts: the inventory read and checked before anything is written, and each host's
// preseed as the installer will read it (the image's, its netcfg answers, its fragment)
// linted like the image's own preseed: errors stop the build unless --no-lint.
std::optional<fleet::Inventory> read_hosts(const BuildOptions& options, const std::string& preseed_text,
                                           const std::string& release) {
  if (options.hosts_path.empty()) {
    if (!options.per_host_dir.empty() || !options.unknown_host.empty())
      throw Error(options.per_host_dir.empty() ? "--unknown-host" : "--per-host", "only means something with --hosts",
                  "add --hosts INVENTORY.csv");
    return std::nullopt;
  }
  if (!options.preseed_path)
    throw Error("--hosts", "each host's answers go into the preseed, and there is none", "add --preseed FILE");
  if (!options.per_host_dir.empty() && !options.unknown_host.empty())
    throw Error("--unknown-host", "a per-host image knows its host: no machine is unknown to it",
                "drop --unknown-host, or --per-host for one image that identifies the machine");
  if (!options.unknown_host.empty()) parse_unknown_host(options.unknown_host);
  fleet::Inventory inventory = fleet::read_inventory(options.hosts_path);
  if (inventory.hosts.empty())
    throw Error(options.hosts_path, "the inventory lists no host", "add one row per server below the header");
  if (options.lint && !release.empty()) {
    auto diagnostics = fleet::lint_hosts(inventory, preseed_text, *options.preseed_path,
                                         preseed::builtin_questions(release), {release});
    if (options.lint_report)
      for (const auto& d : diagnostics) options.lint_report(preseed::format(d));
    if (preseed::has_errors(diagnostics))
      throw Error(options.hosts_path, "a host's preseed has lint errors for the " + release + " installer on this disc",
                  "fix them, or build anyway with --no-lint");
  }
  return inventory;
}

std::string joined_args(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + " " + b;
}

// build --per-host: one image per host from the same base, layout, staged inputs and base
// hash (read, staged and hashed once); each host's answers follow the image's preseed and
// its kernel_args the image's. Every plan is made before any image is written, and the
// images and DIR/hosts.json appear together, once all are complete.
void write_per_host(const BuildOptions& options, const fleet::Inventory& inventory, const BaseLayout& layout,
                    const iso::Reader& reader, const PlanInputs& shared, const fs::path& staging, BuildResult& result) {
  const fs::path dir = options.per_host_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string(), "cannot create the --per-host directory: " + ec.message(), "", 3);
  util::check_output_path((dir / k_per_host_index).string(), options.base_path);

  std::vector<BuildOptions> host_options(inventory.hosts.size(), options);
  std::vector<RemasterPlan> plans;
  for (std::size_t i = 0; i < inventory.hosts.size(); ++i) {
    const fleet::Host& host = inventory.hosts[i];
    host_options[i].kernel_args = joined_args(options.kernel_args, host.kernel_args);
    PlanInputs inputs = shared;
    inputs.options = &host_options[i];
    if (!inputs.preseed_text.empty() && inputs.preseed_text.back() != '\n') inputs.preseed_text += '\n';
    inputs.preseed_text += host_preseed_answers(host, layout.release);
    inputs.fleet = PlanInputs::Fleet{inventory.file.filename().string(), 1, "", host.hostname};
    inputs.initrd_members = per_host_initrd_members();
    plans.push_back(make_plan(layout, inputs));
  }

  std::vector<std::unique_ptr<util::AtomicOutput>> outputs;
  util::Json hosts = util::Json::object();
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const std::string& hostname = inventory.hosts[i].hostname;
    const fs::path host_stage = staging / ("host-" + hostname);
    const StagedPlan staged = stage_plan(plans[i], reader, host_stage);
    outputs.push_back(std::make_unique<util::AtomicOutput>((dir / (hostname + ".iso")).string()));
    std::uint64_t size = write_output_uncommitted(plans[i], staged, options.base_path, *outputs.back(), options.layout);
    fs::remove_all(host_stage, ec);  // the staged initrds, tens of MB per host
    result.host_images.push_back({hostname, outputs.back()->target_path(), plans[i].build_id, size});
    hosts[hostname] = {{"iso", hostname + ".iso"}, {"build_id", plans[i].build_id}, {"size", size}};
  }
  for (auto& output : outputs) output->commit();
  util::Json index{{"inventory", inventory.file.filename().string()}, {"hosts", std::move(hosts)}};
  util::write_file_atomically((dir / k_per_host_index).string(), util::json_text(std::move(index)));
  result.preseeded_initrds = plans.front().preseeded_initrds;
  result.rewritten_menus = plans.front().rewritten_menus;
}

// The regular files of a staged tree by ISO path (under `iso_root`), sorted.
NewTree staged_tree(const fs::path& root, const std::string& iso_root) {
  NewTree tree{iso_root, root.string(), {}};
  std::string prefix = iso_root == "/" ? "/" : iso_root + "/";
  for (auto& e : fs::recursive_directory_iterator(root))
    if (!e.is_symlink() && e.is_regular_file())
      tree.files[prefix + e.path().lexically_relative(root).string()] = e.path().string();
  return tree;
}

// Copies what the build takes from the user's files (overlays, extra packages, memtest86+)
// into the staging directory, checked, and collects the build id fields of their content.
StagedInputs stage_inputs(const BuildOptions& options, const iso::Reader& reader, const BaseLayout& layout,
                          std::int64_t timestamp, const fs::path& stage) {
  StagedInputs staged;
  std::uint64_t max_file_size = options.iso_level == 3 ? k_no_limit : k_level_2_max_file;
  for (const auto& overlay : options.cdrom_overlays) {
    staged.id_fields.push_back("cdrom-overlay");
    stage_overlay(overlay, stage / "cdrom", "--cdrom-overlay", max_file_size, staged.id_fields);
  }
  for (const auto& overlay : options.target_overlays) {
    staged.id_fields.push_back("target-overlay");
    stage_overlay(overlay, stage / "target", "--target-overlay", max_file_size, staged.id_fields);
  }
  if (!options.package_dirs.empty())
    staged.packages = stage_extra_packages(options, reader, layout, timestamp, stage, staged.id_fields);
  if (!options.cdrom_overlays.empty()) staged.cdrom = staged_tree(stage / "cdrom", "/");
  if (!options.target_overlays.empty() || !options.package_dirs.empty())
    staged.target = staged_tree(stage / "target", k_target_overlay_path);

  if (options.preseed_path && options.memtest) {
    std::string source;
    for (const char* candidate : k_memtest_sources)
      if (::access(candidate, R_OK) == 0) {
        source = candidate;
        break;
      }
    if (source.empty())
      throw Error("--memtest", "memtest86+ is not installed on this machine", "apt-get install memtest86+");
    // The writer makes /imgbuild with the mode of the local parent of the first file it
    // grafts there, and memtest86+ comes before build-id: a directory of its own, 0755,
    // not the staging directory itself (0700, mkdtemp's), which made /imgbuild 0700.
    const fs::path dir = stage / "memtest";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    auto copy = [&dir](const std::string& from, const std::string& name) {
      fs::path local = dir / name;
      fs::copy_file(from, local);
      ::chmod(local.c_str(), 0644);
      return local.string();
    };
    staged.memtest_local_path = copy(source, "memtest86+");
    // Only where GRUB will offer them (a disc with GRUB menus, i.e. one that boots on UEFI).
    if (has_installer(layout.menus.grub))
      for (const MemtestEfi& efi : k_memtest_efi)
        if (::access(efi.source, R_OK) == 0)
        {
          std::string local = copy(efi.source, fs::path(efi.iso_path).filename().string());
          bool is_signed = false;
          try {
            is_signed = efi::read_pe_signatures_file(local).is_signed();
          } catch (const Error&) {
          }
          staged.memtest_efi.push_back({efi.grub_cpu, efi.iso_path, local, is_signed});
        }
  }
  return staged;
}

std::string signed_or_not(const std::string& local_path) {
  try {
    auto pe = efi::read_pe_signatures_file(local_path);
    if (!pe.is_signed()) return "a file that is not signed";
    const auto& signer = pe.signatures.front().signer.subject;
    return "a file signed by " + (signer.empty() ? std::string("a certificate it does not carry") : signer);
  } catch (const Error&) {
    return "a file that is not an EFI program";
  }
}

// On a base that boots under Secure Boot (its UEFI loader is signed), what the build adds
// that a machine with Secure Boot on will refuse: one line each, on stderr and in
// --json's notices. The base's own signed files are carried byte for byte.
std::vector<std::string> secure_boot_notices(const BuildOptions& options, const iso::Reader& reader,
                                             const BaseLayout& layout, const StagedInputs& staged) {
  std::vector<std::string> notices;
  if (staged.memtest_efi.empty() && !staged.cdrom && !staged.target) return notices;
  std::vector<std::string> kernels;
  for (const auto* tree : {&layout.menus.isolinux, &layout.menus.grub})
    if (*tree)
      for (const auto& entry : (*tree)->entries)
        if (entry.is_installer) kernels.push_back(entry.kernel);
  const SecureBootChain chain = read_secure_boot_chain(reader, iso::read_boot_report(options.base_path).el_torito,
                                                       staged.cdrom ? kernels : std::vector<std::string>{});
  if (!chain.loader_signed) return notices;
  std::string unsigned_memtest;
  for (const auto& efi : staged.memtest_efi)
    if (!efi.is_signed) unsigned_memtest += (unsigned_memtest.empty() ? "" : ", ") + efi.iso_path;
  if (!unsigned_memtest.empty())
    notices.push_back("--memtest: the base boots under Secure Boot, and memtest86+'s EFI program (" + unsigned_memtest +
                      ") is not signed: with Secure Boot on GRUB refuses to start it (its menu entry says so); "
                      "it runs with Secure Boot off, or on BIOS");
  if (staged.cdrom)
    for (const auto& [iso_path, local] : staged.cdrom->files) {
      if (chain.efi_image && iso_path == *chain.efi_image)
        notices.push_back("--cdrom-overlay replaces the base's EFI boot image " + iso_path +
                          ": the firmware starts what it holds, and under Secure Boot only if signed by a key "
                          "the machine trusts");
      for (const auto& binary : chain.binaries)
        if (!binary.image && binary.path == iso_path && binary.pe && binary.pe->is_signed())
          notices.push_back("--cdrom-overlay replaces " + iso_path + ", signed in the base's Secure Boot chain, with " +
                            signed_or_not(local) + ": with Secure Boot on a machine starts it only if signed by a "
                            "key it trusts");
    }
  if (staged.target) {
    std::vector<std::string> modules;
    for (const auto& [iso_path, local] : staged.target->files) {
      bool module = false;
      for (const char* suffix : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
        if (iso_path.size() > std::strlen(suffix) && iso_path.compare(iso_path.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
          module = true;
      if (module && kernel_module_signed(local) != std::optional<bool>(true)) modules.push_back(iso_path);
    }
    if (!modules.empty())
      notices.push_back("--target-overlay carries " + std::to_string(modules.size()) + " kernel module(s) (" +
                        modules.front() + (modules.size() > 1 ? ", ..." : "") +
                        ") without a signature imgbuild can see: under Secure Boot the installed kernel (lockdown) "
                        "loads only modules signed by a key it trusts");
  }
  return notices;
}

}  // namespace

BuildResult build(const BuildOptions& options) {
  // 1. Inputs, checked before anything is written.
  iso::Reader reader(options.base_path);
  if (!options.per_host_dir.empty() && !options.output_path.empty())
    throw Error("-o", "--per-host writes DIR/<hostname>.iso for each host, not one output", "drop -o");
  if (options.per_host_dir.empty()) {
    if (options.output_path.empty())
      throw Error("-o", "no output given", "give -o OUT.iso (or --hosts FILE --per-host DIR)");
    util::check_output_path(options.output_path, options.base_path);
  }
  if (!reader.volume().has_el_torito)
    throw Error(options.base_path, "no El Torito boot catalog (not a bootable ISO?)",
                "give a bootable installer image");
  if (options.iso_level < 1 || options.iso_level > 3)
    throw Error("--iso-level", std::to_string(options.iso_level) + " is not an ISO 9660 level", "use 1, 2 or 3");
  check_package_trust_options(options);
  if (!options.base_sha256.empty()) check_base_sha256(options.base_path, options.base_sha256);
  if (!options.base_checksums.empty()) check_base_against_sums(options.base_path, options.base_checksums);

  PlanInputs inputs;
  inputs.options = &options;
  if (options.preseed_path)
    inputs.preseed_text = util::read_small_file(*options.preseed_path, k_max_preseed_size, "preseed");
  const BaseLayout layout = read_layout(reader);
  check_secrets(options, inputs.preseed_text, layout.release);
  lint_preseed(options, inputs.preseed_text, layout.release);
  const std::optional<fleet::Inventory> inventory = read_hosts(options, inputs.preseed_text, layout.release);

  // 2. What the user's files bring, staged; the base's own hash (another base, another id).
  inputs.timestamp = choose_timestamp(options, reader.volume());
  util::TempDir staging("build");
  inputs.staged = stage_inputs(options, reader, layout, inputs.timestamp, staging.path());
  {
    util::ProgressStep progress("hashing " + options.base_path, util::file_size_or_zero(options.base_path));
    inputs.base_digest = util::cached_segmented_xxh3_128_file_hex(options.base_path, &progress);
  }

  // 3. The plan, then its execution.
  BuildResult result;
  if (!inputs.staged.packages.notice.empty()) result.notices.push_back(inputs.staged.packages.notice);
  for (auto& notice : secure_boot_notices(options, reader, layout, inputs.staged)) result.notices.push_back(notice);
  if (inventory && !options.per_host_dir.empty()) {
    write_per_host(options, *inventory, layout, reader, inputs, staging.path(), result);
    return result;
  }
  if (inventory) {
    const UnknownHost unknown = parse_unknown_host(options.unknown_host.empty() ? "stop" : options.unknown_host);
    inputs.initrd_members = fleet_initrd_members(*inventory, layout.release, unknown);
    inputs.fleet = PlanInputs::Fleet{inventory->file.filename().string(), inventory->hosts.size(),
                                     std::string(unknown_host_name(unknown)), ""};
    for (const auto& host : inventory->hosts)
      if (!host.kernel_args.empty()) {
        result.notices.push_back(options.hosts_path + ":" + std::to_string(host.line) +
                                 ": kernel_args apply to per-host images only (one boot menu serves every host "
                                 "of this image); use --per-host DIR to give each host its own");
        break;
      }
  }
  const RemasterPlan plan = make_plan(layout, inputs);
  const StagedPlan staged = stage_plan(plan, reader, staging.path());
  result.build_id = plan.build_id;
  result.preseeded_initrds = plan.preseeded_initrds;
  result.rewritten_menus = plan.rewritten_menus;
  result.output_size = write_output(plan, staged, options.base_path, options.output_path, options.layout);
  return result;
}

}  // namespace imgbuild::remaster
