// SPDX-License-Identifier: GPL-2.0-or-later
#include "emulate/qmp_plan.hpp"

#include "util/error.hpp"
#include "vm/media.hpp"

#include <cctype>

namespace imgbuild::emulate {

namespace {

using util::Json;

QmpStep step(std::string command, Json arguments = Json::object()) {
  QmpStep out;
  out.command = std::move(command);
  out.arguments = std::move(arguments);
  return out;
}

const vm::MachineProfile::Option* device_with(const vm::MachineProfile& profile, const std::string& key,
                                              const std::string& value) {
  for (const auto& option : profile.options)
    if (option.flag == "-device" && vm::qemu_option_key(option.value, key) == value) return &option;
  return nullptr;
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (unsigned char c : text)
    if (!std::isdigit(c)) return false;
  return true;
}

}  // namespace

Json device_arguments(const std::string& option_value) {
  Json out = Json::object();
  std::size_t start = 0;
  bool first = true;
  while (start <= option_value.size()) {
    // A doubled comma is a comma inside the value.
    std::string part;
    std::size_t at = start;
    for (; at < option_value.size(); ++at) {
      if (option_value[at] != ',') {
        part += option_value[at];
      } else if (at + 1 < option_value.size() && option_value[at + 1] == ',') {
        part += ',';
        ++at;
      } else {
        break;
      }
    }
    start = at + 1;
    if (first && part.find('=') == std::string::npos) {
      out["driver"] = part;
    } else if (auto equals = part.find('='); equals != std::string::npos) {
      std::string key = part.substr(0, equals), value = part.substr(equals + 1);
      // QMP takes typed values, where -device parses text: the booleans and numbers.
      if (value == "on" || value == "true") {
        out[key] = true;
      } else if (value == "off" || value == "false") {
        out[key] = false;
      } else if (all_digits(value) && value.size() < 10) {
        out[key] = std::stoll(value);
      } else {
        out[key] = value;
      }
    }
    first = false;
  }
  return out;
}

VirtualCdTemplate virtual_cd_template(const vm::MachineProfile& profile) {
  const std::string holder_id = profile.drac_media.empty() ? std::string() : profile.drac_media.front();
  const auto* holder = holder_id.empty() ? nullptr : device_with(profile, "id", holder_id);
  const vm::MachineProfile::Option* cd = nullptr;
  for (const auto& option : profile.options) {
    if (option.flag == "-device" && vm::qemu_option_key(option.value, "bus").starts_with(holder_id + ".") &&
        vm::qemu_option_key(option.value, "drive") != "")
      cd = cd ? cd : &option;
  }
  if (!holder || !cd)
    throw Error(profile.source, "no virtual CD to emulate: drac-media must name the USB device of the virtual CD",
                "see machines/README.md, \"The emulated DRAC\"");
  VirtualCdTemplate out;
  out.holder = device_arguments(holder->value);
  out.holder.erase("id");
  out.cd = device_arguments(cd->value);
  for (const char* key : {"id", "bus", "drive", "bootindex"}) out.cd.erase(key);
  return out;
}

Plan MachineModel::plan(const bmc::Effect& effect) {
  using Kind = bmc::Effect::Kind;
  Plan out;
  switch (effect.kind) {
    case Kind::InsertMedia: return insert(effect);
    case Kind::EjectMedia: out.steps = eject_steps(effect.slot); return out;
    case Kind::PowerOn:
    case Kind::Reset: return power_on(effect);
    case Kind::PowerOff:
      out.steps.push_back(step(effect.graceful ? "system_powerdown" : "stop"));
      out.powerdown = effect.graceful;
      return out;
    case Kind::BootOverride: return out;  // armed: it comes with the next power on
  }
  return out;
}

Plan MachineModel::insert(const bmc::Effect& effect) {
  Plan out;
  out.task = effect.task;
  const std::string& url = effect.image;
  const std::string scheme = url.substr(0, url.find("://"));
  if (url.find("://") == std::string::npos || (scheme != "http" && scheme != "https")) {
    out.refused = "the emulated BMC fetches HTTP and HTTPS images only, not " + url;
    return out;
  }
  // A slot that still holds an image loses it first (a real iDRAC refuses the insert; the
  // BMC model already did if it had to).
  out.steps = eject_steps(effect.slot);
  const std::string node = node_name(effect.slot), holder = holder_id(effect.slot), cd = cd_id(effect.slot);
  // QEMU's curl driver: a HEAD for the size (the server must answer Accept-Ranges), then a
  // ranged GET per read, as iDRAC's httpfs reads. The emulated BMC trusts any certificate
  // of an HTTPS image server (sslverify off): it rehearses the fetch, not the PKI.
  Json blockdev = {{"driver", scheme}, {"node-name", node}, {"url", url}, {"read-only", true}, {"timeout", 30}};
  if (scheme == "https") blockdev["sslverify"] = false;
  out.steps.push_back(step("blockdev-add", blockdev));
  Json holder_args = m_cd.holder;
  holder_args["id"] = holder;
  out.steps.push_back(step("device_add", holder_args));
  Json cd_args = m_cd.cd;
  cd_args["id"] = cd;
  cd_args["bus"] = holder + ".0";
  cd_args["drive"] = node;
  out.steps.push_back(step("device_add", cd_args));
  // A hot-plugged usb-bot stays detached until its SCSI devices are there; then the guest
  // sees it arrive, as when an iDRAC connects its virtual media.
  out.steps.push_back(step("qom-set", {{"path", holder}, {"property", "attached"}, {"value", true}}));
  QmpStep unplug = step("device_del", {{"id", holder}});
  unplug.wait_event = "DEVICE_DELETED";
  unplug.wait_device = holder;
  out.undo = {unplug, step("blockdev-del", {{"node-name", node}})};
  m_pending[effect.slot] = url;
  m_attached.erase(effect.slot);
  return out;
}

std::vector<QmpStep> MachineModel::eject_steps(const std::string& slot) const {
  if (!m_attached.count(slot)) return {};
  QmpStep unplug = step("device_del", {{"id", holder_id(slot)}});
  // USB unplugs at once (no guest handshake); the node is free once the device is gone.
  unplug.wait_event = "DEVICE_DELETED";
  unplug.wait_device = holder_id(slot);
  return {unplug, step("blockdev-del", {{"node-name", node_name(slot)}})};
}

Plan MachineModel::power_on(const bmc::Effect& effect) {
  Plan out;
  // The first slot with an image is the virtual CD the firmware boots.
  std::string cd;
  for (const auto& [slot, url] : m_attached) {
    (void)url;
    if (cd.empty()) cd = cd_id(slot);
  }
  const bool cd_boot = effect.boot_device == "Cd" && !cd.empty();
  // QEMU rebuilds the firmware's boot order (fw_cfg "bootorder") at every reset, from the
  // devices' bootindex: the CD is made first just for this reset, and put back out of the
  // order before the machine runs, so the next reset (the installer's reboot) boots the
  // usual order again. -boot strict=on keeps a device without bootindex from booting.
  if (cd_boot) {
    out.steps.push_back(step("qom-set", {{"path", cd}, {"property", "bootindex"}, {"value", 0}}));
  } else if (m_cd_boot_continuous && !cd.empty()) {
    out.steps.push_back(step("qom-set", {{"path", cd}, {"property", "bootindex"}, {"value", -1}}));
  }
  out.steps.push_back(step("system_reset"));
  const bool continuous = cd_boot && effect.boot_enabled == "Continuous";
  if (cd_boot && !continuous)
    out.steps.push_back(step("qom-set", {{"path", cd}, {"property", "bootindex"}, {"value", -1}}));
  m_cd_boot_continuous = continuous;
  out.steps.push_back(step("cont"));
  return out;
}

Report MachineModel::plan_done(const Plan& plan) {
  Report report;
  if (!plan.refused.empty()) {
    report.kind = Report::Kind::MediaFetchFailed;
    report.task = plan.task;
    report.reason = plan.refused;
    return report;
  }
  for (const auto& step : plan.steps) {
    if (step.command == "blockdev-del") {
      const std::string node = step.arguments.value("node-name", "");
      for (auto it = m_attached.begin(); it != m_attached.end(); ++it)
        if (node_name(it->first) == node) {
          m_attached.erase(it);
          break;
        }
    }
  }
  if (!plan.task.empty()) {
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
      m_attached[it->first] = it->second;
    }
    m_pending.clear();
    report.kind = Report::Kind::MediaFetched;
    report.task = plan.task;
  }
  return report;
}

Report MachineModel::plan_failed(const Plan& plan, std::size_t index, const std::string& error) {
  Report report;
  // Steps before `index` succeeded: an eject among them took its image away.
  Plan done;
  done.steps.assign(plan.steps.begin(), plan.steps.begin() + static_cast<std::ptrdiff_t>(index));
  plan_done(done);
  m_pending.clear();
  if (!plan.task.empty()) {
    report.kind = Report::Kind::MediaFetchFailed;
    report.task = plan.task;
    report.reason = error;
  }
  return report;
}

Report MachineModel::event(const Json& event) {
  Report report;
  if (!event.is_object() || !event.contains("event")) return report;
  // With -no-shutdown a guest's power off (the installer's halt, an ACPI shutdown it
  // obeyed) stops QEMU and says so; the BMC then reads PowerState Off.
  if (event.value("event", "") == "SHUTDOWN") {
    const Json data = event.value("data", Json::object());
    if (data.value("guest", false)) report.kind = Report::Kind::PoweredOff;
  }
  return report;
}

}  // namespace imgbuild::emulate
