// crix::tools table output of `crix ledger`: the rows of ledger/json.hpp rendered for people (aligned
// text), or for machines through ledger/json's JSON and CSV, so that `crix ledger ... --json / --csv`
// print the very text of the console's /api/v1/ledger/... answers. The queries build a table and print it,
// or stream long lists through a TableStream (one row at a time, without holding them).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "ledger/json.hpp"

namespace crix::tools {

enum class TableFormat { kText, kJson, kCsv };

void render(const ledger::Table& table, TableFormat format, std::ostream& out);

// Several named tables: text prints each under its title, JSON an object of arrays, CSV each table
// after a line with its title and a blank line between them.
void render(const ledger::Sections& sections, TableFormat format, std::ostream& out);

// One table written a row at a time: JSON and CSV go out as the rows come, so a list of any length
// takes constant memory; text keeps the rows until finish(), since it aligns columns over all of them.
// finish() is called once, after the last row (an empty table still prints its header or "[]").
class TableStream {
 public:
  TableStream(std::vector<std::string> columns, TableFormat format, std::ostream& out);
  void add(const ledger::Row& row);
  void finish();
  std::size_t rows() const { return rows_; }

 private:
  ledger::Table text_;  // TableFormat::kText only
  TableFormat format_;
  std::ostream& out_;
  std::size_t rows_ = 0;
};

}  // namespace crix::tools
