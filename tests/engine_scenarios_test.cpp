// One scenario per engine behaviour, built from small named factories. The differential test covers
// the combinations; these pin each rule down where a reader can see it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine/engine.hpp"

namespace {

using namespace crix::engine;

constexpr InstrumentId kInst{0};

// A new-order command, built fluently: order(7).sell(100).at(1050).by(2).ioc()
struct OrderBuilder {
  Command c;
  explicit OrderBuilder(std::uint64_t id) {
    c.type = CommandType::kNew;
    c.id = OrderId(id);
    c.participant = ParticipantId(1);
    c.qty = Qty(1);
    c.price = Price(1000);
  }
  OrderBuilder& buy(std::int64_t q) { c.side = Side::kBuy; c.qty = Qty(q); return *this; }
  OrderBuilder& sell(std::int64_t q) { c.side = Side::kSell; c.qty = Qty(q); return *this; }
  OrderBuilder& at(std::int64_t p) { c.price = Price(p); return *this; }
  OrderBuilder& by(std::uint32_t participant) { c.participant = ParticipantId(participant); return *this; }
  OrderBuilder& market(std::int64_t protection) {
    c.ord_type = OrderType::kMarket;
    c.price = Price(protection);
    return *this;
  }
  OrderBuilder& ioc() { c.tif = TimeInForce::kIoc; return *this; }
  OrderBuilder& fok() { c.tif = TimeInForce::kFok; return *this; }
  OrderBuilder& day() { c.tif = TimeInForce::kDay; return *this; }
  OrderBuilder& gtd(std::int64_t expire_at) {
    c.tif = TimeInForce::kGtd;
    c.expire_at = Timestamp(expire_at);
    return *this;
  }
  OrderBuilder& aon() { c.flags |= kFlagAllOrNone; return *this; }
  OrderBuilder& at_time(std::int64_t ts) { c.ts = Timestamp(ts); return *this; }
  operator Command() const { return c; }  // NOLINT: the builder exists to become a command
};
OrderBuilder order(std::uint64_t id) { return OrderBuilder(id); }

Command cancel(std::uint64_t id, std::uint32_t participant = 1) {
  Command c;
  c.type = CommandType::kCancel;
  c.id = OrderId(id);
  c.participant = ParticipantId(participant);
  return c;
}

Command replace(std::uint64_t id, std::int64_t price, std::int64_t total_qty,
                std::uint32_t participant = 1) {
  Command c;
  c.type = CommandType::kReplace;
  c.id = OrderId(id);
  c.participant = ParticipantId(participant);
  c.price = Price(price);
  c.qty = Qty(total_qty);
  return c;
}

Command timed(CommandType type, std::int64_t ts) {
  Command c;
  c.type = type;
  c.ts = Timestamp(ts);
  return c;
}

struct Fill {
  std::uint64_t taker, maker;
  std::int64_t price, qty;
  friend bool operator==(const Fill&, const Fill&) = default;
};

struct Harness {
  explicit Harness(EngineSettings s = small()) : engine(s) {}
  static EngineSettings small() {
    EngineSettings s;
    s.max_orders = 64;
    s.max_levels = 16;
    return s;
  }

  std::vector<Event> apply(const Command& c) {
    sink.clear();
    engine.apply(c, sink);
    REQUIRE(engine.check_invariants() == "");
    return sink.events();
  }
  std::vector<Fill> fills(const Command& c) {
    std::vector<Fill> out;
    for (const Event& e : apply(c)) {
      if (e.type == EventType::kFill) out.push_back({e.order_id.v, e.maker_id.v, e.price.v, e.qty.v});
    }
    return out;
  }
  // Ids resting on a side, in priority order.
  std::vector<std::uint64_t> queue(Side side) const {
    std::vector<std::uint64_t> ids;
    engine.for_each_order(kInst, side, [&](const Order& o) { ids.push_back(o.id.v); });
    return ids;
  }
  Qty leaves(std::uint64_t id) const {
    auto o = engine.find(OrderId(id));
    return o ? o->leaves : Qty(0);
  }

