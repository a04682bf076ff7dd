// crix::engine eligibility and pair facts: whether a facility's capacity may be sold at all, and what
// the ratio and transfer tables (market_rules.hpp) look at for one (facility, project) pair (DOMAIN.md,
// "Eligibility", "Replacement ratios"). Plain functions; standard library only.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/market.hpp"

namespace crix::engine {

// Why a facility's capacity may not be sold (DOMAIN.md, "Eligibility"); the first that applies.
enum class Ineligibility : std::uint8_t {
  kNone = 0,
  kMandatedCut = 1,
  kSubsidised = 2,
  kBackward = 3,
  kZombieOwner = 4,
  kCourtSeized = 5,
  kDismantled = 6,
  kUsed = 7,
  kNotOnInventory = 8,
  kIdle = 9,
  kExpired = 10,
};
std::string_view to_string(Ineligibility why);

// `today` in days since 1970-01-01 (local date).
Ineligibility ineligibility(const Facility& f, std::uint32_t idle_years_limit, std::int32_t today);

// What the ratio and transfer tables look at for one (facility, project) pair: the same enterprise or
// the same (non-empty) group on both sides counts as same_group.
PairFacts pair_facts(const Facility& facility, const Participant& seller, const RegionRef& seller_region,
                     const Project& project, const Participant& buyer, const RegionRef& buyer_region);

}  // namespace crix::engine
