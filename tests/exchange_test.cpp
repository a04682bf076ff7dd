// The market rules on the sample market (config/sample/market.toml, 2021 rules): one scenario per
// rule of engine/exchange.hpp, each driving a real Exchange with commands and reading its events,
// its sentences and its accounts.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/exchange_fixture.hpp"

using namespace crix::engine;
using namespace crix::test::exchange_fixture;

TEST_CASE("the same facility's capacity cannot be offered twice", "[exchange]") {
  Market_ m;
  REQUIRE(accepted(m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 58000, kAon)));
  CHECK(m.x.facility_reserved(m.facility("TJ-BF-410")) == 500000);
  const Rejection r = rejection(m, m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 58500, kAon));
  CHECK(r.code == RejectCode::kFacilityCapacity);
  CHECK(r.text ==
        "facility TJ-BF-410 (410 m3 blast furnace (ironmaking), Tianjin) has 0 t of unsold, unreserved capacity "
        "(500000 t registered, 0 t sold, 500000 t reserved by open orders); the order needs 500000 t more");
  // Canceling the first offer frees the capacity again.
  m.cancel("TJ-RONGCHENG", "STEEL-IRON", 1);
  CHECK(m.x.facility_reserved(m.facility("TJ-BF-410")) == 0);
  CHECK(accepted(m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 58500, kAon)));
}

TEST_CASE("an indivisible facility sells its whole remaining capacity all-or-none", "[exchange]") {
  Market_ m;
  Rejection r = rejection(m, m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 100000, 58000, kAon));
  CHECK(r.code == RejectCode::kFacilityIndivisible);
  CHECK(r.text.find("is indivisible: sell its whole remaining 500000 t in one all-or-none order") !=
        std::string::npos);
  r = rejection(m, m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 58000));  // not AON
  CHECK(r.code == RejectCode::kFacilityIndivisible);
  CHECK(accepted(m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 58000, kAon)));
}

TEST_CASE("flat glass is counted in weight boxes: its sentences say so, steel's still say tonnes", "[exchange]") {
  Market_ m;
  // SX-FG-600 is an indivisible 2,190,000-weight-box float line; JS-NEW-FG-900 needs 1,500,000.
  Rejection r = rejection(m, m.sell("SX-TAIYUAN-GLASS", "GLASS-FLAT", "SX-FG-600", 1000, 12000, kAon));
  CHECK(r.code == RejectCode::kFacilityIndivisible);
  CHECK(r.text.find("sell its whole remaining 2190000 weight box in one all-or-none order") != std::string::npos);
  r = rejection(m, m.sell("SX-TAIYUAN-GLASS", "GLASS-FLAT", "SX-FG-600", 2190001, 12000, kAon));
  CHECK(r.code == RejectCode::kFacilityCapacity);
  INFO(r.text);
  CHECK(r.text.find("has 2190000 weight box of unsold, unreserved capacity (2190000 weight box registered, "
                    "0 weight box sold, 0 weight box reserved by open orders); the order needs 2190001 weight box more") !=
        std::string::npos);
  r = rejection(m, m.buy("JS-NANJING-GLASS", "GLASS-FLAT", "JS-NEW-FG-900", 3000000, 12000));
  CHECK(r.code == RejectCode::kProjectNeed);
  CHECK(r.text.find("needs 1500000 weight box of new capacity") != std::string::npos);
  CHECK(r.text.find(" t ") == std::string::npos);
  const std::vector<Event> proposed =
      of_type(m.propose("SX-TAIYUAN-GLASS", "GLASS-FLAT", Side::kSell, "SX-FG-600", 2190000, 12000, "JS-NANJING-GLASS"),
              EventType::kBlockProposed);
  REQUIRE(proposed.size() == 1);
  CHECK(m.x.describe(proposed[0]).find("sells 2190000 weight box of GLASS-FLAT at 120.00 yuan per weight box from") !=
        std::string::npos);
  r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 550001, 58000));
  CHECK(r.text.find("has 550000 t of unsold, unreserved capacity") != std::string::npos);
}

TEST_CASE("a fill into a key region carries the 2021 key-region ratio and its credit", "[exchange]") {
  Market_ m;
  // Tangshan (Hebei) sells to Tianjin's new blast furnace: key region, 1.5:1.
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 300000, 58000)));
  const std::vector<Event> ev = m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 300000, 58000);
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].qty.v == 300000);
  CHECK(fills[0].arg2 == 1500);
  CHECK(fills[0].arg1 == 200000);
  CHECK(m.x.describe(fills[0]).find("under rule 'steel 2021, key region (46号)'") != std::string::npos);
  const Exchange::PairDecision d = m.x.pair(m.facility("HB-BF-450"), m.project("TJ-NEW-BF-2500"));
  REQUIRE(d.ratio_rule.has_value());
  CHECK(m.x.market().ratios.rules()[*d.ratio_rule].name == "steel 2021, key region (46号)");
  CHECK(m.x.ratio_rule(m.facility("HB-BF-450"), m.project("TJ-NEW-BF-2500")) == d.ratio_rule);
  CHECK(m.x.facility_sold(m.facility("HB-BF-450")) == 300000);
  CHECK(m.x.project_credited(m.project("TJ-NEW-BF-2500")) == 200000);
  CHECK(m.x.region_capacity(0, Industry::kSteel) == 19200000 + 200000);   // Tianjin
  CHECK(m.x.region_capacity(1, Industry::kSteel) == 130000000 - 300000);  // Tangshan
}

TEST_CASE("a project no registered facility may ever sell to is refused at entry", "[exchange]") {
  Market_ m;
  // Tianjin's clinker project: every clinker line outside Tianjin is refused by the key-region rule
  // and the only Tianjin line belongs to the project's own owner.
  const Rejection r = rejection(m, m.buy("TJ-JINTAI-CEMENT", "CEMENT-CLINKER", "TJ-NEW-CL-5000", 100000, 30000));
  CHECK(r.code == RejectCode::kNoCounterparty);
  CHECK(r.text == "no registered facility may sell to project TJ-NEW-CL-5000 (Tianjin) under 2021 rules: every "
                  "pair is refused by a transfer rule, has no ratio rule, or has the same owner; the order could "
                  "never trade");
}