  Engine engine;
  EventSink sink;
};

const Event* first_of(const std::vector<Event>& events, EventType type) {
  for (const Event& e : events) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

RejectCode reject_code(const std::vector<Event>& events) {
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].type == EventType::kRejected);
  return events[0].code;
}

using Ids = std::vector<std::uint64_t>;

}  // namespace

TEST_CASE("cancel removes the head, the middle and the tail of a queue", "[engine][cancel]") {
  for (std::uint64_t victim : {1, 2, 3}) {
    Harness h;
    for (std::uint64_t id : {1, 2, 3}) h.apply(order(id).sell(10).at(1000).by(static_cast<std::uint32_t>(id)));
    const auto ev = h.apply(cancel(victim, static_cast<std::uint32_t>(victim)));
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].type == EventType::kCanceled);
    CHECK(ev[0].reason == CancelReason::kRequested);
    CHECK(ev[0].qty == Qty(10));
    CHECK(ev[1].type == EventType::kLevel);
    CHECK(ev[1].qty == Qty(20));
    CHECK(ev[1].count == 2);
    Ids expected;
    for (std::uint64_t id : {1, 2, 3}) {
      if (id != victim) expected.push_back(id);
    }
    CHECK(h.queue(Side::kSell) == expected);
    // The queue still matches in its remaining time order.
    const auto f = h.fills(order(9).buy(20).at(1000).by(9));
    REQUIRE(f.size() == 2);
    CHECK(f[0].maker == expected[0]);
    CHECK(f[1].maker == expected[1]);
  }
}

TEST_CASE("cancelling the last order removes its level", "[engine][cancel]") {
  Harness h;
  h.apply(order(1).buy(5).at(990));
  const auto ev = h.apply(cancel(1));
  REQUIRE(ev.back().type == EventType::kLevel);
  CHECK(ev.back().count == 0);
  CHECK(ev.back().qty == Qty(0));
  CHECK(h.engine.level_count(kInst, Side::kBuy) == 0);
  CHECK(h.engine.levels_in_use() == 0);
}

TEST_CASE("replace: quantity down keeps priority, up or a new price loses it", "[engine][replace]") {
  Harness h;
  h.apply(order(1).sell(10).at(1000).by(1));
  h.apply(order(2).sell(10).at(1000).by(2));

  SECTION("quantity down keeps the place") {
    const auto ev = h.apply(replace(1, 1000, 4, 1));
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].type == EventType::kReplaced);
    CHECK(ev[0].leaves == Qty(4));
    CHECK(ev[1].qty == Qty(14));
    CHECK(h.queue(Side::kSell) == Ids{1, 2});
  }
  SECTION("quantity up goes to the back") {
    h.apply(replace(1, 1000, 11, 1));
    CHECK(h.queue(Side::kSell) == Ids{2, 1});
    CHECK(h.leaves(1) == Qty(11));
  }
  SECTION("a new price goes to the back of the new level") {
    h.apply(order(3).sell(10).at(1010).by(3));
    h.apply(replace(1, 1010, 10, 1));
    CHECK(h.queue(Side::kSell) == Ids{2, 3, 1});
    CHECK(h.engine.level_count(kInst, Side::kSell) == 2);
  }
  SECTION("a new price that crosses trades at once") {
    h.apply(order(5).buy(3).at(990).by(5));
    const auto f = h.fills(replace(1, 990, 10, 1));
    REQUIRE(f == std::vector<Fill>{{1, 5, 990, 3}});
    CHECK(h.leaves(1) == Qty(7));
    CHECK(h.engine.best_price(kInst, Side::kSell) == Price(990));
  }
  SECTION("the new total counts what was already filled") {
    h.apply(order(5).buy(6).at(1000).by(5));  // fills 6 of order 1
    CHECK(h.leaves(1) == Qty(4));
    CHECK(reject_code(h.apply(replace(1, 1000, 6, 1))) == RejectCode::kReplaceBelowFilled);
    const auto ev = h.apply(replace(1, 1000, 8, 1));  // 8 total, 6 filled: 2 open, still first
    CHECK(ev[0].leaves == Qty(2));
    CHECK(h.queue(Side::kSell) == Ids{1, 2});
  }
  SECTION("only the owner may replace or cancel") {
    CHECK(reject_code(h.apply(replace(1, 1000, 5, 2))) == RejectCode::kNotOwner);
    CHECK(reject_code(h.apply(cancel(1, 2))) == RejectCode::kNotOwner);
    CHECK(h.leaves(1) == Qty(10));
  }
}

