// The console feed's hold (gateway/published.*, Published::kHold): the book and instrument updates of
// the commits within kHold go out once, as the last left them, while trades go out at once; a new
// subscriber, a flush, an alert and the end of the hold send what is held, so a snapshot plus the
// updates before it still equal the state. Commits are handed to Published as the ledger stage hands them (ConsoleBatch),
// with the publish times chosen by the test.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/market_config.hpp"
#include "gateway/published.hpp"
#include "ledger/settlement.hpp"
#include "tests/support/feed_rows.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

using namespace crix;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Feed {
  test::ScratchDir dir{"crix-published-feed"};
  engine::Market market;
  ledger::OpenLedger ledger;
  std::unique_ptr<gateway::Published> published;
  std::vector<json> updates;  // what the subscriber was sent, in order (the test clears it)
  std::vector<json> stream;   // the same, never cleared
  std::uint64_t handle = 0;
  json snapshot;
  const Clock::time_point t0 = Clock::now();

  Feed() {
    config::LoadResult loaded = config::load_market(config::sample_market_path());
    REQUIRE(loaded.errors.empty());
    market = *loaded.market;
    ledger = ledger::open_ledger(dir.file("ledger"), market);
    published = std::make_unique<gateway::Published>(market, *ledger.exchange, ledger.writer->reader(), 0, 0);
    CHECK_FALSE(published->watched());
    handle = subscribe(updates, snapshot, &stream);
    CHECK(published->watched());
  }

  // A subscriber whose updates go to `into` (and to `also`, when given), a trade row as an object
  // named by the snapshot's trade_fields; `first` its snapshot.
  std::uint64_t subscribe(std::vector<json>& into, json& first, std::vector<json>* also = nullptr) {
    std::string text;
    const std::uint64_t h = published->subscribe(
        [&into, &first, also](const std::shared_ptr<const http::FeedBatch>& b) {
          for (const http::FeedEvent& e : b->events) {
            into.push_back(test::feed_object(json::parse(e.json), first.at("trade_fields")));
            if (also != nullptr) also->push_back(into.back());
          }
        },
        text);
    first = json::parse(text);
    return h;
  }

  // Commits command `seq`, which moved instrument 0's levels `bids` and `asks` (price, qty; qty 0:
  // gone) and made a trade of `traded` lots, published at t0 + `at`.
  void commit(std::uint64_t seq, milliseconds at, std::vector<std::pair<std::int64_t, std::int64_t>> bids,
              std::vector<std::pair<std::int64_t, std::int64_t>> asks, std::int64_t traded = 0) {
    gateway::ConsoleBatch b;
    for (const auto& [price, qty] : bids) {
      b.market.book.push_back(gateway::LevelChange{0, engine::Side::kBuy, price, qty, qty == 0 ? 0u : 1u});
    }
    for (const auto& [price, qty] : asks) {
      b.market.book.push_back(gateway::LevelChange{0, engine::Side::kSell, price, qty, qty == 0 ? 0u : 1u});
    }
    if (traded > 0) {
      engine::Event fill;
      fill.type = engine::EventType::kFill;
      fill.instrument = engine::InstrumentId(0);
      fill.qty = engine::Qty(traded);
      b.changes.push_back(gateway::ConsoleBatch::Change{seq, 0, fill});
      gateway::TradeChange t;
      t.id = seq;
      t.price = 57500;
      t.qty = traded;
      b.market.trades.push_back(t);
    }
    b.market.commands.push_back(gateway::MarketChanges::Command{seq, 0, static_cast<std::uint32_t>(b.market.book.size()),
                                                                static_cast<std::uint32_t>(b.market.trades.size()), 0});
    publish(b, seq, at);
  }

  // Commits command `seq`, whose one event is `e` (an order resting, a suspension), published at t0 + `at`.
  void commit_event(std::uint64_t seq, milliseconds at, const engine::Event& e) {
    gateway::ConsoleBatch b;
    b.changes.push_back(gateway::ConsoleBatch::Change{seq, 0, e});
    b.market.commands.push_back(gateway::MarketChanges::Command{seq, 0, 0, 0, 0});
    publish(b, seq, at);
  }

  void publish(const gateway::ConsoleBatch& b, std::uint64_t seq, milliseconds at) {
    gateway::Published::Commit c;
    c.seq = seq;
    c.sent = t0 + at;
    published->publish({&b}, c);
  }
};

