// crix::engine events: what Engine::apply reports, in order, into a caller-owned EventSink.
//
// Ordering contract (the reference model in tests/ reproduces it exactly):
//  New order:   Accepted; then, walking the opposite side best price first and each queue in time
//               order: Fill per trade, Canceled(kSelfTrade) per resting order removed by self-trade
//               prevention, and one Level event per opposite level as matching leaves it, if that level
//               changed; then, if the remainder rests, one Level event for its level; otherwise, if a
//               remainder is left, Canceled for it (kUnfilled, kFillOrKill or kSelfTrade).
//               A rejected order gives exactly one Rejected event and changes nothing.
//  Cancel:      Canceled(kRequested) then Level.
//  Replace:     Replaced; if the order keeps its place, Level. Otherwise Level for the old level, then
//               matching exactly as for a new order (Fill ... Level ...), then Level for the new level if
//               it rests (or Canceled(kSelfTrade) under StpMode::kCancelIncoming/kCancelBoth).
//  MassCancel:  per book (instrument order), bids then asks, best level first: Canceled(kMassCancel)
//               for each of the participant's orders in queue order, then that level's Level event.
//  AdvanceTime: Expired for each GTD order due, ordered by (expire_at, order id), each followed by
//               its Level event.
//  CloseDay:    per book, bids then asks, best level first: Expired for each Day order in queue order,
//               then that level's Level event; then as AdvanceTime.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/types.hpp"

namespace crix::engine {

// Stable reject codes, a numeric range per stage (exchange-core's habit): 100-199 engine
// (validation and capacity); 200-299 market rules (issue 3). Never renumber: clients and the
// journal see these numbers.
enum class RejectCode : std::uint16_t {
  kNone = 0,
  kUnknownInstrument = 100,   // arg1 = instrument
  kInvalidSide = 101,         // arg1 = raw value
  kInvalidOrderType = 102,    // arg1 = raw value
  kInvalidTimeInForce = 103,  // arg1 = raw value
  kInvalidFlags = 104,        // arg1 = raw value
  kInvalidQuantity = 105,     // arg1 = quantity, arg2 = the maximum
  kInvalidPrice = 106,        // arg1 = price, arg2 = the maximum
  kInvalidExpiry = 107,       // GTD: arg1 = expire_at, arg2 = command time; or expiry on a non-GTD order
  kDuplicateOrderId = 108,    // an order with this id is resting
  kUnknownOrder = 109,        // cancel/replace of an order that is not resting (never was, filled, canceled)
  kNotOwner = 110,            // cancel/replace of another participant's order
  kReplaceBelowFilled = 111,  // arg1 = new total, arg2 = already filled
  kOrderPoolFull = 112,       // arg1 = capacity of the order pool
  kLevelPoolFull = 113,       // arg1 = capacity of the level pool
  kUnknownCommand = 114,      // arg1 = raw type