TEST_CASE("key-region provinces do not buy clinker from other provinces: the pair is skipped", "[exchange]") {
  const Market mk = clinker_key_region();
  Market_ m;
  Exchange x(mk);
  EventSink sink;
  Command sell = m.order("HB-JIDONG-CEMENT", "CEMENT-CLINKER", Side::kSell, "HB-CL-4000", 100000, 30000);
  Command buy = m.order("TJ-JINTAI-CEMENT", "CEMENT-CLINKER", Side::kBuy, "TJ-NEW-CL-5000", 100000, 31000);
  sell.ts = buy.ts = m.now;
  x.apply(sell, sink);
  x.apply(buy, sink);
  CHECK(of_type(sink.events(), EventType::kAccepted).size() == 2);
  CHECK(of_type(sink.events(), EventType::kFill).empty());
  // Both rest, crossed: the pair may not trade, and each keeps its place for other counterparties.
  const InstrumentId clinker(m.instrument("CEMENT-CLINKER"));
  CHECK(x.book().best_price(clinker, Side::kBuy)->v == 31000);
  CHECK(x.book().best_price(clinker, Side::kSell)->v == 30000);
  const Exchange::PairDecision d = x.pair(*x.facility_index("HB-CL-4000"), *x.project_index("TJ-NEW-CL-5000"));
  CHECK_FALSE(d.allowed);
  CHECK(d.why.find("is not allowed under rule 'clinker: key-region provinces do not buy from other "
                   "provinces'") != std::string::npos);
  CHECK(x.check_invariants().empty());
}

TEST_CASE("a cross-province clinker trade replaces at 2:1", "[exchange]") {
  Market_ m;
  // Lhasa's line sold into Chengdu: other region, but cross-province, so at least 2:1.
  REQUIRE(accepted(m.sell("XZ-LHASA-CEMENT", "CEMENT-CLINKER", "XZ-CL-1000", 310000, 30000)));
  const std::vector<Event> fills =
      of_type(m.buy("SC-CHENGDU-CEMENT", "CEMENT-CLINKER", "SC-NEW-CL-4500", 310000, 30000), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg2 == 2000);
  CHECK(fills[0].arg1 == 155000);
  CHECK(m.x.project_credited(m.project("SC-NEW-CL-4500")) == 155000);
}

TEST_CASE("a project in Tibet replaces at 1:1", "[exchange]") {
  Market_ m;
  REQUIRE(accepted(m.sell("SC-CHENGDU-CEMENT", "CEMENT-CLINKER", "SC-CL-1500", 200000, 30000)));
  const std::vector<Event> fills =
      of_type(m.buy("XZ-LHASA-CEMENT", "CEMENT-CLINKER", "XZ-NEW-CL-2500", 200000, 30000), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg2 == 1000);
  CHECK(fills[0].arg1 == 200000);
  CHECK(m.x.describe(fills[0]).find("clinker, Tibet 1:1") != std::string::npos);
}

TEST_CASE("a region's cap is reached mid-stream: the fill that would pass it is skipped", "[exchange]") {
  Market_ m(converter_on_any_steel());
  // Tianjin: steel 19.2 Mt against a 20 Mt cap, room for 800000 t of credited capacity.
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 550000, 58000)));
  REQUIRE(accepted(m.sell("SD-JINAN-STEEL", "STEEL-IRON", "SD-CV-120", 1200000, 58100)));
  const std::vector<Event> ev = m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1250000, 59000);
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);  // Hebei's 550000 t at 1.5:1 credits 366666 t; Shandong's would pass the cap
  CHECK(fills[0].arg1 == 366666);
  CHECK(m.x.region_capacity(0, Industry::kSteel) == 19566666);
  CHECK(m.x.book().order_count(InstrumentId(m.instrument("STEEL-IRON")), Side::kBuy) == 1);
  CHECK(m.x.book().order_count(InstrumentId(m.instrument("STEEL-IRON")), Side::kSell) == 1);
  // A smaller order that fits under the cap still trades with the skipped seller: merger capacity
  // into a key region at 1.25:1, 500000 t credit 400000 t would pass it, 400000 t credit 320000 t fit.
  m.cancel("TJ-BOHAI-STEEL", "STEEL-IRON", 3);
  const std::vector<Event> small =
      of_type(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 400000, 59000), EventType::kFill);
  REQUIRE(small.size() == 1);
  CHECK(small[0].arg2 == 1250);
  CHECK(small[0].arg1 == 320000);
  CHECK(m.x.region_capacity(0, Industry::kSteel) == 19886666);
}

TEST_CASE("a halted instrument takes cancels but no new orders until it resumes", "[exchange]") {
  Market_ m;
  const std::uint32_t iron = m.instrument("STEEL-IRON");
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000)));
  const std::vector<Event> halt = m.op(CommandType::kHalt, iron);
  REQUIRE(halt.size() == 1);
  CHECK(halt[0].type == EventType::kInstrumentState);
  CHECK(halt[0].arg1 == 1);
  const Rejection r = rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 58000));
  CHECK(r.code == RejectCode::kInstrumentHalted);
  CHECK(r.text == "STEEL-IRON is halted by the exchange: new orders and replaces wait for the resume; cancels "
                  "are accepted");
  CHECK(of_type(m.cancel("HB-TANGSHAN-IRON", "STEEL-IRON", 1), EventType::kCanceled).size() == 1);
  // A halt of a halted instrument, or a resume of a trading one, changes nothing and says so.
  const Rejection twice = rejection(m, m.op(CommandType::kHalt, iron));
  CHECK(twice.code == RejectCode::kNoChange);
  CHECK(twice.text == "STEEL-IRON is halted already: nothing to do");
  m.op(CommandType::kResume, iron);
  CHECK(accepted(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 58000)));
  CHECK(rejection(m, m.op(CommandType::kResume, iron)).text == "STEEL-IRON is not halted: nothing to resume");
}

TEST_CASE("a suspended participant's orders are canceled and it may not trade", "[exchange]") {
  Market_ m;
  const std::uint32_t hb = m.participant("HB-TANGSHAN-IRON");
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000)));
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 2000, 58500)));
  const std::vector<Event> ev = m.op(CommandType::kSuspend, hb);
  const std::vector<Event> canceled = of_type(ev, EventType::kCanceled);
  REQUIRE(canceled.size() == 2);
  CHECK(canceled[0].reason == CancelReason::kSuspended);
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 0);
  CHECK(m.x.suspended(ParticipantId(hb)));
  const Rejection r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000));
  CHECK(r.code == RejectCode::kParticipantSuspended);
  CHECK(r.text.find("HB-TANGSHAN-IRON is suspended by the exchange") == 0);
  CHECK(rejection(m, m.op(CommandType::kSuspend, hb)).text == "HB-TANGSHAN-IRON is suspended already: nothing to do");
  m.op(CommandType::kReinstate, hb);
  CHECK(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000)));
  CHECK(rejection(m, m.op(CommandType::kReinstate, hb)).text == "HB-TANGSHAN-IRON is not suspended: nothing to reinstate");
}

TEST_CASE("orders are taken only in continuous trading", "[exchange]") {
  Market_ m;
  m.now = at(kTuesday, 9, 0);
  Rejection r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000));
  CHECK(r.code == RejectCode::kSessionClosed);
  CHECK(r.text == "STEEL-IRON is not in continuous trading: the market is pre-open; trading opens at 09:30 "
                  "local time");
  m.now = at(kTuesday, 12, 0);
  r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000));
  CHECK(r.text.find("break between sessions; trading opens at 13:00") != std::string::npos);
  m.now = at(kTuesday, 13, 0);
  CHECK(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000)));
  m.now = at(kSaturday, 10, 0);
  r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000));
  CHECK(r.text.find("the market is closed; no more trading today") != std::string::npos);
  m.now = at(Date{2027, 1, 1}, 10, 0);  // not in the 2026 holiday list: a Friday that trades
  CHECK(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000)));
}

