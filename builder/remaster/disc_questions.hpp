// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The questions a base disc's installer can ask, for `lint --base ISO`: read from the disc
// itself (its initrds and udebs), which makes this a remaster-level job (iso, initrd and
// repo readers) rather than the preseed module's, which only knows text.

#include "iso/reader.hpp"
#include "preseed/questions.hpp"

#include <string>

namespace imgbuild::remaster {

// The templates of every udeb inside the disc's installer initrds (install*/initrd*: the
// installer builds templates.dat from var/lib/dpkg/info/*.templates at boot) and of the
// udebs in its pool (DEBIAN/templates: partman, apt-setup, grub-installer... which the
// installer loads later from the disc). With a release, the shipped list of that release
// adds what the disc lacks (the disc's own templates win); without one, a disc with no
// installer initrd is an Error.
preseed::QuestionSet disc_questions(const iso::Reader& disc, const std::string& release);

// The installer release named by the disc's /.disk/info ("etch", "bookworm"...), empty when
// there is no such file or it is not recognised.
std::string disc_release(const iso::Reader& disc);

}  // namespace imgbuild::remaster
