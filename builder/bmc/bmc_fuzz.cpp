// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: arbitrary bytes as a conversation with the emulated BMC. The first
// byte picks the dialect, the faults and whether requests carry valid basic credentials;
// the rest is split at NUL bytes into up to 16 requests of five fields each
// (method, path, header name, header value, body). Checks, beyond "no crash, no sanitizer
// report, no hang":
//  - handle() never throws, whatever the request;
//  - every status is one the model documents; a 204 or HEAD answer has no body, every other a JSON
//    object, and an error (4xx/5xx) the Redfish error body (error.code and
//    error["@Message.ExtendedInfo"][0].MessageId);
//  - the password never appears in an answer, an effect or an event unless the input
//    itself contains it (a 404 names the URI it was asked for);
//  - every resource the model lists has its own @odata.id, and (mode bit 128) is served
//    with status 200;
//  - the machine side's reports (media fetched or not) never throw, whatever the task.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./bmc_fuzz -max_total_time=60
#include "bmc/bmc.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace imgbuild::bmc;
using imgbuild::util::Json;

namespace {

const std::string k_password = "fuzz-Secret-9";
const std::string k_basic = "Basic cm9vdDpmdXp6LVNlY3JldC05";  // root:fuzz-Secret-9

void require(bool ok) {
  if (!ok) std::abort();
}

void check_answer(const Response& response, bool may_echo_password, bool head) {
  static const std::set<int> statuses = {200, 201, 202, 204, 400, 401, 404, 405, 409, 412, 500, 503};
  require(statuses.count(response.status) == 1);
  if (!may_echo_password) {
    require(response.body.find(k_password) == std::string::npos);
    for (const auto& [name, value] : response.headers) require(value.find(k_password) == std::string::npos);
  }
  if (response.status == 204 || head) {
    require(response.body.empty());
    return;
  }
  Json body = Json::parse(response.body, nullptr, false);
  require(!body.is_discarded() && body.is_object());
  if (response.status >= 400) {
    require(body.contains("error") && body["error"].contains("code"));
    require(body["error"]["@Message.ExtendedInfo"].at(0).contains("MessageId"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool may_echo_password = input.find(k_password) != std::string_view::npos;

  BmcConfig config;
  config.dialect = (mode & 1) ? Dialect::Idrac8 : Dialect::Idrac9;
  config.password = k_password;
  config.powered_on = (mode & 2) != 0;
  if (mode & 4) config.faults.stale_inserted_polls = 2;
  if (mode & 8) config.faults.ignore_boot_once = true;
  if (mode & 16) config.faults.unreachable_image_prefix = "http://u";
  if (mode & 32) {
    config.faults.unavailable_once_method = "GET";
    config.faults.unavailable_once_path = "/redfish/v1/Systems";
  }
  config.faults.weak_etags = (mode & 6) == 6;
  config.insert_task = (mode & 17) != 17;
  const bool authenticated = (mode & 64) != 0;
  EmulatedBmc bmc(config);

  std::vector<std::string> fields;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    fields.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  for (std::size_t i = 0; i + 1 < fields.size() && i < 5 * 16; i += 5) {
    Request request;
    request.method = fields[i];
    request.path = fields[i + 1];
    if (i + 3 < fields.size()) request.headers.emplace_back(fields[i + 2], fields[i + 3]);
    if (i + 4 < fields.size()) request.body = fields[i + 4];
    if (authenticated) request.headers.emplace_back("Authorization", k_basic);
    check_answer(bmc.handle(request), may_echo_password, request.method == "HEAD");
    for (const auto& effect : bmc.take_effects()) {
      require(may_echo_password || effect.image.find(k_password) == std::string::npos);
      if (effect.kind != Effect::Kind::InsertMedia) continue;
      if (effect.image.size() % 2) bmc.media_fetch_failed(effect.task, "fetch failed");
      else bmc.media_fetched(effect.task);
    }
  }
  bmc.media_fetched("JID_not-a-task");
  bmc.media_fetch_failed("", "");
  bmc.machine_powered_off();
  for (const auto& path : bmc.resource_paths()) {
    auto body = bmc.resource(path);
    require(body && (*body)["@odata.id"] == path);
    if (!(mode & 128)) continue;  // the whole sweep through handle() for some inputs only: it is slow
    Request get{"GET", path, {{"Authorization", k_basic}}, ""};
    Response response = bmc.handle(get);
    require(response.status == 200 || (mode & 32));
  }
  if (!may_echo_password)
    for (const auto& line : bmc.events()) require(line.find(k_password) == std::string::npos);
  return 0;
}
