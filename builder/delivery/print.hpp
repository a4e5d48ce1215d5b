// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The verdict of a verify run as people read it: one PASSED/FAILED line, then the
// evidence that explains a failure (likely cause, serial tail, VGA text, where the logs
// are). Returns the exit status: 0 passed, 1 not.

#include "delivery/verify_run.hpp"

#include <ostream>

namespace imgbuild::delivery {

int print_text(const Result& result, std::ostream& out);

}  // namespace imgbuild::delivery
