// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <stdexcept>
#include <string>

namespace imgbuild {

// The one error type of imgbuild. Every failure a user can cause or fix carries the file
// (or option) it is about, what is wrong with it and what to do, so main() can print it as
// one line:  "imgbuild: base.iso: no El Torito boot catalog (not a bootable ISO?)".
// exit_code 2 is bad input (the default); 1 is "the check ran and said no" (verify, diff,
// lint); 3 and above are environment failures (disk full, QEMU missing).
class Error : public std::runtime_error {
 public:
  Error(std::string subject, std::string problem, std::string fix = {}, int exit_code = 2)
      : std::runtime_error(format(subject, problem, fix)),
        m_subject(std::move(subject)),
        m_problem(std::move(problem)),
        m_fix(std::move(fix)),
        m_exit_code(exit_code) {}

  const std::string& subject() const { return m_subject; }
  const std::string& problem() const { return m_problem; }
  const std::string& fix() const { return m_fix; }
  int exit_code() const { return m_exit_code; }

 private:
  static std::string format(const std::string& subject, const std::string& problem,
                            const std::string& fix) {
    std::string line = subject.empty() ? problem : subject + ": " + problem;
    if (!fix.empty()) line += " (" + fix + ")";
    return line;
  }

  std::string m_subject;
  std::string m_problem;
  std::string m_fix;
  int m_exit_code;
};

}  // namespace imgbuild
