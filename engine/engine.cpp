// crix::engine::Engine implementation. Engine thread only.
//
// Layout: one Book per instrument, two sides per book. A side is a vector of (key, Level*) kept sorted
// ascending by key with the BEST level at the back, where key = price for bids and -price for asks;
// so the best level is removed with pop_back, and a binary search over contiguous keys finds any level
// without touching the levels themselves. A level holds an intrusive FIFO of order nodes. Nodes and
// levels come from fixed pools; the id index maps order id -> node for O(1) cancel and replace.
#include "engine/engine.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/id_index.hpp"
#include "engine/pool.hpp"
#include "engine/state_hash.hpp"

namespace crix::engine {
namespace {

struct Level;

struct Node {
  Order o;
  Node* prev = nullptr;
  Node* next = nullptr;
  Level* level = nullptr;
};

struct Level {
  Price price{};
  Qty total{};
  std::uint32_t count = 0;
  Node* head = nullptr;
  Node* tail = nullptr;
};

struct LevelSlot {
  std::int64_t key;
  Level* level;
};

struct BookSide {
  std::vector<LevelSlot> slots;  // ascending key, best at the back
  std::size_t orders = 0;
};

struct Book {
  BookSide sides[2];
};

struct GtdEntry {
  Timestamp expire_at;
  OrderId id;
  // Ordered so that std::*_heap (a max-heap) yields the earliest (expire_at, id) first.
  friend bool operator<(const GtdEntry& a, const GtdEntry& b) {
    return a.expire_at != b.expire_at ? a.expire_at > b.expire_at : a.id > b.id;
  }
  friend bool operator==(const GtdEntry&, const GtdEntry&) = default;
};

constexpr std::size_t idx(Side s) { return static_cast<std::size_t>(s); }
constexpr std::int64_t key_of(Side s, Price p) { return s == Side::kBuy ? p.v : -p.v; }
constexpr bool is_aon(const Order& o) { return (o.flags & kFlagAllOrNone) != 0; }
constexpr bool may_rest(const Order& o) {
  return o.ord_type == OrderType::kLimit &&
         (o.tif == TimeInForce::kDay || o.tif == TimeInForce::kGtc || o.tif == TimeInForce::kGtd);
}
// Does a resting price satisfy the taker's limit (a market order's protection price)?
constexpr bool crosses(const Order& taker, Price resting) {
  return taker.side == Side::kBuy ? resting <= taker.price : resting >= taker.price;
}

[[noreturn]] void broken(const char* what) {
  // A broken invariant means the book can no longer be trusted: stop loudly (STYLE.md, habit 10).
  throw std::logic_error(std::string("crix engine invariant broken: ") + what);
}

}  // namespace

struct Engine::Impl {
  static constexpr std::size_t kInitialSideLevels = 4096;

  explicit Impl(const EngineSettings& s)
      : settings(s),
        books(s.instruments),
        nodes(s.max_orders),
        levels(s.max_levels),
        index(s.max_orders) {
    // Each side starts with room for kInitialSideLevels price levels and grows (rarely, by doubling)
    // past that: reserving max_levels per side would cost instruments x 2 x max_levels x 16 bytes.
    const std::size_t per_side = std::min<std::size_t>(s.max_levels, kInitialSideLevels);
    for (Book& b : books) {
      for (BookSide& side : b.sides) side.slots.reserve(per_side);
    }
    gtd.reserve(s.max_orders);
  }

  EngineSettings settings;
  EligibilityHook* hook = nullptr;
  std::uint64_t next_trade_id = 1;
  std::vector<Book> books;
  Pool<Node> nodes;
  Pool<Level> levels;
  IdIndex<Node> index;
  std::vector<GtdEntry> gtd;  // heap of resting GTD orders, entries checked lazily when popped

  // ---- events ---------------------------------------------------------------------------------

  static void reject(const Command& c, RejectCode code, std::int64_t arg1, std::int64_t arg2,
                     EventSink& sink) {
    sink.push(rejected(c, code, arg1, arg2));
  }

  // A Canceled or Expired event of `o`, settled by the hook.
  void order_event(EventType type, const Order& o, Qty qty, CancelReason reason, EventSink& sink) const {
    Event e;
    e.type = type;
    e.instrument = o.instrument;
    e.order_id = o.id;
    e.side = o.side;
    e.price = o.price;
    e.qty = qty;
    e.reason = reason;
    e.account = o.account;
    e.participant = o.participant;
    Event& pushed = sink.append(e);
    if (hook != nullptr) hook->ended(pushed);
  }

