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
  if (name == "idrac8") return DracKind::Idrac8;
  if (name == "idrac9") return DracKind::Idrac9;
  return std::nullopt;
}

std::string_view drac_kind_name(DracKind kind) {
  switch (kind) {
    case DracKind::None: return "none";
    case DracKind::Drac5: return "drac5";
    case DracKind::Idrac6: return "idrac6";
    case DracKind::Idrac7: return "idrac7";
    case DracKind::Idrac8: return "idrac8";
    case DracKind::Idrac9: return "idrac9";
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

// remoteimage (iDRAC6 on): -d disconnects the remote file share and so the virtual media;
// iDRAC9 also reports the share (-s) and connects one (-c -l URL).
RacadmAnswer EmulatedDrac::remoteimage(const std::string& args) {
  RacadmAnswer answer;
  if (args == "remoteimage -d") {
    answer = set_attached(false, "racadm " + args);
    m_remote_image.clear();
    answer.output = "Disable Remote File Started. Please check status using -s option to know Remote File "
                    "Share is ENABLED or DISABLED.\n";
  } else if (m_kind == DracKind::Idrac9 && args == "remoteimage -s") {
    answer.output = m_remote_image.empty() ? "Remote File Share is Disabled\nUserName \nPassword \nShareName \n"
                                           : "Remote File Share is Enabled\nUserName \nPassword \nShareName " +
                                                 m_remote_image + "\n";
  } else if (m_kind == DracKind::Idrac9 && args.starts_with("remoteimage -c -l ") && args.size() > 18) {
    m_remote_image = args.substr(18);
    answer = set_attached(true, "racadm remoteimage -c");
    answer.output = "Remote Image is now Configured\n";
  } else {
    answer.status = 1;
    answer.output = "ERROR: Invalid syntax\n";
  }
  return answer;
}

RacadmAnswer EmulatedDrac::racadm(std::string_view arguments) {
  const std::string args(arguments);
  RacadmAnswer answer;
  if (args == "getsysinfo") {
    std::string rac_type = m_kind == DracKind::Drac5    ? "DRAC 5"
                           : m_kind == DracKind::Idrac6 ? "iDRAC6"
                           : m_kind == DracKind::Idrac7 ? "iDRAC7"
                           : m_kind == DracKind::Idrac8 ? "iDRAC8"
                                                        : "iDRAC9";
    std::string firmware = m_kind == DracKind::Drac5    ? "1.45 (09.01.16)"
                           : m_kind == DracKind::Idrac6 ? "1.98"
                           : m_kind == DracKind::Idrac7 ? "2.65.65.65"
                           : m_kind == DracKind::Idrac8 ? "2.83.83.83"
                                                        : "7.00.00.181";
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
  } else if (attribute_dialect() && args == "set iDRAC.VirtualMedia.Attached Detached") {
    answer = set_attached(false, "racadm " + args);
    m_auto_attach = false;
  } else if (attribute_dialect() && args == "set iDRAC.VirtualMedia.Attached Attached") {
    answer = set_attached(true, "racadm " + args);
    m_auto_attach = false;
  } else if (m_kind == DracKind::Idrac9 && args == "set iDRAC.VirtualMedia.Attached AutoAttach") {
    // iDRAC9's third value: media present while something is mapped (the image is).
    answer = set_attached(true, "racadm " + args);
    m_auto_attach = true;
  } else if (attribute_dialect() && args == "get iDRAC.VirtualMedia.Attached") {
    answer.output = "[Key=iDRAC.Embedded.1#VirtualMedia.1]\nAttached=" +
                    (m_auto_attach && m_attached ? std::string("AutoAttach") : attached_word(m_attached)) + "\n";
  } else if (has_remoteimage() && args.starts_with("remoteimage ")) {
    answer = remoteimage(args);
    if (answer.status != 0) return refuse(args, std::move(answer));
  } else {
    // What that generation's racadm says to a command it does not have. iDRAC9's racadm
    // no longer has the legacy config/getconfig subcommands.
    answer.status = 1;
    std::string first = args.substr(0, args.find(' '));
    bool legacy = first == "config" || first == "getconfig";
    bool known_subcommand = first == "getsysinfo" || (legacy && m_kind != DracKind::Idrac9) ||
                            (attribute_dialect() && (first == "set" || first == "get")) ||
                            (has_remoteimage() && first == "remoteimage");
    answer.output = known_subcommand ? "ERROR: Invalid object name specified\n" : "ERROR: Invalid subcommand specified.\n";
    return refuse(args, std::move(answer));
  }
  m_events.push_back("racadm " + args + ": status " + std::to_string(answer.status));
  return answer;
}

RacadmAnswer EmulatedDrac::refuse(const std::string& args, RacadmAnswer answer) {
  m_events.push_back("refused racadm " + args + " (" + std::string(drac_kind_name(m_kind)) + ": " +
                     answer.output.substr(0, answer.output.size() - 1) + ")");
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
