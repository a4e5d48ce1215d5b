// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/lint.hpp"

#include "preseed/secrets.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace imgbuild::preseed {

namespace {

using util::trim;

// The installer ignores the type field (only "seen" is special) and the official examples
// give selects as "string" and values of "text" templates (netcfg/dhcp_timeout) as
// "string": only booleans and passwords are worth a word. A boolean given as a string
// misleads the reader; a password given as a string lands in config.dat, not
// passwords.dat, when the same line is fed to debconf-set-selections on a system.
bool type_matters(std::string_view type) { return type == "boolean" || type == "password"; }

// Select questions whose preseeded value the installer uses as it is, whatever the menu
// offers: choose-mirror tries a preseeded suite first (Etch's too: find_suite()).
bool any_value_accepted(std::string_view question) {
  return question == "mirror/suite" || question == "mirror/udeb/suite" || question == "mirror/codename";
}

bool is_modern(const std::string& release) { return release == "bookworm" || release == "trixie"; }

class Linter {
 public:
  Linter(const Preseed& preseed, const QuestionSet& questions, const LintOptions& options)
      : m_preseed(preseed), m_questions(questions), m_options(options) {}

  std::vector<Diagnostic> run() {
    for (const SyntaxProblem& problem : m_preseed.problems)
      add(problem.line, problem.warning ? Severity::warning : Severity::error, problem.message, "");
    if (m_options.release == "etch") {
      // Etch's loader (packages/preseed/debconf-set-selections, 2007) word-splits each
      // line with the shell: a blank line of spaces leaves "shift 3" nothing to shift.
      for (int line : m_preseed.blank_lines_with_spaces)
        add(line, Severity::error,
            "a line of only blanks: Etch's preseed loader fails on it at \"shift 3\" and refuses the whole file",
            "make the line empty");
      for (int line : m_preseed.glued_continuations)
        add(line, Severity::warning,
            "continued without a blank before the backslash: Etch glues the two lines' words together, "
            "where later installers put a blank between them",
            "put a blank before the trailing backslash");
    }
    for (const Entry& entry : m_preseed.entries) check_entry(entry);
    check_duplicates();
    if (!m_options.release.empty()) check_unanswered();
    std::stable_sort(m_out.begin(), m_out.end(), [](const Diagnostic& a, const Diagnostic& b) {
      if ((a.line == 0) != (b.line == 0)) return b.line == 0;
      return a.line < b.line;
    });
    return std::move(m_out);
  }

 private:
  void add(int line, Severity severity, std::string message, std::string hint) {
    m_out.push_back({m_preseed.file, line, severity, std::move(message), std::move(hint)});
  }

  // The effective (last) value of a question, if the preseed sets it.
  const Entry* answer(std::string_view question) const {
    const Entry* found = nullptr;
    for (const Entry& entry : m_preseed.entries)
      if (entry.question == question && entry.type != "seen") found = &entry;
    return found;
  }
  // A value as a message may show it: never a secret's (lint output goes to build logs),
  // even where the secret sits in the wrong place (a password typed for a boolean).
  static bool withheld(const Entry& entry) {
    return classify(entry) != Secret::none || is_secret_question(entry.question);
  }
  static std::string shown(const Entry& entry, std::string_view value) {
    return withheld(entry) ? std::string(k_secret_placeholder) : std::string(value);
  }
  static std::string quoted(const Entry& entry, std::string_view value) {
    return withheld(entry) ? std::string(k_secret_placeholder) : "'" + std::string(value) + "'";
  }

  bool answered(std::string_view question) const { return answer(question) != nullptr; }
  bool answered_as(std::string_view question, std::string_view value) const {
    const Entry* e = answer(question);
    return e && trim(e->value) == value;
  }

