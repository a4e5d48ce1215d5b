// SPDX-License-Identifier: GPL-2.0-or-later
// The JSON of every resource the emulated BMC serves, in the shapes and with the IDs of
// the real Dell controllers (schema versions as those firmware generations report them).
#include "bmc/bmc.hpp"
#include "bmc/dialect.hpp"
#include "util/hash.hpp"

namespace imgbuild::bmc {

using util::Json;

namespace {

Json link(const std::string& path) { return Json{{"@odata.id", path}}; }

Json collection(const std::string& path, const std::string& type, const std::string& name,
                const std::vector<std::string>& members) {
  Json list = Json::array();
  for (const auto& member : members) list.push_back(link(member));
  Json body;
  body["@odata.id"] = path;
  body["@odata.type"] = "#" + type + "." + type;
  body["Name"] = name;
  body["Members"] = list;
  body["Members@odata.count"] = members.size();
  return body;
}

// Dell's system UUIDs spell "DELL" and then the service tag in ASCII hex.
std::string dell_uuid(const std::string& service_tag) {
  std::string tag = service_tag.substr(0, 12);
  tag.resize(12, '0');
  std::string hex = util::to_hex(reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size());
  return "4c4c4544-" + hex.substr(0, 4) + "-" + hex.substr(4, 4) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 12);
}

Json ok_status() { return Json{{"State", "Enabled"}, {"Health", "OK"}}; }

Json service_root(const SchemaVersions& v, const std::string& service_tag) {
  Json body;
  body["@odata.id"] = "/redfish/v1";
  body["@odata.type"] = "#" + v.service_root + ".ServiceRoot";
  body["Id"] = "RootService";
  body["Name"] = "Root Service";
  body["RedfishVersion"] = v.redfish_version;
  body["UUID"] = dell_uuid(service_tag);
  body["Product"] = "Integrated Dell Remote Access Controller";
  body["Vendor"] = "Dell";
  body["Systems"] = link("/redfish/v1/Systems");
  body["Managers"] = link("/redfish/v1/Managers");
  body["SessionService"] = link("/redfish/v1/SessionService");
  body["Tasks"] = link("/redfish/v1/TaskService");
  body["Links"] = Json{{"Sessions", link("/redfish/v1/SessionService/Sessions")}};
  return body;
}

// SessionService and TaskService: a service with its one collection.
Json service(const std::string& path, const std::string& type, const std::string& id, const std::string& name,
             const std::string& collection) {
  Json body;
  body["@odata.id"] = path;
  body["@odata.type"] = "#" + type;
  body["Id"] = id;
  body["Name"] = name;
  body["Description"] = name;
  body["ServiceEnabled"] = true;
  if (id == "SessionService") body["SessionTimeout"] = 1800;
  body["Status"] = ok_status();
  body[collection] = link(path + "/" + collection);
  return body;
}

}  // namespace

Json redfish_error(const std::string& message_id, const std::string& message, const std::string& resolution,
                   const std::string& severity) {
  Json info;
  info["@odata.type"] = "#Message.v1_1_2.Message";
  info["MessageId"] = message_id;
  info["Message"] = message;
  info["MessageArgs"] = Json::array();
  info["RelatedProperties"] = Json::array();
  info["Severity"] = severity;
  info["MessageSeverity"] = severity;
  info["Resolution"] = resolution;
  // iDRAC puts every error under Base's GeneralError; the ExtendedInfo says what it was.
  Json error;
  error["code"] = "Base.1.12.GeneralError";
  error["message"] = "A general error has occurred. See ExtendedInfo for more information";
  error["@Message.ExtendedInfo"] = Json::array({info});
  return Json{{"error", error}};
}

std::string EmulatedBmc::system_path() const { return "/redfish/v1/Systems/System.Embedded.1"; }
std::string EmulatedBmc::manager_path() const { return "/redfish/v1/Managers/iDRAC.Embedded.1"; }
std::string EmulatedBmc::media_collection_path() const {
  return (m_config.dialect == Dialect::Idrac9 ? system_path() : manager_path()) + "/VirtualMedia";
}
std::string EmulatedBmc::slot_path(const MediaSlot& slot) const { return media_collection_path() + "/" + slot.id; }