TEST_CASE("a holiday in the calendar does not trade", "[exchange]") {
  Market_ m;
  m.now = at(Date{2026, 10, 1}, 10, 0);  // National Day, a Thursday
  const Rejection r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000));
  CHECK(r.code == RejectCode::kSessionClosed);
}

TEST_CASE("the close expires Day orders and the day's VWAP becomes the next reference", "[exchange]") {
  Market_ m;
  const InstrumentId iron(m.instrument("STEEL-IRON"));
  m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 57000);
  m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 3000, 60000);
  m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 4000, 60000);  // 1000 @ 570, 3000 @ 600
  Command day = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 500, 55000);
  day.tif = TimeInForce::kDay;
  REQUIRE(accepted(m.apply(day)));
  // The first command after 15:00 closes the day before it is handled.
  Command tick;
  tick.type = CommandType::kAdvanceTime;
  tick.ts = at(kTuesday, 15, 0, 1);
  const std::vector<Event> ev = m.apply(tick);
  REQUIRE(of_type(ev, EventType::kExpired).size() == 1);
  CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-2500")) == 0);
  const std::vector<Event> closes = of_type(ev, EventType::kDayClosed);
  REQUIRE(closes.size() == 5);
  CHECK(closes[iron.v].price.v == 59250);  // (1000 x 57000 + 3000 x 60000) / 4000
  CHECK(closes[iron.v].qty.v == 4000);
  CHECK(closes[iron.v].arg1 == 58000);
  CHECK(closes[iron.v].arg2 == 2);
  CHECK(m.x.describe(closes[iron.v]) ==
        "STEEL-IRON: day closed, 2 trades, 4000 t; close and next reference 592.50 yuan per t (was 580.00 yuan)");
  CHECK(m.x.reference_price(iron).v == 59250);
  CHECK(m.x.band_low(iron).v == 53325);
  CHECK(m.x.band_high(iron).v == 65175);
  CHECK(of_type(ev, EventType::kSessionPhase).size() == 1);
  CHECK(m.x.phase() == SessionPhase::kClosed);
  // Next morning the new band applies.
  m.now = at(kWednesday, 10, 0);
  const Rejection r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 53000));
  CHECK(r.code == RejectCode::kOutsideBand);
  CHECK(r.text == "price 530.00 yuan is outside STEEL-IRON's band 533.25 yuan .. 651.75 yuan (+-10.0% around "
                  "the reference)");
}

TEST_CASE("tick and lot are enforced", "[exchange]") {
  Market_ m;
  Market mk = sample();
  mk.instruments[0].tick = 100;
  mk.instruments[0].lot = 10;
  Exchange x(mk);
  EventSink sink;
  Command c = m.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, "HB-BF-450", 1000, 58050);
  c.ts = m.now;
  x.apply(c, sink);
  REQUIRE(of_type(sink.events(), EventType::kRejected).size() == 1);
  CHECK(of_type(sink.events(), EventType::kRejected)[0].code == RejectCode::kOffTick);
  CHECK(x.describe(of_type(sink.events(), EventType::kRejected)[0]) ==
        "price 580.50 yuan is not a multiple of STEEL-IRON's tick 1.00 yuan");
  sink.clear();
  c.price = Price(58000);
  c.qty = Qty(1005);
  x.apply(c, sink);
  CHECK(x.describe(of_type(sink.events(), EventType::kRejected)[0]) ==
        "quantity 1005 t is not a multiple of STEEL-IRON's lot 10 t");
}

TEST_CASE("the listed maximum refuses larger orders and replaces, and a lot that may trade whole on the book "
          "only within it", "[exchange]") {
  Market mk = sample();
  mk.instruments[0].listed_max_qty = 300000;  // STEEL-IRON
  Market_ m(mk);
  // At the limit it is taken; one tonne above it is refused, before the facility is looked at.
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 300000, 60000)));
  const Rejection above = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 300001, 60000));
  CHECK(above.code == RejectCode::kAboveListedMax);
  CHECK(above.text == "quantity 300001 t is above STEEL-IRON's largest listed order, 300000 t: send at most "
                      "300000 t per order");
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 300000);
  // A buy likewise.
  CHECK(rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 300001, 60000)).code ==
        RejectCode::kAboveListedMax);
  // A replace may not grow the order past it; the order stays as it was.
  CHECK(rejection(m, m.apply(m.replace("HB-TANGSHAN-IRON", "STEEL-IRON", 1, 300001, 60000))).code ==
        RejectCode::kAboveListedMax);
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 300000);
  // Tianjin's indivisible 500,000 t furnace sells only whole: above this limit it cannot be listed.
  CHECK(rejection(m, m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 60000, kAon)).code ==
        RejectCode::kAboveListedMax);
  // Other instruments have no limit.
  CHECK(accepted(m.sell("HB-JIDONG-CEMENT", "CEMENT-CLINKER", "HB-CL-4000", 1240000, 30000, kAon)));
}

TEST_CASE("ineligible capacity cannot be offered, each with its reason", "[exchange]") {
  Market_ m;
  Rejection r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-420-SEIZED", 1000, 58000));
  CHECK(r.code == RejectCode::kFacilityIneligible);
  CHECK(r.text == "facility HB-BF-420-SEIZED (420 m3 blast furnace (ironmaking), Tangshan, Hebei) may not be "
                  "sold: under court seizure");
  r = rejection(m, m.sell("SC-CHENGDU-CEMENT", "CEMENT-CLINKER", "SC-CL-2000-IDLE", 1000, 30000));
  CHECK(r.text.find("may not be sold: idle for too many years (3 years; the limit under 2021 rules is 2)") !=
        std::string::npos);
  m.now = at(Date{2028, 1, 4}, 10, 0);  // the Henan potline's indicator lapsed on 2027-12-31
  r = rejection(m, m.sell("HA-ZHENGZHOU-ALU", "ALU-ELEC", "HA-POT-320KA", 1000, 150000));
  CHECK(r.code == RejectCode::kFacilityIneligible);
  CHECK(r.text.find("may not be sold: expired on 2027-12-31") != std::string::npos);
}

