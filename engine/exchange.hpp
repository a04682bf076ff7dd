// crix::engine::Exchange: the market rules around the book (DOMAIN.md, DESIGN.md "Market rules").
// It owns an Engine and a copy of the Market, checks every order against the rules before the book
// sees it, answers the book's per-pair question at match time, settles every fill (ratio, credited
// capacity, sold capacity, region totals), keeps the trading calendar and carries out the operator's
// commands. Still a pure state machine: no I/O, no clock reads, no locks.
//
// Thread rules: engine thread only, like Engine.
//
// Files: this header is the one face; the implementation is one file per concern around the shared
// state in exchange_impl.hpp (which lists them). Calendar, eligibility and money text have headers of
// their own (calendar.hpp, eligibility.hpp, money.hpp) for code that needs them without the exchange.
//
// Accounts. A sell order's Command::account is the index of a facility in Market::facilities, a buy
// order's the index of a project in Market::projects; a participant is its index in
// Market::participants and an instrument its index in Market::instruments. The gateway maps names to
// indices (facility_index() and friends).
//
// On entry (kNew), first failure wins, each a Rejected event with a 2xx code (event.hpp):
//   participant known, active, allowed this side and this instrument; the session in continuous
//   trading and the instrument not halted; price a multiple of the tick, quantity of the lot and at
//   most the instrument's listed_max_qty when it has one (kAboveListedMax); price within the band
//   around the reference price (a market order's protection price is the band's edge when the
//   command's price is 0); then
//   sell: the facility exists, belongs to the seller, is of the instrument's industry and product
//         (Facility::instrument, when it names one), is eligible (Ineligibility), some open project
//         of another owner may buy from it (transfer and ratio rules), the order could credit
//         something to one of them (credited_capacity(qty, the lowest ratio of the facility's
//         pairs) >= 1, else kCreditsNothing: it could never trade), and it has qty of unsold and
//         unreserved capacity; an indivisible facility only sells its whole remaining capacity,
//         all-or-none (AON flag or FOK);
//   buy:  the project exists, belongs to the buyer, is of the instrument's industry and product, is
//         approved or filed, some ratio rule could apply to it, some eligible facility of another
//         owner may sell to it, the order could credit something (credited_capacity(qty, the
//         project's lowest ratio) >= 1, else kCreditsNothing: every fill would retire capacity for
//         nothing), the project has need that is neither credited nor reserved (a project whose need
//         is met takes no buy order), and the order's reservation (below) fits in that need
//         (kProjectNeed). So a buyer can always bid the quantity its need takes at any pair's ratio:
//         750,000 t of new capacity at 1.5:1 is a bid of 1,125,000 t.
// Then the book's own checks (engine.hpp). Replace runs the same checks on the new price and quantity
// (an indivisible facility's order may change its price only). Cancels and mass cancels are allowed
// in every phase.
//
// Reservations. An open sell order reserves its open quantity of the facility; an open buy order
// reserves credited_capacity(open quantity, highest ratio) of the project's need: the least it can
// credit, at the highest ratio of the project's allowed pairs with any configured facility. Fills,
// cancels, expiries and replaces adjust them. A fill at a lower ratio credits more than it releases,
// so at match time a fill's credit must fit in the project's room: its need less its credit (this
// walk's included) less what its OTHER open orders reserve. A fill that would pass it is cut to the
// least quantity (a multiple of the lot) that credits the most the room allows, or skipped when
// either order is all-or-none (an indivisible lot is never cut). After the command, an order such a
// fill left open whose reservation no longer fits beside the credit is canceled (kNeedCovered).
// So sold + reserved <= capacity and credited + reserved <= need hold after every command.
//
// At match time (the EligibilityHook), per pair: the transfer table must allow the flow between the
// facility's and the project's regions; a ratio rule must cover the pair; the facility must not have
// expired; the fill is cut to the project's room (above); a fill that would credit 0 t is never made
// (the maker is skipped and keeps its place: the same order may credit something with another pair
// or a larger fill); and the project's region must stay within its cap for the industry once the
// fills of this walk so far are counted (region totals move by +credited in the buyer's region and
// -qty in the seller's). Self-trade is the book's self-trade prevention (cancel the resting order).
//
// On each fill: the pair's ratio and credited = floor(qty * 1000 / ratio) go into the Fill event
// (arg1, arg2); the facility's sold capacity, the project's credited capacity and both regions'
// totals move; credited >= 1 on every fill. A project whose need is met has its open buy orders
// canceled (kNeedMet). An order a fill leaves with an open quantity that credits nothing even at the
// lowest ratio it could get (its facility's pairs, its project's rules: the entry check kCreditsNothing)
// could never trade: a taker's walk ends there (EligibilityHook::spent) and what rests of it, or of a
// maker, is canceled after the command (CancelReason::kCreditsNothing), releasing its reservation.
//
// Calendar. Command times are UTC nanoseconds; the exchange's fixed UTC offset gives local time. A
// trading day is a working day that is not a holiday; its phases are pre-open (before the first
// session), continuous (inside a session), break (between sessions) and closed (after the last, and
// all day on other days). A SessionPhase event marks each change. The first command at or after a
// trading day's close closes that day before anything else: Day orders expire, each instrument's
// close is day_close() of the day's trades (market_rules.hpp: the VWAP rounded once to the tick, the
// formula the ledger's daily statistics share), which becomes its reference price (DayClosed events). The operator's kCloseDay closes the current day at once.
//
// Registry and elimination list (registry.hpp). Only registered facilities and projects trade; an
// Exchange may be built with the configured entries beyond a count not yet registered (a ledger's
// journal registers them with kRegister, in order). kAmendFacility / kAmendProject change one field
// (capacity never below sold, need never below credited); a capacity or need change, lost eligibility
// or a project no longer open cancels the account's open orders (kRegistry). Every fill opens an
// elimination entry, publicised for ExchangeSettings::publicity_working_days working days after the
// trade's local day: until then kRevoke undoes the trade (the facility gets its capacity back, the
// project loses the credit, region totals move back) as a Revoked event whose trade id is the next of
// the fill sequence; afterwards kSetEliminationStatus moves the entry forward (confirmed, shut,
// dismantled). The day's statistics keep a revoked trade: a revocation does not unprint a price.
//
// Block trades (exchange_block.cpp; command.hpp has the fields). kBlockPropose: the proposer names the
// counterparty, its own facility (sell) or project (buy), price and quantity; the entry checks of an
// order of its side apply (trader, session, halt, account, eligibility, capacity or need, an
// indivisible facility whole), with the instrument's block minimum (kBelowBlockMin) and block band
// (kOutsideBlockBand) in place of the listed maximum and band, and the counterparty must be another
// participant, active, allowed the other side and the instrument (kBlockCounterparty). The proposal
// reserves like an open order of its quantity until it ends (BlockProposed; blocks() lists them).
// kBlockAccept by the counterparty with its own account: that account's entry checks, then the pair
// (kBlockPairRefused: the transfer and ratio rules, a credit of at least 1 t, the project's room at the
// pair's ratio, the buyer region's cap), all or nothing; refused, the proposal stays pending. Accepted,
// it settles as one Fill with mode kBlock (exchange.hpp's fill rules: credit, sold, region totals,
// elimination entry, publicity), which does not enter the day's close. kBlockDecline by the
// counterparty, kBlockWithdraw by the proposer; the close, a suspension of either party and a registry
// change of the proposer's account end it too (BlockEnded with the reason).
//
// Auctions (exchange_auction.cpp; 单向竞价). Market::auctions are the lots the operator may announce.
// kAuctionAnnounce reserves the lot from its facilities, in their order (each part the facility's
// unsold, unreserved capacity, an indivisible facility's whole remaining capacity or refused), and
// opens the window [auction_opens, expire_at) (AuctionAnnounced). During it, kAuctionBid: the bidder
// known, active, allowed to buy the instrument, not the seller, the instrument not halted; the price at
// or above the reserve on the increment's grid (kBelowReserve, kOffIncrement), the quantity of the lot
// size and at most the lot; the project's entry checks of a buy (owner, product, status, need: the bid
// reserves like a buy order of its quantity) and at least one allowed pair with the lot's facilities
// (kAuctionBidder). A second bid of the project raises its first (kBidNotRaised when it lowers or
// repeats it), re-reserves and takes the raise's time. Bids are never withdrawn. The first command at or
// after the window's end (the gateway's clock ticks are commands too) ends it before anything else:
// allocate() (auction.hpp) ranks the bids by price, then time; each takes what the rules allow at that
// moment, from the lot's facilities in order: allowed pairs only, cut to the project's room at the
// pair's ratio, a part that would pass the buyer region's cap skipped. Each allocation settles as
// Fills of mode kAuction (the fill rules above: credit, sold, regions, elimination entry, publicity),
// at the bid's price (pay-as-bid) or the lowest winning price (uniform), and never enters the close.
// Then every bid's unallocated rest is released (AuctionBidEnded) and the lot's unsold rest too
// (AuctionEnded). The operator's kAuctionCancel, a suspension of the seller or an amendment of a lot
// facility ends it unsold at once; a bidder's suspension, its project's amendment or met need ends its
// bid. An unsold or canceled auction may be announced again; a sold one not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/calendar.hpp"
#include "engine/eligibility.hpp"
#include "engine/engine.hpp"
#include "engine/market.hpp"
#include "engine/registry.hpp"

