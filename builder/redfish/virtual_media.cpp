// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/virtual_media.hpp"

#include <algorithm>
#include <cctype>

namespace imgbuild::redfish {

using util::Json;

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none listed)" : out;
}

bool allowed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

ComputerSystem get_system(Client& client, const std::string& path) {
  Reply reply = client.get(path);
  ComputerSystem system = parse_system(reply.body, path);
  if (!reply.etag.empty()) system.etag = reply.etag;
  return system;
}

VirtualMedia get_slot(Client& client, const std::string& path) {
  Reply reply = client.get(path);
  VirtualMedia slot = parse_virtual_media(reply.body, path);
  if (!reply.etag.empty()) slot.etag = reply.etag;
  return slot;
}

// Polls the System until PowerState is `state` or `limit` has passed; true when it is.
bool wait_power_state(Client& client, const std::string& path, const std::string& state,
                      std::chrono::seconds limit, std::chrono::milliseconds poll) {
  auto deadline = client.clock().now() + limit;
  for (;;) {
    if (get_system(client, path).power_state == state) return true;
    if (client.clock().now() >= deadline) return false;
    client.clock().sleep(poll);
  }
}

void reset(Client& client, const ComputerSystem& system, const std::string& type) {
  if (system.reset.target.empty())
    throw Error(system.path, "the System has no #ComputerSystem.Reset action", {}, 3);
  client.note(system.path + ": ResetType " + type);
  client.post(system.reset.target, {{"ResetType", type}});
}

// "Base.1.8.PropertyUnknown" -> "PropertyUnknown": the key names the fault whatever the
// registry's version.
std::string message_key(const std::string& id) {
  auto dot = id.find_last_of('.');
  return dot == std::string::npos ? id : id.substr(dot + 1);
}

}  // namespace

bool insert_body_refused(int status, const std::vector<std::string>& message_ids) {
  if (status == 405 || status == 501) return true;
  if (status != 400 && status != 422) return false;
  if (message_ids.empty()) return true;  // a bare refusal: the body is all there is to change
  // The Base registry's messages about what a request carried.
  static const std::vector<std::string> body_faults = {
      "PropertyUnknown",          "PropertyMissing",           "PropertyNotWritable",
      "PropertyValueNotInList",   "PropertyValueTypeError",    "PropertyValueFormatError",
      "PropertyValueOutOfRange",  "PropertyValueError",        "PropertyValueConflict",
      "ActionParameterUnknown",   "ActionParameterMissing",    "ActionParameterNotSupported",
      "ActionParameterDuplicate", "ActionParameterValueNotInList", "ActionParameterValueTypeError",
      "ActionParameterValueFormatError", "ActionParameterValueError", "ActionParameterValueConflict",
      "MalformedJSON",            "UnrecognizedRequestBody"};
  for (const std::string& id : message_ids)
    if (allowed(body_faults, message_key(id))) return true;
  return false;
}

std::vector<VirtualMedia> cd_slots(const std::vector<VirtualMedia>& slots) {
  std::vector<VirtualMedia> out;
  for (const char* type : {"CD", "DVD"}) {
    for (const VirtualMedia& slot : slots)
      if (slot.has(type)) out.push_back(slot);
    if (!out.empty()) break;
  }
  return out;
}

bool is_empty(const VirtualMedia& slot) {
  return !slot.inserted && (slot.connected_via.empty() || slot.connected_via == "NotConnected");
}

std::string transfer_protocol_of(const std::string& image_url) {
  auto colon = image_url.find("://");
  std::string scheme = colon == std::string::npos ? std::string() : image_url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "http") return "HTTP";
  if (scheme == "https") return "HTTPS";
  if (scheme == "nfs") return "NFS";
  if (scheme == "cifs" || scheme == "smb") return "CIFS";
  throw Error("--image-url " + image_url, "not an http://, https://, nfs:// or cifs:// URL",
              "the BMC fetches the image itself: give a URL it can reach", 2);
}

