#include "tools/table.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace crix::tools {

Cell text(std::string s) { return Cell{std::move(s), false}; }
Cell number(long long v) { return Cell{std::to_string(v), true}; }
Cell number(unsigned long long v) { return Cell{std::to_string(v), true}; }

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

}  // namespace

void render(const Table& table, TableFormat format, std::ostream& out) {
  const std::size_t n = table.columns.size();
  if (format == TableFormat::kJson) {
    out << "[";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      out << (r == 0 ? "\n  {" : ",\n  {");
      for (std::size_t c = 0; c < n && c < table.rows[r].size(); ++c) {
        const Cell& cell = table.rows[r][c];
        out << (c == 0 ? "" : ", ") << json_string(table.columns[c]) << ": "
            << (cell.number ? cell.text : json_string(cell.text));
      }
      out << "}";
    }
    out << (table.rows.empty() ? "]\n" : "\n]\n");
    return;
  }
  if (format == TableFormat::kCsv) {
    for (std::size_t c = 0; c < n; ++c) out << (c == 0 ? "" : ",") << csv_field(table.columns[c]);
    out << "\r\n";
    for (const auto& row : table.rows) {
      for (std::size_t c = 0; c < n && c < row.size(); ++c) out << (c == 0 ? "" : ",") << csv_field(row[c].text);
      out << "\r\n";
    }
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

}  // namespace crix::tools
