// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/markup.hpp"

#include "util/utf8.hpp"

namespace imgbuild::util {

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : escape_invalid_utf8(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // XML 1.0 allows no control character but tab, line feed and carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

}  // namespace imgbuild::util
