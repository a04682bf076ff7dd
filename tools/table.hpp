// crix::tools::Table: rows of named columns, rendered for people (aligned text), or for machines as
// JSON (an array of objects) or CSV (RFC 4180). The `crix ledger` queries build one and print it, or
// stream long lists through a TableStream (one row at a time, without holding them).
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace crix::tools {

enum class TableFormat { kText, kJson, kCsv };

struct Cell {
  std::string text;
  bool number = false;  // JSON writes it bare; text right-aligns it
  bool null = false;    // no value (a cap where none applies): JSON null, empty in CSV and text
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  void add(std::vector<Cell> row) { rows.push_back(std::move(row)); }
};

Cell text(std::string s);
Cell number(long long v);
Cell number(unsigned long long v);
Cell none();

void render(const Table& table, TableFormat format, std::ostream& out);

// Several named tables: text prints each under its title, JSON an object of arrays, CSV each table
// after a line with its title and a blank line between them.
void render(const std::vector<std::pair<std::string, Table>>& sections, TableFormat format, std::ostream& out);

// One table written a row at a time: JSON and CSV go out as the rows come, so a list of any length
// takes constant memory; text keeps the rows until finish(), since it aligns columns over all of them.
// finish() is called once, after the last row (an empty table still prints its header or "[]").
class TableStream {
 public:
  TableStream(std::vector<std::string> columns, TableFormat format, std::ostream& out);
  void add(const std::vector<Cell>& row);
  void finish();
  std::size_t rows() const { return rows_; }

 private:
  Table text_;  // TableFormat::kText only
  TableFormat format_;
  std::ostream& out_;
  std::size_t rows_ = 0;
};

}  // namespace crix::tools
