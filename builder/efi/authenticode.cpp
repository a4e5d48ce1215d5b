// SPDX-License-Identifier: GPL-2.0-or-later
#include "efi/authenticode.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <openssl/asn1t.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <memory>

// Authenticode's SpcIndirectDataContent (the content a PE signature signs): the PE hash
// and its algorithm. OpenSSL decodes it from this template, as sbsigntool's idc.c does.
extern "C" {
typedef struct imgbuild_idc_type_value_st {
  ASN1_OBJECT* type;
  ASN1_TYPE* value;
} IMGBUILD_IDC_TYPE_VALUE;
typedef struct imgbuild_idc_digest_st {
  X509_ALGOR* alg;
  ASN1_OCTET_STRING* digest;
} IMGBUILD_IDC_DIGEST;
typedef struct imgbuild_idc_st {
  IMGBUILD_IDC_TYPE_VALUE* data;
  IMGBUILD_IDC_DIGEST* digest;
} IMGBUILD_IDC;
}

ASN1_SEQUENCE(IMGBUILD_IDC_TYPE_VALUE) = {
    ASN1_SIMPLE(IMGBUILD_IDC_TYPE_VALUE, type, ASN1_OBJECT),
    ASN1_OPT(IMGBUILD_IDC_TYPE_VALUE, value, ASN1_ANY),
} ASN1_SEQUENCE_END(IMGBUILD_IDC_TYPE_VALUE)

