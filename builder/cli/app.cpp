// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/app.hpp"

#include <string>

namespace imgbuild::cli {

std::unique_ptr<CLI::App> make_app(Action& action) {
  auto app = std::make_unique<CLI::App>(
      "imgbuild: remaster Debian installer ISOs into unattended, reproducible ones, and prove them in QEMU");
  app->name("imgbuild");
  app->set_version_flag("--version", std::string("imgbuild ") + IMGBUILD_VERSION);
  app->require_subcommand(1);
  // An image recipe is one small file: any option of any subcommand may come from it,
  // e.g. a [build] section with preseed = "preseed/etch-pe2950-vmware.cfg".
  app->set_config("--config", "", "read options from a profile file (CLI11 config/TOML format)")
      ->type_name("PROFILE");

  register_build(*app, action);
  register_inspect(*app, action);
  register_manifest(*app, action);
  register_diff(*app, action);
  register_verify(*app, action);
  register_lint(*app, action);
  register_inspect_disk(*app, action);
  register_deploy(*app, action);
  register_serve(*app, action);
  register_emulate(*app, action);
  register_completion(*app, action);
  return app;
}

}  // namespace imgbuild::cli
