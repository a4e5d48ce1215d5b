// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/json_document.hpp"

#include "util/utf8.hpp"

namespace imgbuild::util {

namespace {

void make_valid_utf8(Json& value) {
  if (value.is_string()) {
    auto& text = value.get_ref<std::string&>();
    if (!is_valid_utf8(text)) text = escape_invalid_utf8(text);
  } else if (value.is_array()) {
    for (Json& item : value) make_valid_utf8(item);
  } else if (value.is_object()) {
    // Member names are keys of the container: rebuild it only when one needs escaping.
    bool keys_valid = true;
    for (auto& [key, member] : value.items()) {
      keys_valid = keys_valid && is_valid_utf8(key);
      make_valid_utf8(member);
    }
    if (!keys_valid) {
      Json rebuilt = Json::object();
      for (auto& [key, member] : value.items()) rebuilt[escape_invalid_utf8(key)] = std::move(member);
      value = std::move(rebuilt);
    }
  }
}

}  // namespace

std::string json_text(Json document, int indent) {
  make_valid_utf8(document);
  return document.dump(indent, ' ', false, Json::error_handler_t::strict) + "\n";
}

}  // namespace imgbuild::util
