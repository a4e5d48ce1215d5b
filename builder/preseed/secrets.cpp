// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/secrets.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace imgbuild::preseed {

namespace {

using util::trim;
constexpr auto is_space = util::is_ascii_space;

// Questions that hold a secret whatever type the line gives them (the installer ignores
// the type). From the installer's templates (data/questions/*.txt, type "password") plus
// netcfg's wireless keys, which its templates type as "string". grub-installer's
// "password-crypted" is not here: Etch's template is a boolean flag of that name.
constexpr std::array<std::string_view, 15> k_secret_questions = {
    "passwd/root-password",         "passwd/root-password-again", "passwd/root-password-crypted",
    "passwd/user-password",         "passwd/user-password-again", "passwd/user-password-crypted",
    "grub-installer/password",      "grub-installer/password-again",
    "network-console/password",     "network-console/password-again",
    "partman-crypto/passphrase",    "partman-crypto/passphrase-again",
    "rescue/passphrase",            "netcfg/wireless_wpa",        "netcfg/wireless_wep",
};

Secret classify_value(std::string_view question, std::string_view value) {
  value = trim(value);
  if (value.empty()) return Secret::none;
  if (!question.ends_with("-crypted")) return Secret::plaintext;
  return is_crypt_hash(value) ? Secret::crypted : Secret::not_a_hash;
}

bool is_crypt_char(char c) {
  return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool all_crypt_chars(std::string_view s, std::string_view also = {}) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return is_crypt_char(c) || also.find(c) != std::string_view::npos; });
}

bool should_redact(Secret secret, Redact which) {
  return which == Redact::all ? secret != Secret::none : in_clear(secret);
}

// Where the value starts on an entry's single physical line (after owner, question, type
// and the blanks that follow them), or npos when the line is laid out otherwise.
std::size_t value_start(std::string_view line) {
  std::size_t pos = 0;
  auto skip_space = [&] { while (pos < line.size() && is_space(line[pos])) ++pos; };
  skip_space();
  for (int field = 0; field < 3; ++field) {
    std::size_t start = pos;
    while (pos < line.size() && !is_space(line[pos])) ++pos;
    if (pos == start) return std::string_view::npos;
    skip_space();
  }
  return pos < line.size() ? pos : std::string_view::npos;
}

}  // namespace

bool is_secret_question(std::string_view question) {
  return std::find(k_secret_questions.begin(), k_secret_questions.end(), question) != k_secret_questions.end();
}

Secret classify(const Entry& entry) {
  if (entry.type == "seen") return Secret::none;
  if (entry.type != "password" && !is_secret_question(entry.question)) return Secret::none;
  return classify_value(entry.question, entry.value);
}