namespace crix::engine {

// A pending block proposal (exchange.hpp, "Block trades").
struct BlockProposal {
  OrderId id{};
  InstrumentId instrument{};
  ParticipantId proposer{};
  ParticipantId counterparty{};
  Side side = Side::kSell;  // the proposer's
  AccountId account{};      // the proposer's facility (a sell) or project (a buy)
  Price price{};
  Qty qty{};
};

enum class AuctionState : std::uint8_t {
  kConfigured = 0,  // never announced
  kAnnounced = 1,   // the lot reserved; bids taken inside the window
  kSold = 2,        // the window ended with at least one allocation
  kUnsold = 3,      // the window ended with none
  kCanceled = 4,    // the operator canceled it, or a suspension or amendment ended it
};
std::string_view to_string(AuctionState state);  // "configured", "announced", ...

// A bid of an announced auction.
struct AuctionBidEntry {
  OrderId id{};  // the last raise's
  ParticipantId bidder{};
  AccountId project{};
  Price price{};
  Qty qty{};
  Seq time{};  // the seq of its last raise: among equal prices the earlier wins
  Qty won{};   // allocated when the window ended
};

// The live state of one of Market::auctions.
struct AuctionStatus {
  AuctionState state = AuctionState::kConfigured;
  Timestamp opens{};   // the last announcement's window
  Timestamp closes{};
  std::vector<std::int64_t> reserved;  // per facility of the terms, the part of the lot it holds
  std::vector<AuctionBidEntry> bids;   // in the order first placed
  Qty sold{};
  Price price{};  // the lowest winning price, 0 unsold
};

class Exchange {
 public:
  // Throws std::invalid_argument when the market's references do not resolve (config/ validates
  // them; this guards direct construction) or it has no instrument.
  explicit Exchange(Market market, const RegistryCounts& registered = {});
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  void apply(const Command& cmd, EventSink& sink);

