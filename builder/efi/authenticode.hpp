// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Authenticode signatures of PE/COFF files: EFI programs (shim, GRUB, memtest86+) and
// Linux kernels with their EFI stub. Under UEFI Secure Boot the firmware (or shim) runs
// a program only when one of these signatures chains to a key it trusts; this module says
// which signatures a file carries and who made them, and whether the digest they sign is
// the file's own. It does not decide trust (the machine's db and shim's MokList do).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::efi {

// A certificate as one line per name, in OpenSSL's X509_NAME_oneline form
// ("/C=US/O=Microsoft Corporation/CN=..."), the form sbverify --list prints.
struct Certificate {
  std::string subject;
  std::string issuer;
};

// One WIN_CERTIFICATE of type PKCS_SIGNED_DATA.
struct Signature {
  // The certificate that made the signature (the signer info's issuer and serial number
  // matched against the embedded certificates); empty when the signature does not carry it.
  Certificate signer;
  std::vector<std::string> signer_issuers;   // each signer info's issuer
  std::vector<Certificate> certificates;     // every certificate embedded, in order
  std::string digest_algorithm;              // of the signed PE hash: "sha256", "sha1"
  // Whether the PE hash in the signature is the file's own (false: the file changed after
  // it was signed); nullopt when the hash could not be computed (unknown algorithm, a
  // section table that points outside the file).
  std::optional<bool> digest_matches;
};

struct PeSignatures {
  std::string machine;                       // "x86_64", "i386", "aarch64", "arm", or "0x...."
  std::vector<Signature> signatures;         // empty: not signed
  bool is_signed() const { return !signatures.empty(); }
};

// Reads a PE/COFF file's certificate table and parses each signature with OpenSSL.
// Throws Error (naming `where`) when the bytes are not a PE file, or the table or a
// signature in it is malformed; never reads outside `bytes`.
PeSignatures read_pe_signatures(std::string_view bytes, const std::string& where);

// The same for a file on disk (read whole; EFI programs and kernels are a few MB).
PeSignatures read_pe_signatures_file(const std::string& path);

// The PE hash (Authenticode digest) of the file with the given OpenSSL digest name, as
// sbsigntool computes it; nullopt when the section table points outside the file.
std::optional<std::string> pe_hash(std::string_view bytes, const std::string& digest_name,
                                   const std::string& where);

}  // namespace imgbuild::efi
