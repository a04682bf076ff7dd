#include "tools/table.hpp"

#include <algorithm>

namespace crix::tools {

namespace {

// Display width of UTF-8 text: one column per code point, two for CJK (good enough for ids and names).
std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    w += len == 3 ? 2 : 1;
    i += len;
  }
  return w;
}

// Aligned columns; numbers right-aligned, the last column not padded.
void render_text(const ledger::Table& table, std::ostream& out) {
  const std::size_t n = table.columns.size();
  std::vector<std::size_t> widths(n);
  for (std::size_t c = 0; c < n; ++c) widths[c] = width(table.columns[c]);
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < n && c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c].text));
  }
  const auto line = [&](const ledger::Row& cells) {
    for (std::size_t c = 0; c < n; ++c) {
      const ledger::Cell cell = c < cells.size() ? cells[c] : ledger::Cell{};
      const std::string pad(widths[c] - width(cell.text), ' ');
      if (c != 0) out << "  ";
      out << (cell.number ? pad + cell.text : c + 1 == n ? cell.text : cell.text + pad);
    }
    out << "\n";
  };
  ledger::Row header;
  for (const std::string& name : table.columns) header.push_back(ledger::text_cell(name));
  line(header);
  for (const auto& row : table.rows) line(row);
  if (table.rows.empty()) out << "(none)\n";
}

}  // namespace

void render(const ledger::Table& table, TableFormat format, std::ostream& out) {
  if (format == TableFormat::kJson) out << ledger::json_table(table);
  if (format == TableFormat::kCsv) out << ledger::csv_table(table);
  if (format == TableFormat::kText) render_text(table, out);
}

void render(const ledger::Sections& sections, TableFormat format, std::ostream& out) {
  if (format == TableFormat::kJson) out << ledger::json_sections(sections);
  if (format == TableFormat::kCsv) out << ledger::csv_sections(sections);
  if (format != TableFormat::kText) return;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (i != 0) out << "\n";
    out << sections[i].first << ":\n";
    render_text(sections[i].second, out);
  }
}

TableStream::TableStream(std::vector<std::string> columns, TableFormat format, std::ostream& out)
    : format_(format), out_(out) {
  text_.columns = std::move(columns);
  if (format_ == TableFormat::kJson) out_ << "[";
  if (format_ == TableFormat::kCsv) out_ << ledger::csv_header(text_.columns);
}

// JSON as ledger::json_table writes it: "[", then "\n  {row}" joined by ",", then "\n]\n" ("]\n" if none).
void TableStream::add(const ledger::Row& row) {
  if (format_ == TableFormat::kJson) out_ << (rows_ == 0 ? "\n  " : ",\n  ") << ledger::json_object(text_.columns, row);
  if (format_ == TableFormat::kCsv) out_ << ledger::csv_row(row, text_.columns.size());
  if (format_ == TableFormat::kText) text_.add(row);
  ++rows_;
}

void TableStream::finish() {
  if (format_ == TableFormat::kJson) out_ << (rows_ == 0 ? "]\n" : "\n]\n");
  if (format_ == TableFormat::kText) render_text(text_, out_);
  out_.flush();
}

}  // namespace crix::tools
