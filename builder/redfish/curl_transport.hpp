// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Transport over libcurl: one fresh connection per request ("Connection: close", as sushy
// sends: BMCs such as iDRAC keep few connections and drop idle ones), TLS verified unless
// the caller explicitly asked for --insecure. The only file of imgbuild that includes
// <curl/curl.h>.
//
// Trust, one of:
//   system       the system's CA store and the host name, as curl(1) does;
//   ca_file      a CA (or the BMC's own certificate) in a PEM file, host name checked;
//   fingerprint  "SHA256:hex" of the BMC certificate's DER form: before any request is
//                sent, an anonymous TLS handshake fetches the certificate, its SHA-256 is
//                compared, and that very certificate becomes the only trust anchor of
//                every later connection (the host name is not checked: BMCs present
//                self-signed certificates for names nobody resolves). A different
//                certificate later fails the handshake before a byte of the request;
//   insecure     nothing checked; trust_note() says so and names the fingerprint seen.
// An untrusted certificate fails with its fingerprint in the message, ready to pin.

#include "redfish/transport.hpp"

#include <string>

namespace imgbuild::redfish {

struct Trust {
  enum class Mode { system, ca_file, fingerprint, insecure };
  Mode mode = Mode::system;
  std::string ca_file;      // Mode::ca_file
  std::string fingerprint;  // Mode::fingerprint: "SHA256:hex" (colons and case ignored)
};

struct CurlOptions {
  std::string base_url;  // "https://HOST[:PORT]"
  Trust trust;
  long connect_timeout_seconds = 15;
  long timeout_seconds = 120;  // a whole request; iDRAC answers InsertMedia in ~10 s
};

// "SHA256:" + 64 lower-case hex digits, from what a user typed ("sha256:AB:CD:..."); an
// Error naming --fingerprint when it is not that.
std::string normalize_fingerprint(const std::string& text);
// The fingerprint of a PEM certificate (the first one in `pem`).
std::string pem_fingerprint(const std::string& pem);
// The host of a URL as libcurl parses it ("https://192.0.2.7:443" -> "192.0.2.7",
// "https://[2001:db8::7]/" -> "2001:db8::7"); empty when it is no URL.
std::string url_host(const std::string& url);

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(CurlOptions options);
  Response send(const Request& request) override;
  std::string base_url() const override { return m_options.base_url; }
  // How the BMC's identity was (not) checked, for the log and the report.
  std::string trust_note() const;
  // The BMC's certificate (PEM, the leaf), from an anonymous handshake that sends nothing.
  std::string fetch_peer_certificate() const;

 private:
  void pin_once();

  CurlOptions m_options;
  std::string m_pinned_pem;  // Mode::fingerprint, after pin_once
  std::string m_seen_fingerprint;
};

}  // namespace imgbuild::redfish
