// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/resources.hpp"

#include "util/error.hpp"

#include <algorithm>

namespace imgbuild::redfish {

using util::Json;

namespace {

std::string string_at(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool bool_at(const Json& object, const char* key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

const Json& member(const Json& object, const char* key) {
  static const Json null;
  if (!object.is_object()) return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

// {"@odata.id": "..."} under `key`, empty when absent; an Error when it is there but no link.
std::string link_at(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key);
  if (value.is_null()) return {};
  if (!value.is_object() || !value.contains("@odata.id") || !value["@odata.id"].is_string())
    throw Error(where, std::string("'") + key + "' is not a link ({\"@odata.id\": ...})",
                "the BMC's answer does not follow the Redfish schema", 3);
  return value["@odata.id"].get<std::string>();
}

std::vector<std::string> strings_at(const Json& object, const std::string& key) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const Json& item : *it)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

Action parse_action(const Json& document, const char* name, const char* parameter) {
  Action action;
  const Json& spec = member(member(document, "Actions"), name);
  action.target = string_at(spec, "target");
  if (parameter) action.allowable = strings_at(spec, std::string(parameter) + "@Redfish.AllowableValues");
  return action;
}

}  // namespace

Json parse_document(const std::string& text, const std::string& where) {
  Json document = Json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    throw Error(where, "the BMC's answer is not a JSON object",
                text.empty() ? "it was empty" : "it began: " + text.substr(0, 80), 3);
  return document;
}

ServiceRoot parse_service_root(const Json& document, const std::string& where) {
  ServiceRoot root;
  root.redfish_version = string_at(document, "RedfishVersion");
  root.vendor = string_at(document, "Vendor");
  root.systems = link_at(document, "Systems", where);
  root.managers = link_at(document, "Managers", where);
  root.session_service = link_at(document, "SessionService", where);
  root.sessions = link_at(member(document, "Links"), "Sessions", where);
  return root;
}

std::vector<std::string> parse_collection(const Json& document, const std::string& where) {
  std::vector<std::string> out;
  const Json& members = member(document, "Members");
  if (!members.is_array())
    throw Error(where, "not a Redfish collection (no 'Members' array)", {}, 3);
  for (const Json& item : members) {
    if (!item.is_object() || !item.contains("@odata.id") || !item["@odata.id"].is_string())
      throw Error(where, "a member of the collection is not a link", {}, 3);
    out.push_back(item["@odata.id"].get<std::string>());
  }
  return out;
}

bool Action::allows(const std::string& value) const {
  return allowable.empty() || std::find(allowable.begin(), allowable.end(), value) != allowable.end();
}

ComputerSystem parse_system(const Json& document, const std::string& where) {
  ComputerSystem system;
  system.path = string_at(document, "@odata.id");
  if (system.path.empty()) system.path = where;
  system.id = string_at(document, "Id");
  system.power_state = string_at(document, "PowerState");
  const Json& boot = member(document, "Boot");
  if (boot.is_object()) {
    system.boot.present = true;
    system.boot.override_target = string_at(boot, "BootSourceOverrideTarget");
    system.boot.override_enabled = string_at(boot, "BootSourceOverrideEnabled");
    system.boot.override_mode = string_at(boot, "BootSourceOverrideMode");
    system.boot.allowed_targets = strings_at(boot, "BootSourceOverrideTarget@Redfish.AllowableValues");
  }
  system.settings = link_at(member(document, "@Redfish.Settings"), "SettingsObject", where);
  system.virtual_media = link_at(document, "VirtualMedia", where);
  const Json& managed_by = member(member(document, "Links"), "ManagedBy");
  if (managed_by.is_array())
    for (const Json& item : managed_by)
      if (item.is_object() && item.contains("@odata.id") && item["@odata.id"].is_string())
        system.managed_by.push_back(item["@odata.id"].get<std::string>());
  system.reset = parse_action(document, "#ComputerSystem.Reset", "ResetType");
  system.etag = string_at(document, "@odata.etag");
  return system;
}

Manager parse_manager(const Json& document, const std::string& where) {
  Manager manager;
  manager.path = string_at(document, "@odata.id");
  if (manager.path.empty()) manager.path = where;
  manager.id = string_at(document, "Id");
  manager.firmware_version = string_at(document, "FirmwareVersion");
  manager.virtual_media = link_at(document, "VirtualMedia", where);
  return manager;
}

bool VirtualMedia::has(const std::string& media_type) const {
  return std::find(media_types.begin(), media_types.end(), media_type) != media_types.end();
}

VirtualMedia parse_virtual_media(const Json& document, const std::string& where) {
  VirtualMedia media;
  media.path = string_at(document, "@odata.id");
  if (media.path.empty()) media.path = where;
  media.id = string_at(document, "Id");
  media.media_types = strings_at(document, "MediaTypes");
  media.image = string_at(document, "Image");
  media.inserted = bool_at(document, "Inserted");
  media.write_protected = bool_at(document, "WriteProtected");
  media.connected_via = string_at(document, "ConnectedVia");
  media.insert = parse_action(document, "#VirtualMedia.InsertMedia", "TransferProtocolType");
  media.eject = parse_action(document, "#VirtualMedia.EjectMedia", nullptr);
  media.etag = string_at(document, "@odata.etag");
  return media;
}

bool Task::finished() const {
  return state == "Completed" || state == "Exception" || state == "Killed" || state == "Cancelled";
}

bool Task::succeeded() const { return state == "Completed" && status != "Critical"; }

Task parse_task(const Json& document, const std::string& where) {
  Task task;
  task.path = string_at(document, "@odata.id");
  if (task.path.empty()) task.path = where;
  task.state = string_at(document, "TaskState");
  task.status = string_at(document, "TaskStatus");
  const Json& percent = member(document, "PercentComplete");
  if (percent.is_number_integer()) task.percent = percent.get<int>();
  const Json& messages = member(document, "Messages");
  if (messages.is_array())
    for (const Json& m : messages) {
      std::string text = string_at(m, "Message");
      if (text.empty()) text = string_at(m, "MessageId");
      if (!text.empty()) task.messages.push_back(text);
    }
  return task;
}

namespace {

// The "error" object of a Redfish error body; null when the body is not one.
Json error_object(const std::string& body) {
  if (body.empty()) return nullptr;
  Json document = Json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return nullptr;
  return member(document, "error");
}

std::vector<RedfishMessage> extended_info(const Json& error) {
  std::vector<RedfishMessage> messages;
  const Json& extended = member(error, "@Message.ExtendedInfo");
  if (extended.is_array())
    for (const Json& info : extended) {
      RedfishMessage message{string_at(info, "MessageId"), string_at(info, "Message")};
      if (!message.id.empty() || !message.text.empty()) messages.push_back(std::move(message));
    }
  return messages;
}

}  // namespace

std::vector<RedfishMessage> parse_error_messages(const std::string& body) {
  const Json error = error_object(body);
  std::vector<RedfishMessage> messages = extended_info(error);
  if (messages.empty()) {
    RedfishMessage message{string_at(error, "code"), string_at(error, "message")};
    if (!message.id.empty() || !message.text.empty()) messages.push_back(std::move(message));
  }
  return messages;
}

std::string error_messages(const std::string& body) {
  const Json error = error_object(body);
  std::vector<std::string> parts;
  for (const RedfishMessage& message : extended_info(error)) {
    if (message.text.empty())
      parts.push_back(message.id);
    else
      parts.push_back(message.id.empty() ? message.text : message.text + " [" + message.id + "]");
  }
  if (parts.empty()) {
    std::string text = string_at(error, "message");
    if (!text.empty()) parts.push_back(text);
  }
  if (parts.empty()) {
    // Not a Redfish error (an HTML page from a proxy): its first words, on one line.
    std::string line;
    for (char c : body.substr(0, 400)) {
      bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
      if (space && (line.empty() || line.back() == ' ')) continue;
      line += space ? ' ' : c;
      if (line.size() >= 160) break;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
  }
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : "; ") + part;
  return joined;
}

}  // namespace imgbuild::redfish
