// The fast engine against the naive ReferenceEngine on seeded random command streams that mix every
// command, order type, time in force and the all-or-none flag, bad values, small pools, each self-trade
// mode and two eligibility hooks. After every command: identical events, identical state hash, the same
// questions asked of the hook, every fill, cancel and expiry of the fast engine's handed to its hook's
// settlement once, the engine's own invariant walk, and invariants checked from outside through the
// query API. Each test case then requires that its streams really exercised the features (fills,
// self-trade cancels, AON skips, pool rejects, expiries ...), so that it cannot pass by generating
// nothing interesting.
//
// A failure prints the seed and command index; every stream is a pure function of its seed, so
// `stream_seed`/`shape_for` and the printed index reproduce it exactly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/state_hash.hpp"
#include "tests/reference_book.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scale.hpp"

namespace {

using namespace crix::engine;

using crix::testing::ReferenceEngine;
using crix::test::Rng;

std::size_t at(Side s) { return s == Side::kBuy ? 0 : 1; }

// ---- the eligibility hook ------------------------------------------------------------------------

enum class HookRule : std::uint8_t {
  kNone,
  kParticipants,   // refuses when (taker participant + maker participant + maker id) % 5 == 0
  kEveryArgument,  // refuses when a digest of both whole orders and the quantity is 0 mod 7
};

bool same_order(const Order& a, const Order& b) {
  return a.id == b.id && a.account == b.account && a.price == b.price && a.qty == b.qty &&
         a.leaves == b.leaves && a.expire_at == b.expire_at && a.participant == b.participant &&
         a.instrument == b.instrument && a.side == b.side && a.ord_type == b.ord_type &&
         a.tif == b.tif && a.flags == b.flags;
}

void add_order(StateHasher& h, const Order& o) {
  h.add(o.id.v);
  h.add(o.account.v);
  h.add_signed(o.price.v);
  h.add_signed(o.qty.v);
  h.add_signed(o.leaves.v);
  h.add_signed(o.expire_at.v);
  h.add(o.participant.v);
  h.add(o.instrument.v);
  h.add(static_cast<std::uint64_t>(o.side) | static_cast<std::uint64_t>(o.ord_type) << 8 |
        static_cast<std::uint64_t>(o.tif) << 16 | static_cast<std::uint64_t>(o.flags) << 24);
}

// One question an engine asked its hook.
// One call to the hook: a question (eligible), a walk's start (taker, maker and qty unset; qty = 1
// for the dry run) or a trade it was told of.
enum class HookCallKind : std::uint8_t { kEligible, kWalkStarted, kTraded, kSpent };
struct HookCall {
  HookCallKind kind = HookCallKind::kEligible;
  Order taker;
  Order maker;
  Qty qty;
};

bool same_calls(const std::vector<HookCall>& a, const std::vector<HookCall>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const HookCall& x, const HookCall& y) {
    return x.kind == y.kind && same_order(x.taker, y.taker) && same_order(x.maker, y.maker) &&
           x.qty == y.qty;
  });
}

// Its answer is a pure function of its arguments, so both engines (and their dry runs) get the same
// answer to the same question; kEveryArgument makes any difference in the taker's view (leaves =
// remaining, the replaced price and quantity) or in the fill quantity show up as diverging fills. Each
// engine has its own hook, which logs every question: the contract fixes when the hook is asked (only
// for a maker that neither self-trade prevention nor the AON rule already passed over, in the dry run
// too) and with what, so the two logs of one command must be equal. It also notes each refused pair,
// which tells the crossed-book check which crossings at rest are legitimate.
class TestHook final : public EligibilityHook {
 public:
  explicit TestHook(HookRule rule) : rule_(rule) {}