std::vector<Json> insert_bodies(const VirtualMedia& slot, const std::string& image_url) {
  std::string protocol = transfer_protocol_of(image_url);
  std::vector<Json> bodies;
  bodies.push_back({{"Image", image_url}, {"Inserted", true}, {"WriteProtected", true}});
  bodies.push_back({{"Image", image_url}});  // sushy's body: Supermicro X11/X12 reject the defaults
  if (slot.insert.allows(protocol)) {
    bodies.push_back({{"Image", image_url}, {"TransferProtocolType", protocol}});
    bodies.push_back({{"Image", image_url}, {"TransferProtocolType", protocol}, {"TransferMethod", "Stream"}});
  }
  return bodies;
}

std::string cd_boot_target(const ComputerSystem& system) {
  const std::vector<std::string>& offered = system.boot.allowed_targets;
  if (offered.empty() || allowed(offered, "Cd")) return "Cd";
  if (allowed(offered, "UsbCd")) return "UsbCd";
  throw Error(system.path, "the BMC offers no CD boot override (BootSourceOverrideTarget: " + joined(offered) + ")",
              "set the boot order on the BMC's console instead", 3);
}

std::string power_on_reset_type(const ComputerSystem& system) {
  for (const char* type : {"On", "ForceOn", "PushPowerButton"})
    if (system.reset.allows(type)) return type;
  throw Error(system.path, "no ResetType that powers the system on (offered: " + joined(system.reset.allowable) + ")",
              {}, 3);
}

static ComputerSystem read_system_unguarded(Client& client, const std::string& wanted) {
  if (client.root().systems.empty())
    throw Error("/redfish/v1/", "the service root links no Systems collection", {}, 3);
  std::vector<std::string> members = parse_collection(client.get(client.root().systems).body, client.root().systems);
  std::vector<std::string> chosen;
  for (const std::string& member : members) {
    std::string id = member.substr(member.find_last_of('/', member.size() - 2) + 1);
    if (!id.empty() && id.back() == '/') id.pop_back();
    if (wanted.empty() || wanted == member || wanted == id) chosen.push_back(member);
  }
  if (chosen.size() != 1)
    throw Error(client.root().systems,
                chosen.empty() ? "no System " + (wanted.empty() ? std::string() : "'" + wanted + "' ") + "among: " + joined(members)
                               : "more than one System: " + joined(members),
                "name the System to deploy to by its Id", 2);
  return get_system(client, chosen.front());
}

static std::vector<VirtualMedia> find_cd_slots_unguarded(Client& client, const ComputerSystem& system) {
  std::vector<std::string> collections;
  if (!system.virtual_media.empty()) {
    collections.push_back(system.virtual_media);
  } else {
    std::vector<std::string> managers = system.managed_by;
    if (managers.empty() && !client.root().managers.empty())
      managers = parse_collection(client.get(client.root().managers).body, client.root().managers);
    for (const std::string& path : managers) {
      Manager manager = parse_manager(client.get(path).body, path);
      if (!manager.virtual_media.empty()) collections.push_back(manager.virtual_media);
    }
  }
  std::vector<VirtualMedia> slots;
  for (const std::string& collection : collections)
    for (const std::string& member : parse_collection(client.get(collection).body, collection))
      slots.push_back(get_slot(client, member));
  std::vector<VirtualMedia> cds = cd_slots(slots);
  if (cds.empty())
    throw Error(system.path, "the BMC has no virtual CD/DVD slot" +
                                 std::string(collections.empty() ? " (no VirtualMedia collection under the System or its Managers)" : ""),
                "virtual media may need a licence (iDRAC Enterprise/Datacenter, iLO Advanced)", 3);
  return cds;
}

