// The fast engine against the naive ReferenceEngine on seeded random command streams that mix every
// command, order type and time in force, bad values, small pools, all self-trade modes and an
// eligibility hook. After every command: identical events, identical state hash, the engine's own
// invariant walk, and invariants checked from outside through the query API.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tests/reference_book.hpp"
#include "tests/test_rng.hpp"

namespace {

using namespace crix::engine;

using crix::testing::Rng;

// Pure, so that both engines (and the dry run) get the same answers.
struct SomePairsRefused : EligibilityHook {
  static bool refuses(const Order& taker, const Order& maker) {
    return (taker.participant.v + maker.participant.v + maker.id.v) % 5 == 0;
  }
  bool eligible(const Order& taker, const Order& maker, Qty) const override {
    return !refuses(taker, maker);
  }
};

constexpr std::uint32_t kInstruments = 3;

struct StreamShape {
  EngineSettings settings;
  bool hook = false;
};

StreamShape shape_for(std::uint64_t seed) {
  StreamShape s;
  s.settings.instruments = kInstruments;
  s.settings.stp = static_cast<StpMode>(seed % 4);
  s.hook = (seed / 4) % 2 == 1;
  if ((seed / 8) % 3 == 0) {  // small pools, so that capacity rejects happen: orders run out first
    s.settings.max_orders = 10;
    s.settings.max_levels = 40;
  } else if ((seed / 8) % 3 == 1) {  // ... or levels do
    s.settings.max_orders = 80;
    s.settings.max_levels = 6;
  } else {
    s.settings.max_orders = 4096;
    s.settings.max_levels = 1024;
  }
  return s;
}

class CommandMaker {
 public:
  explicit CommandMaker(std::uint64_t seed) : rng_{seed} {}

  Command next() {
    ++ts_;
    Command c;
    c.seq = Seq(ts_);
    c.ts = Timestamp(ts_);
    c.instrument = InstrumentId(static_cast<std::uint32_t>(rng_.below(kInstruments)));
    c.participant = ParticipantId(static_cast<std::uint32_t>(1 + rng_.below(4)));
    const auto k = rng_.below(100);
    if (k < 55) {
      make_new(c);
    } else if (k < 72) {
      target(c);
      c.type = CommandType::kCancel;
    } else if (k < 90) {
      target(c);
      c.type = CommandType::kReplace;
      c.price = Price(rng_.range(95, 105));
      c.qty = Qty(rng_.range(1, 25));
    } else if (k < 93) {
      c.type = CommandType::kMassCancel;
      if (rng_.chance(40)) c.instrument = kAllInstruments;
    } else if (k < 98) {
      c.type = CommandType::kAdvanceTime;
    } else {
      c.type = CommandType::kCloseDay;
    }
    if (rng_.chance(3)) spoil(c);
    return c;
  }

