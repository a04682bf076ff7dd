// `crix`: the command-line tool for people. Each subcommand is a thin wrapper over a library call.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>

#include "config/market_config.hpp"
#include "ledger/error.hpp"
#include "tools/ledger_cli.hpp"
#include "tools/operator_cli.hpp"
#include "tools/order_cli.hpp"
#include "tools/replay.hpp"
#include "tools/simulate.hpp"
#include "tools/stream_gen.hpp"

namespace {

constexpr int kUsageError = 2;

struct Subcommand {
  std::string_view name;
  std::string_view args;
  std::string_view help;
  int (*run)(std::span<char*> args);
};

int usage_error(const std::string& what);

// Reads "--flag N" pairs into `value` (an unsigned number within [min, max]).
template <class T>
bool take_number(std::span<char*> args, std::size_t& i, T& value, T min, T max) {
  const std::string_view flag = args[i];
  if (i + 1 >= args.size()) {
    usage_error(std::string(flag) + " needs a number");
    return false;
  }
  const std::string_view text = args[++i];
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    usage_error(std::string(flag) + " '" + std::string(text) + "' is not a whole number in " +
                std::to_string(min) + ".." + std::to_string(max));
    return false;
  }
  return true;
}

int run_gen(std::span<char*> args) {
  std::uint64_t seed = 42;
  std::uint64_t ops = 1'000'000;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--seed") {
      if (!take_number<std::uint64_t>(args, i, seed, 0, UINT64_MAX)) return kUsageError;
    } else if (a == "--ops") {
      if (!take_number<std::uint64_t>(args, i, ops, 0, UINT64_MAX)) return kUsageError;
    } else {
      return usage_error("gen: unknown argument '" + std::string(a) + "'");
    }
  }
  crix::tools::StreamGen gen(seed);
  std::string buffer;
  buffer.reserve(1u << 16);
  for (std::uint64_t n = 0; n < ops; ++n) {
    buffer += crix::tools::format(gen.next());
    buffer += '\n';
    if (buffer.size() > (1u << 15)) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) return 1;
      buffer.clear();
    }
  }
  if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) return 1;
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_replay(std::span<char*> args) {
  crix::tools::ReplayOptions options;
  const char* file = nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--max-orders") {
      if (!take_number<std::uint32_t>(args, i, options.max_orders, 1, 1u << 28)) return kUsageError;
    } else if (a == "--max-levels") {
      if (!take_number<std::uint32_t>(args, i, options.max_levels, 1, 1u << 24)) return kUsageError;
    } else if (a.starts_with("--") || file != nullptr) {
      return usage_error("replay: unexpected argument '" + std::string(a) + "'");
    } else {
      file = args[i];
    }
  }
  std::ios::sync_with_stdio(false);
  if (file == nullptr) return crix::tools::run_replay(std::cin, std::cout, std::cerr, options);
  std::ifstream in(file);
  if (!in) {
    std::cerr << "crix replay: cannot open '" << file << "': " << std::strerror(errno) << '\n';
    return kUsageError;
  }
  return crix::tools::run_replay(in, std::cout, std::cerr, options);
}

// `crix config check [FILE]`: every problem with file, line, key and reason, exit 1; or a summary.
int run_config(std::span<char*> args) {
  if (args.empty() || std::string_view(args[0]) != "check") {
    return usage_error("config: expected 'crix config check [FILE]'");
  }
  if (args.size() > 2) return usage_error("config check: takes at most one FILE");
  const std::filesystem::path file =
      args.size() == 2 ? std::filesystem::path(args[1]) : crix::config::sample_market_path();
  const crix::config::LoadResult result = crix::config::load_market(file);
  if (!result.market) {
    for (const auto& e : result.errors) std::cerr << crix::config::format(e) << '\n';
    std::cerr << "crix config check: " << result.errors.size() << " problem"
              << (result.errors.size() == 1 ? "" : "s") << " in " << file.string() << '\n';
    return 1;
  }
  std::cout << file.string() << ": valid\n" << crix::config::summary(*result.market);
  return 0;
}

