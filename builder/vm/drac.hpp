// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The emulated remote-access controller of a machine profile (drac = drac5 | idrac6 |
// idrac7 | idrac8 | idrac9): it owns the virtual CD and floppy, attached at power-on as a DRAC5 in its
// "Attached" mode keeps them, and answers local racadm the way that generation does.
// Pure: fed racadm command lines (from the guest's channel, see DracChannel), it answers
// and says when the machine must lose its virtual media; the runner carries that out.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::vm {

enum class DracKind { None, Drac5, Idrac6, Idrac7, Idrac8, Idrac9 };

// "none", "drac5", "idrac6", "idrac7", "idrac8", "idrac9"; nullopt for anything else.
std::optional<DracKind> parse_drac_kind(std::string_view name);
std::string_view drac_kind_name(DracKind kind);

struct RacadmAnswer {
  int status = 0;      // racadm's exit status
  std::string output;  // what it prints, lines ending in '\n'
};

class EmulatedDrac {
 public:
  EmulatedDrac(DracKind kind, std::string system_model);

  // One racadm call, its arguments joined by single spaces ("getsysinfo",
  // "config -g cfgRacVirtual -o cfgVirMediaAttached 0"). Anything this generation does not
  // know fails as it would there (status 1 or 2 with racadm's own wording).
  RacadmAnswer racadm(std::string_view arguments);

  bool media_attached() const { return m_attached; }
  // True once per change of the attachment state that the machine has not carried out.
  bool take_media_change();
  // What the controller saw and did, one line per event, for the report.
  const std::vector<std::string>& events() const { return m_events; }
  DracKind kind() const { return m_kind; }

 private:
  RacadmAnswer set_attached(bool attached, std::string_view how);
  bool legacy_group() const { return m_kind == DracKind::Drac5 || m_kind == DracKind::Idrac6; }
  // iDRAC7 and later: the attribute dialect (set/get iDRAC.VirtualMedia.*).
  bool attribute_dialect() const { return m_kind == DracKind::Idrac7 || m_kind == DracKind::Idrac8 || m_kind == DracKind::Idrac9; }
  bool has_remoteimage() const { return m_kind != DracKind::Drac5 && m_kind != DracKind::None; }
  RacadmAnswer remoteimage(const std::string& args);
  RacadmAnswer refuse(const std::string& args, RacadmAnswer answer);

  DracKind m_kind;
  std::string m_model;
  bool m_attached = true;
  bool m_auto_attach = false;  // iDRAC9: Attached=AutoAttach
  std::string m_remote_image;  // iDRAC9: the image `remoteimage -c` connected ("" = none)
  bool m_change_pending = false;
  std::vector<std::string> m_events;
};

// The guest side of the channel is a stand-in racadm (tests/delivery/guest/racadm) that
// writes one request line and reads the answer back:
//   guest -> host   IMGBUILD-RACADM <arguments>\n
//   host  -> guest  <output lines>\nIMGBUILD-RACADM-STATUS <status>\n
// Bytes that are not a request (a getty's or the kernel's chatter on the port) are skipped.
class DracChannel {
 public:
  // New bytes from the guest; returns the complete requests (their arguments) they finish.
  std::vector<std::string> feed(std::string_view bytes);
  static std::string reply(const RacadmAnswer& answer);

 private:
  std::string m_line;
};

}  // namespace imgbuild::vm
