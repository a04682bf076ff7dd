// The command line of `crix` and `crixd` as people meet it (tools/cli.hpp): every command and subcommand
// answers --help and -h with its options, and every kind of usage error is one line on stderr, the
// command's path first and the help hint last, with exit code 2. Real processes; no crixd is started
// (the arguments are refused, or help printed, before anything else happens).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace {

using crix::test::RunResult;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// argv after the binary; "L" stands for a ledger path where a command needs one before its verb.
struct HelpCase {
  std::string binary;
  std::vector<std::string> args;
  std::vector<std::string> names;  // what the help must name: options, positionals, verbs
  std::vector<std::string> absent = {};  // what it must not offer
};

// The path the help's "Usage:" line gives: the binary's name and the commands, without the "L".
std::string usage_path(const HelpCase& c) {
  std::string path = c.binary == CRIXD_BIN ? "crixd" : "crix";
  for (const std::string& a : c.args) {
    if (a != "L") path += " " + a;
  }
  return path;
}

}  // namespace

TEST_CASE("--help and -h on every command and subcommand of crix and crixd exit 0 and name its options",
          "[cli][process]") {
  const std::string crix = CRIX_BIN;
  const std::vector<std::string> page = {"--after", "--limit"};
  const std::vector<HelpCase> cases = {
      {crix, {}, {"gen", "replay", "config", "simulate", "ledger", "verify", "operator", "order", "admin", "help"}},
      {crix, {"gen"}, {"--seed N", "--ops N"}},
      {crix, {"replay"}, {"FILE", "--max-orders N", "--max-levels N"}},
      {crix, {"config"}, {"check"}},
      {crix, {"config", "check"}, {"FILE"}},
      {crix, {"simulate"}, {"FILE", "--seed N", "(default 42)", "--commands N", "(default 100000)", "--ledger PATH"}},
      {crix, {"ledger"}, {"summary", "trades", "facility", "project", "elimination", "regions", "daily", "report", "backup"}},
      {crix, {"ledger", "summary"}, {"LEDGER", "--json", "--csv"}},
      {crix,
       {"ledger", "trades"},
       {"LEDGER", "--participant ID", "--facility ID", "--project ID", "--region CODE", "--industry NAME", "--from TIME",
        "--to TIME", "--after TRADE", "--limit N", "--json", "--csv"}},
      {crix, {"ledger", "facility"}, {"LEDGER", "ID", "--after TRADE", "--limit N", "--json", "--csv"}},
      {crix, {"ledger", "project"}, {"LEDGER", "ID", "--after TRADE", "--limit N", "--json", "--csv"}},
      {crix,
       {"ledger", "elimination"},
       {"LEDGER", "--status S", "--region CODE", "--facility ID", "--industry NAME", "--after TRADE", "--limit N", "--csv"}},
      {crix, {"ledger", "regions"}, {"LEDGER", "--json", "--csv"}},
      {crix, {"ledger", "daily"}, {"LEDGER", "--from DATE", "--to DATE", "--instrument CODE", "--csv"}},
      {crix, {"ledger", "report"}, {"LEDGER", "DAY", "--json", "--csv"}},
      {crix, {"ledger", "backup"}, {"LEDGER", "DEST"}, {"--json", "--csv"}},
      {crix, {"verify"}, {"LEDGER", "--head HASH", "--market FILE"}},
      {crix, {"operator"}, {"LEDGER", "--market FILE", "--create", "revoke", "status", "amend", "register"}},
      {crix, {"operator", "L", "revoke"}, {"TRADE"}},
      {crix, {"operator", "L", "status"}, {"TRADE", "STATUS", "confirmed, shut or dismantled"}},
      {crix, {"operator", "L", "amend"}, {"KIND", "ID", "FIELD", "VALUE", "idle_years", "new_capacity"}},
      {crix, {"operator", "L", "register"}, {"-h,--help"}},
      {crix,
       {"order"},
       {"--as PARTICIPANT", "--password PW", "--password-file FILE", "CRIX_PASSWORD", "--host ADDR", "--port N",
        "--store DIR", "--fresh", "--tls", "--ca FILE", "--cert FILE", "--key FILE", "buy", "sell", "cancel", "replace", "status", "orders", "fills", "cancel-all", "book",
        "watch", "securities", "blocks", "block"}},
      {crix, {"order", "block"}, {"propose", "accept", "decline", "withdraw"}},
      {crix, {"order", "block", "propose"}, {"SYMBOL", "SIDE", "ACCOUNT", "QTY", "PRICE", "--to PARTICIPANT", "--id ID"}},
      {crix, {"order", "block", "accept"}, {"BLOCK", "ACCOUNT", "--id ID"}},
      {crix, {"order", "block", "decline"}, {"BLOCK", "--id ID"}},
      {crix, {"order", "block", "withdraw"}, {"BLOCK", "--id ID"}},
      {crix, {"order", "blocks"}, {"-h,--help"}},
      {crix, {"order", "buy"}, {"SYMBOL", "ACCOUNT", "QTY", "PRICE", "--tif T", "--aon", "--id CLORDID"}},
      {crix, {"order", "sell"}, {"SYMBOL", "ACCOUNT", "QTY", "PRICE", "--tif T", "--aon", "--id CLORDID"}},
      {crix, {"order", "cancel"}, {"ORDER", "--symbol SYMBOL", "--id CLORDID"}},
      {crix, {"order", "replace"}, {"ORDER", "QTY", "PRICE", "--symbol SYMBOL", "--id CLORDID"}},
      {crix, {"order", "status"}, {"ORDER", "--symbol SYMBOL", "--id CLORDID"}},
      {crix, {"order", "orders"}, {"--symbol SYMBOL"}},
      {crix, {"order", "fills"}, {"--symbol SYMBOL"}},
      {crix, {"order", "cancel-all"}, {"SYMBOL", "--id CLORDID"}},
      {crix, {"order", "book"}, {"SYMBOL", "--depth N"}},
      {crix, {"order", "watch"}, {"SYMBOL", "--depth N"}},
      {crix, {"order", "securities"}, {"-h,--help"}},
      {crix,
       {"admin"},
       {"--url URL", "--token TOKEN", "--token-file FILE", "--ca FILE", "CRIX_TOKEN", "status", "instruments", "sessions",
        "participants", "trades", "actions", "book", "get", "halt", "resume", "suspend", "reinstate", "close-day",
        "revoke", "elimination-status", "auctions", "auction"}},
      {crix, {"admin", "auction"}, {"announce", "cancel"}},
      {crix, {"admin", "auction", "announce"}, {"AUCTION", "the auction's id", "--opens TIME", "--closes TIME", "--reason TEXT"}},
      {crix, {"admin", "auction", "cancel"}, {"AUCTION", "--reason TEXT"}},
      {crix, {"admin", "auctions"}, {"-h,--help"}},
      {crix, {"admin", "book"}, {"SYMBOL", "the instrument's code", "--depth N", "--orders"}},
      {crix, {"admin", "get"}, {"PATH", "the path and query", "--csv"}},
      {crix, {"admin", "halt"}, {"SYMBOL", "--reason TEXT"}},
      {crix, {"admin", "suspend"}, {"PARTICIPANT", "the participant's id", "--reason TEXT"}},
      {crix, {"admin", "elimination-status"}, {"TRADE", "the trade's id", "STATUS", "confirmed, shut or dismantled"}},
      {CRIXD_BIN,
       {},
       {"--market FILE", "--ledger PATH", "--host ADDR", "--port N", "--http HOST:PORT", "--web-root DIR",
        "--sync full|os", "--log-dir DIR", "--fix-log", "--replay-progress-ms N"}},
  };
  for (const HelpCase& c : cases) {
    for (const char* flag : {"--help", "-h"}) {
      std::vector<std::string> argv = {c.binary};
      argv.insert(argv.end(), c.args.begin(), c.args.end());
      argv.emplace_back(flag);
      const RunResult r = crix::test::run(argv);
      INFO(usage_path(c) << " " << flag << " -> " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.err.empty());
      CHECK(has(r.out, "Usage: " + usage_path(c) + " "));
      for (const std::string& name : c.names) CHECK(has(r.out, name));
      for (const std::string& name : c.absent) CHECK_FALSE(has(r.out, name));
    }
  }
}