  static void level_event(InstrumentId instrument, Side side, const Level& lv, EventSink& sink) {
    Event e;
    e.type = EventType::kLevel;
    e.instrument = instrument;
    e.side = side;
    e.price = lv.price;
    e.qty = lv.total;
    e.count = lv.count;
    sink.push(e);
  }

  // ---- book structure ------------------------------------------------------------------------

  // Position of the first slot with key >= `key` (the level itself when it exists).
  static std::size_t lower_slot(const BookSide& side, std::int64_t key) {
    auto it = std::lower_bound(side.slots.begin(), side.slots.end(), key,
                               [](const LevelSlot& s, std::int64_t k) { return s.key < k; });
    return static_cast<std::size_t>(it - side.slots.begin());
  }

  static bool has_level(const BookSide& side, Side s, Price price) {
    const std::int64_t key = key_of(s, price);
    const std::size_t i = lower_slot(side, key);
    return i < side.slots.size() && side.slots[i].key == key;
  }

  Level* find_or_add_level(BookSide& side, Side s, Price price) {
    const std::int64_t key = key_of(s, price);
    std::size_t i = side.slots.size();
    // New orders mostly join the best few levels: look there before searching.
    if (i == 0 || side.slots[i - 1].key < key) {
      // Beyond the best: a new best level at the back.
    } else if (side.slots[i - 1].key == key) {
      return side.slots[i - 1].level;
    } else {
      i = lower_slot(side, key);
      if (side.slots[i].key == key) return side.slots[i].level;
    }
    Level* lv = levels.acquire();
    if (lv == nullptr) broken("level pool exhausted after the capacity check");
    *lv = Level{price, Qty{0}, 0, nullptr, nullptr};
    side.slots.insert(side.slots.begin() + static_cast<std::ptrdiff_t>(i), LevelSlot{key, lv});
    return lv;
  }

  void erase_level_at(BookSide& side, std::size_t i) {
    levels.release(side.slots[i].level);
    side.slots.erase(side.slots.begin() + static_cast<std::ptrdiff_t>(i));
  }

  void erase_level_if_empty(BookSide& side, Level* lv, Side s) {
    if (lv->count != 0) return;
    std::size_t i = side.slots.size() - 1;
    if (side.slots[i].level != lv) i = lower_slot(side, key_of(s, lv->price));
    erase_level_at(side, i);
  }

  static void link_back(Level* lv, Node* n) {
    n->level = lv;
    n->next = nullptr;
    n->prev = lv->tail;
    if (lv->tail != nullptr) {
      lv->tail->next = n;
    } else {
      lv->head = n;
    }
    lv->tail = n;
    lv->total += n->o.leaves;
    ++lv->count;
  }

  // Takes the node out of its level's queue (the level stays, possibly empty).
  void unlink(Node* n) {
    Level* lv = n->level;
    if (n->prev != nullptr) {
      n->prev->next = n->next;
    } else {
      lv->head = n->next;
    }
    if (n->next != nullptr) {
      n->next->prev = n->prev;
    } else {
      lv->tail = n->prev;
    }
    lv->total -= n->o.leaves;
    --lv->count;
    --books[n->o.instrument.v].sides[idx(n->o.side)].orders;
    n->level = nullptr;
  }

  void release(Node* n) {
    index.erase(n->o.id.v);
    nodes.release(n);
  }

  // Puts an order at the back of its price level. `n` is its node when it already has one (a
  // replaced order), else a node is taken from the pool (the capacity check ran at entry).
  void rest(Book& b, const Order& o, Node* n, EventSink& sink) {
    if (n == nullptr) {
      n = nodes.acquire();
      if (n == nullptr) broken("order pool exhausted after the capacity check");
      // The node holds the order before it is indexed: compact_gtd (reached from push_gtd) reads
      // orders through the index and must not see a recycled node's old order under this id.
      n->o = o;
      index.insert(o.id.v, n);
      if (o.tif == TimeInForce::kGtd) push_gtd(GtdEntry{o.expire_at, o.id});
    } else {
      n->o = o;
    }
    BookSide& side = b.sides[idx(o.side)];
    Level* lv = find_or_add_level(side, o.side, o.price);
    link_back(lv, n);
    ++side.orders;
    level_event(o.instrument, o.side, *lv, sink);
  }

