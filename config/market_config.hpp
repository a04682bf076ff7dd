// crix::config: reads a market from TOML (toml++) into crix::engine::Market and validates it.
//
// A market is one file (see config/sample/market.toml) that names its rule set in `exchange.rules`, a
// second file (ratios and transfer restrictions) resolved relative to the first, so that switching
// between the 2015, 2017 and 2021 rules is a one-line edit. Every problem is reported, not just the
// first: each error names the file, the line, the key path (e.g. `facility[3].capacity`) and what is
// wrong. Unknown keys are errors, so that a typo never silently drops a rule.
//
// Thread rules: none; a pure function of the files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/market.hpp"

namespace crix::config {

// The longest id (participant, SenderCompID, facility, project, instrument code, region name) and
// the longest name or reference the loader accepts: the ledger's fixed text fields (kIdBytes and
// kTextBytes in ledger/records.hpp, which a test compares with these; config does not link the ledger).
inline constexpr std::size_t kIdBytes = 48;
inline constexpr std::size_t kTextBytes = 96;

struct ConfigError {
  std::string file;
  std::uint32_t line = 0;  // 0 when the problem has no single place (a missing table, a cross-check)
  std::string key;         // e.g. "facility[3].capacity"
  std::string reason;
  bool unreadable = false;  // the file itself could not be read (missing, not a regular file, too large)
};

// "market.toml:12: facility[3].capacity: must be a whole number from 1 to 10^10 (t/yr), got -5"
std::string format(const ConfigError& e);

// The operator and regulator console (gateway/http/): `[exchange] http_port` and the `[console]` table.
enum class ConsoleRole : std::uint8_t { kRegulator = 0, kOperator = 1 };
std::string_view to_string(ConsoleRole role);  // "regulator", "operator"

// A console user (`[[console.users]]`, `secret` = its password's hash) or an API token
// (`[[console.tokens]]`, `secret` = the token's hash): "scrypt$..." for a password, "sha256:<salt hex>:<digest
// hex>" for a token (gateway/password.hpp).
struct ConsoleCredential {
  std::string name;
  ConsoleRole role = ConsoleRole::kRegulator;
  std::string secret;
};

struct Console {
  std::uint16_t http_port = 8080;
  std::filesystem::path tls_cert;  // both or neither; resolved against the market file's folder
  std::filesystem::path tls_key;
  std::vector<ConsoleCredential> users;
  std::vector<ConsoleCredential> tokens;
};

// The FIX acceptor against a hostile peer: the `[exchange]` logon_* and max_connections* keys
// (config/README.md; crixd's gateway::DaemonOptions).
struct FixGuard {
  std::uint32_t logon_free_failures = 3;
  std::uint32_t logon_backoff_ms = 1000;
  std::uint32_t logon_lockout_failures = 10;
  std::uint32_t logon_lockout_seconds = 900;
  std::uint32_t logon_timeout_ms = 10000;
  std::uint32_t max_connections_per_address = 16;
  std::uint32_t max_connections = 0;  // 0: from the descriptor limit
};

// FIX over TLS: the `[exchange]` fix_tls_* keys and fix_plain_on_network (config/README.md). The files
// are resolved against the market file's folder and checked as crixd uses them (gateway/fix/tls.hpp:
// readable PEM, the key the certificate's own), so `crix config check` finds what would stop crixd.
struct FixTls {
  std::filesystem::path certificate;  // "" = plain FIX
  std::filesystem::path key;          // with certificate
  std::filesystem::path client_ca;    // "" = no client certificate asked for; else mutual TLS
  bool plain_on_network = false;      // plain FIX allowed on a host that is not a loopback address
  // Per participant (in the market's order): `[[participant]] tls_subject`, the subject CN its client
  // certificate must carry (needs client_ca); "" = any certificate client_ca signed.
  std::vector<std::string> subjects;
};

struct LoadResult {
  std::optional<engine::Market> market;  // set only when there are no errors
  Console console;                       // valid when `market` is set
  FixGuard fix_guard;                    // valid when `market` is set
  FixTls fix_tls;                        // valid when `market` is set
  std::vector<ConfigError> errors;
};

LoadResult load_market(const std::filesystem::path& market_file);

// Why `loaded` (load_market(market_file), which failed) holds no market, in one sentence that says
// what to do, after the problems themselves (format(), one a line): "cannot read the market file X",
// "cannot read the rules file R that the market file X names: ...", or "X is not a valid market (N
// problems above): 'crix config check X' lists them".
std::string why_not_loaded(const LoadResult& loaded, const std::filesystem::path& market_file);

// A one-screen summary of a valid market, for `crix config check`.
std::string summary(const engine::Market& market);

// The sample market the README run command uses (config/sample/market.toml in the source tree).
std::filesystem::path sample_market_path();

}  // namespace crix::config
