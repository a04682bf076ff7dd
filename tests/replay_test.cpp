// `crix replay`: in process for the matching results, and as a real `crix` process for exit codes and
// error messages on bad input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tools/replay.hpp"
#include "tools/stream_gen.hpp"

namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
  crix::tools::ReplaySummary summary;
};

Result replay_in_process(const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  Result r;
  r.exit_code = crix::tools::run_replay(in, out, err, {}, &r.summary);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Runs a shell command line (sh -c) in a scratch directory and captures stdout, stderr and the exit status.
class Shell {
 public:
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto p = dir_.path() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  Result run(const std::string& command) const {
    const crix::test::RunResult run = crix::test::run({"/bin/sh", "-c", command});
    Result r;
    r.exit_code = run.exit_code;
    r.out = run.out;
    r.err = run.err;
    return r;
  }
  Result replay(const std::string& input) const {
    const auto in = write("input.txt", input);
    return run(std::string(CRIX_BIN) + " replay " + in.string());
  }

 private:
  crix::test::ScratchDir dir_{"crix-replay-test"};
};

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

std::string generated(std::uint64_t seed, int ops) {
  crix::tools::StreamGen gen(seed);
  std::string text;
  for (int i = 0; i < ops; ++i) text += crix::tools::format(gen.next()) + "\n";
  return text;
}

}  // namespace