bool is_crypt_hash(std::string_view value) {
  value = trim(value);
  // A locked account: "!" / "*" before a hash, or alone.
  std::size_t locks = 0;
  while (locks < value.size() && (value[locks] == '!' || value[locks] == '*')) ++locks;
  value.remove_prefix(locks);
  if (value.empty()) return locks > 0;
  if (value.front() != '$') return value.size() == 13 && all_crypt_chars(value);  // traditional DES

  // "$id$field$...$hash": split on "$".
  std::vector<std::string_view> fields;
  std::size_t pos = 1;
  while (true) {
    std::size_t next = value.find('$', pos);
    fields.push_back(value.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  static constexpr std::array<std::string_view, 9> k_ids = {"1", "5", "6", "y", "gy", "7", "2a", "2b", "2y"};
  const std::string_view id = fields.front();
  if (std::find(k_ids.begin(), k_ids.end(), id) == k_ids.end()) return false;
  if (fields.size() < 3) return false;  // id, at least a salt (or parameters), the hash
  for (std::size_t i = 1; i < fields.size(); ++i) {
    bool last = i + 1 == fields.size();
    // Parameter fields: "rounds=5000" ($5$/$6$), "j9T" ($y$), cost "10" (bcrypt).
    if (fields[i].empty() || !all_crypt_chars(fields[i], last ? "" : "=,")) return false;
  }
  if (id.starts_with('2')) {
    std::string_view cost = fields[1];
    return fields.size() == 3 && cost.size() == 2 && std::isdigit(static_cast<unsigned char>(cost[0])) &&
           std::isdigit(static_cast<unsigned char>(cost[1])) && fields[2].size() == 53;
  }
  return true;
}

std::string crypted_form_of(std::string_view question) {
  std::string_view base = question;
  if (base.ends_with("-again")) base.remove_suffix(6);
  if (base == "passwd/root-password" || base == "passwd/user-password" || base == "grub-installer/password")
    return std::string(base) + "-crypted";
  return {};
}

std::string redact(std::string_view text, const std::string& file, Redact which) {
  Preseed preseed = parse(text, file);
  std::vector<const Entry*> secrets;
  for (const Entry& entry : preseed.entries)
    if (should_redact(classify(entry), which)) secrets.push_back(&entry);
  if (secrets.empty()) return std::string(text);

  // The physical lines with their terminators, as parse() counted them.
  std::vector<std::string_view> lines;  // content
  std::vector<std::string_view> ends;   // "\n", "\r\n" or "" at the end of the file
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::size_t stop = nl == std::string_view::npos ? text.size() : nl;
    std::size_t end = stop > pos && text[stop - 1] == '\r' ? stop - 1 : stop;
    lines.push_back(text.substr(pos, end - pos));
    ends.push_back(text.substr(end, (nl == std::string_view::npos ? text.size() : nl + 1) - end));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  std::vector<std::string> out(lines.begin(), lines.end());
  std::vector<bool> dropped(lines.size(), false);
  for (const Entry* entry : secrets) {
    std::string_view first = lines[entry->line - 1];
    std::size_t start = value_start(first);
    // The common case keeps the line up to its value. parse() drops every CR, so a line
    // with one inside is laid out differently from what it read: rebuilt, like a continued one.
    if (entry->end_line == entry->line && start != std::string_view::npos &&
        first.find('\r') == std::string_view::npos) {
      out[entry->line - 1] = std::string(first.substr(0, start)) + std::string(k_secret_placeholder);
      continue;
    }
    out[entry->line - 1] = entry->owner + " " + entry->question + " " + entry->type + " " +
                           std::string(k_secret_placeholder);
    for (int n = entry->line + 1; n <= entry->end_line; ++n) {
      std::string content;  // as parse() saw it: without CRs
      for (char c : lines[n - 1])
        if (c != '\r') content += c;
      bool skipped_by_installer = content.starts_with("#") || trim(content).empty();
      if (!skipped_by_installer) dropped[n - 1] = true;
    }
  }
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (!dropped[i]) result += out[i] + std::string(ends[i]);
  return result;
}

namespace {

// The words of a kernel command line as the kernel splits them (blanks outside double
// quotes), with their offsets.
struct Word {
  std::size_t start, size;
};

std::vector<Word> kernel_words(std::string_view args) {
  std::vector<Word> words;
  std::size_t pos = 0;
  while (pos < args.size()) {
    while (pos < args.size() && is_space(args[pos])) ++pos;
    if (pos == args.size()) break;
    std::size_t start = pos;
    bool quoted = false;
    while (pos < args.size() && (quoted || !is_space(args[pos]))) {
      if (args[pos] == '"') quoted = !quoted;
      ++pos;
    }
    words.push_back({start, pos - start});
  }
  return words;
}

// "owner:question=value" -> question, value; nullopt-like empty question when no "=".
std::pair<std::string_view, std::string_view> kernel_assignment(std::string_view word) {
  std::size_t eq = word.find('=');
  if (eq == std::string_view::npos) return {};
  std::string_view name = word.substr(0, eq);
  if (std::size_t colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  std::string_view value = word.substr(eq + 1);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return {name, value};
}

}  // namespace

std::vector<KernelArgSecret> kernel_arg_secrets(std::string_view args) {
  std::vector<KernelArgSecret> out;
  for (const Word& word : kernel_words(args)) {
    auto [question, value] = kernel_assignment(args.substr(word.start, word.size));
    if (question.empty() || !is_secret_question(question)) continue;
    Secret secret = classify_value(question, value);
    if (secret != Secret::none) out.push_back({std::string(question), secret});
  }
  return out;
}

std::string redact_kernel_args(std::string_view args, Redact which) {
  std::string out;
  std::size_t copied = 0;
  for (const Word& word : kernel_words(args)) {
    std::string_view text = args.substr(word.start, word.size);
    auto [question, value] = kernel_assignment(text);
    if (question.empty() || !is_secret_question(question) || !should_redact(classify_value(question, value), which))
      continue;
    std::size_t value_at = word.start + text.find('=') + 1;
    out += args.substr(copied, value_at - copied);
    out += k_secret_placeholder;
    copied = word.start + word.size;
  }
  out += args.substr(copied);
  return out;
}

}  // namespace imgbuild::preseed
