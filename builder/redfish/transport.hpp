// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One HTTP exchange with a BMC, behind an interface: the libcurl implementation talks to a
// real BMC (curl_transport.hpp); tests substitute recorded answers (fake_transport.hpp). The
// client above it (client.hpp) decides sessions, retries, ETags and tasks; a transport only
// sends what it is given.

#include "util/error.hpp"

#include <string>
#include <utility>
#include <vector>

namespace imgbuild::redfish {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // GET, POST, PATCH, DELETE
  std::string path;    // "/redfish/v1/Systems/1", relative to the BMC's base URL
  std::vector<Header> headers;
  std::string body;    // JSON text, empty for none
};

struct Response {
  int status = 0;
  std::vector<Header> headers;  // names as the BMC sent them
  std::string body;

  // The value of header `name` (case-insensitive), empty when absent.
  std::string header(const std::string& name) const;
};

// The BMC could not be reached or the TLS handshake failed: no HTTP status at all. The
// client retries these (bounded); `retryable` is false for trust failures, which no retry
// can fix.
class ConnectionError : public Error {
 public:
  ConnectionError(std::string subject, std::string problem, std::string fix, bool retryable)
      : Error(std::move(subject), std::move(problem), std::move(fix), 3), m_retryable(retryable) {}
  bool retryable() const { return m_retryable; }

 private:
  bool m_retryable;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // The BMC's answer, whatever its status; ConnectionError when there is none.
  virtual Response send(const Request& request) = 0;
  // "https://bmc.example:443": what error messages name.
  virtual std::string base_url() const = 0;
};


}  // namespace imgbuild::redfish