TEST_CASE("a usage error of any kind is one line on stderr naming the command, what was wrong and the help, exit 2",
          "[cli][process]") {
  const std::string crix = CRIX_BIN;
  struct ErrorCase {
    std::vector<std::string> argv;
    std::string err;  // the whole of stderr
  };
  const std::vector<ErrorCase> cases = {
      // unknown option
      {{crix, "ledger", "trades", "L", "--colour", "red"},
       "crix ledger trades: unknown option '--colour'; run 'crix ledger trades --help'\n"},
      {{crix, "order", "--as", "X", "cancel", "7", "--tif", "gtc"},
       "crix order cancel: unknown option '--tif'; run 'crix order cancel --help'\n"},
      {{CRIXD_BIN, "--colour"}, "crixd: unknown option '--colour'; run 'crixd --help'\n"},
      // missing value
      {{crix, "gen", "--ops"}, "crix gen: --ops needs a value; run 'crix gen --help'\n"},
      {{crix, "operator", "L", "--market"}, "crix operator: --market needs a value; run 'crix operator --help'\n"},
      {{CRIXD_BIN, "--port"}, "crixd: --port needs a value; run 'crixd --help'\n"},
      // bad number, bad choice
      {{crix, "ledger", "trades", "L", "--limit", "x"},
       "crix ledger trades: --limit: \"x\" is not a whole number of 1 or more; run 'crix ledger trades --help'\n"},
      {{crix, "ledger", "project", "L", "P", "--limit", "0"},
       "crix ledger project: --limit: \"0\" is not a whole number of 1 or more; run 'crix ledger project --help'\n"},
      {{crix, "order", "--as", "X", "--port", "70000", "securities"},
       "crix order securities: --port: \"70000\" is not a whole number from 1 to 65535; "
       "run 'crix order securities --help'\n"},
      {{crix, "order", "--as", "X", "buy", "STEEL-IRON", "TJ-NEW-BF-2500", "100", "5.801"},
       "crix order buy: PRICE: \"5.801\" is not a price in yuan with at most two decimals, e.g. 580.00; "
       "run 'crix order buy --help'\n"},
      {{crix, "operator", "L", "status", "1", "revoked"},
       "crix operator status: STATUS: \"revoked\" is none of confirmed, shut, dismantled; "
       "run 'crix operator status --help'\n"},
      {{CRIXD_BIN, "--port", "0"}, "crixd: --port: \"0\" is not a whole number from 1 to 65535; run 'crixd --help'\n"},
      {{CRIXD_BIN, "--sync", "fast"}, "crixd: --sync: \"fast\" is none of full, os; run 'crixd --help'\n"},
      // unknown verb, or none
      {{crix, "frobnicate"},
       "crix: unknown command 'frobnicate'; valid: gen, replay, config, passwd, simulate, ledger, verify, operator, order, "
       "admin, "
       "help; run 'crix --help'\n"},
      {{crix, "config", "lint"}, "crix config: unknown command 'lint'; valid: check; run 'crix config --help'\n"},
      {{crix, "order", "--as", "X", "sel", "STEEL-IRON"},
       "crix order: unknown command 'sel'; valid: buy, sell, cancel, replace, status, orders, fills, cancel-all, book, "
       "watch, securities, blocks, block; run 'crix order --help'\n"},
      {{crix, "order", "--as", "X", "block", "propose", "STEEL-IRON", "hold", "HB-BF-450", "100", "600"},
       "crix order block propose: SIDE: \"hold\" is none of buy, sell; run 'crix order block propose --help'\n"},
      {{crix, "order", "--as", "X", "block", "propose", "STEEL-IRON", "sell", "HB-BF-450", "100", "600"},
       "crix order block propose: --to is required; run 'crix order block propose --help'\n"},
      {{crix, "admin", "auction", "announce", "AU-HB-450", "--opens", "now"},
       "crix admin auction announce: --closes is required; run 'crix admin auction announce --help'\n"},
      {{crix, "admin", "auction", "announce", "AU-HB-450", "--opens", "tomorrow", "--closes", "2026-12-07T11:00"},
       "crix admin auction announce: --opens: \"tomorrow\" is not a time: use now, +SECONDS, YYYY-MM-DDTHH:MM or "
       "YYYY-MM-DDTHH:MM:SS (the market's time); run 'crix admin auction announce --help'\n"},
      {{crix, "admin", "auction", "announce", "AU-HB-450", "--opens", "now", "--closes", "2026-12-07 11:60"},
       "crix admin auction announce: --closes: \"2026-12-07 11:60\" is not a time: use +SECONDS, YYYY-MM-DDTHH:MM or "
       "YYYY-MM-DDTHH:MM:SS (the market's time); run 'crix admin auction announce --help'\n"},
      {{crix, "admin", "auction"},
       "crix admin auction: expected a command: announce, cancel; run 'crix admin auction --help'\n"},
      {{crix, "operator", "L"},
       "crix operator: expected a command: revoke, status, amend, register, auction-announce, auction-cancel; run 'crix operator --help'\n"},
      {{crix, "ledger"},
       "crix ledger: expected a command: summary, trades, facility, project, elimination, regions, daily, report, "
       "backup; run 'crix ledger --help'\n"},
      // missing positional, missing required option, one too many
      {{crix, "verify"}, "crix verify: LEDGER is required; run 'crix verify --help'\n"},
      {{crix, "ledger", "facility", "L"}, "crix ledger facility: ID is required; run 'crix ledger facility --help'\n"},
      {{crix, "order", "--as", "X", "replace", "7", "100"},
       "crix order replace: PRICE is required; run 'crix order replace --help'\n"},
      {{crix, "order", "securities"}, "crix order securities: --as is required; run 'crix order securities --help'\n"},
      {{crix, "ledger", "summary", "L", "M"},
       "crix ledger summary: unexpected argument 'M'; run 'crix ledger summary --help'\n"},
      {{CRIXD_BIN, "extra"}, "crixd: unexpected argument 'extra'; run 'crixd --help'\n"},
  };
  for (const ErrorCase& c : cases) {
    const RunResult r = crix::test::run(c.argv, {.input = std::nullopt, .env = {"CRIX_PASSWORD=demo"}});
    INFO(c.argv[1] << " ... -> " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == c.err);
  }
}

