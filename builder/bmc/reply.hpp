// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// How the emulated BMC answers: JSON bodies with Redfish's headers, errors as messages of
// the Base registry (or iDRAC's own). Internal to bmc/.

#include "bmc/bmc.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace imgbuild::bmc {

// The Base message registry version iDRAC9 7.x reports.
inline const std::string k_base_registry = "Base.1.12.";

inline Response json_response(int status, const util::Json& body) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8");
  response.headers.emplace_back("OData-Version", "4.0");
  response.body = util::json_text(body);
  return response;
}

// `id` without a registry prefix ("ResourceMissingAtURI") is a Base message.
inline Response error(int status, const std::string& id, const std::string& message, const std::string& resolution) {
  return json_response(status, redfish_error(id.find('.') == std::string::npos ? k_base_registry + id : id, message, resolution));
}

inline Response no_content() {
  Response response;
  response.status = 204;
  response.headers.emplace_back("OData-Version", "4.0");
  return response;
}

inline bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace imgbuild::bmc