  Qty allowed(const Order& taker, const Order& maker, Qty qty) const override {
    calls_.push_back({HookCallKind::kEligible, taker, maker, qty});
    const Qty answer = answer_for(taker, maker, qty);
    // A cut pair may cross at rest too (the rest of a cut fill stays on both sides), so it is noted
    // with the refused ones for the crossed-book check.
    if (answer < qty) refused_.emplace(taker.id.v, maker.id.v);
    if (answer.v > 0 && answer < qty) ++cuts_;
    return answer;
  }
  void walk_started(bool dry) override {
    calls_.push_back({HookCallKind::kWalkStarted, Order{}, Order{}, Qty(dry ? 1 : 0)});
  }
  void traded(const Order& taker, const Order& maker, Qty qty) override {
    calls_.push_back({HookCallKind::kTraded, taker, maker, qty});
  }
  // Spent when a digest of the whole taker is 0 mod 11 (kEveryArgument), or its remainder is 1 mod 5
  // (kParticipants): walks end early on both engines alike, with makers left that would have traded.
  bool spent(const Order& taker) const override {
    calls_.push_back({HookCallKind::kSpent, taker, Order{}, Qty(0)});
    StateHasher h;
    add_order(h, taker);
    const bool spent = rule_ == HookRule::kParticipants ? taker.leaves.v % 5 == 1 : h.digest() % 11 == 0;
    if (spent) spent_.insert(taker.id.v);
    return spent;
  }
  // A taker whose walk a spent answer ended may rest crossing the makers it did not reach.
  bool ever_spent(const Order& o) const { return spent_.count(o.id.v) != 0; }
  std::size_t spent_takers() const { return spent_.size(); }
  bool ever_refused(const Order& a, const Order& b) const {
    return refused_.count({a.id.v, b.id.v}) != 0 || refused_.count({b.id.v, a.id.v}) != 0;
  }
  std::size_t refused_pairs() const { return refused_.size(); }
  std::size_t cuts() const { return cuts_; }
  const std::vector<HookCall>& calls() const { return calls_; }
  void clear_calls() {
    calls_.clear();
    settled_.clear();
    walks_ended_ = 0;
  }

  // Settlement, which only the fast engine calls: each Fill, Canceled and Expired event as the book
  // appended it, with the type its method stands for (kCanceled for ended(), which also takes
  // kExpired), and the walks' ends. settlement_problem() checks them against the command's events.
  void filled(Event& e) override { settled_.emplace_back(EventType::kFill, e); }
  void ended(Event& e) override { settled_.emplace_back(EventType::kCanceled, e); }
  void walk_ended() override { ++walks_ended_; }
  const std::vector<std::pair<EventType, Event>>& settled() const { return settled_; }
  std::size_t walks_ended() const { return walks_ended_; }

 private:
  // kEveryArgument also cuts: a digest of 1 mod 7 allows half the fill (a real hook cuts a fill to a
  // project's remaining need); the engines must then turn a cut of an all-or-none side into a skip.
  Qty answer_for(const Order& taker, const Order& maker, Qty qty) const {
    if (rule_ == HookRule::kParticipants) {
      return (taker.participant.v + maker.participant.v + maker.id.v) % 5 != 0 ? qty : Qty(0);
    }
    StateHasher h;
    add_order(h, taker);
    add_order(h, maker);
    h.add_signed(qty.v);
    const std::uint64_t d = h.digest() % 7;
    if (d == 0) return Qty(0);
    if (d == 1 && qty.v > 1) return Qty(qty.v / 2);
    return qty;
  }

  HookRule rule_;
  mutable std::set<std::pair<std::uint64_t, std::uint64_t>> refused_;
  mutable std::size_t cuts_ = 0;  // answers that cut a fill (an all-or-none side may still skip it)
  mutable std::vector<HookCall> calls_;
  mutable std::set<std::uint64_t> spent_;
  std::vector<std::pair<EventType, Event>> settled_;
  std::size_t walks_ended_ = 0;
};

// The fast engine's settlement calls of one command against its events: every Fill, Canceled and
// Expired event handed to the hook once, in order, through the method of its type, and one
// walk_ended() per real walk (walk_started(false)). "" when they agree.
std::string settlement_problem(const TestHook& hook, const std::vector<Event>& events) {
  std::vector<const Event*> order_events;
  for (const Event& e : events) {
    if (e.type == EventType::kFill || e.type == EventType::kCanceled || e.type == EventType::kExpired) {
      order_events.push_back(&e);
    }
  }
  const auto& settled = hook.settled();
  if (settled.size() != order_events.size()) {
    return std::to_string(settled.size()) + " settlement calls for " + std::to_string(order_events.size()) +
           " fills, cancels and expiries";
  }
  for (std::size_t i = 0; i < settled.size(); ++i) {
    const Event& e = *order_events[i];
    const EventType method = settled[i].first;
    const bool right_method = method == e.type || (method == EventType::kCanceled && e.type == EventType::kExpired);
    if (!right_method || !(settled[i].second == e)) {
      return "settled event " + std::to_string(i) + " (type " + std::to_string(static_cast<int>(e.type)) +
             ") was settled as another event or through the method of type " +
             std::to_string(static_cast<int>(method));
    }
  }
  const auto real_walks = static_cast<std::size_t>(
      std::count_if(hook.calls().begin(), hook.calls().end(),
                    [](const HookCall& c) { return c.kind == HookCallKind::kWalkStarted && c.qty.v == 0; }));
  if (hook.walks_ended() != real_walks) {
    return std::to_string(hook.walks_ended()) + " walk_ended() calls for " + std::to_string(real_walks) + " real walks";
  }
  return "";
}

// ---- stream shapes and the command generator -----------------------------------------------------

