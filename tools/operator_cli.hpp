// `crix operator`: the exchange operator's registry and elimination-list commands on a ledger while no
// crixd runs on it (the ledger's writer lock says so if one does). Each opens the ledger for writing,
// replays its journal through the exchange (a mismatch stops it loudly), then sequences ONE command,
// journals it with what it produced, and prints the exchange's sentence for it:
//
//   crix operator LEDGER [--market FILE] revoke TRADE
//   crix operator LEDGER [--market FILE] status TRADE confirmed|shut|dismantled
//   crix operator LEDGER [--market FILE] amend facility ID FIELD VALUE
//   crix operator LEDGER [--market FILE] amend project ID FIELD VALUE
//   crix operator LEDGER [--market FILE] register
//
// FIELD is a configuration key (engine/registry.hpp): capacity, mandated_cut, subsidised, backward,
// zombie_owner, court_seized, dismantled, used, on_inventory, idle_years, expires (YYYY-MM-DD or none)
// for a facility; new_capacity, status (approved, filed, completed, canceled) for a project. `register`
// registers every facility and project the configuration lists beyond what the ledger has registered.
// The market defaults to the bundled sample. Exit codes: 0 done, 1 the exchange refused the command or
// the ledger could not be opened (the message says why), 2 bad arguments (tools/cli.hpp).
#pragma once

#include <ostream>

namespace CLI {
class App;
}

namespace crix::tools {

// Adds `operator` and its verbs (each with --help) to `crix`; the actions write to `out` and `err`,
// which must outlive `crix`.
void add_operator_command(CLI::App& crix, std::ostream& out, std::ostream& err);

}  // namespace crix::tools
