// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Debian control data, for repo (DEBIAN/control, Packages indices) and inspect (dpkg
// status, deb822 apt sources): deb822 paragraphs, version comparison and dependency
// relations. This module owns libapt-pkg: versions are compared by its debVersioningSystem
// and relations parsed by debListParser::ParseDepends, as apt itself does. Paragraphs are
// read here, not by pkgTagSection: libapt-pkg accepts malformed paragraphs without a word
// (a line without a colon becomes part of a field name, a leading continuation line is
// dropped), and imgbuild must refuse a broken control file from an untrusted .deb at its
// line (control_test.cpp, Paragraphs.AptWouldAcceptGarbage, shows both).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgbuild::debformat {

// One deb822 paragraph, fields in file order. Field names compare case-insensitively
// (Debian policy 5.1); values keep their continuation lines ("\n " + text) verbatim.
class Paragraph {
 public:
  void add(std::string name, std::string value) { m_fields.emplace_back(std::move(name), std::move(value)); }
  // The value of a field, or nullopt. Single-line values come back without surrounding
  // whitespace.
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string fallback = {}) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return m_fields; }
  bool empty() const { return m_fields.empty(); }
  // Renders the paragraph back as "Name: value\n" lines (no trailing blank line).
  std::string render() const;

 private:
  std::vector<std::pair<std::string, std::string>> m_fields;
};

// Parses deb822 text (paragraphs separated by blank lines). `subject` names the file in
// errors: a line that is neither "Name: value" nor a continuation is an Error.
std::vector<Paragraph> parse_paragraphs(std::string_view text, const std::string& subject);

// dpkg's version ordering ("epoch:upstream-revision", '~' sorts before everything, even
// the end of the string): -1, 0, 1 like strcmp. libapt-pkg's debVS.CmpVersion.
int compare_versions(std::string_view a, std::string_view b);

// One atom of a relation field: "name:arch (op version)".
struct Relation {
  std::string name;     // without ":any"/":native" qualifiers
  std::string op;       // "", "<<", "<=", "=", ">=", ">>" ("<" and ">" read as "<=", ">=")
  std::string version;  // empty when op is empty
  std::string to_string() const;
};
// "a | b (>= 1)": any one of the alternatives satisfies it.
using AlternativeGroup = std::vector<Relation>;

// Parses a Depends/Pre-Depends/Provides-style field of a binary package with libapt-pkg's
// debListParser::ParseDepends (":any" qualifiers stripped). Architecture lists "[...]" and
// build profiles "<...>" belong to source packages and are refused. Throws Error naming
// `subject` on malformed text.
std::vector<AlternativeGroup> parse_relations(std::string_view field, const std::string& subject);

// Whether `version` satisfies "op wanted" (op empty: always).
bool version_satisfies(std::string_view version, std::string_view op, std::string_view wanted);

}  // namespace imgbuild::debformat
