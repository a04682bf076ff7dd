// The console's view of the auctions (gateway/published.*): kept on the ledger thread from the auction
// events and fills of each committed command, it must equal the view a fresh start builds from the
// exchange's replayed state and the ledger (restore-and-compare), and the feed must carry each change
// with its command's seq. Commands go through the real ledger (apply_and_commit) on the sample market:
// bids, which crixd takes only over FIX, are sequenced here directly.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/market_config.hpp"
#include "engine/calendar.hpp"
#include "gateway/market_feed.hpp"
#include "gateway/published.hpp"
#include "ledger/settlement.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

using namespace crix;
using engine::Command;
using engine::CommandType;
using engine::Timestamp;

// 2026-12-07 (a Monday) at hh:mm in the sample's zone.
Timestamp at(int hour, int minute) { return engine::local_time(engine::Date{2026, 12, 7}, hour, minute, 480); }

// The sample market's ledger, its exchange, and the console's view kept from each command's events as
// the engine and ledger stages hand them over (ConsoleBatch: the auction events and fills, the trades).
struct Console {
  test::ScratchDir dir{"crix-published-auction"};
  engine::Market market;
  ledger::OpenLedger ledger;
  std::unique_ptr<gateway::Published> published;
  std::unique_ptr<gateway::MarketFeed> feed;
  std::vector<nlohmann::json> updates;  // the feed's, in order

  Console() {
    config::LoadResult loaded = config::load_market(config::sample_market_path());
    REQUIRE(loaded.errors.empty());
    market = *loaded.market;
    ledger = ledger::open_ledger(dir.file("ledger"), market);
    published = std::make_unique<gateway::Published>(market, *ledger.exchange, ledger.writer->reader(), 0, at(9, 0).v);
    feed = std::make_unique<gateway::MarketFeed>(market, *ledger.exchange);
    std::string snapshot;
    published->subscribe(
        [this](const std::shared_ptr<const http::FeedBatch>& b) {
          for (const http::FeedEvent& e : b->events) {
            if (e.type == "auction") updates.push_back(nlohmann::json::parse(e.json));
          }
        },
        snapshot);
  }

  // Sequences `c` at `now` into the ledger and publishes what it changed; returns its seq.
  std::uint64_t run(Command c, Timestamp now) {
    const std::uint64_t seq = ledger.next_seq().v;
    if (c.type == CommandType::kAuctionBid) c.id = engine::OrderId(seq);  // a bid's id is its seq, as an order's
    const std::vector<engine::Event> events = ledger::apply_and_commit(ledger, c, now, "ops");
    gateway::ConsoleBatch b;
    for (const engine::Event& e : events) {
      if (e.type == engine::EventType::kFill) feed->trade(e, b.market);
      if (e.type == engine::EventType::kFill || e.type == engine::EventType::kAuctionAnnounced ||
          e.type == engine::EventType::kAuctionBid || e.type == engine::EventType::kAuctionBidEnded ||
          e.type == engine::EventType::kAuctionEnded) {
        b.changes.push_back(gateway::ConsoleBatch::Change{seq, now.v, e});
      }
    }
    feed->end_command(seq, now.v, b.market);
    gateway::Published::Commit commit;
    commit.seq = seq;
    published->publish({&b}, commit);
    return seq;
  }

  std::uint64_t bid(const std::string& who, const std::string& project, std::int64_t qty, std::int64_t price,
                    Timestamp now) {
    Command c;
    c.type = CommandType::kAuctionBid;
    c.side = engine::Side::kBuy;
    c.participant = engine::ParticipantId(*ledger.exchange->participant_index(who));
    c.account = engine::AccountId(*ledger.exchange->project_index(project));
    c.qty = engine::Qty(qty);
    c.price = engine::Price(price);
    c.expire_at = Timestamp(0);  // auction 0
    return run(c, now);
  }

  // The view a start would build now: the exchange as replayed, the ledger's trades.
  std::vector<http::AuctionView> fresh() const {
    const gateway::Published p(market, *ledger.exchange, ledger.writer->reader(), ledger.next_seq().v - 1, 0);
    return p.auctions();
  }
};

// A view without what only the live one knows: the bids' times and the last change's seq.
std::vector<http::AuctionView> without_times(std::vector<http::AuctionView> views) {
  for (http::AuctionView& v : views) {
    v.seq = 0;
    for (http::AuctionBidView& b : v.ranking) b.time = 0;
  }
  return views;
}

bool same(const std::vector<http::AuctionView>& a, const std::vector<http::AuctionView>& b) {
  const auto json_of = [](const std::vector<http::AuctionView>& views) {
    nlohmann::json out = nlohmann::json::array();
    for (const http::AuctionView& v : views) {
      nlohmann::json ranking = nlohmann::json::array();
      for (const http::AuctionBidView& x : v.ranking) {
        ranking.push_back({x.id, x.seq, x.time, x.bidder, x.project, x.price, x.qty, x.won});
      }
      nlohmann::json allocations = nlohmann::json::array();
      for (const http::AuctionAllocationView& x : v.allocations) {
        allocations.push_back({x.trade, x.bidder, x.project, x.facility, x.price, x.qty});
      }
      out.push_back({v.index, v.id, v.symbol, v.seller, v.facilities, v.qty, v.whole, v.reserve, v.increment, v.pricing,
                     v.state, v.opens, v.closes, v.seq, ranking, v.sold, v.price, allocations});
    }
    return out;
  };
  INFO("live:  " << json_of(a).dump() << "\nfresh: " << json_of(b).dump());
  return json_of(a) == json_of(b);
}

}  // namespace

