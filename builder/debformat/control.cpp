// SPDX-License-Identifier: GPL-2.0-or-later
#include "debformat/control.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <apt-pkg/deblistparser.h>
#include <apt-pkg/debversion.h>
#include <apt-pkg/pkgcache.h>

#include <algorithm>
#include <cctype>

namespace imgbuild::debformat {

namespace {

using util::iequals;
using util::trim;

}  // namespace

std::optional<std::string> Paragraph::get(std::string_view name) const {
  for (const auto& [field, value] : m_fields)
    if (iequals(field, name)) return std::string(value.find('\n') == std::string::npos ? trim(value) : value);
  return std::nullopt;
}

std::string Paragraph::get_or(std::string_view name, std::string fallback) const {
  auto value = get(name);
  return value ? *value : std::move(fallback);
}

std::string Paragraph::render() const {
  std::string out;
  for (const auto& [name, value] : m_fields) {
    out += name;
    out += ':';
    // Multi-line values (Description) start on the field line; a value that is only
    // continuation lines (Conffiles) starts with "\n".
    if (!value.empty() && value.front() != '\n') out += ' ';
    out += value;
    out += '\n';
  }
  return out;
}

std::vector<Paragraph> parse_paragraphs(std::string_view text, const std::string& subject) {
  std::vector<Paragraph> out;
  Paragraph current;
  std::string name, value;
  bool have_field = false;
  auto flush_field = [&] {
    if (have_field) current.add(std::move(name), std::move(value));
    name.clear();
    value.clear();
    have_field = false;
  };
  auto flush_paragraph = [&] {
    flush_field();
    if (!current.empty()) out.push_back(std::move(current));
    current = Paragraph{};
  };
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      flush_paragraph();
      continue;
    }
    if (line.front() == '#') continue;  // deb822 comment
    if (line.front() == ' ' || line.front() == '\t') {
      if (!have_field)
        throw Error(subject, "line " + std::to_string(line_number) +
                                 ": continuation line without a field",
                    "not a Debian control file?");
      value += '\n';
      value += line;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw Error(subject, "line " + std::to_string(line_number) + ": expected \"Field: value\"",
                  "not a Debian control file?");
    flush_field();
    name = std::string(line.substr(0, colon));
    value = std::string(trim(line.substr(colon + 1)));
    have_field = true;
  }
  flush_paragraph();
  return out;
}

int compare_versions(std::string_view a, std::string_view b) {
  int c = debVS.DoCmpVersion(a.data(), a.data() + a.size(), b.data(), b.data() + b.size());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool version_satisfies(std::string_view version, std::string_view op, std::string_view wanted) {
  if (op.empty()) return true;
  int c = compare_versions(version, wanted);
  if (op == "<<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == "=") return c == 0;
  if (op == ">=") return c >= 0;
  if (op == ">>") return c > 0;
  return false;
}

std::string Relation::to_string() const {
  return op.empty() ? name : name + " (" + op + " " + version + ")";
}

std::vector<AlternativeGroup> parse_relations(std::string_view field, const std::string& subject) {
  auto bad = [&](const std::string& what) {
    return Error(subject, "bad relation \"" + std::string(trim(field)) + "\": " + what,
                 "fix the package's control file");
  };
  std::vector<AlternativeGroup> out;
  const char* position = field.data();
  const char* const end = field.data() + field.size();
  while (position != end && std::isspace(static_cast<unsigned char>(*position))) ++position;
  bool continues_group = false;  // the previous atom ended in '|'
  while (position != end) {
    std::string name, version;
    unsigned int op = 0;
    // No architecture lists or build profiles: they belong to source packages, and a
    // binary package's field that has them is as broken as dpkg says it is. Qualifiers
    // (":any") are stripped.
    const char* next = debListParser::ParseDepends(position, end, name, version, op, false, true, false);
    if (next == nullptr) throw bad("not \"name (op version)\" alternatives separated by '|' and ','");
    position = next;
    Relation relation;
    relation.name = std::move(name);
    switch (op & ~pkgCache::Dep::Or) {
      case pkgCache::Dep::NoOp: break;
      case pkgCache::Dep::LessEq: relation.op = "<="; break;  // also the obsolete "<"
      case pkgCache::Dep::GreaterEq: relation.op = ">="; break;  // also the obsolete ">"
      case pkgCache::Dep::Less: relation.op = "<<"; break;
      case pkgCache::Dep::Greater: relation.op = ">>"; break;
      case pkgCache::Dep::Equals: relation.op = "="; break;
      default: throw bad("unknown operator");
    }
    if (!relation.op.empty()) {
      // libapt-pkg reads any text up to ')' as the version, and an unknown operator as
      // "=": a version holds only dpkg's characters, so "(~> 1)" is refused here.
      if (version.empty()) throw bad("missing version");
      if (version.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+~:-") !=
          std::string::npos)
        throw bad("\"" + version + "\" is not a version (unknown operator?)");
      relation.version = std::move(version);
    }
    if (relation.name.empty()) throw bad("missing package name");
    if (continues_group) out.back().push_back(std::move(relation));
    else out.push_back({std::move(relation)});
    continues_group = (op & pkgCache::Dep::Or) != 0;
  }
  if (continues_group) throw bad("'|' without an alternative after it");
  return out;
}

}  // namespace imgbuild::debformat