// Every combination of these appears once per self-trade mode: 3 hooks x 3 pool shapes x 2 instrument
// counts x 3 participant counts x 2 price bands.
constexpr std::uint64_t kStreamsPerMode = 108;
constexpr int kCommandsPerStream = crix::test::scaled(5000, 2000);  // every shape still runs under the sanitizers

struct StreamShape {
  EngineSettings settings;
  HookRule hook = HookRule::kNone;
  std::uint32_t participants = 3;
  std::int64_t low = 95;  // limit prices are drawn from [low, high]
  std::int64_t high = 105;
};

StreamShape shape_for(StpMode stp, std::uint64_t stream) {
  StreamShape s;
  s.settings.stp = stp;
  s.hook = static_cast<HookRule>(stream % 3);
  switch ((stream / 3) % 3) {
    case 0:  // orders run out first
      s.settings.max_orders = 10;
      s.settings.max_levels = 40;
      break;
    case 1:  // levels run out first
      s.settings.max_orders = 80;
      s.settings.max_levels = 6;
      break;
    default:  // roomy: deeper books, nothing runs out
      s.settings.max_orders = 4096;
      s.settings.max_levels = 1024;
      break;
  }
  s.settings.instruments = 2 + static_cast<std::uint32_t>((stream / 9) % 2);
  s.participants = 3 + static_cast<std::uint32_t>((stream / 18) % 3);
  if ((stream / 54) % 2 == 1) {  // a wider band: more levels, fewer crossings, longer sweeps
    s.low = 85;
    s.high = 115;
  }
  return s;
}

std::uint64_t stream_seed(StpMode stp, std::uint64_t stream) {
  return 0xD1FFu + static_cast<std::uint64_t>(stp) * 1'000'003u + stream;
}

// Generates one stream. It looks at the fast engine's book (equal to the model's, or the test has
// already failed) to aim cancels and replaces at resting orders, and replaces at what each order is:
// quantity down, up, a new price, or below the filled part.
class CommandMaker {
 public:
  CommandMaker(std::uint64_t seed, const StreamShape& shape) : rng_{seed}, shape_(shape) {}

  Command next(const Engine& engine) {
    ts_ += rng_.range(1, 3);
    Command c;
    c.seq = Seq(++seq_);
    c.ts = Timestamp(ts_);
    c.instrument = InstrumentId(static_cast<std::uint32_t>(rng_.below(shape_.settings.instruments)));
    c.participant = ParticipantId(static_cast<std::uint32_t>(1 + rng_.below(shape_.participants)));
    const auto k = rng_.below(100);
    if (k < 55) {
      make_new(c);
    } else if (k < 70) {
      c.type = CommandType::kCancel;
      target(c, engine);
    } else if (k < 88) {
      c.type = CommandType::kReplace;
      target(c, engine);
      aim_replace(c, engine);
    } else if (k < 91) {
      c.type = CommandType::kMassCancel;
      if (rng_.chance(40)) c.instrument = kAllInstruments;
    } else if (k < 97) {
      c.type = CommandType::kAdvanceTime;
    } else {
      c.type = CommandType::kCloseDay;
    }
    if (rng_.chance(3)) spoil(c);
    return c;
  }

 private:
  std::int64_t some_price() { return rng_.range(shape_.low, shape_.high); }

  void make_new(Command& c) {
    c.type = CommandType::kNew;
    // Mostly fresh ids; sometimes one sent before (a duplicate while it rests, a reuse once gone).
    c.id = OrderId(sent_.empty() || rng_.chance(92) ? ++last_id_ : pick_sent());
    c.side = rng_.chance(50) ? Side::kBuy : Side::kSell;
    // Now and then a large order that sweeps several levels.
    c.qty = Qty(rng_.chance(6) ? rng_.range(30, 120) : rng_.range(1, 20));
    c.price = Price(some_price());
    c.account = AccountId(rng_.below(3));
    c.ord_type = rng_.chance(10) ? OrderType::kMarket : OrderType::kLimit;
    c.tif = static_cast<TimeInForce>(rng_.below(5));
    if (c.tif == TimeInForce::kGtd) c.expire_at = Timestamp(ts_ + rng_.range(1, 80));
    if (rng_.chance(15)) c.flags = kFlagAllOrNone;
    sent_[c.id.v] = c;
  }

  // Mostly one of the last few ids (likely still resting), sometimes any earlier one.
  std::uint64_t pick_sent() {
    const std::uint64_t back = rng_.chance(80) ? rng_.below(std::min<std::uint64_t>(last_id_, 12))
                                               : rng_.below(last_id_);
    auto it = sent_.lower_bound(last_id_ - back);
    if (it == sent_.end()) it = sent_.begin();
    return it->first;
  }