  void push_gtd(const GtdEntry& e) {
    if (gtd.size() == gtd.capacity()) compact_gtd();
    gtd.push_back(e);
    std::push_heap(gtd.begin(), gtd.end());
  }

  bool gtd_live(const GtdEntry& e) const {
    const Node* n = index.find(e.id.v);
    return n != nullptr && n->o.tif == TimeInForce::kGtd && n->o.expire_at == e.expire_at;
  }

  // Drops the entries of orders that are gone. Afterwards at most one entry per live GTD order
  // remains, so the heap (reserved for max_orders) has room again.
  void compact_gtd() {
    std::erase_if(gtd, [this](const GtdEntry& e) { return !gtd_live(e); });
    std::sort(gtd.begin(), gtd.end());
    gtd.erase(std::unique(gtd.begin(), gtd.end()), gtd.end());
    std::make_heap(gtd.begin(), gtd.end());
  }

  // ---- matching ------------------------------------------------------------------------------

  bool self_trade(const Order& taker, const Order& maker) const {
    return settings.stp != StpMode::kOff && taker.participant == maker.participant;
  }

  // What the hook lets a (taker, maker) pair trade of `offered`: 0 to skip the maker. A cut of an
  // all-or-none side is a skip: such an order trades whole orders only (engine.hpp, the walk).
  Qty permitted(const Order& taker, const Order& maker, Qty offered) const {
    const Qty q = std::min(hook->allowed(taker, maker, offered), offered);
    if (q.v <= 0) return Qty(0);
    if (q < offered && (is_aon(maker) || is_aon(taker) || taker.tif == TimeInForce::kFok)) return Qty(0);
    return q;
  }

  // The walk of `walk` without its effects: could `taker` fill completely right now?
  bool can_fill_completely(const Book& b, const Order& taker) const {
    if (hook != nullptr) hook->walk_started(true);
    Order probe = taker;
    const BookSide& opp = b.sides[idx(opposite(taker.side))];
    for (std::size_t i = opp.slots.size(); i-- > 0;) {
      const Level* lv = opp.slots[i].level;
      if (!crosses(taker, lv->price)) return false;
      for (const Node* n = lv->head; n != nullptr; n = n->next) {
        if (self_trade(probe, n->o)) {
          if (settings.stp == StpMode::kCancelResting) continue;
          return false;
        }
        if (is_aon(n->o) && n->o.leaves > probe.leaves) continue;
        Qty q = std::min(probe.leaves, n->o.leaves);
        if (hook != nullptr) {
          q = permitted(probe, n->o, q);
          if (q.v == 0) continue;
          hook->traded(probe, n->o, q);
        }
        probe.leaves -= q;
        if (probe.leaves.v == 0) return true;
        if (hook != nullptr && hook->spent(probe)) return false;
      }
    }
    return false;
  }

  // Matches `taker` (its leaves = remaining) against the opposite side. Returns true when self-trade
  // prevention stopped the walk and the taker's remainder must be canceled.
  bool walk(Book& b, Order& taker, EventSink& sink) {
    const Side maker_side = opposite(taker.side);
    BookSide& opp = b.sides[idx(maker_side)];
    if (hook != nullptr) hook->walk_started(false);
    std::size_t i = opp.slots.size();
    while (i > 0 && taker.leaves.v > 0) {
      Level* lv = opp.slots[i - 1].level;
      if (!crosses(taker, lv->price)) break;
      bool changed = false;
      bool stop = false;
      bool spent = false;
      for (Node* n = lv->head; n != nullptr && taker.leaves.v > 0;) {
        Node* const next = n->next;
        if (self_trade(taker, n->o)) {
          if (settings.stp == StpMode::kCancelIncoming) {
            stop = true;
            break;
          }
          order_event(EventType::kCanceled, n->o, n->o.leaves, CancelReason::kSelfTrade, sink);
          unlink(n);
          release(n);
          changed = true;
          if (settings.stp == StpMode::kCancelBoth) {
            stop = true;
            break;
          }
          n = next;
          continue;
        }
        if (is_aon(n->o) && n->o.leaves > taker.leaves) {
          n = next;
          continue;
        }
        Qty q = std::min(taker.leaves, n->o.leaves);
        if (hook != nullptr) {
          q = permitted(taker, n->o, q);
          if (q.v == 0) {
            n = next;
            continue;
          }
          hook->traded(taker, n->o, q);
        }
        n->o.leaves -= q;
        lv->total -= q;
        taker.leaves -= q;
        fill_event(taker, n->o, q, sink);
        changed = true;
        if (n->o.leaves.v == 0) {
          unlink(n);
          release(n);
        }
        if (hook != nullptr && taker.leaves.v > 0 && hook->spent(taker)) {
          spent = true;
          break;
        }
        n = next;
      }
      if (changed) level_event(taker.instrument, maker_side, *lv, sink);
      if (lv->count == 0) erase_level_at(opp, i - 1);
      --i;
      if (stop) return true;
      if (spent) return false;
    }
    return false;
  }

