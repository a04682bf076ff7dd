// One-way bidding auctions (单向竞价) in a real Exchange on the sample market: one scenario per rule of
// exchange.hpp's "Auctions"; the fixture checks every invariant (the lot's and the bids' reservations
// included) after each command.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/exchange_fixture.hpp"

using namespace crix::engine;
using namespace crix::test::exchange_fixture;

namespace {

// Tuesday's window: bids from 10:00 to 11:00 local time.
const Timestamp kOpens = at(kTuesday, 10, 0);
const Timestamp kCloses = at(kTuesday, 11, 0);

// The sample with Hebei's 450 m3 furnace auctioned: 500,000 t, reserve 550 yuan, 5 yuan steps, and
// two more ironmaking projects: one in Tianjin (of SD-JINAN-STEEL, so two Tianjin projects of two
// owners can bid) and one in Jinan.
Market with_auction(AuctionPricing pricing = AuctionPricing::kPayAsBid, bool whole = false) {
  Market mk = sample();
  mk.auctions.clear();  // the sample's own (AU-HB-450, uniform) is replaced by the test's terms
  AuctionTerms a;
  a.id = "AU-HB-450";
  a.instrument = "STEEL-IRON";
  a.facilities = {"HB-BF-450"};
  a.qty = 500000;
  a.whole = whole;
  a.reserve_price = 55000;
  a.increment = 500;
  a.pricing = pricing;
  mk.auctions.push_back(a);
  Project p;
  p.id = "TJ-NEW-BF-900";
  p.owner = "SD-JINAN-STEEL";
  p.industry = Industry::kSteel;
  p.region = 120000;
  p.new_capacity = 600000;
  p.approval_ref = "test";
  p.instrument = "STEEL-IRON";
  mk.projects.push_back(p);
  return mk;
}

struct Auction : Market_ {
  explicit Auction(Market mk = with_auction()) : Market_(std::move(mk)) {}
  std::uint32_t hb450() const { return facility("HB-BF-450"); }
  // Announces auction 0 for Tuesday's window and moves the clock into it.
  void open() {
    now = at(kTuesday, 9, 45);
    REQUIRE(of_type(announce(0, kOpens, kCloses), EventType::kAuctionAnnounced).size() == 1);
    now = at(kTuesday, 10, 5);
  }
  // The first command at or after the window's end ends it: a clock tick.
  std::vector<Event> tick(Timestamp t) {
    now = t;
    Command c;
    c.type = CommandType::kAdvanceTime;
    return apply(c);
  }
  std::vector<Event> end() { return tick(kCloses); }
};

bool bid_taken(const std::vector<Event>& events) { return of_type(events, EventType::kAuctionBid).size() == 1; }

}  // namespace