  // GTD expiry at the command (since 2026-12-07): before a command whose seq is at least `from`,
  // every GTD order whose expire_at <= the command's ts expires, as at an AdvanceTime, so that an
  // order never trades at or after its ExpireTime. Before it, GTD orders expired only at the
  // clock's AdvanceTime, and commands in between could trade with them: a ledger's journal written
  // so replays the same only with `from` after its last command of that time (ledger meta
  // "expiry-at-command"). Default 0: every command.
  void set_expiry_at_command_from(Seq from);
  // The earliest expiry of a resting GTD order (Timestamp max: none), for the clock to tick at.
  Timestamp next_expiry();

  // A sentence for a person: for a Rejected event (any code) what was wrong, naming the facility,
  // project, region or rule and the numbers; for a Fill which rule gave its ratio; else the type.
  std::string describe(const Event& e) const;

  const Market& market() const;
  const Engine& book() const;

  SessionPhase phase() const;  // as of the last command
  // The last trading day closed, as its local day number (days since 1970-01-01); 0 before any.
  std::int32_t last_closed_day() const;
  bool halted(InstrumentId instrument) const;
  bool suspended(ParticipantId participant) const;
  Price reference_price(InstrumentId instrument) const;
  Price band_low(InstrumentId instrument) const;
  Price band_high(InstrumentId instrument) const;
  Price block_band_low(InstrumentId instrument) const;
  Price block_band_high(InstrumentId instrument) const;
  // The pending block proposals, in the order they were made.
  const std::vector<BlockProposal>& blocks() const;
  // Per auction of Market::auctions, its state (the last announcement's).
  const std::vector<AuctionStatus>& auctions() const;
  // The bids of auction `a` in allocation order (price, then time): the ranking bidders see.
  std::vector<AuctionBidEntry> auction_ranking(std::uint32_t a) const;
  std::int64_t facility_sold(std::uint32_t facility) const;
  std::int64_t facility_reserved(std::uint32_t facility) const;
  std::int64_t project_credited(std::uint32_t project) const;
  std::int64_t project_reserved(std::uint32_t project) const;  // credit reserved by open buys
  std::uint32_t project_lowest_ratio(std::uint32_t project) const;  // 0: no rule can apply
  // The highest ratio of the project's allowed pairs, at which its buys reserve; 0: no allowed pair.
  std::uint32_t project_highest_ratio(std::uint32_t project) const;
  std::size_t registered_facilities() const;
  std::size_t registered_projects() const;
  // The elimination status of trade `id`'s entry; nullopt for an id that is no trade (0, not yet
  // made, or a revocation's own id).
  std::optional<EliminationStatus> elimination_status(TradeId id) const;
  // Whether trade `id` is still in its publicity period (and so revocable unless revoked).
  bool in_publicity(TradeId id) const;
  std::int64_t region_capacity(std::uint32_t region, Industry industry) const;  // index into regions
  // The rule decision for one (facility, project) pair: allowed, its ratio and the rules' names.
  struct PairDecision {
    bool allowed = false;
    std::uint32_t ratio_permille = 0;
    std::optional<std::uint32_t> ratio_rule;  // index into market().ratios.rules(), if one covers it
    std::string why;  // the ratio rule and the transfer decision, explained
  };
  PairDecision pair(std::uint32_t facility, std::uint32_t project) const;
  // The index of the ratio rule that a fill between them was settled under (cheap: a table lookup,
  // for the ledger's per-trade record); nullopt when no rule covers the pair.
  std::optional<std::uint32_t> ratio_rule(std::uint32_t facility, std::uint32_t project) const;

  std::optional<std::uint32_t> participant_index(std::string_view id) const;
  std::optional<std::uint32_t> instrument_index(std::string_view code) const;
  std::optional<std::uint32_t> facility_index(std::string_view id) const;
  std::optional<std::uint32_t> project_index(std::string_view id) const;

  // The book's state hash combined with the rules' state (reservations, sold, credited, region
  // totals, references, halts, suspensions): same commands in, same hash out.
  std::uint64_t state_hash() const;

  // Recomputes every reservation from the open orders and checks sold + reserved <= capacity,
  // credited + reserved <= need, every region within its cap, no open order that credits nothing at
  // the lowest ratio it could get, plus the book's own invariants.
  // Returns the first inconsistency or "". O(book): for tests.
  std::string check_invariants() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crix::engine