  void fill_event(const Order& taker, const Order& maker, Qty q, EventSink& sink) {
    Event e;
    e.type = EventType::kFill;
    e.instrument = taker.instrument;
    e.order_id = taker.id;
    e.maker_id = maker.id;
    e.side = taker.side;
    e.price = maker.price;
    e.qty = q;
    e.trade_id = TradeId(next_trade_id++);
    e.leaves = taker.leaves;
    e.maker_leaves = maker.leaves;
    e.account = taker.account;
    e.maker_account = maker.account;
    e.participant = taker.participant;
    e.maker_participant = maker.participant;
    Event& pushed = sink.append(e);
    if (hook != nullptr) hook->filled(pushed);
  }

  // Runs an incoming (or re-entering) order to the end: all-or-none check, walk, then rest or
  // cancel the remainder. `n` is the order's node when it has one (a replace), else nullptr.
  void execute(Book& b, Order& taker, Node* n, EventSink& sink) {
    const bool all_or_none = is_aon(taker) || taker.tif == TimeInForce::kFok;
    bool stp_stopped = false;
    CancelReason reason = CancelReason::kUnfilled;
    if (!all_or_none || can_fill_completely(b, taker)) {
      stp_stopped = walk(b, taker, sink);
      if (hook != nullptr) hook->walk_ended();
      if (all_or_none && taker.leaves.v != 0) broken("all-or-none order filled partly");
      if (stp_stopped) reason = CancelReason::kSelfTrade;
    } else {
      reason = CancelReason::kFillOrKill;
    }
    if (taker.leaves.v == 0) {
      if (n != nullptr) release(n);
      return;
    }
    if (!stp_stopped && may_rest(taker)) {
      rest(b, taker, n, sink);
      return;
    }
    order_event(EventType::kCanceled, taker, taker.leaves, reason, sink);
    if (n != nullptr) release(n);
  }

  // ---- commands ------------------------------------------------------------------------------

  bool known_instrument(InstrumentId i) const { return i.v < books.size(); }

  bool check_qty_price(const Command& c, EventSink& sink) const {
    if (c.qty.v < 1 || c.qty > settings.max_qty) {
      reject(c, RejectCode::kInvalidQuantity, c.qty.v, settings.max_qty.v, sink);
      return false;
    }
    if (c.price.v < 1 || c.price > settings.max_price) {
      reject(c, RejectCode::kInvalidPrice, c.price.v, settings.max_price.v, sink);
      return false;
    }
    return true;
  }