ASN1_SEQUENCE(IMGBUILD_IDC_DIGEST) = {
    ASN1_SIMPLE(IMGBUILD_IDC_DIGEST, alg, X509_ALGOR),
    ASN1_SIMPLE(IMGBUILD_IDC_DIGEST, digest, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(IMGBUILD_IDC_DIGEST)

ASN1_SEQUENCE(IMGBUILD_IDC) = {
    ASN1_SIMPLE(IMGBUILD_IDC, data, IMGBUILD_IDC_TYPE_VALUE),
    ASN1_SIMPLE(IMGBUILD_IDC, digest, IMGBUILD_IDC_DIGEST),
} ASN1_SEQUENCE_END(IMGBUILD_IDC)

namespace imgbuild::efi {

namespace {

constexpr std::uint16_t k_cert_type_pkcs_signed_data = 0x0002;
constexpr std::size_t k_security_directory = 4;
constexpr const char* k_spc_indirect_data = "1.3.6.1.4.1.311.2.1.4";
// Zero bytes sbsigntool hashes past a file whose last section ends beyond it (rounded
// to 8 bytes): a few bytes in practice; a hostile header must not make us allocate more.
constexpr std::uint64_t k_max_hash_padding = 1 << 20;

struct Pkcs7Free {
  void operator()(PKCS7* p) const { PKCS7_free(p); }
};
struct IdcFree {
  void operator()(IMGBUILD_IDC* p) const { ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(p), ASN1_ITEM_rptr(IMGBUILD_IDC)); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct OpensslFree {
  void operator()(char* p) const { OPENSSL_free(p); }
};

std::uint16_t u16(std::string_view b, std::uint64_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}
std::uint32_t u32(std::string_view b, std::uint64_t at) {
  return static_cast<std::uint32_t>(u16(b, at)) | static_cast<std::uint32_t>(u16(b, at + 2)) << 16;
}

// Where the fields the Authenticode hash skips are, and the section table.
struct PeLayout {
  std::uint16_t machine = 0;
  std::uint64_t checksum = 0;        // offset of the 4-byte CheckSum
  std::uint64_t security_entry = 0;  // offset of the 8-byte security data directory entry
  std::uint32_t cert_table = 0;      // file offset of the certificate table
  std::uint32_t cert_table_size = 0;
  std::uint32_t header_size = 0;     // SizeOfHeaders
  struct Section {
    std::uint32_t offset;
    std::uint32_t size;
  };
  std::vector<Section> sections;
};

PeLayout parse_pe(std::string_view b, const std::string& where) {
  auto fail = [&where](const std::string& problem) {
    return Error(where, "not a valid PE/COFF file: " + problem, "is it an EFI program or an EFI-stub kernel?");
  };
  if (b.size() < 64 || b[0] != 'M' || b[1] != 'Z') throw fail("no MZ header");
  std::uint64_t pe = u32(b, 0x3c);
  if (pe + 24 > b.size() || b.substr(pe, 4) != std::string_view("PE\0\0", 4)) throw fail("no PE signature");
  PeLayout l;
  l.machine = u16(b, pe + 4);
  std::uint16_t sections = u16(b, pe + 6);
  std::uint16_t optional_size = u16(b, pe + 20);
  std::uint64_t opt = pe + 24;
  if (opt + optional_size > b.size()) throw fail("optional header past the end of the file");
  if (optional_size < 2) throw fail("no optional header");
  std::uint16_t magic = u16(b, opt);
  std::uint64_t directories;
  if (magic == 0x10b)
    directories = 96;
  else if (magic == 0x20b)
    directories = 112;
  else
    throw fail("unknown optional header magic");
  if (directories + 8 * (k_security_directory + 1) > optional_size)
    throw fail("optional header too small for a security directory");
  l.checksum = opt + 64;
  l.header_size = u32(b, opt + 60);
  l.security_entry = opt + directories + 8 * k_security_directory;
  l.cert_table = u32(b, l.security_entry);
  l.cert_table_size = u32(b, l.security_entry + 4);
  std::uint64_t table = opt + optional_size;
  if (table + std::uint64_t{40} * sections > b.size()) throw fail("section table past the end of the file");
  for (std::uint16_t i = 0; i < sections; ++i)
    l.sections.push_back({u32(b, table + 40 * i + 20), u32(b, table + 40 * i + 16)});
  return l;
}

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case 0x8664: return "x86_64";
    case 0x14c: return "i386";
    case 0xaa64: return "aarch64";
    case 0x1c2:
    case 0x1c4: return "arm";
    case 0x5064: return "riscv64";
    default: {
      char text[8];
      std::snprintf(text, sizeof text, "0x%04x", machine);
      return text;
    }
  }
}

std::string name_line(const X509_NAME* name) {
  if (!name) return {};
  std::unique_ptr<char, OpensslFree> text(X509_NAME_oneline(name, nullptr, 0));
  return text ? std::string(text.get()) : std::string();
}

struct Region {
  std::uint64_t begin;
  std::uint64_t size;
};

// sbsigntool's image.c: the headers minus CheckSum and the security entry, the sections
// in file order, then what lies between them and the certificate table; the file is
// zero-padded to the 8-byte-aligned end of the last region when it is shorter.
std::optional<std::vector<Region>> hash_regions(const PeLayout& l, std::uint64_t& size) {
  const std::uint64_t file_size = size;
  for (int pass = 0; pass < 4; ++pass) {
    if (l.security_entry + 8 > l.header_size || l.checksum + 4 > l.security_entry) return std::nullopt;
    std::vector<Region> regions{{0, l.checksum},
                                {l.checksum + 4, l.security_entry - l.checksum - 4},
                                {l.security_entry + 8, l.header_size - l.security_entry - 8}};
    std::uint64_t bytes = l.header_size;
    for (const auto& s : l.sections) {
      if (s.size == 0) continue;
      regions.push_back({s.offset, s.size});
      bytes += s.size;
    }
    std::stable_sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) { return a.begin < b.begin; });
    if (bytes + l.cert_table_size < size) regions.push_back({bytes, size - bytes - l.cert_table_size});
    const Region& last = regions.back();
    std::uint64_t data_size = (last.begin + last.size + 7) & ~std::uint64_t{7};
    if (data_size <= size) {
      for (const auto& r : regions)
        if (r.begin + r.size > size) return std::nullopt;
      return regions;
    }
    if (data_size - file_size > k_max_hash_padding) return std::nullopt;
    size = data_size;
  }
  return std::nullopt;
}

std::optional<std::string> digest_regions(std::string_view bytes, const PeLayout& l, const EVP_MD* md) {
  std::uint64_t size = bytes.size();
  auto regions = hash_regions(l, size);
  if (!regions) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return std::nullopt;
  static const std::string zeros(4096, '\0');
  for (const auto& r : *regions) {
    std::uint64_t in_file = r.begin >= bytes.size() ? 0 : std::min<std::uint64_t>(r.size, bytes.size() - r.begin);
    if (in_file && EVP_DigestUpdate(ctx.get(), bytes.data() + r.begin, in_file) != 1) return std::nullopt;
    for (std::uint64_t pad = r.size - in_file; pad > 0;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(pad, zeros.size()));
      if (EVP_DigestUpdate(ctx.get(), zeros.data(), n) != 1) return std::nullopt;
      pad -= n;
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// The PE hash the signature signs, and its algorithm, from its SpcIndirectDataContent.
void read_signed_digest(PKCS7* p7, std::string_view file, const PeLayout& layout, Signature& out,
                        const std::string& where) {
  PKCS7* content = p7->d.sign->contents;
  char oid[80] = "";
  if (!content || !content->type || OBJ_obj2txt(oid, sizeof oid, content->type, 1) <= 0 ||
      std::string_view(oid) != k_spc_indirect_data)
    throw Error(where, "signature does not sign Authenticode content (SpcIndirectDataContent)");
  ASN1_TYPE* other = content->d.other;
  if (!other || other->type != V_ASN1_SEQUENCE || !other->value.sequence)
    throw Error(where, "signature's Authenticode content is not a sequence");
  const unsigned char* p = other->value.sequence->data;
  std::unique_ptr<IMGBUILD_IDC, IdcFree> idc(reinterpret_cast<IMGBUILD_IDC*>(
      ASN1_item_d2i(nullptr, &p, other->value.sequence->length, ASN1_ITEM_rptr(IMGBUILD_IDC))));
  if (!idc || !idc->digest || !idc->digest->alg || !idc->digest->digest)
    throw Error(where, "signature's Authenticode content does not decode");
  const EVP_MD* md = EVP_get_digestbyobj(idc->digest->alg->algorithm);
  if (!md) {
    char name[80] = "";
    OBJ_obj2txt(name, sizeof name, idc->digest->alg->algorithm, 0);
    out.digest_algorithm = name;
    return;
  }
  out.digest_algorithm = OBJ_nid2sn(EVP_MD_type(md));
  std::transform(out.digest_algorithm.begin(), out.digest_algorithm.end(), out.digest_algorithm.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto computed = digest_regions(file, layout, md);
  if (!computed) return;
  const ASN1_OCTET_STRING* signed_digest = idc->digest->digest;
  out.digest_matches = computed->size() == static_cast<std::size_t>(signed_digest->length) &&
                       std::equal(computed->begin(), computed->end(), signed_digest->data,
                                  [](char a, unsigned char b) { return static_cast<unsigned char>(a) == b; });
}

Signature read_signature(std::string_view der, std::string_view file, const PeLayout& layout,
                         const std::string& where) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw Error(where, "signature too large");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS7, Pkcs7Free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!p7) throw Error(where, "signature is not a PKCS#7 structure");
  if (!PKCS7_type_is_signed(p7.get()) || !p7->d.sign) throw Error(where, "signature is not PKCS#7 signed data");
  Signature out;
  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
    X509* cert = sk_X509_value(certs, i);
    out.certificates.push_back({name_line(X509_get_subject_name(cert)), name_line(X509_get_issuer_name(cert))});
  }
  STACK_OF(PKCS7_SIGNER_INFO)* infos = PKCS7_get_signer_info(p7.get());
  if (!infos || sk_PKCS7_SIGNER_INFO_num(infos) == 0) throw Error(where, "signature has no signer");
  for (int i = 0; i < sk_PKCS7_SIGNER_INFO_num(infos); ++i) {
    PKCS7_SIGNER_INFO* info = sk_PKCS7_SIGNER_INFO_value(infos, i);
    if (!info || !info->issuer_and_serial) continue;
    out.signer_issuers.push_back(name_line(info->issuer_and_serial->issuer));
    if (!out.signer.subject.empty() || !certs) continue;
    if (X509* cert = X509_find_by_issuer_and_serial(certs, info->issuer_and_serial->issuer,
                                                    info->issuer_and_serial->serial))
      out.signer = {name_line(X509_get_subject_name(cert)), name_line(X509_get_issuer_name(cert))};
  }
  read_signed_digest(p7.get(), file, layout, out, where);
  return out;
}

}  // namespace

