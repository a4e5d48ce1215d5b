// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The emulated Redfish BMC that `imgbuild emulate` puts in front of each emulated server,
// so that `imgbuild deploy` can be rehearsed without hardware. Pure: it is fed HTTP
// requests (already parsed by the server in http/) and answers them from its state (power,
// one-time boot override, virtual media slots, sessions, tasks); what the machine must do
// (insert an image, eject it, power on, reset...) it queues as effects, which the emulator
// carries out on QEMU and reports back (media_fetched / media_fetch_failed).
//
// Two dialects, as a machine profile selects them with `drac = "idrac9" | "idrac8"`:
//   idrac9  iDRAC9 firmware >= 6.00: VirtualMedia under the System
//           (/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1 and /2)
//   idrac8  iDRAC8 (and iDRAC9 < 6.00): VirtualMedia under the Manager
//           (/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD and /RemovableDisk)
//
// Not thread-safe: a server that answers from several threads serializes the calls (one
// mutex around handle(), take_effects() and the machine side's reports).

#include "util/json_document.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgbuild::bmc {

enum class Dialect { Idrac9, Idrac8 };

// "idrac9", "idrac8"; nullopt for anything else.
std::optional<Dialect> parse_dialect(std::string_view name);
std::string_view dialect_name(Dialect dialect);

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (compared without regard to case), or nullopt.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

struct Request {
  std::string method;  // "GET", "POST", "PATCH", "DELETE", ...
  std::string path;    // "/redfish/v1/Systems", a query string is ignored
  Headers headers;
  std::string body;
};

struct Response {
  int status = 200;
  Headers headers;   // Content-Type, ETag, Location, X-Auth-Token, WWW-Authenticate, ...
  std::string body;  // JSON text, or empty (204)

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

// Faults to rehearse what real BMCs do to a deployment tool. Each one is off by default.
struct Faults {
  // The first request with this method and path (both exact) is answered 503 with
  // Retry-After, as an iDRAC busy with a job does; the same request again succeeds.
  std::string unavailable_once_method;
  std::string unavailable_once_path;
  // After an eject, the slot still reads Inserted (and its Image) for this many GETs, as
  // iDRAC does for a while.
  int stale_inserted_polls = 0;
  // A one-time boot override is accepted and shown but the next power-on ignores it (the
  // machine boots its usual order), as iDRAC9 before 4.40.10 booted its physical drive.
  bool ignore_boot_once = false;
  // Images whose URL starts with this cannot be fetched by the BMC: InsertMedia's task ends
  // in Exception with iDRAC's RAC0904 message (or, without tasks, InsertMedia is refused
  // with it), and the machine never sees the image.
  std::string unreachable_image_prefix;
  // ETags are served weak (W/"..."), but an If-Match must name the tag in its strong form:
  // the weak one sent back is refused with 412, as some BMCs do (sushy retries with the
  // strong form, then without If-Match).
  bool weak_etags = false;
};

struct BmcConfig {
  Dialect dialect = Dialect::Idrac9;
  std::string user = "root";
  std::string password;  // never appears in a response, an effect or an event
  std::string model = "PowerEdge R660";
  std::string service_tag = "EMU0001";
  bool powered_on = false;
  // InsertMedia answers 202 and a task that ends when the machine side has fetched the
  // image (the default: the emulated machine's fetch takes time and can fail). false: 204
  // at once, as a real iDRAC answers, an unreachable image refused at once (400, RAC0904),
  // and a fetch that fails later only leaves the slot empty.
  bool insert_task = true;
  Faults faults;
};

// What the machine side must carry out, in order.
struct Effect {
  enum class Kind {
    InsertMedia,  // slot, image, task: fetch the image, then media_fetched / media_fetch_failed
    EjectMedia,   // slot
    PowerOn,      // boot_device: "Cd" etc. for a one-time (or continuous) override, "" = usual order
    PowerOff,     // graceful: an ACPI shutdown rather than pulling the plug
    Reset,        // graceful; boot_device as for PowerOn
    BootOverride  // boot_device, boot_enabled ("Once", "Continuous", "Disabled"): armed
  };
  Kind kind = Kind::PowerOn;
  std::string slot;
  std::string image;
  std::string task;
  std::string boot_device;
  std::string boot_enabled;
  bool graceful = false;
};

std::string_view effect_kind_name(Effect::Kind kind);

struct MediaSlot {
  std::string id;    // "1", "2" (idrac9); "CD", "RemovableDisk" (idrac8)
  std::string name;
  std::vector<std::string> media_types;
  std::string image;
  bool inserted = false;
  bool write_protected = true;
  bool connected = false;  // ConnectedVia "URI" rather than "NotConnected"
  int stale_polls = 0;     // Faults::stale_inserted_polls still to serve after an eject
  std::string stale_image;
};

struct Task {
  std::string id;  // "JID_000000000001"
  std::string state = "Running";  // "Running", "Completed", "Exception"
  std::string status = "OK";      // "OK", "Critical"
  std::string message_id;
  std::string message;
  std::string slot;
  int percent = 0;
};

struct Session {
  std::string id;
  std::string token;
  std::string user;
};

struct BootOverride {
  std::string target = "None";
  std::string enabled = "Disabled";
  std::string mode = "UEFI";
};

class EmulatedBmc {
 public:
  explicit EmulatedBmc(BmcConfig config);

