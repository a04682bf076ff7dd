// crix::tools::StreamGen: the deterministic order stream shared by `crix gen`, the tests and the
// benchmarks. Its definition is fixed (issue 2) so that the same seed gives the same stream anywhere:
//
//   splitmix64 with state s = seed; next(): s += 0x9E3779B97F4A7C15; z = s;
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^ (z >> 31);
//   below(n) = next() % n. State: mid = 10000, live = [], next_id = 1. Per operation:
//   w = below(100); w == 0: mid += 1; w == 1 and mid > 200: mid -= 1.
//   k = below(100). k < 30 and live not empty: j = below(len(live)); id = live[j]; live[j] = last;
//   drop last; emit "C id". Otherwise side = below(2) (0 = B, 1 = S); qty = 1 + below(100);
//   k < 80: off = 1 + below(20), price mid - off (B) / mid + off (S); else off = 1 + below(10),
//   price mid + off (B) / mid - off (S); id = next_id++; append id to live; emit "A id side price qty".
//
// Not thread-safe; one generator per thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/command.hpp"

namespace crix::tools {

struct StreamOp {
  enum class Kind : std::uint8_t { kAdd, kCancel };
  Kind kind = Kind::kAdd;
  engine::Side side = engine::Side::kBuy;
  std::uint64_t id = 0;
  std::int64_t price = 0;  // kAdd only
  std::int64_t qty = 0;    // kAdd only
};

class StreamGen {
 public:
  explicit StreamGen(std::uint64_t seed) : s_(seed) {}
  StreamOp next();

 private:
  std::uint64_t next_u64();
  std::uint64_t below(std::uint64_t n) { return next_u64() % n; }

  std::uint64_t s_;
  std::int64_t mid_ = 10000;
  std::vector<std::uint64_t> live_;
  std::uint64_t next_id_ = 1;
};

// The op as its text line, without the newline: "A 1 B 9990 17" or "C 1".
std::string format(const StreamOp& op);

// The op as the engine command `crix replay` applies: a plain GTC limit order or a cancel, on
// instrument 0, by participant 1.
engine::Command to_command(const StreamOp& op);

}  // namespace crix::tools