TEST_CASE("who may sell what, and for which project", "[exchange]") {
  Market_ m;
  CHECK(rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "TJ-BF-1080", 1000, 58000)).text ==
        "facility TJ-BF-1080 (1080 m3 blast furnace (ironmaking), Tianjin) belongs to TJ-BOHAI-STEEL, not to "
        "HB-TANGSHAN-IRON");
  CHECK(rejection(m, m.sell("TJ-RONGCHENG", "CEMENT-CLINKER", "TJ-BF-410", 500000, 30000, kAon)).code ==
        RejectCode::kInstrumentNotAllowed);
  CHECK(rejection(m, m.sell("TJ-RONGCHENG", "CEMENT-CLINKER", "TJ-BF-410", 500000, 30000, kAon)).text ==
        "TJ-RONGCHENG may not trade CEMENT-CLINKER (allowed: STEEL-IRON, STEEL-CRUDE)");
  CHECK(rejection(m, m.buy("TJ-RONGCHENG", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 58000)).text ==
        "TJ-RONGCHENG is registered as a seller only: it may not buy");
  CHECK(rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "SD-NEW-EAF-100", 1000, 58000)).code ==
        RejectCode::kProjectNotOwned);
  CHECK(rejection(m, m.buy("SC-CHENGDU-CEMENT", "CEMENT-CLINKER", "SC-NEW-CL-4500", 1000, 40000)).code ==
        RejectCode::kOutsideBand);
}

TEST_CASE("a project buys no more than its need, and stops buying once it is met", "[exchange]") {
  Market_ m;
  // Tibet's project needs 300000 t at 1:1 at best: an order that could credit more is refused.
  Rejection r = rejection(m, m.buy("XZ-LHASA-CEMENT", "CEMENT-CLINKER", "XZ-NEW-CL-2500", 300001, 30000));
  CHECK(r.code == RejectCode::kProjectNeed);
  CHECK(r.text == "project XZ-NEW-CL-2500 (Lhasa, Tibet) needs 300000 t of new capacity, of which 300000 t is "
                  "neither credited nor reserved by open orders; the order reserves 300001 t more of it (its open "
                  "quantity at the highest ratio a seller can bring to it, 1:1)");
  REQUIRE(accepted(m.buy("XZ-LHASA-CEMENT", "CEMENT-CLINKER", "XZ-NEW-CL-2500", 200000, 30000)));
  REQUIRE(accepted(m.buy("XZ-LHASA-CEMENT", "CEMENT-CLINKER", "XZ-NEW-CL-2500", 100000, 29000)));
  CHECK(rejection(m, m.buy("XZ-LHASA-CEMENT", "CEMENT-CLINKER", "XZ-NEW-CL-2500", 1, 30000)).code ==
        RejectCode::kProjectNeed);
  // Chengdu sells 300000 t at 1:1 into Tibet: the first buy fills, then the second, need met.
  const std::vector<Event> ev = m.sell("SC-CHENGDU-CEMENT", "CEMENT-CLINKER", "SC-CL-1500", 300000, 29000);
  CHECK(of_type(ev, EventType::kFill).size() == 2);
  CHECK(m.x.project_credited(m.project("XZ-NEW-CL-2500")) == 300000);
  CHECK(m.x.project_reserved(m.project("XZ-NEW-CL-2500")) == 0);
}

TEST_CASE("buy orders left when a project's need is met are canceled", "[exchange]") {
  // A buy reserves at Tianjin's highest ratio, 1.5:1, so 450000 t reserve the whole 300000 t need.
  // Merger capacity into a key region replaces at 1.25:1: 375000 t of it meet the need, and the
  // order's remaining 75000 t are canceled.
  Market mk = converter_on_any_steel();
  for (Project& p : mk.projects) {
    if (p.id == "TJ-NEW-BF-2500") p.new_capacity = 300000;
  }
  Market_ m;
  Exchange x(mk);
  EventSink sink;
  const auto run = [&](Command c) {
    c.ts = m.now;
    sink.clear();
    x.apply(c, sink);
    INFO(x.check_invariants());
    CHECK(x.check_invariants().empty());
    return sink.events();
  };
  const std::uint32_t project = *x.project_index("TJ-NEW-BF-2500");
  const Command big = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 450000, 58000);
  REQUIRE(accepted(run(big)));
  CHECK(x.project_reserved(project) == 300000);
  CHECK(rejection(m, run(m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 2, 57000))).code ==
        RejectCode::kProjectNeed);
  const std::vector<Event> ev = run(m.order("SD-JINAN-STEEL", "STEEL-IRON", Side::kSell, "SD-CV-120", 375000, 57000));
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg2 == 1250);
  CHECK(x.project_credited(project) == 300000);
  const std::vector<Event> canceled = of_type(ev, EventType::kCanceled);
  REQUIRE(canceled.size() == 1);
  CHECK(canceled[0].order_id == big.id);
  CHECK(canceled[0].qty.v == 75000);
  CHECK(canceled[0].reason == CancelReason::kNeedMet);
  CHECK(x.book().order_count(InstrumentId(0), Side::kBuy) == 0);
}

TEST_CASE("replace re-checks the facility and keeps reservations exact", "[exchange]") {
  Market_ m;
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 500000, 60000)));
  Command r = m.replace("HB-TANGSHAN-IRON", "STEEL-IRON", 1, 550001, 60000);
  const Rejection grow = rejection(m, m.apply(r));
  CHECK(grow.code == RejectCode::kFacilityCapacity);
  // The sentence names the growth the replace asks for, not the new total.
  CHECK(grow.text.find("has 50000 t of unsold, unreserved capacity (550000 t registered, 0 t sold, 500000 t "
                       "reserved by open orders); the order needs 50001 t more") != std::string::npos);
  r.qty = Qty(550000);
  CHECK(of_type(m.apply(r), EventType::kReplaced).size() == 1);
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 550000);
  r.qty = Qty(100000);
  r.price = Price(59000);
  m.apply(r);
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 100000);
  // The indivisible furnace's order may move its price but not its quantity.
  REQUIRE(accepted(m.sell("TJ-RONGCHENG", "STEEL-IRON", "TJ-BF-410", 500000, 60000, kAon)));
  r.id = OrderId(2);
  r.participant = ParticipantId(m.participant("TJ-RONGCHENG"));
  r.qty = Qty(400000);
  CHECK(rejection(m, m.apply(r)).code == RejectCode::kFacilityIndivisible);
  r.qty = Qty(500000);
  r.price = Price(59500);
  CHECK(of_type(m.apply(r), EventType::kReplaced).size() == 1);
}

