// Property test of the market rules: random registries (regions, caps, enterprises, facilities,
// projects, ratio and transfer tables) and random command streams across a trading day (pre-open,
// both sessions, the break, the close), with operator halts and suspensions. After every command the
// exchange's own invariants hold, and every fill is checked against facts this test derives from the
// registry itself: the pair's ratio is the one the rule table gives, no transfer rule forbids it, the
// facility was eligible, the industries match, the two sides are different enterprises, the credit is
// floor(qty * 1000 / ratio) and never 0 t; running totals kept here show no facility selling more than
// its capacity, no project credited beyond its need, no capped region above its cap; and every
// project's credited + reserved stays within its need after every command. Block trades are mixed in:
// some new orders become block proposals to a random counterparty, and pending proposals are
// accepted (with an account of the counterparty, or any account), declined or withdrawn at random;
// their fills face the same checks. At the end every participant's orders are canceled and its
// proposals withdrawn, and every reservation must be back at zero.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/calendar.hpp"
#include "engine/exchange.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scale.hpp"
#include "tools/market_stream.hpp"

using namespace crix::engine;

namespace {

constexpr Industry kIndustriesList[] = {Industry::kSteel, Industry::kCement, Industry::kGlass, Industry::kAluminium};

Market random_market(crix::test::Rng& rng) {
  Market m;
  m.rules_name = "random rules";
  m.idle_years_limit = 2;
  m.exchange.name = "property";
  m.exchange.time_zone = "Asia/Shanghai";
  m.exchange.utc_offset_minutes = 480;
  m.exchange.sessions = {{{9 * 60 + 30}, {11 * 60 + 30}}, {{13 * 60}, {15 * 60}}};
  m.exchange.max_orders = 4096;
  m.exchange.max_levels = 1024;
  for (Industry ind : kIndustriesList) {
    Instrument ins;
    ins.code = "I" + std::to_string(static_cast<int>(ind));
    ins.industry = ind;
    ins.tick = rng.below(2) == 0 ? 1 : 10;
    ins.lot = rng.below(2) == 0 ? 1 : 10;
    ins.band_permille = static_cast<std::uint32_t>(50 + rng.below(250));
    ins.reference_price = static_cast<std::int64_t>(1000 + rng.below(100)) * ins.tick * 10;
    m.instruments.push_back(ins);
  }
  Instrument second_steel = m.instruments[0];  // steel has two products (ironmaking, steelmaking)
  second_steel.code = "I0b";
  m.instruments.push_back(second_steel);
  // A facility or project of steel may name its product; "" = either.
  const auto product = [&](Industry ind) -> std::string {
    if (ind != Industry::kSteel) return rng.below(2) == 0 ? "" : m.instruments[static_cast<std::size_t>(ind)].code;
    static const char* const kSteel[] = {"", "I0", "I0b"};
    return kSteel[rng.below(3)];
  };
  const std::uint32_t provinces[] = {110000, 120000, 130000};
  const std::size_t n_regions = 3 + rng.below(4);
  for (std::size_t r = 0; r < n_regions; ++r) {
    Region reg;
    const std::uint32_t province = provinces[rng.below(3)];
    reg.ref.code = province + static_cast<std::uint32_t>(100 * (r + 1));
    reg.ref.province = province;
    reg.ref.region_class = rng.below(2) == 0 ? RegionClass::kKey : RegionClass::kOther;
    reg.name = "region " + std::to_string(reg.ref.code);
    reg.province_over_target = rng.below(6) == 0;
    for (std::size_t k = 0; k < kIndustries; ++k) {
      reg.capacity[k] = static_cast<std::int64_t>(rng.below(100000));
      if (rng.below(3) == 0) reg.cap[k] = reg.capacity[k] + static_cast<std::int64_t>(rng.below(3000));
    }
    m.regions.push_back(reg);
  }
  const std::size_t n_participants = 3 + rng.below(4);
  for (std::size_t p = 0; p < n_participants; ++p) {
    Participant part;
    part.id = "P" + std::to_string(p);
    part.name = part.id;
    part.group = rng.below(3) == 0 ? "G" + std::to_string(rng.below(2)) : "";
    part.region = m.regions[rng.below(n_regions)].ref.code;
    const std::uint64_t role = rng.below(3);
    part.may_sell = role != 1;
    part.may_buy = role != 0;
    for (const Instrument& ins : m.instruments) {
      if (rng.below(4) != 0) part.instruments.push_back(ins.code);
    }
    m.participants.push_back(part);
  }
  const std::size_t n_facilities = 3 + rng.below(6);
  for (std::size_t f = 0; f < n_facilities; ++f) {
    Facility fac;
    fac.id = "F" + std::to_string(f);
    fac.owner = m.participants[rng.below(n_participants)].id;
    fac.industry = kIndustriesList[rng.below(4)];
    fac.region = m.regions[rng.below(n_regions)].ref.code;
    fac.capacity = static_cast<std::int64_t>(100 + rng.below(5000)) * 10;
    fac.equipment = "unit " + std::to_string(f);
    fac.divisible = rng.below(4) != 0;
    fac.merger_capacity = rng.below(5) == 0;
    fac.instrument = product(fac.industry);
    fac.facts.court_seized = rng.below(12) == 0;
    fac.facts.used = rng.below(12) == 0;
    fac.facts.idle_years = rng.below(8) == 0 ? 3 : 0;
    if (rng.below(8) == 0) fac.facts.expires = Date{2026, 12, 1};  // lapses after the first day
    m.facilities.push_back(fac);
  }
  const std::size_t n_projects = 3 + rng.below(6);
  for (std::size_t j = 0; j < n_projects; ++j) {
    Project proj;
    proj.id = "J" + std::to_string(j);
    proj.owner = m.participants[rng.below(n_participants)].id;
    proj.industry = kIndustriesList[rng.below(4)];
    proj.region = m.regions[rng.below(n_regions)].ref.code;
    // One project in three needs a few orders' worth (the stream's orders are up to 20 lots), so that
    // needs are met, fills are cut to a project's room and remainders canceled once it is covered.
    proj.new_capacity = rng.below(3) == 0 ? static_cast<std::int64_t>(20 + rng.below(200)) * 10
                                          : static_cast<std::int64_t>(100 + rng.below(5000)) * 10;
    proj.status = rng.below(10) == 0 ? ProjectStatus::kCompleted : ProjectStatus::kApproved;
    proj.instrument = product(proj.industry);
    m.projects.push_back(proj);
  }
  std::vector<RatioRule> ratios;
  for (Industry ind : kIndustriesList) {
    for (RegionClass rc : {RegionClass::kKey, RegionClass::kOther}) {
      if (rng.below(8) == 0) continue;  // sometimes no rule: such pairs may not trade
      RatioRule r;
      r.name = "base";
      r.industry = ind;
      r.buyer_class = rc;
      r.ratio_permille = static_cast<std::uint32_t>(1000 + rng.below(1000));
      ratios.push_back(r);
    }
    for (int k = 0; k < 3; ++k) {
      RatioRule r;
      r.name = "override " + std::to_string(k);
      r.industry = ind;
      switch (rng.below(4)) {
        case 0: r.cross_province = rng.below(2) == 0; break;
        case 1: r.same_group = true; break;
        case 2: r.merger_capacity = true; break;
        default: r.buyer_region = m.regions[rng.below(n_regions)].ref.province; break;
      }
      r.ratio_permille = static_cast<std::uint32_t>(1000 + rng.below(1500));
      ratios.push_back(r);
    }
  }
  m.ratios = RatioTable(std::move(ratios));
  std::vector<TransferRule> transfers;
  for (std::uint64_t k = rng.below(4); k > 0; --k) {
    TransferRule t;
    t.name = "transfer " + std::to_string(k);
    if (rng.below(2) == 0) t.industry = kIndustriesList[rng.below(4)];
    switch (rng.below(4)) {
      case 0: t.buyer_class = RegionClass::kKey; break;
      case 1: t.cross_province = true; break;
      case 2: t.buyer_province_over_target = true; break;
      default: t.seller_province = provinces[rng.below(3)]; break;
    }
    t.effect = rng.below(4) == 0 ? FlowEffect::kAllow : FlowEffect::kDeny;
    transfers.push_back(t);
  }
  m.transfers = TransferTable(std::move(transfers));
  // Two to eight auctions (each sells once): a facility's lot (sometimes with a second facility of its owner), a part of
  // its capacity or more than it has, whole sometimes, either pricing.
  for (std::uint64_t k = 2 + rng.below(7); k > 0; --k) {
    const Facility& f = m.facilities[rng.below(m.facilities.size())];
    AuctionTerms a;
    a.id = "A" + std::to_string(m.auctions.size());
    a.instrument = !f.instrument.empty() ? f.instrument : m.instruments[static_cast<std::size_t>(f.industry)].code;
    const Instrument& ins = *std::find_if(m.instruments.begin(), m.instruments.end(),
                                          [&](const Instrument& x) { return x.code == a.instrument; });
    a.facilities.push_back(f.id);
    std::int64_t capacity = f.capacity;
    for (const Facility& g : m.facilities) {
      if (&g != &f && g.owner == f.owner && g.industry == f.industry &&
          (g.instrument.empty() || g.instrument == a.instrument) && rng.below(2) == 0) {
        a.facilities.push_back(g.id);
        capacity += g.capacity;
        break;
      }
    }
    a.qty = std::max<std::int64_t>(ins.lot, capacity * static_cast<std::int64_t>(1 + rng.below(12)) / 40 / ins.lot * ins.lot);
    a.whole = rng.below(4) == 0;
    a.reserve_price = ins.reference_price * static_cast<std::int64_t>(8 + rng.below(4)) / 10 / ins.tick * ins.tick;
    a.increment = ins.tick * static_cast<std::int64_t>(1 + rng.below(5));
    a.pricing = rng.below(2) == 0 ? AuctionPricing::kPayAsBid : AuctionPricing::kUniform;
    m.auctions.push_back(a);
  }
  return m;
}

// The pair's facts, derived here from the registry (not through the exchange).
PairFacts facts_of(const Market& m, const Facility& f, const Project& p) {
  const auto region = [&](std::uint32_t code) {
    return std::find_if(m.regions.begin(), m.regions.end(), [&](const Region& r) { return r.ref.code == code; });
  };
  const auto owner = [&](const std::string& id) {
    return std::find_if(m.participants.begin(), m.participants.end(),
                        [&](const Participant& x) { return x.id == id; });
  };
  PairFacts facts;
  facts.industry = f.industry;
  facts.seller = region(f.region)->ref;
  facts.buyer = region(p.region)->ref;
  facts.same_group = f.owner == p.owner ||
                     (!owner(f.owner)->group.empty() && owner(f.owner)->group == owner(p.owner)->group);
  facts.merger_capacity = f.merger_capacity;
  return facts;
}

std::size_t region_index(const Market& m, std::uint32_t code) {
  for (std::size_t r = 0; r < m.regions.size(); ++r) {
    if (m.regions[r].ref.code == code) return r;
  }
  return m.regions.size();
}

// A random answer to pending proposal `b` at `ts`: mostly an acceptance by its counterparty with one
// of the counterparty's own accounts of the other side (sometimes any account), else a decline or a
// withdrawal (sometimes by the wrong participant, which must be refused).
Command answer(const Market& m, const BlockProposal& b, crix::test::Rng& rng, Timestamp ts) {
  Command c;
  c.ts = ts;
  c.id = b.id;
  c.participant = b.counterparty;
  const std::uint64_t roll = rng.below(10);
  if (roll == 0) {
    c.type = CommandType::kBlockDecline;
  } else if (roll == 1) {
    c.type = CommandType::kBlockWithdraw;
    c.participant = b.proposer;
  } else {
    c.type = CommandType::kBlockAccept;
    const std::string& who = m.participants[b.counterparty.v].id;
    std::vector<std::uint64_t> own;
    if (b.side == Side::kSell) {
      for (std::size_t p = 0; p < m.projects.size(); ++p) {
        if (m.projects[p].owner == who) own.push_back(p);
      }
    } else {
      for (std::size_t f = 0; f < m.facilities.size(); ++f) {
        if (m.facilities[f].owner == who) own.push_back(f);
      }
    }
    const std::size_t n = b.side == Side::kSell ? m.projects.size() : m.facilities.size();
    c.account = AccountId(!own.empty() && rng.below(8) != 0 ? own[rng.below(own.size())] : rng.below(n));
  }
  if (rng.below(30) == 0) c.participant = ParticipantId(static_cast<std::uint32_t>(rng.below(m.participants.size())));
  return c;
}

std::size_t of_block_ended(const EventSink& sink) {
  return static_cast<std::size_t>(std::count_if(sink.begin(), sink.end(),
                                                [](const Event& e) { return e.type == EventType::kBlockEnded; }));
}

}  // namespace