  void check_entry(const Entry& entry) {
    const std::string& q = entry.question;
    if (entry.type == "seen") {
      std::string_view v = trim(entry.value);
      if (v != "true" && v != "false")
        add(entry.line, Severity::error, "a \"seen\" line takes true or false, not " + quoted(entry, v),
            "owner question seen true|false");
    }
    // A release pitfall says more than "unknown question" about the same line.
    std::size_t before = m_out.size();
    if (entry.type != "seen") check_release_pitfalls(entry);
    bool pitfall = m_out.size() > before;
    const Question* known = m_questions.find(q);
    if (!known) {
      if (!pitfall) check_unknown(entry);
    } else if (entry.type != "seen") {
      check_type(entry, *known);
      check_choices(entry, *known);
    }
    if (classify(entry) == Secret::not_a_hash)
      add(entry.line, Severity::error, q + " does not hold a crypt(3) hash", "generate one with " + hash_command());
    // The value is never part of these messages.
    if (q == "passwd/root-password" && !trim(entry.value).empty())
      add(entry.line, Severity::warning, "plaintext root password in the preseed (and on the disc)",
          "use passwd/root-password-crypted with a hash from " + hash_command());
    if (q == "passwd/user-password" && !trim(entry.value).empty())
      add(entry.line, Severity::warning, "plaintext user password in the preseed (and on the disc)",
          "use passwd/user-password-crypted with a hash from " + hash_command());
  }

  // Etch's glibc (2.3) knows only DES and MD5 crypt: a SHA-512 hash there is a password
  // nobody can type. openssl is on every build host; mkpasswd needs the whois package.
  std::string hash_command() const {
    if (m_options.release == "etch") return "openssl passwd -1 (MD5: Etch's glibc has no SHA-512 crypt)";
    if (m_options.release.empty()) return "openssl passwd -6 (or -1 for Etch)";
    return "openssl passwd -6";
  }

  void check_unknown(const Entry& entry) {
    if (m_questions.empty()) return;  // nothing known: nothing to call unknown
    const std::string& q = entry.question;
    // A suggestion costs an edit distance against every known name: enough for any real
    // preseed, bounded for a file that is not one.
    std::string near = m_suggestions_left > 0 ? m_questions.nearest(q) : std::string();
    if (m_suggestions_left > 0) --m_suggestions_left;
    std::string where = m_questions.origin.empty() ? "the question set" : "the " + m_questions.origin;
    std::string hint = near.empty() ? "" : "did you mean " + near + "?";
    if (m_questions.knows_namespace(q)) {
      // A known component, an unknown question: most likely a typo, and the installer
      // ignores the line silently.
      add(entry.line, near.empty() ? Severity::warning : Severity::error,
          "unknown question " + q + ", not in " + where + ": the installer ignores it", hint);
    } else if (entry.owner == "d-i") {
      add(entry.line, Severity::warning, "unknown question " + q + ", not in " + where,
          near.empty() ? "if it belongs to a package of the installed system, name that package as the owner"
                       : hint);
    } else if (!near.empty() && near != q) {
      // Owned by a package of the installed system: only a near miss is worth a word.
      add(entry.line, Severity::warning, "question " + q + " is not in " + where, hint);
    }
  }

  void check_type(const Entry& entry, const Question& known) {
    if (known.type == "-") return;
    if (known.type == "boolean") {
      std::string_view v = trim(entry.value);
      if (v != "true" && v != "false")
        add(entry.line, Severity::error,
            entry.question + " is a boolean: " + quoted(entry, v) + " is neither true nor false", "");
    }
    if ((type_matters(known.type) || type_matters(entry.type)) && entry.type != known.type)
      add(entry.line, Severity::warning,
          entry.question + " is a " + known.type + " question, given as " + entry.type,
          "owner " + entry.question + " " + known.type + " value");
  }

