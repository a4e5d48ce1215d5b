// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Text into XML and HTML documents (the JUnit reports, the report pages).

#include <string>
#include <string_view>

namespace imgbuild::util {

// `text` as XML 1.0 character data or attribute value (and as HTML text): & < > " escaped,
// bytes that are not UTF-8 written as \xNN (escape_invalid_utf8), and the control
// characters XML cannot hold (all but tab, line feed, carriage return) as '?'.
std::string xml_escape(std::string_view text);

}  // namespace imgbuild::util
