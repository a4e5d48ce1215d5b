// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/control.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace imgbuild::repo {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// dpkg's order() of one character in the non-digit part: letters first by ASCII, then
// everything else after letters, and '~' before all (even the end of the part).
int order(char c) {
  if (std::isdigit(static_cast<unsigned char>(c))) return 0;
  if (std::isalpha(static_cast<unsigned char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

int verrevcmp(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !std::isdigit(static_cast<unsigned char>(a[i]))) ||
           (j < b.size() && !std::isdigit(static_cast<unsigned char>(b[j])))) {
      int ac = order(at(a, i)), bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (std::isdigit(static_cast<unsigned char>(at(a, i))) &&
           std::isdigit(static_cast<unsigned char>(at(b, j)))) {
      if (!first_diff) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (std::isdigit(static_cast<unsigned char>(at(a, i)))) return 1;
    if (std::isdigit(static_cast<unsigned char>(at(b, j)))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct SplitVersion {
  long epoch = 0;
  std::string_view upstream;
  std::string_view revision;
};

SplitVersion split_version(std::string_view version) {
  SplitVersion out;
  version = trim(version);
  if (auto colon = version.find(':'); colon != std::string_view::npos) {
    out.epoch = 0;
    for (char c : version.substr(0, colon))
      // Saturating: a hostile "99999999999999999999:1" must not overflow (dpkg caps
      // epochs at INT_MAX too).
      if (std::isdigit(static_cast<unsigned char>(c)))
        out.epoch = out.epoch > (std::numeric_limits<decltype(out.epoch)>::max() - 9) / 10
                        ? std::numeric_limits<decltype(out.epoch)>::max()
                        : out.epoch * 10 + (c - '0');
    version.remove_prefix(colon + 1);
  }
  if (auto dash = version.rfind('-'); dash != std::string_view::npos) {
    out.upstream = version.substr(0, dash);
    out.revision = version.substr(dash + 1);
  } else {
    out.upstream = version;
  }
  return out;
}

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
  SplitVersion x = split_version(a), y = split_version(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int c = verrevcmp(x.upstream, y.upstream)) return c < 0 ? -1 : 1;
  int c = verrevcmp(x.revision, y.revision);
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
  std::vector<AlternativeGroup> out;
  std::string flat;
  for (char c : field) flat += (c == '\n' || c == '\t') ? ' ' : c;
  std::string_view rest = flat;
  auto bad = [&](const std::string& what) {
    return Error(subject, "bad relation \"" + std::string(trim(field)) + "\": " + what,
                 "fix the package's control file");
  };
  while (!trim(rest).empty()) {
    auto comma = rest.find(',');
    std::string_view group_text = rest.substr(0, comma);
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    if (trim(group_text).empty()) continue;  // dpkg tolerates a trailing comma
    AlternativeGroup group;
    std::string_view alternatives = group_text;
    while (true) {
      auto bar = alternatives.find('|');
      std::string_view atom = trim(alternatives.substr(0, bar));
      Relation relation;
      std::size_t k = 0;
      while (k < atom.size() && !std::isspace(static_cast<unsigned char>(atom[k])) &&
             atom[k] != '(' && atom[k] != '[' && atom[k] != '<')
        ++k;
      std::string_view name = atom.substr(0, k);
      if (auto q = name.find(':'); q != std::string_view::npos) name = name.substr(0, q);
      if (name.empty()) throw bad("missing package name");
      relation.name = std::string(name);
      std::string_view tail = trim(atom.substr(k));
      while (!tail.empty()) {
        char open = tail.front();
        char close = open == '(' ? ')' : open == '[' ? ']' : open == '<' ? '>' : 0;
        if (!close) throw bad("unexpected \"" + std::string(tail) + "\"");
        auto end = tail.find(close);
        if (end == std::string_view::npos) throw bad(std::string("missing '") + close + "'");
        if (open == '(') {
          std::string_view inner = trim(tail.substr(1, end - 1));
          std::size_t op_length = 0;
          while (op_length < inner.size() && std::string_view("<>=").find(inner[op_length]) != std::string_view::npos)
            ++op_length;
          std::string op(inner.substr(0, op_length));
          if (op == "<") op = "<=";  // obsolete forms, as dpkg reads them
          if (op == ">") op = ">=";
          if (op != "<<" && op != "<=" && op != "=" && op != ">=" && op != ">>")
            throw bad("unknown operator \"" + op + "\"");
          relation.op = op;
          relation.version = std::string(trim(inner.substr(op_length)));
          if (relation.version.empty()) throw bad("missing version");
        }
        tail = trim(tail.substr(end + 1));
      }
      group.push_back(std::move(relation));
      if (bar == std::string_view::npos) break;
      alternatives.remove_prefix(bar + 1);
    }
    out.push_back(std::move(group));
  }
  return out;
}

}  // namespace imgbuild::repo
