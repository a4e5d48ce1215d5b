// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Putting an installer image on a server through its BMC's virtual media, as a library of
// steps in the order OpenStack Ironic's redfish-virtual-media boot uses: power off (an
// eject under a running OS has corrupted filesystems), eject every CD slot, insert the
// image into the first CD slot, one-time boot from CD, power on. Each step reads what it
// decides on through the Client and sends only what that decision needs; the decisions
// themselves (which slot, which ResetType, which boot target, which insert body) are pure
// functions, tested without any BMC.
//
// Dialects covered: VirtualMedia under the System (Redfish 1.11+, iDRAC9 from 6.00,
// iDRAC10) or else under the Managers (iDRAC8, iDRAC9 before 6.00, iLO 5); insert by the
// InsertMedia action or, without one, by PATCH (Lenovo XCC, DMTF mockups); the boot
// override on the System or on its @Redfish.Settings object; `UsbCd` where the BMC offers
// that instead of `Cd` (Supermicro).

#include "redfish/client.hpp"
#include "redfish/resources.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace imgbuild::redfish {

// ---- pure decisions -------------------------------------------------------------------

// Slots that take a CD image: those listing "CD", else those listing "DVD", in order.
std::vector<VirtualMedia> cd_slots(const std::vector<VirtualMedia>& slots);
// Nothing to eject: not inserted and not connected.
bool is_empty(const VirtualMedia& slot);
// "HTTP", "HTTPS", "NFS", "CIFS" from the image URL's scheme; an Error for another one.
std::string transfer_protocol_of(const std::string& image_url);
// The InsertMedia bodies to try in order, each after the BMC refused the one before:
// {Image, Inserted: true, WriteProtected: true} (Dell's own scripts); {Image} alone (what
// sushy sends: Supermicro X11/X12 reject the two defaults); {Image, TransferProtocolType}
// from the URL's scheme; the same with TransferMethod: Stream. The last two only when the
// slot's action allows that protocol.
std::vector<util::Json> insert_bodies(const VirtualMedia& slot, const std::string& image_url);
// Whether a failed InsertMedia refused the form of its body, so that the next of
// insert_bodies is worth sending: 405 or 501 (the action not taken as sent), or 400 (422)
// whose MessageIds name a fault of the request (Base registry: PropertyUnknown,
// PropertyMissing, PropertyValueNotInList, ActionParameterUnknown, ActionParameterMissing,
// MalformedJSON, ...) or that names no message at all. Any other refusal is the BMC's
// answer to the image itself (iDRAC's RAC0904: it cannot reach the URL; the slot in use;
// a server error that outlived the retries): another body cannot change it.
bool insert_body_refused(int status, const std::vector<std::string>& message_ids);
// "Cd", else "UsbCd", as the System's allowable override targets offer; an Error if neither.
std::string cd_boot_target(const ComputerSystem& system);
// The ResetType that turns the system on: On, else ForceOn, else PushPowerButton.
std::string power_on_reset_type(const ComputerSystem& system);

// ---- steps (through a Client) -----------------------------------------------------------

struct DeployOptions {
  std::string image_url;
  std::string system;  // Id or path of the System; empty: the only one there is
  std::chrono::seconds shutdown_grace{180};  // GracefulShutdown, then ForceOff
  std::chrono::seconds power_wait{90};       // after ForceOff or On, for PowerState
  std::chrono::seconds eject_wait{60};       // a stale "Inserted" after eject
  std::chrono::seconds insert_wait{60};      // until the slot reports the image Inserted
  std::chrono::milliseconds poll{5000};
};

ComputerSystem read_system(Client& client, const std::string& wanted);
// One slot as it is now (its ETag changes with every eject and insert).
VirtualMedia read_slot(Client& client, const std::string& path);
// The CD-capable slots: the System's VirtualMedia if it links one, else each Manager's
// (those in the System's ManagedBy, else every Manager).
std::vector<VirtualMedia> find_cd_slots(Client& client, const ComputerSystem& system);
void power_off(Client& client, const ComputerSystem& system, const DeployOptions& options);
void eject_all(Client& client, const std::vector<VirtualMedia>& slots, const DeployOptions& options);
void insert_image(Client& client, const VirtualMedia& slot, const std::string& image_url);
// Polls the slot until it reports Inserted: a BMC may accept InsertMedia and only then
// fail to fetch the image (unreachable URL, no Range support).
void wait_inserted(Client& client, const std::string& slot, const std::string& image_url, const DeployOptions& options);
void boot_once_from_cd(Client& client, const ComputerSystem& system);
void power_on(Client& client, const ComputerSystem& system, const DeployOptions& options);

struct DeployResult {
  std::string system;  // path
  std::string slot;    // path of the slot the image went into
  std::string boot_target;
};
// All of the above, in order, up to the power-on with the one-time CD boot.
DeployResult deploy_until_boot(Client& client, const DeployOptions& options);

}  // namespace imgbuild::redfish