  void on_new(const Command& c, EventSink& sink) {
    if (!known_instrument(c.instrument)) {
      return reject(c, RejectCode::kUnknownInstrument, c.instrument.v, 0, sink);
    }
    const auto raw_side = static_cast<std::uint8_t>(c.side);
    const auto raw_type = static_cast<std::uint8_t>(c.ord_type);
    const auto raw_tif = static_cast<std::uint8_t>(c.tif);
    if (raw_side > 1) return reject(c, RejectCode::kInvalidSide, raw_side, 0, sink);
    if (raw_type > 1) return reject(c, RejectCode::kInvalidOrderType, raw_type, 0, sink);
    if (raw_tif > 4) return reject(c, RejectCode::kInvalidTimeInForce, raw_tif, 0, sink);
    if ((c.flags & ~kKnownFlags) != 0) return reject(c, RejectCode::kInvalidFlags, c.flags, 0, sink);
    if (!check_qty_price(c, sink)) return;
    const bool gtd_ok = c.tif == TimeInForce::kGtd ? c.expire_at > c.ts : c.expire_at.v == 0;
    if (!gtd_ok) return reject(c, RejectCode::kInvalidExpiry, c.expire_at.v, c.ts.v, sink);
    if (index.find(c.id.v) != nullptr) return reject(c, RejectCode::kDuplicateOrderId, 0, 0, sink);

    Order o;
    o.id = c.id;
    o.account = c.account;
    o.price = c.price;
    o.qty = c.qty;
    o.leaves = c.qty;
    o.expire_at = c.expire_at;
    o.participant = c.participant;
    o.instrument = c.instrument;
    o.side = c.side;
    o.ord_type = c.ord_type;
    o.tif = c.tif;
    o.flags = c.flags;

    Book& b = books[c.instrument.v];
    if (may_rest(o)) {
      if (nodes.full()) {
        return reject(c, RejectCode::kOrderPoolFull, static_cast<std::int64_t>(nodes.capacity()), 0,
                      sink);
      }
      if (levels.full() && !has_level(b.sides[idx(o.side)], o.side, o.price)) {
        return reject(c, RejectCode::kLevelPoolFull, static_cast<std::int64_t>(levels.capacity()),
                      0, sink);
      }
    }

    Event accepted;
    accepted.type = EventType::kAccepted;
    accepted.instrument = o.instrument;
    accepted.order_id = o.id;
    accepted.side = o.side;
    accepted.price = o.price;
    accepted.qty = o.qty;
    accepted.leaves = o.qty;
    accepted.account = o.account;
    accepted.participant = o.participant;
    sink.push(accepted);

    execute(b, o, nullptr, sink);
  }

  // The resting node a cancel or replace refers to, or nullptr after rejecting the command.
  Node* owned_order(const Command& c, EventSink& sink) {
    if (!known_instrument(c.instrument)) {
      reject(c, RejectCode::kUnknownInstrument, c.instrument.v, 0, sink);
      return nullptr;
    }
    Node* n = index.find(c.id.v);
    if (n == nullptr || n->o.instrument != c.instrument) {
      reject(c, RejectCode::kUnknownOrder, 0, 0, sink);
      return nullptr;
    }
    if (n->o.participant != c.participant) {
      reject(c, RejectCode::kNotOwner, 0, 0, sink);
      return nullptr;
    }
    return n;
  }

  void on_cancel(const Command& c, EventSink& sink) {
    Node* n = owned_order(c, sink);
    if (n == nullptr) return;
    order_event(EventType::kCanceled, n->o, n->o.leaves, CancelReason::kRequested, sink);
    remove_resting(n, sink);
  }

  // Unlinks and frees a resting order, then reports and tidies its level.
  void remove_resting(Node* n, EventSink& sink) {
    Level* lv = n->level;
    const Order o = n->o;
    unlink(n);
    release(n);
    level_event(o.instrument, o.side, *lv, sink);
    erase_level_if_empty(books[o.instrument.v].sides[idx(o.side)], lv, o.side);
  }

  void on_replace(const Command& c, EventSink& sink) {
    Node* n = owned_order(c, sink);
    if (n == nullptr) return;
    if (!check_qty_price(c, sink)) return;
    const Qty filled = n->o.qty - n->o.leaves;
    if (c.qty <= filled) return reject(c, RejectCode::kReplaceBelowFilled, c.qty.v, filled.v, sink);
    Book& b = books[c.instrument.v];
    const Side s = n->o.side;
    if (c.price != n->o.price && levels.full() && !has_level(b.sides[idx(s)], s, c.price)) {
      return reject(c, RejectCode::kLevelPoolFull, static_cast<std::int64_t>(levels.capacity()), 0,
                    sink);
    }

    const Qty new_leaves = c.qty - filled;
    Event replaced;
    replaced.type = EventType::kReplaced;
    replaced.instrument = n->o.instrument;
    replaced.order_id = n->o.id;
    replaced.side = s;
    replaced.price = c.price;
    replaced.qty = c.qty;
    replaced.leaves = new_leaves;
    replaced.account = n->o.account;
    replaced.participant = n->o.participant;
    sink.push(replaced);

    if (c.price == n->o.price && new_leaves <= n->o.leaves) {
      n->level->total -= n->o.leaves - new_leaves;
      n->o.leaves = new_leaves;
      n->o.qty = c.qty;
      level_event(n->o.instrument, s, *n->level, sink);
      return;
    }
    Level* old_level = n->level;
    unlink(n);
    level_event(n->o.instrument, s, *old_level, sink);
    erase_level_if_empty(b.sides[idx(s)], old_level, s);
    Order o = n->o;
    o.price = c.price;
    o.qty = c.qty;
    o.leaves = new_leaves;
    execute(b, o, n, sink);
  }

