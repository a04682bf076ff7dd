// `crix`: the command-line tool for people. Each subcommand is a thin wrapper over a library call; the
// command line is CLI11's (tools/cli.hpp): `--help` on every command, usage errors exit 2.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <termios.h>
#include <unistd.h>

#include "config/market_config.hpp"
#include "gateway/password.hpp"
#include "ledger/error.hpp"
#include "tools/admin_cli.hpp"
#include "tools/cli.hpp"
#include "tools/ledger_cli.hpp"
#include "tools/operator_cli.hpp"
#include "tools/order_cli.hpp"
#include "tools/replay.hpp"
#include "tools/simulate.hpp"
#include "tools/stream_gen.hpp"

namespace {

using crix::tools::on_run;

// `crix passwd [--ln N] [--r N] [--p N]`: reads a password (from the terminal without echo, or the first
// line of stdin when it is not a terminal) and prints its scrypt hash line for the market file.
int passwd(const crix::gateway::ScryptParams& params) {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  const bool echo_off = tty && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (echo_off) {
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  if (tty) std::cerr << "password: " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (tty) std::cerr << "\n";
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    std::cerr << "crix passwd: empty password: type one (or give it as the first line of stdin)\n";
    return 1;
  }
  std::cout << crix::gateway::password_hash(line, params) << "\n";
  return 0;
}
using crix::tools::whole;

// `crix gen [--seed N] [--ops N]`: the deterministic order stream on stdout.
int generate(std::uint64_t seed, std::uint64_t ops) {
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

// `crix replay [FILE]`: FILE, or stdin when "" .
int replay(const std::string& file, const crix::tools::ReplayOptions& options) {
  std::ios::sync_with_stdio(false);
  if (file.empty()) return crix::tools::run_replay(std::cin, std::cout, std::cerr, options);
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw crix::tools::Failure("FILE", "\"" + file + "\" is a directory: name a file of operations, or give none for stdin");
  }
  std::ifstream in(file);
  if (!in) throw crix::tools::Failure("FILE", "\"" + file + "\" cannot be opened: " + std::strerror(errno));
  return crix::tools::run_replay(in, std::cout, std::cerr, options);
}

// `crix config check [FILE]`: every problem with file, line, key and reason, exit 1; or a summary.
int check_config(const std::filesystem::path& file) {
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

// `crix simulate [FILE] [--seed N] [--commands N] [--blocks N] [--ledger PATH]`: one trading day of the exchange.
int simulate(const std::filesystem::path& path, const crix::tools::SimulateOptions& options) {
  const crix::config::LoadResult loaded = crix::config::load_market(path);
  if (!loaded.market) {
    for (const auto& e : loaded.errors) std::cerr << crix::config::format(e) << '\n';
    std::cerr << "crix simulate: " << crix::config::why_not_loaded(loaded, path) << '\n';
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App crix("crix: the CRIX exchange's command-line tool", "crix");
  crix::tools::command_defaults(crix);
  crix.require_subcommand(1);

  CLI::App& gen = *crix.add_subcommand("gen", "write the deterministic order stream to stdout");
  auto seed = std::make_shared<std::uint64_t>(42);
  auto ops = std::make_shared<std::uint64_t>(1'000'000);
  gen.add_option("--seed", *seed, "the stream's seed (default 42)")->type_name("N")->check(whole(0));
  gen.add_option("--ops", *ops, "how many operations (default 1000000)")->type_name("N")->check(whole(0));
  on_run(gen, [seed, ops] { return generate(*seed, *ops); });

  CLI::App& replay_cmd = *crix.add_subcommand(
      "replay", "match 'A <id> <B|S> <price> <qty>' / 'C <id>' lines from FILE or stdin; fills to stdout, summary to "
                "stderr");
  replay_cmd.footer("A malformed line stops the replay with its number, the reason and exit code 1.");
  auto replay_file = std::make_shared<std::string>();
  auto replay_options = std::make_shared<crix::tools::ReplayOptions>();
  replay_cmd.add_option("FILE", *replay_file, "the lines (default: stdin)")->type_name("");
  replay_cmd.add_option("--max-orders", replay_options->max_orders, "resting orders the book holds")
      ->type_name("N")
      ->check(whole(1, 1u << 28));
  replay_cmd.add_option("--max-levels", replay_options->max_levels, "price levels the book holds")
      ->type_name("N")
      ->check(whole(1, 1u << 24));
  on_run(replay_cmd, [replay_file, replay_options] { return replay(*replay_file, *replay_options); });

  CLI::App& config = *crix.add_subcommand("config", "market configurations");
  config.require_subcommand(1);
  CLI::App& check = *config.add_subcommand(
      "check", "validate a market configuration and summarise it; each problem with its file, line, key and reason");
  check.footer("Exit codes: 0 valid, 1 problems found, 2 bad arguments.");
  auto config_file = std::make_shared<std::string>(crix::config::sample_market_path().string());
  check.add_option("FILE", *config_file, "the market file (default: the sample market)")->type_name("");
  on_run(check, [config_file] { return check_config(*config_file); });

  CLI::App& pw = *crix.add_subcommand(
      "passwd", "read a password (terminal without echo, or stdin's first line) and print its scrypt hash for the "
                "market file (participant password_hash, console user password)");
  pw.footer("Exit codes: 0 printed, 1 empty password, 2 bad arguments.");
  auto scrypt = std::make_shared<crix::gateway::ScryptParams>();
  pw.add_option("--ln", scrypt->ln, "log2 of scrypt's N (cost); the default is OWASP's")
      ->type_name("N")
      ->check(whole(crix::gateway::kMinLn, crix::gateway::kMaxLn));
  pw.add_option("--r", scrypt->r, "scrypt's block size r")->type_name("N")->check(whole(1, crix::gateway::kMaxR));
  pw.add_option("--p", scrypt->p, "scrypt's parallelism p")->type_name("N")->check(whole(1, crix::gateway::kMaxP));
  on_run(pw, [scrypt] { return passwd(*scrypt); });

  CLI::App& sim = *crix.add_subcommand(
      "simulate", "run one trading day of the exchange, market rules on, and report trades, credits, caps and "
                  "rejects; with --ledger record the day in a new ledger");
  auto market = std::make_shared<std::string>(crix::config::sample_market_path().string());
  auto sim_options = std::make_shared<crix::tools::SimulateOptions>();
  sim.add_option("FILE", *market, "the market file (default: the sample market)")->type_name("");
  const crix::tools::SimulateOptions defaults;
  sim.add_option("--seed", sim_options->seed, "the day's seed (default " + std::to_string(defaults.seed) + ")")
      ->type_name("N")
      ->check(whole(0));
  sim.add_option("--commands", sim_options->commands,
                 "how many commands the day has (default " + std::to_string(defaults.commands) + ")")
      ->type_name("N")
      ->check(whole(1, 100'000'000));
  sim.add_option("--blocks", sim_options->blocks_permille,
                 "block trade proposals and answers per thousand commands (default " +
                     std::to_string(defaults.blocks_permille) + "; 0: the book only)")
      ->type_name("N")
      ->check(whole(0, 1000));
  auto sim_ledger = std::make_shared<std::string>();
  CLI::Option* ledger = sim.add_option("--ledger", *sim_ledger, "record the day in this new ledger")->type_name("PATH");
  on_run(sim, [market, sim_options, sim_ledger, ledger] {
    if (ledger->count() > 0) sim_options->ledger = *sim_ledger;
    return simulate(*market, *sim_options);
  });

  crix::tools::add_ledger_commands(crix, std::cout, std::cerr);
  crix::tools::add_operator_command(crix, std::cout, std::cerr);
  crix::tools::add_order_command(crix, std::cout, std::cerr);
  crix::tools::add_admin_command(crix, std::cout, std::cerr);

  CLI::App& help = *crix.add_subcommand("help", "show this help");
  on_run(help, [&crix] {
    std::cout << crix.get_formatter()->make_help(&crix, "crix", CLI::AppFormatMode::Normal);
    return 0;
  });

  return crix::tools::run(crix, argc, argv, std::cout, std::cerr);
}
