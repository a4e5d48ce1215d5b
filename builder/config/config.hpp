// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The one reader of imgbuild's own data files (machine profiles, expect profiles): TOML,
// parsed by toml++, which only this module includes. Callers ask for typed values by key
// and get them with the line they came from, so their own checks (a bad size, an unknown
// placeholder) can name "FILE:LINE" too. Every problem is an Error (exit 2) of the form
// "FILE:LINE: what is wrong (the fix)".
//
// A Table remembers which keys its caller asked for: reject_unknown() then names the first
// key nobody asked for and lists the ones that were, so the list of known keys is written
// once, in the code that reads them.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::config {

template <class T>
struct Value {
  T value{};
  int line = 0;
};

class Table {
 public:
  // Parses TOML text. `source` names it in errors ("machines/pe2950.toml").
  static Table parse(std::string_view text, const std::string& source);
  // Reads a small file (up to 1 MiB) and parses it; `what` names it in I/O errors.
  static Table load(const std::string& path, std::string_view what);

  Table(Table&&) noexcept;
  Table& operator=(Table&&) noexcept;
  ~Table();

  const std::string& source() const;
  // Line of this table's header ([name]); 1 for the document itself.
  int line() const;
  // "source:line", the subject of an Error about that line.
  std::string where(int line) const;

  // Each getter: nullopt/empty when the key is absent; an Error at the value's line when
  // it has another type. `what` describes the expected value for that message
  // ("a number of MiB"); empty means the type's name.
  std::optional<Value<std::string>> string(std::string_view key, std::string_view what = {});
  std::optional<Value<std::int64_t>> integer(std::string_view key, std::string_view what = {});
  std::optional<Value<bool>> boolean(std::string_view key, std::string_view what = {});
  // An array of strings (each with its own line); a single string counts as a one-element
  // array, so `package = "grub-pc"` and `package = ["grub-pc"]` mean the same.
  std::vector<Value<std::string>> strings(std::string_view key, std::string_view what = {});
  std::optional<Table> table(std::string_view key);

  // Keys of this table in file order, and the line each was defined on.
  std::vector<Value<std::string>> keys() const;

  // Throws for the first key (in file order) that no getter asked for, listing the ones
  // that were asked for. Call after reading everything.
  void reject_unknown(std::string_view fix_hint = {}) const;

 private:
  struct Impl;
  explicit Table(std::shared_ptr<Impl> impl);
  template <class T>
  std::optional<Value<T>> typed(std::string_view key, std::string_view expected, std::string_view what);
  std::shared_ptr<Impl> m_impl;
  std::set<std::string, std::less<>> m_asked;
};

}  // namespace imgbuild::config
