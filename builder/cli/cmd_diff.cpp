// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "iso/reader.hpp"
#include "manifest/manifest.hpp"
#include "manifest/report.hpp"

#include <iostream>
#include <memory>

namespace imgbuild::cli {

void register_diff(CLI::App& app, Action& action) {
  struct Args {
    std::string a, b;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand("diff", "what differs between two images: files, boot setup, volume fields "
                                             "(exit 1 if anything does)");
  command->add_option("a", args->a, "first ISO image")->required()->type_name(k_type_iso);
  command->add_option("b", args->b, "second ISO image")->required()->type_name(k_type_iso);
  command->add_flag("--json", args->json, "one JSON document with the list of differences");
  command->callback([args, &action] {
    action = [args]() -> int {
      iso::Reader a(args->a), b(args->b);
      auto differences = manifest::diff(manifest::compute(a), manifest::compute(b));
      if (args->json)
        std::cout << util::json_text(manifest::diff_to_json(args->a, args->b, differences));
      else
        for (const auto& d : differences) std::cout << d.what << "  " << d.path << "  " << d.detail << "\n";
      return differences.empty() ? 0 : 1;
    };
  });
}

}  // namespace imgbuild::cli
