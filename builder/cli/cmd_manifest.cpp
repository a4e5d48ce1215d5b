// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "iso/reader.hpp"
#include "manifest/manifest.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

void register_manifest(CLI::App& app, Action& action) {
  auto iso = std::make_shared<std::string>();
  auto* command = app.add_subcommand("manifest", "one line per file: xxh128  size  path (sorted)");
  command->add_option("iso", *iso, "the ISO image")->required()->type_name(k_type_iso);
  command->callback([iso, &action] {
    action = [iso]() -> int {
      iso::Reader reader(*iso);
      std::cout << manifest::format_lines(manifest::compute(reader));
      return 0;
    };
  });
}

}  // namespace imgbuild::cli
