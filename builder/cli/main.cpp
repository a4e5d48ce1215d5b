// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/app.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"

#include <cstdio>
#include <exception>
#include <iostream>
#include <malloc.h>

int main(int argc, char** argv) {
  // Blocks of 128 KiB and more (read buffers, libisofs's caches) are mapped and unmapped
  // on their own instead of staying in the heap once freed: 2 MB less peak RSS for build
  // (issue 15). A fixed threshold also stops glibc from raising it after such a free.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  imgbuild::util::install_cleanup_signal_handlers();

  imgbuild::cli::Action action;
  std::unique_ptr<CLI::App> app = imgbuild::cli::make_app(action);

  try {
    app->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app->exit(e);
  } catch (const CLI::ParseError& e) {
    // A config file that cannot be read is bad input like any other: one line, exit 2.
    std::cerr << "imgbuild: " << e.what() << " (see imgbuild --help)\n";
    return 2;
  }

  // Long steps show progress on stderr (live on a terminal, plain lines in a log); a
  // command's --quiet turns it off.
  imgbuild::util::set_progress_mode(imgbuild::util::progress_mode_for_stderr(false));
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
