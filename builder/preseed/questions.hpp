// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The questions an installer release knows: from the lists shipped in data/questions/
// (built from debian-installer sources, origin in each file's header) or from the debconf
// templates found on a disc.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::preseed {

struct Question {
  std::string name;  // may contain "*" for a run-time part: "apt-setup/local*/repository"
  std::string type;  // string, boolean, select, multiselect, password, note, ...; "-" = any
  std::vector<std::string> choices;  // empty: not fixed (or not known)
};

class QuestionSet {
 public:
  std::string origin;  // where the set came from, for messages ("etch list", "disc x.iso")

  // The first definition of a name wins (templates before code-read names).
  void add(Question question);
  // Adds every question of `other` this set does not define yet.
  void add_all(const QuestionSet& other);
  // Exact name, else the first "*" pattern that matches.
  const Question* find(std::string_view name) const;
  // The part before the first "/" is the namespace of some known question.
  bool knows_namespace(std::string_view name) const;
  // The known name closest to `name` (edit distance, or the same last component in
  // another namespace); empty when nothing is reasonably close.
  std::string nearest(std::string_view name) const;
  std::size_t size() const { return m_exact.size() + m_patterns.size(); }
  bool empty() const { return size() == 0; }

 private:
  std::map<std::string, Question, std::less<>> m_exact;
  std::vector<Question> m_patterns;
  std::set<std::string, std::less<>> m_namespaces;
};

// The releases with a shipped list, oldest first.
const std::vector<std::string>& known_releases();

// Parses a shipped list (name TAB type [TAB choice]...; "#" comments). Throws Error naming
// `file` for a malformed line.
QuestionSet parse_question_list(std::string_view text, const std::string& file);

// Loads data/questions/<release>.txt through util::find_data_file. Throws Error for an
// unknown release (naming the known ones) or a missing data file.
QuestionSet builtin_questions(const std::string& release);

// Reads debconf templates: cdebconf's templates.dat ("Name:" stanzas) or a templates file
// ("Template:" stanzas, e.g. var/lib/dpkg/info/*.templates of an installer initrd).
QuestionSet parse_templates_dat(std::string_view text);
// Adds the templates of `text` to `set` (a disc has many template files).
void add_templates(QuestionSet& set, std::string_view text);

// The release of a disc from its .disk/info text ("Debian GNU/Linux 4.0 r9 \"Etch\" -
// Official i386 NETINST Binary-1 20100405-21:42" -> "etch", "Debian GNU/Linux 12.8.0
// \"Bookworm\" ..." -> "bookworm"); empty when it is none of known_releases().
std::string guess_release(std::string_view disk_info);

}  // namespace imgbuild::preseed