  // A cancel or replace aimed mostly at a resting order, else at one sent before (likely gone), or at
  // one never sent while there is none; usually by its owner on its instrument.
  void target(Command& c, const Engine& engine) {
    std::vector<Order> resting;
    for (std::uint32_t i = 0; i < shape_.settings.instruments; ++i) {
      for (Side s : {Side::kBuy, Side::kSell}) {
        engine.for_each_order(InstrumentId(i), s, [&](const Order& o) { resting.push_back(o); });
      }
    }
    if (!resting.empty() && rng_.chance(70)) {
      const Order& o = resting[rng_.below(resting.size())];
      c.id = o.id;
      if (rng_.chance(92)) c.participant = o.participant;
      if (rng_.chance(95)) c.instrument = o.instrument;
      return;
    }
    if (sent_.empty()) {
      c.id = OrderId(1 + rng_.below(5));
      return;
    }
    const Command& o = sent_.at(pick_sent());
    c.id = o.id;
    if (rng_.chance(90)) c.participant = o.participant;
    if (rng_.chance(95)) c.instrument = o.instrument;
  }

  void aim_replace(Command& c, const Engine& engine) {
    c.price = Price(some_price());
    c.qty = Qty(rng_.range(1, 25));
    const auto live = engine.find(c.id);
    if (!live) return;
    const std::int64_t filled = live->qty.v - live->leaves.v;
    switch (rng_.below(5)) {
      case 0:  // open quantity down (or unchanged): keeps its place
        c.price = live->price;
        c.qty = Qty(filled + rng_.range(1, live->leaves.v));
        break;
      case 1:  // open quantity up: to the back of its level
        c.price = live->price;
        c.qty = Qty(live->qty.v + rng_.range(1, 10));
        break;
      case 2:  // a new price, same quantity: may cross and trade
        c.price = Price(live->price.v + (rng_.chance(50) ? 1 : -1) * rng_.range(1, 6));
        c.qty = live->qty;
        break;
      case 3:  // at or below what already traded (when something has)
        if (filled > 0) c.qty = Qty(rng_.range(std::max<std::int64_t>(filled - 2, 1), filled));
        break;
      default: break;  // anything
    }
  }

  void spoil(Command& c) {
    switch (rng_.below(11)) {
      case 0: c.qty = Qty(-rng_.range(0, 3)); break;
      case 1: c.qty = shape_.settings.max_qty + Qty(1); break;
      case 2: c.price = Price(rng_.chance(50) ? 0 : -7); break;
      case 3: c.price = shape_.settings.max_price + Price(rng_.range(1, 9)); break;
      case 4: c.side = static_cast<Side>(2 + rng_.below(250)); break;
      case 5: c.ord_type = static_cast<OrderType>(2 + rng_.below(250)); break;
      case 6: c.tif = static_cast<TimeInForce>(5 + rng_.below(250)); break;
      case 7:
        c.instrument = rng_.chance(30) ? kAllInstruments
                                       : InstrumentId(shape_.settings.instruments +
                                                      static_cast<std::uint32_t>(rng_.below(3)));
        break;
      case 8:  // an expiry in the past or now for a GTD order, or any expiry on another order
        if (c.tif == TimeInForce::kGtd) {
          c.expire_at = Timestamp(c.ts.v - rng_.range(0, 2));
        } else {
          c.expire_at = Timestamp(c.ts.v + 5);
        }
        break;
      case 9: c.flags = static_cast<std::uint8_t>(c.flags | (2u << rng_.below(7))); break;
      default: c.type = static_cast<CommandType>(6 + rng_.below(250)); break;
    }
  }

  Rng rng_;
  StreamShape shape_;
  std::int64_t ts_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t last_id_ = 0;
  std::map<std::uint64_t, Command> sent_;
};

// ---- readable output for a failure ---------------------------------------------------------------

std::string describe(const Command& c) {
  std::ostringstream s;
  s << to_string(c.type) << "(raw " << int(c.type) << ") instrument=" << c.instrument.v << " id=" << c.id.v
    << " participant=" << c.participant.v << " account=" << c.account.v << " side=" << int(c.side)
    << " ord_type=" << int(c.ord_type) << " tif=" << int(c.tif) << " flags=" << int(c.flags)
    << " price=" << c.price.v << " qty=" << c.qty.v << " ts=" << c.ts.v
    << " expire_at=" << c.expire_at.v;
  return s.str();
}