  // Market rules, checked by the Exchange before an order reaches the book. The event's account and
  // participant are the command's; Exchange::describe turns each into a sentence with names.
  kUnknownParticipant = 200,    // the command's participant is not registered
  kParticipantSuspended = 201,
  kSideNotAllowed = 202,        // a buyer-only participant sells, or a seller-only one buys
  kInstrumentNotAllowed = 203,  // the participant may not trade this instrument
  kSessionClosed = 204,         // arg1 = SessionPhase now, arg2 = minute of day of the next open, -1: none today
  kInstrumentHalted = 205,
  kOffTick = 206,               // arg1 = price, arg2 = tick
  kOffLot = 207,                // arg1 = quantity, arg2 = lot
  kOutsideBand = 208,           // arg1 = lowest, arg2 = highest price allowed
  kUnknownFacility = 209,       // account is no registered facility
  kFacilityNotOwned = 210,
  kFacilityWrongIndustry = 211,  // arg1 = 1: of the right industry but another product, arg2 = its instrument
  kFacilityIneligible = 212,    // arg1 = Ineligibility
  kFacilityCapacity = 213,      // arg1 = unsold and unreserved capacity, arg2 = what the order needs more
                                // (a new order: its quantity; a replace: the growth of its open quantity)
  kFacilityIndivisible = 214,   // arg1 = the whole remaining capacity the order must be for (all-or-none)
  kUnknownProject = 215,        // account is no registered project
  kProjectNotOwned = 216,
  kProjectWrongIndustry = 217,   // as kFacilityWrongIndustry
  kProjectNotOpen = 218,        // arg1 = ProjectStatus
  kProjectNeed = 219,           // arg1 = need not yet credited or reserved, arg2 = what the order would
                                // reserve more (its open quantity, or a replace's growth, at the highest
                                // ratio a seller could bring); a new order also when arg1 is 0
  kNoRatioRule = 220,           // no ratio rule could ever apply to the project
  kNoCounterparty = 221,        // no registered account on the other side could ever trade with it
  // Registry and elimination-list commands (registry.hpp). Sentences come from Exchange::describe.
  kUnknownTrade = 222,          // arg1 = the trade id (none, or not yet made)
  kNotRevocable = 223,          // arg1 = trade id, arg2 = NotRevocable
  kStatusNotAllowed = 224,      // arg1 = the entry's status now, arg2 = the status asked for
  kInvalidAmendment = 225,      // arg1 = the field, arg2 = the value (side: kSell facility, kBuy project)
  kAmendBelowUsed = 226,        // arg1 = the value asked for, arg2 = the facility's sold or project's credited
  kRegistrationOutOfOrder = 227,  // arg1 = the account given, arg2 = the next one to register
  kCreditsNothing = 228,        // a buy whose open quantity credits no new capacity even at the project's
                                // lowest ratio, or a sell whose open quantity credits none at the lowest
                                // ratio of the facility's pairs: arg1 = the least quantity that credits
                                // some, arg2 = that ratio
  kAboveListedMax = 229,        // quantity above the instrument's listed_max_qty: arg1 = quantity, arg2 = the limit
  // Block trades (exchange.hpp, "Block trades").
  kBelowBlockMin = 230,         // a proposal's quantity below the instrument's block_min_qty: arg1 = quantity, arg2 = the minimum
  kOutsideBlockBand = 231,      // a proposal's price outside the block band: arg1 = lowest, arg2 = highest price allowed
  kUnknownBlock = 232,          // no pending proposal has id arg1 (never made, or accepted, declined, withdrawn, expired)
  kNotBlockParty = 233,         // arg1 = 1: only the named counterparty may accept or decline; 2: only the proposer
                                // may withdraw; arg2 = the participant who may
  kBlockCounterparty = 234,     // the counterparty a proposal names: arg1 = BlockCounterparty, arg2 = its index
  kBlockPairRefused = 235,      // the accepted pair breaks a rule: arg1 = BlockRefusal, arg2 = its number (see there)
  kDuplicateBlockId = 236,      // a pending proposal already has this id
  // Auctions (exchange.hpp, "Auctions").
  kUnknownAuction = 240,        // arg1 = the auction index given: no such configured auction
  kAuctionNotOpen = 241,        // a bid outside the window: arg1 = AuctionState now, arg2 = 0 before the window
                                // opens (announced), 1 after it ended or when not announced
  kBelowReserve = 242,          // arg1 = the bid's price, arg2 = the reserve price
  kOffIncrement = 243,          // arg1 = the bid's price, arg2 = the increment above the reserve
  kBidNotRaised = 244,          // a second bid of the project lowers or repeats the first: arg1 = its price, arg2 = its qty
  kAuctionBidder = 245,         // the bidder or its project may not bid: arg1 = AuctionBidder, arg2 = its number
  kAuctionLot = 246,            // an announcement or cancel refused: arg1 = AuctionLotRefusal, arg2 = its number
  // Operator commands.
  kNoChange = 250,              // the command would change nothing: arg1 = NoChange
};

// What an operator command found already so (kNoChange's arg1).
enum class NoChange : std::uint8_t {
  kHalted = 1,     // halt: the instrument is halted
  kTrading = 2,    // resume: the instrument is not halted
  kSuspended = 3,  // suspend: the participant is suspended
  kActive = 4,     // reinstate: the participant is not suspended
  kDayClosed = 5,  // close-day: today is closed, or not a trading day
};

// Why a bidder may not bid (kAuctionBidder's arg1; arg2 as noted).
enum class AuctionBidder : std::uint8_t {
  kSeller = 1,    // the seller bids on its own lot
  kNoPair = 2,    // the transfer or ratio rules let the project buy from none of the lot's facilities
  kAboveLot = 3,  // the quantity is above the lot's; arg2 = the lot's quantity
};

// Why an announcement or a cancel is refused (kAuctionLot's arg1; arg2 as noted).
enum class AuctionLotRefusal : std::uint8_t {
  kAlreadyOpen = 1,   // arg2 = 0: an announce of one announced and open; 1: a cancel of one not open
  kSold = 2,          // it sold: a lot is auctioned once
  kWindow = 3,        // the window ends at or before it opens, or before the announcement
  kFacility = 4,      // a lot's facility is not registered, ineligible or its seller suspended; arg2 = its index
  kCapacity = 5,      // a facility has less unsold, unreserved capacity than the lot takes; arg2 = its index
  kIndivisible = 6,   // an indivisible facility's remaining capacity is not what the lot takes; arg2 = its index
};

// Why a proposal's counterparty is refused (kBlockCounterparty's arg1).
enum class BlockCounterparty : std::uint8_t {
  kUnknown = 1,      // no such participant
  kSuspended = 2,
  kProposer = 3,     // the proposer itself
  kWrongSide = 4,    // it may not take the other side (a seller-only participant named to buy)
  kInstrument = 5,   // it may not trade this instrument
};

// Why an accepted block breaks a rule (kBlockPairRefused's arg1; arg2 as noted). A block is all or
// nothing: it is never cut to fit.
enum class BlockRefusal : std::uint8_t {
  kPairForbidden = 1,  // the transfer table or the ratio rules forbid the pair
  kCreditsNothing = 2,  // the pair's ratio credits no new capacity for the quantity; arg2 = the ratio
  kProjectRoom = 3,    // the credit passes the project's need less its credit and other reservations; arg2 = room
  kRegionCap = 4,      // the buyer's region would pass its cap for the industry; arg2 = the room under the cap
};

// Why a trade may not be revoked (kNotRevocable's arg2).
enum class NotRevocable : std::uint8_t {
  kIsRevocation = 1,   // the trade is itself a revocation
  kAlreadyRevoked = 2,
  kStatusMovedOn = 3,  // its elimination entry is confirmed, shut or dismantled
  kPeriodOver = 4,     // its publicity period is over
};
std::string_view to_string(RejectCode code);

enum class CancelReason : std::uint8_t {
  kNone = 0,
  kRequested = 1,
  kMassCancel = 2,
  kSelfTrade = 3,   // self-trade prevention
  kUnfilled = 4,    // IOC or market remainder that found no more to trade with
  kFillOrKill = 5,  // FOK, or AON that may not rest, that could not fill completely at once
  kNeedMet = 6,     // Exchange: the buy order's project has been credited all the capacity it needs
  kSuspended = 7,   // Exchange: the operator suspended the order's participant
  kRegistry = 8,    // Exchange: an amendment changed the order's facility or project (capacity, need,
                    // eligibility, status), or a revocation gave the project back need
  kNeedCovered = 9, // Exchange: the order filled at a pair's ratio below the project's highest, so it
                    // credited more than it had reserved, and what it still reserved no longer fits
                    // in the project's need beside the credit and its other open orders
  kCreditsNothing = 10,  // Exchange: a fill left the order an open quantity that credits no new capacity
                         // even at the lowest ratio it could get (as RejectCode::kCreditsNothing at entry):
                         // it could never trade, and resting it would hold capacity or need for nothing
  // How a block proposal ended without a trade (BlockEnded's reason); kRequested: withdrawn by its
  // proposer, kSuspended and kRegistry as for orders.
  kDeclined = 11,      // declined by the counterparty
  kBlockExpired = 12,  // unanswered at the day's close
  // How an auction bid ended without (all of) a trade (AuctionBidEnded's reason); kSuspended and
  // kRegistry as for orders, kNeedMet when the project's need was met elsewhere.
  kAuctionLost = 13,      // the window ended and the allocation gave it less than it bid (or nothing)
  kAuctionCanceled = 14,  // the operator canceled the auction, or its seller was suspended or its lot
                          // facility amended (AuctionEnded's reason too)
};
std::string_view to_string(CancelReason reason);
std::string_view to_string(TradeMode mode);  // "book", "block", "auction"

// Every event carries `instrument`. Fields not listed stay at their zero defaults.
enum class EventType : std::uint8_t {
  kAccepted = 0,  // order_id, side, price (limit, or market protection), qty, leaves = qty
  kRejected = 1,  // code, arg1, arg2 (see RejectCode), and the command's own order_id, side, price, qty
                  // copied as they came (even when they are what is wrong)
  kFill = 2,      // order_id = taker, maker_id, side = taker side, price (the maker's), qty, trade_id,
                  // leaves = taker open qty after, maker_leaves = maker open qty after
  kCanceled = 3,  // order_id, side, price (the order's limit), qty = open quantity canceled, reason
  kReplaced = 4,  // order_id, side, price (new), qty (new total), leaves (open qty now, before matching)
  kExpired = 5,   // order_id, side, price, qty = open quantity expired
  kLevel = 6,     // L2 change: side, price, qty = level total now, count = orders now (0, 0: level gone)
  // Exchange events (exchange.hpp). A Fill from the Exchange also carries arg1 = the new capacity it
  // credits to the project, arg2 = the pair's replacement ratio in per-mille.
  kSessionPhase = 7,      // instrument = kAllInstruments, arg1 = SessionPhase now
  kInstrumentState = 8,   // arg1 = 1 halted, 0 trading
  kParticipantState = 9,  // participant, arg1 = 1 suspended, 0 active
  kDayClosed = 10,        // price = close (VWAP of the day's trades, rounded to the tick; the old
                          // reference when none) = the next day's reference, qty = volume,
                          // arg1 = the previous reference, arg2 = number of trades
  kRevoked = 11,          // trade_id = the revocation's own id (from the trade-id sequence),
                          // arg1 = the trade revoked, price and qty = that trade's, arg2 = the credit
                          // taken back; account / participant = project and buyer, maker_account /
                          // maker_participant = facility and seller
  kEliminationStatus = 12,  // trade_id = the trade, arg1 = status now, arg2 = status before
  kRegistryChanged = 13,  // side kSell: facility `account`, kBuy: project `account`; arg1 = the field,
                          // arg2 = its new value, qty = its value before
  kRegistered = 14,       // side kSell: facility `account` registered; kBuy: project `account`
  // Block trades. A proposal's events carry order_id = the block's id, side, account and participant
  // = the proposer's, maker_participant = the counterparty, price and qty.
  kBlockProposed = 15,    // a proposal is pending: its account's capacity or need is reserved
  kBlockEnded = 16,       // it ended without a trade, reason says how; the reservation is released
  // An accepted block settles as a Fill with mode kBlock: order_id = maker_id = the block's id, side,
  // account and participant = the acceptor's (the taker), maker_* = the proposer's, leaves and
  // maker_leaves 0, trade_id, arg1 = credit, arg2 = ratio, as a book fill.
  // Auctions: every auction event carries count = the auction (index into Market::auctions).
  kAuctionAnnounced = 17,  // participant = the seller, price = reserve, qty = the lot, arg1 = the window's
                           // opening and arg2 its end (UTC ns)
  kAuctionBid = 18,        // a bid placed or raised: order_id, maker_id = the bid it raised (0: a first
                           // bid), account = project, participant, price, qty
  kAuctionBidEnded = 19,   // a bid ended: order_id, account, participant, price, qty = what it won,
                           // leaves = what it did not (its reservation is released), reason
  kAuctionEnded = 20,      // participant = the seller, qty = sold, price = the lowest winning price
                           // (0: unsold), arg1 = the winning bids, arg2 = the lot; reason kNone when the
                           // window ended, else why it was canceled
  // An allocation settles as Fills with mode kAuction, one per lot facility it takes from: order_id =
  // the bid, maker_id = 0, side kBuy, account and participant = the bidder's project and the bidder,
  // maker_* = the facility and the seller, price = what the winner pays, leaves = the bid's quantity
  // not yet allocated, maker_leaves = the lot not yet allocated, trade_id, arg1 = credit, arg2 = ratio.
};

std::string_view to_string(EventType type);  // "Accepted", "Fill", ...

struct Event {
  EventType type = EventType::kAccepted;
  Side side = Side::kBuy;
  CancelReason reason = CancelReason::kNone;
  TradeMode mode = TradeMode::kBook;  // on a Fill: how the trade was made; on a Rejected from the
                                      // Exchange: kBlock for a block command's refusal (the bare book
                                      // rejects block commands as unknown, with kBook)
  RejectCode code = RejectCode::kNone;
  InstrumentId instrument{};
  std::uint32_t count = 0;
  OrderId order_id{};
  OrderId maker_id{};
  Price price{};
  Qty qty{};
  Qty leaves{};
  Qty maker_leaves{};
  TradeId trade_id{};
  std::int64_t arg1 = 0;
  std::int64_t arg2 = 0;
  // The order's owner and account (facility for a sell, project for a buy) on every order event
  // (Accepted, Fill = the taker's, Canceled, Replaced, Expired; Rejected copies the command's);
  // the maker's on a Fill. Downstream stages route and settle from these without a lookup.
  AccountId account{};
  AccountId maker_account{};
  ParticipantId participant{};
  ParticipantId maker_participant{};

