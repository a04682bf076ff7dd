// The exchange scenarios' fixture: the sample market (config/sample/market.toml) in a real Exchange,
// commands by name (participants, instruments, facilities, projects), the invariants checked after
// every command, and the events and sentences that come back. Shared by exchange_test.cpp,
// block_test.cpp and auction_exchange_test.cpp.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "tests/sample_market.hpp"

namespace crix::test::exchange_fixture {

using namespace crix::engine;

inline Market sample() { return crix::test::sample_market(); }

// UTC nanoseconds of a local (UTC+8) date and time.
inline Timestamp at(Date d, int hour, int minute, int second = 0) {
  const std::int64_t local = (std::int64_t{days_from_civil(d)} * 86400 + hour * 3600 + minute * 60 + second);
  return Timestamp((local - 8 * 3600) * 1'000'000'000);
}

constexpr Date kTuesday{2026, 12, 1};
constexpr Date kWednesday{2026, 12, 2};
constexpr Date kSaturday{2026, 12, 5};

// The sample with Shandong's converter (steelmaking, merger capacity) offerable on either steel
// instrument, so that it meets Tianjin's blast-furnace project in one book with Hebei's furnace.
inline Market converter_on_any_steel() {
  Market mk = sample();
  for (Facility& f : mk.facilities) {
    if (f.id == "SD-CV-120") f.instrument.clear();
  }
  return mk;
}

// The sample with Tianjin's clinker line owned by another enterprise (so Tianjin's clinker project
// has a possible seller) and Hebei's line divisible: the key-region clinker rule then forbids the
// Hebei-Tianjin pair, which nothing else would.
inline Market clinker_key_region() {
  Market mk = sample();
  for (Facility& f : mk.facilities) {
    if (f.id == "TJ-CL-2500") f.owner = "TJ-RONGCHENG";
    if (f.id == "HB-CL-4000") f.divisible = true;
  }
  for (Participant& p : mk.participants) {
    if (p.id == "TJ-RONGCHENG") p.instruments.push_back("CEMENT-CLINKER");
  }
  return mk;
}

struct Market_ {
  explicit Market_(Market mk = sample()) : x(std::move(mk)) {}
  Exchange x;
  EventSink sink;
  Timestamp now = at(kTuesday, 10, 0);
  std::uint64_t next_id = 1;

  std::uint32_t participant(const std::string& id) const { return *x.participant_index(id); }
  std::uint32_t instrument(const std::string& code) const { return *x.instrument_index(code); }
  std::uint32_t facility(const std::string& id) const { return *x.facility_index(id); }
  std::uint32_t project(const std::string& id) const { return *x.project_index(id); }

  std::vector<Event> apply(Command c) {
    if (c.ts.v == 0) c.ts = now;
    sink.clear();
    x.apply(c, sink);
    std::string problem = x.check_invariants();
    INFO(problem);
    CHECK(problem.empty());
    return sink.events();
  }

  Command order(const std::string& who, const std::string& instr, Side side, const std::string& account,
                std::int64_t qty, std::int64_t price) {
    Command c;
    c.type = CommandType::kNew;
    c.id = OrderId(next_id++);
    c.participant = ParticipantId(participant(who));
    c.instrument = InstrumentId(instrument(instr));
    c.side = side;
    c.account = AccountId(side == Side::kSell ? facility(account) : project(account));
    c.qty = Qty(qty);
    c.price = Price(price);
    c.tif = TimeInForce::kGtc;
    return c;
  }
  std::vector<Event> sell(const std::string& who, const std::string& instr, const std::string& facility_id,
                          std::int64_t qty, std::int64_t price, std::uint8_t flags = 0) {
    Command c = order(who, instr, Side::kSell, facility_id, qty, price);
    c.flags = flags;
    return apply(c);
  }
  std::vector<Event> buy(const std::string& who, const std::string& instr, const std::string& project_id,
                         std::int64_t qty, std::int64_t price) {
    return apply(order(who, instr, Side::kBuy, project_id, qty, price));
  }
  std::vector<Event> op(CommandType type, std::uint32_t instrument_or_participant) {
    Command c;
    c.type = type;
    c.instrument = InstrumentId(instrument_or_participant);
    c.participant = ParticipantId(instrument_or_participant);
    return apply(c);
  }
  // A replace of order `id` of `who` on `instr`: new total quantity and price.
  Command replace(const std::string& who, const std::string& instr, std::uint64_t id, std::int64_t qty,
                  std::int64_t price) const {
    Command c;
    c.type = CommandType::kReplace;
    c.id = OrderId(id);
    c.participant = ParticipantId(participant(who));
    c.instrument = InstrumentId(instrument(instr));
    c.qty = Qty(qty);
    c.price = Price(price);
    return c;
  }
  // A block proposal of `who` (its `account`, on `side`) to `to`; its id is the next order id.
  Command proposal(const std::string& who, const std::string& instr, Side side, const std::string& account,
                   std::int64_t qty, std::int64_t price, const std::string& to) {
    Command c = order(who, instr, side, account, qty, price);
    c.type = CommandType::kBlockPropose;
    c.tif = TimeInForce::kDay;
    c.expire_at = Timestamp(participant(to));
    return c;
  }
  std::vector<Event> propose(const std::string& who, const std::string& instr, Side side, const std::string& account,
                             std::int64_t qty, std::int64_t price, const std::string& to) {
    return apply(proposal(who, instr, side, account, qty, price, to));
  }
  // `who` accepts block `id` with its facility (`side` kSell) or project (kBuy) `account`.
  std::vector<Event> accept(const std::string& who, std::uint64_t id, Side side, const std::string& account) {
    Command c;
    c.type = CommandType::kBlockAccept;
    c.id = OrderId(id);
    c.participant = ParticipantId(participant(who));
    c.account = AccountId(side == Side::kSell ? facility(account) : project(account));
    return apply(c);
  }
  // kBlockDecline or kBlockWithdraw of block `id` by `who`.
  std::vector<Event> answer(CommandType type, const std::string& who, std::uint64_t id) {
    Command c;
    c.type = type;
    c.id = OrderId(id);
    c.participant = ParticipantId(participant(who));
    return apply(c);
  }
  // The operator announces configured auction `a` with the window [opens, closes).
  std::vector<Event> announce(std::uint32_t a, Timestamp opens, Timestamp closes) {
    Command c;
    c.type = CommandType::kAuctionAnnounce;
    c.id = OrderId(a);
    c.price = Price(opens.v);
    c.expire_at = closes;
    return apply(c);
  }
  std::vector<Event> cancel_auction(std::uint32_t a) {
    Command c;
    c.type = CommandType::kAuctionCancel;
    c.id = OrderId(a);
    return apply(c);
  }
  // A bid of `who` for its project in auction `a`; its id is the next order id, its seq too.
  Command bid_command(const std::string& who, std::uint32_t a, const std::string& project_id, std::int64_t qty,
                      std::int64_t price) {
    Command c;
    c.type = CommandType::kAuctionBid;
    c.id = OrderId(next_id++);
    c.seq = Seq(c.id.v);
    c.participant = ParticipantId(participant(who));
    c.account = AccountId(project(project_id));
    c.qty = Qty(qty);
    c.price = Price(price);
    c.expire_at = Timestamp(a);
    return c;
  }
  std::vector<Event> bid(const std::string& who, std::uint32_t a, const std::string& project_id, std::int64_t qty,
                         std::int64_t price) {
    return apply(bid_command(who, a, project_id, qty, price));
  }
  std::vector<Event> cancel(const std::string& who, const std::string& instr, std::uint64_t id) {
    Command c;
    c.type = CommandType::kCancel;
    c.id = OrderId(id);
    c.participant = ParticipantId(participant(who));
    c.instrument = InstrumentId(instrument(instr));
    return apply(c);
  }
};

inline std::vector<Event> of_type(const std::vector<Event>& events, EventType type) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.type == type) out.push_back(e);
  }
  return out;
}

// The one Rejected event of a command, with its sentence.
struct Rejection {
  RejectCode code = RejectCode::kNone;
  std::string text;
};
inline Rejection rejection(const Market_& m, const std::vector<Event>& events) {
  const std::vector<Event> r = of_type(events, EventType::kRejected);
  if (r.size() != 1) return {};
  return {r[0].code, m.x.describe(r[0])};
}

inline bool accepted(const std::vector<Event>& events) { return !of_type(events, EventType::kAccepted).empty(); }

constexpr std::uint8_t kAon = kFlagAllOrNone;


}  // namespace crix::test::exchange_fixture
