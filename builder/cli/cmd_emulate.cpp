// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "emulate/emulate.hpp"

#include <memory>

namespace imgbuild::cli {

void register_emulate(CLI::App& app, Action& action) {
  auto args = std::make_shared<emulate::EmulateOptions>();
  auto* command = app.add_subcommand(
      "emulate", "emulated servers to rehearse a deployment on: one QEMU machine per inventory row, each with a "
                 "Redfish BMC on HTTPS at 127.0.0.1, until Ctrl-C");
  command->add_option("--hosts", args->inventory, "the inventory (CSV): one emulated server per row")
      ->required()
      ->type_name(k_type_file);
  command->add_option("--machine", args->machine, "the machine profile (its drac names the BMC: idrac9, idrac8)")
      ->required()
      ->type_name(k_type_machine);
  command->add_option("--state", args->state_dir,
                      "keep disks, logs, certificates and bmcs.json here (default: a temporary directory, "
                      "removed at the end)")
      ->type_name(k_type_dir);
  command->add_option("--password-file", args->password_file,
                      "the BMCs' password: the first line of FILE (default: generated, written to "
                      "STATE/bmc-password)")
      ->type_name(k_type_file);
  command->add_option("--user", args->user, "the BMCs' user name")->capture_default_str();
  command->add_option("--fault", args->faults,
                      "inject a BMC fault for tests: HOST:unavailable-once:METHOD:PATH, HOST:stale-inserted:N, "
                      "HOST:boot-once-ignored, HOST:image-unreachable[:PREFIX], HOST:weak-etags (HOST * = all)")
      ->type_name("HOST:FAULT");
  command->add_option("--accel", args->accel,
                      "tcg, kvm, or auto (KVM if a probe boot of the firmware works; Secure Boot profiles need "
                      "SMM, which some KVM hosts lack)")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  command->add_flag("--json", args->json,
                    "print bmcs.json's document on stdout once every BMC listens, instead of the lines");
  command->callback([args, &action] {
    action = [args]() -> int { return emulate::run_emulate(*args); };
  });
}

}  // namespace imgbuild::cli
