// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The whole command line in one place: main() parses with it; the completion generator
// and the man-page test walk the same definition, so they cannot drift from it.

#include "cli/commands.hpp"

#include <memory>

namespace imgbuild::cli {

// Every subcommand registered, each setting `action` when it is the one parsed.
std::unique_ptr<CLI::App> make_app(Action& action);

}  // namespace imgbuild::cli
