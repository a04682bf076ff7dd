// `crix ledger ...` and `crix verify`: the regulator's read-only window on a ledger, live (while crixd
// writes) or copied. Thin: each query is one crix::ledger::Reader call turned into a Table.
//
//   crix ledger summary     LEDGER
//   crix ledger trades      LEDGER [--participant ID | --facility ID | --project ID | --region CODE |
//                                   --industry NAME | --from TIME --to TIME] [--after TRADE] [--limit N]
//                           (--to is inclusive: a date alone takes in that whole day, as in `daily`)
//   crix ledger facility    LEDGER ID [--after TRADE] [--limit N]
//   crix ledger project     LEDGER ID
//   crix ledger elimination LEDGER [--status S] [--region CODE] [--facility ID]
//   crix ledger regions     LEDGER
//   crix ledger daily       LEDGER [--from DATE] [--to DATE] [--instrument CODE]
//   crix ledger report      LEDGER [DAY]
//   crix ledger backup      LEDGER DEST
//   crix verify             LEDGER
// Every query prints a table for people, or with --json / --csv for machines. Times are the exchange's
// local time (YYYY-MM-DD or YYYY-MM-DDTHH:MM). Exit codes: 0 done, 1 the ledger could not be read or
// verify found a problem, 2 bad arguments (tools/cli.hpp: the message names the argument and, for a
// value the ledger does not know, lists the valid ones).
#pragma once

#include <ostream>

namespace CLI {
class App;
}

namespace crix::tools {

// Adds `ledger` (each query a subcommand, with --help) and `verify` to `crix`. Their actions write to
// `out` and `err`, which must outlive `crix`.
void add_ledger_commands(CLI::App& crix, std::ostream& out, std::ostream& err);

}  // namespace crix::tools
