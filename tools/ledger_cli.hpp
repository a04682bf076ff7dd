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
//   crix verify             LEDGER
// Every query prints a table for people, or with --json / --csv for machines. Times are the exchange's
// local time (YYYY-MM-DD or YYYY-MM-DDTHH:MM). Exit codes: 0 done, 1 the ledger could not be read or
// verify found a problem, 2 bad arguments (the message names the argument and lists the valid ones).
#pragma once

#include <ostream>
#include <span>

namespace crix::tools {

int run_ledger_command(std::span<char*> args, std::ostream& out, std::ostream& err);
int run_verify_command(std::span<char*> args, std::ostream& out, std::ostream& err);

}  // namespace crix::tools