TEST_CASE("an auction reserves its lot at the announcement and sells it to the best bids at the window's end",
          "[auction]") {
  Auction m;
  const std::uint32_t f = m.hb450();
  m.now = at(kTuesday, 9, 45);
  const std::vector<Event> ann = of_type(m.announce(0, kOpens, kCloses), EventType::kAuctionAnnounced);
  REQUIRE(ann.size() == 1);
  CHECK(ann[0].type == EventType::kAuctionAnnounced);
  CHECK(ann[0].count == 0);
  CHECK(ann[0].participant.v == m.participant("HB-TANGSHAN-IRON"));
  CHECK(m.x.describe(ann[0]) ==
        "auction AU-HB-450 (STEEL-IRON): announced by the exchange for HB-TANGSHAN-IRON: 500000 t, reserve 550.00 "
        "yuan per t");
  CHECK(m.x.facility_reserved(f) == 500000);
  CHECK(m.x.auctions()[0].state == AuctionState::kAnnounced);
  // The seller cannot sell the lot elsewhere while the auction is open: 50,000 t are left.
  CHECK(rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 60000, 58000)).code ==
        RejectCode::kFacilityCapacity);
  // Bids before the window opens are refused.
  const Rejection early = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000));
  CHECK(early.code == RejectCode::kAuctionNotOpen);
  CHECK(early.text == "the auction is announced: its bidding window has not opened yet");

  m.now = at(kTuesday, 10, 5);
  const std::uint32_t tj = m.project("TJ-NEW-BF-2500");
  const std::uint32_t sc = m.project("SC-PZH-BF-1750");
  const std::vector<Event> b1 = m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000);  // id 3 (1 and 2 were refused)
  REQUIRE(bid_taken(b1));
  CHECK(m.x.describe(b1[0]) ==
        "auction AU-HB-450 (STEEL-IRON): TJ-BOHAI-STEEL bids 600.00 yuan per t for 300000 t for project "
        "TJ-NEW-BF-2500 (Tianjin)");
  // A bid reserves the project's need like a buy order: at the highest ratio of its pairs (1.5:1).
  CHECK(m.x.project_reserved(tj) == 200000);
  REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 400000, 57000)));  // id 4
  REQUIRE(bid_taken(m.bid("SD-JINAN-STEEL", 0, "TJ-NEW-BF-900", 100000, 55000)));        // id 5
  // The ranking bidders see: price, then time.
  const std::vector<AuctionBidEntry> rank = m.x.auction_ranking(0);
  REQUIRE(rank.size() == 3);
  CHECK(rank[0].price.v == 60000);
  CHECK(rank[1].price.v == 57000);
  CHECK(rank[2].price.v == 55000);

  // Before the end, nothing trades.
  CHECK(of_type(m.tick(at(kTuesday, 10, 59, 59)), EventType::kFill).empty());
  const std::vector<Event> ev = m.end();
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].mode == TradeMode::kAuction);
  CHECK(fills[0].order_id.v == 3);
  CHECK(fills[0].account.v == tj);
  CHECK(fills[0].maker_account.v == f);
  CHECK(fills[0].qty.v == 300000);
  CHECK(fills[0].price.v == 60000);  // pay-as-bid
  CHECK(fills[0].arg1 == 200000);    // credit at 1.5:1
  CHECK(fills[0].arg2 == 1500);
  CHECK(fills[1].order_id.v == 4);
  CHECK(fills[1].account.v == sc);
  CHECK(fills[1].qty.v == 200000);  // the rest of the lot
  CHECK(fills[1].price.v == 57000);
  CHECK(fills[1].maker_leaves.v == 0);
  CHECK(m.x.describe(fills[0]).rfind("auction trade 1: 300000 t of STEEL-IRON at 600.00 yuan per t", 0) == 0);
  // The losers' and the cut bid's rests are released, then the auction ends.
  const std::vector<Event> ended = of_type(ev, EventType::kAuctionBidEnded);
  REQUIRE(ended.size() == 2);
  CHECK(ended[0].order_id.v == 4);
  CHECK(ended[0].qty.v == 200000);
  CHECK(ended[0].leaves.v == 200000);
  CHECK(ended[1].order_id.v == 5);
  CHECK(ended[1].qty.v == 0);
  CHECK(ended[1].reason == CancelReason::kAuctionLost);
  const std::vector<Event> done = of_type(ev, EventType::kAuctionEnded);
  REQUIRE(done.size() == 1);
  CHECK(done[0].qty.v == 500000);
  CHECK(done[0].price.v == 57000);
  CHECK(m.x.describe(done[0]) ==
        "auction AU-HB-450 (STEEL-IRON): sold 500000 t of 500000 t to 2 bids, lowest winning price 570.00 yuan per t");
  CHECK(ev.back().type == EventType::kAuctionEnded);
  // Settled like any trade: sold, credited, elimination entry in publicity; every reservation gone.
  CHECK(m.x.facility_sold(f) == 500000);
  CHECK(m.x.facility_reserved(f) == 0);
  CHECK(m.x.project_credited(tj) == 200000);
  CHECK(m.x.project_credited(sc) == 160000);  // 200,000 t at 1.25:1
  CHECK(m.x.project_reserved(tj) == 0);
  CHECK(m.x.project_reserved(sc) == 0);
  CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-900")) == 0);
  CHECK(m.x.elimination_status(TradeId(1)) == EliminationStatus::kPublicised);
  CHECK(m.x.in_publicity(TradeId(2)));
  CHECK(m.x.auctions()[0].state == AuctionState::kSold);
  CHECK(m.x.auctions()[0].bids[0].won.v == 300000);
  // Bids after the end are refused; a sold lot is not announced again.
  CHECK(rejection(m, m.bid("SD-JINAN-STEEL", 0, "TJ-NEW-BF-900", 100000, 70000)).code == RejectCode::kAuctionNotOpen);
  const Rejection again = rejection(m, m.announce(0, at(kTuesday, 14, 0), at(kTuesday, 14, 30)));
  CHECK(again.code == RejectCode::kAuctionLot);
  CHECK(again.text == "the auction sold its lot: a lot is auctioned once");
}

