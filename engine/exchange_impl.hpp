// crix::engine::Exchange::Impl: the exchange's state and the functions that work on it, shared by the
// files that implement Exchange, one per concern (exchange.hpp says what each rule is):
//   exchange.cpp           construction, the command dispatch, state hash, invariants, the public face
//   exchange_entry.cpp     the entry checks of new orders and replaces
//   exchange_match.cpp     the per-pair hook the book calls at match time
//   exchange_settle.cpp    reservations; the hook settling the book's fills, cancels and expiries as it
//                          appends them; the exchange's own cancels
//   exchange_calendar.cpp  the trading calendar: phases and the day's close
//   exchange_registry.cpp  operator commands, the registry and the elimination list
//   exchange_block.cpp     block trades: proposals, their reservations, acceptance and settlement
//   exchange_auction.cpp   one-way bidding auctions: announcement, bids, the window's end, allocation
//   exchange_describe.cpp  sentences for people (Exchange::describe)
// Internal to engine/: only those files include it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/exchange.hpp"

namespace crix::engine {

inline constexpr std::int64_t kNsPerMinute = 60'000'000'000;
inline constexpr std::int64_t kNsPerDay = 24 * 60 * kNsPerMinute;
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline std::size_t ind(Industry i) { return static_cast<std::size_t>(i); }

// Whether any of `conditions` holds, all of them evaluated, none short-circuited: one branch for the
// caller to predict instead of one per condition (the entry checks, exchange_entry.cpp).
template <class... Conditions>
constexpr bool any_holds(Conditions... conditions) {
  return (0u | ... | static_cast<unsigned>(static_cast<bool>(conditions))) != 0;
}
// Whether both hold, without `&&`'s branch (an argument of any_holds).
constexpr bool both_hold(bool a, bool b) { return (static_cast<unsigned>(a) & static_cast<unsigned>(b)) != 0; }

struct Exchange::Impl final : EligibilityHook {
  // The hot-path copy of what the checks read, next to the running totals, so that an order's checks
  // touch a few small records and not the Market's strings.
  struct FacilityState {
    std::uint32_t owner = 0;
    std::uint32_t region = 0;  // index into market.regions
    Industry industry = Industry::kSteel;
    bool divisible = true;
    Ineligibility standing = Ineligibility::kNone;  // the first reason that does not depend on the date
    std::uint32_t instrument = kAnyInstrument;      // its product's instrument
    std::int64_t capacity = 0;
    std::int32_t expires_day = std::numeric_limits<std::int32_t>::max();
    std::int64_t sold = 0;
    std::int64_t reserved = 0;
    std::uint32_t counterparties = 0;  // open projects of other owners that may buy from it
    std::uint32_t lowest_ratio = 0;    // of its allowed pairs with other owners' projects; 0: none
    bool registered = true;
  };
  struct ProjectState {
    std::uint32_t owner = 0;
    std::uint32_t region = 0;
    Industry industry = Industry::kSteel;
    bool open = true;  // approved or filed
    std::uint32_t instrument = kAnyInstrument;  // the product it needs
    std::int64_t need = 0;
    std::uint32_t lowest_ratio = 0;   // of the rules that could apply; 0: no rule can ever apply
    std::uint32_t highest_ratio = 0;  // of its allowed pairs (the least credit per tonne); 0: none
    std::int64_t credited = 0;
    std::int64_t reserved = 0;  // credit reserved by open buy orders, at highest_ratio
    std::uint32_t counterparties = 0;  // eligible facilities of other owners it may buy from
    bool registered = true;
  };
  // A trade whose publicity period is still running: what a revocation needs to undo it.
  struct RecentTrade {
    std::uint64_t id = 0;
    std::uint32_t facility = 0;
    std::uint32_t project = 0;
    std::uint32_t instrument = 0;
    std::int32_t publicity_end = 0;  // last local day on which it may be revoked
    std::int64_t price = 0;
    std::int64_t qty = 0;
    std::int64_t credited = 0;
  };
  static constexpr std::uint8_t kRevocationRecord = 0xFF;  // trade_status of a revocation's own id
  struct InstrumentState {
    Industry industry = Industry::kSteel;
    std::int64_t tick = 1;
    std::int64_t lot = 1;
    std::int64_t listed_max = 0;  // Instrument::listed_max_qty; 0: no limit
    std::int64_t block_min = 0;   // Instrument::block_min_qty; 0: one lot
    Price reference{};
    Price low{};
    Price high{};
    Price block_low{};   // the block band around the same reference
    Price block_high{};
    bool halted = false;
    std::int64_t day_volume = 0;
    std::int64_t day_trades = 0;
    DayValue day_value = 0;
  };
  static constexpr std::int64_t kNoCap = std::numeric_limits<std::int64_t>::max();
  static constexpr std::uint32_t kAnyInstrument = std::numeric_limits<std::uint32_t>::max();

