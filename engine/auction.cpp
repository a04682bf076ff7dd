#include "engine/auction.hpp"

#include <algorithm>
#include <numeric>

namespace crix::engine {

std::vector<Allocation> allocate(const AuctionLot& lot, std::span<const AuctionBid> bids, AuctionRules& rules) {
  std::vector<std::size_t> order(bids.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Price first (highest), then time (earliest raise), then the index: a total order, so the result
  // does not depend on the sort's stability.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (bids[a].price != bids[b].price) return bids[a].price > bids[b].price;
    if (bids[a].time != bids[b].time) return bids[a].time < bids[b].time;
    return a < b;
  });
  std::vector<Allocation> out;
  Qty left = lot.qty;
  for (const std::size_t i : order) {
    if (left.v <= 0) break;
    const AuctionBid& b = bids[i];
    if (lot.whole && b.qty < lot.qty) continue;  // a whole lot goes only to a bid for all of it
    const Qty asked = std::min(b.qty, left);
    const Qty may = std::min(rules.allowed(i, asked), asked);
    if (may.v <= 0 || (lot.whole && may < asked)) continue;
    rules.taken(i, may);
    out.push_back(Allocation{i, may, b.price});
    left -= may;
  }
  if (lot.pricing == AuctionPricing::kUniform && !out.empty()) {
    const Price lowest = out.back().price;  // allocations are made in falling price order
    for (Allocation& a : out) a.price = lowest;
  }
  return out;
}

}  // namespace crix::engine
