// SPDX-License-Identifier: GPL-2.0-or-later
// bmc-stdio DIALECT PASSWORD_FILE EFFECTS_FILE [FAULT=VALUE...]: an emulated BMC
// (bmc::EmulatedBmc) fed requests on stdin, one JSON object a line
//   {"method": "GET", "path": "/redfish/v1", "headers": [["Name", "value"]...], "body": "..."}
// and answering each with one line {"status": 200, "headers": [[...]...], "body": "..."}.
// It plays the machine side too: every image inserted is "fetched" at once (its task
// completes), unless FAULT fetch-fails=PREFIX says the machine could not get it. Each effect
// is appended to EFFECTS_FILE as a line ("power-on boot=Cd enabled=Once"), so that
// tests/e2e/bmc-sushy.sh can run a real Redfish client (sushy) against the model through a
// transport adapter, without an HTTP server. The password is read from a file, never argv.
// FAULT: unavailable-once=METHOD:PATH, stale-inserted=N, ignore-boot-once=1,
// unreachable=PREFIX, weak-etags=1, fetch-fails=PREFIX; and powered-on=1 (the machine
// starts powered on), insert-task=0 (InsertMedia answers 204 at once, as a real iDRAC). A driver for those scripts, not a test of its own.
#include "bmc/bmc.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

using namespace imgbuild;
using util::Json;

namespace {

bool apply_fault(bmc::Faults& faults, std::string& fetch_fails, bool& powered_on, bool& insert_task,
                 const std::string& option) {
  const auto eq = option.find('=');
  if (eq == std::string::npos) return false;
  const std::string name = option.substr(0, eq), value = option.substr(eq + 1);
  if (name == "unavailable-once") {
    const auto colon = value.find(':');
    if (colon == std::string::npos) return false;
    faults.unavailable_once_method = value.substr(0, colon);
    faults.unavailable_once_path = value.substr(colon + 1);
  } else if (name == "stale-inserted") {
    faults.stale_inserted_polls = std::stoi(value);
  } else if (name == "ignore-boot-once") {
    faults.ignore_boot_once = value == "1";
  } else if (name == "unreachable") {
    faults.unreachable_image_prefix = value;
  } else if (name == "weak-etags") {
    faults.weak_etags = value == "1";
  } else if (name == "insert-task") {
    insert_task = value != "0";
  } else if (name == "powered-on") {
    powered_on = value == "1";
  } else if (name == "fetch-fails") {
    fetch_fails = value;
  } else {
    return false;
  }
  return true;
}

std::string describe(const bmc::Effect& effect) {
  std::string line(bmc::effect_kind_name(effect.kind));
  if (!effect.slot.empty()) line += " slot=" + effect.slot;
  if (!effect.image.empty()) line += " image=" + effect.image;
  if (effect.kind == bmc::Effect::Kind::PowerOn || effect.kind == bmc::Effect::Kind::Reset ||
      effect.kind == bmc::Effect::Kind::BootOverride)
    line += " boot=" + (effect.boot_device.empty() ? std::string("usual") : effect.boot_device) +
            (effect.boot_enabled.empty() ? "" : " enabled=" + effect.boot_enabled);
  if (effect.kind == bmc::Effect::Kind::PowerOff || effect.kind == bmc::Effect::Kind::Reset)
    line += effect.graceful ? " graceful" : " forced";
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bmc-stdio idrac9|idrac8 PASSWORD_FILE EFFECTS_FILE [FAULT=VALUE...]\n");
    return 2;
  }
  bmc::BmcConfig config;
  auto dialect = bmc::parse_dialect(argv[1]);
  std::ifstream password_file(argv[2]);
  if (!dialect || !password_file) {
    std::fprintf(stderr, "bmc-stdio: bad dialect or unreadable password file\n");
    return 2;
  }
  config.dialect = *dialect;
  std::getline(password_file, config.password);
  std::string fetch_fails;
  for (int i = 4; i < argc; ++i) {
    if (!apply_fault(config.faults, fetch_fails, config.powered_on, config.insert_task, argv[i])) {
      std::fprintf(stderr, "bmc-stdio: bad fault %s\n", argv[i]);
      return 2;
    }
  }
  bmc::EmulatedBmc bmc(config);
  std::ofstream effects_file(argv[3], std::ios::app);
  std::string line;
  while (std::getline(std::cin, line)) {
    Json in = Json::parse(line, nullptr, false);
    if (in.is_discarded()) {
      std::fprintf(stderr, "bmc-stdio: not JSON: %s\n", line.c_str());
      return 2;
    }
    bmc::Request request{in.value("method", ""), in.value("path", ""), {}, in.value("body", "")};
    for (const auto& header : in.value("headers", Json::array()))
      request.headers.emplace_back(header[0].get<std::string>(), header[1].get<std::string>());
    bmc::Response response = bmc.handle(request);
    for (const auto& effect : bmc.take_effects()) {
      effects_file << describe(effect) << "\n";
      if (effect.kind != bmc::Effect::Kind::InsertMedia) continue;
      if (!fetch_fails.empty() && effect.image.rfind(fetch_fails, 0) == 0)
        bmc.media_fetch_failed(effect.task, "HTTP 404 Not Found from " + effect.image);
      else
        bmc.media_fetched(effect.task);
    }
    effects_file.flush();
    Json out;
    out["status"] = response.status;
    out["headers"] = Json::array();
    for (const auto& [name, value] : response.headers) out["headers"].push_back(Json::array({name, value}));
    out["body"] = response.body;
    std::cout << util::json_text(out, -1) << std::flush;
  }
  for (const auto& event : bmc.events()) std::cerr << "bmc: " << event << "\n";
  return 0;
}