TEST_CASE("a partial fill keeps the order's queue position", "[engine][priority]") {
  Harness h;
  h.apply(order(1).buy(10).at(1000).by(1));
  h.apply(order(2).buy(10).at(1000).by(2));
  CHECK(h.fills(order(3).sell(4).at(1000).by(3)) == std::vector<Fill>{{3, 1, 1000, 4}});
  CHECK(h.queue(Side::kBuy) == Ids{1, 2});
  CHECK(h.fills(order(4).sell(8).at(1000).by(3)) ==
        std::vector<Fill>{{4, 1, 1000, 6}, {4, 2, 1000, 2}});
}

TEST_CASE("trades print at the resting order's price, best price first", "[engine][price]") {
  Harness h;
  h.apply(order(1).sell(5).at(1010).by(1));
  h.apply(order(2).sell(5).at(1005).by(2));
  const auto ev = h.apply(order(3).buy(8).at(1020).by(3));
  REQUIRE(ev.size() == 5);  // nothing rests, so no level event on the bid side
  CHECK(ev[0].type == EventType::kAccepted);
  CHECK(ev[1].type == EventType::kFill);
  CHECK(ev[1].price == Price(1005));
  CHECK(ev[1].trade_id == TradeId(1));
  CHECK(ev[2].type == EventType::kLevel);
  CHECK(ev[2].count == 0);
  CHECK(ev[3].type == EventType::kFill);
  CHECK(ev[3].price == Price(1010));
  CHECK(ev[3].qty == Qty(3));
  CHECK(ev[3].leaves == Qty(0));
  CHECK(ev[3].maker_leaves == Qty(2));
  CHECK(ev[3].trade_id == TradeId(2));
  CHECK(ev[4].type == EventType::kLevel);
  CHECK(ev[4].side == Side::kSell);
  CHECK(ev[4].qty == Qty(2));
  CHECK(h.engine.order_count(kInst, Side::kBuy) == 0);
}

TEST_CASE("the unfilled rest of a limit order rests at its limit", "[engine][price]") {
  Harness h;
  h.apply(order(1).sell(5).at(1000).by(1));
  const auto ev = h.apply(order(2).buy(8).at(1010).by(2));
  CHECK(ev.back().type == EventType::kLevel);
  CHECK(ev.back().side == Side::kBuy);
  CHECK(ev.back().price == Price(1010));
  CHECK(h.leaves(2) == Qty(3));
}

TEST_CASE("IOC cancels its remainder, FOK never fills partly", "[engine][ioc][fok]") {
  Harness h;
  h.apply(order(1).sell(5).at(1000).by(1));
  h.apply(order(2).sell(5).at(1001).by(2));

  SECTION("IOC takes what crosses and cancels the rest") {
    const auto ev = h.apply(order(3).buy(20).at(1000).by(3).ioc());
    REQUIRE(ev.back().type == EventType::kCanceled);
    CHECK(ev.back().reason == CancelReason::kUnfilled);
    CHECK(ev.back().qty == Qty(15));
    CHECK(h.engine.order_count(kInst, Side::kBuy) == 0);
  }
  SECTION("FOK larger than what crosses: nothing trades") {
    const auto hash = h.engine.state_hash();
    const auto ev = h.apply(order(3).buy(11).at(1001).by(3).fok());
    REQUIRE(ev.size() == 2);
    CHECK(ev[1].type == EventType::kCanceled);
    CHECK(ev[1].reason == CancelReason::kFillOrKill);
    CHECK(ev[1].qty == Qty(11));
    CHECK(h.engine.state_hash() == hash);
  }
  SECTION("FOK that fits fills completely across levels") {
    CHECK(h.fills(order(3).buy(10).at(1001).by(3).fok()) ==
          std::vector<Fill>{{3, 1, 1000, 5}, {3, 2, 1001, 5}});
  }
  SECTION("FOK beyond its limit does not count deeper levels") {
    const auto ev = h.apply(order(3).buy(10).at(1000).by(3).fok());
    CHECK(first_of(ev, EventType::kFill) == nullptr);
  }
}

