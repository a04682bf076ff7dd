// Ratio and transfer tables on rules transcribed from DOMAIN.md (2021 steel and clinker rules, glass,
// Tibet 1:1, key-region inflow, Henan aluminium kept in the province).
#include <catch2/catch.hpp>

#include <string>

#include "engine/market_rules.hpp"

namespace {

using namespace crix::engine;

RegionRef region(std::uint32_t code, RegionClass c) { return RegionRef{code, province_of(code), c}; }
const RegionRef kTianjin = region(120000, RegionClass::kKey);
const RegionRef kTangshan = region(130200, RegionClass::kKey);  // Hebei
const RegionRef kJinan = region(370100, RegionClass::kKey);     // Shandong, a "2+26" city
const RegionRef kChengdu = region(510100, RegionClass::kOther);  // Sichuan
const RegionRef kMianyang = region(510700, RegionClass::kOther);  // Sichuan
const RegionRef kLhasa = region(540100, RegionClass::kOther);   // Tibet
const RegionRef kZhengzhou = region(410100, RegionClass::kKey);  // Henan

RatioRule ratio(std::string name, Industry i, std::uint32_t permille) {
  RatioRule r;
  r.name = std::move(name);
  r.industry = i;
  r.ratio_permille = permille;
  return r;
}

RatioTable rules_2021() {
  std::vector<RatioRule> t;
  t.push_back(ratio("steel 2021, key region", Industry::kSteel, 1500));
  t.back().buyer_class = RegionClass::kKey;
  t.push_back(ratio("steel 2021, other regions", Industry::kSteel, 1250));
  t.back().buyer_class = RegionClass::kOther;
  t.push_back(ratio("steel 2021, merger capacity, key region", Industry::kSteel, 1250));
  t.back().buyer_class = RegionClass::kKey;
  t.back().merger_capacity = true;
  t.push_back(ratio("steel 2021, Tibet", Industry::kSteel, 1000));
  t.back().buyer_region = 540000;
  t.push_back(ratio("clinker 2021, key region", Industry::kCement, 2000));
  t.back().buyer_class = RegionClass::kKey;
  t.push_back(ratio("clinker 2021, other regions", Industry::kCement, 1500));
  t.back().buyer_class = RegionClass::kOther;
  t.push_back(ratio("clinker 2021, cross-province", Industry::kCement, 2000));
  t.back().cross_province = true;
  t.push_back(ratio("clinker, Tibet", Industry::kCement, 1000));
  t.back().buyer_region = 540000;
  t.push_back(ratio("glass, other regions", Industry::kGlass, 1000));
  t.back().buyer_class = RegionClass::kOther;
  return RatioTable(std::move(t));
}

PairFacts pair(Industry i, RegionRef seller, RegionRef buyer) {
  PairFacts f;
  f.industry = i;
  f.seller = seller;
  f.buyer = buyer;
  return f;
}

}  // namespace

TEST_CASE("the most specific ratio rule wins, and says so", "[rules][ratio]") {
  const RatioTable table = rules_2021();

  auto steel_into_tianjin = pair(Industry::kSteel, kTangshan, kTianjin);
  auto choice = table.choose(steel_into_tianjin);
  CHECK(choice.ratio_permille == 1500);
  CHECK(explain(choice, steel_into_tianjin) ==
        "steel capacity from region 130200 to a project in region 120000 (key region) replaces at "
        "1.5:1 under rule 'steel 2021, key region'");

  steel_into_tianjin.merger_capacity = true;  // two conditions beat one
  CHECK(table.choose(steel_into_tianjin).ratio_permille == 1250);

  CHECK(table.choose(pair(Industry::kSteel, kChengdu, kMianyang)).ratio_permille == 1250);
  // A named region beats a region class.
  CHECK(table.choose(pair(Industry::kSteel, kLhasa, kLhasa)).rule->name == "steel 2021, Tibet");
  CHECK(table.choose(pair(Industry::kCement, kLhasa, kLhasa)).ratio_permille == 1000);
}