TEST_CASE("a uniform-price auction charges every winner the lowest winning bid", "[auction]") {
  Auction m(with_auction(AuctionPricing::kUniform));
  m.open();
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000)));
  REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 150000, 57000)));
  const std::vector<Event> fills = of_type(m.end(), EventType::kFill);
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].price.v == 57000);
  CHECK(fills[1].price.v == 57000);
  // 50,000 t unsold go back to the facility.
  CHECK(m.x.facility_sold(m.hb450()) == 450000);
  CHECK(m.x.facility_reserved(m.hb450()) == 0);
  CHECK(m.x.auctions()[0].sold.v == 450000);
}

TEST_CASE("an auction bid is refused below the reserve, off the increment, above the lot, from the seller, "
          "for a project of another product, and outside its window",
          "[auction]") {
  Auction m;
  m.open();
  Rejection r = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 54500));
  CHECK(r.code == RejectCode::kBelowReserve);
  CHECK(r.text == "bid 545.00 yuan per t is below the auction's reserve price 550.00 yuan");
  r = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 55200));
  CHECK(r.code == RejectCode::kOffIncrement);
  CHECK(r.text == "bid 552.00 yuan per t is not the reserve price plus a whole number of increments of 5.00 yuan");
  r = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 500001, 55500));
  CHECK(r.code == RejectCode::kAuctionBidder);
  CHECK(r.text == "a bid for 500001 t is above the lot of 500000 t");
  r = rejection(m, m.bid("HB-TANGSHAN-IRON", 0, "TJ-NEW-BF-2500", 100000, 55500));
  CHECK(r.code == RejectCode::kSideNotAllowed);  // a seller-only participant
  r = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-CV-150", 100000, 55500));
  CHECK(r.code == RejectCode::kProjectWrongIndustry);  // steelmaking, not ironmaking
  r = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "SC-PZH-BF-1750", 100000, 55500));
  CHECK(r.code == RejectCode::kProjectNotOwned);
  r = rejection(m, m.bid("TJ-BOHAI-STEEL", 7, "TJ-NEW-BF-2500", 100000, 55500));
  CHECK(r.code == RejectCode::kUnknownAuction);
  // Its project's need is checked as a buy order's: 1,000,000 t at 1.5:1 bids at most 1,500,000 t; here
  // a bid for all of the lot fits, and takes the reservation.
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 500000, 55500)));
  CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-2500")) == 333333);
  // Nothing refused reserved anything.
  CHECK(m.x.project_reserved(m.project("SC-PZH-BF-1750")) == 0);
}

TEST_CASE("the seller of the lot may not bid on it", "[auction]") {
  Market mk = with_auction();
  // Hebei's ironworks may buy too, and has a project of its own in Tianjin.
  for (Participant& p : mk.participants) {
    if (p.id == "HB-TANGSHAN-IRON") p.may_buy = true;
  }
  for (Project& p : mk.projects) {
    if (p.id == "TJ-NEW-BF-900") p.owner = "HB-TANGSHAN-IRON";
  }
  Auction m(std::move(mk));
  m.open();
  const Rejection r = rejection(m, m.bid("HB-TANGSHAN-IRON", 0, "TJ-NEW-BF-900", 100000, 55500));
  CHECK(r.code == RejectCode::kAuctionBidder);
  CHECK(r.text == "HB-TANGSHAN-IRON sells this auction's lot and may not bid on it");
}

TEST_CASE("an auction bid may be raised, never lowered, and a raise takes the raise's time", "[auction]") {
  Auction m;
  m.open();
  const std::uint32_t tj = m.project("TJ-NEW-BF-2500");
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 56000)));  // id 1
  REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 500000, 57000)));  // id 2
  Rejection r = rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 55500));
  CHECK(r.code == RejectCode::kBidNotRaised);
  CHECK(r.text == "project TJ-NEW-BF-2500 (Tianjin) already bids 560.00 yuan per t for 300000 t: a bid may be raised "
                  "(a higher price or a larger quantity, neither lower), never lowered or repeated");
  CHECK(rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 200000, 60000)).code == RejectCode::kBidNotRaised);
  CHECK(rejection(m, m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 56000)).code == RejectCode::kBidNotRaised);
  // Raised to the other bid's price: equal prices go by time, and the raise is later.
  const std::vector<Event> raise = m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 400000, 57000);  // id 6
  REQUIRE(bid_taken(raise));
  CHECK(raise[0].maker_id.v == 1);
  CHECK(m.x.project_reserved(tj) == 266666);  // re-reserved for 400,000 t at 1.5:1
  REQUIRE(m.x.auctions()[0].bids.size() == 2);
  CHECK(m.x.auctions()[0].bids[0].id.v == 6);
  const std::vector<Event> fills = of_type(m.end(), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].order_id.v == 2);  // the earlier bid at 570 yuan takes the whole lot
  CHECK(fills[0].qty.v == 500000);
  CHECK(m.x.project_reserved(tj) == 0);
}