// Participant `p`'s order `id` resting on instrument 0.
engine::Event resting(std::uint32_t p, std::uint64_t id) {
  engine::Event e;
  e.type = engine::EventType::kAccepted;
  e.order_id = engine::OrderId(id);
  e.participant = engine::ParticipantId(p);
  e.instrument = engine::InstrumentId(0);
  e.side = engine::Side::kSell;
  e.price = engine::Price(58000);
  e.leaves = engine::Qty(10);
  return e;
}

std::vector<std::string> types(const std::vector<json>& updates) {
  std::vector<std::string> out;
  for (const json& u : updates) out.push_back(u.at("type").get<std::string>());
  return out;
}

using Levels = std::vector<std::pair<std::int64_t, std::int64_t>>;  // price, qty

Levels levels(const json& side) {
  Levels out;
  for (const json& l : side) out.emplace_back(l.at("price").get<std::int64_t>(), l.at("qty").get<std::int64_t>());
  return out;
}

// One symbol's book as a snapshot shows it, then as the feed's "book" updates move it (qty 0: gone),
// price to qty per side.
struct BookModel {
  std::map<std::int64_t, std::int64_t> bids, asks;
  BookModel(const json& snapshot, const std::string& symbol) {
    const json& b = snapshot.at("books").at(symbol);
    for (const auto& [price, qty] : levels(b.at("bids"))) bids[price] = qty;
    for (const auto& [price, qty] : levels(b.at("asks"))) asks[price] = qty;
  }
  void apply(const json& update) {
    apply(update.at("bids"), bids);
    apply(update.at("asks"), asks);
  }
  static void apply(const json& side, std::map<std::int64_t, std::int64_t>& to) {
    for (const auto& [price, qty] : levels(side)) {
      if (qty == 0) {
        to.erase(price);
      } else {
        to[price] = qty;
      }
    }
  }
};

}  // namespace

TEST_CASE("console feed: the book and instrument updates of the commits within the hold go out once, trades at "
          "once",
          "[published][feed]") {
  Feed f;
  const std::string symbol = f.market.instruments[0].code;
  f.commit(1, milliseconds(0), {{57000, 10}}, {});
  f.commit(2, milliseconds(4), {{57100, 5}}, {});
  CHECK(f.updates.empty());  // held
  f.commit(3, milliseconds(8), {{57000, 0}}, {}, 4);
  REQUIRE(types(f.updates) == std::vector<std::string>{"trade"});  // a trade is never held
  CHECK(f.updates[0].at("seq") == 3);

  // kHold after the first held change: one instrument row and one book for the four commits, with the
  // last seq, each level as the last commit left it.
  f.commit(4, gateway::Published::kHold, {}, {{58000, 7}});
  REQUIRE(types(f.updates) == std::vector<std::string>{"trade", "instrument", "book"});
  const json& instrument = f.updates[1];
  CHECK(instrument.at("seq") == 4);
  CHECK(instrument.at("symbol") == symbol);
  CHECK(instrument.at("volume") == 4);
  const json& book = f.updates[2];
  CHECK(book.at("seq") == 4);
  CHECK(book.at("symbol") == symbol);
  CHECK(levels(book.at("bids")) == Levels{{57100, 5}, {57000, 0}});
  CHECK(levels(book.at("asks")) == Levels{{58000, 7}});
  f.updates.clear();

  // Held again; a new subscriber's snapshot comes after the held updates reached the others, with their
  // seq, so the older subscriber's snapshot plus updates equals the new one's.
  f.commit(5, gateway::Published::kHold + milliseconds(1), {}, {{58000, 3}});
  CHECK(f.updates.empty());
  std::vector<json> second;
  json fresh;
  const std::uint64_t other = f.subscribe(second, fresh);
  REQUIRE(types(f.updates) == std::vector<std::string>{"book"});
  CHECK(f.updates[0].at("seq") == 5);
  CHECK(levels(f.updates[0].at("asks")) == Levels{{58000, 3}});
  CHECK(fresh.at("seq") == 5);
  CHECK(levels(fresh.at("books").at(symbol).at("asks")) == Levels{{58000, 3}});
  CHECK(levels(fresh.at("books").at(symbol).at("bids")) == Levels{{57100, 5}});
  CHECK(second.empty());
  f.updates.clear();
  // The first subscriber's snapshot plus every update it was sent, in never-decreasing seq after the
  // snapshot's, is the new snapshot's book.
  BookModel model(f.snapshot, symbol);
  std::uint64_t last = f.snapshot.at("seq");
  for (const json& u : f.stream) {
    CHECK(u.at("seq").get<std::uint64_t>() > f.snapshot.at("seq").get<std::uint64_t>());
    CHECK(u.at("seq").get<std::uint64_t>() >= last);
    last = u.at("seq");
    if (u.at("type") == "book" && u.at("symbol") == symbol) model.apply(u);
  }
  CHECK(last == fresh.at("seq"));
  const BookModel expected(fresh, symbol);
  CHECK(model.bids == expected.bids);
  CHECK(model.asks == expected.asks);

  // A flush (the ledger thread, idle) sends what is held at once, to both.
  f.commit(6, gateway::Published::kHold + milliseconds(2), {{56000, 2}}, {});
  CHECK(f.updates.empty());
  f.published->flush();
  REQUIRE(types(f.updates) == std::vector<std::string>{"book"});
  CHECK(f.updates[0].at("seq") == 6);
  CHECK(levels(f.updates[0].at("bids")) == Levels{{56000, 2}});
  CHECK(second == f.updates);
  f.published->flush();
  CHECK(f.updates.size() == 1);  // nothing left held
  f.updates.clear();

  // An alert (the ledger failed: nothing commits again) sends what is held first.
  f.commit(7, gateway::Published::kHold + milliseconds(3), {{56000, 1}}, {});
  CHECK(f.updates.empty());
  f.published->alert("critical", "ledger write failed");
  REQUIRE(types(f.updates) == std::vector<std::string>{"book", "alert"});
  CHECK(levels(f.updates[0].at("bids")) == Levels{{56000, 1}});
  CHECK(f.updates[0].at("seq") == 7);
  CHECK(f.updates[1].at("seq") == 7);
  f.updates.clear();

  // Without subscribers nothing is held: a later subscriber's snapshot has it, and no stale update follows.
  f.published->unsubscribe(other);
  f.published->unsubscribe(f.handle);
  CHECK_FALSE(f.published->watched());
  f.commit(8, gateway::Published::kHold + milliseconds(4), {{56000, 0}}, {});
  std::vector<json> third;
  json latest;
  f.subscribe(third, latest);
  CHECK(latest.at("seq") == 8);
  CHECK(levels(latest.at("books").at(symbol).at("bids")) == Levels{{57100, 5}});
  f.published->flush();
  CHECK(third.empty());
}

