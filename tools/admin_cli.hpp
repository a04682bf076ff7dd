// crix::tools `crix admin`: the operator's and the regulator's actions and queries from the command
// line, over crixd's console API (docs/API.md), for scripts. Every verb is one HTTP request to crixd's
// --http address with a bearer token; reads print the answer's JSON (indented) or CSV (auctions: a
// table), actions print one line once crixd has committed them.
//
//   crix admin [--url URL] [--token TOKEN | --token-file FILE] [--ca FILE] VERB [ARGS]
//     status | instruments | sessions | participants | trades | actions
//     book SYMBOL [--depth N] [--orders]
//     get PATH [--csv]                     any GET of the API, e.g. /api/v1/ledger/trades?project=X
//     halt SYMBOL [--reason TEXT] | resume SYMBOL
//     suspend PARTICIPANT [--reason TEXT] | reinstate PARTICIPANT
//     close-day | revoke TRADE | elimination-status TRADE STATUS
//     auctions                                   a table: terms, state, window, bids, result
//     auction announce AUCTION --opens TIME --closes TIME [--reason TEXT] | auction cancel AUCTION
//                                          TIME: YYYY-MM-DDTHH:MM[:SS] in the market's zone; --opens now
// The token may also come from CRIX_TOKEN. https:// URLs verify crixd's certificate against the
// system's CAs or --ca.
//
// Exit codes: 0 done; 1 refused by crixd (the reason printed), or crixd unreachable; 2 usage.
#pragma once

#include <iosfwd>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace crix::tools {

struct AdminOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string token;    // "" = none: public access only
  std::string ca_file;  // https: trust these instead of the system's CAs
  std::string verb;
  std::vector<std::string> args;  // the verb's positional arguments
  std::string reason;             // halt, suspend, auction announce and cancel
  std::string opens, closes;      // auction announce: local times, YYYY-MM-DDTHH:MM[:SS] ("now": opens)
  int depth = 0;                  // book: levels per side, 0 = all
  bool orders = false;            // book: L3 (operators)
  bool csv = false;               // get: Accept text/csv
  std::uint64_t after = 0;        // actions: the page after this seq (0: from the first)
  int limit = 0;                  // actions, trades: rows at most (0: crixd's default, 100)
};

// Runs one verb (its arguments already checked by the command line). Usage errors found here (a
// trade id that is no number, a PATH without its '/', a time not YYYY-MM-DDTHH:MM) return 2 with the
// message on `err`.
int run_admin(const AdminOptions& options, std::ostream& out, std::ostream& err);

// `crix admin` and its verbs on the crix command line (tools/cli.hpp).
void add_admin_command(CLI::App& crix, std::ostream& out, std::ostream& err);

}  // namespace crix::tools