  friend bool operator==(const Event&, const Event&) = default;
};

// 4 bytes of enums + code (padded to 8), 2 x 4 bytes, 11 x 8 bytes, 2 x 4 bytes: 112. Events are
// copied into a sink and later across the outbound queue; keep them flat.
static_assert(sizeof(Event) == 112, "Event layout changed: check the outbound queue");
static_assert(std::is_trivially_copyable_v<Event>);

struct Command;

// The Rejected event for a command: its instrument, order id, side, price, quantity, account and
// participant as they came, with the code and its two numbers.
Event rejected(const Command& c, RejectCode code, std::int64_t arg1, std::int64_t arg2);

// A sentence for a person (a log line, a FIX Text field) from a kRejected event: the phrase and its
// numbers, e.g. "quantity out of range: 0 is not within 1..10000000000".
std::string describe_reject(const Event& rejected);

// The caller-owned buffer the engine appends to. Cleared by the caller, not the engine, so a caller may
// gather several commands' events. Reserve capacity up front: growth is the only allocation, and
// happens only when one command produces more events than ever before.
class EventSink {
 public:
  explicit EventSink(std::size_t reserve = 4096) { events_.reserve(reserve); }
  void push(const Event& e) { events_.push_back(e); }
  // push() that returns the appended event, valid until the next push (the book hands it to its hook).
  Event& append(const Event& e) { return events_.emplace_back(e); }
  void clear() { events_.clear(); }
  const std::vector<Event>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  // The events from index `from` on, for a stage that completes the events it just had appended (the
  // Exchange adds a fill's ratio). Valid until the next push.
  std::span<Event> since(std::size_t from) { return std::span<Event>(events_).subspan(from); }
  auto begin() const { return events_.begin(); }
  auto end() const { return events_.end(); }

 private:
  std::vector<Event> events_;
};

}  // namespace crix::engine