TEST_CASE("property: random registries and streams never break a market rule", "[exchange][property]") {
  std::uint64_t total_fills = 0;
  std::uint64_t total_commands = 0;
  std::uint64_t need_covered = 0;  // remainders canceled after a fill at a ratio below the highest
  std::uint64_t spent = 0;         // remainders canceled because they could credit nothing
  std::uint64_t credits_nothing = 0;
  std::uint64_t block_fills = 0;
  std::uint64_t blocks_ended = 0;
  std::uint64_t auction_fills = 0;
  std::uint64_t auctions_ended = 0;
  const std::uint64_t seeds = crix::test::scaled<std::uint64_t>(60, 20);
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    crix::test::Rng rng{seed};
    const Market market = random_market(rng);
    Exchange x(market);
    crix::tools::MarketStreamSettings ms;
    ms.seed = seed;
    // 09:20 local on Tuesday 2026-12-01 (01:20 UTC); one command every 1..3 s: about 6.7 hours, from
    // pre-open through both sessions, the break and the close; then the next morning.
    ms.start = Timestamp((std::int64_t{days_from_civil(Date{2026, 12, 1})} * 86400 + 1 * 3600 + 20 * 60) *
                         1'000'000'000);
    ms.step_ns = 1'000'000'000;
    ms.jitter_ns = 2'000'000'000;
    ms.operator_permille = 4;
    ms.max_lots = 20;
    std::optional<crix::tools::MarketStream> stream;
    try {
      stream.emplace(market, ms);
    } catch (const std::invalid_argument&) {
      continue;  // nobody in this registry may trade at all
    }
    std::vector<std::int64_t> sold(market.facilities.size(), 0);
    std::vector<std::int64_t> credited(market.projects.size(), 0);
    std::vector<std::int64_t> region_total(market.regions.size() * kIndustries, 0);
    for (std::size_t r = 0; r < market.regions.size(); ++r) {
      for (std::size_t k = 0; k < kIndustries; ++k) region_total[r * kIndustries + k] = market.regions[r].capacity[k];
    }
    EventSink sink;
    for (int i = 0; i < 12000; ++i) {
      Command c = stream->next();
      if (i == 9000) c.ts = Timestamp(c.ts.v + 18LL * 3600 * 1'000'000'000);  // jump to the next morning
      // Auctions: announced now and then for a window of 5 to 60 minutes from now, canceled rarely,
      // and bids (some refused: off the grid, below the reserve, raises that lower) in place of buys.
      std::vector<std::uint32_t> open_auctions;  // of the command's instrument, mostly
      for (std::uint32_t a = 0; a < x.auctions().size(); ++a) {
        if (x.auctions()[a].state == AuctionState::kAnnounced &&
            (market.auctions[a].instrument == market.instruments[c.instrument.v % market.instruments.size()].code ||
             rng.below(10) == 0)) {
          open_auctions.push_back(a);
        }
      }
      if (!market.auctions.empty() && rng.below(300) == 0) {
        const Timestamp now = c.ts;
        c = Command{};
        c.type = rng.below(6) == 0 ? CommandType::kAuctionCancel : CommandType::kAuctionAnnounce;
        c.id = OrderId(rng.below(market.auctions.size()));
        c.ts = now;
        c.price = Price(now.v + static_cast<std::int64_t>(rng.below(3)) * 60'000'000'000);
        c.expire_at = Timestamp(now.v + static_cast<std::int64_t>(5 + rng.below(56)) * 60'000'000'000);
      } else if (c.type == CommandType::kNew && c.side == Side::kBuy && !open_auctions.empty() && rng.below(2) == 0) {
        const std::uint32_t a = open_auctions[rng.below(open_auctions.size())];
        const AuctionTerms& t = market.auctions[a];
        c.type = CommandType::kAuctionBid;
        c.expire_at = Timestamp(a);
        c.price = Price(t.reserve_price + t.increment * static_cast<std::int64_t>(rng.below(8)) -
                        (rng.below(20) == 0 ? 1 : 0));
        c.qty = Qty(std::min(t.qty, c.qty.v * static_cast<std::int64_t>(1 + rng.below(rng.below(4) == 0 ? 40 : 3))));
        std::vector<std::uint64_t> buyers;  // projects of the lot's product
        const Instrument& lot_ins = *std::find_if(market.instruments.begin(), market.instruments.end(),
                                                  [&](const Instrument& ins) { return ins.code == t.instrument; });
        for (std::uint64_t j = 0; j < market.projects.size(); ++j) {
          const Project& proj = market.projects[j];
          if (proj.industry == lot_ins.industry && (proj.instrument.empty() || proj.instrument == t.instrument)) {
            buyers.push_back(j);
          }
        }
        if (!buyers.empty() && rng.below(3) != 0) {
          // Most bids from a project of the lot's product, for a part of its need, or a raise of its bid.
          const std::uint64_t j = buyers[rng.below(buyers.size())];
          const Project& proj = market.projects[j];
          c.account = AccountId(j);
          c.participant = ParticipantId(*x.participant_index(proj.owner));
          const std::int64_t lot = lot_ins.lot;
          c.qty = rng.below(3) == 0 ? Qty(t.qty)  // all of it: a whole lot needs one such bid
                                    : Qty(std::min(t.qty, std::max(lot, proj.new_capacity * static_cast<std::int64_t>(1 + rng.below(5)) / 10 / lot * lot)));
          for (const AuctionBidEntry& b : x.auctions()[a].bids) {
            if (b.project.v != j) continue;
            c.price = Price(b.price.v + t.increment * static_cast<std::int64_t>(rng.below(3)));
            c.qty = Qty(std::min(t.qty, b.qty.v + lot * static_cast<std::int64_t>(rng.below(2))));
          }
        }
      } else if (c.type == CommandType::kNew && rng.below(20) == 0) {
        c.type = CommandType::kBlockPropose;
        c.expire_at = Timestamp(static_cast<std::int64_t>(rng.below(market.participants.size())));
        c.qty = Qty(c.qty.v * static_cast<std::int64_t>(1 + rng.below(4)));
      } else if (!x.blocks().empty() && rng.below(8) == 0) {
        c = answer(market, x.blocks()[rng.below(x.blocks().size())], rng, c.ts);
      }
      sink.clear();
      x.apply(c, sink);
      ++total_commands;
      INFO("seed " << seed << " command " << i << " (" << to_string(c.type) << ")");
      // The exchange's own invariants (O(book)): after every command that traded or changed the
      // market's state, and every eighth command besides.
      const bool traded = std::any_of(sink.begin(), sink.end(), [](const Event& e) {
        return e.type == EventType::kFill || e.type == EventType::kDayClosed ||
               e.type == EventType::kParticipantState || e.type == EventType::kInstrumentState ||
               e.type == EventType::kBlockProposed || e.type == EventType::kBlockEnded ||
               e.type == EventType::kAuctionAnnounced || e.type == EventType::kAuctionBid ||
               e.type == EventType::kAuctionBidEnded || e.type == EventType::kAuctionEnded;
      });
      if (traded || i % 8 == 0) REQUIRE(x.check_invariants().empty());
      for (std::uint32_t p = 0; p < x.market().projects.size(); ++p) {
        INFO("project " << x.market().projects[p].id);
        REQUIRE(x.project_credited(p) + x.project_reserved(p) <= x.market().projects[p].new_capacity);
      }
      for (const Event& e : sink) {
        if (e.type == EventType::kCanceled && e.reason == CancelReason::kNeedCovered) ++need_covered;
        if (e.type == EventType::kCanceled && e.reason == CancelReason::kCreditsNothing) ++spent;
        if (e.type == EventType::kRejected && e.code == RejectCode::kCreditsNothing) ++credits_nothing;
        if (e.type == EventType::kBlockEnded) ++blocks_ended;
        if (e.type == EventType::kAuctionEnded) ++auctions_ended;
        if (e.type != EventType::kFill) continue;
        ++total_fills;
        if (e.mode == TradeMode::kBlock) ++block_fills;
        if (e.mode == TradeMode::kAuction) {
          ++auction_fills;
          // From the lot's facilities, at no less than the reserve, on the grid.
          const AuctionTerms& t = market.auctions.at(e.count);
          CHECK(std::find(t.facilities.begin(), t.facilities.end(), market.facilities[e.maker_account.v].id) !=
                t.facilities.end());
          CHECK(e.price.v >= t.reserve_price);
          CHECK((e.price.v - t.reserve_price) % t.increment == 0);
        }
        const bool taker_buys = e.side == Side::kBuy;
        const std::uint64_t f = (taker_buys ? e.maker_account : e.account).v;
        const std::uint64_t p = (taker_buys ? e.account : e.maker_account).v;
        REQUIRE(f < market.facilities.size());
        REQUIRE(p < market.projects.size());
        const Facility& fac = market.facilities[f];
        const Project& proj = market.projects[p];
        const PairFacts facts = facts_of(market, fac, proj);
        const RatioChoice ratio = market.ratios.choose(facts);
        const std::size_t into = region_index(market, proj.region);
        const std::size_t from = region_index(market, fac.region);
        INFO("fill " << e.trade_id.v << ": " << fac.id << " -> " << proj.id << " qty " << e.qty.v);
        REQUIRE(ratio.rule != nullptr);
        CHECK(e.arg2 == ratio.ratio_permille);
        CHECK(e.arg1 == e.qty.v * 1000 / ratio.ratio_permille);
        CHECK(e.arg1 >= 1);  // retired capacity always credits new capacity
        CHECK(market.transfers.decide(facts, market.regions[into].province_over_target).allowed);
        CHECK(fac.industry == proj.industry);
        CHECK(fac.industry == market.instruments[e.instrument.v].industry);
        const std::string& traded_on = market.instruments[e.instrument.v].code;
        CHECK((fac.instrument.empty() || fac.instrument == traded_on));
        CHECK((proj.instrument.empty() || proj.instrument == traded_on));
        CHECK(fac.owner != proj.owner);
        const auto local_day = static_cast<std::int32_t>((c.ts.v / 1'000'000'000 + 8 * 3600) / 86400);
        CHECK(ineligibility(fac, market.idle_years_limit, local_day) == Ineligibility::kNone);
        sold[f] += e.qty.v;
        credited[p] += e.arg1;
        CHECK(sold[f] <= fac.capacity);
        CHECK(credited[p] <= proj.new_capacity);
        const std::size_t k = static_cast<std::size_t>(fac.industry);
        region_total[into * kIndustries + k] += e.arg1;
        region_total[from * kIndustries + k] -= e.qty.v;
        if (market.regions[into].cap[k]) CHECK(region_total[into * kIndustries + k] <= *market.regions[into].cap[k]);
      }
    }
    // The exchange's own books agree with the totals kept here.
    for (std::size_t f = 0; f < sold.size(); ++f) CHECK(x.facility_sold(static_cast<std::uint32_t>(f)) == sold[f]);
    for (std::size_t p = 0; p < credited.size(); ++p) {
      CHECK(x.project_credited(static_cast<std::uint32_t>(p)) == credited[p]);
    }
    // Cancel everything: reservations return to zero and the book is empty.
    for (std::uint32_t a = 0; a < x.auctions().size(); ++a) {
      if (x.auctions()[a].state != AuctionState::kAnnounced) continue;
      Command c;
      c.type = CommandType::kAuctionCancel;
      c.id = OrderId(a);
      c.ts = Timestamp(ms.start.v + 40LL * 3600 * 1'000'000'000);
      sink.clear();
      x.apply(c, sink);
      REQUIRE(x.auctions()[a].state != AuctionState::kAnnounced);
    }
    while (!x.blocks().empty()) {
      Command c;
      c.type = CommandType::kBlockWithdraw;
      c.id = x.blocks().front().id;
      c.participant = x.blocks().front().proposer;
      c.ts = Timestamp(ms.start.v + 40LL * 3600 * 1'000'000'000);
      sink.clear();
      x.apply(c, sink);
      REQUIRE(of_block_ended(sink) == 1);
    }
    for (std::uint32_t p = 0; p < market.participants.size(); ++p) {
      Command c;
      c.type = CommandType::kMassCancel;
      c.instrument = kAllInstruments;
      c.participant = ParticipantId(p);
      c.ts = Timestamp(ms.start.v + 40LL * 3600 * 1'000'000'000);
      sink.clear();
      x.apply(c, sink);
    }
    CHECK(x.book().orders_in_use() == 0);
    for (std::uint32_t f = 0; f < market.facilities.size(); ++f) CHECK(x.facility_reserved(f) == 0);
    for (std::uint32_t p = 0; p < market.projects.size(); ++p) CHECK(x.project_reserved(p) == 0);
    REQUIRE(x.check_invariants().empty());
  }
  // The streams must actually trade, or the checks above proved nothing.
  // Floors for 60 seeds and for the first 20 (the sanitizers'; those see 10 auction fills).
  CHECK(total_commands > crix::test::scaled<std::uint64_t>(500'000, 160'000));
  CHECK(total_fills > crix::test::scaled<std::uint64_t>(5'000, 1'500));
  CHECK(need_covered > 0);
  CHECK(spent > 0);
  CHECK(credits_nothing > 0);
  CHECK(block_fills > crix::test::scaled<std::uint64_t>(100, 30));
  CHECK(blocks_ended > crix::test::scaled<std::uint64_t>(100, 30));
  CHECK(auction_fills > crix::test::scaled<std::uint64_t>(50, 5));
  CHECK(auctions_ended > crix::test::scaled<std::uint64_t>(50, 30));
  std::printf("property: %llu commands, %llu fills (%llu of blocks, %llu of auctions), %llu remainders canceled "
              "(need covered), %llu (credit nothing), %llu buys that credit nothing refused, %llu proposals ended "
              "unaccepted, %llu auctions ended\n",
              static_cast<unsigned long long>(total_commands), static_cast<unsigned long long>(total_fills),
              static_cast<unsigned long long>(block_fills), static_cast<unsigned long long>(auction_fills),
              static_cast<unsigned long long>(need_covered), static_cast<unsigned long long>(spent),
              static_cast<unsigned long long>(credits_nothing), static_cast<unsigned long long>(blocks_ended),
              static_cast<unsigned long long>(auctions_ended));
}

TEST_CASE("utc_time agrees with the C library's gmtime_r to the millisecond, before 1970 as after", "[calendar]") {
  crix::test::Rng rng{20261208};
  constexpr std::int64_t kNsPerSecond = 1'000'000'000;
  for (int i = 0; i < 200'000; ++i) {
    // 1900 to 2100, and the edges of a second and of a day now and then.
    std::int64_t ns = rng.range(-2'208'988'800 * kNsPerSecond, 4'102'444'800 * kNsPerSecond);
    if (rng.chance(10)) ns = ns / (86'400 * kNsPerSecond) * (86'400 * kNsPerSecond) - static_cast<std::int64_t>(rng.below(3));
    const std::int64_t floor_seconds = ns / kNsPerSecond - (ns % kNsPerSecond < 0 ? 1 : 0);
    const std::time_t seconds = static_cast<std::time_t>(floor_seconds);
    std::tm tm{};
    REQUIRE(gmtime_r(&seconds, &tm) != nullptr);
    const UtcTime t = utc_time(ns);
    INFO("ns " << ns);
    CHECK(t.date.year == tm.tm_year + 1900);
    CHECK(t.date.month == tm.tm_mon + 1);
    CHECK(t.date.day == tm.tm_mday);
    CHECK(t.hour == tm.tm_hour);
    CHECK(t.minute == tm.tm_min);
    CHECK(t.second == tm.tm_sec);
    CHECK(t.millis == static_cast<int>((ns - floor_seconds * kNsPerSecond) / 1'000'000));
  }
}