std::string describe(const std::vector<Event>& events) {
  std::ostringstream s;
  for (const Event& e : events) {
    s << "  " << to_string(e.type) << " instrument=" << e.instrument.v << " side=" << int(e.side);
    switch (e.type) {
      case EventType::kRejected:
        s << " " << to_string(e.code) << " id=" << e.order_id.v << " price=" << e.price.v
          << " qty=" << e.qty.v << " arg1=" << e.arg1 << " arg2=" << e.arg2;
        break;
      case EventType::kFill:
        s << " taker=" << e.order_id.v << " maker=" << e.maker_id.v << " price=" << e.price.v
          << " qty=" << e.qty.v << " trade=" << e.trade_id.v << " leaves=" << e.leaves.v
          << " maker_leaves=" << e.maker_leaves.v;
        break;
      case EventType::kLevel:
        s << " price=" << e.price.v << " total=" << e.qty.v << " count=" << e.count;
        break;
      default:
        s << " id=" << e.order_id.v << " price=" << e.price.v << " qty=" << e.qty.v
          << " leaves=" << e.leaves.v;
        if (e.type == EventType::kCanceled) s << " " << to_string(e.reason);
        break;
    }
    // Fields the event type leaves at zero are printed only when set, so that a stray one shows.
    if (e.type != EventType::kRejected && (e.code != RejectCode::kNone || e.arg1 != 0 || e.arg2 != 0)) {
      s << " STRAY code/args " << int(e.code) << "/" << e.arg1 << "/" << e.arg2;
    }
    if (e.type != EventType::kLevel && e.count != 0) s << " STRAY count=" << e.count;
    if (e.type != EventType::kFill && (e.maker_id.v != 0 || e.trade_id.v != 0 || e.maker_leaves.v != 0)) {
      s << " STRAY maker/trade/maker_leaves " << e.maker_id.v << "/" << e.trade_id.v << "/"
        << e.maker_leaves.v;
    }
    if (e.type != EventType::kCanceled && e.reason != CancelReason::kNone) {
      s << " STRAY reason=" << int(e.reason);
    }
    s << "\n";
  }
  return s.str();
}

std::string describe(const Order& o) {
  std::ostringstream s;
  s << "{id=" << o.id.v << " participant=" << o.participant.v << " account=" << o.account.v
    << " instrument=" << o.instrument.v << " side=" << int(o.side) << " ord_type=" << int(o.ord_type)
    << " tif=" << int(o.tif) << " flags=" << int(o.flags) << " price=" << o.price.v << " qty=" << o.qty.v
    << " leaves=" << o.leaves.v << " expire_at=" << o.expire_at.v << "}";
  return s.str();
}

std::string describe(const std::vector<HookCall>& calls) {
  std::ostringstream s;
  for (const HookCall& h : calls) {
    static constexpr const char* kKinds[] = {"eligible?", "walk started", "traded", "spent?"};
    s << "  " << kKinds[static_cast<int>(h.kind)] << ": taker " << describe(h.taker) << "\n  maker " << describe(h.maker) << " qty=" << h.qty.v << "\n";
  }
  return s.str();
}

// ---- invariants seen from outside the engine -----------------------------------------------------

bool aon(const Order& o) { return (o.flags & kFlagAllOrNone) != 0; }

// Every resting order, per instrument and side, in book order (best level first, time priority).
using BookView = std::vector<std::array<std::vector<Order>, 2>>;

std::string canceled_feature(CancelReason r) { return "canceled: " + std::string(to_string(r)); }
std::string rejected_feature(RejectCode c) { return "rejected: " + std::string(to_string(c)); }

struct Coverage {
  std::map<std::string, long> seen;
  void note(const std::string& feature, long n = 1) { seen[feature] += n; }
  long operator[](const std::string& feature) const {
    const auto it = seen.find(feature);
    return it == seen.end() ? 0 : it->second;
  }
};

