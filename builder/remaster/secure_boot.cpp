// SPDX-License-Identifier: GPL-2.0-or-later
#include "remaster/secure_boot.hpp"

#include "efi/fat.hpp"
#include "iso/reader.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>

namespace imgbuild::remaster {

namespace {

// An EFI boot image is a few MB (Debian's: 8 MB at most); a kernel a few tens.
constexpr std::uint64_t k_max_efi_image_size = 64ull << 20;
constexpr std::uint64_t k_max_pe_size = 128ull << 20;

using util::lower;

bool ends_with_efi(const std::string& path) { return path.size() > 4 && lower(path.substr(path.size() - 4)) == ".efi"; }

// EFI programs on the ISO tree: under /EFI (any case) and imgbuild's own (/imgbuild).
bool chain_path_on_iso(const std::string& path) {
  std::string l = lower(path);
  return ends_with_efi(path) && (l.rfind("/efi/", 0) == 0 || l.rfind("/imgbuild/", 0) == 0);
}

ChainBinary examine(std::string kind, std::optional<std::string> image, std::string path, const std::string& bytes,
                    const std::string& where) {
  ChainBinary binary{std::move(kind), std::move(image), std::move(path), std::nullopt, ""};
  try {
    binary.pe = efi::read_pe_signatures(bytes, where);
  } catch (const Error& e) {
    binary.error = e.problem();
  }
  return binary;
}

bool is_fallback_loader(const std::string& fat_path) {
  std::string l = lower(fat_path);
  return l.rfind("/efi/boot/boot", 0) == 0 && ends_with_efi(l);
}

void read_efi_image(const iso::Reader& reader, SecureBootChain& chain) {
  const std::string& image = *chain.efi_image;
  const std::string where = reader.path() + ":" + image;
  try {
    auto bytes = reader.read_file(image, k_max_efi_image_size);
    if (!bytes) throw Error(where, "not a regular file on the ISO tree");
    efi::FatImage fat(std::move(*bytes), where);
    for (const auto& entry : fat.walk()) {
      if (entry.is_dir || !ends_with_efi(entry.path) || lower(entry.path).rfind("/efi/", 0) != 0) continue;
      ChainBinary binary;
      try {
        binary = examine("efi", image, entry.path, fat.read(entry, k_max_pe_size), where + ":" + entry.path);
      } catch (const Error& e) {
        binary = {"efi", image, entry.path, std::nullopt, e.problem()};
      }
      if (is_fallback_loader(entry.path) && binary.pe && binary.pe->is_signed()) chain.loader_signed = true;
      chain.binaries.push_back(std::move(binary));
    }
  } catch (const Error& e) {
    chain.efi_image_error = e.problem();
  }
}

std::string signer_line(const efi::Signature& s) {
  std::string out = s.signer.subject.empty() ? "a certificate the signature does not carry"
                                             : s.signer.subject + " (issuer " + s.signer.issuer + ")";
  if (s.digest_matches == std::optional<bool>(false)) out += ", DIGEST MISMATCH: the file changed after it was signed";
  if (!s.digest_matches) out += ", digest not checked (" + s.digest_algorithm + ")";
  return out;
}

}  // namespace

std::optional<std::string> efi_boot_image_path(const std::vector<std::string>& el_torito) {
  // libisoburn: "El Torito boot img :   2  UEFI  y   none ..." and "El Torito img path :   2  /boot/grub/efi.img"
  static const std::regex boot_img(R"(^El Torito boot img\s*:\s*(\d+)\s+UEFI\b)");
  static const std::regex img_path(R"(^El Torito img path\s*:\s*(\d+)\s+(/.*)$)");
  std::set<std::string> uefi;
  std::map<std::string, std::string> paths;
  for (const auto& line : el_torito) {
    std::smatch m;
    if (std::regex_search(line, m, boot_img)) uefi.insert(m[1].str());
    if (std::regex_search(line, m, img_path)) paths[m[1].str()] = m[2].str();
  }
  for (const auto& n : uefi)
    if (auto it = paths.find(n); it != paths.end()) return iso::normalise_iso_path(it->second);
  return std::nullopt;
}

SecureBootChain read_secure_boot_chain(const iso::Reader& reader, const std::vector<std::string>& el_torito,
                                       const std::vector<std::string>& kernels) {
  SecureBootChain chain;
  chain.efi_image = efi_boot_image_path(el_torito);
  if (chain.efi_image) read_efi_image(reader, chain);
  auto on_iso = [&reader, &chain](const std::string& kind, const std::string& path) {
    const std::string where = reader.path() + ":" + path;
    try {
      auto bytes = reader.read_file(path, k_max_pe_size);
      if (!bytes) return;
      chain.binaries.push_back(examine(kind, std::nullopt, path, *bytes, where));
    } catch (const Error& e) {
      chain.binaries.push_back({kind, std::nullopt, path, std::nullopt, e.problem()});
    }
  };
  for (const auto& entry : reader.entries())
    if (!entry.is_dir && !entry.is_symlink && chain_path_on_iso(entry.path)) on_iso("efi", entry.path);
  std::set<std::string> seen;
  for (const auto& kernel : kernels) {
    std::string path = iso::normalise_iso_path(kernel);
    if (seen.insert(path).second && reader.find(path)) on_iso("kernel", path);
  }
  return chain;
}

std::optional<bool> kernel_module_signed(const std::string& local_path) {
  static const std::string marker = "~Module signature appended~\n";
  if (local_path.size() < 3 || local_path.substr(local_path.size() - 3) != ".ko") return std::nullopt;
  std::ifstream in(local_path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  std::streamoff size = in.tellg();
  if (size < static_cast<std::streamoff>(marker.size())) return false;
  in.seekg(size - static_cast<std::streamoff>(marker.size()));
  std::string tail(marker.size(), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail == marker;
}

std::string chain_location(const ChainBinary& b) { return b.image ? *b.image + ":" + b.path : b.path; }

std::string format_chain_text(const SecureBootChain& chain) {
  std::string out = "secure boot:  ";
  if (!chain.efi_image)
    out += "no El Torito EFI image (the disc does not boot on UEFI from CD)\n";
  else if (!chain.efi_image_error.empty())
    out += *chain.efi_image + " cannot be read: " + chain.efi_image_error + "\n";
  else
    out += std::string(chain.loader_signed ? "UEFI loader signed" : "UEFI loader NOT signed") + " (EFI image " +
           *chain.efi_image + ")\n";
  for (const auto& b : chain.binaries) {
    out += "  " + chain_location(b) + (b.kind == "kernel" ? " (installer kernel)" : "") + ": ";
    if (!b.pe) {
      out += "unreadable: " + b.error + "\n";
    } else if (!b.pe->is_signed()) {
      out += "not signed\n";
    } else if (b.pe->signatures.size() == 1) {
      out += "signed by " + signer_line(b.pe->signatures[0]) + "\n";
    } else {
      out += std::to_string(b.pe->signatures.size()) + " signatures\n";
      for (const auto& s : b.pe->signatures) out += "    signed by " + signer_line(s) + "\n";
    }
  }
  return out;
}

util::Json chain_to_json(const SecureBootChain& chain) {
  auto certificate = [](const efi::Certificate& c) { return util::Json{{"subject", c.subject}, {"issuer", c.issuer}}; };
  util::Json binaries = util::Json::array();
  for (const auto& b : chain.binaries) {
    util::Json item{{"kind", b.kind}, {"image", b.image ? util::Json(*b.image) : util::Json()}, {"path", b.path}};
    item["machine"] = b.pe ? util::Json(b.pe->machine) : util::Json();
    item["signed"] = b.pe && b.pe->is_signed();
    util::Json signatures = util::Json::array();
    if (b.pe)
      for (const auto& s : b.pe->signatures) {
        util::Json certificates = util::Json::array();
        for (const auto& c : s.certificates) certificates.push_back(certificate(c));
        signatures.push_back({{"signer", s.signer.subject.empty() ? util::Json() : certificate(s.signer)},
                              {"signer_issuers", s.signer_issuers},
                              {"certificates", std::move(certificates)},
                              {"digest_algorithm", s.digest_algorithm},
                              {"digest_matches", s.digest_matches ? util::Json(*s.digest_matches) : util::Json()}});
      }
    item["signatures"] = std::move(signatures);
    item["error"] = b.pe ? util::Json() : util::Json(b.error);
    binaries.push_back(std::move(item));
  }
  return {{"efi_image", chain.efi_image ? util::Json(*chain.efi_image) : util::Json()},
          {"efi_image_error", chain.efi_image_error.empty() ? util::Json() : util::Json(chain.efi_image_error)},
          {"loader_signed", chain.loader_signed},
          {"efi_binaries", std::move(binaries)}};
}

}  // namespace imgbuild::remaster
