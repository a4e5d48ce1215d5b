// SPDX-License-Identifier: GPL-2.0-or-later
// bmc-dump DIALECT [--break]: drives an emulated BMC (bmc::EmulatedBmc) of DIALECT
// (idrac9, idrac8) through a deployment (session, boot override, power on, one insert
// that completes, one the BMC cannot reach) and prints every resource it then serves, and
// the error bodies of its failures, as one JSON document:
//   {"dialect": ..., "resources": [{"path", "body"}...], "errors": [{"request", "status", "body"}...]}
// for tests/e2e/bmc-schemas.sh to validate against the DMTF schemas. --break spoils two
// resources the way a bug would (a value outside its enumeration, a wrong type), to show
// the validation catches it. A driver for that script, not a test of its own.
#include "bmc/bmc.hpp"

#include <cstdio>
#include <cstring>
#include <string>

using namespace imgbuild;
using util::Json;

namespace {

bmc::Request request(std::string method, std::string path, std::string body = {}) {
  bmc::Request r{std::move(method), std::move(path), {{"Authorization", "Basic cm9vdDpjYWx2aW4="}}, std::move(body)};
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--break") != 0)) {
    std::fprintf(stderr, "usage: bmc-dump idrac9|idrac8 [--break]\n");
    return 2;
  }
  auto dialect = bmc::parse_dialect(argv[1]);
  if (!dialect) {
    std::fprintf(stderr, "bmc-dump: unknown dialect %s\n", argv[1]);
    return 2;
  }
  bmc::BmcConfig config;
  config.dialect = *dialect;
  config.password = "calvin";
  config.faults.unreachable_image_prefix = "http://unreachable.invalid/";
  bmc::EmulatedBmc bmc(config);

  Json errors = Json::array();
  auto run = [&](const bmc::Request& r) {
    bmc::Response response = bmc.handle(r);
    if (response.status >= 400)
      errors.push_back(Json{{"request", r.method + " " + r.path}, {"status", response.status}, {"body", Json::parse(response.body)}});
    return response;
  };
  bmc.handle({"POST", "/redfish/v1/SessionService/Sessions", {}, R"({"UserName":"root","Password":"calvin"})"});
  run(request("PATCH", bmc.system_path(), R"({"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}})"));
  const std::string first = bmc.media_collection_path() + "/" + bmc.slots()[0].id;
  const std::string second = bmc.media_collection_path() + "/" + bmc.slots()[1].id;
  run(request("POST", first + "/Actions/VirtualMedia.InsertMedia", R"({"Image":"http://10.0.2.2:8080/trixie.iso"})"));
  run(request("POST", second + "/Actions/VirtualMedia.InsertMedia", R"({"Image":"http://unreachable.invalid/x.img"})"));
  for (const auto& effect : bmc.take_effects())
    if (effect.kind == bmc::Effect::Kind::InsertMedia) bmc.media_fetched(effect.task);
  run(request("POST", bmc.system_path() + "/Actions/ComputerSystem.Reset", R"({"ResetType":"On"})"));
  // Failures, for their error bodies.
  run(request("GET", "/redfish/v1/Nowhere"));
  run(request("DELETE", bmc.system_path()));
  run(request("PATCH", bmc.system_path(), R"({"Boot":{"BootSourceOverrideTarget":"Floppy2"}})"));
  run({"GET", bmc.system_path(), {}, {}});
  run(request("POST", bmc.system_path() + "/Actions/ComputerSystem.Reset", R"({"ResetType":"On"})"));
  run(request("GET", "/redfish/v1/TaskService/TaskMonitors/JID_000000000002"));

  Json resources = Json::array();
  for (const auto& path : bmc.resource_paths()) {
    Json body = Json::parse(bmc.handle(request("GET", path)).body);
    if (argc == 3 && path == bmc.system_path()) body["PowerState"] = "Sideways";
    if (argc == 3 && path == first) body["Inserted"] = "yes";
    resources.push_back(Json{{"path", path}, {"body", body}});
  }
  Json document;
  document["dialect"] = argv[1];
  document["resources"] = resources;
  document["errors"] = errors;
  std::fputs(util::json_text(document).c_str(), stdout);
  return 0;
}