TEST_CASE("a resting all-or-none order is skipped by smaller aggressors and keeps its place",
          "[engine][aon]") {
  Harness h;
  h.apply(order(1).sell(10).at(1000).by(1).aon());
  h.apply(order(2).sell(5).at(1000).by(2));

  CHECK(h.fills(order(3).buy(4).at(1000).by(3)) == std::vector<Fill>{{3, 2, 1000, 4}});
  CHECK(h.queue(Side::kSell) == Ids{1, 2});
  CHECK(h.leaves(1) == Qty(10));
  // Large enough: the AON order is first in time, so it fills whole, then the rest goes to order 2.
  CHECK(h.fills(order(4).buy(11).at(1000).by(3)) ==
        std::vector<Fill>{{4, 1, 1000, 10}, {4, 2, 1000, 1}});
}

TEST_CASE("an incoming all-or-none order trades only when it can fill completely",
          "[engine][aon]") {
  Harness h;
  h.apply(order(1).sell(5).at(1000).by(1));

  SECTION("too little: it rests untouched, and may rest crossing the book") {
    const auto ev = h.apply(order(2).buy(8).at(1000).by(2).aon());
    CHECK(first_of(ev, EventType::kFill) == nullptr);
    CHECK(h.leaves(2) == Qty(8));
    CHECK(h.leaves(1) == Qty(5));
    CHECK(h.engine.best_price(kInst, Side::kBuy) == Price(1000));
    // A later seller large enough for it trades with it.
    CHECK(h.fills(order(3).sell(8).at(1000).by(3)) == std::vector<Fill>{{3, 2, 1000, 8}});
  }
  SECTION("AON with IOC that cannot fill is canceled whole") {
    const auto ev = h.apply(order(2).buy(8).at(1000).by(2).aon().ioc());
    CHECK(ev.back().reason == CancelReason::kFillOrKill);
  }
  SECTION("enough: it fills") {
    h.apply(order(4).sell(5).at(1000).by(4));
    CHECK(h.fills(order(2).buy(8).at(1000).by(2).aon()) ==
          std::vector<Fill>{{2, 1, 1000, 5}, {2, 4, 1000, 3}});
  }
}

TEST_CASE("market orders", "[engine][market]") {
  Harness h;
  SECTION("on an empty book: accepted, then canceled as unfilled") {
    const auto ev = h.apply(order(1).buy(10).market(1100));
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].type == EventType::kAccepted);
    CHECK(ev[1].type == EventType::kCanceled);
    CHECK(ev[1].reason == CancelReason::kUnfilled);
    CHECK(h.engine.orders_in_use() == 0);
  }
  SECTION("stops at its protection price and never rests") {
    h.apply(order(1).sell(5).at(1000).by(1));
    h.apply(order(2).sell(5).at(1200).by(2));
    const auto ev = h.apply(order(3).buy(10).market(1100).by(3));
    CHECK(h.fills(order(4).buy(1).market(1100).by(4)).empty());
    CHECK(ev.back().type == EventType::kCanceled);
    CHECK(ev.back().qty == Qty(5));
    CHECK(h.engine.order_count(kInst, Side::kBuy) == 0);
    CHECK(h.leaves(2) == Qty(5));
  }
}

