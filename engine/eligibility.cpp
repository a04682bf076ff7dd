#include "engine/eligibility.hpp"

#include "engine/calendar.hpp"

namespace crix::engine {

std::string_view to_string(Ineligibility why) {
  switch (why) {
    case Ineligibility::kNone: return "eligible";
    case Ineligibility::kMandatedCut: return "part of a mandated capacity-cut task";
    case Ineligibility::kSubsidised: return "already retired with subsidy money";
    case Ineligibility::kBackward: return "backward or illegal capacity";
    case Ineligibility::kZombieOwner: return "owned by an unrestructured zombie enterprise";
    case Ineligibility::kCourtSeized: return "under court seizure";
    case Ineligibility::kDismantled: return "dismantled before the replacement was confirmed";
    case Ineligibility::kUsed: return "already used in another replacement";
    case Ineligibility::kNotOnInventory: return "not on the official inventory";
    case Ineligibility::kIdle: return "idle for too many years";
    case Ineligibility::kExpired: return "expired";
  }
  return "?";
}

Ineligibility ineligibility(const Facility& f, std::uint32_t idle_years_limit, std::int32_t today) {
  const EligibilityFacts& e = f.facts;
  if (e.mandated_cut) return Ineligibility::kMandatedCut;
  if (e.subsidised) return Ineligibility::kSubsidised;
  if (e.backward) return Ineligibility::kBackward;
  if (e.zombie_owner) return Ineligibility::kZombieOwner;
  if (e.court_seized) return Ineligibility::kCourtSeized;
  if (e.dismantled) return Ineligibility::kDismantled;
  if (e.used) return Ineligibility::kUsed;
  if (!e.on_inventory) return Ineligibility::kNotOnInventory;
  if (e.idle_years >= idle_years_limit) return Ineligibility::kIdle;
  if (e.expires && today > days_from_civil(*e.expires)) return Ineligibility::kExpired;
  return Ineligibility::kNone;
}

PairFacts pair_facts(const Facility& facility, const Participant& seller, const RegionRef& seller_region,
                     const Project& project, const Participant& buyer, const RegionRef& buyer_region) {
  PairFacts facts;
  facts.industry = facility.industry;
  facts.seller = seller_region;
  facts.buyer = buyer_region;
  facts.same_group = facility.owner == project.owner || (!seller.group.empty() && seller.group == buyer.group);
  facts.merger_capacity = facility.merger_capacity;
  return facts;
}

}  // namespace crix::engine