TEST_CASE("a whole lot goes to one bid for all of it, or stays unsold and is released", "[auction]") {
  Auction m(with_auction(AuctionPricing::kPayAsBid, true));
  m.open();
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 400000, 70000)));
  REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 300000, 65000)));
  const std::vector<Event> ev = m.end();
  CHECK(of_type(ev, EventType::kFill).empty());
  CHECK(of_type(ev, EventType::kAuctionBidEnded).size() == 2);
  const std::vector<Event> done = of_type(ev, EventType::kAuctionEnded);
  REQUIRE(done.size() == 1);
  CHECK(done[0].qty.v == 0);
  CHECK(m.x.describe(done[0]) == "auction AU-HB-450 (STEEL-IRON): ended unsold: no bid the market's rules allowed");
  CHECK(m.x.auctions()[0].state == AuctionState::kUnsold);
  CHECK(m.x.facility_reserved(m.hb450()) == 0);
  CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-2500")) == 0);
  // An unsold lot may be announced again, with a new window and no bids.
  m.now = at(kTuesday, 13, 0);
  REQUIRE(of_type(m.announce(0, at(kTuesday, 13, 0), at(kTuesday, 14, 0)), EventType::kAuctionAnnounced).size() == 1);
  CHECK(m.x.auctions()[0].bids.empty());
  REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 500000, 55000)));
  const std::vector<Event> fills = of_type(m.tick(at(kTuesday, 14, 0)), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].qty.v == 500000);
}

TEST_CASE("an allocation skips a bid whose region cap an earlier allocation reached", "[auction]") {
  Market mk = with_auction();
  // Tianjin may grow by 300,000 t more: one Tianjin winner's credit (200,000 t) fits, two do not.
  for (Region& r : mk.regions) {
    if (r.ref.code == 120000) r.cap[static_cast<std::size_t>(Industry::kSteel)] = r.capacity[0] + 300000;
  }
  Auction m(std::move(mk));
  m.open();
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000)));
  REQUIRE(bid_taken(m.bid("SD-JINAN-STEEL", 0, "TJ-NEW-BF-900", 300000, 59000)));
  REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 500000, 56000)));
  const std::vector<Event> ev = m.end();
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].account.v == m.project("TJ-NEW-BF-2500"));
  CHECK(fills[1].account.v == m.project("SC-PZH-BF-1750"));  // Tianjin's second bid skipped
  CHECK(fills[1].qty.v == 200000);
  const std::vector<Event> ended = of_type(ev, EventType::kAuctionBidEnded);
  REQUIRE(ended.size() == 2);
  CHECK(ended[0].account.v == m.project("TJ-NEW-BF-900"));
  CHECK(ended[0].qty.v == 0);
  CHECK(m.x.region_capacity(0, Industry::kSteel) <= *m.x.market().regions[0].cap[0]);
}

