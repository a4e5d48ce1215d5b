// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <cstdio>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  imgbuild::util::install_cleanup_signal_handlers();

  CLI::App app{"imgbuild: remaster Debian installer ISOs into unattended, reproducible ones, "
               "and prove them in QEMU"};
  app.set_version_flag("--version", std::string("imgbuild ") + IMGBUILD_VERSION);
  app.require_subcommand(1);
  // An image recipe is one small file: any option of any subcommand may come from it,
  // e.g. a [build] section with preseed = "preseed/etch-pe2950-vmware.cfg".
  app.set_config("--config", "", "read options from a profile file (CLI11 config/TOML format)");

  imgbuild::cli::Action action;
  imgbuild::cli::register_build(app, action);
  imgbuild::cli::register_inspect(app, action);
  imgbuild::cli::register_manifest(app, action);
  imgbuild::cli::register_diff(app, action);
  imgbuild::cli::register_verify(app, action);
  imgbuild::cli::register_lint(app, action);
  imgbuild::cli::register_inspect_disk(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A config file that cannot be read is bad input like any other: one line, exit 2.
    std::cerr << "imgbuild: " << e.what() << " (see imgbuild --help)\n";
    return 2;
  }

  try {
    return action ? action() : 2;
  } catch (const imgbuild::Error& e) {
    std::cerr << "imgbuild: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "imgbuild: out of memory\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "imgbuild: internal error: " << e.what() << "\n";
    return 4;
  }
}
