// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/lint_hosts.hpp"

#include "fleet/answers.hpp"
#include "util/fs.hpp"

#include <algorithm>
#include <set>

namespace imgbuild::fleet {

namespace {

int count_lines(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::string with_final_newline(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

}  // namespace

std::vector<preseed::Diagnostic> lint_hosts(const Inventory& inventory, std::string_view preseed_text,
                                            const std::string& preseed_file,
                                            const preseed::QuestionSet& questions,
                                            const preseed::LintOptions& options) {
  const std::string base = with_final_newline(preseed_text);
  const int base_lines = count_lines(base);
  std::set<std::string> base_findings;  // whole-file findings of the image's preseed alone
  for (const auto& d : preseed::lint(preseed::parse(base, preseed_file), questions, options))
    if (d.line == 0) base_findings.insert(d.message);

  std::vector<preseed::Diagnostic> out;
  for (const auto& host : inventory.hosts) {
    const std::string row = inventory.file.string() + ":" + std::to_string(host.line) + " (host " + host.hostname + ")";
    const std::string answers = host_answers(host, options.release);
    const int answer_lines = count_lines(answers);
    std::string fragment;
    if (!host.preseed.empty()) {
      fragment = with_final_newline(util::read_small_file(host.preseed.string(), 16u << 20, "preseed fragment"));
      preseed::parse(fragment, host.preseed.string());  // its own NUL / UTF-8 errors, named by its path
    }
    for (auto d : preseed::lint(preseed::parse(base + answers + fragment, row), questions, options)) {
      // The layers override each other on purpose (the inventory's answers win over the
      // image's preseed, the host's fragment over both), so lint's "also set on line N"
      // warning, which counts lines of the merged text, says nothing useful here.
      if (d.message.find(" is also set on line ") != std::string::npos) continue;
      if (d.line == 0) {
        if (base_findings.count(d.message)) continue;
        d.file = row;
      } else if (d.line <= base_lines) {
        continue;  // the image's preseed: reported by its own lint
      } else if (d.line <= base_lines + answer_lines) {
        d.file = row;
        d.line = 0;
      } else {
        d.file = host.preseed.string();
        d.line -= base_lines + answer_lines;
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace imgbuild::fleet
