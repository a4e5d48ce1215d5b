// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "delivery/junit.hpp"
#include "delivery/print.hpp"
#include "delivery/report.hpp"
#include "delivery/verify_run.hpp"
#include "util/fs.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

void register_verify(CLI::App& app, Action& action) {
  auto args = std::make_shared<delivery::Request>();
  auto* command = app.add_subcommand(
      "verify", "boot an ISO as delivered in QEMU and report how far it gets (exit 0 stage reached, "
                "1 not reached, 2 bad input)");
  command->add_option("iso", args->iso, "the ISO to boot (never modified)")
      ->required()
      ->type_name(k_type_iso);
  command->add_option("--machine", args->machine,
                      "machine profile: generic, pe2950, or the path of a .toml file (see machines/README.md)")
      ->type_name(k_type_machine)
      ->capture_default_str();
  command->add_option("--firmware", args->firmware,
                      "bios (SeaBIOS), uefi (OVMF) or uefi-secureboot (OVMF enforcing Secure Boot with "
                      "Microsoft's keys; needs a q35 machine); default: the profile's firmware key, else bios")
      ->check(CLI::IsMember({"bios", "uefi", "uefi-secureboot"}));
  command->add_option("--stage", args->stage,
                      "boot (the preseed ran with this ISO's build id), network (a --hosts image: netcfg "
                      "configured the chosen host), install (late_command finished), firstboot (the "
                      "first-boot hook finished)")
      ->check(CLI::IsMember({"boot", "network", "install", "firstboot"}))
      ->capture_default_str();
  command->add_option("--timeout", args->timeout,
                      "seconds before giving up (default 300 for boot, 3600 for install/firstboot)")
      ->check(CLI::Range(1u, 86400u));
  command->add_option("--log", args->log_dir,
                      "directory for the serial log, screenshot and QEMU logs (default on failure: a new "
                      "directory under $TMPDIR)")
      ->type_name(k_type_dir);
  command->add_option("--accel", args->accel, "auto (KVM only if a probe boot works, else TCG), kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  command->add_option("--expect", args->expect,
                      "with --stage install/firstboot: once the stage is reached and the machine is off, "
                      "judge the installed disk against this profile (as inspect-disk --expect); exit 1 "
                      "when it differs")
      ->type_name(k_type_file);
  command->add_option("--syslog-port", args->syslog_port,
                      "receive the installer's syslog on 127.0.0.1:PORT/udp and keep it with the logs "
                      "(the image needs --kernel-args \"log_host=10.0.2.2 log_port=PORT\")")
      ->check(CLI::Range(1, 65535));
  command->add_option("--identity", args->identity,
                      "the machine's identity: serial=SERVICETAG (SMBIOS type 1) and mac=MAC per NIC in order, "
                      "comma-separated, e.g. serial=7ABCD1X,mac=00:1e:c9:aa:bb:01 (boot a --hosts image as "
                      "one of its hosts)");
  command->add_option("--report", args->report_dir,
                      "write DIR/index.html and DIR/report.json: the timeline, a screenshot at every stage "
                      "change, the DRAC's event log, the disk names of each boot, the --expect verdicts "
                      "(the logs go to DIR/logs unless --log is given)")
      ->type_name(k_type_dir);
  command->add_flag("-q,--quiet", args->quiet, "only the verdict");
  auto json = std::make_shared<bool>(false);
  command->add_flag("--json", *json,
                    "print the run's facts (as report.json) as one JSON document; progress and the "
                    "verdict go to stderr");
  auto junit = std::make_shared<std::string>();
  command->add_option("--junit", *junit,
                      "also write the run as a JUnit XML report: a testcase per stage, the diagnosis as the "
                      "failure, the report's and logs' paths")
      ->type_name(k_type_file);
  command->callback([args, json, junit, &action] {
    action = [args, json, junit]() -> int {
      // Before a run that may take an hour: a report that cannot be written is bad input.
      if (!junit->empty()) util::check_output_path(*junit, args->iso);
      std::ostream& text = *json ? std::cerr : std::cout;
      auto result = delivery::run(*args, text);
      int status = delivery::print_text(result, text);
      if (*json) std::cout << util::json_text(delivery::report_json(result, ""));
      if (!junit->empty()) delivery::write_junit(*junit, result);
      return status;
    };
  });
}

}  // namespace imgbuild::cli
