// SPDX-License-Identifier: GPL-2.0-or-later
#include "vm/drac.hpp"

namespace imgbuild::vm {

namespace {

constexpr std::string_view k_request = "IMGBUILD-RACADM ";
constexpr std::size_t k_max_line = 4096;

std::string attached_word(bool attached) { return attached ? "Attached" : "Detached"; }

}  // namespace

std::optional<DracKind> parse_drac_kind(std::string_view name) {
  if (name == "none") return DracKind::None;
  if (name == "drac5") return DracKind::Drac5;
  if (name == "idrac6") return DracKind::Idrac6;
  if (name == "idrac7") return DracKind::Idrac7;
  return std::nullopt;
}

std::string_view drac_kind_name(DracKind kind) {
  switch (kind) {
    case DracKind::None: return "none";
    case DracKind::Drac5: return "drac5";
    case DracKind::Idrac6: return "idrac6";
    case DracKind::Idrac7: return "idrac7";
  }
  return "none";
}

EmulatedDrac::EmulatedDrac(DracKind kind, std::string system_model)
    : m_kind(kind), m_model(std::move(system_model)) {}

bool EmulatedDrac::take_media_change() {
  bool pending = m_change_pending;
  m_change_pending = false;
  return pending;
}

RacadmAnswer EmulatedDrac::set_attached(bool attached, std::string_view how) {
  if (attached != m_attached) {
    m_attached = attached;
    m_change_pending = true;
    m_events.push_back(std::string(attached ? "virtual media attached" : "virtual media detached") + " (" +
                       std::string(how) + ")");
  } else {
    m_events.push_back("virtual media already " + attached_word(attached) + " (" + std::string(how) + ")");
  }
  return {0, "Object value modified successfully\n"};
}

RacadmAnswer EmulatedDrac::racadm(std::string_view arguments) {
  const std::string args(arguments);
  RacadmAnswer answer;
  if (args == "getsysinfo") {
    std::string rac_type = m_kind == DracKind::Drac5    ? "DRAC 5"
                           : m_kind == DracKind::Idrac6 ? "iDRAC6"
                                                        : "iDRAC7";
    std::string firmware = m_kind == DracKind::Drac5 ? "1.45 (09.01.16)" : m_kind == DracKind::Idrac6 ? "1.98" : "2.65.65.65";
    answer.output = "RAC Information:\nRAC Date/Time           = Wed Dec  2 00:00:00 2026\nFirmware Version        = " +
                    firmware + "\nCurrent IP Address      = 192.168.0.120\n\nSystem Information:\nSystem Model            = " +
                    m_model + "\nRAC Type                = " + rac_type + "\n";
  } else if (legacy_group() && args == "config -g cfgRacVirtual -o cfgVirMediaAttached 0") {
    answer = set_attached(false, "racadm " + args);
  } else if (legacy_group() && args == "config -g cfgRacVirtual -o cfgVirMediaAttached 1") {
    answer = set_attached(true, "racadm " + args);
  } else if (legacy_group() && args == "getconfig -g cfgRacVirtual -o cfgVirMediaAttached") {
    answer.output = std::string(m_attached ? "1" : "0") + "\n";
  } else if (legacy_group() && args == "getconfig -g cfgRacVirtual") {
    answer.output = std::string("cfgVirMediaAttached=") + (m_attached ? "1" : "0") +
                    "\ncfgVirAtapiSrvPort=3668\ncfgVirMediaBootOnce=0\ncfgFloppyEmulation=0\n";
  } else if (m_kind == DracKind::Idrac7 && args == "set iDRAC.VirtualMedia.Attached Detached") {
    answer = set_attached(false, "racadm " + args);
  } else if (m_kind == DracKind::Idrac7 && args == "set iDRAC.VirtualMedia.Attached Attached") {
    answer = set_attached(true, "racadm " + args);
  } else if (m_kind == DracKind::Idrac7 && args == "get iDRAC.VirtualMedia.Attached") {
    answer.output = "[Key=iDRAC.Embedded.1#VirtualMedia.1]\nAttached=" + attached_word(m_attached) + "\n";
  } else if ((m_kind == DracKind::Idrac7 || m_kind == DracKind::Idrac6) && args == "remoteimage -d") {
    answer = set_attached(false, "racadm " + args);
    answer.output = "Disable Remote File Started. Please check status using -s option to know Remote File "
                    "Share is ENABLED or DISABLED.\n";
  } else {
    // What that generation's racadm says to a command it does not have.
    answer.status = 1;
    std::string first = args.substr(0, args.find(' '));
    bool known_subcommand = first == "getsysinfo" || first == "config" || first == "getconfig" ||
                            (m_kind == DracKind::Idrac7 && (first == "set" || first == "get")) ||
                            (m_kind != DracKind::Drac5 && first == "remoteimage");
    answer.output = known_subcommand ? "ERROR: Invalid object name specified\n" : "ERROR: Invalid subcommand specified.\n";
    m_events.push_back("refused racadm " + args + " (" + std::string(drac_kind_name(m_kind)) + ": " +
                       answer.output.substr(0, answer.output.size() - 1) + ")");
    return answer;
  }
  m_events.push_back("racadm " + args + ": status " + std::to_string(answer.status));
  return answer;
}

std::vector<std::string> DracChannel::feed(std::string_view bytes) {
  std::vector<std::string> requests;
  for (char c : bytes) {
    if (c == '\n' || c == '\r') {
      if (auto at = m_line.find(k_request); at != std::string::npos) {
        std::string args = m_line.substr(at + k_request.size());
        while (!args.empty() && args.back() == ' ') args.pop_back();
        requests.push_back(args);
      }
      m_line.clear();
    } else if (m_line.size() < k_max_line) {
      m_line.push_back(c);
    }
  }
  return requests;
}

std::string DracChannel::reply(const RacadmAnswer& answer) {
  return answer.output + "IMGBUILD-RACADM-STATUS " + std::to_string(answer.status) + "\n";
}

}  // namespace imgbuild::vm