PeSignatures read_pe_signatures(std::string_view bytes, const std::string& where) {
  const PeLayout layout = parse_pe(bytes, where);
  PeSignatures out;
  out.machine = machine_name(layout.machine);
  if (layout.cert_table == 0 || layout.cert_table_size == 0) return out;
  if (std::uint64_t{layout.cert_table} + layout.cert_table_size > bytes.size())
    throw Error(where, "certificate table past the end of the file (truncated?)");
  std::string_view table = bytes.substr(layout.cert_table, layout.cert_table_size);
  for (std::uint64_t at = 0; at + 8 <= table.size();) {
    std::uint32_t length = u32(table, at);
    std::uint16_t type = u16(table, at + 6);
    if (length < 8 || length > table.size() - at)
      throw Error(where, "certificate table entry at offset " + std::to_string(layout.cert_table + at) +
                             " has a bad length");
    if (type == k_cert_type_pkcs_signed_data)
      out.signatures.push_back(read_signature(table.substr(at + 8, length - 8), bytes, layout,
                                              where + ": signature " + std::to_string(out.signatures.size() + 1)));
    at += (std::uint64_t{length} + 7) & ~std::uint64_t{7};
  }
  return out;
}

PeSignatures read_pe_signatures_file(const std::string& path) {
  constexpr std::uint64_t k_max_pe_size = 256ull << 20;
  std::string bytes = util::read_small_file(path, k_max_pe_size, "PE file");
  return read_pe_signatures(bytes, path);
}

std::optional<std::string> pe_hash(std::string_view bytes, const std::string& digest_name, const std::string& where) {
  const PeLayout layout = parse_pe(bytes, where);
  const EVP_MD* md = EVP_get_digestbyname(digest_name.c_str());
  if (!md) throw Error(digest_name, "unknown digest");
  return digest_regions(bytes, layout, md);
}

}  // namespace imgbuild::efi
