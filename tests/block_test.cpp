// Block trades (大宗协议) on the sample market: one scenario per rule of exchange.hpp's "Block trades",
// each driving a real Exchange and reading its events, its sentences and its accounts; the fixture
// checks every invariant (reservations of open orders and pending proposals included) after each
// command.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/exchange_fixture.hpp"

using namespace crix::engine;
using namespace crix::test::exchange_fixture;

namespace {

constexpr Side kSell = Side::kSell;
constexpr Side kBuy = Side::kBuy;

std::vector<Event> ended(const std::vector<Event>& events) { return of_type(events, EventType::kBlockEnded); }
bool proposed(const std::vector<Event>& events) { return of_type(events, EventType::kBlockProposed).size() == 1; }

}  // namespace

TEST_CASE("a block proposed and accepted settles as one block trade at the pair's ratio", "[block]") {
  Market_ m;
  const std::uint32_t f = m.facility("HB-BF-450");
  const std::uint32_t p = m.project("TJ-NEW-BF-2500");
  // 700 yuan is outside the book's +-10% band (522 .. 638 yuan) and inside the block band (+-30%).
  const std::vector<Event> proposed = m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 300000, 70000,
                                                "TJ-BOHAI-STEEL");
  REQUIRE(of_type(proposed, EventType::kBlockProposed).size() == 1);
  const Event b = of_type(proposed, EventType::kBlockProposed)[0];
  CHECK(b.order_id.v == 1);
  CHECK(b.participant.v == m.participant("HB-TANGSHAN-IRON"));
  CHECK(b.maker_participant.v == m.participant("TJ-BOHAI-STEEL"));
  CHECK(m.x.describe(b) ==
        "block 1: HB-TANGSHAN-IRON sells 300000 t of STEEL-IRON at 700.00 yuan per t from facility HB-BF-450 (450 m3 "
        "blast furnace (ironmaking), Tangshan, Hebei) to TJ-BOHAI-STEEL: proposed, awaiting TJ-BOHAI-STEEL's answer "
        "until the close");
  CHECK(m.x.facility_reserved(f) == 300000);
  REQUIRE(m.x.blocks().size() == 1);
  // The reserved capacity is not offered twice, on the book or in another block.
  CHECK(rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 300000, 58000)).code ==
        RejectCode::kFacilityCapacity);

  const std::vector<Event> ev = m.accept("TJ-BOHAI-STEEL", 1, kBuy, "TJ-NEW-BF-2500");
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(ev.size() == 1);
  CHECK(fills[0].mode == TradeMode::kBlock);
  CHECK(fills[0].trade_id.v == 1);
  CHECK(fills[0].order_id.v == 1);
  CHECK(fills[0].maker_id.v == 1);
  CHECK(fills[0].side == kBuy);  // the acceptor's
  CHECK(fills[0].account.v == p);
  CHECK(fills[0].maker_account.v == f);
  CHECK(fills[0].price.v == 70000);
  CHECK(fills[0].qty.v == 300000);
  CHECK(fills[0].arg2 == 1500);    // Hebei to Tianjin, key region: 1.5:1
  CHECK(fills[0].arg1 == 200000);  // credited
  CHECK(m.x.describe(fills[0]).rfind("block trade 1: 300000 t of STEEL-IRON at 700.00 yuan per t from facility "
                                     "HB-BF-450",
                                     0) == 0);
  CHECK(m.x.facility_sold(f) == 300000);
  CHECK(m.x.facility_reserved(f) == 0);
  CHECK(m.x.project_credited(p) == 200000);
  CHECK(m.x.project_reserved(p) == 0);
  CHECK(m.x.region_capacity(0, Industry::kSteel) == 19200000 + 200000);
  CHECK(m.x.blocks().empty());
  // Accepted once: a second answer finds nothing.
  const Rejection again = rejection(m, m.accept("TJ-BOHAI-STEEL", 1, kBuy, "TJ-NEW-BF-2500"));
  CHECK(again.code == RejectCode::kUnknownBlock);
  CHECK(again.text == "no pending block proposal 1: it was never made, or it was accepted, declined, withdrawn or "
                      "ended at the close");
  // A block trade is revocable in its publicity period like any trade.
  CHECK(m.x.in_publicity(TradeId(1)));
}