// `crix simulate [FILE] [--seed N] [--commands N] [--ledger PATH]`: one trading day of the exchange.
int run_simulate(std::span<char*> args) {
  crix::tools::SimulateOptions options;
  const char* file = nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--seed") {
      if (!take_number<std::uint64_t>(args, i, options.seed, 0, UINT64_MAX)) return kUsageError;
    } else if (a == "--commands") {
      if (!take_number<std::uint64_t>(args, i, options.commands, 1, 100'000'000)) return kUsageError;
    } else if (a == "--ledger") {
      if (i + 1 >= args.size()) return usage_error("simulate: --ledger needs the path of a new ledger");
      options.ledger = args[++i];
    } else if (a.starts_with("--") || file != nullptr) {
      return usage_error("simulate: unexpected argument '" + std::string(a) + "'");
    } else {
      file = args[i];
    }
  }
  const std::filesystem::path path = file != nullptr ? std::filesystem::path(file) : crix::config::sample_market_path();
  const crix::config::LoadResult loaded = crix::config::load_market(path);
  if (!loaded.market) {
    for (const auto& e : loaded.errors) std::cerr << crix::config::format(e) << '\n';
    std::cerr << "crix simulate: " << path.string() << " is not a valid market; see 'crix config check'\n";
    return 1;
  }
  try {
    crix::tools::simulate(*loaded.market, options, std::cout);
  } catch (const crix::ledger::Error& e) {
    std::cerr << "crix simulate: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

int run_ledger(std::span<char*> args) { return crix::tools::run_ledger_command(args, std::cout, std::cerr); }
int run_verify(std::span<char*> args) { return crix::tools::run_verify_command(args, std::cout, std::cerr); }
int run_operator(std::span<char*> args) { return crix::tools::run_operator_command(args, std::cout, std::cerr); }
int run_order(std::span<char*> args) { return crix::tools::run_order_command(args, std::cout, std::cerr); }

int run_help(std::span<char*> args);

constexpr Subcommand kSubcommands[] = {
    {"gen", "[--seed N] [--ops N]",
     "write the deterministic order stream (default seed 42, 1000000 ops) to stdout", run_gen},
    {"replay", "[FILE] [--max-orders N] [--max-levels N]",
     "match 'A <id> <B|S> <price> <qty>' / 'C <id>' lines from FILE or stdin; fills to stdout, "
     "summary to stderr",
     run_replay},
    {"config", "check [FILE]",
     "validate a market configuration (default: the sample market) and summarise it", run_config},
    {"simulate", "[FILE] [--seed N] [--commands N] [--ledger PATH]",
     "run one trading day of the exchange, market rules on, on a market (default: the sample market), "
     "report trades, credits, caps and rejects, and with --ledger record the day in a new ledger",
     run_simulate},
    {"ledger", "QUERY LEDGER [ARGS] [--json|--csv]",
     "regulator queries, read-only, on a live or copied ledger: summary, trades, facility ID, project ID, "
     "elimination, regions, daily, report [DAY]; and backup DEST, a consistent copy of a live ledger",
     run_ledger},
    {"verify", "LEDGER", "recompute the trade hash chain and the conservation totals; name the first bad record",
     run_verify},
    {"operator", "LEDGER [--market FILE] revoke TRADE | status TRADE STATUS | amend facility|project ID FIELD VALUE "
                 "| register",
     "the operator's journaled registry and elimination-list commands, on a ledger no crixd is running on",
     run_operator},
    {"order", "--as PARTICIPANT [--password-file FILE] [--host H] [--port N] [--store DIR|--fresh] "
              "buy|sell SYMBOL ACCOUNT QTY PRICE [--tif T] [--aon] | cancel ORDER | replace ORDER QTY PRICE | "
              "status ORDER | orders | fills | cancel-all [SYMBOL] | book SYMBOL | watch SYMBOL | securities",
     "the enterprise's FIX client: log on to crixd, send one request, print the answers (password: CRIX_PASSWORD, "
     "--password-file or a prompt; 'crix order --help' says more)",
     run_order},
    {"help", "", "show this help", run_help},
};

void print_usage(std::FILE* to) {
  std::fprintf(to, "usage: crix <command> [arguments]\n\ncommands:\n");
  for (const Subcommand& c : kSubcommands) {
    std::fprintf(to, "  crix %.*s %.*s\n      %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.args.size()), c.args.data(), static_cast<int>(c.help.size()),
                 c.help.data());
  }
}

int run_help(std::span<char*>) {
  print_usage(stdout);
  return 0;
}

int usage_error(const std::string& what) {
  std::fprintf(stderr, "crix: %s\n\n", what.c_str());
  print_usage(stderr);
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  std::span<char*> args(argv + 1, static_cast<std::size_t>(argc - 1));
  if (args.empty()) return usage_error("no command given");
  const std::string_view name = args[0];
  if (name == "--help" || name == "-h") return run_help({});
  for (const Subcommand& c : kSubcommands) {
    if (c.name == name) return c.run(args.subspan(1));
  }
  return usage_error("unknown command '" + std::string(name) + "'");
}
