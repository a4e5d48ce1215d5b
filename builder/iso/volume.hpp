// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::iso {

constexpr std::uint64_t k_sector_size = 2048;
constexpr std::uint64_t k_first_descriptor_sector = 16;
// Descriptors are read up to the terminator; real discs have 3 to 5. More than this means
// the image is damaged or hostile.
constexpr int k_max_descriptors = 64;

// What imgbuild needs from an ISO 9660 volume descriptor set (ECMA-119 8.x).
struct VolumeInfo {
  std::string volume_id;                 // PVD bytes 40..71, trailing blanks removed
  std::string system_id;
  std::string publisher_id;
  std::string application_id;
  std::optional<std::int64_t> creation_time;  // UTC seconds, from the PVD's creation date
  std::uint64_t volume_sectors = 0;      // volume space size, in 2048-byte sectors
  bool has_joliet = false;               // a supplementary descriptor with a UCS-2 escape
  bool has_el_torito = false;            // a boot record "EL TORITO SPECIFICATION"
  std::uint32_t boot_catalog_sector = 0;
};

// Parses the descriptor set. `descriptors` holds the bytes from sector 16 on (at least up
// to the terminator). Throws Error(subject, ...) when there is no primary descriptor or the
// set is malformed: "not an ISO 9660 image".
VolumeInfo parse_volume_descriptors(std::string_view descriptors, const std::string& subject);

// Reads the descriptor set of the ISO file at `path` and checks it against the file:
// a volume larger than the file is a truncated download.
VolumeInfo read_volume_info(const std::string& path);

// "YYYYMMDDHHMMSScc" + signed offset in 15-minute units (ECMA-119 8.4.26.1) to UTC
// seconds; nullopt for the "not specified" form (all '0' digits) or garbage.
std::optional<std::int64_t> parse_volume_date(std::string_view seventeen_bytes);

// The inverse, for xorriso's -volume_date: "YYYYMMDDhhmmsscc" in UTC.
std::string format_volume_date(std::int64_t utc_seconds);

}  // namespace imgbuild::iso