// Reads the whole book through the query API, checks it, and returns the first problem or "".
std::string read_book(const Engine& engine, const Command& c, const TestHook* hook,
                      Coverage& coverage, BookView& view) {
  const EngineSettings& settings = engine.settings();
  view.assign(settings.instruments, {});
  std::size_t orders = 0;
  std::size_t levels = 0;
  std::set<std::uint64_t> ids;
  for (std::uint32_t i = 0; i < settings.instruments; ++i) {
    const InstrumentId inst(i);
    for (Side s : {Side::kBuy, Side::kSell}) {
      const std::string where = "instrument " + std::to_string(i) + (s == Side::kBuy ? " bids" : " asks");
      std::vector<Order>& list = view[i][at(s)];
      engine.for_each_order(inst, s, [&](const Order& o) { list.push_back(o); });
      std::vector<LevelInfo> lv;
      engine.for_each_level(inst, s, [&](const LevelInfo& l) { lv.push_back(l); });
      if (lv.size() != engine.level_count(inst, s)) return where + ": level_count disagrees";
      if (list.size() != engine.order_count(inst, s)) return where + ": order_count disagrees";
      const auto best = engine.best_price(inst, s);
      if (lv.empty() ? best.has_value() : (!best || *best != lv.front().price)) {
        return where + ": best_price disagrees with the first level";
      }
      std::size_t k = 0;
      for (std::size_t li = 0; li < lv.size(); ++li) {
        const LevelInfo& l = lv[li];
        if (li > 0 && (s == Side::kBuy ? lv[li - 1].price <= l.price : lv[li - 1].price >= l.price)) {
          return where + ": levels not strictly sorted best first";
        }
        Qty total{0};
        std::uint32_t count = 0;
        while (k < list.size() && list[k].price == l.price) {
          total += list[k++].leaves;
          ++count;
        }
        if (count == 0) return where + ": empty level " + std::to_string(l.price.v);
        if (total != l.total || count != l.count) {
          return where + ": level " + std::to_string(l.price.v) + " total/count disagree with its orders";
        }
      }
      if (k != list.size()) return where + ": orders outside their levels, or out of level order";
      for (const Order& o : list) {
        const std::string what = where + ": order " + std::to_string(o.id.v);
        if (o.instrument != inst || o.side != s) return what + " misfiled";
        if (o.leaves.v < 1 || o.leaves > o.qty) return what + " open quantity out of range";
        if (o.ord_type != OrderType::kLimit || o.tif == TimeInForce::kIoc || o.tif == TimeInForce::kFok) {
          return what + " may not rest";
        }
        if (!ids.insert(o.id.v).second) return what + " rests twice";
        const auto found = engine.find(o.id);
        if (!found || !same_order(*found, o)) return what + ": find() disagrees with the book";
        // Expiry happens exactly when the contract says, not later.
        if (c.type == CommandType::kCloseDay && o.tif == TimeInForce::kDay) {
          return what + " outlived the close";
        }
        if ((c.type == CommandType::kCloseDay || c.type == CommandType::kAdvanceTime) &&
            o.tif == TimeInForce::kGtd && o.expire_at <= c.ts) {
          return what + " outlived its expiry";
        }
      }
      orders += list.size();
      levels += lv.size();
    }
    // Crossed at rest only where a pair could legitimately pass: an AON order, a refused pair, or a
    // taker whose walk a spent answer ended.
    for (const Order& b : view[i][0]) {
      for (const Order& a : view[i][1]) {
        if (b.price < a.price) break;  // asks are best (lowest) first: no later ask crosses this bid
        if (aon(a) || aon(b)) {
          coverage.note("crossed at rest: AON");
        } else if (hook != nullptr && hook->ever_refused(a, b)) {
          coverage.note("crossed at rest: refused pair");
        } else if (hook != nullptr && (hook->ever_spent(a) || hook->ever_spent(b))) {
          coverage.note("crossed at rest: spent taker");
        } else {
          return "instrument " + std::to_string(i) + " crossed at rest: bid " + std::to_string(b.id.v) +
                 " at " + std::to_string(b.price.v) + ", ask " + std::to_string(a.id.v) + " at " +
                 std::to_string(a.price.v);
        }
      }
    }
  }
  if (orders != engine.orders_in_use()) return "orders_in_use disagrees with the book";
  if (levels != engine.levels_in_use()) return "levels_in_use disagrees with the book";
  if (orders > settings.max_orders || levels > settings.max_levels) return "pools over capacity";
  if (c.type == CommandType::kNew || c.type == CommandType::kCancel || c.type == CommandType::kReplace) {
    if (engine.find(c.id).has_value() != (ids.count(c.id.v) != 0)) {
      return "find(" + std::to_string(c.id.v) + ") disagrees with the book";
    }
  }
  return "";
}

// ---- what the streams exercised -----------------------------------------------------------------

const Order* find_in(const BookView& view, OrderId id) {
  for (const auto& book : view) {
    for (const auto& side : book) {
      for (const Order& o : side) {
        if (o.id == id) return &o;
      }
    }
  }
  return nullptr;
}

// An AON maker that a new order walked past: it crossed the order's limit, the order traded at a worse
// price, and the AON order is still there untouched. Without a hook, only the AON rule skips a maker.
bool skipped_an_aon_maker(const Command& c, const std::vector<Event>& events, const BookView& before,
                          const BookView& after) {
  if (c.type != CommandType::kNew || c.instrument.v >= before.size()) return false;
  const bool buy = c.side == Side::kBuy;
  for (const Order& m : before[c.instrument.v][at(opposite(c.side))]) {
    if (!aon(m) || (buy ? m.price > c.price : m.price < c.price)) continue;
    const Order* still = find_in(after, m.id);
    if (still == nullptr || still->leaves != m.leaves) continue;
    for (const Event& e : events) {
      if (e.type == EventType::kFill && (buy ? e.price > m.price : e.price < m.price)) return true;
    }
  }
  return false;
}

