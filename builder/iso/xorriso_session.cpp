// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/xorriso_session.hpp"

#include "util/error.hpp"

#include <libisoburn/xorriso.h>

namespace imgbuild::iso {

namespace {

std::mutex g_xorriso_mutex;

struct ListDeleter {
  void operator()(Xorriso_lsT* list) const { Xorriso_lst_destroy_all(&list, 0); }
};
using ListPtr = std::unique_ptr<Xorriso_lsT, ListDeleter>;

std::vector<std::string> lines_of(Xorriso_lsT* list) {
  std::vector<std::string> lines;
  for (Xorriso_lsT* item = list; item; item = Xorriso_lst_get_next(item, 0)) {
    std::string line = Xorriso_lst_get_text(item, 0);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string classify_fix(const std::string& complaint) {
  if (complaint.find("No space") != std::string::npos || complaint.find("space left") != std::string::npos)
    return "free some space on the output filesystem";
  return "";
}

}  // namespace

XorrisoSession::XorrisoSession(std::string subject)
    : m_lock(g_xorriso_mutex), m_subject(std::move(subject)) {
  char program_name[] = "imgbuild";
  if (Xorriso_new(&m_handle, program_name, 0) <= 0) throw std::bad_alloc();
  // libburn would otherwise install its own SIGINT/SIGTERM/SIGHUP handler, which replaces
  // imgbuild's (util::install_cleanup_signal_handlers) for the rest of the process: a
  // Ctrl-C during the write then exited 1 and left the temp output and the staging
  // directory behind. "off" (bit0: before startup) keeps the inherited handlers.
  char signal_mode[] = "off";
  Xorriso_option_signal_handling(m_handle, signal_mode, 1);
  if (Xorriso_startup_libraries(m_handle, 0) <= 0) {
    Xorriso_destroy(&m_handle, 1);
    throw Error(m_subject, "cannot start libisoburn", "", 3);
  }
}

XorrisoSession::~XorrisoSession() {
  // bit0: library shutdown too, so the next session starts from a clean libburn.
  if (m_handle) Xorriso_destroy(&m_handle, 1);
}

std::vector<std::string> XorrisoSession::run(std::vector<std::string> words) {
  int stack_handle = -1;
  Xorriso_push_outlists(m_handle, &stack_handle, 3);
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  int index = 0;
  // flag bit2: exactly this one command, no argument rearranging.
  int ret = Xorriso_interpreter(m_handle, static_cast<int>(argv.size()), argv.data(), &index, 4);
  int advice = Xorriso_eval_problem_status(m_handle, ret, 0);
  Xorriso_lsT* results = nullptr;
  Xorriso_lsT* infos = nullptr;
  Xorriso_pull_outlists(m_handle, stack_handle, &results, &infos, 0);
  ListPtr result_list(results), info_list(infos);
  std::vector<std::string> info_lines = lines_of(infos);

  // SORRY is what xorriso says when a command did not do what was asked (a bad mode, a
  // missing file): for imgbuild that is a failure, even where xorriso would go on.
  std::string complaint;
  for (const auto& line : info_lines)
    if (complaint.empty() &&
        (line.find(": SORRY :") != std::string::npos || line.find(": FAILURE :") != std::string::npos ||
         line.find(": FATAL :") != std::string::npos || line.find(": ABORT :") != std::string::npos))
      complaint = line;
  if (ret <= 0 || advice < 0 || !complaint.empty()) {
    if (complaint.empty() && !info_lines.empty()) complaint = info_lines.back();
    // "xorriso : FAILURE : text" -> "text"
    auto first = complaint.find(" : ");
    auto second = first == std::string::npos ? first : complaint.find(" : ", first + 3);
    if (second != std::string::npos) complaint = complaint.substr(second + 3);
    // A failing command leaves the problem status set: clear it for the next one.
    char no_problem[] = "";
    Xorriso_set_problem_status(m_handle, no_problem, 0);
    throw Error(m_subject, "libisoburn " + words.front() + " failed: " + complaint, classify_fix(complaint), 3);
  }
  return lines_of(results);
}

}  // namespace imgbuild::iso