TEST_CASE("a buyer proposes, reserving its project's need, and the seller accepts with its facility", "[block]") {
  Market_ m;
  const std::uint32_t p = m.project("TJ-NEW-BF-2500");
  REQUIRE(proposed(m.propose("TJ-BOHAI-STEEL", "STEEL-IRON", kBuy, "TJ-NEW-BF-2500", 450000, 50000,
                            "HB-TANGSHAN-IRON")));
  // Reserved at the project's highest ratio, as a buy order is.
  CHECK(m.x.project_reserved(p) == credited_capacity(450000, m.x.project_highest_ratio(p)));
  // The seller may not accept with a facility it does not own.
  const Rejection r = rejection(m, m.accept("HB-TANGSHAN-IRON", 1, kSell, "TJ-BF-410"));
  CHECK(r.code == RejectCode::kFacilityNotOwned);
  CHECK(m.x.blocks().size() == 1);  // a refused acceptance leaves the proposal pending
  const std::vector<Event> fills = of_type(m.accept("HB-TANGSHAN-IRON", 1, kSell, "HB-BF-450"), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].side == kSell);
  CHECK(fills[0].arg1 == 300000);  // 450000 t at 1.5:1
  CHECK(m.x.project_credited(p) == 300000);
  CHECK(m.x.project_reserved(p) == 0);
  CHECK(m.x.facility_sold(m.facility("HB-BF-450")) == 450000);
}

TEST_CASE("a block below the minimum or outside the block band is refused with the numbers", "[block]") {
  Market mk = sample();
  mk.instruments[0].block_min_qty = 100000;  // STEEL-IRON
  Market_ m(mk);
  Rejection r = rejection(m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 99999, 58000,
                                       "TJ-BOHAI-STEEL"));
  CHECK(r.code == RejectCode::kBelowBlockMin);
  CHECK(r.text == "a block trade of 99999 t is below STEEL-IRON's block minimum, 100000 t: trade smaller quantities "
                  "on the book");
  r = rejection(m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 75401, "TJ-BOHAI-STEEL"));
  CHECK(r.code == RejectCode::kOutsideBlockBand);
  CHECK(r.text == "price 754.01 yuan is outside STEEL-IRON's block trade band 406.00 yuan .. 754.00 yuan (+-30.0% "
                  "around the reference)");
  r = rejection(m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 40599, "TJ-BOHAI-STEEL"));
  CHECK(r.code == RejectCode::kOutsideBlockBand);
  CHECK(m.x.block_band_low(InstrumentId(0)).v == 40600);
  CHECK(m.x.block_band_high(InstrumentId(0)).v == 75400);
  // At the edges it is taken; nothing was reserved by the refusals.
  CHECK(proposed(m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 75400, "TJ-BOHAI-STEEL")));
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 100000);
}

TEST_CASE("the counterparty a proposal names must be another participant who may take the other side",
          "[block]") {
  Market_ m;
  Rejection r = rejection(
      m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 58000, "HB-TANGSHAN-IRON"));
  CHECK(r.code == RejectCode::kBlockCounterparty);
  CHECK(r.text == "HB-TANGSHAN-IRON names itself as the counterparty: a block trade is between two participants");
  Command unknown = m.proposal("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 58000, "TJ-BOHAI-STEEL");
  unknown.expire_at = Timestamp(9999);
  r = rejection(m, m.apply(unknown));
  CHECK(r.code == RejectCode::kBlockCounterparty);
  CHECK(r.text == "the counterparty participant #9999 is not a registered participant");
  // A seller-only participant may not be named to buy.
  r = rejection(m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 58000, "TJ-RONGCHENG"));
  CHECK(r.code == RejectCode::kBlockCounterparty);
  CHECK(r.text == "the counterparty TJ-RONGCHENG may not buy: it is registered as a seller only");
  m.op(CommandType::kSuspend, m.participant("TJ-BOHAI-STEEL"));
  r = rejection(m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 58000, "TJ-BOHAI-STEEL"));
  CHECK(r.code == RejectCode::kBlockCounterparty);
  CHECK(r.text == "the counterparty TJ-BOHAI-STEEL is suspended by the exchange and may not trade");
  CHECK(m.x.blocks().empty());
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 0);
}

