// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: a hostile BMC. The input is a list of answers ("\n===\n" between
// them; an answer starting "#NNN " has status NNN, else 200) given in turn to whatever
// the client asks. The parsers, the client (session, retries, tasks, ETags) and the whole
// deployment flow must never crash or hang (the clock is fake, every wait is bounded);
// imgbuild::Error is an accepted outcome. No error or log line may hold the password.
// Build: CC=clang CXX=clang++ cmake -DIMGBUILD_FUZZ=ON ...; run: ./redfish_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "redfish/fake_clock.hpp"
#include "redfish/virtual_media.hpp"
#include "util/error.hpp"

using namespace imgbuild;
using namespace imgbuild::redfish;

namespace {

const std::string k_password = "Fz-Pw-31337";

class HostileTransport : public Transport {
 public:
  explicit HostileTransport(const std::string& input) {
    std::size_t start = 0;
    while (start <= input.size() && m_answers.size() < 32) {
      std::size_t sep = input.find("\n===\n", start);
      if (sep == std::string::npos) sep = input.size();
      m_answers.push_back(input.substr(start, sep - start));
      start = sep + 5;
    }
  }
  Response send(const Request&) override {
    if (++m_sent > 400) throw ConnectionError("fuzz", "too many requests", {}, false);
    std::string text = m_answers[m_next++ % m_answers.size()];
    Response response{200, {}, text};
    if (text.size() >= 5 && text[0] == '#') {
      response.status = std::atoi(text.substr(1, 3).c_str());
      response.body = text.substr(5);
    }
    if (response.status == 599) throw ConnectionError("fuzz", "reset by peer", {}, true);
    response.headers.push_back({"ETag", "W/\"1\""});
    if (response.status == 201) response.headers.push_back({"X-Auth-Token", "t"});
    if (response.status == 201 || response.status == 202)
      response.headers.push_back({"Location", "https://bmc/redfish/v1/TaskService/Tasks/1"});
    return response;
  }
  std::string base_url() const override { return "https://bmc"; }
  const std::vector<std::string>& answers() const { return m_answers; }

 private:
  std::vector<std::string> m_answers;
  std::size_t m_next = 0;
  int m_sent = 0;
};

void check_no_password(const std::string& text) {
  if (text.find(k_password) != std::string::npos) std::abort();  // the password leaked
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  HostileTransport transport(input);
  for (const std::string& answer : transport.answers()) {
    (void)error_messages(answer);
    try {
      util::Json document = parse_document(answer, "x");
      (void)parse_service_root(document, "x");
      (void)parse_system(document, "x");
      (void)parse_manager(document, "x");
      (void)parse_virtual_media(document, "x");
      (void)parse_task(document, "x");
      (void)parse_collection(document, "x");
    } catch (const Error&) {
    }
  }
  FakeClock clock;
  RetryPolicy policy;
  policy.attempts = 2;
  policy.task_timeout = std::chrono::seconds(60);
  DeployOptions options;
  options.image_url = "http://192.0.2.5/x.iso";
  {
    Client client(transport, {"root", k_password}, clock, policy);
    client.set_dry_run(size > 0 && data[0] == 'D');
    try {
      client.open();
      deploy_until_boot(client, options);
    } catch (const Error& e) {
      check_no_password(e.what());
    }
    for (const std::string& line : client.log()) check_no_password(line);
    for (const RecordedRequest& r : client.recorded()) check_no_password(r.body);
  }
  return 0;
}
