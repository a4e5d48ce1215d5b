// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct XorrisO;

namespace imgbuild::iso {

// The xorriso command interpreter of libisoburn, in-process: one command at a time, its
// messages captured instead of printed, so a failure becomes one Error line naming what
// libisoburn complained about. libburn keeps global state, so one session exists at a time
// (the constructor waits for the previous one to end).
class XorrisoSession {
 public:
  explicit XorrisoSession(std::string subject);
  XorrisoSession(const XorrisoSession&) = delete;
  XorrisoSession& operator=(const XorrisoSession&) = delete;
  ~XorrisoSession();

  // Runs one command with its arguments and returns its result lines (what the xorriso
  // program prints on stdout). Throws Error when the command fails or complains (SORRY).
  std::vector<std::string> run(std::vector<std::string> words);

 private:
  std::unique_lock<std::mutex> m_lock;
  std::string m_subject;
  XorrisO* m_handle = nullptr;
};

}  // namespace imgbuild::iso