TEST_CASE("only the counterparty answers a proposal and only the proposer withdraws it", "[block]") {
  Market_ m;
  REQUIRE(proposed(m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 200000, 58000, "TJ-BOHAI-STEEL")));
  Rejection r = rejection(m, m.accept("SD-JINAN-STEEL", 1, kBuy, "TJ-NEW-BF-2500"));
  CHECK(r.code == RejectCode::kNotBlockParty);
  CHECK(r.text == "block 1 names TJ-BOHAI-STEEL as its counterparty: only TJ-BOHAI-STEEL may accept or decline it, "
                  "not SD-JINAN-STEEL");
  r = rejection(m, m.answer(CommandType::kBlockWithdraw, "TJ-BOHAI-STEEL", 1));
  CHECK(r.code == RejectCode::kNotBlockParty);
  CHECK(r.text == "block 1 was proposed by HB-TANGSHAN-IRON: only HB-TANGSHAN-IRON may withdraw it, not "
                  "TJ-BOHAI-STEEL");
  r = rejection(m, m.answer(CommandType::kBlockDecline, "HB-TANGSHAN-IRON", 1));
  CHECK(r.code == RejectCode::kNotBlockParty);
  CHECK(m.x.blocks().size() == 1);

  SECTION("declined") {
    const std::vector<Event> e = ended(m.answer(CommandType::kBlockDecline, "TJ-BOHAI-STEEL", 1));
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == CancelReason::kDeclined);
    CHECK(m.x.describe(e[0]).find(": ended, declined by the counterparty") != std::string::npos);
  }
  SECTION("withdrawn") {
    const std::vector<Event> e = ended(m.answer(CommandType::kBlockWithdraw, "HB-TANGSHAN-IRON", 1));
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == CancelReason::kRequested);
    CHECK(m.x.describe(e[0]).find(": withdrawn by HB-TANGSHAN-IRON") != std::string::npos);
  }
  CHECK(m.x.blocks().empty());
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 0);
  CHECK(rejection(m, m.accept("TJ-BOHAI-STEEL", 1, kBuy, "TJ-NEW-BF-2500")).code == RejectCode::kUnknownBlock);
}

TEST_CASE("an unanswered proposal ends at the close and its reservation is released", "[block]") {
  Market_ m;
  REQUIRE(proposed(m.propose("TJ-BOHAI-STEEL", "STEEL-IRON", kBuy, "TJ-NEW-BF-2500", 150000, 58000,
                            "HB-TANGSHAN-IRON")));
  Command tick;
  tick.type = CommandType::kAdvanceTime;
  tick.ts = at(kTuesday, 15, 0, 1);
  const std::vector<Event> e = ended(m.apply(tick));
  REQUIRE(e.size() == 1);
  CHECK(e[0].reason == CancelReason::kBlockExpired);
  CHECK(m.x.describe(e[0]).find(": ended, unanswered at the day's close") != std::string::npos);
  CHECK(m.x.blocks().empty());
  CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-2500")) == 0);
}

