// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Where a BMC password comes from, never the command line (argv is world-readable in
// /proc): a file given by path (its first line), else the environment variable
// IMGBUILD_BMC_PASSWORD, else a prompt on the controlling terminal with echo off.

#include <string>

namespace imgbuild::redfish {

inline constexpr const char* k_password_variable = "IMGBUILD_BMC_PASSWORD";

// `password_file` empty: the environment, then the terminal. An Error (naming the file or
// the variable, never the password) when none gives one.
std::string read_password(const std::string& password_file, const std::string& user);

}  // namespace imgbuild::redfish
