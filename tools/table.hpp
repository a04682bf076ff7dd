// crix::tools::Table: rows of named columns, rendered for people (aligned text), or for machines as
// JSON (an array of objects) or CSV (RFC 4180). The `crix ledger` queries build one and print it.
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
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  void add(std::vector<Cell> row) { rows.push_back(std::move(row)); }
};

Cell text(std::string s);
Cell number(long long v);
Cell number(unsigned long long v);

void render(const Table& table, TableFormat format, std::ostream& out);

// Several named tables: text prints each under its title, JSON an object of arrays, CSV each table
// after a line with its title and a blank line between them.
void render(const std::vector<std::pair<std::string, Table>>& sections, TableFormat format, std::ostream& out);

}  // namespace crix::tools