TEST_CASE("an auction's allocation is cut to the project's room at the pair's ratio", "[auction]") {
  // Shandong's converter offerable on ironmaking: its pair with Tianjin's furnace project is 1.25:1,
  // below the project's highest ratio (1.5:1, at which its bids reserve), so a fill credits more than
  // the bid reserved, and the project's room cuts it.
  Market mk = converter_on_any_steel();
  mk.auctions.clear();
  AuctionTerms a;
  a.id = "AU-SD-CV";
  a.instrument = "STEEL-IRON";
  a.facilities = {"SD-CV-120"};
  a.qty = 1000000;
  a.reserve_price = 55000;
  a.increment = 500;
  mk.auctions.push_back(a);
  for (Region& r : mk.regions) r.cap[static_cast<std::size_t>(Industry::kSteel)].reset();  // no cap in the way
  Auction m(std::move(mk));
  m.open();
  const std::uint32_t tj = m.project("TJ-NEW-BF-2500");
  // 333,333 t of the project's 1,000,000 t credited by a block trade: 666,667 t of room.
  REQUIRE(of_type(m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, "HB-BF-450", 500000, 58000, "TJ-BOHAI-STEEL"),
                  EventType::kBlockProposed).size() == 1);
  REQUIRE(of_type(m.accept("TJ-BOHAI-STEEL", 1, Side::kBuy, "TJ-NEW-BF-2500"), EventType::kFill).size() == 1);
  CHECK(m.x.project_credited(tj) == 333333);
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 1000000, 60000)));
  CHECK(m.x.project_reserved(tj) == 666666);
  const std::vector<Event> ev = m.end();
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg2 == 1250);
  CHECK(fills[0].arg1 == 666667);     // all the room
  CHECK(fills[0].qty.v == 833334);    // the least quantity that credits it
  CHECK(m.x.project_credited(tj) == 1000000);
  CHECK(m.x.project_reserved(tj) == 0);
  const std::vector<Event> ended = of_type(ev, EventType::kAuctionBidEnded);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].leaves.v == 166666);
  CHECK(m.x.facility_reserved(m.facility("SD-CV-120")) == 0);
  CHECK(m.x.facility_sold(m.facility("SD-CV-120")) == 833334);
}

TEST_CASE("an operator's cancel, the seller's suspension and a lot facility's amendment end an auction unsold",
          "[auction]") {
  SECTION("canceled by the operator, then announced again") {
    Auction m;
    m.open();
    REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000)));
    const std::vector<Event> ev = m.cancel_auction(0);
    REQUIRE(of_type(ev, EventType::kAuctionBidEnded).size() == 1);
    CHECK(of_type(ev, EventType::kAuctionBidEnded)[0].reason == CancelReason::kAuctionCanceled);
    const std::vector<Event> done = of_type(ev, EventType::kAuctionEnded);
    REQUIRE(done.size() == 1);
    CHECK(m.x.describe(done[0]) ==
          "auction AU-HB-450 (STEEL-IRON): ended unsold: the auction was canceled by the operator");
    CHECK(m.x.auctions()[0].state == AuctionState::kCanceled);
    CHECK(m.x.facility_reserved(m.hb450()) == 0);
    CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-2500")) == 0);
    const Rejection twice = rejection(m, m.cancel_auction(0));
    CHECK(twice.code == RejectCode::kAuctionLot);
    CHECK(twice.text == "the auction is not announced and open: there is nothing to cancel");
    // Nothing happens at the old window's end.
    CHECK(of_type(m.end(), EventType::kAuctionEnded).empty());
    m.now = at(kTuesday, 11, 30);
    CHECK(of_type(m.announce(0, at(kTuesday, 11, 30), at(kTuesday, 12, 0)), EventType::kAuctionAnnounced).size() == 1);
    const Rejection open = rejection(m, m.announce(0, at(kTuesday, 11, 30), at(kTuesday, 12, 0)));
    CHECK(open.text == "the auction is already announced and open: cancel it first to announce it again");
  }
  SECTION("the seller suspended") {
    Auction m;
    m.open();
    REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000)));
    const std::vector<Event> ev = m.op(CommandType::kSuspend, m.participant("HB-TANGSHAN-IRON"));
    const std::vector<Event> done = of_type(ev, EventType::kAuctionEnded);
    REQUIRE(done.size() == 1);
    CHECK(done[0].reason == CancelReason::kSuspended);
    CHECK(m.x.facility_reserved(m.hb450()) == 0);
  }
  SECTION("a bidder suspended: only its bid ends") {
    Auction m;
    m.open();
    REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 60000)));
    REQUIRE(bid_taken(m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 300000, 56000)));
    const std::vector<Event> ev = m.op(CommandType::kSuspend, m.participant("TJ-BOHAI-STEEL"));
    REQUIRE(of_type(ev, EventType::kAuctionBidEnded).size() == 1);
    CHECK(of_type(ev, EventType::kAuctionBidEnded)[0].reason == CancelReason::kSuspended);
    CHECK(of_type(ev, EventType::kAuctionEnded).empty());
    const std::vector<Event> fills = of_type(m.end(), EventType::kFill);
    REQUIRE(fills.size() == 1);
    CHECK(fills[0].account.v == m.project("SC-PZH-BF-1750"));
  }
  SECTION("a lot facility amended") {
    Auction m;
    m.open();
    Command amend;
    amend.type = CommandType::kAmendFacility;
    amend.account = AccountId(m.hb450());
    amend.id = OrderId(static_cast<std::uint64_t>(FacilityField::kCapacity));
    amend.qty = Qty(540000);
    const std::vector<Event> done = of_type(m.apply(amend), EventType::kAuctionEnded);
    REQUIRE(done.size() == 1);
    CHECK(done[0].reason == CancelReason::kRegistry);
    CHECK(m.x.facility_reserved(m.hb450()) == 0);
  }
}

