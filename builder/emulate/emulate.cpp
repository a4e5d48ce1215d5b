// SPDX-License-Identifier: GPL-2.0-or-later
#include "emulate/emulate.hpp"
#include "util/stop_signals.hpp"

#include "emulate/server.hpp"
#include "fleet/inventory.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/json_document.hpp"
#include "vm/accel.hpp"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace imgbuild::emulate {

namespace {

std::string generate_password() {
  // 24 characters from 62: about 143 bits, no character a shell or URL would mangle.
  static const char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  util::Fd random(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
  unsigned char bytes[64];
  if (!random || ::read(random.get(), bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes))
    throw Error("/dev/urandom", "cannot read random bytes for the BMC password", "", 3);
  std::string out;
  for (unsigned char b : bytes) {
    if (b >= 248) continue;  // 248 = 4 * 62: keeps the choice uniform
    out += k_alphabet[b % 62];
    if (out.size() == 24) break;
  }
  return out;
}

std::string read_password_file(const std::string& path) {
  std::string text = util::read_small_file(path, 4096, "password file");
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw Error(path, "the first line (the BMC password) is empty", "write the password on it");
  return line;
}

std::string lowercase_tag(std::string tag) {
  for (auto& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return tag;
}

}  // namespace

bmc::Dialect profile_dialect(const vm::MachineProfile& profile) {
  switch (profile.drac) {
    case vm::DracKind::Idrac9: return bmc::Dialect::Idrac9;
    case vm::DracKind::Idrac8:
    case vm::DracKind::Idrac7: return bmc::Dialect::Idrac8;
    case vm::DracKind::Drac5:
      throw Error(profile.source,
                  "a DRAC5 has no Redfish: its virtual media cannot be driven remotely",
                  "on the real server map the ISO by hand with the DRAC5 web console's virtual media, or Dell's "
                  "vmcli from a management station; rehearse the image itself with imgbuild verify");
    case vm::DracKind::Idrac6:
      throw Error(profile.source,
                  "an iDRAC6 has no Redfish virtual media",
                  "on the real server map the ISO by hand in the iDRAC6 virtual console (Virtual Media > Map "
                  "CD/DVD); rehearse the image itself with imgbuild verify");
    case vm::DracKind::None: break;
  }
  throw Error(profile.source, "the machine has no BMC (drac is not set)",
              "emulate a profile with drac = \"idrac9\" or \"idrac8\" (machines/README.md)");
}

std::string fault_host(const std::string& spec) { return spec.substr(0, spec.find(':')); }

void apply_fault(const std::string& spec, const std::string& hostname, bmc::Faults& faults) {
  const auto colon = spec.find(':');
  const auto bad = [&](const std::string& why) {
    return Error("--fault " + spec, why,
                 "HOST:unavailable-once:METHOD:PATH, HOST:stale-inserted:N, HOST:boot-once-ignored, "
                 "HOST:image-unreachable[:PREFIX] or HOST:weak-etags");
  };
  if (colon == std::string::npos || colon == 0) throw bad("no host");
  const std::string host = spec.substr(0, colon), rest = spec.substr(colon + 1);
  const std::string kind = rest.substr(0, rest.find(':'));
  const std::string argument = rest.find(':') == std::string::npos ? "" : rest.substr(rest.find(':') + 1);
  bmc::Faults parsed = faults;
  if (kind == "unavailable-once") {
    const auto sep = argument.find(':');
    if (sep == std::string::npos || sep == 0 || argument.size() <= sep + 1 || argument[sep + 1] != '/')
      throw bad("unavailable-once needs METHOD:PATH (POST:/redfish/v1/...)");
    parsed.unavailable_once_method = argument.substr(0, sep);
    parsed.unavailable_once_path = argument.substr(sep + 1);
  } else if (kind == "stale-inserted") {
    if (argument.empty() || argument.size() > 4 || argument.find_first_not_of("0123456789") != std::string::npos)
      throw bad("stale-inserted needs a number of reads");
    parsed.stale_inserted_polls = std::stoi(argument);
  } else if (kind == "boot-once-ignored" && argument.empty()) {
    parsed.ignore_boot_once = true;
  } else if (kind == "image-unreachable") {
    parsed.unreachable_image_prefix = argument.empty() ? "http" : argument;  // http: every http(s) URL
  } else if (kind == "weak-etags" && argument.empty()) {
    parsed.weak_etags = true;
  } else {
    throw bad("unknown fault " + kind);
  }
  if (host == "*" || host == hostname) faults = parsed;
}

namespace {

void check_faults(const std::vector<std::string>& specs, const fleet::Inventory& inventory) {
  for (const auto& spec : specs) {
    bmc::Faults scratch;
    apply_fault(spec, "", scratch);  // syntax
    const std::string host = fault_host(spec);
    if (host != "*" && !inventory.find(host))
      throw Error("--fault " + spec, "no host " + host + " in " + inventory.file.string(),
                  "name a hostname of the inventory, or * for all");
  }
}

util::Json bmcs_document(const std::vector<std::unique_ptr<EmulatedServer>>& servers, const EmulateOptions& options,
                         const vm::MachineProfile& profile, const std::string& state, const std::string& password_path) {
  util::Json list = util::Json::array();
  for (const auto& server : servers) {
    const auto& spec = server->spec();
    list.push_back({{"hostname", spec.hostname},
                    {"service_tag", spec.service_tag},
                    {"macs", spec.macs},
                    {"url", server->url()},
                    {"fingerprint", "SHA256:" + server->fingerprint()},
                    {"dialect", std::string(bmc::dialect_name(spec.bmc.dialect))},
                    {"qmp_socket", server->qmp_socket()},
                    {"serial_log", spec.directory + "/serial.log"},
                    {"directory", spec.directory}});
  }
  return {{"machine", profile.name},
          {"profile", profile.source},
          {"state", state},
          {"user", options.user},
          {"password_file", password_path},
          {"bmcs", list}};
}

}  // namespace

int run_emulate(const EmulateOptions& options) {
  const vm::MachineProfile profile = vm::load_machine_profile(options.machine);
  const bmc::Dialect dialect = profile_dialect(profile);
  virtual_cd_template(profile);  // the profile must have a virtual CD to hot-plug
  const fleet::Inventory inventory = fleet::read_inventory(options.inventory);
  check_faults(options.faults, inventory);
  const std::string password =
      options.password_file.empty() ? generate_password() : read_password_file(options.password_file);

  util::BlockedStopSignals signals;  // before any thread starts
  std::unique_ptr<util::TempDir> temporary_state;
  std::string state = options.state_dir;
  if (state.empty()) {
    temporary_state = std::make_unique<util::TempDir>("emulate");
    state = temporary_state->path().string();
  }
  std::error_code ec;
  fs::create_directories(state, ec);
  if (ec) throw Error(state, "cannot create the state directory: " + ec.message(), "", 2);
  state = fs::absolute(state).lexically_normal().string();
  const std::string password_path = state + "/bmc-password";
  util::write_file_atomically(password_path, password + "\n", 0600);
  util::TempDir sockets("emulate-sockets");

  vm::QemuKvmProbe probe(options.qemu_binary, sockets.path().string());
  const vm::AccelChoice accel = vm::choose_accel(options.accel, probe);

  std::vector<std::unique_ptr<EmulatedServer>> servers;
  for (const auto& host : inventory.hosts) {
    ServerSpec spec;
    spec.hostname = host.hostname;
    spec.service_tag = host.service_tag;
    spec.macs = host.macs;
    spec.directory = state + "/" + host.hostname;
    spec.socket_dir = sockets.path().string();
    spec.qemu_binary = options.qemu_binary;
    spec.accel = accel.accel;
    spec.bmc.dialect = dialect;
    spec.bmc.user = options.user;
    spec.bmc.password = password;
    spec.bmc.model = profile.system_model.empty() ? profile.name : profile.system_model;
    spec.bmc.service_tag = host.service_tag.empty() ? "EMU" + std::to_string(servers.size() + 1) : host.service_tag;
    for (const auto& fault : options.faults) apply_fault(fault, host.hostname, spec.bmc.faults);
    servers.push_back(std::make_unique<EmulatedServer>(profile, spec));
  }
  for (auto& server : servers) server->start();

  const util::Json document = bmcs_document(servers, options, profile, state, password_path);
  util::write_file_atomically(state + "/bmcs.json", util::json_text(document), 0644);
  if (options.json) {
    std::fputs(util::json_text(document).c_str(), stdout);
  } else {
    std::printf("imgbuild: emulating %zu %s server%s (%s, %s); user %s, password in %s\n", servers.size(),
                profile.name.c_str(), servers.size() == 1 ? "" : "s", std::string(bmc::dialect_name(dialect)).c_str(),
                accel.reason.c_str(), options.user.c_str(), password_path.c_str());
    for (const auto& server : servers)
      std::printf("%s %s SHA256:%s\n", server->spec().hostname.c_str(), server->url().c_str(),
                  server->fingerprint().c_str());
    std::printf("imgbuild: %s/bmcs.json written; Ctrl-C stops every machine\n", state.c_str());
  }
  std::fflush(stdout);

  std::vector<bool> reported(servers.size(), false);
  int stopped_by = 0;
  while (!(stopped_by = signals.wait(500))) {
    for (std::size_t i = 0; i < servers.size(); ++i) {
      if (!reported[i] && !servers[i]->qemu_running()) {
        reported[i] = true;
        std::fprintf(stderr, "imgbuild: %s: QEMU ended on its own (see %s/qemu.log)\n",
                     servers[i]->spec().hostname.c_str(), servers[i]->spec().directory.c_str());
      }
    }
  }
  for (auto& server : servers) server->stop();
  servers.clear();
  std::fprintf(stderr, "imgbuild: emulate stopped by %s; every machine stopped\n",
               stopped_by == SIGINT ? "SIGINT" : stopped_by == SIGTERM ? "SIGTERM" : "SIGHUP");
  return stopped_by == SIGINT ? 130 : 0;
}

}  // namespace imgbuild::emulate