TEST_CASE("console feed: a participant's open-order count is held with the books, a suspension goes at once",
          "[published][feed]") {
  Feed f;
  f.commit_event(1, milliseconds(0), resting(0, 101));
  f.commit_event(2, milliseconds(3), resting(0, 102));
  f.commit_event(3, milliseconds(5), resting(1, 103));
  CHECK(f.updates.empty());  // held: one row per participant for the three commits, not one a commit

  f.commit(4, gateway::Published::kHold, {}, {});
  REQUIRE(types(f.updates) == std::vector<std::string>{"participant", "participant"});
  CHECK(f.updates[0].at("id") == f.market.participants[0].id);
  CHECK(f.updates[0].at("open_orders") == 2);
  CHECK(f.updates[0].at("seq") == 4);
  CHECK(f.updates[1].at("id") == f.market.participants[1].id);
  CHECK(f.updates[1].at("open_orders") == 1);
  f.updates.clear();

  // A suspension is not held: its row at once, with its command's seq.
  engine::Event suspend;
  suspend.type = engine::EventType::kParticipantState;
  suspend.participant = engine::ParticipantId(1);
  suspend.arg1 = 1;
  f.commit_event(5, gateway::Published::kHold + milliseconds(1), suspend);
  REQUIRE(types(f.updates) == std::vector<std::string>{"participant"});
  CHECK(f.updates[0].at("id") == f.market.participants[1].id);
  CHECK(f.updates[0].at("status") == "suspended");
  CHECK(f.updates[0].at("seq") == 5);
  f.updates.clear();

  // Held counts reach a subscriber before a new one's snapshot, which shows them.
  f.commit_event(6, gateway::Published::kHold + milliseconds(2), resting(0, 104));
  CHECK(f.updates.empty());
  std::vector<json> second;
  json fresh;
  f.subscribe(second, fresh);
  REQUIRE(types(f.updates) == std::vector<std::string>{"participant"});
  CHECK(f.updates[0].at("open_orders") == 3);
  CHECK(f.updates[0].at("seq") == 6);
  CHECK(fresh.at("participants")[0].at("open_orders") == 3);
}
