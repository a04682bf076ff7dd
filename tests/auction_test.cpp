// One-way bidding auctions: the allocation (engine/auction.hpp) against a naive reference (the bids
// picked one by one by scanning for the best left, no sort) over random auctions with random market
// rules (bidders' remaining need, regional caps shared between bidders, forbidden pairs, cuts to the
// lot size), and one scenario per allocation rule.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/auction.hpp"
#include "tests/support/rng.hpp"

using namespace crix::engine;

namespace {

// Market rules as the exchange will apply them at allocation time, in miniature: each bid belongs to a
// bidder (its project) with remaining need, in a region with room under a cap, and may be forbidden
// outright (a pair the transfer or ratio rules refuse); what a bid may take is cut to the lot size.
struct Rules final : AuctionRules {
  std::vector<std::uint32_t> bidder_of;  // per bid
  std::vector<std::uint32_t> region_of;  // per bidder
  std::vector<bool> forbidden;           // per bidder
  std::vector<std::int64_t> need;        // per bidder
  std::vector<std::int64_t> cap_room;    // per region
  std::int64_t lot = 1;

  Qty allowed(std::size_t bid, Qty asked) const override {
    const std::uint32_t b = bidder_of[bid];
    if (forbidden[b]) return Qty(0);
    const std::int64_t q = std::min({asked.v, need[b], cap_room[region_of[b]]});
    return Qty(std::max<std::int64_t>(q, 0) / lot * lot);
  }
  void taken(std::size_t bid, Qty qty) override {
    const std::uint32_t b = bidder_of[bid];
    need[b] -= qty.v;
    cap_room[region_of[b]] -= qty.v;
  }
};

// The reference: no sort, no early exits beyond the lot running out; the best bid left is found by a
// full scan each time, and the uniform price is the lowest allocated price found by another scan.
std::vector<Allocation> naive(const AuctionLot& lot, const std::vector<AuctionBid>& bids, AuctionRules& rules) {
  const auto better = [&](std::size_t a, std::size_t b) {
    if (bids[a].price.v != bids[b].price.v) return bids[a].price.v > bids[b].price.v;
    if (bids[a].time != bids[b].time) return bids[a].time < bids[b].time;
    return a < b;
  };
  std::vector<bool> seen(bids.size(), false);
  std::vector<Allocation> out;
  std::int64_t left = lot.qty.v;
  for (;;) {
    std::size_t best = bids.size();
    for (std::size_t i = 0; i < bids.size(); ++i) {
      if (!seen[i] && (best == bids.size() || better(i, best))) best = i;
    }
    if (best == bids.size() || left <= 0) break;
    seen[best] = true;
    const std::int64_t asked = lot.whole ? lot.qty.v : std::min(bids[best].qty.v, left);
    if (lot.whole && bids[best].qty.v < lot.qty.v) continue;
    const std::int64_t may = std::min(rules.allowed(best, Qty(asked)).v, asked);
    if (may <= 0 || (lot.whole && may < asked)) continue;
    rules.taken(best, Qty(may));
    out.push_back(Allocation{best, Qty(may), bids[best].price});
    left -= may;
  }
  if (lot.pricing == AuctionPricing::kUniform) {
    std::int64_t lowest = 0;
    for (const Allocation& a : out) lowest = lowest == 0 ? a.price.v : std::min(lowest, a.price.v);
    for (Allocation& a : out) a.price = Price(lowest);
  }
  return out;
}

Rules random_rules(crix::test::Rng& rng, std::size_t bids, std::int64_t lot) {
  Rules r;
  const std::size_t bidders = 1 + rng.below(12);
  const std::size_t regions = 1 + rng.below(4);
  for (std::size_t b = 0; b < bidders; ++b) {
    r.region_of.push_back(static_cast<std::uint32_t>(rng.below(regions)));
    r.forbidden.push_back(rng.below(8) == 0);
    r.need.push_back(static_cast<std::int64_t>(rng.below(6000)));
  }
  for (std::size_t g = 0; g < regions; ++g) r.cap_room.push_back(static_cast<std::int64_t>(rng.below(8000)));
  for (std::size_t i = 0; i < bids; ++i) r.bidder_of.push_back(static_cast<std::uint32_t>(rng.below(bidders)));
  r.lot = lot;
  return r;
}

std::string text(const std::vector<Allocation>& as) {
  std::string s;
  for (const Allocation& a : as) {
    s += '(';
    s += std::to_string(a.bid);
    s += ": ";
    s += std::to_string(a.qty.v);
    s += " @ ";
    s += std::to_string(a.price.v);
    s += ") ";
  }
  return s;
}

// A plain rule set for the scenarios: every bidder its own, unlimited room, no cap.
Rules open_rules(std::size_t bids) {
  Rules r;
  for (std::size_t i = 0; i < bids; ++i) {
    r.bidder_of.push_back(static_cast<std::uint32_t>(i));
    r.region_of.push_back(0);
    r.forbidden.push_back(false);
    r.need.push_back(1'000'000'000);
  }
  r.cap_room.push_back(1'000'000'000);
  return r;
}

}  // namespace

TEST_CASE("differential: the auction allocation equals the naive reference on random auctions and rules",
          "[auction][differential]") {
  std::uint64_t allocations = 0, unsold = 0, cut = 0, skipped = 0;
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    crix::test::Rng rng{seed};
    AuctionLot lot;
    lot.whole = rng.below(4) == 0;
    lot.pricing = rng.below(2) == 0 ? AuctionPricing::kPayAsBid : AuctionPricing::kUniform;
    const std::int64_t size = rng.below(2) == 0 ? 1 : 100;
    lot.qty = Qty(static_cast<std::int64_t>(1 + rng.below(100)) * size);
    const std::int64_t reserve = 50'000, increment = rng.below(2) == 0 ? 100 : 1;
    std::vector<AuctionBid> bids(rng.below(80));
    for (AuctionBid& b : bids) {
      b.price = Price(reserve + static_cast<std::int64_t>(rng.below(6)) * increment);  // few prices: many ties
      b.qty = Qty(static_cast<std::int64_t>(1 + rng.below(lot.whole ? 120 : 40)) * size);
      b.time = rng.below(30);  // repeated times: ties broken by index
    }
    Rules fast_rules = random_rules(rng, bids.size(), size);
    Rules slow_rules = fast_rules;
    const std::vector<Allocation> fast = allocate(lot, bids, fast_rules);
    const std::vector<Allocation> slow = naive(lot, bids, slow_rules);
    INFO("seed " << seed << ": fast " << text(fast) << "; naive " << text(slow));
    REQUIRE(fast == slow);
    REQUIRE(fast_rules.need == slow_rules.need);
    REQUIRE(fast_rules.cap_room == slow_rules.cap_room);
    // What the allocation may never do, whatever the rules said.
    std::int64_t sold = 0;
    for (const Allocation& a : fast) {
      sold += a.qty.v;
      REQUIRE(a.qty.v > 0);
      REQUIRE(a.qty <= bids[a.bid].qty);
      REQUIRE(a.price <= bids[a.bid].price);  // nobody pays above its own bid
      if (a.qty < std::min(bids[a.bid].qty, lot.qty)) ++cut;
    }
    REQUIRE(sold <= lot.qty.v);
    if (lot.whole) REQUIRE((fast.empty() || (fast.size() == 1 && fast[0].qty == lot.qty)));
    for (const std::int64_t n : fast_rules.need) REQUIRE(n >= 0);
    for (const std::int64_t c : fast_rules.cap_room) REQUIRE(c >= 0);
    allocations += fast.size();
    unsold += fast.empty() ? 1 : 0;
    skipped += bids.size() > fast.size() && sold < lot.qty.v ? 1 : 0;
  }
  // The random auctions must reach every branch, or the comparison proved little.
  CHECK(allocations > 3000);
  CHECK(unsold > 100);
  CHECK(cut > 100);
  CHECK(skipped > 100);
}

TEST_CASE("auction: price first, then the earlier raise, a divisible lot's last winner takes what is left",
          "[auction]") {
  const std::vector<AuctionBid> bids = {
      {Price(60'000), Qty(300), 5},  // 0
      {Price(61'000), Qty(200), 9},  // 1: highest
      {Price(60'000), Qty(300), 3},  // 2: same price as 0, raised earlier
  };
  Rules rules = open_rules(bids.size());
  const std::vector<Allocation> a = allocate(AuctionLot{Qty(600), false, AuctionPricing::kPayAsBid}, bids, rules);
  REQUIRE(a.size() == 3);
  CHECK(a[0] == Allocation{1, Qty(200), Price(61'000)});
  CHECK(a[1] == Allocation{2, Qty(300), Price(60'000)});
  CHECK(a[2] == Allocation{0, Qty(100), Price(60'000)});  // the rest
}

TEST_CASE("auction: uniform pricing charges every winner the lowest winning bid", "[auction]") {
  const std::vector<AuctionBid> bids = {{Price(65'000), Qty(100), 1}, {Price(62'000), Qty(100), 2},
                                        {Price(61'000), Qty(100), 3}};
  Rules rules = open_rules(bids.size());
  const std::vector<Allocation> a = allocate(AuctionLot{Qty(200), false, AuctionPricing::kUniform}, bids, rules);
  REQUIRE(a.size() == 2);
  CHECK(a[0] == Allocation{0, Qty(100), Price(62'000)});
  CHECK(a[1] == Allocation{1, Qty(100), Price(62'000)});
}

TEST_CASE("auction: a whole lot goes to the best bid for all of it that the rules let take it, or stays unsold",
          "[auction]") {
  const std::vector<AuctionBid> bids = {
      {Price(70'000), Qty(400), 1},  // best price, but not for the whole lot
      {Price(66'000), Qty(500), 2},  // for all of it, but its project's need is 450
      {Price(64'000), Qty(500), 3},  // for all of it
  };
  Rules rules = open_rules(bids.size());
  rules.need[1] = 450;
  std::vector<Allocation> a = allocate(AuctionLot{Qty(500), true, AuctionPricing::kPayAsBid}, bids, rules);
  REQUIRE(a.size() == 1);
  CHECK(a[0] == Allocation{2, Qty(500), Price(64'000)});
  // No bid large enough: unsold, and the rules were never told of a taking.
  Rules untouched = open_rules(bids.size());
  a = allocate(AuctionLot{Qty(600), true, AuctionPricing::kPayAsBid}, bids, untouched);
  CHECK(a.empty());
  CHECK(untouched.need == open_rules(bids.size()).need);
}

TEST_CASE("auction: a cap reached by an earlier allocation skips a later bid in the same region", "[auction]") {
  const std::vector<AuctionBid> bids = {{Price(63'000), Qty(300), 1}, {Price(62'000), Qty(300), 2},
                                        {Price(61'000), Qty(300), 3}};
  Rules rules = open_rules(bids.size());
  rules.region_of = {0, 0, 1};  // bids 0 and 1 in region 0 with room for 350; bid 2 elsewhere
  rules.cap_room = {350, 1'000'000};
  const std::vector<Allocation> a = allocate(AuctionLot{Qty(700), false, AuctionPricing::kPayAsBid}, bids, rules);
  REQUIRE(a.size() == 3);
  CHECK(a[0] == Allocation{0, Qty(300), Price(63'000)});
  CHECK(a[1] == Allocation{1, Qty(50), Price(62'000)});  // cut to the cap's room
  CHECK(a[2] == Allocation{2, Qty(300), Price(61'000)});
  rules = open_rules(bids.size());
  rules.forbidden[0] = true;  // a pair the transfer rules refuse: the bid is skipped whole
  const std::vector<Allocation> b = allocate(AuctionLot{Qty(300), false, AuctionPricing::kPayAsBid}, bids, rules);
  REQUIRE(b.size() == 1);
  CHECK(b[0].bid == 1);
}