static void power_off_unguarded(Client& client, const ComputerSystem& system, const DeployOptions& options) {
  if (system.power_state == "Off") {
    client.note(system.path + ": already off");
    return;
  }
  if (system.reset.allows("GracefulShutdown")) {
    reset(client, system, "GracefulShutdown");
    if (client.dry_run()) {
      client.note("dry run: ForceOff would follow if the system is not off after " +
                  std::to_string(options.shutdown_grace.count()) + " s");
      return;
    }
    if (wait_power_state(client, system.path, "Off", options.shutdown_grace, options.poll)) return;
    client.note(system.path + ": still on after " + std::to_string(options.shutdown_grace.count()) + " s");
  }
  if (!system.reset.allows("ForceOff"))
    throw Error(system.path, "cannot power the system off (ResetType offered: " + joined(system.reset.allowable) + ")",
                "power it off by hand, then run again", 3);
  reset(client, system, "ForceOff");
  if (client.dry_run()) return;
  if (!wait_power_state(client, system.path, "Off", options.power_wait, options.poll))
    throw Error(system.path, "PowerState is not Off " + std::to_string(options.power_wait.count()) + " s after ForceOff",
                {}, 3);
}

static void eject_all_unguarded(Client& client, const std::vector<VirtualMedia>& slots, const DeployOptions& options) {
  for (const VirtualMedia& slot : slots) {
    if (is_empty(slot)) continue;
    client.note(slot.path + ": ejecting " + (slot.image.empty() ? std::string("(no image named)") : slot.image));
    if (slot.eject.target.empty()) {
      client.patch(slot.path, {{"Image", nullptr}, {"Inserted", false}}, slot.etag);
    } else {
      try {
        client.post(slot.eject.target, Json());  // no body, as sushy
      } catch (const HttpError& e) {
        if (e.status() != 400 && e.status() != 415) throw;
        client.post(slot.eject.target, Json::object());  // iLO wants "{}"
      }
    }
    if (client.dry_run()) continue;
    // iDRAC reports Inserted for a while after an eject: wait it out, bounded.
    auto deadline = client.clock().now() + options.eject_wait;
    for (;;) {
      VirtualMedia now = get_slot(client, slot.path);
      if (!now.inserted) break;
      if (client.clock().now() >= deadline)
        throw Error(slot.path, "still Inserted " + std::to_string(options.eject_wait.count()) + " s after the eject",
                    "disconnect the virtual media on the BMC's console (iDRAC: racadm remoteimage -d)", 3);
      client.clock().sleep(options.poll);
    }
  }
}

static void insert_image_unguarded(Client& client, const VirtualMedia& slot, const std::string& image_url) {
  client.note(slot.path + ": inserting " + image_url);
  if (slot.insert.target.empty()) {
    // No InsertMedia action (Lenovo, older schemas): the properties are writable.
    transfer_protocol_of(image_url);
    client.patch(slot.path, {{"Image", image_url}, {"Inserted", true}, {"WriteProtected", true}}, slot.etag);
    return;
  }
  std::vector<Json> bodies = insert_bodies(slot, image_url);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    try {
      client.post(slot.insert.target, bodies[i]);
      return;
    } catch (const HttpError& e) {
      if (i + 1 == bodies.size() || !insert_body_refused(e.status(), e.message_ids())) throw;
      client.note(slot.path + ": InsertMedia refused its body (" + std::string(e.problem()) + "), trying " +
                  bodies[i + 1].dump());
    }
  }
}

static void wait_inserted_unguarded(Client& client, const std::string& path, const std::string& image_url,
                                    const DeployOptions& options) {
  if (client.dry_run()) return;
  auto deadline = client.clock().now() + options.insert_wait;
  for (;;) {
    VirtualMedia now = get_slot(client, path);
    if (now.inserted) {
      client.note(path + ": inserted" + (now.image.empty() ? std::string() : " " + now.image));
      return;
    }
    if (client.clock().now() >= deadline)
      throw Error(path, "the BMC accepted " + image_url + " but does not report it Inserted after " +
                            std::to_string(options.insert_wait.count()) + " s",
                  "check that the BMC can reach the URL and that its server answers HEAD and Range requests", 3);
    client.clock().sleep(options.poll);
  }
}

