// crix::engine commands: what the sequencer feeds to Engine::apply.
//
// A command is a small trivially copyable record. It already carries its sequence number and
// timestamp: the engine never reads a clock. Fields a command type does not use are ignored (and
// should be zero, so that a journaled command hashes and compares predictably).
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "engine/types.hpp"

namespace crix::engine {

enum class CommandType : std::uint8_t {
  // Enter an order: instrument, id, participant, account, side, ord_type, tif, flags, price, qty,
  // expire_at (GTD only). For a market order `price` is its protection price: it matches no further.
  kNew = 0,
  // Cancel a resting order: instrument, id, participant (must own the order).
  kCancel = 1,
  // Change a resting order: instrument, id, participant, price (new limit), qty (new TOTAL order
  // quantity, filled part included, as FIX OrderQty). Same price and a smaller open quantity keeps the
  // order's place; a new price or a larger quantity sends it to the back of the queue at its (new)
  // price, and a new price may cross and trade as if the order had just arrived.
  kReplace = 2,
  // Cancel every resting order of `participant`; on one instrument, or on all when `instrument` is
  // kAllInstruments.
  kMassCancel = 3,
  // The clock moved to `ts`: every GTD order with expire_at <= ts expires.
  kAdvanceTime = 4,
  // The trading day closed at `ts`: every Day order expires, then as kAdvanceTime.
  kCloseDay = 5,
  // Operator commands, carried out by the Exchange (exchange.hpp); the bare book engine rejects them
  // (kUnknownCommand). Halt and resume trading in `instrument` (its orders stay); suspend `participant`
  // (every order of it is canceled, no new ones) and reinstate it.
  kHalt = 6,
  kResume = 7,
  kSuspend = 8,
  kReinstate = 9,
  // Registry and elimination-list commands of the operator (registry.hpp), carried out by the Exchange:
  // revoke trade `id` during its publicity period (its capacity goes back to the facility, its credit
  // leaves the project); move trade `id`'s elimination entry to status `qty` (EliminationStatus);
  // amend field `id` (FacilityField / ProjectField) of facility / project `account` to `qty`;
  // register the configured facility (side kSell) or project (side kBuy) `account`, the next one.
  kRevoke = 10,
  kSetEliminationStatus = 11,
  kAmendFacility = 12,
  kAmendProject = 13,
  kRegister = 14,
  // Block trades (大宗协议), carried out by the Exchange (exchange.hpp, "Block trades"). A proposal is
  // the proposer's side of a two-party trade agreed off the book: instrument, participant (the
  // proposer), side (its side), account (its facility for a sell, its project for a buy), price, qty,
  // id (the block's id, unique among pending proposals: the gateway gives it the command's seq, as an
  // order id) and the counterparty's participant index in expire_at (block_counterparty(); a proposal
  // needs no expiry of its own: an unanswered one ends at the day's close).
  kBlockPropose = 15,
  // The counterparty accepts block `id`: instrument (the block's), participant (the counterparty),
  // account (its project when the proposer sells, its facility when it buys). Price, quantity and
  // side are the proposal's; the command's are ignored.
  kBlockAccept = 16,
  // The counterparty declines block `id` (instrument, participant), or the proposer withdraws it.
  kBlockDecline = 17,
  kBlockWithdraw = 18,
  // One-way bidding auctions (单向竞价), carried out by the Exchange (exchange.hpp, "Auctions"). The
  // operator announces configured auction `id` (an index into Market::auctions): its lot is reserved
  // from the seller's facilities at once; bidding opens at auction_opens() (carried in `price`, which an
  // announcement does not use) and ends at expire_at. Or cancels announced auction `id`.
  kAuctionAnnounce = 19,
  kAuctionCancel = 20,
  // A bid in an announced auction (auction_of(): its index, carried in expire_at): participant, account
  // (the bidder's project), price, qty, id (the bid's id: the gateway gives it the command's seq, as an
  // order id). A second bid of the same project in the same auction raises the first (price and
  // quantity never lower, one of them higher) and takes its place in time.
  kAuctionBid = 21,
};

std::string_view to_string(CommandType type);  // "New", "Cancel", ...

inline constexpr InstrumentId kAllInstruments{0xFFFFFFFFu};

struct Command {
  CommandType type = CommandType::kNew;
  Side side = Side::kBuy;
  OrderType ord_type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  std::uint8_t flags = 0;
  InstrumentId instrument{};
  ParticipantId participant{};
  Seq seq{};
  Timestamp ts{};
  OrderId id{};
  AccountId account{};
  Price price{};
  Qty qty{};
  Timestamp expire_at{};
};

// 8 bytes of enums and flags (padded), 2 x 4-byte ids, 7 x 8-byte fields: 72 bytes, a bit over one
// cache line; commands cross a queue by value, so keep it from growing without a reason.
// The counterparty a kBlockPropose names (carried in expire_at, which a proposal does not use).
constexpr ParticipantId block_counterparty(const Command& c) {
  return ParticipantId(static_cast<std::uint32_t>(c.expire_at.v));
}

// The window a kAuctionAnnounce gives its auction: opens at auction_opens(c), ends at c.expire_at.
constexpr Timestamp auction_opens(const Command& c) { return Timestamp(c.price.v); }
// The auction a kAuctionBid is for (an index into Market::auctions, carried in expire_at).
constexpr std::uint32_t auction_of(const Command& c) { return static_cast<std::uint32_t>(c.expire_at.v); }

static_assert(sizeof(Command) == 72, "Command layout changed: check queues and the journal format");
static_assert(std::is_trivially_copyable_v<Command>);

}  // namespace crix::engine