  Response handle(const Request& request);

  // The machine side: everything queued since the last call, oldest first.
  std::vector<Effect> take_effects();
  // The machine fetched the image of an InsertMedia effect (its task completes) or could
  // not (the task ends in Exception with `reason` as the BMC's message).
  void media_fetched(const std::string& task_id);
  void media_fetch_failed(const std::string& task_id, const std::string& reason);
  // The machine powered itself off (the installer finished and halted).
  void machine_powered_off();

  // What the BMC saw and did, one line per event, for the report. No secret in it.
  const std::vector<std::string>& events() const { return m_events; }

  // State, read-only, for the emulator and the tests.
  Dialect dialect() const { return m_config.dialect; }
  bool powered_on() const { return m_powered_on; }
  const BootOverride& boot() const { return m_boot; }
  const std::vector<MediaSlot>& slots() const { return m_slots; }
  const std::map<std::string, Task>& tasks() const { return m_tasks; }
  std::size_t session_count() const { return m_sessions.size(); }

  // The URIs of every resource this BMC serves (for schema validation and discovery).
  std::vector<std::string> resource_paths() const;
  // The JSON of the resource at `path` as a GET answers it (without side effects), or
  // nullopt when there is none.
  std::optional<util::Json> resource(const std::string& path) const;

  // Fixed names of the dialect.
  std::string system_path() const;
  std::string manager_path() const;
  std::string media_collection_path() const;

 private:
  Response dispatch(const Request& request, const std::string& path);
  Response get(const std::string& path);
  Response patch(const Request& request, const std::string& path);
  Response post(const Request& request, const std::string& path);
  Response remove(const Request& request, const std::string& path);
  Response create_session(const Request& request);
  Response reset(const util::Json& body);
  Response insert_media(MediaSlot& slot, const util::Json& body);
  Response eject_media(MediaSlot& slot);
  Response patch_boot(const util::Json& body);
  Response task_monitor(const std::string& id);
  std::optional<std::string> authenticate(const Request& request) const;
  MediaSlot* find_slot(const std::string& path);
  const MediaSlot* find_slot(const std::string& path) const;
  std::string slot_path(const MediaSlot& slot) const;
  util::Json render_slot(const MediaSlot& slot, bool show_stale) const;
  util::Json render_system() const;
  util::Json render_manager() const;
  util::Json render_task(const Task& task) const;
  void power_on_effect(Effect::Kind kind, bool graceful);
  std::string served_etag(const util::Json& body) const;
  void event(std::string line);

  BmcConfig m_config;
  bool m_powered_on = false;
  BootOverride m_boot;
  std::vector<MediaSlot> m_slots;
  std::map<std::string, Task> m_tasks;
  // Without tasks (insert_task false): the InsertMedia effects still to be reported, by
  // task id, to their slot.
  std::map<std::string, std::string> m_hidden_tasks;
  std::map<std::string, Session> m_sessions;  // by id
  std::uint64_t m_next_session = 1;
  std::uint64_t m_next_task = 1;
  bool m_unavailable_served = false;
  std::deque<Effect> m_effects;
  std::vector<std::string> m_events;
};

// The Redfish error body {"error": {"code", "message", "@Message.ExtendedInfo": [...]}} of
// one message ("Base.1.12.ResourceMissingAtURI", "IDRAC.2.8.RAC0904", ...), as iDRAC
// writes it: code Base.1.12.GeneralError, the message itself in the ExtendedInfo.
util::Json redfish_error(const std::string& message_id, const std::string& message, const std::string& resolution,
                         const std::string& severity = "Critical");

}  // namespace imgbuild::bmc
