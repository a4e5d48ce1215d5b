// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/writer.hpp"

#include "iso/volume.hpp"
#include "util/error.hpp"

#include <libisoburn/xorriso.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <thread>

namespace imgbuild::iso {

namespace {

// libburn keeps global state; one xorriso object at a time per process is what it supports.
std::mutex g_xorriso_mutex;

struct XorrisoDeleter {
  void operator()(XorrisO* handle) const {
    // bit0: library shutdown too, so the next object starts from a clean libburn.
    Xorriso_destroy(&handle, 1);
  }
};
using XorrisoPtr = std::unique_ptr<XorrisO, XorrisoDeleter>;

struct ListDeleter {
  void operator()(Xorriso_lsT* list) const { Xorriso_lst_destroy_all(&list, 0); }
};
using ListPtr = std::unique_ptr<Xorriso_lsT, ListDeleter>;

// Runs xorriso commands one at a time, with their messages captured instead of printed,
// so a failure becomes one Error line that names what libisoburn complained about.
class Session {
 public:
  explicit Session(std::string subject) : m_subject(std::move(subject)) {
    XorrisO* raw = nullptr;
    char program_name[] = "imgbuild";
    if (Xorriso_new(&raw, program_name, 0) <= 0) throw std::bad_alloc();
    m_handle.reset(raw);
    if (Xorriso_startup_libraries(m_handle.get(), 0) <= 0)
      throw Error(m_subject, "cannot start libisoburn", "", 3);
  }

  // Runs one command with its arguments; throws when xorriso advises to abort.
  void run(std::vector<std::string> words) {
    int stack_handle = -1;
    Xorriso_push_outlists(m_handle.get(), &stack_handle, 3);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    int index = 0;
    // bit2: exactly this one command, no argument rearranging.
    int ret = Xorriso_interpreter(m_handle.get(), static_cast<int>(argv.size()), argv.data(), &index, 4);
    int advice = Xorriso_eval_problem_status(m_handle.get(), ret, 0);
    Xorriso_lsT* results = nullptr;
    Xorriso_lsT* infos = nullptr;
    Xorriso_pull_outlists(m_handle.get(), stack_handle, &results, &infos, 0);
    ListPtr result_list(results), info_list(infos);
    std::string complaint;
    for (Xorriso_lsT* item = infos; item; item = Xorriso_lst_get_next(item, 0)) {
      std::string line = Xorriso_lst_get_text(item, 0);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      // SORRY is what xorriso says when a command did not do what was asked (a bad mode,
      // a missing file): for a build that is a failure, even if xorriso would go on.
      if (line.find(": SORRY :") != std::string::npos || line.find(": FAILURE :") != std::string::npos ||
          line.find(": FATAL :") != std::string::npos || line.find(": ABORT :") != std::string::npos)
        if (complaint.empty()) complaint = line;
      m_log.push_back(line);
    }
    if (ret <= 0 || advice < 0 || !complaint.empty()) {
      if (complaint.empty() && !m_log.empty()) complaint = m_log.back();
      auto pos = complaint.find(": ");
      if (complaint.rfind("xorriso", 0) == 0 && pos != std::string::npos) {
        // "xorriso : FAILURE : text" -> "text"
        auto second = complaint.find(": ", pos + 2);
        if (second != std::string::npos) complaint = complaint.substr(second + 2);
      }
      throw Error(m_subject, "libisoburn " + words.front() + " failed: " + complaint,
                  classify_fix(complaint), 3);
    }
  }

 private:
  static std::string classify_fix(const std::string& complaint) {
    if (complaint.find("No space") != std::string::npos || complaint.find("ENOSPC") != std::string::npos ||
        complaint.find("space left") != std::string::npos)
      return "free some space on the output filesystem";
    return "";
  }

  std::string m_subject;
  XorrisoPtr m_handle;
  std::vector<std::string> m_log;
};

// Reports the growing output file's size while libisoburn writes it.
class ProgressWatcher {
 public:
  ProgressWatcher(std::string path, std::function<void(std::uint64_t)> callback)
      : m_path(std::move(path)), m_callback(std::move(callback)) {
    if (m_callback) m_thread = std::thread([this] { loop(); });
  }
  ~ProgressWatcher() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  void loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
      m_wake.wait_for(lock, std::chrono::milliseconds(250));
      struct stat st;
      if (::stat(m_path.c_str(), &st) == 0) m_callback(static_cast<std::uint64_t>(st.st_size));
    }
  }

  std::string m_path;
  std::function<void(std::uint64_t)> m_callback;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace

void write_remastered(const WriteOptions& options) {
  std::lock_guard lock(g_xorriso_mutex);
  Session session(options.output_path);
  std::string date = format_volume_date(options.timestamp);

  session.run({"-report_about", "WARNING"});
  session.run({"-abort_on", "FAILURE"});
  session.run({"-indev", "stdio:" + options.base_path});
  session.run({"-outdev", "stdio:" + options.output_path});
  // A plain file gets no emulated multi-session TOC: the output is one clean session.
  session.run({"-compliance", "iso_9660_level=" + std::to_string(options.iso_level) + ":no_emul_toc"});
  if (options.joliet) session.run({"-joliet", "on"});
  session.run({"-boot_image", "any", "replay"});
  for (const auto& graft : options.grafts) session.run({"-map", graft.local_path, graft.iso_path});
  for (const auto& graft : options.grafts) {
    session.run({"-chown_r", "0", graft.iso_path, "--"});
    session.run({"-chgrp_r", "0", graft.iso_path, "--"});
  }
  // Every date that would otherwise come from the clock or from files on disk.
  for (const char* which : {"c", "m", "uuid", "all_file_dates"}) session.run({"-volume_date", which, date});
  session.run({"-volume_date", "x", "default"});
  session.run({"-volume_date", "f", "default"});
  {
    ProgressWatcher watcher(options.output_path, options.progress);
    session.run({"-commit"});
  }
}

}  // namespace imgbuild::iso
