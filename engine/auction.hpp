// crix::engine one-way bidding auctions (单向竞价, issue 13): the allocation at the window's end.
//
// One seller offers a lot; buyers bid a price (at or above the reserve, on the increment's grid) and a
// quantity, and may raise a bid, never lower it. At the window's end the lot goes to the bids by price,
// highest first, then by time (the bid's last raise: the earlier first), each taking what it asked or
// what is left, until the lot is gone. The market's rules decide, bid by bid and in that order, how
// much each may take at that moment (a pair the transfer or ratio rules forbid, a project's need, a
// region's cap reached by an earlier allocation): AuctionRules answers, and is told what was taken, so
// the next answer counts it. A whole (indivisible) lot goes to the first bid that asks for all of it and
// may take all of it, or stays unsold. Pay-as-bid: each winner pays its own price; uniform: all pay the
// lowest winning price.
//
// Pure and deterministic like the rest of the engine: the same lot, bids and answers give the same
// allocations. The bids' validity (reserve, grid, the bidder's project) is the entry's business; this
// trusts it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/types.hpp"

namespace crix::engine {

enum class AuctionPricing : std::uint8_t {
  kPayAsBid = 0,  // each winner pays its own bid
  kUniform = 1,   // every winner pays the lowest winning bid
};

struct AuctionLot {
  Qty qty{};           // offered
  bool whole = false;  // indivisible: one winner takes all of it, or it stays unsold
  AuctionPricing pricing = AuctionPricing::kPayAsBid;
};

struct AuctionBid {
  Price price{};
  Qty qty{};
  std::uint64_t time = 0;  // the seq of its last raise: among equal prices the smaller wins
};

struct Allocation {
  std::size_t bid = 0;  // index into the bids allocated
  Qty qty{};
  Price price{};        // what the winner pays per unit
  friend bool operator==(const Allocation&, const Allocation&) = default;
};

// The market's rules at allocation time. allowed() is asked in allocation order and must not change
// state; taken() follows every allocation made, before the next question.
class AuctionRules {
 public:
  virtual ~AuctionRules() = default;
  // How much of `asked` bid `bid` may take now (0: none, the bid is skipped; less than asked: a cut,
  // which a whole lot refuses).
  virtual Qty allowed(std::size_t bid, Qty asked) const = 0;
  virtual void taken(std::size_t bid, Qty qty) = 0;
};

// The allocations of `lot` among `bids`, in the order made (price, then time, then index). Empty: the
// lot stays unsold (no bid, or none the rules let take anything, or for a whole lot none asking all).
std::vector<Allocation> allocate(const AuctionLot& lot, std::span<const AuctionBid> bids, AuctionRules& rules);

}  // namespace crix::engine