TEST_CASE("the console's auction view from the events equals a fresh start's, through bids, a raise and the end",
          "[published][auction]") {
  Console x;
  REQUIRE(x.published->auctions().size() == 1);
  CHECK(x.published->auctions()[0].state == "configured");
  CHECK(x.published->auctions()[0].seller == "HB-TANGSHAN-IRON");

  Command announce;
  announce.type = CommandType::kAuctionAnnounce;
  announce.id = engine::OrderId(0);
  announce.price = engine::Price(at(10, 0).v);
  announce.expire_at = at(11, 0);
  const std::uint64_t announced = x.run(announce, at(9, 45));
  CHECK(x.published->auctions()[0].state == "announced");
  CHECK(x.published->auctions()[0].opens == at(10, 0).v);
  CHECK(same(without_times(x.published->auctions()), x.fresh()));

  const std::uint64_t first = x.bid("TJ-BOHAI-STEEL", "TJ-NEW-BF-2500", 300000, 56000, at(10, 5));
  const std::uint64_t second = x.bid("SC-PANZHIHUA-STEEL", "SC-PZH-BF-1750", 500000, 55500, at(10, 6));
  const std::uint64_t raise = x.bid("SC-PANZHIHUA-STEEL", "SC-PZH-BF-1750", 500000, 57000, at(10, 7));
  std::vector<http::AuctionView> live = x.published->auctions();
  // Best first: the raise put SC's bid ahead, with the raise's seq, id and time; still two bids.
  REQUIRE(live[0].ranking.size() == 2);
  CHECK(live[0].ranking[0].bidder == "SC-PANZHIHUA-STEEL");
  CHECK(live[0].ranking[0].price == 57000);
  CHECK(live[0].ranking[0].seq == raise);
  CHECK(live[0].ranking[0].id == raise);
  CHECK(live[0].ranking[0].time == at(10, 7).v);
  CHECK(live[0].ranking[1].seq == first);
  CHECK(second > first);
  CHECK(same(without_times(live), x.fresh()));

  // The window's end: the first command at or after it (a clock tick) allocates and settles.
  Command tick;
  tick.type = CommandType::kAdvanceTime;
  const std::uint64_t ended = x.run(tick, at(11, 0));
  live = x.published->auctions();
  CHECK(live[0].state == "sold");
  CHECK(live[0].sold == 500000);  // SC's 500,000 t fills the lot
  CHECK(live[0].price == 57000);
  REQUIRE(!live[0].allocations.empty());
  std::int64_t allocated = 0;
  for (const http::AuctionAllocationView& a : live[0].allocations) {
    CHECK(a.bidder == "SC-PANZHIHUA-STEEL");
    CHECK(a.facility == "HB-BF-450");
    allocated += a.qty;
  }
  CHECK(allocated == 500000);
  CHECK(live[0].ranking[0].won == 500000);
  CHECK(live[0].ranking[1].won == 0);  // outbid: it stays in the ranking with nothing won
  CHECK(same(without_times(live), x.fresh()));

  // The feed: one whole-auction update per command that changed it, each with that command's seq.
  std::vector<std::uint64_t> seqs;
  for (const nlohmann::json& u : x.updates) seqs.push_back(u.at("seq").get<std::uint64_t>());
  CHECK(seqs == std::vector<std::uint64_t>{announced, first, second, raise, ended});
  CHECK(x.updates.back().at("state") == "sold");
  CHECK(x.updates.back().at("allocations").size() == live[0].allocations.size());
}

TEST_CASE("a suspended bidder's bid leaves the console's ranking, and a cancel keeps the bids it released",
          "[published][auction]") {
  Console x;
  Command announce;
  announce.type = CommandType::kAuctionAnnounce;
  announce.id = engine::OrderId(0);
  announce.price = engine::Price(at(10, 0).v);
  announce.expire_at = at(11, 0);
  x.run(announce, at(9, 45));
  x.bid("TJ-BOHAI-STEEL", "TJ-NEW-BF-2500", 300000, 56000, at(10, 5));
  x.bid("SC-PANZHIHUA-STEEL", "SC-PZH-BF-1750", 500000, 55500, at(10, 6));
  Command suspend;
  suspend.type = CommandType::kSuspend;
  suspend.participant = engine::ParticipantId(*x.ledger.exchange->participant_index("TJ-BOHAI-STEEL"));
  x.run(suspend, at(10, 10));
  std::vector<http::AuctionView> live = x.published->auctions();
  REQUIRE(live[0].ranking.size() == 1);
  CHECK(live[0].ranking[0].bidder == "SC-PANZHIHUA-STEEL");
  CHECK(same(without_times(live), x.fresh()));

  Command cancel;
  cancel.type = CommandType::kAuctionCancel;
  cancel.id = engine::OrderId(0);
  x.run(cancel, at(10, 20));
  live = x.published->auctions();
  CHECK(live[0].state == "canceled");
  CHECK(live[0].ranking.size() == 1);
  CHECK(same(without_times(live), x.fresh()));
}