TEST_CASE("equally specific rules: the strictest ratio applies", "[rules][ratio]") {
  // Cross-province clinker into an 'other' region: 'other regions 1.5' and 'cross-province 2.0' each
  // set one condition; the market must not become more lenient than either, so 2:1 applies.
  const RatioTable table = rules_2021();
  const auto choice = table.choose(pair(Industry::kCement, kJinan, kChengdu));
  CHECK(choice.ratio_permille == 2000);
  CHECK(choice.rule->name == "clinker 2021, cross-province");
  CHECK(table.choose(pair(Industry::kCement, kMianyang, kChengdu)).ratio_permille == 1500);
}

TEST_CASE("a pair no rule covers has no ratio", "[rules][ratio]") {
  const auto facts = pair(Industry::kGlass, kTangshan, kTianjin);  // no key-region glass rule here
  const RatioTable table = rules_2021();
  const auto choice = table.choose(facts);
  CHECK(choice.rule == nullptr);
  CHECK(explain(choice, facts) ==
        "no replacement ratio rule covers flat glass capacity from region 130200 to a project in "
        "region 120000 (key region)");
}

TEST_CASE("credited capacity is floor(qty * 1000 / ratio)", "[rules][ratio]") {
  CHECK(credited_capacity(500'000, 1500) == 333'333);  // the 410 m3 blast furnace at 1.5:1
  CHECK(credited_capacity(500'000, 1250) == 400'000);
  CHECK(credited_capacity(1, 2000) == 0);
  CHECK(credited_capacity(1'240'000, 1000) == 1'240'000);
}

TEST_CASE("transfer rules: key-region inflow, province-internal industries, provinces over target",
          "[rules][transfer]") {
  std::vector<TransferRule> rules(4);
  rules[0].name = "no steel inflow into key regions from other provinces";
  rules[0].industry = Industry::kSteel;
  rules[0].buyer_class = RegionClass::kKey;
  rules[0].cross_province = true;
  rules[1].name = "Henan aluminium stays in Henan";
  rules[1].industry = Industry::kAluminium;
  rules[1].seller_province = 410000;
  rules[1].cross_province = true;
  rules[2].name = "no steel into a province over its target";
  rules[2].industry = Industry::kSteel;
  rules[2].buyer_province_over_target = true;
  rules[3].name = "steel between key regions of the same province is fine";
  rules[3].industry = Industry::kSteel;
  rules[3].buyer_class = RegionClass::kKey;
  rules[3].cross_province = false;
  rules[3].effect = FlowEffect::kAllow;
  const TransferTable table(std::move(rules));

  const auto hebei_to_tianjin = pair(Industry::kSteel, kTangshan, kTianjin);
  const auto d = table.decide(hebei_to_tianjin, false);
  CHECK_FALSE(d.allowed);
  CHECK(explain(d, hebei_to_tianjin) ==
        "steel capacity from region 130200 to a project in region 120000 (key region) is not allowed "
        "under rule 'no steel inflow into key regions from other provinces'");

  CHECK(table.decide(pair(Industry::kSteel, kTianjin, kTianjin), false).allowed);
  CHECK(table.decide(pair(Industry::kSteel, kChengdu, kMianyang), false).rule == nullptr);
  CHECK_FALSE(table.decide(pair(Industry::kAluminium, kZhengzhou, kJinan), false).allowed);
  CHECK(table.decide(pair(Industry::kAluminium, kJinan, kZhengzhou), false).allowed);
  CHECK_FALSE(table.decide(pair(Industry::kSteel, kChengdu, kMianyang), true).allowed);
}

TEST_CASE("equally specific allow and deny: deny wins", "[rules][transfer]") {
  std::vector<TransferRule> rules(2);
  rules[0].name = "allow clinker into key regions";
  rules[0].industry = Industry::kCement;
  rules[0].buyer_class = RegionClass::kKey;
  rules[0].effect = FlowEffect::kAllow;
  rules[1].name = "no cross-province clinker";
  rules[1].industry = Industry::kCement;
  rules[1].cross_province = true;
  const TransferTable table(std::move(rules));
  const auto d = table.decide(pair(Industry::kCement, kChengdu, kTianjin), false);
  CHECK_FALSE(d.allowed);
  CHECK(d.rule->name == "no cross-province clinker");
  // Reversed order in the table gives the same answer.
  std::vector<TransferRule> reversed(table.rules().rbegin(), table.rules().rend());
  CHECK_FALSE(TransferTable(std::move(reversed)).decide(pair(Industry::kCement, kChengdu, kTianjin), false).allowed);
}