  struct PairRule {
    bool allowed = false;
    std::uint32_t ratio = 0;
    std::uint32_t ratio_rule = kNoRule;  // index into market.ratios.rules()
  };
  static constexpr std::uint32_t kNoRule = std::numeric_limits<std::uint32_t>::max();
  Impl(Market m, const RegistryCounts& registered);

  // Counts, for every registered facility and project, the counterparties it could ever trade with.
  // O(facilities x projects): at construction and after a registry command, never on the order path.
  void recount();
  std::uint32_t product_index(const std::string& code, const std::string& who) const;
  static EngineSettings book_settings(const Market& m);
  std::uint32_t lowest_ratio(const Project& p, const RegionRef& where) const;
  PairFacts pair_facts(std::uint32_t f, std::uint32_t p) const;
  void set_band(std::uint32_t i);
  // [low, high] of +-permille around `reference`, the low edge rounded up and the high down to `tick`.
  static void band(std::int64_t reference, std::uint32_t permille, std::int64_t tick, Price& low, Price& high);

  // ---- the hook: per pair, at match time --------------------------------------------------------

  static void buyer_seller(const Order& taker, const Order& maker, const Order*& buy, const Order*& sell);

  // How much of `qty` the pair may trade now. Refused: a pair the rules forbid, an expired facility,
  // a fill that would credit nothing, a fill past the buyer region's cap. Cut: a fill whose credit
  // would pass the project's room (cut_to; the engine skips instead when a side is all-or-none).
  Qty allowed(const Order& taker, const Order& maker, Qty qty) const override;

  // The credit project `p` may still take in a fill of `buy`: its need less what is credited (this
  // walk's fills included: settled at once in the real walk, counted in walk_credit in the dry run)
  // and less what its OTHER open orders reserve. The order's own reservation counts as room: a fill
  // at a ratio below the highest may credit more than the order reserved (after_fills() then cancels
  // a remainder that no longer fits, kNeedCovered).
  std::int64_t need_room(std::uint32_t p, const Order& buy, bool buy_is_taker) const;

  // The quantity, at most `offered`, a multiple of `lot`, that credits the most it can without passing
  // `room` at `ratio`, and of those the least: no tonne is retired for no credit. 0: none credits.
  static std::int64_t cut_to(std::int64_t room, std::uint32_t ratio, std::int64_t lot, std::int64_t offered);
  // Each walk, dry or real, starts from the live totals: the dry run's counts (walk_*) are reset.
  void walk_started(bool dry) override;
  // Whether open order `o` could trade with no maker at all: its open quantity credits nothing even
  // at the lowest ratio its facility's pairs (a sell) or its project's rules (a buy) could give.
  bool spent(const Order& o) const override;
  // The same question for an open quantity of facility (kSell) or project (kBuy) `account`: the rule
  // the entry check (credits_something) and the remainder cancel (cancel_spent) share. For open >= 0,
  // credited_capacity(open, best) == 0 <=> open * 1000 < best, and no ratio (best 0) is never spent:
  // no division, no branch.
  bool spent_open(Side side, std::uint32_t account, std::int64_t open) const {
    return spent_at(open, best_ratio(side, account));
  }
  // spent_open's rule for a known lowest ratio `best` (the entry checks read it from the account's
  // state they already hold).
  static bool spent_at(std::int64_t open, std::uint32_t best) { return open * 1000 < std::int64_t{best}; }
  // The lowest ratio an order of facility (kSell) or project (kBuy) `account` could ever trade at: its
  // facility's allowed pairs with other owners' projects, or the rules that could apply to its
  // project; 0: none.
  std::uint32_t best_ratio(Side side, std::uint32_t account) const {
    return side == Side::kSell ? facilities[account].lowest_ratio : projects[account].lowest_ratio;
  }
  // Counts a fill of the dry run in walk_credit, walk_released and walk_delta, which allowed() adds to
  // the live totals; a real fill is settled by filled() instead.
  void traded(const Order& taker, const Order& maker, Qty qty) override;
  void touch(std::uint32_t region, std::int64_t delta);

