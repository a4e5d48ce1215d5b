// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "iso/reader.hpp"
#include "manifest/manifest.hpp"
#include "manifest/report.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

void register_manifest(CLI::App& app, Action& action) {
  struct Args {
    std::string iso;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand("manifest", "one line per file: xxh128  size  path (sorted)");
  command->add_option("iso", args->iso, "the ISO image")->required()->type_name(k_type_iso);
  command->add_flag("--json", args->json, "one JSON document: every file, directory and symlink, the boot setup");
  command->callback([args, &action] {
    action = [args]() -> int {
      iso::Reader reader(args->iso);
      auto manifest = manifest::compute(reader);
      std::cout << (args->json ? util::json_text(manifest::manifest_to_json(args->iso, manifest))
                               : manifest::format_lines(manifest));
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
