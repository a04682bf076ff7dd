// crix::engine market rules, the pure part: which replacement ratio applies to a (retired facility,
// new project) pair, and whether capacity may flow between the two regions at all (DOMAIN.md,
// "Replacement ratios" and "Where capacity may flow"). Every number and list comes from configuration
// (issue 3); this file only decides, and explains its decision.
//
// Rule selection, for both tables: a rule matches a pair when every condition it sets holds; of the
// matching rules the most specific wins (the one that sets the most conditions, a named region
// counting twice); among equally specific
// rules the strictest wins (the highest ratio; deny over allow), so that an overlap in configuration
// can never make the market more permissive than either rule. The winner is returned with its name, so
// a reject or a ledger record can say which rule applied.
//
// Thread rules: immutable after construction; lookups allocate nothing and may run on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crix::engine {

enum class Industry : std::uint8_t { kSteel = 0, kCement = 1, kGlass = 2, kAluminium = 3 };
enum class RegionClass : std::uint8_t { kKey = 0, kOther = 1 };
std::string_view to_string(Industry industry);  // "steel", "cement clinker", ...
std::string_view industry_key(Industry industry);  // the market file's: "steel", "cement", "glass", "aluminium"
// The market file's key or the name to_string prints and the
// queries show ("cement clinker", "flat glass", "electrolytic aluminium"); nullopt for any other text.
std::optional<Industry> industry_named(std::string_view name);
// Every name industry_named takes, for a message: "steel, cement (cement clinker), glass (flat glass), ...".
std::string industry_names_text();
// A replacement ratio exactly, as DOMAIN.md writes it: 1250 -> "1.25:1", 1500 -> "1.5:1", 2000 -> "2:1".
std::string ratio_text(std::uint32_t permille);

// A region by administrative division code (e.g. 120000 Tianjin, 130100 Shijiazhuang).
struct RegionRef {
  std::uint32_t code = 0;
  std::uint32_t province = 0;  // the province's code (first two digits, then zeros): 130000 for 130100
  RegionClass region_class = RegionClass::kOther;
};

constexpr std::uint32_t province_of(std::uint32_t code) { return code / 10000 * 10000; }

// Everything a rule may look at about one (retired facility -> new project) pair.
struct PairFacts {
  Industry industry = Industry::kSteel;
  RegionRef seller;              // where the retired facility is
  RegionRef buyer;               // where the new project is
  bool same_group = false;       // same enterprise or group on both sides
  bool merger_capacity = false;  // the facility's capacity comes from a completed merger
  bool cross_province() const { return seller.province != buyer.province; }
};

// One row of a ratio table: conditions (unset = any) and the ratio retired:new in per-mille
// (1250 = 1.25:1). The buyer (new project) side decides the region class, as the policies do.
struct RatioRule {
  std::string name;  // e.g. "2021 steel, key region (工信部原〔2021〕46号)"
  Industry industry = Industry::kSteel;
  std::optional<RegionClass> buyer_class;
  std::optional<std::uint32_t> buyer_region;  // a named region or province code, e.g. 540000 Tibet
  std::optional<bool> cross_province;
  std::optional<bool> same_group;
  std::optional<bool> merger_capacity;
  std::uint32_t ratio_permille = 1000;

  bool matches(const PairFacts& f) const;
  int specificity() const;
};

// `rule` points into the table that chose it: valid while that table lives.
struct RatioChoice {
  std::uint32_t ratio_permille = 0;
  const RatioRule* rule = nullptr;  // null when no rule covers the pair: the pair may not trade
};

class RatioTable {
 public:
  RatioTable() = default;
  explicit RatioTable(std::vector<RatioRule> rules) : rules_(std::move(rules)) {}
  RatioChoice choose(const PairFacts& facts) const;
  const std::vector<RatioRule>& rules() const { return rules_; }

 private:
  std::vector<RatioRule> rules_;
};

// New capacity credited for `qty` tonnes retired at `ratio_permille`: floor(qty * 1000 / ratio)
// (DESIGN.md, Numbers). Requires qty >= 0 and ratio >= 1; qty up to 2^53 cannot overflow.
constexpr std::int64_t credited_capacity(std::int64_t qty, std::uint32_t ratio_permille) {
  return qty * 1000 / static_cast<std::int64_t>(ratio_permille);
}

// A day's traded value, the sum of price x qty in fen: up to 10^12 fen x 10^10 t per fill, past int64.
__extension__ typedef __int128 DayValue;

// The day's close of an instrument (DOMAIN.md: the volume-weighted average of the day's trades):
// `value` / `volume` rounded once, half up, straight to a multiple of `tick` (rounding to the fen
// first could land on the other tick: 58049.5 fen is 580.00 at a 1-yuan tick, not 581.00). The one
// home of the formula: the Exchange's next reference price and the ledger's daily statistics both
// call it (STYLE.md 19). Requires volume >= 1 and tick >= 1.
constexpr std::int64_t day_close(DayValue value, std::int64_t volume, std::int64_t tick) {
  const DayValue unit = DayValue{volume} * tick;
  return static_cast<std::int64_t>((value * 2 + unit) / (unit * 2)) * tick;
}

enum class FlowEffect : std::uint8_t { kAllow = 0, kDeny = 1 };

// One row of a transfer table. Conditions unset = any. `into_province_over_target` matches when the
// buyer's province has not met its total-capacity target (a fact the caller supplies).
struct TransferRule {
  std::string name;  // e.g. "2025 steel draft: no inflow into key regions"
  std::optional<Industry> industry;
  std::optional<RegionClass> seller_class;
  std::optional<RegionClass> buyer_class;
  std::optional<std::uint32_t> seller_province;
  std::optional<std::uint32_t> buyer_province;
  std::optional<bool> cross_province;
  std::optional<bool> buyer_province_over_target;
  FlowEffect effect = FlowEffect::kDeny;

  bool matches(const PairFacts& f, bool buyer_province_over) const;
  int specificity() const;
};

// `rule` points into the table that decided: valid while that table lives.
struct FlowDecision {
  bool allowed = true;
  const TransferRule* rule = nullptr;  // null: no rule matched, flows are allowed by default
};

class TransferTable {
 public:
  TransferTable() = default;
  explicit TransferTable(std::vector<TransferRule> rules) : rules_(std::move(rules)) {}
  FlowDecision decide(const PairFacts& facts, bool buyer_province_over_target) const;
  const std::vector<TransferRule>& rules() const { return rules_; }

 private:
  std::vector<TransferRule> rules_;
};

// A sentence for a person: which rule applied to the pair and what it gave.
std::string explain(const RatioChoice& choice, const PairFacts& facts);
std::string explain(const FlowDecision& decision, const PairFacts& facts);

}  // namespace crix::engine