void note_events(const Command& c, const std::vector<Event>& events, const StreamShape& shape,
                 const BookView& before, const BookView& after, Coverage& coverage) {
  std::set<std::int64_t> fill_prices;
  bool filled = false;
  for (const Event& e : events) {
    switch (e.type) {
      case EventType::kFill: {
        coverage.note("fill");
        filled = true;
        fill_prices.insert(e.price.v);
        const Order* maker = find_in(before, e.maker_id);
        if (maker != nullptr && maker->participant == c.participant) coverage.note("self-trade fill");
        break;
      }
      case EventType::kCanceled:
        coverage.note(canceled_feature(e.reason));
        if (e.reason == CancelReason::kSelfTrade) {
          coverage.note(e.order_id == c.id ? "self-trade: incoming canceled"
                                           : "self-trade: resting canceled");
        }
        if (e.reason == CancelReason::kFillOrKill) {
          coverage.note(c.tif == TimeInForce::kFok ? "FOK killed" : "AON killed");
        }
        break;
      case EventType::kRejected:
        coverage.note(rejected_feature(e.code));
        if (c.type == CommandType::kReplace && e.code == RejectCode::kLevelPoolFull) {
          coverage.note("replace: level pool full");
        }
        break;
      case EventType::kExpired:
        coverage.note(c.type == CommandType::kCloseDay ? "expired at the close" : "expired in time");
        break;
      default: break;
    }
  }
  if (fill_prices.size() > 1) coverage.note("one order filled at several prices");
  const bool accepted = !events.empty() && events.front().type == EventType::kAccepted;
  if (accepted && filled && c.ord_type == OrderType::kMarket) coverage.note("market order filled");
  if (accepted && filled && c.tif == TimeInForce::kFok) coverage.note("FOK filled");
  if (accepted && (c.flags & kFlagAllOrNone) != 0) {
    if (filled) coverage.note("AON filled");
    if (!filled && events.back().type == EventType::kLevel) coverage.note("AON rests untouched");
  }
  if (accepted && shape.hook == HookRule::kNone && skipped_an_aon_maker(c, events, before, after)) {
    coverage.note("AON maker skipped");
  }
  if (c.type == CommandType::kReplace && !events.empty() && events[0].type == EventType::kReplaced) {
    // Replaced and one Level is the keep-place shape; losing its place always reports two levels.
    coverage.note(events.size() == 2 ? "replace keeps its place" : "replace loses its place");
    if (filled) coverage.note("replace trades");
  }
  if (c.type == CommandType::kMassCancel && !events.empty()) {
    coverage.note(c.instrument == kAllInstruments ? "mass cancel: all instruments"
                                                  : "mass cancel: one instrument");
  }
}

// ---- the run -------------------------------------------------------------------------------------

// The book has two doors: apply(), and the entries for a command whose type the caller already knows
// (apply_new, apply_cancel, apply_replace: the Exchange's). Streams of odd index go through the
// second for the commands it takes, so that both must agree with the model.
void apply_through(Engine& fast, const Command& c, bool typed, EventSink& sink) {
  if (typed && c.type == CommandType::kNew) return fast.apply_new(c, sink);
  if (typed && c.type == CommandType::kCancel) return fast.apply_cancel(c, sink);
  if (typed && c.type == CommandType::kReplace) return fast.apply_replace(c, sink);
  fast.apply(c, sink);
}

