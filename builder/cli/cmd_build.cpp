// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "remaster/build.hpp"
#include "remaster/report.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

namespace {

struct BuildArgs {
  remaster::BuildOptions options;
  std::string preseed;
  bool quiet = false;
  bool no_lint = false;
  bool json = false;
  std::string layout = "compact";
};

}  // namespace

void register_build(CLI::App& app, Action& action) {
  auto args = std::make_shared<BuildArgs>();
  auto* command = app.add_subcommand("build", "remaster a base installer ISO into an unattended, reproducible one");
  command->add_option("base", args->options.base_path, "the base ISO (e.g. debian-40r9-i386-netinst.iso)")
      ->required()
      ->type_name(k_type_iso);
  command->add_option("-o,--output", args->options.output_path,
                      "the ISO to write (appears only when complete); not with --per-host")
      ->type_name(k_type_iso);
  command->add_option("--preseed", args->preseed, "preseed file embedded as /preseed.cfg in every installer initrd")
      ->type_name(k_type_preseed);
  command->add_option("--cdrom-overlay", args->options.cdrom_overlays, "directory tree added at the ISO root (repeatable)")
      ->type_name(k_type_dir);
  command->add_option("--target-overlay", args->options.target_overlays,
                      "directory tree copied into the installed system by the late_command (repeatable)")
      ->type_name(k_type_dir);
  command->add_option("--packages", args->options.package_dirs,
                      "directory of extra .debs carried as an apt repository for the installed system (repeatable)")
      ->type_name(k_type_dir);
  command->add_option("--sign-key", args->options.sign_key,
                      "sign that repository with this key: an id or fingerprint in your keyring, or an unprotected "
                      "secret key file; the installed system trusts it through this key only");
  command->add_flag("--unsigned-packages", args->options.unsigned_packages,
                    "carry the --packages repository unsigned, trusted without any signature ([trusted=yes])");
  command->add_option("--kernel-args", args->options.kernel_args, "extra kernel arguments for the unattended entry");
  command->add_option("--arch", args->options.arch, "installer architecture to boot on a multi-arch disc")
      ->check(CLI::IsMember({"i386", "amd64"}));
  command->add_option("--timeout", args->options.timeout_seconds, "seconds the boot menu waits before the unattended entry")
      ->check(CLI::Range(1, 600))->capture_default_str();
  command->add_flag("--memtest", args->options.memtest, "add a memtest86+ entry below the unattended one (isolinux; GRUB on UEFI)");
  command->add_option("--layout", args->layout,
                      "append: clone the base and grow a session holding only the changes (time follows the "
                      "change; shares the base's extents on btrfs/XFS); compact: rewrite the whole image (smallest)")
      ->check(CLI::IsMember({"append", "compact"}))
      ->capture_default_str();
  command->add_option("--iso-level", args->options.iso_level, "ISO 9660 level of the output (3 allows files of 4 GiB and more)")
      ->check(CLI::Range(1, 3))->capture_default_str();
  command->add_option("--base-sha256", args->options.base_sha256, "refuse the base ISO unless its SHA-256 is this");
  command->add_option("--base-checksums", args->options.base_checksums,
                      "refuse the base ISO unless it matches this MD5SUMS/SHA1SUMS/SHA256SUMS/SHA512SUMS file")
      ->type_name(k_type_file);
  command->add_flag("--no-lint", args->no_lint, "build even when the preseed has lint errors");
  command->add_flag("--allow-plaintext-password", args->options.allow_plaintext_password,
                    "carry passwords that are not crypt(3) hashes to the disc (never to the build id, "
                    "build.json or any output)");
  command->add_option("--hosts", args->options.hosts_path,
                      "rack inventory (CSV): every host's answers on the disc, the installer picks this "
                      "machine's by service tag or MAC before netcfg")
      ->type_name(k_type_file);
  command->add_option("--unknown-host", args->options.unknown_host,
                      "a machine not in the --hosts inventory: stop at a critical error naming what it saw "
                      "(default), or install it with DHCP")
      ->check(CLI::IsMember({"stop", "dhcp"}));
  command->add_option("--per-host", args->options.per_host_dir,
                      "with --hosts: write DIR/<hostname>.iso per host (its answers baked in) and "
                      "DIR/hosts.json instead of one image")
      ->type_name(k_type_dir);
  command->add_flag("-q,--quiet", args->quiet, "no progress output");
  command->add_flag("--json", args->json, "print what was written as one JSON document (progress stays on stderr)");

  command->callback([args, &action] {
    action = [args]() -> int {
      remaster::BuildOptions options = args->options;
      if (!args->preseed.empty()) options.preseed_path = args->preseed;
      options.lint = !args->no_lint;
      options.layout = args->layout == "append" ? iso::Layout::append : iso::Layout::compact;
      // Lint errors are always shown (they stop the build); warnings not with --quiet.
      options.lint_report = [quiet = args->quiet](const std::string& line) {
        if (!quiet || line.find(": error: ") != std::string::npos) std::cerr << line << "\n";
      };
      if (args->quiet) util::set_progress_mode(util::ProgressMode::Off);
      remaster::BuildResult result = remaster::build(options);
      for (const auto& notice : result.notices) std::cerr << "imgbuild: note: " << notice << "\n";
      if (args->json) {
        std::cout << util::json_text(remaster::build_result_to_json(options, result));
      } else if (!args->quiet) {
        for (const auto& image : result.host_images)
          std::cout << image.path << ": " << image.size << " bytes, build id " << image.build_id << "\n";
        if (result.host_images.empty())
          std::cout << options.output_path << ": " << result.output_size << " bytes, build id " << result.build_id << "\n";
        for (const auto& initrd : result.preseeded_initrds) std::cout << "  preseed.cfg appended to " << initrd << "\n";
        for (const auto& menu : result.rewritten_menus) std::cout << "  unattended entry added to " << menu << "\n";
      }
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