  // Removes every resting order of `b` for which `pred` holds, in book order (bids then asks, best
  // level first, queue order), reporting each with `type`/`reason` and each changed level after its
  // orders.
  template <class Pred>
  void sweep(InstrumentId instrument, Pred pred, EventType type, CancelReason reason,
             EventSink& sink) {
    Book& b = books[instrument.v];
    for (Side s : {Side::kBuy, Side::kSell}) {
      BookSide& side = b.sides[idx(s)];
      for (std::size_t i = side.slots.size(); i-- > 0;) {
        Level* lv = side.slots[i].level;
        bool changed = false;
        for (Node* n = lv->head; n != nullptr;) {
          Node* const next = n->next;
          if (pred(n->o)) {
            order_event(type, n->o, n->o.leaves, reason, sink);
            unlink(n);
            release(n);
            changed = true;
          }
          n = next;
        }
        if (!changed) continue;
        level_event(instrument, s, *lv, sink);
        if (lv->count == 0) erase_level_at(side, i);
      }
    }
  }

  void on_mass_cancel(const Command& c, EventSink& sink) {
    const bool all = c.instrument == kAllInstruments;
    if (!all && !known_instrument(c.instrument)) {
      return reject(c, RejectCode::kUnknownInstrument, c.instrument.v, 0, sink);
    }
    const auto owned = [&c](const Order& o) { return o.participant == c.participant; };
    const std::uint32_t first = all ? 0 : c.instrument.v;
    const std::uint32_t last = all ? static_cast<std::uint32_t>(books.size()) : first + 1;
    for (std::uint32_t i = first; i < last; ++i) {
      sweep(InstrumentId(i), owned, EventType::kCanceled, CancelReason::kMassCancel, sink);
    }
  }

  void on_advance_time(Timestamp now, EventSink& sink) {
    while (!gtd.empty() && gtd.front().expire_at <= now) {
      std::pop_heap(gtd.begin(), gtd.end());
      const GtdEntry e = gtd.back();
      gtd.pop_back();
      if (!gtd_live(e)) continue;
      Node* n = index.find(e.id.v);
      order_event(EventType::kExpired, n->o, n->o.leaves, CancelReason::kNone, sink);
      remove_resting(n, sink);
    }
  }

  void on_close_day(Timestamp now, EventSink& sink) {
    const auto day = [](const Order& o) { return o.tif == TimeInForce::kDay; };
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      sweep(InstrumentId(i), day, EventType::kExpired, CancelReason::kNone, sink);
    }
    on_advance_time(now, sink);
  }

  void apply(const Command& c, EventSink& sink) {
    switch (c.type) {
      case CommandType::kNew: return on_new(c, sink);
      case CommandType::kCancel: return on_cancel(c, sink);
      case CommandType::kReplace: return on_replace(c, sink);
      case CommandType::kMassCancel: return on_mass_cancel(c, sink);
      case CommandType::kAdvanceTime: return on_advance_time(c.ts, sink);
      case CommandType::kCloseDay: return on_close_day(c.ts, sink);
      case CommandType::kHalt:
      case CommandType::kResume:
      case CommandType::kSuspend:
      case CommandType::kReinstate:
      case CommandType::kRevoke:
      case CommandType::kSetEliminationStatus:
      case CommandType::kAmendFacility:
      case CommandType::kAmendProject:
      case CommandType::kRegister:
      case CommandType::kBlockPropose:
      case CommandType::kBlockAccept:
      case CommandType::kBlockDecline:
      case CommandType::kBlockWithdraw:
      case CommandType::kAuctionAnnounce:
      case CommandType::kAuctionCancel:
      case CommandType::kAuctionBid: break;  // the Exchange's commands: not the book's
    }
    reject(c, RejectCode::kUnknownCommand, static_cast<std::uint8_t>(c.type), 0, sink);
  }