TEST_CASE("an order the book refuses after the rules passed it reserves nothing", "[exchange]") {
  // The exchange reserves an order's capacity or credit before the book walks it; a refusal of the
  // book's own (a duplicate id, a full pool) must give it back. The fixture checks every reservation
  // against the open orders after each command as well.
  Market mk = sample();
  mk.exchange.max_orders = 2;
  mk.exchange.max_levels = 2;
  Market_ m(std::move(mk));
  const std::uint32_t furnace = m.facility("HB-BF-450");
  const std::uint32_t project = m.project("TJ-NEW-BF-2500");
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 100000, 61000)));
  REQUIRE(accepted(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 60000)));
  const std::int64_t sold_side = m.x.facility_reserved(furnace);
  const std::int64_t bought_side = m.x.project_reserved(project);
  CHECK(sold_side == 100000);
  CHECK(bought_side > 0);

  Command again = m.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, "HB-BF-450", 1000, 61000);
  again.id = OrderId(1);
  CHECK(rejection(m, m.apply(again)).code == RejectCode::kDuplicateOrderId);
  Command again_buy = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 1000, 60000);
  again_buy.id = OrderId(2);
  CHECK(rejection(m, m.apply(again_buy)).code == RejectCode::kDuplicateOrderId);
  CHECK(rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 61500)).code ==
        RejectCode::kOrderPoolFull);
  CHECK(rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 59000)).code ==
        RejectCode::kOrderPoolFull);
  // A replace to a new price needs a third level: refused, its reservation stays the old quantity's.
  CHECK(rejection(m, m.apply(m.replace("HB-TANGSHAN-IRON", "STEEL-IRON", 1, 50000, 61500))).code ==
        RejectCode::kLevelPoolFull);
  CHECK(rejection(m, m.apply(m.replace("TJ-BOHAI-STEEL", "STEEL-IRON", 2, 2000, 59500))).code ==
        RejectCode::kLevelPoolFull);
  CHECK(m.x.facility_reserved(furnace) == sold_side);
  CHECK(m.x.project_reserved(project) == bought_side);
}

TEST_CASE("a market order's protection price is the band's edge", "[exchange]") {
  Market_ m;
  m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 63800);  // the band's top
  Command c = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 1000, 0);
  c.ord_type = OrderType::kMarket;
  c.tif = TimeInForce::kIoc;
  const std::vector<Event> ev = m.apply(c);
  REQUIRE(of_type(ev, EventType::kFill).size() == 1);
  CHECK(of_type(ev, EventType::kAccepted)[0].price.v == 63800);
}

TEST_CASE("the same commands give the same exchange state hash", "[exchange]") {
  Market_ a;
  Market_ b;
  for (Market_* m : {&a, &b}) {
    m->sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1000, 58000);
    m->buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 600, 58000);
  }
  CHECK(a.x.state_hash() == b.x.state_hash());
  b.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 2, 58000);
  CHECK(a.x.state_hash() != b.x.state_hash());
}

