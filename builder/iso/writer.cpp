// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/writer.hpp"

#include "iso/volume.hpp"
#include "iso/xorriso_session.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <thread>

namespace imgbuild::iso {

namespace {

// Reports the growing output file's size while libisoburn writes it.
class ProgressWatcher {
 public:
  // Sizes are reported beyond `start` bytes (what the file held before the write).
  ProgressWatcher(std::string path, std::uint64_t start, std::function<void(std::uint64_t)> callback)
      : m_path(std::move(path)), m_start(start), m_callback(std::move(callback)) {
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
      if (::stat(m_path.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= m_start)
        m_callback(static_cast<std::uint64_t>(st.st_size) - m_start);
    }
  }

  std::string m_path;
  std::uint64_t m_start = 0;
  std::function<void(std::uint64_t)> m_callback;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace

void write_remastered(const WriteOptions& options) {
  std::uint64_t start = 0;
  if (options.layout == Layout::append) {
    // The clone first: libisoburn then finds the base's session in the output and grows it.
    util::clone_file(options.base_path, options.output_path);
    start = util::file_size_or_zero(options.output_path);
  }
  XorrisoSession session(options.output_path);
  std::string date = format_volume_date(options.timestamp);

  session.run({"-report_about", "WARNING"});
  session.run({"-abort_on", "FAILURE"});
  // libisofs's cache of the base's blocks: 64 tiles of 32 blocks (4 MiB) by default, for
  // random reads of a tree on slow media. The base is read almost in order, from a file:
  // 16 tiles keep 3 MiB out of build's peak RSS (issue 15). Set before the base is read.
  session.run({"-data_cache_size", "16", "32"});
  // libisofs's ring buffer between the image producer and libburn's writer: 4 MiB by
  // default, sized to keep an optical burner fed. A file needs no such margin: 1 MiB
  // keeps another 3 MiB out of it.
  session.run({"-fs", "1m"});
  // libburn fsyncs a stdio: output every 16 MiB by default, to keep a slow device's
  // pending data from clogging memory. The output is a temporary file that
  // util::AtomicOutput fsyncs once before renaming it into place, so the intermediate
  // flushes buy nothing; on a loop-mounted btrfs each cost a flush of the loop device
  // (issue 15: part of append's time that did not follow the change's size).
  session.run({"-stdio_sync", "off"});
  if (options.layout == Layout::append) {
    session.run({"-dev", "stdio:" + options.output_path});
  } else {
    session.run({"-indev", "stdio:" + options.base_path});
    session.run({"-outdev", "stdio:" + options.output_path});
  }
  // A plain file gets no emulated multi-session TOC: the output is one clean session
  // (grown: the new session's descriptors and system area replace the base's at the start
  // of the file, so readers and firmware see one volume).
  session.run({"-compliance", "iso_9660_level=" + std::to_string(options.iso_level) + ":no_emul_toc"});
  if (options.joliet) session.run({"-joliet", "on"});
  session.run({"-boot_image", "any", "replay"});
  // GPT disk and partition GUIDs are random unless derived from the volume date uuid.
  session.run({"-boot_image", "any", "gpt_disk_guid=volume_date_uuid"});
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
    ProgressWatcher watcher(options.output_path, start, options.progress);
    session.run({"-commit"});
  }
}

}  // namespace imgbuild::iso
