// The stream generator against an independent implementation of its definition: the expected lines
// and counts below were produced by a separate Python transcription of the definition
// (splitmix64, mid drift, live list with swap-remove), not by this code.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tools/stream_gen.hpp"

namespace {

std::vector<std::string> lines(std::uint64_t seed, int n) {
  crix::tools::StreamGen gen(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(crix::tools::format(gen.next()));
  return out;
}

struct Counts {
  int adds = 0, cancels = 0;
  std::string last;
};

Counts count(std::uint64_t seed, int n) {
  crix::tools::StreamGen gen(seed);
  Counts c;
  for (int i = 0; i < n; ++i) {
    const auto op = gen.next();
    (op.kind == crix::tools::StreamOp::Kind::kAdd ? c.adds : c.cancels)++;
    if (i == n - 1) c.last = crix::tools::format(op);
  }
  return c;
}

}  // namespace

TEST_CASE("the generator reproduces the reference stream for seed 42", "[tools][gen]") {
  const std::vector<std::string> expected = {
      "A 1 B 10001 65", "C 1",           "A 2 S 10019 47", "A 3 B 9998 90",  "C 2",
      "C 3",            "A 4 S 9996 92", "C 4",            "A 5 S 10014 84", "A 6 B 9982 47",
      "C 6",            "A 7 S 9994 39", "A 8 B 9990 88",  "A 9 B 9985 53",  "A 10 B 9997 79",
      "A 11 B 10003 98", "A 12 B 10001 85", "A 13 B 10006 25", "A 14 B 9996 56", "A 15 B 9985 51",
  };
  CHECK(lines(42, 20) == expected);
}

TEST_CASE("the generator reproduces the reference stream for seed 7", "[tools][gen]") {
  const std::vector<std::string> expected = {
      "A 1 B 9985 4", "A 2 B 10006 86", "C 1", "A 3 B 10002 28",
      "C 3",          "C 2",            "A 4 B 9984 40", "A 5 B 9981 73",
  };
  CHECK(lines(7, 8) == expected);
}

TEST_CASE("the generator's counts over 100k operations match the reference", "[tools][gen]") {
  const Counts c42 = count(42, 100'000);
  CHECK(c42.adds == 69887);
  CHECK(c42.cancels == 30113);
  CHECK(c42.last == "C 45891");
  const Counts c7 = count(7, 100'000);
  CHECK(c7.adds == 70093);
  CHECK(c7.cancels == 29907);
  CHECK(c7.last == "A 70093 B 9894 75");
}

TEST_CASE("the same seed gives the same stream, another seed another", "[tools][gen]") {
  CHECK(lines(123, 1000) == lines(123, 1000));
  CHECK(lines(123, 1000) != lines(124, 1000));
}

TEST_CASE("generated commands are plain GTC limit orders and cancels", "[tools][gen]") {
  crix::tools::StreamGen gen(42);
  const auto add = crix::tools::to_command(gen.next());
  CHECK(add.type == crix::engine::CommandType::kNew);
  CHECK(add.tif == crix::engine::TimeInForce::kGtc);
  CHECK(add.ord_type == crix::engine::OrderType::kLimit);
  CHECK(add.id == crix::engine::OrderId(1));
  CHECK(add.price == crix::engine::Price(10001));
  CHECK(add.qty == crix::engine::Qty(65));
  const auto cancel = crix::tools::to_command(gen.next());
  CHECK(cancel.type == crix::engine::CommandType::kCancel);
  CHECK(cancel.id == crix::engine::OrderId(1));
}
