#include "tools/table.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace crix::tools {

Cell text(std::string s) { return Cell{std::move(s), false}; }
Cell number(long long v) { return Cell{std::to_string(v), true}; }
Cell number(unsigned long long v) { return Cell{std::to_string(v), true}; }
Cell none() { return Cell{"", false, true}; }

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;  // UTF-8 passes through
        }
    }
  }
  return out + "\"";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

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

void json_row(const std::vector<std::string>& columns, const std::vector<Cell>& row, bool first, std::ostream& out) {
  out << (first ? "\n  {" : ",\n  {");
  for (std::size_t c = 0; c < columns.size() && c < row.size(); ++c) {
    const Cell& cell = row[c];
    out << (c == 0 ? "" : ", ") << json_string(columns[c]) << ": "
        << (cell.null ? "null" : cell.number ? cell.text : json_string(cell.text));
  }
  out << "}";
}

void csv_row(const std::vector<Cell>& row, std::size_t n, std::ostream& out) {
  for (std::size_t c = 0; c < n && c < row.size(); ++c) out << (c == 0 ? "" : ",") << csv_field(row[c].text);
  out << "\r\n";
}

void csv_header(const std::vector<std::string>& columns, std::ostream& out) {
  for (std::size_t c = 0; c < columns.size(); ++c) out << (c == 0 ? "" : ",") << csv_field(columns[c]);
  out << "\r\n";
}

}  // namespace

void render(const Table& table, TableFormat format, std::ostream& out) {
  const std::size_t n = table.columns.size();
  if (format == TableFormat::kJson) {
    out << "[";
    for (std::size_t r = 0; r < table.rows.size(); ++r) json_row(table.columns, table.rows[r], r == 0, out);
    out << (table.rows.empty() ? "]\n" : "\n]\n");
    return;
  }
  if (format == TableFormat::kCsv) {
    csv_header(table.columns, out);
    for (const auto& row : table.rows) csv_row(row, n, out);
    return;
  }
  std::vector<std::size_t> widths(n);
  for (std::size_t c = 0; c < n; ++c) widths[c] = width(table.columns[c]);
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < n && c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c].text));
  }
  const auto line = [&](const std::vector<Cell>& cells) {
    for (std::size_t c = 0; c < n; ++c) {
      const Cell cell = c < cells.size() ? cells[c] : Cell{};
      const std::string pad(widths[c] - width(cell.text), ' ');
      if (c != 0) out << "  ";
      out << (cell.number ? pad + cell.text : c + 1 == n ? cell.text : cell.text + pad);
    }
    out << "\n";
  };
  std::vector<Cell> header;
  for (const std::string& name : table.columns) header.push_back(text(name));
  line(header);
  for (const auto& row : table.rows) line(row);
  if (table.rows.empty()) out << "(none)\n";
}

void render(const std::vector<std::pair<std::string, Table>>& sections, TableFormat format, std::ostream& out) {
  if (format == TableFormat::kJson) {
    out << "{";
    for (std::size_t i = 0; i < sections.size(); ++i) {
      std::ostringstream array;
      render(sections[i].second, format, array);
      std::string text = array.str();
      text.pop_back();  // render's final newline
      out << (i == 0 ? "\n" : ",\n") << json_string(sections[i].first) << ": " << text;
    }
    out << "\n}\n";
    return;
  }
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (i != 0) out << (format == TableFormat::kCsv ? "\r\n" : "\n");
    out << sections[i].first << (format == TableFormat::kCsv ? "\r\n" : ":\n");
    render(sections[i].second, format, out);
  }
}

TableStream::TableStream(std::vector<std::string> columns, TableFormat format, std::ostream& out)
    : format_(format), out_(out) {
  text_.columns = std::move(columns);
  if (format_ == TableFormat::kJson) out_ << "[";
  if (format_ == TableFormat::kCsv) csv_header(text_.columns, out_);
}

void TableStream::add(const std::vector<Cell>& row) {
  if (format_ == TableFormat::kJson) json_row(text_.columns, row, rows_ == 0, out_);
  if (format_ == TableFormat::kCsv) csv_row(row, text_.columns.size(), out_);
  if (format_ == TableFormat::kText) text_.add(row);
  ++rows_;
}

void TableStream::finish() {
  if (format_ == TableFormat::kJson) out_ << (rows_ == 0 ? "]\n" : "\n]\n");
  if (format_ == TableFormat::kText) render(text_, format_, out_);
  out_.flush();
}

}  // namespace crix::tools