TEST_CASE("self-trade prevention", "[engine][stp]") {
  auto with_mode = [](StpMode mode) {
    EngineSettings s = Harness::small();
    s.stp = mode;
    return s;
  };
  SECTION("default: the resting order is canceled and matching goes on") {
    Harness h;
    h.apply(order(1).sell(5).at(1000).by(7));
    h.apply(order(2).sell(5).at(1000).by(8));
    const auto ev = h.apply(order(3).buy(5).at(1000).by(7));
    REQUIRE(ev.size() == 4);
    CHECK(ev[1].type == EventType::kCanceled);
    CHECK(ev[1].order_id == OrderId(1));
    CHECK(ev[1].reason == CancelReason::kSelfTrade);
    CHECK(ev[2].type == EventType::kFill);
    CHECK(ev[2].maker_id == OrderId(2));
  }
  SECTION("cancel incoming: nothing of the same participant trades, the maker stays") {
    Harness h(with_mode(StpMode::kCancelIncoming));
    h.apply(order(1).sell(5).at(1000).by(7));
    const auto ev = h.apply(order(3).buy(5).at(1000).by(7));
    REQUIRE(ev.size() == 2);
    CHECK(ev[1].type == EventType::kCanceled);
    CHECK(ev[1].order_id == OrderId(3));
    CHECK(ev[1].reason == CancelReason::kSelfTrade);
    CHECK(h.leaves(1) == Qty(5));
  }
  SECTION("cancel both") {
    Harness h(with_mode(StpMode::kCancelBoth));
    h.apply(order(1).sell(5).at(1000).by(7));
    h.apply(order(2).sell(5).at(1000).by(8));
    const auto ev = h.apply(order(3).buy(5).at(1000).by(7));
    CHECK(first_of(ev, EventType::kFill) == nullptr);
    CHECK(h.queue(Side::kSell) == Ids{2});
    CHECK(h.engine.order_count(kInst, Side::kBuy) == 0);
  }
  SECTION("off: a participant may trade with itself") {
    Harness h(with_mode(StpMode::kOff));
    h.apply(order(1).sell(5).at(1000).by(7));
    CHECK(h.fills(order(3).buy(5).at(1000).by(7)).size() == 1);
  }
}

TEST_CASE("the eligibility hook skips a pair and the maker keeps its place", "[engine][hook]") {
  struct NotWithThree : EligibilityHook {
    Qty allowed(const Order& taker, const Order& maker, Qty qty) const override {
      return taker.participant == ParticipantId(3) && maker.participant == ParticipantId(1) ? Qty(0) : qty;
    }
  } hook;
  Harness h;
  h.engine.set_eligibility_hook(&hook);
  h.apply(order(1).sell(5).at(1000).by(1));
  h.apply(order(2).sell(5).at(1000).by(2));
  CHECK(h.fills(order(3).buy(5).at(1000).by(3)) == std::vector<Fill>{{3, 2, 1000, 5}});
  CHECK(h.queue(Side::kSell) == Ids{1});
  CHECK(h.fills(order(4).buy(5).at(1000).by(4)) == std::vector<Fill>{{4, 1, 1000, 5}});
}

TEST_CASE("the eligibility hook cuts a fill, an all-or-none side is skipped instead", "[engine][hook]") {
  // At most 3 per fill, as the Exchange cuts a fill to a project's remaining need.
  struct AtMostThree : EligibilityHook {
    Qty allowed(const Order&, const Order&, Qty qty) const override { return std::min(qty, Qty(3)); }
  } hook;
  Harness h;
  h.engine.set_eligibility_hook(&hook);
  h.apply(order(1).sell(5).at(1000).by(1).aon());
  h.apply(order(2).sell(5).at(1000).by(2));
  h.apply(order(3).sell(2).at(1000).by(4));
  // The AON maker 1 is not cut but skipped; maker 2 gives 3 and keeps its place with 2; the taker's
  // remaining 2 goes on to maker 3 whole (2 <= 3: no cut).
  CHECK(h.fills(order(4).buy(5).at(1000).by(3)) == std::vector<Fill>{{4, 2, 1000, 3}, {4, 3, 1000, 2}});
  CHECK(h.queue(Side::kSell) == Ids{1, 2});
  // A FOK taker is never cut either: 5 from maker 1 would be a cut, 2 from maker 2 is not enough.
  CHECK(h.fills(order(5).buy(5).at(1000).by(3).fok()).empty());
  CHECK(h.queue(Side::kSell) == Ids{1, 2});
}

