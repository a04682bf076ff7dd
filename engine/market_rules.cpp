#include "engine/market_rules.hpp"

#include <cstddef>
#include <string_view>

#include "engine/market.hpp"  // kIndustries

namespace crix::engine {
namespace {

template <class T, class V>
bool holds(const std::optional<T>& condition, const V& value) {
  return !condition || *condition == value;
}

template <class... Opt>
int count_set(const Opt&... o) {
  return (static_cast<int>(o.has_value()) + ...);
}

std::string pair_text(const PairFacts& f) {
  std::string s(to_string(f.industry));
  s += " capacity from region ";
  s += std::to_string(f.seller.code);
  s += " to a project in region ";
  s += std::to_string(f.buyer.code);
  if (f.buyer.region_class == RegionClass::kKey) s += " (key region)";
  return s;
}

}  // namespace

std::string ratio_text(std::uint32_t permille) {
  std::string s = std::to_string(permille / 1000);
  if (permille % 1000 != 0) {
    std::string frac = std::to_string(1000 + permille % 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + ":1";
}

std::string_view to_string(Industry i) {
  switch (i) {
    case Industry::kSteel: return "steel";
    case Industry::kCement: return "cement clinker";
    case Industry::kGlass: return "flat glass";
    case Industry::kAluminium: return "electrolytic aluminium";
  }
  return "unknown industry";
}

namespace {
constexpr std::string_view kIndustryKeys[kIndustries] = {"steel", "cement", "glass", "aluminium"};
}  // namespace

std::string_view industry_key(Industry industry) {
  const auto k = static_cast<std::size_t>(industry);
  return k < kIndustries ? kIndustryKeys[k] : "unknown industry";
}

std::optional<Industry> industry_named(std::string_view name) {
  for (std::size_t k = 0; k < kIndustries; ++k) {
    const auto i = static_cast<Industry>(k);
    if (name == industry_key(i) || name == to_string(i)) return i;
  }
  return std::nullopt;
}

std::string industry_names_text() {
  std::string s;
  for (std::size_t k = 0; k < kIndustries; ++k) {
    const std::string_view printed = to_string(static_cast<Industry>(k));
    s += (k == 0 ? "" : ", ") + std::string(kIndustryKeys[k]);
    if (printed != kIndustryKeys[k]) s += " (" + std::string(printed) + ")";
  }
  return s;
}


bool RatioRule::matches(const PairFacts& f) const {
  return industry == f.industry && holds(buyer_class, f.buyer.region_class) &&
         (!buyer_region || *buyer_region == f.buyer.code || *buyer_region == f.buyer.province) &&
         holds(cross_province, f.cross_province()) && holds(same_group, f.same_group) &&
         holds(merger_capacity, f.merger_capacity);
}

// A named region is narrower than a region class, so it weighs twice: "Tibet 1:1" beats "other
// regions 1.5:1" though each sets one condition.
int RatioRule::specificity() const {
  return count_set(buyer_class, buyer_region, cross_province, same_group, merger_capacity) +
         (buyer_region ? 1 : 0);
}

RatioChoice RatioTable::choose(const PairFacts& facts) const {
  RatioChoice best;
  for (const RatioRule& r : rules_) {
    if (!r.matches(facts)) continue;
    const bool better = best.rule == nullptr || r.specificity() > best.rule->specificity() ||
                        (r.specificity() == best.rule->specificity() &&
                         r.ratio_permille > best.ratio_permille);
    if (better) best = RatioChoice{r.ratio_permille, &r};
  }
  return best;
}

bool TransferRule::matches(const PairFacts& f, bool buyer_province_over) const {
  return holds(industry, f.industry) && holds(seller_class, f.seller.region_class) &&
         holds(buyer_class, f.buyer.region_class) && holds(seller_province, f.seller.province) &&
         holds(buyer_province, f.buyer.province) && holds(cross_province, f.cross_province()) &&
         holds(buyer_province_over_target, buyer_province_over);
}

int TransferRule::specificity() const {
  return count_set(industry, seller_class, buyer_class, seller_province, buyer_province,
                   cross_province, buyer_province_over_target);
}

FlowDecision TransferTable::decide(const PairFacts& facts, bool buyer_province_over_target) const {
  const TransferRule* best = nullptr;
  for (const TransferRule& r : rules_) {
    if (!r.matches(facts, buyer_province_over_target)) continue;
    const bool better = best == nullptr || r.specificity() > best->specificity() ||
                        (r.specificity() == best->specificity() && r.effect == FlowEffect::kDeny);
    if (better) best = &r;
  }
  return FlowDecision{best == nullptr || best->effect == FlowEffect::kAllow, best};
}

std::string explain(const RatioChoice& choice, const PairFacts& facts) {
  if (choice.rule == nullptr) return "no replacement ratio rule covers " + pair_text(facts);
  return pair_text(facts) + " replaces at " + ratio_text(choice.ratio_permille) + " under rule '" +
         choice.rule->name + "'";
}

std::string explain(const FlowDecision& decision, const PairFacts& facts) {
  if (decision.rule == nullptr) return pair_text(facts) + " is allowed: no transfer rule restricts it";
  return pair_text(facts) + (decision.allowed ? " is allowed" : " is not allowed") + " under rule '" +
         decision.rule->name + "'";
}

}  // namespace crix::engine
