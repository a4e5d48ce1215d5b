// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet/csv.hpp"

#include "util/error.hpp"

#include <csv.h>

#include <cstring>

namespace imgbuild::fleet {

namespace {

// Owns a libcsv parser (its buffers are freed by csv_free).
class CsvParser {
 public:
  CsvParser() {
    if (csv_init(&m_parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
      throw Error("libcsv", "cannot initialise the CSV parser", "out of memory?", 3);
  }
  ~CsvParser() { csv_free(&m_parser); }
  CsvParser(const CsvParser&) = delete;
  CsvParser& operator=(const CsvParser&) = delete;
  csv_parser* get() { return &m_parser; }

 private:
  csv_parser m_parser{};
};

struct Collector {
  std::vector<CsvRecord> records;
  CsvRecord current;
  bool in_record = false;
  // A record has begun in the text fed to libcsv, though its first field may not have
  // ended yet (a quoted field holding line breaks): its start line is then fixed.
  bool begun = false;
  int line = 1;          // line of the byte being fed
  int record_line = 1;   // where the current record started

  void start_if_needed() {
    if (!in_record) {
      current = CsvRecord{record_line, {}};
      in_record = true;
    }
  }
};

void on_field(void* data, std::size_t size, void* user) {
  auto& c = *static_cast<Collector*>(user);
  c.start_if_needed();
  c.current.fields.emplace_back(static_cast<const char*>(data), size);
}

void on_record_end(int, void* user) {
  auto& c = *static_cast<Collector*>(user);
  c.start_if_needed();
  c.records.push_back(std::move(c.current));
  c.in_record = false;
  c.begun = false;
}

}  // namespace

std::vector<CsvRecord> read_csv(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    int line = 1;
    for (std::size_t i = 0; i < nul; ++i) line += text[i] == '\n';
    throw Error(file + ":" + std::to_string(line), "NUL byte in a CSV file",
                "export the sheet as CSV text (UTF-8)");
  }
  CsvParser parser;
  Collector collector;
  // Fed one physical line at a time, so that the line number is known when a record
  // starts and when libcsv reports an error. A record starts on the line after the one
  // that ended the previous record (blank lines, which libcsv skips, are accounted for by
  // taking the line of the first byte that is not a line end), and is fixed from there on,
  // even while its first field, quoted and holding line breaks, has not ended yet.
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view chunk = text.substr(pos, next - pos);
    if (!collector.begun) {
      std::string_view trimmed = chunk;
      while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.remove_suffix(1);
      if (!trimmed.empty()) {
        collector.record_line = collector.line;
        collector.begun = true;
      }
    }
    if (csv_parse(parser.get(), chunk.data(), chunk.size(), on_field, on_record_end, &collector) != chunk.size())
      throw Error(file + ":" + std::to_string(collector.line),
                  std::string("malformed CSV: ") + csv_strerror(csv_error(parser.get())),
                  "a field holding a quote must be quoted as a whole, with the quote doubled (\"a \"\"b\"\" c\")");
    ++collector.line;
    pos = next;
  }
  if (csv_fini(parser.get(), on_field, on_record_end, &collector) != 0)
    throw Error(file + ":" + std::to_string(collector.record_line),
                "malformed CSV: a quoted field is never closed", "close the quote that starts on this line");
  return std::move(collector.records);
}

}  // namespace imgbuild::fleet
