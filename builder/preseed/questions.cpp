// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/questions.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>

namespace imgbuild::preseed {

namespace {

std::string_view namespace_of(std::string_view name) {
  std::size_t slash = name.find('/');
  return slash == std::string_view::npos ? name : name.substr(0, slash);
}

std::string_view last_component(std::string_view name) {
  std::size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// "*" matches one or more characters other than "/".
bool glob_match(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  if (pattern.front() == '*') {
    for (std::size_t n = 1; n <= name.size() && name[n - 1] != '/'; ++n)
      if (glob_match(pattern.substr(1), name.substr(n))) return true;
    return false;
  }
  return !name.empty() && name.front() == pattern.front() &&
         glob_match(pattern.substr(1), name.substr(1));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

using util::trim;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Debconf choices: ", " separated, "\," an escaped comma.
std::vector<std::string> split_choices(std::string_view value) {
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == ',') {
      current += ',';
      ++i;
    } else if (value[i] == ',') {
      out.emplace_back(trim(current));
      current.clear();
    } else {
      current += value[i];
    }
  }
  out.emplace_back(trim(current));
  std::erase_if(out, [](const std::string& c) { return c.empty(); });
  return out;
}

}  // namespace

void QuestionSet::add(Question question) {
  if (question.name.empty()) return;
  m_namespaces.emplace(namespace_of(question.name));
  if (question.name.find('*') != std::string::npos) {
    for (const Question& known : m_patterns)
      if (known.name == question.name) return;
    m_patterns.push_back(std::move(question));
  } else {
    std::string name = question.name;
    m_exact.emplace(std::move(name), std::move(question));
  }
}

void QuestionSet::add_all(const QuestionSet& other) {
  for (const auto& [name, question] : other.m_exact) add(question);
  for (const Question& pattern : other.m_patterns) add(pattern);
}

const Question* QuestionSet::find(std::string_view name) const {
  if (auto it = m_exact.find(name); it != m_exact.end()) return &it->second;
  for (const Question& pattern : m_patterns)
    if (glob_match(pattern.name, name)) return &pattern;
  return nullptr;
}

bool QuestionSet::knows_namespace(std::string_view name) const {
  return m_namespaces.contains(namespace_of(name));
}

std::string QuestionSet::nearest(std::string_view name) const {
  // Same component first, with more tolerance (netcfg/hostname -> netcfg/get_hostname),
  // then any namespace, then the same last component elsewhere (partman/x -> partman-y/x).
  std::string_view ns = namespace_of(name);
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(4, name.size() / 3) + 1;
  for (const auto& [known, question] : m_exact) {
    if (namespace_of(known) != ns) continue;
    std::size_t d = edit_distance(name, known);
    if (d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  if (!best.empty()) return best;
  best_distance = std::max<std::size_t>(3, name.size() / 6) + 1;
  for (const auto& [known, question] : m_exact) {
    std::size_t d = edit_distance(name, known);
    if (d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  if (!best.empty()) return best;
  std::string_view leaf = last_component(name);
  for (const auto& [known, question] : m_exact)
    if (last_component(known) == leaf && leaf.size() > 3) return known;
  return {};
}

const std::vector<std::string>& known_releases() {
  static const std::vector<std::string> releases = {"etch", "lenny", "bookworm", "trixie"};
  return releases;
}

QuestionSet parse_question_list(std::string_view text, const std::string& file) {
  QuestionSet set;
  set.origin = file;
  int number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> fields = split(line, '\t');
    if (fields.size() < 2 || fields[0].empty() || fields[1].empty())
      throw Error(file, "line " + std::to_string(number) + " is not \"name TAB type [TAB choice]...\"",
                  "regenerate it with data/questions/build-lists.sh");
    Question q{std::string(fields[0]), std::string(fields[1]), {}};
    for (std::size_t i = 2; i < fields.size(); ++i)
      if (!fields[i].empty()) q.choices.emplace_back(fields[i]);
    set.add(std::move(q));
  }
  return set;
}

QuestionSet builtin_questions(const std::string& release) {
  const auto& releases = known_releases();
  if (std::find(releases.begin(), releases.end(), release) == releases.end()) {
    std::string names;
    for (const auto& r : releases) names += (names.empty() ? "" : ", ") + r;
    throw Error("--release " + release, "no question list for this release",
                "use one of " + names + ", or --base ISO to read the disc's own templates");
  }
  std::string relative = "data/questions/" + release + ".txt";
  auto path = util::find_data_file(relative);
  if (path.empty())
    throw Error(relative, "data file not found", "reinstall imgbuild or set IMGBUILD_DATA_DIR");
  QuestionSet set = parse_question_list(util::read_small_file(path.string()), path.string());
  set.origin = release + " question list";
  return set;
}

void add_templates(QuestionSet& set, std::string_view text) {
  Question current;
  std::string choices, choices_c;
  auto flush = [&] {
    if (!current.name.empty() && !current.type.empty()) {
      std::string_view fixed = !choices_c.empty() ? choices_c : choices;
      if ((current.type == "select" || current.type == "multiselect") &&
          fixed.find('$') == std::string_view::npos && fixed.find('@') == std::string_view::npos)
        current.choices = split_choices(fixed);
      set.add(std::move(current));
    }
    current = Question{};
    choices.clear();
    choices_c.clear();
  };
  for (std::string_view line : split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      flush();
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;  // description text
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    while (!key.empty() && key.front() == '_') key.remove_prefix(1);
    std::string_view value = trim(line.substr(colon + 1));
    if (key == "Template" || key == "Name") {
      if (!current.name.empty()) flush();
      current.name = value;
    } else if (key == "Type") {
      current.type = value;
    } else if (key == "Choices-C") {
      choices_c = value;
    } else if (key == "Choices") {
      choices = value;
    }
  }
  flush();
}

QuestionSet parse_templates_dat(std::string_view text) {
  QuestionSet set;
  set.origin = "templates";
  add_templates(set, text);
  return set;
}

std::string guess_release(std::string_view disk_info) {
  const std::string lower = util::lower(disk_info);
  for (const std::string& name : known_releases())
    if (lower.find("\"" + name + "\"") != std::string::npos) return name;
  // Without a code name: "Debian GNU/Linux 12.8.0 ..." -> the major version.
  static const std::pair<std::string_view, std::string_view> k_versions[] = {
      {"4.0", "etch"}, {"5.0", "lenny"}, {"12.", "bookworm"}, {"13.", "trixie"}};
  std::size_t at = lower.find("debian gnu/linux ");
  if (at != std::string::npos) {
    std::string_view rest = std::string_view(lower).substr(at + 17);
    for (const auto& [version, name] : k_versions)
      if (rest.starts_with(version)) return std::string(name);
  }
  return {};
}

}  // namespace imgbuild::preseed