static void boot_once_from_cd_unguarded(Client& client, const ComputerSystem& system) {
  std::string target = cd_boot_target(system);
  Json body = {{"Boot", {{"BootSourceOverrideTarget", target}, {"BootSourceOverrideEnabled", "Once"}}}};
  std::string path = system.path;
  std::string etag = system.etag;
  if (!system.settings.empty()) {
    // Boot is applied through the settings object: PATCH there, with its own ETag.
    path = system.settings;
    Reply settings = client.get(path);
    etag = settings.etag;
  }
  client.note(path + ": one-time boot from " + target);
  client.patch(path, body, etag);
}

static void power_on_unguarded(Client& client, const ComputerSystem& system, const DeployOptions& options) {
  reset(client, system, power_on_reset_type(system));
  if (client.dry_run()) return;
  if (!wait_power_state(client, system.path, "On", options.power_wait, options.poll))
    client.note(system.path + ": PowerState not On yet after " + std::to_string(options.power_wait.count()) + " s");
}

static DeployResult deploy_until_boot_unguarded(Client& client, const DeployOptions& options) {
  transfer_protocol_of(options.image_url);  // refuse a bad URL before touching the server
  ComputerSystem system = read_system(client, options.system);
  std::vector<VirtualMedia> slots = find_cd_slots(client, system);
  client.note(system.path + ": CD slots " + [&] {
    std::vector<std::string> paths;
    for (const VirtualMedia& s : slots) paths.push_back(s.path);
    return joined(paths);
  }());
  power_off(client, system, options);
  eject_all(client, slots, options);
  // The first slot, read again: its ETag changed with the eject.
  VirtualMedia slot = client.dry_run() ? slots.front() : get_slot(client, slots.front().path);
  insert_image(client, slot, options.image_url);
  wait_inserted(client, slot.path, options.image_url, options);
  ComputerSystem now = client.dry_run() ? system : get_system(client, system.path);
  boot_once_from_cd(client, now);
  power_on(client, now, options);
  return {system.path, slot.path, cd_boot_target(now)};
}

// The steps as the header declares them: every Error comes out with the password scrubbed
// (an error may quote what the BMC sent, and a BMC may echo anything).
ComputerSystem read_system(Client& client, const std::string& wanted) {
  return client.guarded([&] { return read_system_unguarded(client, wanted); });
}
VirtualMedia read_slot(Client& client, const std::string& path) {
  return client.guarded([&] { return get_slot(client, path); });
}
std::vector<VirtualMedia> find_cd_slots(Client& client, const ComputerSystem& system) {
  return client.guarded([&] { return find_cd_slots_unguarded(client, system); });
}
void power_off(Client& client, const ComputerSystem& system, const DeployOptions& options) {
  return client.guarded([&] { return power_off_unguarded(client, system, options); });
}
void eject_all(Client& client, const std::vector<VirtualMedia>& slots, const DeployOptions& options) {
  return client.guarded([&] { return eject_all_unguarded(client, slots, options); });
}
void insert_image(Client& client, const VirtualMedia& slot, const std::string& image_url) {
  return client.guarded([&] { return insert_image_unguarded(client, slot, image_url); });
}
void wait_inserted(Client& client, const std::string& slot, const std::string& image_url, const DeployOptions& options) {
  return client.guarded([&] { return wait_inserted_unguarded(client, slot, image_url, options); });
}
void boot_once_from_cd(Client& client, const ComputerSystem& system) {
  return client.guarded([&] { return boot_once_from_cd_unguarded(client, system); });
}
void power_on(Client& client, const ComputerSystem& system, const DeployOptions& options) {
  return client.guarded([&] { return power_on_unguarded(client, system, options); });
}
DeployResult deploy_until_boot(Client& client, const DeployOptions& options) {
  return client.guarded([&] { return deploy_until_boot_unguarded(client, options); });
}

}  // namespace imgbuild::redfish