Json EmulatedBmc::render_system() const {
  const auto& v = versions(m_config.dialect);
  Json boot;
  boot["BootSourceOverrideEnabled"] = m_boot.enabled;
  boot["BootSourceOverrideEnabled@Redfish.AllowableValues"] = allowed_boot_enabled();
  boot["BootSourceOverrideTarget"] = m_boot.target;
  boot["BootSourceOverrideTarget@Redfish.AllowableValues"] = allowed_boot_targets(m_config.dialect);
  boot["BootSourceOverrideMode"] = m_boot.mode;
  boot["BootSourceOverrideMode@Redfish.AllowableValues"] = allowed_boot_modes();
  Json reset;
  reset["target"] = system_path() + "/Actions/ComputerSystem.Reset";
  reset["ResetType@Redfish.AllowableValues"] = allowed_reset_types();
  Json body;
  body["@odata.id"] = system_path();
  body["@odata.type"] = "#" + v.computer_system + ".ComputerSystem";
  body["Id"] = "System.Embedded.1";
  body["Name"] = "System";
  body["Description"] = "Computer System which represents a machine (physical or virtual) and the local resources such as memory, cpu and other devices that can be accessed from that machine.";
  body["SystemType"] = "Physical";
  body["Manufacturer"] = "Dell Inc.";
  body["Model"] = m_config.model;
  body["SKU"] = m_config.service_tag;
  body["SerialNumber"] = "CNIVC00" + m_config.service_tag;
  body["PowerState"] = m_powered_on ? "On" : "Off";
  body["Status"] = ok_status();
  body["Boot"] = boot;
  if (m_config.dialect == Dialect::Idrac9) body["VirtualMedia"] = link(media_collection_path());
  body["Links"] = Json{{"ManagedBy", Json::array({link(manager_path())})}};
  body["Actions"] = Json{{"#ComputerSystem.Reset", reset}};
  return body;
}

Json EmulatedBmc::render_manager() const {
  const auto& v = versions(m_config.dialect);
  Json body;
  body["@odata.id"] = manager_path();
  body["@odata.type"] = "#" + v.manager + ".Manager";
  body["Id"] = "iDRAC.Embedded.1";
  body["Name"] = "Manager";
  body["Description"] = "BMC";
  body["ManagerType"] = "BMC";
  body["Model"] = m_config.dialect == Dialect::Idrac9 ? "16G Monolithic" : "13G Monolithic";
  body["FirmwareVersion"] = v.firmware;
  body["Status"] = ok_status();
  if (m_config.dialect == Dialect::Idrac8) body["VirtualMedia"] = link(media_collection_path());
  body["Links"] = Json{{"ManagerForServers", Json::array({link(system_path())})}};
  return body;
}

Json EmulatedBmc::render_slot(const MediaSlot& slot, bool show_stale) const {
  const auto& v = versions(m_config.dialect);
  const bool stale = show_stale && slot.stale_polls > 0;
  const std::string image = stale ? slot.stale_image : slot.image;
  Json types = Json::array();
  for (const auto& type : slot.media_types) types.push_back(type);
  Json body;
  body["@odata.id"] = slot_path(slot);
  body["@odata.type"] = "#" + v.virtual_media + ".VirtualMedia";
  body["Id"] = slot.id;
  body["Name"] = slot.name;
  body["Description"] = "iDRAC Virtual Media Services Settings";
  body["MediaTypes"] = types;
  body["ConnectedVia"] = stale || slot.connected ? "URI" : "NotConnected";
  body["Image"] = image.empty() ? Json(nullptr) : Json(image);
  const auto slash = image.rfind('/');
  body["ImageName"] = image.empty() ? Json(nullptr) : Json(image.substr(slash == std::string::npos ? 0 : slash + 1));
  body["Inserted"] = stale || slot.inserted;
  body["WriteProtected"] = slot.write_protected;
  Json actions;
  actions["#VirtualMedia.EjectMedia"] = Json{{"target", slot_path(slot) + "/Actions/VirtualMedia.EjectMedia"}};
  actions["#VirtualMedia.InsertMedia"] = Json{{"target", slot_path(slot) + "/Actions/VirtualMedia.InsertMedia"}};
  body["Actions"] = actions;
  return body;
}

