// `crix simulate`: a trading day of the exchange on the sample market, in process and as a real
// `crix` process.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "config/market_config.hpp"
#include "tests/support/process.hpp"
#include "tools/simulate.hpp"

namespace {

crix::engine::Market sample() {
  crix::config::LoadResult r = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(r.market.has_value());
  return *r.market;
}

}  // namespace

TEST_CASE("a simulated day trades, credits and reports every section, the same way every time", "[simulate]") {
  const crix::engine::Market market = sample();
  crix::tools::SimulateOptions options;
  options.commands = 20'000;
  std::ostringstream first, second, other;
  const auto a = crix::tools::simulate(market, options, first);
  const auto b = crix::tools::simulate(market, options, second);
  options.seed = 7;
  const auto c = crix::tools::simulate(market, options, other);
  CHECK(first.str() == second.str());
  CHECK(a.state_hash == b.state_hash);
  CHECK(a.state_hash != c.state_hash);
  CHECK(a.fills > 100);
  CHECK(a.credited > 0);
  CHECK(a.credited <= a.traded);  // no ratio in the 2021 rules is below 1:1
  CHECK(a.block_trades > 0);      // block trades are in the mix by default
  CHECK(a.block_trades < a.fills);
  for (const char* section : {"trades: ", "closes (VWAP, the next reference):", "projects (credited / need):",
                              "facilities (sold / registered):", "capped regions (capacity / cap):",
                              "  Tianjin, steel: ", "rejects by rule (count, first sentence):"}) {
    CHECK(first.str().find(section) != std::string::npos);
  }
}

TEST_CASE("crix simulate runs the sample market and refuses bad arguments", "[simulate][process]") {
  const std::string crix = CRIX_BIN;
  const crix::test::RunResult sample = crix::test::run({crix, "simulate", "--commands", "5000"});
  CHECK(sample.exit_code == 0);
  // Quantities in their instrument's unit: flat glass in weight boxes, the rest in tonnes.
  CHECK(sample.out.find("\n  STEEL-IRON ") != std::string::npos);
  CHECK(sample.out.find(" t in ") != std::string::npos);
  const std::size_t glass = sample.out.find("\n  GLASS-FLAT ");
  REQUIRE(glass != std::string::npos);
  CHECK(sample.out.substr(glass, sample.out.find('\n', glass + 1) - glass).find(" weight box in ") != std::string::npos);
  CHECK(sample.out.find("\n  SX-FG-600 0 / 2190000 weight box\n") != std::string::npos);
  const crix::test::RunResult book_only = crix::test::run({crix, "simulate", "--commands", "20000", "--blocks", "0"});
  CHECK(book_only.exit_code == 0);
  CHECK(book_only.out.find("(0 of them block trades)") != std::string::npos);
  CHECK(crix::test::run({crix, "simulate", "--blocks", "1001"}).exit_code == 2);
  CHECK(crix::test::run({crix, "simulate", "--commands", "0"}).exit_code == 2);
  CHECK(crix::test::run({crix, "simulate", "/nonexistent/market.toml"}).exit_code == 1);
}
