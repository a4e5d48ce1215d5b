// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// CSV as spreadsheets export it, read with libcsv (RFC 4180: quoted fields may hold commas,
// doubled quotes and line breaks; CRLF or LF line ends; a UTF-8 byte order mark is dropped).
// Only this file and csv.cpp include <csv.h>.

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::fleet {

struct CsvRecord {
  int line = 0;  // the physical line the record starts on (1-based)
  std::vector<std::string> fields;
};

// Splits `text` into records; blank lines are skipped. Throws imgbuild::Error naming
// "FILE:LINE" for malformed quoting (a quote inside an unquoted field, an unterminated
// quoted field) and for NUL bytes.
std::vector<CsvRecord> read_csv(std::string_view text, const std::string& file);

}  // namespace imgbuild::fleet