  // ---- queries -------------------------------------------------------------------------------

  const BookSide* side_of(InstrumentId instrument, Side s) const {
    if (!known_instrument(instrument)) return nullptr;
    return &books[instrument.v].sides[idx(s)];
  }

  std::string check() const;
};

namespace {
const EngineSettings& checked(const EngineSettings& s) {
  if (s.instruments == 0) throw std::invalid_argument("EngineSettings: instruments must be at least 1");
  if (s.max_qty.v < 1 || s.max_price.v < 1) {
    throw std::invalid_argument("EngineSettings: max_qty and max_price must be at least 1");
  }
  // Level totals sum open quantities: keep every possible sum inside int64.
  if (s.max_orders != 0 && s.max_qty.v > std::numeric_limits<std::int64_t>::max() / s.max_orders) {
    throw std::invalid_argument("EngineSettings: max_orders * max_qty could overflow a level total");
  }
  return s;
}
}  // namespace

Engine::Engine(const EngineSettings& settings) : impl_(std::make_unique<Impl>(checked(settings))) {}
Engine::~Engine() = default;

void Engine::apply(const Command& cmd, EventSink& sink) { impl_->apply(cmd, sink); }
void Engine::apply_new(const Command& cmd, EventSink& sink) { impl_->on_new(cmd, sink); }
void Engine::apply_cancel(const Command& cmd, EventSink& sink) { impl_->on_cancel(cmd, sink); }
void Engine::apply_replace(const Command& cmd, EventSink& sink) { impl_->on_replace(cmd, sink); }
void Engine::set_eligibility_hook(EligibilityHook* hook) { impl_->hook = hook; }
Timestamp Engine::next_expiry() {
  auto& gtd = impl_->gtd;
  while (!gtd.empty() && !impl_->gtd_live(gtd.front())) {
    std::pop_heap(gtd.begin(), gtd.end());
    gtd.pop_back();
  }
  return gtd.empty() ? Timestamp(std::numeric_limits<std::int64_t>::max()) : gtd.front().expire_at;
}
bool Engine::expiry_due(Timestamp now) const {
  return !impl_->gtd.empty() && impl_->gtd.front().expire_at <= now;
}
const EngineSettings& Engine::settings() const { return impl_->settings; }
TradeId Engine::last_trade_id() const { return TradeId(impl_->next_trade_id - 1); }
TradeId Engine::take_trade_id() { return TradeId(impl_->next_trade_id++); }

std::uint64_t Engine::state_hash() const {
  StateHasher h;
  h.add(impl_->next_trade_id - 1);
  for (const Book& b : impl_->books) {
    for (Side s : {Side::kBuy, Side::kSell}) {
      const BookSide& side = b.sides[idx(s)];
      h.add(side.slots.size());
      for (std::size_t i = side.slots.size(); i-- > 0;) {
        const Level* lv = side.slots[i].level;
        h.add_signed(lv->price.v);
        h.add_signed(lv->total.v);
        h.add(lv->count);
        for (const Node* n = lv->head; n != nullptr; n = n->next) {
          const Order& o = n->o;
          h.add(o.id.v);
          h.add(o.participant.v);
          h.add(o.account.v);
          h.add_signed(o.qty.v);
          h.add_signed(o.leaves.v);
          h.add(static_cast<std::uint64_t>(o.ord_type) | static_cast<std::uint64_t>(o.tif) << 8 |
                static_cast<std::uint64_t>(o.flags) << 16 | static_cast<std::uint64_t>(o.side) << 24);
          h.add_signed(o.expire_at.v);
        }
      }
    }
  }
  return h.digest();
}

std::optional<Price> Engine::best_price(InstrumentId instrument, Side side) const {
  const BookSide* bs = impl_->side_of(instrument, side);
  if (bs == nullptr || bs->slots.empty()) return std::nullopt;
  return bs->slots.back().level->price;
}

std::size_t Engine::level_count(InstrumentId instrument, Side side) const {
  const BookSide* bs = impl_->side_of(instrument, side);
  return bs == nullptr ? 0 : bs->slots.size();
}

std::size_t Engine::order_count(InstrumentId instrument, Side side) const {
  const BookSide* bs = impl_->side_of(instrument, side);
  return bs == nullptr ? 0 : bs->orders;
}

