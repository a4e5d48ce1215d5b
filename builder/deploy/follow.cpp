// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/follow.hpp"

#include "bootmenu/bootmenu.hpp"
#include "iso/build_id.hpp"
#include "iso/reader.hpp"
#include "util/error.hpp"

#include <charconv>

namespace imgbuild::deploy {

namespace {

constexpr std::uint64_t k_max_menu_size = 1 << 20;
constexpr const char* k_build_option = "build it with --kernel-args \"log_host=ADDR log_port=PORT\", ADDR an address "
                                       "of this machine the server reaches";

// The value of `key=` as a whole word of `text`, if present.
std::optional<std::string> word_value(std::string_view text, std::string_view key) {
  for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
    if (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\t') continue;
    std::size_t start = at + key.size();
    std::size_t end = text.find_first_of(" \t\r\n", start);
    return std::string(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
  }
  return std::nullopt;
}

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

}  // namespace

std::optional<LogTarget> log_target_in_menu(std::string_view menu_text) {
  std::string_view text = menu_text;
  std::size_t begin = menu_text.find("# imgbuild: begin");
  if (begin != std::string_view::npos) {
    std::size_t end = menu_text.find("# imgbuild: end", begin);
    text = menu_text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  }
  auto host = word_value(text, "log_host=");
  if (!host || host->empty()) return std::nullopt;
  LogTarget target;
  target.host = *host;
  if (auto port = word_value(text, "log_port=")) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (ec != std::errc{} || end != port->data() + port->size() || value == 0 || value > 65535) return std::nullopt;
    target.port = static_cast<std::uint16_t>(value);
  }
  return target;
}

FollowedImage check_followable(const std::string& iso_path) {
  FollowedImage image;
  std::optional<std::string> id = iso::read_build_id(iso_path);
  if (!id)
    throw Error(iso_path, "not an image built by imgbuild (no " + std::string(iso::k_build_id_path) +
                              "): its installer's progress cannot be followed",
                "build it with imgbuild build, or deploy with --until boot");
  image.build_id = *id;
  iso::Reader reader(iso_path);
  std::vector<std::string> menus;
  auto check = [&](const char* root) {
    if (!reader.find(root)) return false;
    auto text = reader.read_file(root, k_max_menu_size);
    if (!text || text->find("# imgbuild: begin") == std::string::npos) return false;
    auto target = log_target_in_menu(*text);
    if (!target)
      throw Error(iso_path, std::string("its unattended entry (") + root +
                                ") has no log_host= kernel argument: the installer sends its syslog nowhere",
                  k_build_option);
    if (!image.log.host.empty() && (target->host != image.log.host || target->port != image.log.port))
      throw Error(iso_path, std::string("its boot menus send the installer's syslog to different places (") + root +
                                ": " + target->host + ":" + std::to_string(target->port) + ")",
                  "rebuild it");
    image.log = *target;
    menus.push_back(root);
    return true;
  };
  // The first menu of each loader the disc has is the one its loader reads.
  for (const char* root : bootmenu::k_isolinux_roots)
    if (check(root) || reader.find(root)) break;
  for (const char* root : bootmenu::k_grub_roots)
    if (check(root) || reader.find(root)) break;
  if (menus.empty())
    throw Error(iso_path, "no boot menu with imgbuild's unattended entry: its installer's progress cannot be followed",
                k_build_option);
  return image;
}

std::vector<std::string> timeout_names() {
  return {"shutdown", "power", "eject", "insert", "installer", "install", "firstboot"};
}

void set_timeout(StepTimeouts& timeouts, const std::string& spec) {
  std::size_t equals = spec.find('=');
  std::string names;
  for (const auto& name : timeout_names()) names += (names.empty() ? "" : ", ") + name;
  if (equals == std::string::npos)
    throw Error("--timeout", "'" + spec + "' is not STEP=SECONDS", "STEP is one of " + names);
  std::string name = spec.substr(0, equals);
  std::string value = spec.substr(equals + 1);
  long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end != value.data() + value.size() || value.empty() || seconds <= 0 || seconds > 7 * 86400)
    throw Error("--timeout", "'" + spec + "': the seconds must be a whole number from 1 to 604800", "e.g. install=5400");
  std::chrono::seconds s{seconds};
  if (name == "shutdown") timeouts.shutdown_grace = s;
  else if (name == "power") timeouts.power = s;
  else if (name == "eject") timeouts.eject = s;
  else if (name == "insert") timeouts.insert = s;
  else if (name == "installer") timeouts.installer_start = s;
  else if (name == "install") timeouts.install = s;
  else if (name == "firstboot") timeouts.firstboot = s;
  else throw Error("--timeout", "no step '" + name + "' has a timeout", "STEP is one of " + names);
}

Verdict PhaseWatch::see(const HostEvent& event) {
  if (event.how.empty()) {
    m_unclaimed.insert(event.source);
    return {};
  }
  ++m_lines;
  m_last_line = event.line();
  // d-i's BusyBox syslogd forwards without a hostname: a named sender is an installed system.
  if (!event.message.hostname.empty() && m_installed_system.empty())
    m_installed_system = event.message.hostname + " from " + event.source;
  const vm::Marker* marker = event.marker ? &*event.marker : nullptr;
  switch (m_phase) {
    case Phase::installer: return see_installer(event, marker);
    case Phase::install: return see_install(event, marker);
    case Phase::firstboot: return see_firstboot(marker);
  }
  return {};
}