TEST_CASE("replay prints one line per fill, at the resting price, in order", "[tools][replay]") {
  const auto r = replay_in_process(
      "A 1 S 1010 5\n"
      "A 2 S 1005 5\n"
      "A 3 B 1020 8\n"   // takes 5 @ 1005 from 2, then 3 @ 1010 from 1
      "C 1\n"            // 2 left: canceled
      "C 2\n"            // filled: rejected, counted
      "A 4 B 990 7\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "3 2 1005 5\n3 1 1010 3\n");
  CHECK(r.summary.ops == 6);
  CHECK(r.summary.fills == 2);
  CHECK(r.summary.traded_qty == 8);
  CHECK(r.summary.rejected_cancels == 1);
  CHECK(r.summary.rejected_orders == 0);
  CHECK(r.summary.resting_bids == 1);
  CHECK(r.summary.resting_asks == 0);
  CHECK(r.summary.best_bid == crix::engine::Price(990));
  CHECK_FALSE(r.summary.best_ask.has_value());
  CHECK(r.err == crix::tools::format_summary(r.summary) + "\n");
  CHECK(r.err.rfind("replay ops=6 fills=2 traded_qty=8 rejected_cancels=1 rejected_orders=0 "
                    "resting_bids=1 resting_asks=0 best_bid=990 best_ask=- state_hash=", 0) == 0);
}

TEST_CASE("a cancel of an order that is not resting changes nothing", "[tools][replay]") {
  const auto base = replay_in_process("A 1 S 1000 5\nA 2 B 990 5\n");
  const auto with_cancels = replay_in_process("A 1 S 1000 5\nC 7\nA 2 B 990 5\nC 99\n");
  CHECK(with_cancels.summary.rejected_cancels == 2);
  CHECK(with_cancels.summary.state_hash == base.summary.state_hash);
}

TEST_CASE("replay matches an independent naive matcher on the seed-42 stream", "[tools][replay]") {
  // Expected values from a separate Python price-time matcher (lists scanned for the best price,
  // then the earliest order), run on the same 10,000 generated operations.
  const auto r = replay_in_process(generated(42, 10'000));
  CHECK(r.summary.fills == 3366);
  CHECK(r.summary.traded_qty == 87016);
  CHECK(r.summary.rejected_cancels == 1470);
  CHECK(r.summary.resting_bids == 962);
  CHECK(r.summary.resting_asks == 969);
  CHECK(r.summary.best_bid == crix::engine::Price(10024));
  CHECK(r.summary.best_ask == crix::engine::Price(10026));
  CHECK(fnv1a(r.out) == 0xF4110778F9188F78ULL);  // FNV-1a of the whole fills text
}

TEST_CASE("blank lines, comments, tabs and CRLF are accepted", "[tools][replay]") {
  const auto r = replay_in_process("# a comment\n\nA\t1 S  1000 5\r\n   \nA 2 B 1000 5\r\n");
  CHECK(r.exit_code == 0);
  CHECK(r.summary.ops == 2);
  CHECK(r.out == "2 1 1000 5\n");
}

TEST_CASE("values the engine refuses are rejected, reported with the line, and counted",
          "[tools][replay]") {
  const auto r = replay_in_process(
      "A 1 B 1000 0\n"
      "A 2 B 1000 -5\n"
      "A 3 B -1 5\n"
      "A 4 B 1000000000001 5\n"
      "A 5 B 1000 5\n"
      "A 5 B 1000 5\n");
  CHECK(r.exit_code == 0);
  CHECK(r.summary.rejected_orders == 5);
  CHECK(r.summary.resting_bids == 1);
  CHECK(r.err.find("line 1: order 1 rejected: quantity out of range: 0 is not within "
                   "1..10000000000") != std::string::npos);
  CHECK(r.err.find("line 2: order 2 rejected: quantity out of range: -5") != std::string::npos);
  CHECK(r.err.find("line 3: order 3 rejected: price out of range: -1") != std::string::npos);
  CHECK(r.err.find("line 4: order 4 rejected: price out of range: 1000000000001") !=
        std::string::npos);
  CHECK(r.err.find("line 6: order 5 rejected: duplicate order id") != std::string::npos);
}

TEST_CASE("a malformed line stops the real crix process with its line number and exit code 2",
          "[tools][replay][process]") {
  const Shell sh;
  struct Case {
    std::string line, reason;
  };
  const Case cases[] = {
      {"hello world", "unknown operation 'hello'"},
      {"X 1", "unknown operation 'X'"},
      {"A 1 B 1000", "missing field: 'A' takes 4 fields"},
      {"C", "missing field: 'C' takes 1 field"},
      {"C 1 2", "extra field '2': 'C' takes 1 field (<id>)"},
      {"A 1 B 1000 5 6", "extra field '6': 'A' takes 4 fields (<id> <B|S> <price> <qty>)"},
      {"A 123456789012345678901234 B 1000 5", "id '123456789012345678901234' is not within"},
      {"A -1 B 1000 5", "id '-1' is not a whole number"},
      {"A 1 B 99999999999999999999 5", "price '99999999999999999999' is not within"},
      {"A 1 B 1000 5x", "qty '5x' is not a whole number"},
      {"A 1 Q 1000 5", "side 'Q' is not B or S"},
      {"A 1 b 1000 5", "side 'b' is not B or S"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    const auto r = sh.replay("A 9 S 1000 1\n\n" + c.line + "\nA 10 S 1000 1\n");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("crix replay: line 3: " + c.reason) != std::string::npos);
    CHECK(r.err.find("replay ops=") == std::string::npos);
  }
}

TEST_CASE("binary garbage and very long lines never crash crix replay", "[tools][replay][process]") {
  const Shell sh;
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
  auto r = sh.replay(garbage);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("crix replay: line 1: ") != std::string::npos);
  r = sh.replay("A 1 B 1000 " + std::string(100'000, '9') + "\n");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("line 1: qty") != std::string::npos);
  CHECK(r.err.size() < 1000);  // the echoed line is cut short
}

TEST_CASE("crix reports a missing file and bad arguments", "[tools][replay][process]") {
  const Shell sh;
  // What FILE names cannot be used: a run-time failure (1), one line, without the help hint.
  auto r = sh.run(std::string(CRIX_BIN) + " replay /nonexistent/stream.txt");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "crix replay: FILE: \"/nonexistent/stream.txt\" cannot be opened: No such file or directory\n");
  r = sh.run(std::string(CRIX_BIN) + " replay /tmp");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "crix replay: FILE: \"/tmp\" is a directory: name a file of operations, or give none for stdin\n");
  r = sh.run(std::string(CRIX_BIN) + " replay --max-orders zero");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--max-orders: \"zero\" is not a whole number") != std::string::npos);
  r = sh.run(std::string(CRIX_BIN) + " frobnicate");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("crix: unknown command 'frobnicate'") == 0);
  CHECK(r.err.find("run 'crix --help'") != std::string::npos);
  r = sh.run(std::string(CRIX_BIN) + " gen --ops");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "crix gen: --ops needs a value; run 'crix gen --help'\n");
}

TEST_CASE("crix gen | crix replay as real processes equals the in-process replay",
          "[tools][replay][process]") {
  const Shell sh;
  const auto piped =
      sh.run(std::string(CRIX_BIN) + " gen --seed 9 --ops 20000 | " + CRIX_BIN + " replay");
  const auto direct = replay_in_process(generated(9, 20'000));
  CHECK(piped.exit_code == 0);
  CHECK(piped.out == direct.out);
  CHECK(piped.err == direct.err);
  CHECK(direct.summary.fills > 1000);
}
