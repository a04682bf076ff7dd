// crix::engine strong types: prices, quantities, identifiers and the small enums shared by commands,
// events and the book.
//
// Everything here is a trivially copyable value. Money is integer fen (0.01 yuan) per tonne and
// quantity is integer tonnes of annual capacity (DESIGN.md, Numbers): no floating point anywhere in the
// engine. Each id has its own type so that the compiler rejects a participant passed as an order id.
#pragma once

#include <compare>
#include <cstdint>
#include <type_traits>

namespace crix::engine {

// A tagged integer: explicit construction, comparison, and (for the quantity-like types) arithmetic.
template <class Tag, class Rep>
struct Strong {
  using rep = Rep;
  Rep v{};

  constexpr Strong() = default;
  constexpr explicit Strong(Rep value) : v(value) {}
  constexpr Rep value() const { return v; }
  friend constexpr auto operator<=>(Strong, Strong) = default;
};

template <class Tag, class Rep>
struct Amount : Strong<Tag, Rep> {
  using Strong<Tag, Rep>::Strong;
  friend constexpr Amount operator+(Amount a, Amount b) { return Amount(a.v + b.v); }
  friend constexpr Amount operator-(Amount a, Amount b) { return Amount(a.v - b.v); }
  constexpr Amount& operator+=(Amount b) { this->v += b.v; return *this; }
  constexpr Amount& operator-=(Amount b) { this->v -= b.v; return *this; }
  friend constexpr auto operator<=>(Amount, Amount) = default;
};

using Price = Amount<struct PriceTag, std::int64_t>;          // fen per tonne
using Qty = Amount<struct QtyTag, std::int64_t>;              // tonnes of annual capacity
using OrderId = Strong<struct OrderIdTag, std::uint64_t>;     // exchange-wide, unique while live
using TradeId = Strong<struct TradeIdTag, std::uint64_t>;     // 1, 2, 3 ... per engine
using ParticipantId = Strong<struct ParticipantTag, std::uint32_t>;
using InstrumentId = Strong<struct InstrumentTag, std::uint32_t>;  // dense index, 0 .. n-1
using AccountId = Strong<struct AccountTag, std::uint64_t>;   // facility (sell) or project (buy)
using Seq = Strong<struct SeqTag, std::uint64_t>;             // sequencer number of a command
using Timestamp = Strong<struct TimestampTag, std::int64_t>;  // ns since the Unix epoch, set by the sequencer

static_assert(sizeof(Price) == 8 && std::is_trivially_copyable_v<Price>);
static_assert(sizeof(OrderId) == 8 && std::is_trivially_copyable_v<OrderId>);
static_assert(sizeof(ParticipantId) == 4 && std::is_trivially_copyable_v<ParticipantId>);

enum class Side : std::uint8_t { kBuy = 0, kSell = 1 };
constexpr Side opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }

// How a trade was made (Event::mode on a Fill; the ledger's trade kind): on the continuous listed
// book (挂牌), as a two-party block trade (大宗协议) or in a one-way bidding auction (单向竞价).
enum class TradeMode : std::uint8_t { kBook = 0, kBlock = 1, kAuction = 2 };

enum class OrderType : std::uint8_t {
  kLimit = 0,
  kMarket = 1,  // matches up to its protection price (Command::price), never rests
};

enum class TimeInForce : std::uint8_t {
  kDay = 0,  // rests; expires at the CloseDay command
  kGtc = 1,  // rests until filled or canceled
  kIoc = 2,  // fills what it can now, the rest is canceled
  kFok = 3,  // fills completely now or not at all
  kGtd = 4,  // rests; expires before the first command whose time is >= Command::expire_at (Exchange)
             // or, in the bare book (and journals from before 2026-12-07), at the first AdvanceTime/CloseDay
};

// Order flags (bit set in Command::flags).
inline constexpr std::uint8_t kFlagAllOrNone = 0x01;  // fill completely (in one or more fills) or not at all
inline constexpr std::uint8_t kKnownFlags = kFlagAllOrNone;

// Self-trade prevention: what happens when an incoming order meets a resting order of the same
// participant. The default keeps the newest intention (cancel the resting side), as DESIGN.md asks.
enum class StpMode : std::uint8_t {
  kCancelResting = 0,
  kCancelIncoming = 1,  // the incoming order's remainder is canceled; matching stops there
  kCancelBoth = 2,
  kOff = 3,  // no prevention: for plain replays that carry no participants
};

}  // namespace crix::engine