  // ---- calendar -----------------------------------------------------------------------------------

  std::int64_t offset_ns() const { return std::int64_t{market.exchange.utc_offset_minutes} * kNsPerMinute; }

  bool trading_day(std::int32_t day) const { return working_day(market.exchange, day); }

  // UTC time of a local minute of a local day.
  std::int64_t utc_of(std::int32_t day, std::int64_t minute) const {
    return std::int64_t{day} * kNsPerDay + minute * kNsPerMinute - offset_ns();
  }

  std::int64_t close_of(std::int32_t day) const;

  // The close of the first trading day after `day`, or kNever within ten years.
  std::int64_t close_after(std::int32_t day) const;

  // Brings the calendar to `ts`: closes every trading day whose close has passed, then updates the
  // phase (a SessionPhase event when it changes).
  // Most commands fall inside the stretch the last full computation covered: that test is inline.
  void roll_clock(Timestamp ts, EventSink& sink) {
    if (ts.v >= phase_from && ts.v < phase_until && ts.v < next_close) return;
    roll_clock_over(ts, sink);
  }
  void roll_clock_over(Timestamp ts, EventSink& sink);

  // Closes local day `day` at `at`: Day orders expire, closes and references per instrument.
  void close_day(Timestamp at, std::int32_t day, EventSink& sink);

  // ---- commands -----------------------------------------------------------------------------------

  // A block command's refusal carries mode kBlock, so that its sentence speaks of the block.
  // Cold and out of line: the checks that call it stay small on the path that passes them.
  [[gnu::cold]] static void reject(const Command& c, RejectCode code, std::int64_t arg1, std::int64_t arg2,
                                   EventSink& sink);

  // The checks that do not depend on the account: who, when, tick, lot and band.
  bool check_trader(const Command& c, EventSink& sink) const;
  [[gnu::cold]] bool refuse_trader(const Command& c, EventSink& sink) const;  // the checks one by one
  bool check_price_qty(const Command& c, Price price, EventSink& sink) const;

  // The facility a sell names; `extra` is the capacity the order would newly reserve, `open` its open
  // quantity.
  bool check_facility(const Command& c, std::int64_t extra, std::int64_t open, EventSink& sink) const;
  [[gnu::cold]] bool refuse_facility(const Command& c, std::int64_t extra, std::int64_t open, EventSink& sink) const;
  // Refuses (kCreditsNothing, with the least quantity in lots that credits some) an order of `side`
  // whose open quantity `open` credits nothing even at the lowest ratio it could get: it could never
  // trade. Called after the account checks, which refuse an account with no ratio at all.
  bool credits_something(const Command& c, Side side, std::int64_t open, EventSink& sink) const;

  bool indivisible_ok(const Command& c, std::uint8_t flags, TimeInForce tif, Qty open) const;

  // The project a buy names; `extra` is the credit the order would newly reserve, `open` its open
  // quantity and `is_new` whether it is a new order (a replace keeps the room it has).
  bool check_project(const Command& c, std::int64_t extra, std::int64_t open, bool is_new, EventSink& sink) const;
  [[gnu::cold]] bool refuse_project(const Command& c, std::int64_t extra, std::int64_t open, bool is_new,
                                    EventSink& sink) const;

  // The credit an open buy of `open` t reserves: the least it can credit, at the highest ratio of the
  // project's allowed pairs, so that a buyer can bid what its need takes at any pair's ratio. A fill
  // at a lower ratio credits more; the match-time room (need_room) keeps credited + reserved within
  // the need. A project with no allowed pair (highest ratio 0) can have no open buy: its orders are
  // refused (kNoCounterparty), so it reserves nothing.
  std::int64_t reserve_of(std::uint32_t project, std::int64_t open) const {
    const std::uint32_t ratio = projects[project].highest_ratio;
    return ratio == 0 ? 0 : credited_capacity(open, ratio);
  }

