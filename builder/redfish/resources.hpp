// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Pure parsers of the Redfish resources a virtual-media deployment reads (DMTF schemas
// ServiceRoot, ComputerSystem, Manager, VirtualMedia, Task, SessionService; collections).
// Text in, plain structs out: what the steps decide on, unit-tested on DMTF's mockups and
// on answers shaped like iDRAC8/9 and iLO. Every field is optional in practice (BMCs omit
// what the schema calls required), so an absent one is empty, never an error; a document
// that is not JSON, or a link that is not a string, is an Error naming the resource.

#include "util/json_document.hpp"

#include <optional>
#include <string>
#include <vector>

namespace imgbuild::redfish {

// `text` parsed; an Error naming `where` (the resource's path) when it is not a JSON object.
util::Json parse_document(const std::string& text, const std::string& where);

struct ServiceRoot {
  std::string redfish_version;
  std::string vendor;     // "Dell", "HPE", ... (ServiceRoot.Vendor, 1.5+), may be empty
  std::string systems;    // "/redfish/v1/Systems"
  std::string managers;
  std::string session_service;
  std::string sessions;   // Links.Sessions, else empty: the client then asks SessionService
};
ServiceRoot parse_service_root(const util::Json& document, const std::string& where);

// Members[].@odata.id of a collection, in order.
std::vector<std::string> parse_collection(const util::Json& document, const std::string& where);

struct Action {
  std::string target;                       // empty: the resource has no such action
  std::vector<std::string> allowable;       // <Parameter>@Redfish.AllowableValues, if listed
  bool allows(const std::string& value) const;  // true when nothing is listed
};

struct Boot {
  std::string override_target;    // "Pxe", "Cd", "None"
  std::string override_enabled;   // "Disabled", "Once", "Continuous"
  std::string override_mode;      // "UEFI", "Legacy"
  std::vector<std::string> allowed_targets;  // BootSourceOverrideTarget@Redfish.AllowableValues
  bool present = false;
};

struct ComputerSystem {
  std::string path;             // @odata.id
  std::string id;
  std::string power_state;      // "On", "Off", "PoweringOn", "PoweringOff"
  Boot boot;
  std::string settings;         // @Redfish.Settings.SettingsObject: where a PATCH of Boot goes
  std::string virtual_media;    // the System's VirtualMedia collection (Redfish 1.11+), or empty
  std::vector<std::string> managed_by;
  Action reset;                 // #ComputerSystem.Reset, allowable ResetType values
  std::string etag;             // @odata.etag; the client prefers the ETag header
};
ComputerSystem parse_system(const util::Json& document, const std::string& where);

struct Manager {
  std::string path;
  std::string id;
  std::string firmware_version;
  std::string virtual_media;
};
Manager parse_manager(const util::Json& document, const std::string& where);

struct VirtualMedia {
  std::string path;
  std::string id;
  std::vector<std::string> media_types;  // "CD", "DVD", "Floppy", "USBStick"
  std::string image;
  bool inserted = false;
  bool write_protected = false;
  std::string connected_via;             // "NotConnected", "URI", "Applet"
  Action insert;                          // #VirtualMedia.InsertMedia
  Action eject;                           // #VirtualMedia.EjectMedia
  std::string etag;
  bool has(const std::string& media_type) const;
};
VirtualMedia parse_virtual_media(const util::Json& document, const std::string& where);

struct Task {
  std::string path;
  std::string state;   // "New", "Running", "Completed", "Exception", "Killed", ...
  std::string status;  // TaskStatus: "OK", "Warning", "Critical"
  std::vector<std::string> messages;  // Messages[].Message, else MessageId
  int percent = -1;
  bool finished() const;  // Completed, Exception, Killed, Cancelled
  bool succeeded() const; // Completed and not Critical
};
Task parse_task(const util::Json& document, const std::string& where);

// One message of a Redfish error: its MessageId ("Base.1.8.PropertyUnknown",
// "IDRAC.2.8.RAC0904") and its text; either may be empty.
struct RedfishMessage {
  std::string id;
  std::string text;
};
// The messages of a Redfish error body ({"error":{"code", "message",
// "@Message.ExtendedInfo"}}): each ExtendedInfo entry, else the error's code and message;
// empty for a body that is not a Redfish error.
std::vector<RedfishMessage> parse_error_messages(const std::string& body);

// The messages of a Redfish error body (parse_error_messages), joined with "; ", or the
// first 200 bytes of a body that is not one; empty for none.
std::string error_messages(const std::string& body);

}  // namespace imgbuild::redfish
