// SPDX-License-Identifier: GPL-2.0-or-later
#include "bmc/bmc.hpp"
#include "bmc/dialect.hpp"
#include "bmc/reply.hpp"
#include "util/base64.hpp"
#include "util/hash.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

namespace imgbuild::bmc {

using util::Json;

namespace {

const std::string k_sessions = "/redfish/v1/SessionService/Sessions";
const std::string k_monitors = "/redfish/v1/TaskService/TaskMonitors/";

using util::iequals;

std::string etag_of(const Json& body) {
  util::Xxh3_128 hash;
  hash.update(util::json_text(body, -1));
  return "\"" + hash.hex().substr(0, 16) + "\"";
}

// Does an If-Match header value ("*", or a comma-separated list of entity tags) match?
// Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
bool if_match(const std::string& value, const std::string& etag) {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string tag = value.substr(start, comma - start);
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    if (tag == "*" || tag == etag) return true;
    start = comma + 1;
  }
  return false;
}

// Compares without stopping at the first difference, so the time taken says nothing of
// how much of a guess was right.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<std::size_t>(1, b.size())]);
  return diff == 0;
}

std::string new_token() {
  std::random_device random;
  std::string token;
  char digits[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(digits, sizeof digits, "%08x", static_cast<unsigned>(random()));
    token += digits;
  }
  return token;
}

std::string normalize(std::string path) {
  if (auto query = path.find_first_of("?#"); query != std::string::npos) path.erase(query);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::optional<Json> parse_body(const std::string& body) {
  if (body.empty()) return Json::object();
  Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

Response malformed() {
  return error(400, "MalformedJSON", "The request body submitted was malformed JSON and could not be parsed by the receiving service.",
               "Ensure that the request body is valid JSON and resubmit the request.");
}

}  // namespace

std::optional<Dialect> parse_dialect(std::string_view name) {
  if (name == "idrac9") return Dialect::Idrac9;
  if (name == "idrac8") return Dialect::Idrac8;
  return std::nullopt;
}

std::string_view dialect_name(Dialect dialect) { return dialect == Dialect::Idrac9 ? "idrac9" : "idrac8"; }

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return std::nullopt;
}

std::string_view effect_kind_name(Effect::Kind kind) {
  switch (kind) {
    case Effect::Kind::InsertMedia: return "insert-media";
    case Effect::Kind::EjectMedia: return "eject-media";
    case Effect::Kind::PowerOn: return "power-on";
    case Effect::Kind::PowerOff: return "power-off";
    case Effect::Kind::Reset: return "reset";
    case Effect::Kind::BootOverride: return "boot-override";
  }
  return "unknown";
}

EmulatedBmc::EmulatedBmc(BmcConfig config)
    : m_config(std::move(config)), m_powered_on(m_config.powered_on), m_slots(initial_slots(m_config.dialect)) {}

std::string EmulatedBmc::served_etag(const Json& body) const {
  return (m_config.faults.weak_etags ? "W/" : "") + etag_of(body);
}

void EmulatedBmc::event(std::string line) { m_events.push_back(std::move(line)); }

std::vector<Effect> EmulatedBmc::take_effects() {
  std::vector<Effect> effects(m_effects.begin(), m_effects.end());
  m_effects.clear();
  return effects;
}

MediaSlot* EmulatedBmc::find_slot(const std::string& path) {
  for (auto& slot : m_slots)
    if (path == slot_path(slot)) return &slot;
  return nullptr;
}

const MediaSlot* EmulatedBmc::find_slot(const std::string& path) const {
  for (const auto& slot : m_slots)
    if (path == slot_path(slot)) return &slot;
  return nullptr;
}

std::optional<std::string> EmulatedBmc::authenticate(const Request& request) const {
  if (auto token = find_header(request.headers, "X-Auth-Token")) {
    for (const auto& [id, session] : m_sessions)
      if (same_secret(*token, session.token)) return session.user;
    return std::nullopt;
  }
  auto authorization = find_header(request.headers, "Authorization");
  if (!authorization || authorization->size() < 6 || !iequals(authorization->substr(0, 6), "Basic ")) return std::nullopt;
  auto decoded = util::base64_decode(authorization->substr(6));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  if (decoded->substr(0, colon) != m_config.user || !same_secret(decoded->substr(colon + 1), m_config.password))
    return std::nullopt;
  return m_config.user;
}