TEST_CASE("a cancel of an order that is not resting is rejected and changes nothing",
          "[engine][cancel]") {
  Harness h;
  h.apply(order(1).sell(5).at(1000).by(1));
  h.apply(order(2).buy(5).at(1000).by(2));  // fills order 1 completely
  const auto hash = h.engine.state_hash();
  CHECK(reject_code(h.apply(cancel(1, 1))) == RejectCode::kUnknownOrder);
  CHECK(reject_code(h.apply(cancel(99, 1))) == RejectCode::kUnknownOrder);
  CHECK(h.engine.state_hash() == hash);
}

TEST_CASE("GTD orders expire on the time command, Day orders at the close", "[engine][expiry]") {
  Harness h;
  h.apply(order(1).buy(5).at(990).gtd(2000).at_time(100));
  h.apply(order(2).buy(5).at(991).gtd(1500).at_time(100));
  h.apply(order(3).buy(5).at(992).day());
  h.apply(order(4).buy(5).at(993));

  CHECK(h.apply(timed(CommandType::kAdvanceTime, 1499)).empty());
  auto ev = h.apply(timed(CommandType::kAdvanceTime, 2000));
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].type == EventType::kExpired);
  CHECK(ev[0].order_id == OrderId(2));  // earliest expiry first
  CHECK(ev[2].order_id == OrderId(1));
  CHECK(h.queue(Side::kBuy) == Ids{4, 3});

  ev = h.apply(timed(CommandType::kCloseDay, 3000));
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].type == EventType::kExpired);
  CHECK(ev[0].order_id == OrderId(3));
  CHECK(h.queue(Side::kBuy) == Ids{4});
}

TEST_CASE("a GTD order that is canceled or filled does not expire later", "[engine][expiry]") {
  Harness h;
  h.apply(order(1).buy(5).at(990).gtd(2000));
  h.apply(cancel(1));
  h.apply(order(1).buy(5).at(990).gtd(5000));  // the id may be used again once it is gone
  CHECK(h.apply(timed(CommandType::kAdvanceTime, 2000)).empty());
  CHECK(h.leaves(1) == Qty(5));
  CHECK(h.apply(timed(CommandType::kAdvanceTime, 5000)).size() == 2);
}

TEST_CASE("pools: running out is a reject, checked before anything changes", "[engine][pool]") {
  EngineSettings s;
  s.max_orders = 3;
  s.max_levels = 2;
  Harness h(s);
  h.apply(order(1).buy(5).at(990));
  h.apply(order(2).buy(5).at(991));
  const auto hash = h.engine.state_hash();

  const auto lv = h.apply(order(3).buy(5).at(989));
  CHECK(reject_code(lv) == RejectCode::kLevelPoolFull);
  CHECK(lv[0].arg1 == 2);
  CHECK(h.engine.state_hash() == hash);

  h.apply(order(3).buy(5).at(991));  // joins an existing level: fine
  CHECK(reject_code(h.apply(order(4).buy(5).at(990))) == RejectCode::kOrderPoolFull);
  // An order that cannot rest needs no node: IOC still trades when the pool is full.
  CHECK(h.fills(order(5).sell(5).at(991).by(2).ioc()).size() == 1);
  // Capacity comes back when orders leave.
  h.apply(cancel(1));
  CHECK(h.apply(order(6).buy(5).at(980))[0].type == EventType::kAccepted);
}