// Every entry rule's reject, one row each: an optional change to the sample market, the time, the
// order, and the code and (part of) the sentence it must give.
TEST_CASE("each entry rule rejects with its code and a sentence that names what is wrong", "[exchange]") {
  struct Row {
    const char* rule;
    void (*edit)(Market&);
    int hour;
    const char* who;
    const char* instrument;
    Side side;
    std::uint64_t account;  // index; kByName means `account_name`
    const char* account_name;
    std::int64_t qty;
    std::int64_t price;
    std::uint8_t flags;
    RejectCode code;
    const char* sentence;
  };
  constexpr std::uint64_t kByName = ~0ull;
  const auto none = [](Market&) {};
  const auto clinker_for_bohai = [](Market& m) {
    for (Participant& p : m.participants) {
      if (p.id == "TJ-BOHAI-STEEL") p.instruments.push_back("CEMENT-CLINKER");
    }
  };
  const auto project_completed = [](Market& m) {
    for (Project& p : m.projects) {
      if (p.id == "SD-NEW-EAF-100") p.status = ProjectStatus::kCompleted;
    }
  };
  const auto tangshan_suspended = [](Market& m) {
    for (Participant& p : m.participants) {
      if (p.id == "HB-TANGSHAN-IRON") p.status = ParticipantStatus::kSuspended;
    }
  };
  const auto bf450_expired = [](Market& m) {
    for (Facility& f : m.facilities) {
      if (f.id == "HB-BF-450") f.facts.expires = Date{2026, 11, 30};
    }
  };
  // Gongyi's pot line built in Nanjing: Henan's aluminium indicators may not leave Henan, so no project
  // may buy Zhengzhou's pot line.
  const auto gongyi_in_nanjing = [](Market& m) {
    for (Project& p : m.projects) {
      if (p.id == "HA-NEW-POT-400KA") p.region = 320100;
    }
  };
  const auto no_aluminium_ratio = [](Market& m) {
    std::vector<RatioRule> rules;
    for (const RatioRule& r : m.ratios.rules()) {
      if (r.industry != Industry::kAluminium) rules.push_back(r);
    }
    m.ratios = RatioTable(std::move(rules));
  };
  const Row rows[] = {
      {"side", none, 10, "JS-NANJING-GLASS", "GLASS-FLAT", Side::kSell, kByName, "SX-FG-600", 1000, 12000, 0,
       RejectCode::kSideNotAllowed, "JS-NANJING-GLASS is registered as a buyer only: it may not sell"},
      {"instrument", none, 10, "SC-CHENGDU-CEMENT", "STEEL-IRON", Side::kSell, kByName, "SC-CL-1500", 1000, 58000, 0,
       RejectCode::kInstrumentNotAllowed, "SC-CHENGDU-CEMENT may not trade STEEL-IRON (allowed: CEMENT-CLINKER)"},
      {"session", none, 16, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450", 1000, 58000, 0,
       RejectCode::kSessionClosed, "the market is closed; no more trading today"},
      {"band", none, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450", 1000, 63900, 0,
       RejectCode::kOutsideBand, "price 639.00 yuan is outside STEEL-IRON's band 522.00 yuan .. 638.00 yuan"},
      {"unknown facility", none, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, 99, "", 1000, 58000, 0,
       RejectCode::kUnknownFacility, "no facility #99: a sell order's Account must name a registered facility"},
      {"facility industry", clinker_for_bohai, 10, "TJ-BOHAI-STEEL", "CEMENT-CLINKER", Side::kSell, kByName,
       "TJ-BF-1080", 1000, 30000, 0, RejectCode::kFacilityWrongIndustry,
       "is steel capacity; CEMENT-CLINKER trades cement clinker"},
      {"facility product", none, 10, "HB-TANGSHAN-IRON", "STEEL-CRUDE", Side::kSell, kByName, "HB-BF-450", 1000,
       95000, 0, RejectCode::kFacilityWrongIndustry,
       "is STEEL-IRON capacity and may be offered on STEEL-IRON only, not on STEEL-CRUDE"},
      {"project product", none, 10, "TJ-BOHAI-STEEL", "STEEL-CRUDE", Side::kBuy, kByName, "TJ-NEW-BF-2500", 1000,
       95000, 0, RejectCode::kProjectWrongIndustry,
       "project TJ-NEW-BF-2500 (Tianjin) needs STEEL-IRON capacity and may bid on STEEL-IRON only, not on "
       "STEEL-CRUDE"},
      {"ineligible", none, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-420-SEIZED", 1000,
       58000, 0, RejectCode::kFacilityIneligible, "may not be sold: under court seizure"},
      {"capacity", none, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450", 550001, 58000, 0,
       RejectCode::kFacilityCapacity, "has 550000 t of unsold, unreserved capacity"},
      {"indivisible", none, 10, "HB-JIDONG-CEMENT", "CEMENT-CLINKER", Side::kSell, kByName, "HB-CL-4000", 1000,
       30000, 0, RejectCode::kFacilityIndivisible, "sell its whole remaining 1240000 t"},
      {"unknown project", none, 10, "TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, 99, "", 1000, 58000, 0,
       RejectCode::kUnknownProject, "no project #99"},
      {"project owner", none, 10, "TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, kByName, "SC-PZH-BF-1750", 1000,
       58000, 0, RejectCode::kProjectNotOwned,
       "project SC-PZH-BF-1750 (Panzhihua, Sichuan) belongs to SC-PANZHIHUA-STEEL, not to TJ-BOHAI-STEEL"},
      {"project industry", clinker_for_bohai, 10, "TJ-BOHAI-STEEL", "CEMENT-CLINKER", Side::kBuy, kByName,
       "TJ-NEW-BF-2500", 1000, 30000, 0, RejectCode::kProjectWrongIndustry,
       "builds steel capacity; CEMENT-CLINKER trades cement clinker"},
      {"project status", project_completed, 10, "SD-JINAN-STEEL", "STEEL-CRUDE", Side::kBuy, kByName,
       "SD-NEW-EAF-100", 1000, 95000, 0, RejectCode::kProjectNotOpen,
       "project SD-NEW-EAF-100 (Jinan, Shandong) is completed: only approved or filed projects may buy"},
      {"need", none, 10, "SC-PANZHIHUA-STEEL", "STEEL-IRON", Side::kBuy, kByName, "SC-PZH-BF-1750", 1500002,
       58000, 0, RejectCode::kProjectNeed,
       "the order reserves 1200001 t more of it (its open quantity at the highest ratio a seller can bring to it, "
       "1.25:1)"},
      {"credits nothing", none, 10, "TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, kByName, "TJ-NEW-BF-2500", 1, 58000,
       0, RejectCode::kCreditsNothing,
       "a buy of 1 t for project TJ-NEW-BF-2500 (Tianjin) credits no new capacity even at its lowest ratio, 1.25:1 "
       "(credited = floor(qty / ratio)): bid at least 2 t"},
      {"no ratio rule", no_aluminium_ratio, 10, "HA-ZHENGZHOU-ALU", "ALU-ELEC", Side::kBuy, kByName,
       "HA-NEW-POT-500KA", 1000, 150000, 0, RejectCode::kNoRatioRule,
       "no ratio rule of 2021 rules covers electrolytic aluminium projects in Zhengzhou, Henan"},
      {"no counterparty", gongyi_in_nanjing, 10, "HA-ZHENGZHOU-ALU", "ALU-ELEC", Side::kSell, kByName, "HA-POT-320KA", 1000,
       150000, 0, RejectCode::kNoCounterparty, "no registered project may buy from facility HA-POT-320KA"},
      {"no counterparty for a project", none, 10, "HA-ZHENGZHOU-ALU", "ALU-ELEC", Side::kBuy, kByName,
       "HA-NEW-POT-500KA", 1000, 150000, 0, RejectCode::kNoCounterparty,
       "no registered facility may sell to project HA-NEW-POT-500KA"},
      {"suspended", tangshan_suspended, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450",
       1000, 58000, 0, RejectCode::kParticipantSuspended, "is suspended by the exchange and may not enter or change orders"},
      {"facility owner", none, 10, "TJ-BOHAI-STEEL", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450", 1000, 58000, 0,
       RejectCode::kFacilityNotOwned, "belongs to HB-TANGSHAN-IRON, not to TJ-BOHAI-STEEL"},
      {"expired", bf450_expired, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450", 1000,
       58000, 0, RejectCode::kFacilityIneligible, "may not be sold: expired on 2026-11-30"},
      {"a sell that credits nothing", none, 10, "HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, kByName, "HB-BF-450",
       1, 58000, 0, RejectCode::kCreditsNothing, "offer at least 2 t"},
  };
  for (const Row& row : rows) {
    INFO(row.rule);
    Market mk = sample();
    row.edit(mk);
    Exchange x(mk);
    Command c;
    c.type = CommandType::kNew;
    c.id = OrderId(1);
    c.participant = ParticipantId(*x.participant_index(row.who));
    c.instrument = InstrumentId(*x.instrument_index(row.instrument));
    c.side = row.side;
    c.account = AccountId(row.account != kByName ? row.account
                          : row.side == Side::kSell ? *x.facility_index(row.account_name)
                                                    : *x.project_index(row.account_name));
    c.qty = Qty(row.qty);
    c.price = Price(row.price);
    c.flags = row.flags;
    c.ts = at(kTuesday, row.hour, 0);
    EventSink sink;
    x.apply(c, sink);
    const std::vector<Event> rejected = of_type(sink.events(), EventType::kRejected);
    REQUIRE(rejected.size() == 1);
    CHECK(rejected[0].code == row.code);
    const std::string text = x.describe(rejected[0]);
    INFO(text);
    CHECK(text.find(row.sentence) != std::string::npos);
    CHECK(x.book().orders_in_use() == 0);
    CHECK(x.check_invariants().empty());
  }
}

TEST_CASE("the close is the day's VWAP rounded once, half up, to the tick", "[exchange]") {
  // Tick 1 yuan: 101 t at 580 and 99 t at 581 average 580.495 yuan, which is 580 (rounding to the
  // fen first, 580.50, and then to the yuan would give 581).
  Market mk = sample();
  mk.instruments[0].tick = 100;
  Market_ m(mk);
  m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 101, 58000);
  m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 99, 58100);
  REQUIRE(of_type(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 200, 58100), EventType::kFill).size() == 2);
  Command tick;
  tick.type = CommandType::kAdvanceTime;
  tick.ts = at(kTuesday, 15, 1);
  const std::vector<Event> closes = of_type(m.apply(tick), EventType::kDayClosed);
  REQUIRE(closes.size() == 5);
  CHECK(closes[0].price.v == 58000);
  CHECK(m.x.reference_price(InstrumentId(0)).v == 58000);
}

TEST_CASE("the operator's close on a day without trading closes nothing", "[exchange]") {
  Market_ m;
  Command close;
  close.type = CommandType::kCloseDay;
  close.ts = at(kSaturday, 10, 0);
  const std::vector<Event> ev = m.apply(close);
  CHECK(of_type(ev, EventType::kDayClosed).empty());
  const std::vector<Event> refused = of_type(ev, EventType::kRejected);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == RejectCode::kNoChange);
  CHECK(m.x.describe(refused[0]) == "today's trading day is closed already, or today is not a trading day");
}

// ---- issue 11: no fill for no credit; a buyer bids its whole need ----------------------------------