TEST_CASE("proposals and acceptances are taken in continuous trading only, answers at any time", "[block]") {
  Market_ m;
  REQUIRE(proposed(m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 200000, 58000, "TJ-BOHAI-STEEL")));
  m.now = at(kTuesday, 12, 0);  // the midday break
  CHECK(rejection(m, m.accept("TJ-BOHAI-STEEL", 1, kBuy, "TJ-NEW-BF-2500")).code == RejectCode::kSessionClosed);
  CHECK(rejection(m, m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 100000, 58000,
                               "TJ-BOHAI-STEEL"))
            .code == RejectCode::kSessionClosed);
  CHECK(ended(m.answer(CommandType::kBlockWithdraw, "HB-TANGSHAN-IRON", 1)).size() == 1);
}

TEST_CASE("an indivisible facility is proposed whole, and sells by block above the listed maximum", "[block]") {
  Market mk = sample();
  mk.instruments[0].listed_max_qty = 300000;  // STEEL-IRON: TJ-BF-410's 500000 t may not go on the book
  Market_ m(mk);
  CHECK(rejection(m, m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 58000, kAon)).code ==
        RejectCode::kAboveListedMax);
  Rejection r = rejection(
      m, m.propose("TJ-RONGCHENG", "STEEL-IRON", kSell, "TJ-BF-410", 300000, 58000, "TJ-BOHAI-STEEL"));
  CHECK(r.code == RejectCode::kFacilityIndivisible);
  CHECK(r.text == "facility TJ-BF-410 (410 m3 blast furnace (ironmaking), Tianjin) is indivisible: a block trade of "
                  "it is for its whole remaining 500000 t");
  REQUIRE(proposed(m.propose("TJ-RONGCHENG", "STEEL-IRON", kSell, "TJ-BF-410", 500000, 58000, "TJ-BOHAI-STEEL")));
  const std::vector<Event> fills = of_type(m.accept("TJ-BOHAI-STEEL", 3, kBuy, "TJ-NEW-BF-2500"), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].qty.v == 500000);
  CHECK(m.x.facility_sold(m.facility("TJ-BF-410")) == 500000);
}

TEST_CASE("an accepted block that breaks a pair rule is refused whole, naming the rule", "[block]") {
  SECTION("the buyer region's cap") {
    Market_ m(converter_on_any_steel());
    // Tianjin has room for 800000 t of credited steel capacity; merger capacity into a key region
    // replaces at 1.25:1, so 1200000 t would credit 960000 t.
    REQUIRE(proposed(m.propose("SD-JINAN-STEEL", "STEEL-IRON", kSell, "SD-CV-120", 1200000, 58000,
                              "TJ-BOHAI-STEEL")));
    const Rejection r = rejection(m, m.accept("TJ-BOHAI-STEEL", 1, kBuy, "TJ-NEW-BF-2500"));
    CHECK(r.code == RejectCode::kBlockPairRefused);
    CHECK(r.text == "block 1 may not settle with project TJ-NEW-BF-2500 (Tianjin): the buyer's region may grow by "
                    "800000 t more under its capacity cap; the block would credit more");
    CHECK(m.x.blocks().size() == 1);
    CHECK(m.x.region_capacity(0, Industry::kSteel) == 19200000);
  }
  SECTION("the project's need") {
    Market_ m(converter_on_any_steel());
    // TJ-NEW-BF-2500 needs 1,000,000 t: 550,000 t bought on the book at 1.5:1 credit 366,666 t and
    // leave room for 633,334 t; 1,000,000 t of merger capacity at 1.25:1 would credit 800,000 t.
    REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 550000, 58000)));
    REQUIRE(of_type(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 550000, 58000), EventType::kFill).size() ==
            1);
    REQUIRE(m.x.project_credited(m.project("TJ-NEW-BF-2500")) == 366666);
    REQUIRE(proposed(m.propose("SD-JINAN-STEEL", "STEEL-IRON", kSell, "SD-CV-120", 1000000, 58000, "TJ-BOHAI-STEEL")));
    const Rejection r = rejection(m, m.accept("TJ-BOHAI-STEEL", 3, kBuy, "TJ-NEW-BF-2500"));
    CHECK(r.code == RejectCode::kBlockPairRefused);
    CHECK(r.text == "block 3 may not settle with project TJ-NEW-BF-2500 (Tianjin): the project may take 633334 t "
                    "more credit beside its credit and its open orders' reservations; the block would credit more");
    CHECK(m.x.project_credited(m.project("TJ-NEW-BF-2500")) == 366666);
  }
  SECTION("the transfer rules") {
    Market_ m(clinker_key_region());
    REQUIRE(proposed(m.propose("HB-JIDONG-CEMENT", "CEMENT-CLINKER", kSell, "HB-CL-4000", 100000, 30000,
                              "TJ-JINTAI-CEMENT")));
    const Rejection r = rejection(m, m.accept("TJ-JINTAI-CEMENT", 1, kBuy, "TJ-NEW-CL-5000"));
    CHECK(r.code == RejectCode::kBlockPairRefused);
    CHECK(r.text.find(": the transfer rules or the ratio rules of 2021 rules forbid the pair") != std::string::npos);
  }
}