  // What the book itself checks first (engine.hpp): such a command goes to the book, which rejects it
  // with its own code.
  bool malformed(const Command& c) const;
  void on_new(const Command& in, EventSink& sink);
  void checked_new(const Command& c, EventSink& sink);
  void on_replace(const Command& c, EventSink& sink);
  void on_operator(const Command& c, EventSink& sink);

  // Hands a command to the book (its events are settled by the hook as it reports them), then does
  // what its fills left to do. `reason` replaces the book's cancel reason on the Canceled events of a
  // cancel the exchange itself issued.
  void forward(const Command& c, EventSink& sink, CancelReason reason = CancelReason::kNone);
  // What a command's fills left to do, in this order: the open buys of projects whose need they met
  // (kNeedMet), release_over_reserved, cancel_spent.
  [[gnu::cold]] void after_fills(Timestamp ts, EventSink& sink);

  // A buy order that filled at a ratio below its project's highest credited more than it had
  // reserved; its remainder still reserves at the highest ratio, which may no longer fit beside the
  // credit and the project's other orders. Each such order, in fill order, is canceled while the
  // project's credited + reserved is above its need (kNeedCovered): the invariant holds after every
  // command, and what the project still needs it can bid again.
  void release_over_reserved(Timestamp ts, EventSink& sink);
  // forward() for an order of side S and facility or project `account` past its checks, new (T kNew)
  // or replaced (kReplace) with open quantity `open`: its reservation is settled before the book's
  // entry for T, with its side known (no test of the command's type or the order's side, coin tosses
  // on the order path, is repeated).
  template <CommandType T, Side S>
  void forward_as(const Command& c, std::uint32_t account, Qty open, EventSink& sink);

  // ---- the hook's settlement (exchange_settle.cpp): each Fill, Canceled and Expired event as the book
  // appends it, so that the book's own branches on the event's type stand for the exchange's too ----

  void filled(Event& e) override;  // fill()
  // Releases a Canceled or Expired order's reservation, and gives a Canceled event the reason of the
  // exchange's own cancel in progress (cancel_reason). A maker canceled during a real walk (self-trade
  // prevention) is released at the walk's end: every answer of one walk sees the other orders'
  // reservations as the walk found them.
  void ended(Event& e) override;
  void walk_ended() override;
  // forward() for a cancel, a participant's (kNone) or the exchange's own (`reason`), through the
  // book's cancel entry.
  void cancel(const Command& c, EventSink& sink, CancelReason reason = CancelReason::kNone);
  // Adds `sign` x the reservation of `open` t to facility (kSell) or project (kBuy) `a`.
  void reserve(Side side, AccountId account, std::int64_t open, int sign);
  template <Side S>
  void reserve_as(std::uint32_t a, std::int64_t open, int sign) {
    if constexpr (S == Side::kSell) {
      facilities[a].reserved += sign * open;
    } else {
      projects[a].reserved += sign * reserve_of(a, open);
    }
  }
  void fill(Event& e);
  template <Side S>
  void fill_as(Event& e);  // a Fill whose taker is of side S

  // Cancels each order in `spent_remainders` still open and spent (kCreditsNothing): a fill left it an
  // open quantity that could never trade.
  void cancel_spent(Timestamp ts, EventSink& sink);

  // Cancels open order `id` (of `owner`, on `instrument`) as the exchange's own act, for `reason`.
  void cancel_open(InstrumentId instrument, OrderId id, ParticipantId owner, Timestamp ts, CancelReason reason,
                   EventSink& sink);

  // Cancels every open order of facility (side kSell) or project (kBuy) `account` for `reason`.
  void cancel_orders(Side side, std::uint32_t account, Timestamp ts, CancelReason reason, EventSink& sink);

  // ---- block trades (exchange_block.cpp) ----------------------------------------------------------

