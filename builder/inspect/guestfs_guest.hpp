// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "inspect/guest.hpp"

#include <functional>
#include <memory>
#include <string>

namespace imgbuild::inspect {

// Opens a disk image read-only with libguestfs, inspects it and mounts the installed
// system's filesystems read-only. libguestfs runs a small appliance VM (backend "direct",
// set unless LIBGUESTFS_BACKEND is given); where KVM is unusable (/dev/kvm missing or not
// openable, or a first launch failing with a KVM error) it is told to use TCG
// ("force_tcg"), which takes about 18 s per launch. `note` receives one line saying which
// was chosen and why. Errors: a missing/unreadable disk is an Error naming it (exit 2); a
// disk with no recognisable operating system too; an appliance failure is exit 3.
std::unique_ptr<Guest> open_disk(const std::string& disk_path,
                                 const std::function<void(const std::string&)>& note);

// Whether /dev/kvm can be opened for read/write, and why not ("" when it can).
std::string kvm_unusable_reason();

}  // namespace imgbuild::inspect