TEST_CASE("mass cancel removes only the participant's orders", "[engine][mass]") {
  EngineSettings s = Harness::small();
  s.instruments = 2;
  Harness h(s);
  h.apply(order(1).buy(5).at(990).by(1));
  h.apply(order(2).buy(5).at(990).by(2));
  h.apply(order(3).sell(5).at(1010).by(1));
  Command other = order(4).sell(5).at(1010).by(1);
  other.instrument = InstrumentId(1);
  h.apply(other);

  Command mc;
  mc.type = CommandType::kMassCancel;
  mc.participant = ParticipantId(1);
  mc.instrument = kInst;
  auto ev = h.apply(mc);
  int canceled = 0;
  for (const Event& e : ev) canceled += e.type == EventType::kCanceled ? 1 : 0;
  CHECK(canceled == 2);
  CHECK(h.queue(Side::kBuy) == Ids{2});
  CHECK(h.engine.find(OrderId(4)).has_value());

  mc.instrument = kAllInstruments;
  ev = h.apply(mc);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].order_id == OrderId(4));
  CHECK(ev[0].reason == CancelReason::kMassCancel);
}

TEST_CASE("bad commands get a specific reject and change nothing", "[engine][validation]") {
  Harness h;
  h.apply(order(1).buy(5).at(990));
  const auto hash = h.engine.state_hash();
  auto code_of = [&](Command c) { return reject_code(h.apply(c)); };

  CHECK(code_of(order(2).buy(0)) == RejectCode::kInvalidQuantity);
  CHECK(code_of(order(2).buy(-5)) == RejectCode::kInvalidQuantity);
  CHECK(code_of(order(2).buy(10'000'000'001)) == RejectCode::kInvalidQuantity);
  CHECK(code_of(order(2).buy(5).at(0)) == RejectCode::kInvalidPrice);
  CHECK(code_of(order(2).buy(5).at(-1)) == RejectCode::kInvalidPrice);
  CHECK(code_of(order(2).buy(5).market(0)) == RejectCode::kInvalidPrice);
  CHECK(code_of(order(2).buy(5).gtd(100).at_time(100)) == RejectCode::kInvalidExpiry);
  CHECK(code_of(order(1).buy(5)) == RejectCode::kDuplicateOrderId);
  Command bad = order(2).buy(5);
  bad.side = static_cast<Side>(7);
  CHECK(code_of(bad) == RejectCode::kInvalidSide);
  bad = order(2).buy(5);
  bad.tif = static_cast<TimeInForce>(9);
  CHECK(code_of(bad) == RejectCode::kInvalidTimeInForce);
  bad = order(2).buy(5);
  bad.flags = 0x80;
  CHECK(code_of(bad) == RejectCode::kInvalidFlags);
  bad = order(2).buy(5);
  bad.instrument = InstrumentId(3);
  CHECK(code_of(bad) == RejectCode::kUnknownInstrument);
  bad.type = static_cast<CommandType>(42);
  const auto ev = h.apply(bad);
  CHECK(reject_code(ev) == RejectCode::kUnknownCommand);
  CHECK(ev[0].arg1 == 42);
  CHECK(h.engine.state_hash() == hash);
}

TEST_CASE("the same commands give the same events and state hash", "[engine][determinism]") {
  auto run = [] {
    Harness h;
    std::vector<Event> all;
    for (std::uint64_t id = 1; id <= 40; ++id) {
      const auto side_qty = static_cast<std::int64_t>(id % 7 + 1);
      Command c = (id % 2 == 0) ? Command(order(id).buy(side_qty).at(995 + static_cast<std::int64_t>(id % 9)))
                                : Command(order(id).sell(side_qty).at(998 + static_cast<std::int64_t>(id % 5)));
      c.participant = ParticipantId(static_cast<std::uint32_t>(id % 4));
      for (const Event& e : h.apply(c)) all.push_back(e);
    }
    return std::pair{all, h.engine.state_hash()};
  };
  const auto a = run();
  const auto b = run();
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  CHECK(a.first.size() > 40);
}

TEST_CASE("settings that could overflow a level total are refused", "[engine][validation]") {
  EngineSettings s;
  s.max_orders = 1u << 30;
  s.max_qty = Qty(10'000'000'000);  // 2^30 * 10^10 > 2^63
  CHECK_THROWS_AS(Engine(s), std::invalid_argument);
  s.instruments = 0;
  s.max_orders = 16;
  CHECK_THROWS_AS(Engine(s), std::invalid_argument);
}
