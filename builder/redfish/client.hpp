// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A Redfish session over a Transport: discovery of the service root, authentication
// (a SessionService session, X-Auth-Token, deleted when the Client goes away, also after
// an exception: leaked sessions lock iDRAC out (RAC0218); HTTP basic auth where the BMC
// has no SessionService), retries of 5xx answers and dropped connections with bounded
// backoff, PATCH with If-Match (on 412 Precondition Failed retried with the weak ETag made
// strong, then without, as sushy does), and 202 Accepted + Location followed as a task.
// 401 and 403 are never retried: a BMC locks an account after a few failed logins.
//
// The password lives in this object only; it never appears in an error, in the log or in
// the dry-run record: every text that came from the BMC is scrubbed of it before it is
// shown (a BMC that echoes a request body must not leak it either).
//
// Dry run: GETs are sent (the decisions need the BMC's state; basic auth, no session is
// created), every other request is recorded (method, path, body) and answered 204.

#include "redfish/resources.hpp"
#include "redfish/transport.hpp"
#include "util/json_document.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace imgbuild::redfish {

struct Credentials {
  std::string user;
  std::string password;  // held in memory only
};

// Time and waiting, injectable: the tests run retries and polls without sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual void sleep(std::chrono::milliseconds duration) = 0;
};

class SystemClock : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override;
  void sleep(std::chrono::milliseconds duration) override;
};

struct RetryPolicy {
  int attempts = 4;                                    // per request, counting the first
  std::chrono::milliseconds first_delay{2000};         // doubled each retry
  std::chrono::milliseconds max_delay{20000};
  std::chrono::milliseconds task_poll{3000};
  std::chrono::seconds task_timeout{900};
};

// A task the BMC ran for an operation (InsertMedia, a reset) that ended in Exception,
// Killed or Cancelled: the BMC accepted the request and then said why it failed (an image
// it cannot reach). Its problem text is that answer, quoted in reports.
class TaskError : public Error {
 public:
  using Error::Error;
};

// A non-2xx answer the caller may act on: its status and the messages of its Redfish
// error body (@Message.ExtendedInfo's MessageIds say why: a property the BMC does not
// know, an image it cannot reach), the password scrubbed from their texts.
class HttpError : public Error {
 public:
  HttpError(std::string subject, int status, std::string problem, std::string fix,
            std::vector<RedfishMessage> messages = {})
      : Error(std::move(subject), std::move(problem), std::move(fix), 3),
        m_status(status),
        m_messages(std::move(messages)) {}
  int status() const { return m_status; }
  const std::vector<RedfishMessage>& messages() const { return m_messages; }
  // The MessageIds, in order, those without one left out.
  std::vector<std::string> message_ids() const {
    std::vector<std::string> ids;
    for (const RedfishMessage& message : m_messages)
      if (!message.id.empty()) ids.push_back(message.id);
    return ids;
  }

 private:
  int m_status;
  std::vector<RedfishMessage> m_messages;
};

struct Reply {
  int status = 0;
  util::Json body;       // null when the answer had none
  std::string etag;      // ETag header, else @odata.etag
  std::string location;  // Location header, as a path
};

// One request the dry run would have sent.
struct RecordedRequest {
  std::string method;
  std::string path;
  std::string body;  // JSON text, one line; never holds the password
};

class Client {
 public:
  Client(Transport& transport, Credentials credentials, Clock& clock, RetryPolicy policy = {});
  ~Client();  // deletes the session, never throws
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Reads the service root and authenticates. Required before get/post/patch.
  void open();
  // Deletes the session now (the destructor does it otherwise); failures are logged.
  void close() noexcept;

  const ServiceRoot& root() const { return m_root; }
  bool has_session() const { return !m_session_path.empty(); }

  Reply get(const std::string& path);
  // POST; a 202 with Location is followed until its task finishes.
  Reply post(const std::string& path, const util::Json& body);
  // PATCH with If-Match `etag` (none when empty); 412 handled as sushy does.
  Reply patch(const std::string& path, const util::Json& body, const std::string& etag);

  void set_dry_run(bool on) { m_dry_run = on; }
  bool dry_run() const { return m_dry_run; }
  const std::vector<RecordedRequest>& recorded() const { return m_recorded; }

  // What happened, one line each, for the user: no secret in any of them.
  const std::vector<std::string>& log() const { return m_log; }
  void on_log(std::function<void(const std::string&)> sink) { m_sink = std::move(sink); }
  void note(const std::string& line);

  Clock& clock() { return m_clock; }
  // `text` with every occurrence of the password replaced.
  std::string scrub(std::string text) const;
  // `error` again, of the same type, with the password scrubbed from its texts: for every
  // error that may quote the BMC (a document that is not JSON, an allowable value).
  [[noreturn]] void rethrow_scrubbed(const Error& error) const;
  // Runs `step`; any Error it throws comes out scrubbed.
  template <typename Step>
  auto guarded(Step&& step) -> decltype(step()) {
    try {
      return step();
    } catch (const Error& e) {
      rethrow_scrubbed(e);
    }
  }

 private:
  void open_unguarded();
  Reply get_unguarded(const std::string& path);
  Reply post_unguarded(const std::string& path, const util::Json& body);
  Reply patch_unguarded(const std::string& path, const util::Json& body, const std::string& etag);
  Response exchange(Request request, bool retry);
  Reply to_reply(const Response& response, const std::string& path);
  Reply follow_task(const std::string& location, const std::string& what);
  [[noreturn]] void fail(const Request& request, const Response& response);
  void add_auth(Request& request) const;

  Transport& m_transport;
  Credentials m_credentials;
  Clock& m_clock;
  RetryPolicy m_policy;
  ServiceRoot m_root;
  bool m_opened = false;
  std::string m_token;
  std::string m_session_path;
  bool m_dry_run = false;
  std::vector<RecordedRequest> m_recorded;
  std::vector<std::string> m_log;
  std::function<void(const std::string&)> m_sink;
};

// "https://host/redfish/v1/x" -> "/redfish/v1/x"; a path stays a path.
std::string path_of(const std::string& url_or_path);

}  // namespace imgbuild::redfish