Coverage run_streams(StpMode stp) {
  Coverage coverage;
  for (std::uint64_t stream = 0; stream < kStreamsPerMode; ++stream) {
    const std::uint64_t seed = stream_seed(stp, stream);
    const StreamShape shape = shape_for(stp, stream);
    Engine fast(shape.settings);
    ReferenceEngine model(shape.settings);
    TestHook fast_hook(shape.hook);
    TestHook model_hook(shape.hook);
    const bool hooked = shape.hook != HookRule::kNone;
    fast.set_eligibility_hook(hooked ? &fast_hook : nullptr);
    model.set_eligibility_hook(hooked ? &model_hook : nullptr);
    CommandMaker maker(seed, shape);
    EventSink fast_events;
    EventSink model_events;
    BookView before;
    BookView after;
    for (int i = 0; i < kCommandsPerStream; ++i) {
      const Command c = maker.next(fast);
      fast_events.clear();
      model_events.clear();
      apply_through(fast, c, stream % 2 == 1, fast_events);
      model.apply(c, model_events);
      const bool same_events = fast_events.events() == model_events.events();
      const bool same_hash = fast.state_hash() == model.state_hash();
      const bool same_questions = same_calls(fast_hook.calls(), model_hook.calls());
      std::string problem = fast.check_invariants();
      if (problem.empty() && hooked) problem = settlement_problem(fast_hook, fast_events.events());
      if (problem.empty()) problem = read_book(fast, c, hooked ? &fast_hook : nullptr, coverage, after);
      if (!same_events || !same_hash || !same_questions || !problem.empty()) {
        FAIL("stp mode " << int(stp) << ", stream " << stream << " (seed " << seed << ", hook rule "
                         << int(shape.hook) << ", pools " << shape.settings.max_orders << "/"
                         << shape.settings.max_levels << "), command index " << i << ":\n  "
                         << describe(c) << "\nthrough " << (stream % 2 == 1 ? "the typed entries" : "apply()")
                         << "\nfast engine events:\n" << describe(fast_events.events())
                         << "reference model events:\n" << describe(model_events.events())
                         << "fast engine hook calls:\n" << describe(fast_hook.calls())
                         << "reference model hook calls:\n" << describe(model_hook.calls())
                         << "events equal: " << same_events << ", state hashes equal: " << same_hash
                         << ", hook calls equal: " << same_questions
                         << "\ninvariants: " << (problem.empty() ? "ok" : problem));
      }
      fast_hook.clear_calls();
      model_hook.clear_calls();
      note_events(c, fast_events.events(), shape, before, after, coverage);
      std::swap(before, after);
    }
    if (shape.hook != HookRule::kNone) {
      coverage.note(shape.hook == HookRule::kParticipants ? "hook refused: participants rule"
                                                          : "hook refused: every-argument rule",
                    static_cast<long>(fast_hook.refused_pairs()));
      coverage.note("hook cut a fill", static_cast<long>(fast_hook.cuts()));
      coverage.note("hook: a walk ended spent", static_cast<long>(fast_hook.spent_takers()));
    }
  }
  return coverage;
}

// What every stp mode's streams must have exercised.
void require_common(const Coverage& coverage) {
  for (const char* feature : {
           "fill", "one order filled at several prices", "market order filled", "FOK filled", "FOK killed",
           "AON filled", "AON killed", "AON rests untouched", "AON maker skipped", "crossed at rest: AON",
           "crossed at rest: refused pair", "hook refused: participants rule",
           "hook refused: every-argument rule", "hook cut a fill", "hook: a walk ended spent",
           "crossed at rest: spent taker", "expired in time", "expired at the close",
           "replace keeps its place", "replace loses its place", "replace trades",
           "replace: level pool full", "mass cancel: one instrument", "mass cancel: all instruments"}) {
    INFO(feature);
    REQUIRE(coverage[feature] > 0);
  }
  for (CancelReason r : {CancelReason::kRequested, CancelReason::kMassCancel, CancelReason::kUnfilled,
                         CancelReason::kFillOrKill}) {
    const std::string feature = canceled_feature(r);
    INFO(feature);
    REQUIRE(coverage[feature] > 0);
  }
  for (int code = static_cast<int>(RejectCode::kUnknownInstrument);
       code <= static_cast<int>(RejectCode::kUnknownCommand); ++code) {
    const std::string feature = rejected_feature(static_cast<RejectCode>(code));
    INFO(feature);
    REQUIRE(coverage[feature] > 0);
  }
}

}  // namespace

TEST_CASE("differential: stp cancel resting, the fast engine agrees with the reference model",
          "[differential]") {
  const Coverage coverage = run_streams(StpMode::kCancelResting);
  require_common(coverage);
  REQUIRE(coverage["self-trade: resting canceled"] > 0);
  REQUIRE(coverage["self-trade: incoming canceled"] == 0);
  REQUIRE(coverage["self-trade fill"] == 0);
}

TEST_CASE("differential: stp cancel incoming, the fast engine agrees with the reference model",
          "[differential]") {
  const Coverage coverage = run_streams(StpMode::kCancelIncoming);
  require_common(coverage);
  REQUIRE(coverage["self-trade: incoming canceled"] > 0);
  REQUIRE(coverage["self-trade: resting canceled"] == 0);
  REQUIRE(coverage["self-trade fill"] == 0);
}

TEST_CASE("differential: stp cancel both, the fast engine agrees with the reference model",
          "[differential]") {
  const Coverage coverage = run_streams(StpMode::kCancelBoth);
  require_common(coverage);
  REQUIRE(coverage["self-trade: resting canceled"] > 0);
  REQUIRE(coverage["self-trade: incoming canceled"] > 0);
  REQUIRE(coverage["self-trade fill"] == 0);
}

TEST_CASE("differential: stp off, the fast engine agrees with the reference model", "[differential]") {
  const Coverage coverage = run_streams(StpMode::kOff);
  require_common(coverage);
  REQUIRE(coverage["self-trade fill"] > 0);
  REQUIRE(coverage[canceled_feature(CancelReason::kSelfTrade)] == 0);
}
