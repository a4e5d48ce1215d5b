// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A transport that answers from a table of recorded responses and keeps every request it
// was sent, for the unit tests of the client and of the deployment steps. Each (method,
// path) has a queue of answers: they are given in order and the last one repeats, so a
// resource that changes (a slot still "Inserted" right after an eject) is two answers.
// An unknown request is answered 404 with a Redfish error body, as a BMC would.

#include "redfish/transport.hpp"

#include <deque>
#include <functional>
#include <map>
#include <utility>

namespace imgbuild::redfish {

class FakeTransport : public Transport {
 public:
  void on(const std::string& method, const std::string& path, Response response) {
    m_answers[{method, path}].push_back(std::move(response));
  }
  void on(const std::string& method, const std::string& path, int status, std::string body = {},
          std::vector<Header> headers = {}) {
    on(method, path, Response{status, std::move(headers), std::move(body)});
  }
  // A request that fails before any answer (connection refused, reset).
  void fail(const std::string& method, const std::string& path, int times) {
    m_failures[{method, path}] += times;
  }

  Response send(const Request& request) override {
    m_requests.push_back(request);
    auto key = std::make_pair(request.method, request.path);
    if (auto f = m_failures.find(key); f != m_failures.end() && f->second > 0) {
      --f->second;
      throw ConnectionError(base_url(), request.method + " " + request.path + ": Connection refused",
                            {}, true);
    }
    auto it = m_answers.find(key);
    if (it == m_answers.end() || it->second.empty())
      return {404, {}, R"({"error":{"code":"Base.1.0.ResourceMissingAtURI","message":"not found"}})"};
    Response answer = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return answer;
  }
  std::string base_url() const override { return "https://bmc.test"; }

  const std::vector<Request>& requests() const { return m_requests; }
  // Requests other than GET, as "METHOD path", in order: what a step changed.
  std::vector<std::string> changes() const {
    std::vector<std::string> out;
    for (const Request& r : m_requests)
      if (r.method != "GET") out.push_back(r.method + " " + r.path);
    return out;
  }

 private:
  std::map<std::pair<std::string, std::string>, std::deque<Response>> m_answers;
  std::map<std::pair<std::string, std::string>, int> m_failures;
  std::vector<Request> m_requests;
};

}  // namespace imgbuild::redfish