namespace {

// The sample with Tianjin's blast-furnace project at 750,000 t of new capacity (the domain scenario's
// TJ-NEW-BF-750) and Shandong's merger-capacity converter offerable on STEEL-IRON: Hebei's furnace
// replaces into Tianjin at 1.5:1, the converter at 1.25:1.
Market tianjin_750() {
  Market mk = converter_on_any_steel();
  for (Project& p : mk.projects) {
    if (p.id == "TJ-NEW-BF-2500") p.new_capacity = 750000;
  }
  return mk;
}

// The sample with a clinker project of 1,000,000 t in Nanyang, Henan (not a key region), Hebei's
// indivisible clinker line at 2,000,000 t (cross-province: 2:1), and an indivisible 1,800,000 t line
// in Zhengzhou, Henan (same province, other region: 1.5:1).
Market nanyang() {
  Market mk = sample();
  Region ny;
  ny.ref = RegionRef{411300, 410000, RegionClass::kOther};
  ny.name = "Nanyang, Henan";
  ny.capacity[static_cast<std::size_t>(Industry::kCement)] = 5000000;
  mk.regions.push_back(ny);
  Participant buyer;
  buyer.id = "HA-NANYANG-CEMENT";
  buyer.name = "Nanyang Clinker Co., Ltd.";
  buyer.region = 411300;
  buyer.sender_comp_id = buyer.id;
  buyer.may_buy = true;
  buyer.instruments = {"CEMENT-CLINKER"};
  mk.participants.push_back(buyer);
  Participant seller = buyer;
  seller.id = "HA-ZHENGZHOU-CEMENT";
  seller.region = 410100;
  seller.sender_comp_id = seller.id;
  seller.may_buy = false;
  seller.may_sell = true;
  mk.participants.push_back(seller);
  for (Facility& f : mk.facilities) {
    if (f.id == "HB-CL-4000") f.capacity = 2000000;
  }
  Facility zz;
  zz.id = "HA-CL-ZZ-1800";
  zz.owner = seller.id;
  zz.industry = Industry::kCement;
  zz.region = 410100;
  zz.capacity = 1800000;
  zz.equipment = "5000 t/d clinker line";
  zz.divisible = false;
  mk.facilities.push_back(zz);
  Project p;
  p.id = "HA-NEW-CL-NY";
  p.owner = buyer.id;
  p.industry = Industry::kCement;
  p.region = 411300;
  p.new_capacity = 1000000;
  mk.projects.push_back(p);
  return mk;
}

}  // namespace

TEST_CASE("a project whose need is met takes no buy order, and a buy that credits nothing is refused",
          "[exchange][issue11]") {
  Market_ m(tianjin_750());
  const std::uint32_t project = m.project("TJ-NEW-BF-2500");
  // 937,500 t of merger capacity at 1.25:1 credit exactly 750,000 t.
  REQUIRE(accepted(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 937500, 58000)));
  const std::vector<Event> fills =
      of_type(m.sell("SD-JINAN-STEEL", "STEEL-IRON", "SD-CV-120", 937500, 58000), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg1 == 750000);
  CHECK(m.x.project_credited(project) == 750000);
  // The scenario's 1 t buy: at any ratio Tianjin can get it credits 0 t.
  Rejection r = rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1, 58000));
  CHECK(r.code == RejectCode::kCreditsNothing);
  // Any larger buy: the need is met.
  r = rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1000, 58000));
  CHECK(r.code == RejectCode::kProjectNeed);
  CHECK(r.text == "project TJ-NEW-BF-2500 (Tianjin) has its need met (750000 t of new capacity credited of 750000 t): "
                  "it takes no more buy orders");
  CHECK(m.x.book().order_count(InstrumentId(0), Side::kBuy) == 0);
}

TEST_CASE("an order that could credit nothing is refused, and a remainder a fill leaves that could credit "
          "nothing is canceled, the taker's walk ending there",
          "[exchange][issue11]") {
  Market_ m(tianjin_750());
  // 1 t of Hebei's furnace credits 0 t to every project that may buy from it (1.25:1 at best).
  Rejection r = rejection(m, m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 1, 58000));
  CHECK(r.code == RejectCode::kCreditsNothing);
  CHECK(r.text == "a sell of 1 t from facility HB-BF-450 (450 m3 blast furnace (ironmaking), Tangshan, Hebei) credits "
                  "no new capacity to any project that may buy from it, even at the lowest ratio, 1.25:1 (credited = "
                  "floor(qty / ratio)): offer at least 2 t");
  // 3 t offered, 2 t bought at 1.5:1 (1 t credited): the 1 t left would credit 0 t with any project
  // (1.25:1 at best), could never trade and would hold 1 t of the furnace: canceled after the fill.
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 3, 58000)));
  std::vector<Event> ev = m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 2, 58000);
  std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg1 == 1);
  std::vector<Event> canceled = of_type(ev, EventType::kCanceled);
  REQUIRE(canceled.size() == 1);
  CHECK(canceled[0].order_id == OrderId(2));
  CHECK(canceled[0].qty.v == 1);
  CHECK(canceled[0].reason == CancelReason::kCreditsNothing);
  CHECK(to_string(canceled[0].reason) ==
        "the remainder is too small to credit any new capacity, even at the lowest ratio it could get");
  CHECK(m.x.book().order_count(InstrumentId(0), Side::kSell) == 0);
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 0);
  CHECK(m.x.facility_sold(m.facility("HB-BF-450")) == 2);
  // The taker's side: a 3 t bid (2 t credit at the project's best, 1.25:1) takes a 2 t offer at 1.5:1;
  // its 1 t remainder credits nothing even at 1.25:1, so its walk ends there (the 2 t offer behind
  // it is not asked) and the remainder is canceled instead of resting.
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 2, 58000)));
  REQUIRE(accepted(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 2, 58000)));
  ev = m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 3, 58000);
  CHECK(accepted(ev));
  fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].qty.v == 2);
  CHECK(fills[0].maker_id == OrderId(4));
  canceled = of_type(ev, EventType::kCanceled);
  REQUIRE(canceled.size() == 1);
  CHECK(canceled[0].order_id == OrderId(6));
  CHECK(canceled[0].qty.v == 1);
  CHECK(canceled[0].reason == CancelReason::kCreditsNothing);
  CHECK(m.x.book().order_count(InstrumentId(0), Side::kBuy) == 0);
  CHECK(m.x.book().order_count(InstrumentId(0), Side::kSell) == 1);
  CHECK(m.x.project_reserved(m.project("TJ-NEW-BF-2500")) == 0);
}

