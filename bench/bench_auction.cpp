// The allocation of a one-way bidding auction (engine/auction.hpp) at its window's end, with the
// market's rules answering bid by bid: bench_auction [--bids N] [--rounds R]. Random bids on a price
// grid (many ties), 200 bidders' projects with remaining need, 8 regions with room under a cap, one
// bidder in ten refused outright; a divisible lot of a quarter of all asked. Prints the fastest and
// the median of R rounds, each on fresh rules:
//   bench_auction bids=10000 allocate_ms=<median> min_ms=<n> allocations=<n>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/auction.hpp"

using namespace crix::engine;

namespace {

struct Rules final : AuctionRules {
  std::vector<std::uint32_t> bidder_of;
  std::vector<std::uint32_t> region_of;
  std::vector<bool> forbidden;
  std::vector<std::int64_t> need;
  std::vector<std::int64_t> cap_room;
  Qty allowed(std::size_t bid, Qty asked) const override {
    const std::uint32_t b = bidder_of[bid];
    if (forbidden[b]) return Qty(0);
    return Qty(std::max<std::int64_t>(0, std::min({asked.v, need[b], cap_room[region_of[b]]})));
  }
  void taken(std::size_t bid, Qty qty) override {
    need[bidder_of[bid]] -= qty.v;
    cap_room[region_of[bidder_of[bid]]] -= qty.v;
  }
};

std::uint64_t state = 0x9E3779B97F4A7C15ull;
std::uint64_t next() {  // xorshift64*: fixed seed, the same auction every run
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 10'000;
  int rounds = 21;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--bids") == 0) n = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  if (n == 0 || rounds < 1) {
    std::fprintf(stderr, "usage: bench_auction [--bids N>0] [--rounds R>0]\n");
    return 2;
  }
  std::vector<AuctionBid> bids(n);
  std::int64_t asked = 0;
  Rules fresh;
  for (std::uint32_t b = 0; b < 200; ++b) {
    fresh.region_of.push_back(static_cast<std::uint32_t>(next() % 8));
    fresh.forbidden.push_back(next() % 10 == 0);
    fresh.need.push_back(static_cast<std::int64_t>(next() % 200'000));
  }
  fresh.cap_room.assign(8, 0);
  for (std::int64_t& c : fresh.cap_room) c = static_cast<std::int64_t>(next() % 2'000'000);
  for (std::size_t i = 0; i < n; ++i) {
    bids[i].price = Price(5'000'000 + static_cast<std::int64_t>(next() % 500) * 100);
    bids[i].qty = Qty(1'000 * static_cast<std::int64_t>(1 + next() % 50));
    bids[i].time = i;
    asked += bids[i].qty.v;
    fresh.bidder_of.push_back(static_cast<std::uint32_t>(next() % 200));
  }
  const AuctionLot lot{Qty(asked / 4), false, AuctionPricing::kUniform};
  std::vector<double> ms;
  std::size_t made = 0;
  for (int r = 0; r < rounds; ++r) {
    Rules rules = fresh;
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Allocation> out = allocate(lot, bids, rules);
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    made = out.size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("bench_auction bids=%zu allocate_ms=%.3f min_ms=%.3f allocations=%zu\n", n, ms[ms.size() / 2], ms[0],
              made);
  return 0;
}
