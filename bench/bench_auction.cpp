// The allocation of a one-way bidding auction at its window's end: bench_auction [--bids N] [--rounds R]
// [--exchange]. Random bids on a price grid (many ties), a divisible lot of a quarter of all asked.
// Prints the median and the fastest of R rounds, each on a fresh state.
// Alone (engine/auction.hpp with a stand-in for the rules: 200 bidders' projects with remaining need, 8
// regions with room under a cap, one bidder in ten refused outright):
//   bench_auction bids=10000 allocate_ms=<median> min_ms=<n> allocations=<n>
// --exchange: through a real Exchange (engine/exchange.hpp): a market of one seller's two-facility lot
// and one project per bid (200 participants, 8 regions, 4 capped, one region's buyers forbidden by a
// transfer rule); the bids are kAuctionBid commands inside the window and the end is the clock tick
// that ends it: the allocation, each allocation's settlement and the release of every bid's rest.
//   bench_auction mode=exchange bids=10000 end_ms=<median> min_ms=<n> bid_ns=<median per bid> fills=<n>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/auction.hpp"
#include "engine/exchange.hpp"

using namespace crix::engine;

namespace {

struct Rules final : AuctionRules {
  std::vector<std::uint32_t> bidder_of;
  std::vector<std::uint32_t> region_of;
  std::vector<bool> forbidden;
  std::vector<std::int64_t> need;
  std::vector<std::int64_t> cap_room;
  Qty allowed(std::size_t bid, Qty asked) const override {
    const std::uint32_t b = bidder_of[bid];
    if (forbidden[b]) return Qty(0);
    return Qty(std::max<std::int64_t>(0, std::min({asked.v, need[b], cap_room[region_of[b]]})));
  }
  void taken(std::size_t bid, Qty qty) override {
    need[bidder_of[bid]] -= qty.v;
    cap_room[region_of[bidder_of[bid]]] -= qty.v;
  }
};

std::uint64_t state = 0x9E3779B97F4A7C15ull;
std::uint64_t next() {  // xorshift64*: fixed seed, the same auction every run
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

// A market for an auction of `n` bids: one seller, two facilities, one project per bid.
Market auction_market(std::size_t n) {
  Market m;
  m.rules_name = "bench rules";
  m.exchange.name = "bench";
  m.exchange.time_zone = "UTC";
  m.exchange.utc_offset_minutes = 0;
  m.exchange.sessions = {{{9 * 60}, {15 * 60}}};
  m.exchange.max_orders = 1024;
  m.exchange.max_levels = 1024;
  Instrument ins;
  ins.code = "STEEL-IRON";
  ins.industry = Industry::kSteel;
  ins.reference_price = 5'000'000;
  m.instruments.push_back(ins);
  for (std::uint32_t r = 0; r < 8; ++r) {
    Region reg;
    reg.ref.code = 110100 + r * 10000;
    reg.ref.province = 110000 + r * 10000;
    reg.ref.region_class = r % 2 == 0 ? RegionClass::kKey : RegionClass::kOther;
    reg.name = "region " + std::to_string(r);
    reg.capacity[0] = 50'000'000;
    if (r % 2 == 1) reg.cap[0] = reg.capacity[0] + static_cast<std::int64_t>(next() % 20'000'000);
    m.regions.push_back(reg);
  }
  Participant seller;
  seller.id = "SELLER";
  seller.may_sell = true;
  seller.region = m.regions[0].ref.code;
  seller.instruments = {"STEEL-IRON"};
  m.participants.push_back(seller);
  for (std::uint32_t b = 0; b < 200; ++b) {
    Participant p;
    p.id = "B" + std::to_string(b);
    p.may_buy = true;
    p.region = m.regions[b % 8].ref.code;
    p.instruments = {"STEEL-IRON"};
    m.participants.push_back(p);
  }
  for (int k = 0; k < 2; ++k) {
    Facility f;
    f.id = "F" + std::to_string(k);
    f.owner = "SELLER";
    f.industry = Industry::kSteel;
    f.region = m.regions[static_cast<std::size_t>(k)].ref.code;
    f.capacity = 2'000'000'000;
    f.equipment = "furnace";
    m.facilities.push_back(f);
  }
  for (std::size_t j = 0; j < n; ++j) {
    Project p;
    p.id = "J" + std::to_string(j);
    p.owner = "B" + std::to_string(j % 200);
    p.industry = Industry::kSteel;
    p.region = m.regions[next() % 8].ref.code;
    p.new_capacity = 1'000 * static_cast<std::int64_t>(1 + next() % 200);
    p.approval_ref = "bench";
    m.projects.push_back(p);
  }
  RatioRule key;
  key.name = "key";
  key.industry = Industry::kSteel;
  key.buyer_class = RegionClass::kKey;
  key.ratio_permille = 1500;
  RatioRule other = key;
  other.name = "other";
  other.buyer_class = RegionClass::kOther;
  other.ratio_permille = 1250;
  m.ratios = RatioTable({key, other});
  TransferRule deny;
  deny.name = "no sales into region 7's province";
  deny.buyer_province = m.regions[7].ref.province;
  deny.effect = FlowEffect::kDeny;
  m.transfers = TransferTable({deny});
  return m;
}

int exchange_mode(std::size_t n, int rounds) {
  const Market market = auction_market(n);
  struct Bid {
    std::uint32_t participant;
    std::uint64_t project;
    std::int64_t price;
    std::int64_t qty;
  };
  std::vector<Bid> bids(n);
  std::int64_t asked = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t need = market.projects[j].new_capacity;
    bids[j] = Bid{static_cast<std::uint32_t>(1 + j % 200), j, 4'000'000 + static_cast<std::int64_t>(next() % 500) * 100,
                  std::max<std::int64_t>(1, need * static_cast<std::int64_t>(1 + next() % 10) / 10)};
    asked += bids[j].qty;
  }
  Market m = market;
  AuctionTerms a;
  a.id = "BENCH";
  a.instrument = "STEEL-IRON";
  a.facilities = {"F0", "F1"};
  a.qty = asked / 4;
  a.reserve_price = 4'000'000;
  a.increment = 100;
  a.pricing = AuctionPricing::kUniform;
  m.auctions.push_back(a);
  const std::int64_t t0 = std::int64_t{days_from_civil(Date{2026, 12, 1})} * 86400 * kNsPerSecond + 10 * 3600 * kNsPerSecond;
  std::vector<double> end_ms;
  std::vector<double> bid_ns;
  std::size_t fills = 0;
  for (int r = 0; r < rounds; ++r) {
    Exchange x(m);
    EventSink sink(1 << 16);
    Command c;
    c.type = CommandType::kAuctionAnnounce;
    c.ts = Timestamp(t0);
    c.price = Price(t0);
    c.expire_at = Timestamp(t0 + 3600 * kNsPerSecond);
    x.apply(c, sink);
    if (x.auctions()[0].state != AuctionState::kAnnounced) {
      std::fprintf(stderr, "bench_auction: the announcement was refused: %s\n", x.describe(sink.events().back()).c_str());
      return 1;
    }
    const auto b0 = std::chrono::steady_clock::now();
    for (std::size_t j = 0; j < n; ++j) {
      Command bid;
      bid.type = CommandType::kAuctionBid;
      bid.seq = Seq(j + 2);
      bid.id = OrderId(j + 2);
      bid.ts = Timestamp(t0 + static_cast<std::int64_t>(j) * 1000);
      bid.participant = ParticipantId(bids[j].participant);
      bid.account = AccountId(bids[j].project);
      bid.price = Price(bids[j].price);
      bid.qty = Qty(bids[j].qty);
      bid.expire_at = Timestamp(0);
      sink.clear();
      x.apply(bid, sink);
    }
    const auto b1 = std::chrono::steady_clock::now();
    Command tick;
    tick.type = CommandType::kAdvanceTime;
    tick.ts = Timestamp(t0 + 3600 * kNsPerSecond);
    sink.clear();
    const auto e0 = std::chrono::steady_clock::now();
    x.apply(tick, sink);
    const auto e1 = std::chrono::steady_clock::now();
    end_ms.push_back(std::chrono::duration<double, std::milli>(e1 - e0).count());
    bid_ns.push_back(std::chrono::duration<double, std::nano>(b1 - b0).count() / static_cast<double>(n));
    fills = static_cast<std::size_t>(std::count_if(sink.begin(), sink.end(), [](const Event& e) { return e.type == EventType::kFill; }));
    const std::string problem = x.check_invariants();
    if (!problem.empty() || x.auctions()[0].state != AuctionState::kSold) {
      std::fprintf(stderr, "bench_auction: the auction did not sell cleanly: %s\n", problem.c_str());
      return 1;
    }
  }
  std::sort(end_ms.begin(), end_ms.end());
  std::sort(bid_ns.begin(), bid_ns.end());
  std::printf("bench_auction mode=exchange bids=%zu end_ms=%.3f min_ms=%.3f bid_ns=%.0f fills=%zu\n", n,
              end_ms[end_ms.size() / 2], end_ms[0], bid_ns[bid_ns.size() / 2], fills);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 10'000;
  int rounds = 21;
  bool exchange = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--exchange") == 0) {
      exchange = true;
    } else if (i + 1 < argc && std::strcmp(argv[i], "--bids") == 0) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (i + 1 < argc && std::strcmp(argv[i], "--rounds") == 0) {
      rounds = std::atoi(argv[++i]);
    } else {
      n = 0;
    }
  }
  if (n == 0 || rounds < 1) {
    std::fprintf(stderr, "usage: bench_auction [--bids N>0] [--rounds R>0] [--exchange]\n");
    return 2;
  }
  if (exchange) return exchange_mode(n, rounds);
  std::vector<AuctionBid> bids(n);
  std::int64_t asked = 0;
  Rules fresh;
  for (std::uint32_t b = 0; b < 200; ++b) {
    fresh.region_of.push_back(static_cast<std::uint32_t>(next() % 8));
    fresh.forbidden.push_back(next() % 10 == 0);
    fresh.need.push_back(static_cast<std::int64_t>(next() % 200'000));
  }
  fresh.cap_room.assign(8, 0);
  for (std::int64_t& c : fresh.cap_room) c = static_cast<std::int64_t>(next() % 2'000'000);
  for (std::size_t i = 0; i < n; ++i) {
    bids[i].price = Price(5'000'000 + static_cast<std::int64_t>(next() % 500) * 100);
    bids[i].qty = Qty(1'000 * static_cast<std::int64_t>(1 + next() % 50));
    bids[i].time = i;
    asked += bids[i].qty.v;
    fresh.bidder_of.push_back(static_cast<std::uint32_t>(next() % 200));
  }
  const AuctionLot lot{Qty(asked / 4), false, AuctionPricing::kUniform};
  std::vector<double> ms;
  std::size_t made = 0;
  for (int r = 0; r < rounds; ++r) {
    Rules rules = fresh;
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Allocation> out = allocate(lot, bids, rules);
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    made = out.size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("bench_auction bids=%zu allocate_ms=%.3f min_ms=%.3f allocations=%zu\n", n, ms[ms.size() / 2], ms[0],
              made);
  return 0;
}
