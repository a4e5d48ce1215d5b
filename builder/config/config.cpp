// SPDX-License-Identifier: GPL-2.0-or-later
#include "config/config.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <algorithm>

// Header-only use, compiled here and nowhere else: fuzzing and the sanitizer builds then
// instrument the parser too.
#include <toml++/toml.h>

namespace imgbuild::config {

namespace {

int line_of(const toml::source_region& region) { return static_cast<int>(region.begin.line); }

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

}  // namespace

struct Table::Impl {
  std::shared_ptr<const toml::table> document;  // keeps `table` alive
  const toml::table* table = nullptr;
  std::string source;
  std::string path;  // "machine" or "machine.serial": how keys are named in messages
  int line = 1;

  std::string key_name(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  [[noreturn]] void wrong_type(std::string_view key, const toml::node& node, std::string_view expected,
                               std::string_view what) const {
    std::string problem = key_name(key) + " must be " + std::string(expected);
    if (!what.empty()) problem += " (" + std::string(what) + ")";
    problem += ", got " + std::string(type_name(node.type()));
    throw Error(source + ":" + std::to_string(line_of(node.source())), problem,
                std::string(expected) == "a string" ? "quote it: key = \"value\"" : "");
  }
};

Table::Table(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Table::Table(Table&&) noexcept = default;
Table& Table::operator=(Table&&) noexcept = default;
Table::~Table() = default;

Table Table::parse(std::string_view text, const std::string& source) {
  auto impl = std::make_shared<Impl>();
  impl->source = source;
  try {
    impl->document = std::make_shared<const toml::table>(toml::parse(text, source));
  } catch (const toml::parse_error& e) {
    throw Error(source + ":" + std::to_string(line_of(e.source())), std::string(e.description()),
                "the file is TOML: key = \"text\", key = 42, key = [\"a\", \"b\"]");
  }
  impl->table = impl->document.get();
  return Table(std::move(impl));
}

Table Table::load(const std::string& path, std::string_view what) {
  return parse(util::read_small_file(path, 1u << 20, what), path);
}

const std::string& Table::source() const { return m_impl->source; }
int Table::line() const { return m_impl->line; }
std::string Table::where(int line) const { return m_impl->source + ":" + std::to_string(line); }

template <class T>
std::optional<Value<T>> Table::typed(std::string_view key, std::string_view expected, std::string_view what) {
  m_asked.emplace(key);
  const toml::node* node = m_impl->table->get(key);
  if (!node) return std::nullopt;
  const auto* value = node->as<T>();
  if (!value) m_impl->wrong_type(key, *node, expected, what);
  return Value<T>{value->get(), line_of(node->source())};
}

std::optional<Value<std::string>> Table::string(std::string_view key, std::string_view what) {
  return typed<std::string>(key, "a string", what);
}

std::optional<Value<std::int64_t>> Table::integer(std::string_view key, std::string_view what) {
  return typed<std::int64_t>(key, "an integer", what);
}

std::optional<Value<bool>> Table::boolean(std::string_view key, std::string_view what) {
  return typed<bool>(key, "true or false", what);
}

std::vector<Value<std::string>> Table::strings(std::string_view key, std::string_view what) {
  m_asked.emplace(key);
  const toml::node* node = m_impl->table->get(key);
  std::vector<Value<std::string>> out;
  if (!node) return out;
  if (node->is_string()) {
    out.push_back({node->as_string()->get(), line_of(node->source())});
    return out;
  }
  if (!node->is_array()) m_impl->wrong_type(key, *node, "an array of strings", what);
  for (const toml::node& element : *node->as_array()) {
    if (!element.is_string())
      m_impl->wrong_type(std::string(key) + "[" + std::to_string(out.size()) + "]", element, "a string", what);
    out.push_back({element.as_string()->get(), line_of(element.source())});
  }
  return out;
}

std::optional<Table> Table::table(std::string_view key) {
  m_asked.emplace(key);
  const toml::node* node = m_impl->table->get(key);
  if (!node) return std::nullopt;
  if (!node->is_table()) m_impl->wrong_type(key, *node, "a table", "");
  auto impl = std::make_shared<Impl>();
  impl->document = m_impl->document;
  impl->table = node->as_table();
  impl->source = m_impl->source;
  impl->path = m_impl->key_name(key);
  impl->line = line_of(node->source());
  return Table(std::move(impl));
}

std::vector<Value<std::string>> Table::keys() const {
  std::vector<Value<std::string>> out;
  for (const auto& [key, node] : *m_impl->table) out.push_back({std::string(key.str()), line_of(key.source())});
  // toml++ keeps keys sorted by name; the file's order is what a reader of the file expects.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  return out;
}

void Table::reject_unknown(std::string_view fix_hint) const {
  for (const auto& key : keys()) {
    if (m_asked.count(key.value)) continue;
    std::string known;
    for (const auto& name : m_asked) known += (known.empty() ? "" : ", ") + name;
    std::string fix = "known: " + known;
    if (!fix_hint.empty()) fix += "; " + std::string(fix_hint);
    throw Error(where(key.line), "unknown key '" + m_impl->key_name(key.value) + "'", fix);
  }
}

}  // namespace imgbuild::config