 private:
  void make_new(Command& c) {
    c.type = CommandType::kNew;
    // Mostly fresh ids; sometimes one used before (a duplicate while it rests, a reuse once gone).
    c.id = OrderId(sent_.empty() || rng_.chance(90) ? ++last_id_ : pick_sent());
    c.side = rng_.chance(50) ? Side::kBuy : Side::kSell;
    c.qty = Qty(rng_.range(1, 20));
    c.price = Price(rng_.range(95, 105));
    c.account = AccountId(rng_.below(3));
    c.ord_type = rng_.chance(10) ? OrderType::kMarket : OrderType::kLimit;
    c.tif = static_cast<TimeInForce>(rng_.below(5));
    if (c.tif == TimeInForce::kGtd) c.expire_at = Timestamp(ts_ + rng_.range(1, 60));
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

  // A cancel or replace aimed at an order sent before, usually by its owner on its instrument.
  void target(Command& c) {
    if (sent_.empty()) return;
    const Command& o = sent_.at(pick_sent());
    c.id = o.id;
    if (rng_.chance(90)) c.participant = o.participant;
    if (rng_.chance(95)) c.instrument = o.instrument;
  }

  void spoil(Command& c) {
    switch (rng_.below(8)) {
      case 0: c.qty = Qty(-rng_.range(0, 3)); break;
      case 1: c.price = Price(rng_.chance(50) ? 0 : -7); break;
      case 2: c.side = static_cast<Side>(2 + rng_.below(5)); break;
      case 3: c.tif = static_cast<TimeInForce>(5 + rng_.below(5)); break;
      case 4: c.instrument = InstrumentId(kInstruments + static_cast<std::uint32_t>(rng_.below(3))); break;
      case 5: c.expire_at = Timestamp(c.ts.v - rng_.range(0, 2)); c.tif = TimeInForce::kGtd; break;
      case 6: c.flags = static_cast<std::uint8_t>(0x02 | c.flags); break;
      default: c.type = static_cast<CommandType>(6 + rng_.below(10)); break;
    }
  }

  Rng rng_;
  std::int64_t ts_ = 0;
  std::uint64_t last_id_ = 0;
  std::map<std::uint64_t, Command> sent_;
};

std::string describe(const Command& c) {
  std::ostringstream s;
  s << "cmd type=" << int(c.type) << " inst=" << c.instrument.v << " id=" << c.id.v
    << " part=" << c.participant.v << " side=" << int(c.side) << " ord=" << int(c.ord_type)
    << " tif=" << int(c.tif) << " flags=" << int(c.flags) << " px=" << c.price.v << " qty=" << c.qty.v
    << " ts=" << c.ts.v << " exp=" << c.expire_at.v;
  return s.str();
}

std::string describe(const std::vector<Event>& events) {
  std::ostringstream s;
  for (const Event& e : events) {
    s << "  ev type=" << int(e.type) << " inst=" << e.instrument.v << " id=" << e.order_id.v
      << " maker=" << e.maker_id.v << " side=" << int(e.side) << " px=" << e.price.v
      << " qty=" << e.qty.v << " leaves=" << e.leaves.v << " mleaves=" << e.maker_leaves.v
      << " trade=" << e.trade_id.v << " count=" << e.count << " code=" << int(e.code)
      << " reason=" << int(e.reason) << " a1=" << e.arg1 << " a2=" << e.arg2 << "\n";
  }
  return s.str();
}

// Invariants seen from outside the engine; returns "" or the first problem.
std::string external_invariants(const Engine& engine, bool hook) {
  std::size_t orders = 0;
  for (std::uint32_t i = 0; i < kInstruments; ++i) {
    const InstrumentId inst(i);
    std::vector<Order> book[2];
    for (Side s : {Side::kBuy, Side::kSell}) {
      auto& list = book[static_cast<int>(s)];
      engine.for_each_order(inst, s, [&](const Order& o) { list.push_back(o); });
      std::vector<LevelInfo> levels;
      engine.for_each_level(inst, s, [&](const LevelInfo& l) { levels.push_back(l); });
      std::size_t k = 0;
      for (std::size_t li = 0; li < levels.size(); ++li) {
        const LevelInfo& l = levels[li];
        if (li > 0 && (s == Side::kBuy ? levels[li - 1].price <= l.price : levels[li - 1].price >= l.price)) {
          return "levels not strictly sorted best first";
        }
        Qty total{0};
        std::uint32_t count = 0;
        while (k < list.size() && list[k].price == l.price) {
          total += list[k++].leaves;
          ++count;
        }
        if (total != l.total || count != l.count || count == 0) return "level total/count disagree";
      }
      if (k != list.size()) return "orders outside any level";
      if (list.size() != engine.order_count(inst, s)) return "order_count disagrees";
      for (const Order& o : list) {
        const auto found = engine.find(o.id);
        if (!found || found->leaves != o.leaves || found->price != o.price || found->side != s) {
          return "find() disagrees with the book for order " + std::to_string(o.id.v);
        }
      }
      orders += list.size();
    }
    for (const Order& b : book[0]) {
      for (const Order& a : book[1]) {
        if (b.price < a.price) continue;
        const bool aon_involved = ((b.flags | a.flags) & kFlagAllOrNone) != 0;
        const bool refused = hook && (SomePairsRefused::refuses(b, a) || SomePairsRefused::refuses(a, b));
        if (!aon_involved && !refused) {
          return "crossed at rest: bid " + std::to_string(b.id.v) + " ask " + std::to_string(a.id.v);
        }
      }
    }
  }
  if (orders != engine.orders_in_use()) return "orders_in_use disagrees";
  return "";
}

struct Coverage {
  std::map<std::string, int> seen;
  void note(const Command& c, const std::vector<Event>& events) {
    for (const Event& e : events) {
      switch (e.type) {
        case EventType::kFill: ++seen["fill"]; break;
        case EventType::kExpired: ++seen["expired"]; break;
        case EventType::kReplaced: ++seen["replaced"]; break;
        case EventType::kCanceled:
          if (e.reason == CancelReason::kSelfTrade) ++seen["self-trade cancel"];
          if (e.reason == CancelReason::kFillOrKill) ++seen["fill-or-kill cancel"];
          if (e.reason == CancelReason::kMassCancel) ++seen["mass cancel"];
          if (e.reason == CancelReason::kUnfilled) ++seen["unfilled cancel"];
          break;
        case EventType::kRejected:
          if (e.code == RejectCode::kOrderPoolFull) ++seen["order pool full"];
          if (e.code == RejectCode::kLevelPoolFull) ++seen["level pool full"];
          if (e.code == RejectCode::kDuplicateOrderId) ++seen["duplicate id"];
          if (e.code == RejectCode::kReplaceBelowFilled) ++seen["replace below filled"];
          if (e.code == RejectCode::kNotOwner) ++seen["not owner"];
          break;
        default: break;
      }
    }
    const bool accepted_aon = (c.flags & kFlagAllOrNone) != 0 && !events.empty() &&
                              events.front().type == EventType::kAccepted;
    if (accepted_aon && events.back().type == EventType::kLevel) ++seen["aon rests"];
    if (c.type == CommandType::kReplace && events.size() == 2 && events[0].type == EventType::kReplaced) {
      ++seen["replace keeps place"];
    }
  }
};

}  // namespace

TEST_CASE("the fast engine and the reference model agree on random streams", "[differential]") {
  constexpr std::uint64_t kSeeds = 400;
  constexpr int kCommands = 3000;
  Coverage coverage;
  SomePairsRefused hook;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const StreamShape shape = shape_for(seed);
    Engine fast(shape.settings);
    crix::testing::ReferenceEngine model(shape.settings);
    if (shape.hook) {
      fast.set_eligibility_hook(&hook);
      model.set_eligibility_hook(&hook);
    }
    CommandMaker maker(seed);
    EventSink fast_events, model_events;
    for (int i = 0; i < kCommands; ++i) {
      const Command c = maker.next();
      fast_events.clear();
      model_events.clear();
      fast.apply(c, fast_events);
      model.apply(c, model_events);
      coverage.note(c, fast_events.events());
      const bool same_events = fast_events.events() == model_events.events();
      const bool same_hash = fast.state_hash() == model.state_hash();
      std::string problem = fast.check_invariants();
      if (problem.empty()) problem = external_invariants(fast, shape.hook);
      if (!same_events || !same_hash || !problem.empty()) {
        FAIL("seed " << seed << " command " << i << "\n" << describe(c) << "\nfast:\n"
                     << describe(fast_events.events()) << "model:\n" << describe(model_events.events())
                     << "same hash: " << same_hash << "\ninvariants: " << problem);
      }
    }
  }
  for (const char* feature :
       {"fill", "expired", "replaced", "self-trade cancel", "fill-or-kill cancel", "mass cancel",
        "unfilled cancel", "order pool full", "level pool full", "duplicate id",
        "replace below filled", "not owner", "aon rests", "replace keeps place"}) {
    INFO(feature);
    CHECK(coverage.seen[feature] > 0);
  }
}