TEST_CASE("a runtime failure keeps exit code 1 and its own message", "[cli][process]") {
  const RunResult r = crix::test::run({CRIX_BIN, "ledger", "summary", "/nonexistent/crix.ledger"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("crix ledger: ", 0) == 0);
  CHECK_FALSE(has(r.err, "--help"));
  // A file the command line names that cannot be read is a run-time failure, whatever names it, and
  // the last line says which file and what to do.
  const std::string missing = "/nonexistent/market.toml";
  struct Case {
    std::vector<std::string> argv;
    std::string last_line;
  };
  for (const Case& c : std::vector<Case>{
           {{CRIX_BIN, "simulate", missing}, "crix simulate: cannot read the market file " + missing},
           {{CRIX_BIN, "config", "check", missing}, "crix config check: 1 problem in " + missing},
           {{CRIX_BIN, "operator", "/nonexistent/x.ledger", "--market", missing, "revoke", "1"},
            "crix operator: cannot read the market file " + missing},
           {{CRIX_BIN, "replay", missing}, "crix replay: FILE: \"" + missing + "\" cannot be opened: No such file or directory"},
           {{CRIX_BIN, "order", "--as", "X", "--password-file", missing, "orders"},
            "crix order: --password-file: \"" + missing + "\" cannot be read: give a readable file whose first line is "
            "the password"},
           {{CRIX_BIN, "admin", "--token-file", missing, "status"},
            "crix admin status: --token-file: \"" + missing + "\" cannot be read: No such file or directory"},
       }) {
    const RunResult f = crix::test::run(c.argv);
    INFO(c.argv[1] << " -> " << f.exit_code << "\nstderr:\n" << f.err);
    CHECK(f.exit_code == 1);
    CHECK(f.out.empty());
    CHECK(f.err.ends_with(c.last_line + "\n"));
    CHECK_FALSE(has(f.err, "--help"));
  }
}