Response EmulatedBmc::handle(const Request& request) {
  if (request.method == "HEAD") {
    // GET's status and headers without the body; a GET with no side effect here, since
    // stale-Inserted polls are counted on GETs only.
    Request get = request;
    get.method = "GET";
    const std::string path = normalize(request.path);
    const MediaSlot* slot = find_slot(path);
    const int stale = slot ? slot->stale_polls : 0;
    Response response = handle(get);
    if (MediaSlot* polled = find_slot(path)) polled->stale_polls = stale;
    response.body.clear();
    return response;
  }
  const std::string path = normalize(request.path);
  if (!m_unavailable_served && !m_config.faults.unavailable_once_path.empty() &&
      request.method == m_config.faults.unavailable_once_method && path == normalize(m_config.faults.unavailable_once_path)) {
    m_unavailable_served = true;
    event("answered " + request.method + " " + path + " with 503 (fault: unavailable once)");
    Response response = error(503, "ServiceTemporarilyUnavailable",
                              "The service is temporarily unavailable.  Retry in 1 seconds.",
                              "Wait for the indicated retry duration and retry the operation.");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  const bool is_public = (request.method == "GET" && (path == "/redfish" || path == "/redfish/v1")) ||
                         (request.method == "POST" && path == k_sessions);
  if (!is_public && !authenticate(request)) {
    event("refused " + request.method + " " + path + " (no valid credentials)");
    Response response = error(401, "NoValidSession",
                              "There is no valid session established with the implementation.",
                              "Establish a session before attempting any operations.");
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"RedfishService\"");
    return response;
  }
  return dispatch(request, path);
}

Response EmulatedBmc::dispatch(const Request& request, const std::string& path) {
  if (path == "/redfish") {
    if (request.method != "GET") return error(405, "OperationNotAllowed", "The HTTP method is not allowed on this URI.", "None.");
    return json_response(200, Json{{"v1", "/redfish/v1/"}});
  }
  const bool is_action = path.find("/Actions/") != std::string::npos;
  const bool is_monitor = path.rfind(k_monitors, 0) == 0;
  if (!is_action && !is_monitor && !resource(path)) {
    return error(404, "ResourceMissingAtURI", "The resource at the URI '" + path + "' was not found.",
                 "Place a valid resource at the URI or correct the URI and resubmit the request.");
  }
  if (request.method == "GET") return get(path);
  if (request.method == "PATCH") return patch(request, path);
  if (request.method == "POST") return post(request, path);
  if (request.method == "DELETE") return remove(request, path);
  Response response = error(405, "OperationNotAllowed", "The HTTP method " + request.method + " is not allowed on the URI " + path + ".",
                            "None.");
  response.headers.emplace_back("Allow", "GET");
  return response;
}

Response EmulatedBmc::get(const std::string& path) {
  if (path.rfind(k_monitors, 0) == 0) return task_monitor(path.substr(k_monitors.size()));
  if (path.find("/Actions/") != std::string::npos) {
    Response response = error(405, "OperationNotAllowed", "The HTTP method GET is not allowed on the action URI " + path + ".",
                              "Use POST to perform the action.");
    response.headers.emplace_back("Allow", "POST");
    return response;
  }
  Json body = *resource(path);
  if (MediaSlot* slot = find_slot(path); slot && slot->stale_polls > 0) {
    --slot->stale_polls;
    event("slot " + slot->id + " still reads Inserted after the eject (fault: stale Inserted, " +
          std::to_string(slot->stale_polls) + " more)");
  }
  Response response = json_response(200, body);
  response.headers.emplace_back("ETag", served_etag(body));
  if (path == system_path()) response.headers.emplace_back("Allow", "GET, PATCH");
  return response;
}

Response EmulatedBmc::patch(const Request& request, const std::string& path) {
  if (path != system_path()) {
    Response response = error(405, "OperationNotAllowed", "The HTTP method PATCH is not allowed on the URI " + path + ".",
                              "None.");
    response.headers.emplace_back("Allow", path.rfind(k_sessions + "/", 0) == 0 ? "GET, DELETE" : "GET");
    return response;
  }
  if (auto match = find_header(request.headers, "If-Match"); match && !if_match(*match, etag_of(*resource(path)))) {
    event("refused PATCH " + path + ": If-Match " + *match + " is stale (412)");
    return error(412, "PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.",
                 "Try the operation again using the appropriate ETag.");
  }
  auto body = parse_body(request.body);
  if (!body) return malformed();
  return patch_boot(*body);
}