Verdict PhaseWatch::see_installer(const HostEvent& event, const vm::Marker* marker) {
  using K = vm::MarkerKind;
  if (marker != nullptr && marker->kind == K::PreseedLoaded) {
    if (marker->detail == m_build_id)
      return {Verdict::Kind::ok, "preseed-loaded:" + marker->detail + " from " + event.source, true};
    return {Verdict::Kind::fail,
            "the server booted another image: its installer reported build id " + marker->detail + ", the ISO's is " +
                m_build_id + " (another image in its virtual media or on its network boot?)"};
  }
  if (marker != nullptr && marker->kind == K::Firstboot)
    return {Verdict::Kind::fail, "the machine booted its own disk: its installed system's first-boot hook reported (" +
                                     marker->text + ") instead of the installer starting; the one-time CD boot was ignored"};
  if (marker != nullptr && (marker->kind == K::InstallFinished || marker->kind == K::LateCommandFailed))
    return {Verdict::Kind::fail, "the installer reported " + marker->text +
                                     " without any line before it: a deploy started while an install was already "
                                     "running?"};
  // d-i's BusyBox syslogd forwards without a hostname; an installed system names itself.
  if (event.message.hostname.empty())
    return {Verdict::Kind::ok, "the installer's syslog arrives from " + event.source +
                                   " (its preseed-loaded went out before its network was up)"};
  return {};
}

Verdict PhaseWatch::see_install(const HostEvent& event, const vm::Marker* marker) {
  if (marker == nullptr) return {};
  using K = vm::MarkerKind;
  if (marker->kind == K::InstallFinished)
    return {Verdict::Kind::ok, m_id_seen ? "install-finished" : "install-finished (the build id was not seen over the network)",
            m_id_seen};
  if (marker->kind == K::LateCommandFailed)
    return {Verdict::Kind::fail, "the image's late_command failed with status " + marker->detail +
                                     " (the installation is not complete: the server's /var/log/installer/syslog or "
                                     "console says why)"};
  if (marker->kind == K::PreseedLoaded) {
    if (m_id_seen)
      return {Verdict::Kind::fail, "the installer started again before it reported install-finished: the server "
                                   "rebooted into the image during the installation"};
    Verdict first = see_installer(event, marker);
    if (first.kind == Verdict::Kind::fail) return first;
    m_id_seen = true;
    return {};
  }
  if (marker->kind == K::Firstboot)
    return {Verdict::Kind::fail, "the installed system booted (" + marker->text +
                                     ") but install-finished never arrived: the installer's last lines were lost"};
  return {};
}

Verdict PhaseWatch::see_firstboot(const vm::Marker* marker) {
  if (marker == nullptr) return {};
  using K = vm::MarkerKind;
  if (marker->kind == K::Firstboot) {
    if (marker->event == "start") m_firstboot_started = true;
    if (marker->event.starts_with("detach-failed") || marker->event.starts_with("no-drac"))
      m_notes.push_back("first boot: " + marker->text);
    if (marker->event == "done") return {Verdict::Kind::ok, "first-boot hook done"};
    return {};
  }
  if (marker->kind == K::PreseedLoaded)
    return {Verdict::Kind::fail, "the server booted the installer again after install-finished: the image was still "
                                 "in its virtual media (the eject did not take) or it boots from the network first"};
  return {};
}

std::string PhaseWatch::timeout_diagnosis(std::chrono::seconds waited) const {
  std::string out;
  switch (m_phase) {
    case Phase::installer:
      out = "no IMGBUILD:preseed-loaded within " + seconds_text(waited) +
            " of the power-on: the one-time CD boot was ignored or the image did not start";
      if (!m_installed_system.empty())
        out += "; the machine booted its own disk (its installed system logs as " + m_installed_system + ")";
      else
        out += " (the machine booted its own disk? its console shows which)";
      break;
    case Phase::install:
      out = "the installer started but reported neither install-finished nor late-command-failed within " +
            seconds_text(waited) + ": it waits on a question the preseed does not answer, or it stopped";
      break;
    case Phase::firstboot:
      out = m_firstboot_started
                ? "the first-boot hook started but did not report done within " + seconds_text(waited)
                : "the installed system's first-boot hook reported nothing within " + seconds_text(waited) +
                      " of the eject: it did not boot from its disk, or it cannot reach the log host "
                      "(/etc/imgbuild/report-to), or the image has no first-boot hook";
      break;
  }
  if (m_lines > 0) out += "; its last syslog line: '" + m_last_line + "'";
  else if (m_phase != Phase::installer) out += "; nothing more arrived from it";
  if (!m_unclaimed.empty()) {
    std::string senders;
    for (const auto& s : m_unclaimed) senders += (senders.empty() ? "" : ", ") + s;
    out += "; syslog arrived from " + senders + ", which no host claims";
  }
  return out;
}

}  // namespace imgbuild::deploy