  void check_choices(const Entry& entry, const Question& known) {
    if (known.choices.empty() || any_value_accepted(entry.question)) return;
    auto allowed = [&](std::string_view v) {
      return std::find(known.choices.begin(), known.choices.end(), v) != known.choices.end();
    };
    auto list = [&] {
      std::string s;
      for (std::size_t i = 0; i < known.choices.size() && i < 8; ++i)
        s += (i ? ", " : "") + known.choices[i];
      if (known.choices.size() > 8) s += ", ...";
      return s;
    };
    std::string_view value = trim(entry.value);
    if (known.type == "multiselect") {
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        std::string_view item = trim(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (!item.empty() && !allowed(item))
          add(entry.line, Severity::warning,
              quoted(entry, item) + " is not a choice of " + entry.question, "choices: " + list());
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    } else if (known.type == "select" && !value.empty() && !allowed(value)) {
      add(entry.line, Severity::warning, quoted(entry, value) + " is not a choice of " + entry.question,
          "choices: " + list());
    }
  }

  void check_release_pitfalls(const Entry& entry) {
    const std::string& release = m_options.release;
    const std::string& q = entry.question;
    std::string_view value = trim(entry.value);
    if (release == "etch") {
      if (q == "partman-auto/choose_recipe" && !value.empty() &&
          value.find(' ') == std::string_view::npos) {
        static const std::map<std::string_view, std::string_view> k_descriptions = {
            {"atomic", "All files in one partition (recommended for new users)"},
            {"home", "Separate /home partition"},
            {"multi", "Separate /home, /usr, /var, and /tmp partitions"}};
        auto it = k_descriptions.find(value);
        add(entry.line, Severity::error,
            "Etch matches partman-auto/choose_recipe against the recipe's (translated) "
            "description, not a recipe id like " + quoted(entry, value) + "; ids work from partman-auto 76 (2008) on",
            it != k_descriptions.end() ? "use: " + std::string(it->second)
                                       : "use the recipe's description, or partman-auto/expert_recipe");
      }
      if (q == "partman/choose_partition" && value == "finish")
        add(entry.line, Severity::warning,
            "Etch's partman compares partman/choose_partition with the displayed text, not 'finish'",
            "use: Finish partitioning and write changes to disk");
      if (q == "partman/early_command")
        add(entry.line, Severity::error, "partman/early_command does not exist in Etch: it is never run",
            "use preseed/early_command (debconf-set and list-devices are available there)");
      if (q.starts_with("apt-setup/local") && q.ends_with("/repository") && value.starts_with("deb"))
        add(entry.line, Severity::error,
            q + " must not start with 'deb': the apt-setup generator adds it",
            "give only: URL SUITE COMPONENTS");
      if (q.starts_with("keyboard-configuration/"))
        add(entry.line, Severity::error,
            q + " is a question of later installers (console-setup, 2010): Etch ignores it",
            "use console-keymaps-at/keymap");
      if (q == "base-installer/kernel/image")
        add(entry.line, Severity::warning,
            "Etch's base-installer replaces a preseeded kernel image with the flavour matching the "
            "installer's CPU",
            "install the wanted flavour with pkgsel/include and make GRUB boot it by default");
      if (q == "preseed/late_command" &&
          (entry.value.find("$(uname -r)") != std::string::npos ||
           entry.value.find("`uname -r`") != std::string::npos))
        add(entry.line, Severity::warning,
            "uname -r inside late_command is the installer's kernel (2.6.18-*-486), not the installed one",
            "name the flavour's package, e.g. linux-headers-2.6-686-bigmem");
      if (q == "mirror/country" && value == "manual")
        add(entry.line, Severity::error, "Etch's choose-mirror does not know mirror/country 'manual'",
            "use: enter information manually");
      if (q == "apt-setup/security_host" && !value.empty())
        add(entry.line, Severity::warning,
            "security updates for Etch are no longer served by " + shown(entry, value) +
                ": the failing source asks a critical question",
            "leave it empty: d-i apt-setup/security_host string");
    }
    if (is_modern(release)) {
      if (q.starts_with("console-keymaps-"))
        add(entry.line, Severity::error,
            q + " is a question of old installers (before 2010): " + release + " ignores it",
            "use keyboard-configuration/xkb-keymap");
      if (q == "mirror/country" && value == "enter information manually")
        add(entry.line, Severity::error, "modern choose-mirror expects mirror/country 'manual'", "use: manual");
    }
    if (release == "trixie" && names_i386_kernel(q, value))
      add(entry.line, Severity::error,
          "an i386 install: Debian 13 has no i386 installer and no i386 kernel (i386 remains only a "
          "co-architecture of amd64), so " + quoted(entry, value) + " cannot be installed",
          "install amd64 (linux-image-amd64), or Debian 12 for 32-bit machines");
  }

  // A 32-bit x86 kernel flavour (686, 686-pae, 486) named where the installer installs it.
  static bool names_i386_kernel(std::string_view question, std::string_view value) {
    if (question != "base-installer/kernel/image" && question != "pkgsel/include") return false;
    for (std::string_view flavour : {"linux-image-686", "linux-image-486", "linux-image-2.6-686", "linux-image-i386"})
      if (value.find(flavour) != std::string_view::npos) return true;
    return false;
  }

  void check_duplicates() {
    std::map<std::string, const Entry*> first;
    for (const Entry& entry : m_preseed.entries) {
      if (entry.type == "seen") continue;
      auto [it, inserted] = first.emplace(entry.question, &entry);
      if (inserted) continue;
      bool command = entry.question.ends_with("_command");
      add(entry.line, command ? Severity::error : Severity::warning,
          entry.question + " is also set on line " + std::to_string(it->second->line) +
              ": this later line silently wins",
          command ? "chain both commands in one line with ;" : "keep one line");
      it->second = &entry;
    }
  }

  // Questions asked at critical priority (auto install) when nothing answers them. Only
  // the ones that stop an unattended install are checked.
  void check_unanswered() {
    const std::string& release = m_options.release;
    bool etch = release == "etch";
    auto missing = [&](std::string message, std::string hint) {
      add(0, Severity::warning, std::move(message), std::move(hint));
    };

    // Partitioning.
    if (!answered("partman-auto/method") && !answered("partman-auto/expert_recipe")) {
      missing("no partman-auto/method: partitioning will be asked", "e.g. d-i partman-auto/method string regular");
    } else {
      if (!answered_as("partman/confirm", "true"))
        missing("partman/confirm is not true: the installer stops to confirm writing the partitions",
                "d-i partman/confirm boolean true");
      if (!answered("partman/choose_partition"))
        missing("partman/choose_partition is not answered: the partitioner menu will be shown",
                etch ? "d-i partman/choose_partition select Finish partitioning and write changes to disk"
                     : "d-i partman/choose_partition select finish");
      // Etch's guided partitioning writes a new label without asking (except Sun labels,
      // auto-shared.sh); later ones ask partman-partitioning/confirm_write_new_label.
      std::string label = "partman-partitioning/confirm_write_new_label";
      if (is_modern(release) && !answered_as(label, "true"))
        missing(label + " is not true: a blank disk stops the install to confirm a new partition table",
                "d-i " + label + " boolean true");
      const Entry* method = answer("partman-auto/method");
      if (method && (trim(method->value) == "lvm" || trim(method->value) == "crypto") &&
          !answered_as("partman-lvm/confirm", "true"))
        missing("partman-lvm/confirm is not true: LVM partitioning stops to confirm",
                "d-i partman-lvm/confirm boolean true");
      if (etch && !answered("partman-auto/disk"))
        missing("no partman-auto/disk: Etch asks for the disk even when there is only one",
                "d-i partman-auto/disk string /dev/sda, or set it from preseed/early_command");
    }

    // Accounts.
    if (!answered_as("passwd/root-login", "false") && !answered("passwd/root-password") &&
        !answered("passwd/root-password-crypted"))
      missing("no root password: the installer asks for it", "d-i passwd/root-password-crypted password HASH");
    if (!answered_as("passwd/make-user", "false")) {
      if (!answered("passwd/user-fullname") || !answered("passwd/username"))
        missing("a user account is created but passwd/user-fullname or passwd/username is not answered",
                "answer both, or d-i passwd/make-user boolean false");
      if (!answered("passwd/user-password") && !answered("passwd/user-password-crypted"))
        missing("no password for the user account: the installer asks for it",
                "d-i passwd/user-password-crypted password HASH, or d-i passwd/make-user boolean false");
    }

    // Mirror.
    if (!answered_as("apt-setup/use_mirror", "false") && !answered("mirror/http/hostname") &&
        !answered("mirror/ftp/hostname"))
      missing("no mirror/http/hostname: the mirror will be asked",
              etch ? "d-i mirror/country string enter information manually and mirror/http/hostname"
                   : "d-i mirror/country string manual and mirror/http/hostname");
    if (etch && (answered("mirror/http/hostname") || answered("mirror/ftp/hostname")) &&
        !answered_as("debian-installer/allow_unauthenticated", "true"))
      missing("Etch's archive keys have expired: debootstrap from a mirror fails the signature check",
              "d-i debian-installer/allow_unauthenticated boolean true");
    if (etch && !answered("apt-setup/security_host"))
      missing("security.debian.org no longer serves Etch: the failing security source asks a critical question",
              "an empty value: d-i apt-setup/security_host string");

    // Tasks.
    if (!answered("tasksel/first") && !answered_as("pkgsel/run_tasksel", "false"))
      missing("tasksel/first is not answered: the task selection will be asked",
              "tasksel tasksel/first multiselect standard; an empty value installs no task");

    // Boot loader.
    if (!answered_as("grub-installer/skip", "true")) {
      // Etch's and Lenny's grub-installer take only_debian=true as "(hd0)" (code reading).
      if (etch || release == "lenny") {
        if (!answered_as("grub-installer/only_debian", "true") && !answered("grub-installer/bootdev"))
          missing("GRUB's target is not answered: the installer asks where to install it",
                  "d-i grub-installer/only_debian boolean true, which installs to (hd0)");
      } else if (!answered("grub-installer/bootdev")) {
        missing("grub-installer/bootdev is not answered: with more than one disk (or a USB stick) "
                "the installer asks where to install GRUB",
                "d-i grub-installer/bootdev string default, or a device such as /dev/sda");
      }
    }
  }

  const Preseed& m_preseed;
  const QuestionSet& m_questions;
  const LintOptions& m_options;
  std::vector<Diagnostic> m_out;
  int m_suggestions_left = 200;
};

}  // namespace

std::vector<Diagnostic> lint(const Preseed& preseed, const QuestionSet& questions,
                             const LintOptions& options) {
  return Linter(preseed, questions, options).run();
}

std::string format(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) out += ":" + std::to_string(d.line);
  out += d.severity == Severity::error ? ": error: " : ": warning: ";
  out += d.message;
  if (!d.hint.empty()) out += " (" + d.hint + ")";
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

util::Json lint_to_json(const std::string& file, const std::string& release, const QuestionSet& questions,
                        const std::vector<Diagnostic>& diagnostics, bool errors_only) {
  util::Json listed = util::Json::array();
  int errors = 0, warnings = 0;
  for (const auto& d : diagnostics) {
    const bool error = d.severity == Severity::error;
    ++(error ? errors : warnings);
    if (errors_only && !error) continue;
    listed.push_back({{"file", d.file},
                      {"line", d.line},
                      {"severity", error ? "error" : "warning"},
                      {"message", d.message},
                      {"hint", d.hint}});
  }
  util::Json out;
  out["file"] = file;
  out["release"] = release.empty() ? util::Json() : util::Json(release);
  out["questions"] = {{"origin", questions.origin}, {"count", questions.size()}};
  out["errors"] = errors;
  out["warnings"] = warnings;
  out["diagnostics"] = std::move(listed);
  return out;
}

}  // namespace imgbuild::preseed