std::size_t Engine::orders_in_use() const { return impl_->nodes.in_use(); }
std::size_t Engine::levels_in_use() const { return impl_->levels.in_use(); }

std::optional<Order> Engine::find(OrderId id) const {
  const Order* o = peek(id);
  if (o == nullptr) return std::nullopt;
  return *o;
}

const Order* Engine::peek(OrderId id) const {
  const Node* n = impl_->index.find(id.v);
  return n == nullptr ? nullptr : &n->o;
}

void Engine::for_each_level(InstrumentId instrument, Side side, const std::function<void(const LevelInfo&)>& fn,
                            std::size_t most) const {
  const BookSide* bs = impl_->side_of(instrument, side);
  if (bs == nullptr) return;
  const std::size_t last = bs->slots.size() - std::min(most, bs->slots.size());
  for (std::size_t i = bs->slots.size(); i-- > last;) {
    const Level* lv = bs->slots[i].level;
    fn(LevelInfo{lv->price, lv->total, lv->count});
  }
}

void Engine::for_each_order(InstrumentId instrument, Side side,
                            const std::function<void(const Order&)>& fn) const {
  const BookSide* bs = impl_->side_of(instrument, side);
  if (bs == nullptr) return;
  for (std::size_t i = bs->slots.size(); i-- > 0;) {
    for (const Node* n = bs->slots[i].level->head; n != nullptr; n = n->next) fn(n->o);
  }
}

std::string Engine::check_invariants() const { return impl_->check(); }

std::string Engine::Impl::check() const {
  const auto where = [](std::size_t book, Side s, Price p) {
    return "instrument " + std::to_string(book) + (s == Side::kBuy ? " bid " : " ask ") +
           std::to_string(p.v) + ": ";
  };
  std::size_t total_orders = 0;
  std::size_t total_levels = 0;
  for (std::size_t bi = 0; bi < books.size(); ++bi) {
    for (Side s : {Side::kBuy, Side::kSell}) {
      const BookSide& side = books[bi].sides[idx(s)];
      std::size_t side_orders = 0;
      for (std::size_t i = 0; i < side.slots.size(); ++i) {
        const Level* lv = side.slots[i].level;
        if (side.slots[i].key != key_of(s, lv->price)) return where(bi, s, lv->price) + "slot key";
        if (i > 0 && side.slots[i - 1].key >= side.slots[i].key) {
          return where(bi, s, lv->price) + "levels not strictly sorted";
        }
        if (lv->count == 0 || lv->head == nullptr) return where(bi, s, lv->price) + "empty level";
        Qty sum{0};
        std::uint32_t count = 0;
        const Node* prev = nullptr;
        for (const Node* n = lv->head; n != nullptr; prev = n, n = n->next) {
          const Order& o = n->o;
          const std::string at = where(bi, s, lv->price) + "order " + std::to_string(o.id.v) + ": ";
          if (n->prev != prev || n->level != lv) return at + "queue links";
          if (o.price != lv->price || o.side != s || o.instrument.v != bi) return at + "misfiled";
          if (o.leaves.v <= 0 || o.leaves > o.qty) return at + "open quantity out of range";
          if (!may_rest(o)) return at + "resting order that may not rest";
          if (index.find(o.id.v) != n) return at + "id index does not point at the node";
          if (o.tif == TimeInForce::kGtd &&
              std::find(gtd.begin(), gtd.end(), GtdEntry{o.expire_at, o.id}) == gtd.end()) {
            return at + "GTD order missing from the expiry heap";
          }
          sum += o.leaves;
          ++count;
        }
        if (prev != lv->tail) return where(bi, s, lv->price) + "tail link";
        if (sum != lv->total) return where(bi, s, lv->price) + "level total != sum of open quantity";
        if (count != lv->count) return where(bi, s, lv->price) + "level count != orders";
        side_orders += count;
      }
      if (side_orders != side.orders) return "instrument " + std::to_string(bi) + ": side order count";
      total_orders += side_orders;
      total_levels += side.slots.size();
    }
  }
  if (total_orders != nodes.in_use()) return "order pool in use != resting orders";
  if (total_orders != index.size()) return "id index size != resting orders";
  if (total_levels != levels.in_use()) return "level pool in use != levels";
  if (!std::is_heap(gtd.begin(), gtd.end())) return "GTD expiry heap out of order";
  return "";
}

}  // namespace crix::engine
