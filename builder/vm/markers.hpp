// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The serial protocol between an image built by imgbuild and `imgbuild verify`: marker
// lines written to /dev/ttyS0 by the preseed and the first-boot hook. Pure code: it sees
// bytes, never a process, so it is tested from recorded serial logs.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::vm {

enum class MarkerKind {
  PreseedLoaded,      // IMGBUILD:preseed-loaded:<build id>
  InstallFinished,    // IMGBUILD:install-finished
  LateCommandFailed,  // IMGBUILD:late-command-failed:<rc>
  Firstboot,          // IMGBUILD:firstboot-<event>[:<detail>]
  // A fleet image (build --hosts) at netcfg: IMGBUILD:host:<hostname>:<matched-by>,
  // IMGBUILD:host-unknown:<what it saw> (stopped), IMGBUILD:host-unknown-dhcp:<what it saw>,
  // IMGBUILD:network:<hostname>:<iface>=<address> ... (netcfg done); any image with
  // log_host: IMGBUILD:hostname:<hostname> just before the late command's result, on the
  // installer's syslog only; event is the name.
  Fleet,
  // IMGBUILD:secureboot:<on|off|bios|unknown>: what the installer found, written by the
  // early_command just before preseed-loaded; detail is the state.
  SecureBoot,
  Unknown,            // IMGBUILD:<something this version does not know>
};

struct Marker {
  MarkerKind kind = MarkerKind::Unknown;
  std::string event;   // firstboot event (start, detach-ok, ...), or the unknown name
  std::string detail;  // build id, exit status, firstboot detail
  std::string text;    // the whole marker as cleaned, e.g. "IMGBUILD:install-finished"
};

// Removes ANSI/VT100 escape sequences (CSI, OSC, two-byte ESC x), control characters
// other than tab, and bytes outside printable ASCII: what GNU screen and the Linux console
// wrap around the text on the serial line.
std::string strip_terminal_codes(std::string_view text);

// Recognises one cleaned line. A marker may be preceded by other output on the same line
// (screen redraws, a prompt), but must end the line: a shell echoing the command
// `echo IMGBUILD:install-finished > /dev/ttyS0` is not the marker.
bool parse_marker_line(std::string_view cleaned_line, Marker& marker);

// Streaming parser: feed() it serial bytes as they arrive, in chunks of any size (a marker
// split across two reads is still found). Lines end at LF or CR.
class MarkerParser {
 public:
  // Returns the markers completed by this chunk.
  std::vector<Marker> feed(std::string_view bytes);
  // Ends the stream: a last line without newline (a login prompt) is parsed too.
  std::vector<Marker> finish();

 private:
  void take_line(std::vector<Marker>& out);
  std::string m_line;
};

// The last `count` non-empty lines of a serial log, terminal codes removed: what a user
// reads when a boot fails.
std::vector<std::string> last_lines(std::string_view log, std::size_t count);

}  // namespace imgbuild::vm