TEST_CASE("a project bids its whole need at its pair's ratio, a fill at a lower ratio is cut to the need",
          "[exchange][issue11]") {
  Market_ m(tianjin_750());
  const std::uint32_t project = m.project("TJ-NEW-BF-2500");
  CHECK(m.x.project_lowest_ratio(project) == 1250);
  CHECK(m.x.project_highest_ratio(project) == 1500);
  // 750,000 t at 1.5:1 take 1,125,000 t: the bid reserves the whole need (the old rule, reserving at
  // 1.25:1, refused anything above 900,000 t).
  REQUIRE(accepted(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 1125000, 58000)));
  CHECK(m.x.project_reserved(project) == 750000);
  CHECK(rejection(m, m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 3, 58000)).code ==
        RejectCode::kProjectNeed);
  // Hebei's 550,000 t at 1.5:1 credit 366,666 t.
  std::vector<Event> fills = of_type(m.sell("HB-TANGSHAN-IRON", "STEEL-IRON", "HB-BF-450", 550000, 58000), EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].arg1 == 366666);
  // The converter's 600,000 t at 1.25:1 would credit 480,000 t; 383,334 t are left of the need, so the
  // fill is cut to the least quantity that credits them, 479,168 t, and the need is met.
  const std::vector<Event> ev = m.sell("SD-JINAN-STEEL", "STEEL-IRON", "SD-CV-120", 600000, 58000);
  fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].qty.v == 479168);
  CHECK(fills[0].arg1 == 383334);
  CHECK(m.x.project_credited(project) == 750000);
  const std::vector<Event> canceled = of_type(ev, EventType::kCanceled);
  REQUIRE(canceled.size() == 1);
  CHECK(canceled[0].reason == CancelReason::kNeedMet);
  CHECK(canceled[0].qty.v == 1125000 - 550000 - 479168);
  // The converter keeps the rest of its offer on the book.
  CHECK(m.x.facility_reserved(m.facility("SD-CV-120")) == 600000 - 479168);
}

TEST_CASE("a remainder whose reservation no longer fits after a lower-ratio fill is canceled",
          "[exchange][issue11]") {
  Market_ m(tianjin_750());
  const std::uint32_t project = m.project("TJ-NEW-BF-2500");
  const Command a = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 600000, 58000);
  REQUIRE(accepted(m.apply(a)));  // reserves 400,000 t
  REQUIRE(accepted(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 525000, 57500)));  // 350,000 t
  // 300,000 t of merger capacity fill order a at 1.25:1: 240,000 t credited, and a's remaining
  // 300,000 t would still reserve 200,000 t: 790,000 t against a 750,000 t need.
  const std::vector<Event> ev = m.sell("SD-JINAN-STEEL", "STEEL-IRON", "SD-CV-120", 300000, 58000);
  REQUIRE(of_type(ev, EventType::kFill).size() == 1);
  const std::vector<Event> canceled = of_type(ev, EventType::kCanceled);
  REQUIRE(canceled.size() == 1);
  CHECK(canceled[0].order_id == a.id);
  CHECK(canceled[0].qty.v == 300000);
  CHECK(canceled[0].reason == CancelReason::kNeedCovered);
  CHECK(m.x.project_credited(project) == 240000);
  CHECK(m.x.project_reserved(project) == 350000);
  // What the project still needs it bids again: 160,000 t at 1.5:1.
  CHECK(accepted(m.buy("TJ-BOHAI-STEEL", "STEEL-IRON", "TJ-NEW-BF-2500", 240000, 58000)));
}

TEST_CASE("a clinker project bids for an indivisible line that meets its need at 2:1, a lot it cannot "
          "take whole is skipped, never cut",
          "[exchange][issue11]") {
  Market_ m(nanyang());
  const std::uint32_t project = m.project("HA-NEW-CL-NY");
  CHECK(m.x.project_lowest_ratio(project) == 1500);
  CHECK(m.x.project_highest_ratio(project) == 2000);
  // 2,000,000 t reserve 1,000,000 t at 2:1 (at 1.5:1 they would reserve 1,333,333 t: refused before).
  REQUIRE(accepted(m.buy("HA-NANYANG-CEMENT", "CEMENT-CLINKER", "HA-NEW-CL-NY", 2000000, 30000)));
  // Zhengzhou's indivisible 1,800,000 t at 1.5:1 would credit 1,200,000 t: more than the need, and an
  // indivisible lot is not cut: skipped, it rests untouched.
  std::vector<Event> ev = m.sell("HA-ZHENGZHOU-CEMENT", "CEMENT-CLINKER", "HA-CL-ZZ-1800", 1800000, 30000, kAon);
  CHECK(accepted(ev));
  CHECK(of_type(ev, EventType::kFill).empty());
  CHECK(m.x.facility_reserved(m.facility("HA-CL-ZZ-1800")) == 1800000);
  // Hebei's indivisible 2,000,000 t line at 2:1 meets the need exactly.
  ev = m.sell("HB-JIDONG-CEMENT", "CEMENT-CLINKER", "HB-CL-4000", 2000000, 30000, kAon);
  const std::vector<Event> fills = of_type(ev, EventType::kFill);
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].qty.v == 2000000);
  CHECK(fills[0].arg2 == 2000);
  CHECK(fills[0].arg1 == 1000000);
  CHECK(m.x.project_credited(project) == 1000000);
  CHECK(m.x.project_reserved(project) == 0);
}

TEST_CASE("a GTD maker expires at the first command at or after its ExpireTime, never trading then",
          "[exchange][expiry]") {
  Market_ m;
  Command gtd = m.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, "HB-BF-450", 1000, 58000);
  gtd.tif = TimeInForce::kGtd;
  gtd.expire_at = at(kTuesday, 10, 0, 30);
  REQUIRE(accepted(m.apply(gtd)));
  // 6 s after its ExpireTime, with no AdvanceTime since: the buy finds the sell gone, not a maker.
  m.now = at(kTuesday, 10, 0, 36);
  Command ioc = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 1000, 58000);
  ioc.tif = TimeInForce::kIoc;
  const std::vector<Event> ev = m.apply(ioc);
  CHECK(of_type(ev, EventType::kFill).empty());
  const std::vector<Event> expired = of_type(ev, EventType::kExpired);
  REQUIRE(expired.size() == 1);
  CHECK(expired[0].order_id == gtd.id);
  CHECK(ev.front().type == EventType::kExpired);  // before the command's own events
  CHECK(m.x.facility_reserved(m.facility("HB-BF-450")) == 0);
  CHECK(m.x.next_expiry().v == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("a ledger's commands from before GTD expiry at the command replay under the clock's expiry",
          "[exchange][expiry]") {
  Market_ m;
  m.x.set_expiry_at_command_from(Seq(100));  // the seqs below ran under the old rule
  Command gtd = m.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, "HB-BF-450", 1000, 58000);
  gtd.tif = TimeInForce::kGtd;
  gtd.seq = Seq(1);
  gtd.expire_at = at(kTuesday, 10, 0, 30);
  REQUIRE(accepted(m.apply(gtd)));
  CHECK(m.x.next_expiry() == gtd.expire_at);
  m.now = at(kTuesday, 10, 0, 36);
  Command ioc = m.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, "TJ-NEW-BF-2500", 1000, 58000);
  ioc.tif = TimeInForce::kIoc;
  ioc.seq = Seq(2);
  CHECK(of_type(m.apply(ioc), EventType::kFill).size() == 1);  // as it was journaled
}
