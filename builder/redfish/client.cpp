// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/client.hpp"

#include "util/base64.hpp"

#include <algorithm>
#include <thread>

namespace imgbuild::redfish {

using util::Json;

std::chrono::steady_clock::time_point SystemClock::now() { return std::chrono::steady_clock::now(); }
void SystemClock::sleep(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

std::string path_of(const std::string& url_or_path) {
  auto scheme = url_or_path.find("://");
  if (scheme == std::string::npos) return url_or_path;
  auto slash = url_or_path.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url_or_path.substr(slash);
}

Client::Client(Transport& transport, Credentials credentials, Clock& clock, RetryPolicy policy)
    : m_transport(transport), m_credentials(std::move(credentials)), m_clock(clock), m_policy(policy) {}

Client::~Client() { close(); }

std::string Client::scrub(std::string text) const {
  const std::string& secret = m_credentials.password;
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

void Client::rethrow_scrubbed(const Error& error) const {
  if (auto* http = dynamic_cast<const HttpError*>(&error)) {
    std::vector<RedfishMessage> messages = http->messages();
    for (RedfishMessage& message : messages) message = {scrub(message.id), scrub(message.text)};
    throw HttpError(scrub(http->subject()), http->status(), scrub(http->problem()), scrub(http->fix()),
                    std::move(messages));
  }
  if (auto* connection = dynamic_cast<const ConnectionError*>(&error))
    throw ConnectionError(scrub(connection->subject()), scrub(connection->problem()), scrub(connection->fix()),
                          connection->retryable());
  if (dynamic_cast<const TaskError*>(&error) != nullptr)
    throw TaskError(scrub(error.subject()), scrub(error.problem()), scrub(error.fix()), error.exit_code());
  throw Error(scrub(error.subject()), scrub(error.problem()), scrub(error.fix()), error.exit_code());
}

void Client::note(const std::string& line) {
  std::string clean = scrub(line);
  m_log.push_back(clean);
  if (m_sink) m_sink(clean);
}

void Client::add_auth(Request& request) const {
  if (!m_token.empty()) {
    request.headers.push_back({"X-Auth-Token", m_token});
  } else if (m_opened || m_dry_run) {
    request.headers.push_back(
        {"Authorization", "Basic " + util::base64_encode(m_credentials.user + ":" + m_credentials.password)});
  }
}

void Client::fail(const Request& request, const Response& response) {
  std::string subject = m_transport.base_url() + " " + request.method + " " + request.path;
  std::string said = scrub(error_messages(response.body));
  std::string problem = "HTTP " + std::to_string(response.status) + (said.empty() ? "" : ": " + said);
  std::vector<RedfishMessage> messages = parse_error_messages(response.body);
  for (RedfishMessage& message : messages) message = {scrub(message.id), scrub(message.text)};
  if (response.status == 401)
    throw HttpError(subject, 401, problem,
                    "the BMC refused user '" + m_credentials.user +
                        "' with this password; not retried (BMCs lock accounts after failed logins)",
                    std::move(messages));
  if (response.status == 403)
    throw HttpError(subject, 403, problem,
                    "user '" + m_credentials.user + "' lacks the privilege (virtual media and "
                    "power control need an administrator or operator role); not retried",
                    std::move(messages));
  throw HttpError(subject, response.status, problem, {}, std::move(messages));
}

Response Client::exchange(Request request, bool retry) {
  add_auth(request);
  std::chrono::milliseconds delay = m_policy.first_delay;
  for (int attempt = 1;; ++attempt) {
    bool last = !retry || attempt >= m_policy.attempts;
    try {
      Response response = m_transport.send(request);
      if (response.status >= 500 && !last) {
        note(request.method + " " + request.path + ": HTTP " + std::to_string(response.status) +
             " (" + scrub(error_messages(response.body)) + "), retry " + std::to_string(attempt) +
             " in " + std::to_string(delay.count()) + " ms");
      } else {
        return response;
      }
    } catch (const ConnectionError& e) {
      if (!e.retryable() || last)
        throw ConnectionError(scrub(e.subject()), scrub(e.problem()), scrub(e.fix()), e.retryable());
      note(scrub(e.problem()) + ", retry " + std::to_string(attempt));
    }
    m_clock.sleep(delay);
    delay = std::min(delay * 2, m_policy.max_delay);
  }
}

Reply Client::to_reply(const Response& response, const std::string& path) {
  Reply reply;
  reply.status = response.status;
  if (!response.body.empty() && response.body.find_first_not_of(" \t\r\n") != std::string::npos)
    reply.body = parse_document(response.body, path);
  reply.etag = response.header("ETag");
  if (reply.etag.empty() && reply.body.is_object() && reply.body.contains("@odata.etag") &&
      reply.body["@odata.etag"].is_string())
    reply.etag = reply.body["@odata.etag"].get<std::string>();
  reply.location = path_of(response.header("Location"));
  return reply;
}

void Client::open() {
  guarded([this] { open_unguarded(); });
}

void Client::open_unguarded() {
  // The service root answers without credentials (Redfish spec, "Service root request").
  Request root_request{"GET", "/redfish/v1/", {}, {}};
  Response response = exchange(root_request, true);
  if (response.status != 200) fail(root_request, response);
  m_root = parse_service_root(parse_document(response.body, "/redfish/v1/"), "/redfish/v1/");
  m_opened = true;
  std::string sessions = m_root.sessions;
  if (sessions.empty() && !m_root.session_service.empty()) {
    Reply service = get(m_root.session_service);
    if (service.body.contains("Sessions") && service.body["Sessions"].is_object())
      sessions = service.body["Sessions"].value("@odata.id", "");
  }
  if (sessions.empty()) {
    note("the BMC has no SessionService: HTTP basic authentication");
    return;
  }
  if (m_dry_run) {
    note("dry run: HTTP basic authentication for reading, no session created");
    return;
  }
  Json body = {{"UserName", m_credentials.user}, {"Password", m_credentials.password}};
  Request login{"POST", sessions, {}, body.dump()};
  Response created = m_transport.send(login);  // never retried: a failed login counts
  if (created.status == 404 || created.status == 405 || created.status == 501) {
    note("POST " + sessions + ": HTTP " + std::to_string(created.status) + ", using HTTP basic authentication");
    return;
  }
  if (created.status / 100 != 2) fail(Request{"POST", sessions, {}, {}}, created);
  m_token = created.header("X-Auth-Token");
  m_session_path = path_of(created.header("Location"));
  if (m_session_path.empty() && !created.body.empty()) {
    Json session = Json::parse(created.body, nullptr, false);
    if (session.is_object()) m_session_path = session.value("@odata.id", "");
  }
  if (m_token.empty())
    throw Error(m_transport.base_url() + " POST " + sessions, "the BMC created a session but sent no X-Auth-Token",
                {}, 3);
  note("session " + (m_session_path.empty() ? std::string("(no Location)") : m_session_path) +
       " opened for user '" + m_credentials.user + "'");
}

void Client::close() noexcept {
  if (m_token.empty()) return;
  std::string path = m_session_path;
  try {
    if (!path.empty()) {
      Request request{"DELETE", path, {}, {}};
      add_auth(request);
      Response response = m_transport.send(request);
      if (response.status / 100 == 2)
        note("session " + path + " closed");
      else
        note("DELETE " + path + ": HTTP " + std::to_string(response.status) + "; the session expires by itself");
    }
  } catch (const std::exception& e) {
    try {
      note("DELETE " + path + " failed: " + scrub(e.what()) + "; the session expires by itself");
    } catch (...) {
    }
  }
  m_token.clear();
  m_session_path.clear();
}

Reply Client::get(const std::string& path) {
  return guarded([&] { return get_unguarded(path); });
}

Reply Client::get_unguarded(const std::string& path) {
  Request request{"GET", path, {}, {}};
  Response response = exchange(request, true);
  if (response.status / 100 != 2) fail(request, response);
  return to_reply(response, path);
}

Reply Client::follow_task(const std::string& location, const std::string& what) {
  auto deadline = m_clock.now() + m_policy.task_timeout;
  note(what + ": accepted, following " + location);
  for (;;) {
    Request request{"GET", location, {}, {}};
    Response response = exchange(request, true);
    if (response.status / 100 != 2) fail(request, response);
    Reply reply = to_reply(response, location);
    bool is_task = reply.body.is_object() && reply.body.contains("TaskState");
    if (is_task) {
      Task task = parse_task(reply.body, location);
      if (task.finished()) {
        std::string messages;
        for (const std::string& m : task.messages) messages += (messages.empty() ? "\"" : "; \"") + scrub(m) + "\"";
        if (!task.succeeded())
          throw TaskError(m_transport.base_url() + " " + what,
                      "task " + location + " ended " + task.state +
                          (task.status.empty() ? "" : " (" + task.status + ")") +
                          (messages.empty() ? "" : ": " + messages),
                      {}, 3);
        note(what + ": task " + task.state + (messages.empty() ? "" : ": " + messages));
        return reply;
      }
    } else if (response.status != 202) {
      return reply;  // a task monitor answers the operation's own result once done
    }
    if (m_clock.now() >= deadline)
      throw Error(m_transport.base_url() + " " + what,
                  "task " + location + " did not finish in " + std::to_string(m_policy.task_timeout.count()) + " s",
                  "look at the BMC's task list or job queue", 3);
    m_clock.sleep(m_policy.task_poll);
  }
}

Reply Client::post(const std::string& path, const Json& body) {
  return guarded([&] { return post_unguarded(path, body); });
}

Reply Client::post_unguarded(const std::string& path, const Json& body) {
  std::string text = body.is_null() ? std::string() : body.dump();
  if (m_dry_run) {
    m_recorded.push_back({"POST", path, scrub(text)});
    note("dry run: POST " + path + " " + scrub(text));
    return Reply{204, {}, {}, {}};
  }
  Request request{"POST", path, {}, text};
  Response response = exchange(request, true);
  if (response.status / 100 != 2) fail(request, response);
  Reply reply = to_reply(response, path);
  if (response.status == 202 && !reply.location.empty()) return follow_task(reply.location, "POST " + path);
  return reply;
}

Reply Client::patch(const std::string& path, const Json& body, const std::string& etag) {
  return guarded([&] { return patch_unguarded(path, body, etag); });
}

Reply Client::patch_unguarded(const std::string& path, const Json& body, const std::string& etag) {
  std::string text = body.dump();
  if (m_dry_run) {
    m_recorded.push_back({"PATCH", path, scrub(text)});
    note("dry run: PATCH " + path + " " + scrub(text) + (etag.empty() ? "" : " If-Match " + etag));
    return Reply{204, {}, {}, {}};
  }
  // On 412 sushy retries with a weak ETag made strong (some BMCs compare only strong ones),
  // then without If-Match at all.
  std::vector<std::string> tries{etag};
  if (etag.rfind("W/", 0) == 0) tries.push_back(etag.substr(2));
  if (!etag.empty()) tries.push_back({});
  Response response;
  Request request;
  for (std::size_t i = 0; i < tries.size(); ++i) {
    request = Request{"PATCH", path, {}, text};
    if (!tries[i].empty()) request.headers.push_back({"If-Match", tries[i]});
    response = exchange(request, true);
    if (response.status != 412 || i + 1 == tries.size()) break;
    note("PATCH " + path + ": 412 Precondition Failed with If-Match " + (tries[i].empty() ? "(none)" : tries[i]) +
         ", retrying " + (tries[i + 1].empty() ? "without If-Match" : "with " + tries[i + 1]));
  }
  if (response.status / 100 != 2) fail(request, response);
  Reply reply = to_reply(response, path);
  if (response.status == 202 && !reply.location.empty()) return follow_task(reply.location, "PATCH " + path);
  return reply;
}

}  // namespace imgbuild::redfish
