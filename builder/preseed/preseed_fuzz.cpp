// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: parse, the marker rewrite and lint on arbitrary bytes. Built with
// -DIMGBUILD_FUZZ=ON (clang). Checks, beyond "no crash, no sanitizer report":
//  - only imgbuild::Error escapes, and only for text parse() rejects;
//  - the rewritten preseed parses, has exactly one effective early_command and
//    late_command, and their values are the generated commands around the user's;
//  - the redacted preseed parses to the same answers, every secret's value replaced by
//    the placeholder and every other value kept.
#include "preseed/lint.hpp"
#include "preseed/preseed.hpp"
#include "preseed/secrets.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace imgbuild::preseed;

namespace {

const Entry* effective(const Preseed& p, std::string_view question) {
  const Entry* found = nullptr;
  for (const Entry& e : p.entries)
    if (e.question == question && e.type != "seen") found = &e;
  return found;
}

QuestionSet fuzz_questions() {
  return parse_question_list(
      "preseed/early_command\tstring\npreseed/late_command\tstring\npartman/confirm\tboolean\n"
      "pkgsel/upgrade\tselect\tnone\tsafe-upgrade\tfull-upgrade\n"
      "apt-setup/services-select\tmultiselect\tsecurity\tupdates\n"
      "apt-setup/local*/repository\t-\npartman-auto/method\tstring\n",
      "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Preseed before;
  try {
    before = parse(text, "fuzz.cfg");
  } catch (const imgbuild::Error&) {
    return 0;  // NUL or invalid UTF-8: rejected as designed
  }
  static const QuestionSet questions = fuzz_questions();
  for (const char* release : {"etch", "bookworm", ""}) {
    LintOptions options;
    options.release = release;
    for (const Diagnostic& d : lint(before, questions, options)) (void)format(d);
  }

  for (Redact which : {Redact::in_clear, Redact::all}) {
    Preseed redacted = parse(redact(text, "fuzz.cfg", which), "fuzz.cfg");
    if (redacted.entries.size() != before.entries.size()) std::abort();
    for (std::size_t i = 0; i < before.entries.size(); ++i) {
      const Entry& a = before.entries[i];
      const Entry& b = redacted.entries[i];
      Secret secret = classify(a);
      bool withheld = which == Redact::all ? secret != Secret::none : in_clear(secret);
      if (a.owner != b.owner || a.question != b.question || a.type != b.type) std::abort();
      if (b.value != (withheld ? std::string(k_secret_placeholder) : a.value)) std::abort();
    }
  }

  Injection injection;
  injection.build_id = "0123456789abcdef0123456789abcdef";
  injection.copy_target_overlay = size % 2 == 1;
  std::string out = add_imgbuild_commands(text, "fuzz.cfg", injection);
  Preseed after = parse(out, "fuzz.cfg");
  const Entry* early_before = effective(before, "preseed/early_command");
  const Entry* late_before = effective(before, "preseed/late_command");
  const Entry* early = effective(after, "preseed/early_command");
  const Entry* late = effective(after, "preseed/late_command");
  if (!early || !late) std::abort();
  if (early->value != early_command(injection, early_before ? early_before->value : ""))
    std::abort();
  if (late->value != late_command(injection, late_before ? late_before->value : "")) std::abort();
  return 0;
}