  void on_block_propose(const Command& c, EventSink& sink);
  void on_block_accept(const Command& c, EventSink& sink);
  void on_block_answer(const Command& c, EventSink& sink);  // decline or withdraw
  // The checks of a proposal's (or an acceptance's) tick, lot, block minimum and block band.
  bool check_block_price_qty(const Command& c, EventSink& sink) const;
  // Checks the counterparty a proposal names (kBlockCounterparty).
  bool check_counterparty(const Command& c, EventSink& sink) const;
  // The pair of an acceptance: the rule, the credit, the project's room and the region's cap. Returns
  // the credit, or 0 after a kBlockPairRefused.
  std::int64_t check_block_pair(const Command& accept, const BlockProposal& b, std::uint32_t f, std::uint32_t p,
                                EventSink& sink) const;
  // Ends pending proposal `i` without a trade: its reservation is released, a BlockEnded event says why.
  void end_block(std::size_t i, CancelReason reason, EventSink& sink);
  // Ends every pending proposal `which` selects, in proposal order.
  template <class Which>
  void end_blocks(Which which, CancelReason reason, EventSink& sink) {
    for (std::size_t i = 0; i < blocks.size();) {
      if (which(blocks[i])) {
        end_block(i, reason, sink);
      } else {
        ++i;
      }
    }
  }
  std::size_t find_block(OrderId id) const;  // its index in `blocks`, or blocks.size()
  // A BlockProposed or BlockEnded event of `b` (exchange.hpp's fields; the caller sets a reason).
  static Event block_event(const BlockProposal& b, EventType type);

  // ---- auctions (exchange_auction.cpp) -------------------------------------------------------------

  // What an auction's terms resolve to.
  struct AuctionFacts {
    std::uint32_t instrument = 0;
    std::uint32_t seller = 0;
    std::vector<std::uint32_t> facilities;
    bool whole = false;  // the terms say so, or a facility of the lot is indivisible
  };
  class LotRules;  // the market's rules for an allocation (auction.hpp's AuctionRules)
  void on_auction_announce(const Command& c, EventSink& sink);
  void on_auction_cancel(const Command& c, EventSink& sink);
  void on_auction_bid(const Command& c, EventSink& sink);
  // Ends every announced auction whose window closed at or before `ts`, in index order.
  void end_due_auctions(Timestamp ts, EventSink& sink);
  void reset_next_auction_end();
  // Allocates and settles auction `a` at its window's end.
  void end_auction(std::uint32_t a, Timestamp ts, EventSink& sink);
  // Ends announced auction `a` unsold at once, for `reason`.
  void cancel_auction(std::uint32_t a, CancelReason reason, EventSink& sink);
  // Releases each bid's open rest (`open`, per bid) and the lot's unsold rest; AuctionBidEnded per
  // bid with a rest (`bid_reason`), then AuctionEnded (`reason`, `winners`).
  void close_auction(std::uint32_t a, AuctionState state, CancelReason bid_reason, CancelReason reason,
                     std::int64_t winners, const std::vector<std::int64_t>& open, EventSink& sink);
  // A registry change of facility (kSell) `account` cancels the announced auctions it is in the lot
  // of; of project (kBuy) `account`, ends its bids.
  void end_auction_bids(Side side, std::uint32_t account, CancelReason reason, EventSink& sink);
  // A suspension: the participant's auctions are canceled and its bids end.
  void end_auctions_of(ParticipantId who, EventSink& sink);
  Event auction_event(std::uint32_t a, EventType type) const;
  Event bid_ended(std::uint32_t a, const AuctionBidEntry& b, Qty released, CancelReason reason) const;
  std::vector<AuctionBidEntry> ranking(std::uint32_t a) const;

  // ---- registry and elimination list (registry.hpp) ----------------------------------------------

  const RecentTrade* recent_trade(std::uint64_t id) const;
  void on_revoke(const Command& c, EventSink& sink);
  void on_status(const Command& c, EventSink& sink);

  static void registry_changed(Side side, std::uint32_t account, std::uint64_t field, std::int64_t value,
                               std::int64_t before, EventSink& sink);

  void on_amend_facility(const Command& c, EventSink& sink);
  void on_amend_project(const Command& c, EventSink& sink);
  void on_register(const Command& c, EventSink& sink);
  void apply(const Command& c, EventSink& sink);

  // ---- state --------------------------------------------------------------------------------------

