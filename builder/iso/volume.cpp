// SPDX-License-Identifier: GPL-2.0-or-later
#include "iso/volume.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>

namespace imgbuild::iso {

namespace {

std::string trimmed_field(std::string_view sector, std::size_t offset, std::size_t length) {
  std::string value(sector.substr(offset, length));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\0')) value.pop_back();
  return value;
}

std::uint32_t little_endian_32(std::string_view bytes, std::size_t offset) {
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])); };
  return b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
}

bool all_digits(std::string_view text) {
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

std::optional<std::int64_t> parse_volume_date(std::string_view field) {
  if (field.size() < 17) return std::nullopt;
  std::string_view digits = field.substr(0, 16);
  if (!all_digits(digits)) return std::nullopt;
  if (digits.find_first_not_of('0') == std::string_view::npos) return std::nullopt;
  std::tm tm{};
  tm.tm_year = number(digits.substr(0, 4)) - 1900;
  tm.tm_mon = number(digits.substr(4, 2)) - 1;
  tm.tm_mday = number(digits.substr(6, 2));
  tm.tm_hour = number(digits.substr(8, 2));
  tm.tm_min = number(digits.substr(10, 2));
  tm.tm_sec = number(digits.substr(12, 2));
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  std::int64_t local = ::timegm(&tm);
  int offset_quarters = static_cast<signed char>(field[16]);
  if (offset_quarters < -48 || offset_quarters > 52) offset_quarters = 0;
  return local - static_cast<std::int64_t>(offset_quarters) * 15 * 60;
}

std::string format_volume_date(std::int64_t utc_seconds) {
  std::time_t t = static_cast<std::time_t>(utc_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d%H%M%S00", &tm);
  return buffer;
}

VolumeInfo parse_volume_descriptors(std::string_view data, const std::string& subject) {
  VolumeInfo info;
  bool have_primary = false;
  bool terminated = false;
  for (int index = 0; index < k_max_descriptors; ++index) {
    std::size_t offset = static_cast<std::size_t>(index) * k_sector_size;
    if (offset + k_sector_size > data.size()) break;
    std::string_view sector = data.substr(offset, k_sector_size);
    if (sector.substr(1, 5) != "CD001") {
      if (index == 0) break;
      throw Error(subject, "volume descriptor " + std::to_string(index + 16) +
                               " is damaged (no CD001 signature)", "download the image again");
    }
    auto type = static_cast<unsigned char>(sector[0]);
    if (type == 255) {
      terminated = true;
      break;
    }
    if (type == 0 && sector.substr(7, 23) == "EL TORITO SPECIFICATION") {
      info.has_el_torito = true;
      info.boot_catalog_sector = little_endian_32(sector, 71);
    } else if (type == 1 && !have_primary) {
      have_primary = true;
      info.system_id = trimmed_field(sector, 8, 32);
      info.volume_id = trimmed_field(sector, 40, 32);
      info.volume_sectors = little_endian_32(sector, 80);
      info.publisher_id = trimmed_field(sector, 318, 128);
      info.application_id = trimmed_field(sector, 574, 128);
      info.creation_time = parse_volume_date(sector.substr(813, 17));
    } else if (type == 2) {
      std::string_view escape = sector.substr(88, 3);
      if (escape == "%/@" || escape == "%/C" || escape == "%/E") info.has_joliet = true;
    }
  }
  if (!have_primary)
    throw Error(subject, "not an ISO 9660 image (no primary volume descriptor at sector 16)",
                "give the path of an installer .iso");
  if (!terminated)
    throw Error(subject, "the volume descriptor set has no terminator", "download the image again");
  if (info.has_el_torito && info.boot_catalog_sector == 0)
    throw Error(subject, "El Torito boot record points at sector 0", "the image is damaged");
  return info;
}

VolumeInfo read_volume_info(const std::string& path) {
  util::Fd fd = util::open_for_reading(path, "ISO image");
  struct stat st;
  ::fstat(fd.get(), &st);
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) throw Error(path, "ISO image is empty (0 bytes)", "download it again");
  if (size < (k_first_descriptor_sector + 2) * k_sector_size)
    throw Error(path, "not an ISO 9660 image (only " + std::to_string(size) + " bytes)",
                "give the path of an installer .iso");
  std::string data(std::min<std::uint64_t>(size - k_first_descriptor_sector * k_sector_size,
                                           k_max_descriptors * k_sector_size), '\0');
  ssize_t n = ::pread(fd.get(), data.data(), data.size(),
                      static_cast<off_t>(k_first_descriptor_sector * k_sector_size));
  if (n < 0) throw Error(path, std::string("cannot read: ") + std::strerror(errno));
  data.resize(static_cast<std::size_t>(n));
  VolumeInfo info = parse_volume_descriptors(data, path);
  std::uint64_t needed = info.volume_sectors * k_sector_size;
  if (needed > size)
    throw Error(path, "ISO image is truncated: the volume is " + std::to_string(needed) +
                          " bytes but the file has " + std::to_string(size),
                "the download was cut short: download it again");
  return info;
}

}  // namespace imgbuild::iso