TEST_CASE("an announcement is refused for a window that is over, a lot its facility cannot cover, and an "
          "indivisible facility that is not sold whole",
          "[auction]") {
  Auction m;
  m.now = at(kTuesday, 9, 45);
  Rejection r = rejection(m, m.announce(0, kCloses, kOpens));
  CHECK(r.code == RejectCode::kAuctionLot);
  CHECK(r.text == "the bidding window must end after it opens and after the announcement");
  CHECK(rejection(m, m.announce(0, at(kTuesday, 9, 0), at(kTuesday, 9, 30))).code == RejectCode::kAuctionLot);
  CHECK(rejection(m, m.announce(3, kOpens, kCloses)).code == RejectCode::kUnknownAuction);
  // 100,000 t of the furnace on the book: 450,000 t left for a lot of 500,000 t.
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 100000, 58000)));
  r = rejection(m, m.announce(0, kOpens, kCloses));
  CHECK(r.code == RejectCode::kAuctionLot);
  CHECK(r.text.rfind("the lot's facilities have less unsold, unreserved capacity than the lot takes", 0) == 0);
  CHECK(m.x.facility_reserved(m.hb450()) == 100000);

  Market mk = sample();
  mk.auctions.clear();
  AuctionTerms a;
  a.id = "AU-TJ-410";
  a.instrument = "STEEL-IRON";
  a.facilities = {"TJ-BF-410"};  // indivisible, 500,000 t
  a.qty = 400000;
  a.reserve_price = 55000;
  a.increment = 500;
  mk.auctions.push_back(a);
  Market_ whole(std::move(mk));
  whole.now = at(kTuesday, 9, 45);
  r = rejection(whole, whole.announce(0, kOpens, kCloses));
  CHECK(r.code == RejectCode::kAuctionLot);
  CHECK(r.text.find("is indivisible: the lot must take all its remaining capacity") != std::string::npos);
}

TEST_CASE("auction trades do not move the day's close or the reference price", "[auction]") {
  Auction m;
  m.open();
  const std::uint32_t iron = m.instrument("STEEL-IRON");
  REQUIRE(bid_taken(m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 70000)));
  REQUIRE(of_type(m.end(), EventType::kFill).size() == 1);
  const std::vector<Event> closed = of_type(m.tick(at(kWednesday, 9, 0)), EventType::kDayClosed);
  const auto iron_close = std::find_if(closed.begin(), closed.end(), [&](const Event& e) { return e.instrument.v == iron; });
  REQUIRE(iron_close != closed.end());
  CHECK(iron_close->price.v == 58000);  // the old reference: no book trade
  CHECK(iron_close->arg2 == 0);
  CHECK(m.x.reference_price(InstrumentId(iron)).v == 58000);
}

TEST_CASE("the same commands give the same auction result and state hash", "[auction]") {
  const auto run = [] {
    Auction m;
    m.open();
    m.bid("TJ-BOHAI-STEEL", 0, "TJ-NEW-BF-2500", 300000, 57000);
    m.bid("SC-PANZHIHUA-STEEL", 0, "SC-PZH-BF-1750", 300000, 57000);
    m.bid("SD-JINAN-STEEL", 0, "TJ-NEW-BF-900", 300000, 57000);
    std::vector<Event> ev = m.end();
    return std::make_pair(ev, m.x.state_hash());
  };
  const auto a = run();
  const auto b = run();
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  // Ties at one price go by time: the first two bids fill, the third gets nothing.
  const std::vector<Event> fills = of_type(a.first, EventType::kFill);
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].qty.v == 300000);
  CHECK(fills[1].qty.v == 200000);
}