Json EmulatedBmc::render_task(const Task& task) const {
  const auto& v = versions(m_config.dialect);
  Json body;
  body["@odata.id"] = "/redfish/v1/TaskService/Tasks/" + task.id;
  body["@odata.type"] = "#" + v.task + ".Task";
  body["Id"] = task.id;
  body["Name"] = "Insert virtual media";
  body["TaskState"] = task.state;
  body["TaskStatus"] = task.status;
  body["PercentComplete"] = task.percent;
  if (m_config.dialect == Dialect::Idrac9) body["TaskMonitor"] = "/redfish/v1/TaskService/TaskMonitors/" + task.id;
  Json messages = Json::array();
  if (!task.message_id.empty()) {
    Json message;
    message["MessageId"] = task.message_id;
    message["Message"] = task.message;
    message["MessageArgs"] = Json::array();
    message["Severity"] = task.status == "OK" ? "OK" : "Critical";
    messages.push_back(message);
  }
  body["Messages"] = messages;
  return body;
}

std::vector<std::string> EmulatedBmc::resource_paths() const {
  std::vector<std::string> paths = {"/redfish/v1",
                                    "/redfish/v1/Systems",
                                    system_path(),
                                    "/redfish/v1/Managers",
                                    manager_path(),
                                    media_collection_path()};
  for (const auto& slot : m_slots) paths.push_back(slot_path(slot));
  paths.push_back("/redfish/v1/SessionService");
  paths.push_back("/redfish/v1/SessionService/Sessions");
  for (const auto& [id, session] : m_sessions) paths.push_back("/redfish/v1/SessionService/Sessions/" + id);
  paths.push_back("/redfish/v1/TaskService");
  paths.push_back("/redfish/v1/TaskService/Tasks");
  for (const auto& [id, task] : m_tasks) paths.push_back("/redfish/v1/TaskService/Tasks/" + id);
  return paths;
}

std::optional<Json> EmulatedBmc::resource(const std::string& path) const {
  const auto& v = versions(m_config.dialect);
  if (path == "/redfish/v1") return service_root(v, m_config.service_tag);
  if (path == "/redfish/v1/Systems")
    return collection(path, "ComputerSystemCollection", "Computer System Collection", {system_path()});
  if (path == system_path()) return render_system();
  if (path == "/redfish/v1/Managers") return collection(path, "ManagerCollection", "Manager", {manager_path()});
  if (path == manager_path()) return render_manager();
  if (path == media_collection_path()) {
    std::vector<std::string> members;
    for (const auto& slot : m_slots) members.push_back(slot_path(slot));
    Json body = collection(path, "VirtualMediaCollection", "Virtual Media Services", members);
    body["Description"] = m_config.dialect == Dialect::Idrac9 ? "A collection of VirtualMediaCollection" : "Collection of Virtual Media";
    return body;
  }
  if (const MediaSlot* slot = find_slot(path)) return render_slot(*slot, true);
  if (path == "/redfish/v1/SessionService") return service(path, v.session_service + ".SessionService", "SessionService", "Session Service", "Sessions");
  const std::string sessions = "/redfish/v1/SessionService/Sessions";
  if (path == sessions) {
    std::vector<std::string> members;
    for (const auto& [id, session] : m_sessions) members.push_back(sessions + "/" + id);
    return collection(path, "SessionCollection", "Session Collection", members);
  }
  if (path.rfind(sessions + "/", 0) == 0) {
    auto found = m_sessions.find(path.substr(sessions.size() + 1));
    if (found == m_sessions.end()) return std::nullopt;
    Json body;
    body["@odata.id"] = path;
    body["@odata.type"] = "#" + v.session + ".Session";
    body["Id"] = found->second.id;
    body["Name"] = "User Session";
    body["Description"] = "User Session";
    body["UserName"] = found->second.user;
    body["Password"] = nullptr;  // the schema's rule: always null when read
    return body;
  }
  if (path == "/redfish/v1/TaskService") {
    Json body = service(path, v.task_service + ".TaskService", "TaskService", "Task Service", "Tasks");
    body["CompletedTaskOverWritePolicy"] = "Oldest";
    body["LifeCycleEventOnTaskStateChange"] = true;
    return body;
  }
  const std::string tasks = "/redfish/v1/TaskService/Tasks";
  if (path == tasks) {
    std::vector<std::string> members;
    for (const auto& [id, task] : m_tasks) members.push_back(tasks + "/" + id);
    return collection(path, "TaskCollection", "Task Collection", members);
  }
  if (path.rfind(tasks + "/", 0) == 0) {
    auto found = m_tasks.find(path.substr(tasks.size() + 1));
    if (found == m_tasks.end()) return std::nullopt;
    return render_task(found->second);
  }
  return std::nullopt;
}

}  // namespace imgbuild::bmc