Response EmulatedBmc::patch_boot(const Json& body) {
  for (const auto& [key, value] : body.items()) {
    if (key != "Boot")
      return error(400, "PropertyNotWritable", "The property " + key + " is a read only property and cannot be assigned a value.",
                   "Remove the property from the request body and resubmit the request if the operation failed.");
  }
  if (!body.contains("Boot") || !body["Boot"].is_object())
    return error(400, "PropertyMissing", "The property Boot is a required property and must be included in the request.",
                 "Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.");
  BootOverride next = m_boot;
  for (const auto& [key, value] : body["Boot"].items()) {
    std::string* field = key == "BootSourceOverrideTarget"    ? &next.target
                         : key == "BootSourceOverrideEnabled" ? &next.enabled
                         : key == "BootSourceOverrideMode"    ? &next.mode
                                                              : nullptr;
    if (!field)
      return error(400, "PropertyUnknown", "The property " + key + " is not in the list of valid properties for the resource.",
                   "Remove the unknown property from the request body and resubmit the request if the operation failed.");
    const auto allowed = key == "BootSourceOverrideTarget"    ? allowed_boot_targets(m_config.dialect)
                         : key == "BootSourceOverrideEnabled" ? allowed_boot_enabled()
                                                              : allowed_boot_modes();
    if (!value.is_string() || !contains(allowed, value.get<std::string>()))
      return error(400, "PropertyValueNotInList",
                   "The value " + value.dump() + " for the property " + key + " is not in the list of acceptable values.",
                   "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.");
    *field = value.get<std::string>();
  }
  m_boot = next;
  event("boot override " + m_boot.enabled + " " + m_boot.target + " (" + m_boot.mode + ")");
  Effect effect;
  effect.kind = Effect::Kind::BootOverride;
  effect.boot_device = m_boot.target;
  effect.boot_enabled = m_boot.enabled;
  m_effects.push_back(effect);
  Json system = render_system();
  Response response = json_response(200, system);
  response.headers.emplace_back("ETag", served_etag(system));
  return response;
}

Response EmulatedBmc::post(const Request& request, const std::string& path) {
  auto body = parse_body(request.body);
  if (!body) return malformed();
  if (path == k_sessions) return create_session(request);
  if (path == system_path() + "/Actions/ComputerSystem.Reset") return reset(*body);
  for (auto& slot : m_slots) {
    if (path == slot_path(slot) + "/Actions/VirtualMedia.InsertMedia") return insert_media(slot, *body);
    if (path == slot_path(slot) + "/Actions/VirtualMedia.EjectMedia") return eject_media(slot);
  }
  if (path.find("/Actions/") != std::string::npos)
    return error(404, "ResourceMissingAtURI", "The resource at the URI '" + path + "' was not found.",
                 "Place a valid resource at the URI or correct the URI and resubmit the request.");
  Response response = error(405, "OperationNotAllowed", "The HTTP method POST is not allowed on the URI " + path + ".", "None.");
  response.headers.emplace_back("Allow", "GET");
  return response;
}

Response EmulatedBmc::remove(const Request& request, const std::string& path) {
  if (path.rfind(k_sessions + "/", 0) != 0) {
    Response response = error(405, "OperationNotAllowed", "The HTTP method DELETE is not allowed on the URI " + path + ".", "None.");
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  if (auto match = find_header(request.headers, "If-Match"); match && !if_match(*match, etag_of(*resource(path))))
    return error(412, "PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource.",
                 "Try the operation again using the appropriate ETag.");
  const std::string id = path.substr(k_sessions.size() + 1);
  event("session " + id + " of " + m_sessions[id].user + " ended");
  m_sessions.erase(id);
  return no_content();
}

Response EmulatedBmc::create_session(const Request& request) {
  auto body = parse_body(request.body);
  if (!body) return malformed();
  const bool well_formed = body->contains("UserName") && (*body)["UserName"].is_string() && body->contains("Password") &&
                           (*body)["Password"].is_string();
  if (!well_formed)
    return error(400, "PropertyMissing", "The properties UserName and Password are required to create a session.",
                 "Include UserName and Password in the request body and resubmit the request.");
  const std::string user = (*body)["UserName"].get<std::string>();
  if (user != m_config.user || !same_secret((*body)["Password"].get<std::string>(), m_config.password)) {
    event("refused a session for " + user + " (wrong credentials)");
    return error(401, "InsufficientPrivilege", "There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.",
                 "Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.");
  }
  Session session{std::to_string(m_next_session++), new_token(), user};
  m_sessions[session.id] = session;
  event("session " + session.id + " created for " + user);
  const std::string location = k_sessions + "/" + session.id;
  Json resource_body = *resource(location);
  Response response = json_response(201, resource_body);
  response.headers.emplace_back("Location", location);
  response.headers.emplace_back("X-Auth-Token", session.token);
  response.headers.emplace_back("ETag", served_etag(resource_body));
  return response;
}

}  // namespace imgbuild::bmc
