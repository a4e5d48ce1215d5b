// SPDX-License-Identifier: GPL-2.0-or-later
// The actions of the emulated BMC (power, virtual media) and the tasks they leave behind:
// each changes the state and queues what the machine side has to carry out.
#include "bmc/bmc.hpp"
#include "bmc/dialect.hpp"
#include "bmc/reply.hpp"

#include <algorithm>
#include <cstdio>

namespace imgbuild::bmc {

using util::Json;

namespace {

// iDRAC's messages (Dell's message registry): an image it cannot reach (as iDRAC9 6.10
// answers, dell/iDRAC-Redfish-Scripting#265), a device in use.
const std::string k_unreachable_id = "IDRAC.2.8.RAC0904";
const std::string k_unreachable = "The remote file location is not accessible or reachable.";
const std::string k_unreachable_fix =
    "Confirm that the path and credentials to remote file are correct, and check that the iDRAC can connect to the "
    "network address.";
const std::string k_in_use_id = "IDRAC.2.8.VRM0012";
const std::string k_in_use =
    "The requested operation cannot be completed because the Virtual Media device is already in use.";

Response parameter_missing(const std::string& action, const std::string& parameter) {
  return error(400, "ActionParameterMissing",
               "The action " + action + " requires the parameter " + parameter + " to be present in the request body.",
               "Supply the action with the required parameter in the request body when the request is resubmitted.");
}

}  // namespace

void EmulatedBmc::power_on_effect(Effect::Kind kind, bool graceful) {
  Effect effect;
  effect.kind = kind;
  effect.graceful = graceful;
  if (m_boot.enabled != "Disabled" && m_boot.target != "None") {
    if (m_boot.enabled == "Once" && m_config.faults.ignore_boot_once) {
      event("one-time boot from " + m_boot.target + " ignored (fault: boot once ignored)");
    } else {
      effect.boot_device = m_boot.target;
      effect.boot_enabled = m_boot.enabled;
    }
    // A one-time override is spent by the boot it was set for.
    if (m_boot.enabled == "Once") m_boot.enabled = "Disabled";
  }
  m_effects.push_back(effect);
}

Response EmulatedBmc::reset(const Json& body) {
  if (!body.contains("ResetType")) return parameter_missing("ComputerSystem.Reset", "ResetType");
  const Json& value = body["ResetType"];
  if (!value.is_string() || !contains(allowed_reset_types(), value.get<std::string>()))
    return error(400, "ActionParameterNotSupported",
                 "The parameter ResetType for the action ComputerSystem.Reset is not supported on the target resource.",
                 "Remove the parameter supplied and resubmit the request if the operation failed.");
  const std::string type = value.get<std::string>();
  const bool wants_on = type == "On";
  const bool wants_off = type == "ForceOff" || type == "GracefulShutdown";
  if ((wants_on && m_powered_on) || (!wants_on && !m_powered_on)) {
    event("refused reset " + type + ": the system is already " + (m_powered_on ? "on" : "off"));
    return error(409, "OperationNotAllowed",
                 std::string("The operation cannot be completed because the server is already powered ") +
                     (m_powered_on ? "on." : "off."),
                 "Check the power state of the server before resubmitting the request.");
  }
  event("reset " + type);
  if (wants_on) {
    m_powered_on = true;
    power_on_effect(Effect::Kind::PowerOn, false);
  } else if (wants_off) {
    m_powered_on = false;
    Effect effect;
  effect.kind = Effect::Kind::PowerOff;
    effect.graceful = type == "GracefulShutdown";
    m_effects.push_back(effect);
  } else {
    power_on_effect(Effect::Kind::Reset, type == "GracefulRestart");
  }
  return no_content();
}

Response EmulatedBmc::insert_media(MediaSlot& slot, const Json& body) {
  static const std::vector<std::string> known = {"Image",    "Inserted",       "WriteProtected", "TransferProtocolType",
                                                 "UserName", "Password",       "TransferMethod"};
  for (const auto& [key, value] : body.items()) {
    if (!contains(known, key))
      return error(400, "ActionParameterUnknown",
                   "The action VirtualMedia.InsertMedia was submitted with the invalid parameter " + key + ".",
                   "Correct the invalid parameter and resubmit the request if the operation failed.");
  }
  if (!body.contains("Image") || !body["Image"].is_string() || body["Image"].get<std::string>().empty())
    return parameter_missing("VirtualMedia.InsertMedia", "Image");
  for (const char* flag : {"Inserted", "WriteProtected"}) {
    if (body.contains(flag) && !body[flag].is_boolean())
      return error(400, "ActionParameterValueTypeError",
                   std::string("The value for the parameter ") + flag + " in the action VirtualMedia.InsertMedia is of a different type than the parameter can accept.",
                   "Correct the value for the parameter in the request body and resubmit the request if the operation failed.");
  }
  if (slot.inserted || slot.connected) {
    event("refused to insert into slot " + slot.id + ": already in use");
    return error(500, k_in_use_id, k_in_use, "Eject the virtual media and retry the operation.");
  }
  const std::string image = body["Image"].get<std::string>();
  char id[32];
  std::snprintf(id, sizeof id, "JID_%012llu", static_cast<unsigned long long>(m_next_task++));
  Task task;
  task.id = id;
  task.slot = slot.id;
  slot.stale_polls = 0;
  const auto& unreachable = m_config.faults.unreachable_image_prefix;
  const bool cannot_reach = !unreachable.empty() && image.rfind(unreachable, 0) == 0;
  if (!m_config.insert_task) {
    if (cannot_reach) {
      event("refused to insert " + image + " into slot " + slot.id + ": the BMC cannot reach it (fault: unreachable image)");
      return json_response(400, redfish_error(k_unreachable_id, k_unreachable, k_unreachable_fix, "Warning"));
    }
  }
  if (cannot_reach) {
    task.state = "Exception";
    task.status = "Critical";
    task.percent = 100;
    task.message_id = k_unreachable_id;
    task.message = k_unreachable;
    event("insert " + image + " into slot " + slot.id + ": the BMC cannot reach it (fault: unreachable image), task " + task.id);
  } else {
    slot.image = image;
    slot.connected = true;
    slot.write_protected = body.value("WriteProtected", true);
    Effect effect;
  effect.kind = Effect::Kind::InsertMedia;
    effect.slot = slot.id;
    effect.image = image;
    effect.task = task.id;
    m_effects.push_back(effect);
    event("insert " + image + " into slot " + slot.id + ", task " + task.id);
  }
  if (!m_config.insert_task) {
    slot.inserted = true;  // a real iDRAC reads Inserted as soon as it has answered
    m_hidden_tasks[task.id] = task.slot;
    return no_content();
  }
  m_tasks[task.id] = task;
  Json task_body = render_task(task);
  Response response = json_response(202, task_body);
  response.headers.emplace_back("Location", m_config.dialect == Dialect::Idrac9
                                                ? "/redfish/v1/TaskService/TaskMonitors/" + task.id
                                                : "/redfish/v1/TaskService/Tasks/" + task.id);
  return response;
}

Response EmulatedBmc::eject_media(MediaSlot& slot) {
  if (!slot.inserted && !slot.connected) {
    event("eject slot " + slot.id + ": nothing inserted");
    return no_content();
  }
  for (auto& [id, task] : m_tasks) {
    if (task.slot == slot.id && task.state == "Running") {
      task.state = "Exception";
      task.status = "Critical";
      task.message_id = k_base_registry + "OperationFailed";
      task.message = "The virtual media was ejected before its image was fetched.";
    }
  }
  if (m_config.faults.stale_inserted_polls > 0) {
    slot.stale_polls = m_config.faults.stale_inserted_polls;
    slot.stale_image = slot.image;
  }
  event("eject " + slot.image + " from slot " + slot.id);
  slot.image.clear();
  slot.inserted = false;
  slot.connected = false;
  Effect effect;
  effect.kind = Effect::Kind::EjectMedia;
  effect.slot = slot.id;
  m_effects.push_back(effect);
  return no_content();
}

// A task monitor (Redfish specification, "Asynchronous operations"): 202 and the task
// while it runs; afterwards what the action itself would have answered (204, or the error).
Response EmulatedBmc::task_monitor(const std::string& id) {
  auto found = m_tasks.find(id);
  if (found == m_tasks.end())
    return error(404, "ResourceMissingAtURI", "The task monitor of " + id + " was not found.",
                 "Place a valid resource at the URI or correct the URI and resubmit the request.");
  const Task& task = found->second;
  if (task.state == "Running") {
    Response response = json_response(202, render_task(task));
    response.headers.emplace_back("Location", "/redfish/v1/TaskService/TaskMonitors/" + id);
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  if (task.state == "Completed") return no_content();
  return json_response(400, redfish_error(task.message_id, task.message, k_unreachable_fix, "Warning"));
}

void EmulatedBmc::media_fetched(const std::string& task_id) {
  if (auto hidden = m_hidden_tasks.find(task_id); hidden != m_hidden_tasks.end()) {
    event("image fetched for slot " + hidden->second);
    m_hidden_tasks.erase(hidden);
    return;
  }
  auto found = m_tasks.find(task_id);
  if (found == m_tasks.end() || found->second.state != "Running") return;
  Task& task = found->second;
  task.state = "Completed";
  task.percent = 100;
  task.message_id = k_base_registry + "Success";
  task.message = "Successfully Completed Request";
  for (auto& slot : m_slots)
    if (slot.id == task.slot) slot.inserted = true;
  event("task " + task_id + " completed: image inserted in slot " + task.slot);
}

void EmulatedBmc::media_fetch_failed(const std::string& task_id, const std::string& reason) {
  if (auto hidden = m_hidden_tasks.find(task_id); hidden != m_hidden_tasks.end()) {
    for (auto& slot : m_slots) {
      if (slot.id == hidden->second) {
        slot.image.clear();
        slot.connected = false;
        slot.inserted = false;
      }
    }
    event("image for slot " + hidden->second + " not fetched: " + (reason.empty() ? "no reason given" : reason));
    m_hidden_tasks.erase(hidden);
    return;
  }
  auto found = m_tasks.find(task_id);
  if (found == m_tasks.end() || found->second.state != "Running") return;
  Task& task = found->second;
  task.state = "Exception";
  task.status = "Critical";
  task.percent = 100;
  task.message_id = k_unreachable_id;
  task.message = k_unreachable + (reason.empty() ? "" : " (" + reason + ")");
  for (auto& slot : m_slots) {
    if (slot.id == task.slot) {
      slot.image.clear();
      slot.connected = false;
      slot.inserted = false;
    }
  }
  event("task " + task_id + " failed: " + (reason.empty() ? "image not fetched" : reason));
}

void EmulatedBmc::machine_powered_off() {
  if (!m_powered_on) return;
  m_powered_on = false;
  event("the machine powered itself off");
}

}  // namespace imgbuild::bmc