  Market market;
  Engine book;
  EngineSettings book_limits = book.settings();
  std::unordered_map<std::string, std::uint32_t> participant_of, instrument_of, facility_of, project_of;
  std::vector<FacilityState> facilities;
  std::vector<ProjectState> projects;
  std::vector<InstrumentState> instruments;
  std::vector<std::uint8_t> trades_instrument;  // [participant * instruments + instrument]
  std::vector<std::uint8_t> suspended_flags;  // per participant
  std::vector<std::uint8_t> roles;            // per participant: 1 may buy, 2 may sell
  std::vector<std::int64_t> capacity; // [region * kIndustries + industry]
  std::vector<std::int64_t> caps;     // the same cells: the cap, or kNoCap
  std::vector<PairRule> pairs;        // [facility * projects + project]
  std::vector<BlockProposal> blocks;  // pending block proposals, in the order they were made
  std::vector<AuctionFacts> auction_facts;  // per Market::auctions
  std::vector<AuctionStatus> auctions;
  // Per auction: project -> its bid's index in the auction's bids (a raise finds its bid in O(1)).
  std::vector<std::unordered_map<std::uint64_t, std::uint32_t>> bid_slots;
  std::int64_t next_auction_end = kNever;   // the earliest window end of an announced auction
  Seq expiry_at_command_from{};              // Exchange::set_expiry_at_command_from

  // The walk in progress: the region totals its fills moved, the regions it touched (walk_marked: 1
  // for a region in walk_touched).
  std::vector<std::int64_t> walk_delta;
  std::vector<std::uint32_t> walk_touched;
  std::vector<std::uint8_t> walk_marked;

  // Per trade id (index 0 unused): its elimination entry's EliminationStatus, or kRevocationRecord.
  // One byte per trade for the life of the exchange (10 MB per 10 M trades).
  std::vector<std::uint8_t> trade_status = std::vector<std::uint8_t>(1, kRevocationRecord);
  std::deque<RecentTrade> recent;  // trades still in their publicity period, in id order
  // The last day of the publicity period of a trade made `publicity_memo_day` (a fill's day asks again
  // and again; no trade is made on day INT32_MIN).
  std::int32_t publicity_memo_day = std::numeric_limits<std::int32_t>::min();
  std::int32_t publicity_memo_end = 0;

  std::uint32_t registered_facilities = 0;  // registered entries are a prefix of the configured ones
  std::uint32_t registered_projects = 0;

  std::vector<std::uint32_t> need_met;  // projects whose need the current command met
  // Buy orders left open by a fill that credited more than it released of their reservation.
  struct OverCredited {
    OrderId order;
    std::uint32_t project = 0;
  };
  std::vector<OverCredited> over_credited;
  std::vector<OrderId> spent_remainders;  // orders a fill of the current command left spent
  // The walk in progress, per project it touched: credit of its fills so far, and reservation its
  // makers' fills released (need_room).
  std::vector<std::int64_t> walk_credit;
  std::vector<std::int64_t> walk_released;
  std::vector<std::uint32_t> walk_projects;
  // The reservation in `reserved` of the buy order forward_as handed the book, as its walk begins:
  // its own share in the dry run (need_room).
  std::int64_t taker_reserved = 0;
  bool dry_walk = false;  // the walk in progress is the dry run (walk_started)
  bool in_walk = false;   // a real walk is in progress: its ended() events wait for walk_ended()
  struct Ending {
    Side side = Side::kBuy;
    AccountId account{};
    std::int64_t open = 0;
  };
  std::vector<Ending> ended_in_walk;
  // The reason of the exchange's own cancel in progress (forward, cancel), for its Canceled events.
  CancelReason cancel_reason = CancelReason::kNone;
  std::vector<OrderId> open_ids;
  Qty replaced_open{};  // the open quantity of the order being replaced, before the replace

  bool clock_started = false;
  std::int32_t today = 0;             // local day of the last command
  std::int64_t phase_from = 0;        // UTC ns: `phase`, `today` and `next_open_minute` hold
  std::int64_t phase_until = 0;       // for commands in [phase_from, phase_until)
  std::int32_t last_closed_day = 0;   // the last local day closed
  std::int64_t next_close = kNever;   // UTC ns of the next scheduled close
  std::int64_t next_open_minute = -1;
  SessionPhase phase = SessionPhase::kClosed;
};

}  // namespace crix::engine