TEST_CASE("block trades do not move the close, the reference or the book's day volume", "[block]") {
  Market_ m;
  const InstrumentId iron(m.instrument("STEEL-IRON"));
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 57000)));
  REQUIRE(of_type(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 57000), EventType::kFill).size() == 1);
  REQUIRE(proposed(m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 300000, 75000, "TJ-BOHAI-STEEL")));
  REQUIRE(of_type(m.accept("TJ-BOHAI-STEEL", 3, kBuy, "TJ-NEW-BF-2500"), EventType::kFill).size() == 1);
  Command tick;
  tick.type = CommandType::kAdvanceTime;
  tick.ts = at(kTuesday, 15, 0, 1);
  const std::vector<Event> closes = of_type(m.apply(tick), EventType::kDayClosed);
  REQUIRE(closes.size() == 5);
  CHECK(closes[iron.v].price.v == 57000);  // the book's one trade, not the block's 750 yuan
  CHECK(closes[iron.v].qty.v == 1000);
  CHECK(closes[iron.v].arg2 == 1);
  CHECK(m.x.reference_price(iron).v == 57000);
}

TEST_CASE("suspending a party or amending its account ends its proposals", "[block]") {
  Market_ m;
  REQUIRE(proposed(m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 200000, 58000, "TJ-BOHAI-STEEL")));
  REQUIRE(proposed(m.propose("TJ-BOHAI-STEEL", "STEEL-IRON", kBuy, "TJ-NEW-BF-2500", 150000, 58000,
                            "HB-TANGSHAN-IRON")));
  SECTION("the counterparty of one and proposer of the other is suspended") {
    const std::vector<Event> e = ended(m.op(CommandType::kSuspend, m.participant("TJ-BOHAI-STEEL")));
    REQUIRE(e.size() == 2);
    CHECK(e[0].reason == CancelReason::kSuspended);
    CHECK(e[1].reason == CancelReason::kSuspended);
  }
  SECTION("the facility's capacity is amended") {
    Command amend;
    amend.type = CommandType::kAmendFacility;
    amend.account = AccountId(m.facility("HB-BF-450"));
    amend.id = OrderId(static_cast<std::uint64_t>(FacilityField::kCapacity));
    amend.qty = Qty(400000);
    const std::vector<Event> e = ended(m.apply(amend));
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == CancelReason::kRegistry);
    CHECK(e[0].order_id.v == 1);
    CHECK(m.x.blocks().size() == 1);
  }
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 0);
}

TEST_CASE("the same commands with blocks give the same exchange state hash", "[block]") {
  const auto run = [](bool accept) {
    Market_ m;
    m.propose("HB-TANGSHAN-IRON", "STEEL-IRON", kSell, "HB-BF-450", 200000, 58000, "TJ-BOHAI-STEEL");
    if (accept) m.accept("TJ-BOHAI-STEEL", 1, kBuy, "TJ-NEW-BF-2500");
    return m.x.state_hash();
  };
  CHECK(run(false) == run(false));
  CHECK(run(true) == run(true));
  CHECK(run(false) != run(true));
}
