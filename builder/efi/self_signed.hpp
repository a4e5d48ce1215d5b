// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A throw-away self-signed TLS certificate, as a BMC makes for itself on first boot: an
// emulated BMC (imgbuild emulate) presents one, and clients pin it by its fingerprint, as
// they must with a real iDRAC's. Made with OpenSSL, which this module owns.

#include <string>
#include <vector>

namespace imgbuild::efi {

struct SelfSignedCertificate {
  std::string cert_pem;
  std::string key_pem;          // not encrypted: handed to the local HTTPS server only
  std::string sha256_hex;       // SHA-256 of the DER certificate, lower-case hex, no colons
};

// An EC P-256 key and a certificate for it, CN `common_name`, valid for `days` from now,
// with the subjectAltNames `ip_addresses` (numeric, "127.0.0.1") and `dns_names`. Throws
// Error (exit 3) when OpenSSL fails.
SelfSignedCertificate make_self_signed_certificate(const std::string& common_name,
                                                   const std::vector<std::string>& ip_addresses,
                                                   const std::vector<std::string>& dns_names, int days);

}  // namespace imgbuild::efi
