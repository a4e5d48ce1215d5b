// SPDX-License-Identifier: GPL-2.0-or-later
// bmc-serve --dialect idrac9|idrac8 --listen ADDR:PORT --tls-cert F --tls-key F --user U
//           --password-file F [--fault 503-once:PATH|stale-inserted:N|boot-once-ignored|
//           image-unreachable]... --effects FILE --ready FILE
// The emulated BMC hosted on the HTTPS server of http/ (emulate::HostedBmc, what
// `imgbuild emulate` runs in front of each QEMU), so that real clients (imgbuild deploy,
// redfishtool) talk to it over the network as to an iDRAC, without a machine behind it.
// The machine side is played here: an inserted image is "fetched" at once (its task
// completes), and every effect is appended to --effects as one JSON line
//   {"kind":"insert-media","slot":"1","image":"http://...","boot_device":"","boot_enabled":"","graceful":false}
// The URL is written to --ready (atomically) once listening; SIGTERM or SIGINT stops it
// cleanly (the model's event log goes to stderr). The password is read from a file, never
// argv, and never written anywhere. A driver for tests/e2e/deploy-emulated-bmc.sh.
#include "bmc/bmc.hpp"
#include "emulate/hosted_bmc.hpp"
#include "http/server.hpp"
#include "util/fs.hpp"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

using namespace imgbuild;
using util::Json;

namespace {

struct Options {
  bmc::BmcConfig config;
  http::ServerOptions server;
  std::string effects_path;
  std::string ready_path;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bmc-serve: %s\nusage: bmc-serve --dialect idrac9|idrac8 --listen ADDR:PORT --tls-cert F --tls-key F "
               "--user U --password-file F [--fault 503-once:PATH|stale-inserted:N|boot-once-ignored|"
               "image-unreachable]... --effects FILE --ready FILE\n",
               why.c_str());
  std::exit(2);
}

void apply_fault(bmc::Faults& faults, const std::string& fault) {
  if (fault.rfind("503-once:", 0) == 0) {
    // The request that changes state at that path: a POST to an action, else a PATCH.
    const std::string path = fault.substr(9);
    faults.unavailable_once_method = path.find("/Actions/") != std::string::npos ? "POST" : "PATCH";
    faults.unavailable_once_path = path;
  } else if (fault.rfind("stale-inserted:", 0) == 0) {
    faults.stale_inserted_polls = std::stoi(fault.substr(15));
  } else if (fault == "boot-once-ignored") {
    faults.ignore_boot_once = true;
  } else if (fault == "image-unreachable") {
    faults.unreachable_image_prefix = "http";  // every http:// and https:// image
  } else {
    usage("unknown fault " + fault);
  }
}

Options parse(int argc, char** argv) {
  Options options;
  options.server.address = "127.0.0.1";
  options.server.port = 0;
  http::TlsFiles tls;
  bool have_dialect = false, have_password = false;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (i + 1 >= argc) usage(name + " needs a value");
    const std::string value = argv[++i];
    if (name == "--dialect") {
      auto dialect = bmc::parse_dialect(value);
      if (!dialect) usage("unknown dialect " + value);
      options.config.dialect = *dialect;
      have_dialect = true;
    } else if (name == "--listen") {
      http::parse_listen(value, options.server);
    } else if (name == "--tls-cert") {
      tls.cert_path = value;
    } else if (name == "--tls-key") {
      tls.key_path = value;
    } else if (name == "--user") {
      options.config.user = value;
    } else if (name == "--password-file") {
      std::ifstream file(value);
      if (!file || !std::getline(file, options.config.password)) usage("unreadable password file " + value);
      have_password = true;
    } else if (name == "--fault") {
      apply_fault(options.config.faults, value);
    } else if (name == "--effects") {
      options.effects_path = value;
    } else if (name == "--ready") {
      options.ready_path = value;
    } else {
      usage("unknown option " + name);
    }
  }
  if (!have_dialect || !have_password || tls.cert_path.empty() || tls.key_path.empty() ||
      options.effects_path.empty() || options.ready_path.empty())
    usage("missing option");
  options.server.tls = tls;
  return options;
}

// The machine side played at once: every inserted image counts as fetched, every effect
// is one JSON line in the effects file.
class EffectsFile {
 public:
  explicit EffectsFile(const std::string& path) : m_file(path, std::ios::app) {
    if (!m_file) usage("cannot write " + path);
  }
  void operator()(emulate::HostedBmc& hosted, const bmc::Effect& effect) {
    m_file << util::json_text(emulate::effect_json(effect), -1);
    m_file.flush();
    if (effect.kind == bmc::Effect::Kind::InsertMedia) hosted.media_fetched(effect.task);
  }

 private:
  std::ofstream m_file;
};

}  // namespace

int main(int argc, char** argv) try {
  Options options = parse(argc, argv);
  // Blocked here and so in the server's threads: they wait for sigwait below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  EffectsFile effects(options.effects_path);
  emulate::HostedBmc* self = nullptr;
  emulate::HostedBmc hosted(options.config, [&](const bmc::Effect& effect) { effects(*self, effect); });
  self = &hosted;
  int signal = 0;
  {
    http::Server server(options.server, [&hosted](const http::Request& request) { return hosted(request); });
    util::write_file_atomically(options.ready_path, server.base_url() + "\n");
    sigwait(&stop, &signal);
  }
  for (const auto& event : hosted.events()) std::cerr << "bmc: " << event << "\n";
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "bmc-serve: %s\n", error.what());
  return 2;
}
