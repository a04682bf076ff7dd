#include "engine/exchange.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "engine/registry.hpp"
#include "engine/state_hash.hpp"

namespace crix::engine {

namespace {


constexpr std::int64_t kNsPerMinute = 60'000'000'000;
constexpr std::int64_t kNsPerDay = 24 * 60 * kNsPerMinute;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::size_t ind(Industry i) { return static_cast<std::size_t>(i); }

std::string tonnes(std::int64_t t) { return std::to_string(t) + " t"; }

std::string minute_text(std::int64_t minute) {
  const char text[] = {static_cast<char>('0' + minute / 600 % 10), static_cast<char>('0' + minute / 60 % 10),
                       ':', static_cast<char>('0' + minute % 60 / 10), static_cast<char>('0' + minute % 10)};
  return std::string(text, sizeof text);
}

}  // namespace

std::string yuan(std::int64_t fen) {
  const std::int64_t a = fen < 0 ? -fen : fen;
  std::string text = fen < 0 ? "-" : "";
  text += std::to_string(a / 100);
  text += a % 100 < 10 ? ".0" : ".";
  text += std::to_string(a % 100);
  text += " yuan";
  return text;
}

std::string_view to_string(SessionPhase phase) {
  switch (phase) {
    case SessionPhase::kClosed: return "closed";
    case SessionPhase::kPreOpen: return "pre-open";
    case SessionPhase::kContinuous: return "continuous trading";
    case SessionPhase::kBreak: return "break between sessions";
  }
  return "?";
}

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

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms, written out here).
std::int32_t days_from_civil(const Date& d) {
  const std::int32_t y = d.year - (d.month <= 2 ? 1 : 0);
  const std::int32_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int32_t yoe = y - era * 400;
  const std::int32_t m = d.month;
  const std::int32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d.day - 1;
  const std::int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date civil_from_days(std::int32_t z) {
  z += 719468;
  const std::int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int32_t doe = z - era * 146097;
  const std::int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int32_t mp = (5 * doy + 2) / 153;
  const std::int32_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int32_t month = mp < 10 ? mp + 3 : mp - 9;
  return Date{yoe + era * 400 + (month <= 2 ? 1 : 0), static_cast<std::uint8_t>(month),
              static_cast<std::uint8_t>(day)};
}

Timestamp local_time(const Date& day, int hour, int minute, std::int32_t utc_offset_minutes) {
  const std::int64_t local_s = std::int64_t{days_from_civil(day)} * 86400 + hour * 3600 + minute * 60;
  return Timestamp((local_s - std::int64_t{utc_offset_minutes} * 60) * 1'000'000'000);
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

// ---- the implementation ---------------------------------------------------------------------------

struct Exchange::Impl final : EligibilityHook {
  // The hot-path copy of what the checks read, next to the running totals, so that an order's checks
  // touch a few small records and not the Market's strings.
  struct FacilityState {
    std::uint32_t owner = 0;
    std::uint32_t region = 0;  // index into market.regions
    Industry industry = Industry::kSteel;
    bool divisible = true;
    Ineligibility standing = Ineligibility::kNone;  // the first reason that does not depend on the date
    std::uint32_t instrument = kAnyInstrument;      // its product's instrument
    std::int64_t capacity = 0;
    std::int32_t expires_day = std::numeric_limits<std::int32_t>::max();
    std::int64_t sold = 0;
    std::int64_t reserved = 0;
    std::uint32_t counterparties = 0;  // open projects of other owners that may buy from it
    std::uint32_t lowest_ratio = 0;    // of its allowed pairs with other owners' projects; 0: none
    bool registered = true;
  };
  struct ProjectState {
    std::uint32_t owner = 0;
    std::uint32_t region = 0;
    Industry industry = Industry::kSteel;
    bool open = true;  // approved or filed
    std::uint32_t instrument = kAnyInstrument;  // the product it needs
    std::int64_t need = 0;
    std::uint32_t lowest_ratio = 0;   // of the rules that could apply; 0: no rule can ever apply
    std::uint32_t highest_ratio = 0;  // of its allowed pairs (the least credit per tonne); 0: none
    std::int64_t credited = 0;
    std::int64_t reserved = 0;  // credit reserved by open buy orders, at highest_ratio
    std::uint32_t counterparties = 0;  // eligible facilities of other owners it may buy from
    bool registered = true;
  };
  // A trade whose publicity period is still running: what a revocation needs to undo it.
  struct RecentTrade {
    std::uint64_t id = 0;
    std::uint32_t facility = 0;
    std::uint32_t project = 0;
    std::uint32_t instrument = 0;
    std::int32_t publicity_end = 0;  // last local day on which it may be revoked
    std::int64_t price = 0;
    std::int64_t qty = 0;
    std::int64_t credited = 0;
  };
  static constexpr std::uint8_t kRevocationRecord = 0xFF;  // trade_status of a revocation's own id
  struct InstrumentState {
    Industry industry = Industry::kSteel;
    std::int64_t tick = 1;
    std::int64_t lot = 1;
    Price reference{};
    Price low{};
    Price high{};
    bool halted = false;
    std::int64_t day_volume = 0;
    std::int64_t day_trades = 0;
    DayValue day_value = 0;
  };
  static constexpr std::int64_t kNoCap = std::numeric_limits<std::int64_t>::max();
  static constexpr std::uint32_t kAnyInstrument = std::numeric_limits<std::uint32_t>::max();

  struct PairRule {
    bool allowed = false;
    std::uint32_t ratio = 0;
    std::uint32_t ratio_rule = kNoRule;  // index into market.ratios.rules()
  };
  static constexpr std::uint32_t kNoRule = std::numeric_limits<std::uint32_t>::max();

  Impl(Market m, const RegistryCounts& registered) : market(std::move(m)), book(book_settings(market)) {
    const std::size_t n_regions = market.regions.size();
    std::unordered_map<std::uint32_t, std::uint32_t> region_of;
    for (std::uint32_t r = 0; r < n_regions; ++r) region_of.emplace(market.regions[r].ref.code, r);
    const auto region_index = [&](std::uint32_t code, const std::string& who) {
      const auto it = region_of.find(code);
      if (it == region_of.end()) {
        throw std::invalid_argument(who + ": region " + std::to_string(code) + " is not in the market");
      }
      return it->second;
    };
    for (std::uint32_t i = 0; i < market.participants.size(); ++i) {
      participant_of.emplace(market.participants[i].id, i);
    }
    const auto owner_index = [&](const std::string& owner, const std::string& who) {
      const auto it = participant_of.find(owner);
      if (it == participant_of.end()) {
        throw std::invalid_argument(who + ": owner " + owner + " is not a participant");
      }
      return it->second;
    };
    for (std::uint32_t i = 0; i < market.instruments.size(); ++i) {
      instrument_of.emplace(market.instruments[i].code, i);
      InstrumentState s;
      s.industry = market.instruments[i].industry;
      s.tick = market.instruments[i].tick;
      s.lot = market.instruments[i].lot;
      s.reference = Price(market.instruments[i].reference_price);
      instruments.push_back(s);
      set_band(i);
    }
    for (std::uint32_t i = 0; i < market.facilities.size(); ++i) {
      const Facility& f = market.facilities[i];
      facility_of.emplace(f.id, i);
      FacilityState s;
      s.owner = owner_index(f.owner, "facility " + f.id);
      s.region = region_index(f.region, "facility " + f.id);
      if (f.facts.expires) s.expires_day = days_from_civil(*f.facts.expires);
      s.industry = f.industry;
      s.divisible = f.divisible;
      s.capacity = f.capacity;
      s.standing = ineligibility(f, market.idle_years_limit, std::numeric_limits<std::int32_t>::min());
      s.instrument = product_index(f.instrument, "facility " + f.id);
      facilities.push_back(s);
    }
    for (std::uint32_t i = 0; i < market.projects.size(); ++i) {
      const Project& p = market.projects[i];
      project_of.emplace(p.id, i);
      ProjectState s;
      s.owner = owner_index(p.owner, "project " + p.id);
      s.region = region_index(p.region, "project " + p.id);
      s.lowest_ratio = lowest_ratio(p, market.regions[s.region].ref);
      s.industry = p.industry;
      s.open = p.status == ProjectStatus::kApproved || p.status == ProjectStatus::kFiled;
      s.need = p.new_capacity;
      s.instrument = product_index(p.instrument, "project " + p.id);
      projects.push_back(s);
    }
    trades_instrument.assign(market.participants.size() * market.instruments.size(), 0);
    suspended_flags.assign(market.participants.size(), 0);
    roles.assign(market.participants.size(), 0);
    for (std::uint32_t i = 0; i < market.participants.size(); ++i) {
      const Participant& p = market.participants[i];
      suspended_flags[i] = p.status == ParticipantStatus::kSuspended;
      roles[i] = static_cast<std::uint8_t>((p.may_buy ? 1u : 0u) | (p.may_sell ? 2u : 0u));
      for (const std::string& code : p.instruments) {
        const auto it = instrument_of.find(code);
        if (it == instrument_of.end()) {
          throw std::invalid_argument("participant " + p.id + ": instrument " + code + " is not listed");
        }
        trades_instrument[i * market.instruments.size() + it->second] = 1;
      }
    }
    capacity.resize(n_regions * kIndustries);
    caps.resize(n_regions * kIndustries);
    for (std::uint32_t r = 0; r < n_regions; ++r) {
      for (std::size_t k = 0; k < kIndustries; ++k) {
        capacity[r * kIndustries + k] = market.regions[r].capacity[k];
        caps[r * kIndustries + k] = market.regions[r].cap[k].value_or(kNoCap);
      }
    }
    walk_delta.assign(n_regions, 0);
    // Every (facility, project) decision, precomputed: a pair's rules never change while the market
    // runs, and the hook is on the matching path. Pairs of different industries never meet.
    pairs.resize(market.facilities.size() * market.projects.size());
    for (std::uint32_t f = 0; f < market.facilities.size(); ++f) {
      for (std::uint32_t p = 0; p < market.projects.size(); ++p) {
        if (market.facilities[f].industry != market.projects[p].industry) continue;
        const std::uint32_t fi = facilities[f].instrument;
        const std::uint32_t pi = projects[p].instrument;
        if (fi != kAnyInstrument && pi != kAnyInstrument && fi != pi) continue;  // never in one book
        const PairFacts facts = pair_facts(f, p);
        const RatioChoice ratio = market.ratios.choose(facts);
        const FlowDecision flow = market.transfers.decide(
            facts, market.regions[projects[p].region].province_over_target);
        const PairRule rule{flow.allowed && ratio.rule != nullptr,
                            ratio.rule != nullptr ? ratio.ratio_permille : 0,
                            ratio.rule != nullptr
                                ? static_cast<std::uint32_t>(ratio.rule - market.ratios.rules().data())
                                : kNoRule};
        pairs[f * market.projects.size() + p] = rule;
        if (rule.allowed) projects[p].highest_ratio = std::max(projects[p].highest_ratio, rule.ratio);
        if (rule.allowed && facilities[f].owner != projects[p].owner) {
          std::uint32_t& lowest = facilities[f].lowest_ratio;
          lowest = lowest == 0 ? rule.ratio : std::min(lowest, rule.ratio);
        }
      }
    }
    walk_credit.assign(projects.size(), 0);
    walk_released.assign(projects.size(), 0);
    for (std::size_t f = registered.facilities.value_or(facilities.size()); f < facilities.size(); ++f) {
      facilities[f].registered = false;
    }
    for (std::size_t p = registered.projects.value_or(projects.size()); p < projects.size(); ++p) {
      projects[p].registered = false;
    }
    registered_facilities = static_cast<std::uint32_t>(
        std::min<std::size_t>(registered.facilities.value_or(facilities.size()), facilities.size()));
    registered_projects = static_cast<std::uint32_t>(
        std::min<std::size_t>(registered.projects.value_or(projects.size()), projects.size()));
    recount();
    book.set_eligibility_hook(this);
  }

  // Counts, for every registered facility and project, the counterparties it could ever trade with.
  // O(facilities x projects): at construction and after a registry command, never on the order path.
  void recount() {
    for (FacilityState& f : facilities) f.counterparties = 0;
    for (ProjectState& p : projects) p.counterparties = 0;
    for (std::uint32_t f = 0; f < facilities.size(); ++f) {
      const FacilityState& fs = facilities[f];
      if (!fs.registered) continue;
      for (std::uint32_t p = 0; p < projects.size(); ++p) {
        const ProjectState& ps = projects[p];
        if (!ps.registered || !pairs[f * projects.size() + p].allowed || fs.owner == ps.owner) continue;
        if (ps.open) ++facilities[f].counterparties;
        if (fs.standing == Ineligibility::kNone) ++projects[p].counterparties;
      }
    }
  }

  std::uint32_t product_index(const std::string& code, const std::string& who) const {
    if (code.empty()) return kAnyInstrument;
    const auto it = instrument_of.find(code);
    if (it == instrument_of.end()) {
      throw std::invalid_argument(who + ": instrument " + code + " is not listed");
    }
    return it->second;
  }

  static EngineSettings book_settings(const Market& m) {
    if (m.instruments.empty()) throw std::invalid_argument("the market lists no instrument");
    EngineSettings s;
    s.instruments = static_cast<std::uint32_t>(m.instruments.size());
    if (m.exchange.max_orders != 0) s.max_orders = m.exchange.max_orders;
    if (m.exchange.max_levels != 0) s.max_levels = m.exchange.max_levels;
    s.stp = StpMode::kCancelResting;
    return s;
  }

  std::uint32_t lowest_ratio(const Project& p, const RegionRef& where) const {
    std::uint32_t lowest = 0;
    for (const RatioRule& r : market.ratios.rules()) {
      if (r.industry != p.industry) continue;
      if (r.buyer_class && *r.buyer_class != where.region_class) continue;
      if (r.buyer_region && *r.buyer_region != where.code && *r.buyer_region != where.province) continue;
      if (lowest == 0 || r.ratio_permille < lowest) lowest = r.ratio_permille;
    }
    return lowest;
  }

  PairFacts pair_facts(std::uint32_t f, std::uint32_t p) const {
    return engine::pair_facts(market.facilities[f], market.participants[facilities[f].owner],
                              market.regions[facilities[f].region].ref, market.projects[p],
                              market.participants[projects[p].owner], market.regions[projects[p].region].ref);
  }

  void set_band(std::uint32_t i) {
    const Instrument& ins = market.instruments[i];
    InstrumentState& s = instruments[i];
    const std::int64_t ref = s.reference.v;
    const std::int64_t width = ref / 1000 * ins.band_permille + ref % 1000 * ins.band_permille / 1000;
    std::int64_t low = ref - width;
    const std::int64_t rem = floor_div(low, ins.tick) * ins.tick;
    low = rem == low ? low : rem + ins.tick;  // round the low edge up to a tick
    if (low < ins.tick) low = ins.tick;
    const std::int64_t high = floor_div(ref + width, ins.tick) * ins.tick;
    s.low = Price(low);
    s.high = Price(high);
  }

  // ---- the hook: per pair, at match time --------------------------------------------------------

  static void buyer_seller(const Order& taker, const Order& maker, const Order*& buy, const Order*& sell) {
    if (taker.side == Side::kBuy) {
      buy = &taker;
      sell = &maker;
    } else {
      buy = &maker;
      sell = &taker;
    }
  }

  // How much of `qty` the pair may trade now. Refused: a pair the rules forbid, an expired facility,
  // a fill that would credit nothing, a fill past the buyer region's cap. Cut: a fill whose credit
  // would pass the project's room (cut_to; the engine skips instead when a side is all-or-none).
  Qty allowed(const Order& taker, const Order& maker, Qty qty) const override {
    const Order* buy = nullptr;
    const Order* sell = nullptr;
    buyer_seller(taker, maker, buy, sell);
    const auto f = static_cast<std::uint32_t>(sell->account.v);
    const auto p = static_cast<std::uint32_t>(buy->account.v);
    const PairRule& rule = pairs[f * projects.size() + p];
    if (!rule.allowed) return Qty(0);
    if (today > facilities[f].expires_day) return Qty(0);
    std::int64_t q = qty.v;
    std::int64_t credit = credited_capacity(q, rule.ratio);
    // Most fills fit even without the order's own reservation counted as room: no need to work it out.
    const ProjectState& ps = projects[p];
    if (credit > ps.need - ps.credited - walk_credit[p] - (ps.reserved - walk_released[p])) {
      const std::int64_t room = need_room(p, *buy, buy == &taker);
      if (credit > room) {
        q = cut_to(room, rule.ratio, instruments[taker.instrument.v].lot, q);
        credit = credited_capacity(q, rule.ratio);
      }
    }
    if (credit == 0) return Qty(0);  // retired capacity must credit some new capacity
    const std::uint32_t into = projects[p].region;
    const std::size_t slot = into * kIndustries + ind(walk_industry);
    if (caps[slot] == kNoCap) return Qty(q);
    std::int64_t after = capacity[slot] + walk_delta[into] + credit;
    if (facilities[f].region == into) after -= q;
    return after <= caps[slot] ? Qty(q) : Qty(0);
  }

  // The credit project `p` may still take in a fill of `buy`: its need less what is credited (this
  // walk's fills included) and less what its OTHER open orders reserve. The order's own reservation
  // counts as room: a fill at a ratio below the highest may credit more than the order reserved
  // (forward() then cancels a remainder that no longer fits, kNeedCovered).
  std::int64_t need_room(std::uint32_t p, const Order& buy, bool buy_is_taker) const {
    const ProjectState& s = projects[p];
    // A taker's own reservation in `reserved`: none for a new order (its Accepted event is settled
    // after the walk), the old open quantity's for a replace (taker_reserved).
    const std::int64_t own = buy_is_taker ? taker_reserved : reserve_of(p, buy.leaves.v);
    const std::int64_t others = s.reserved - walk_released[p] - own;
    return std::max<std::int64_t>(0, s.need - s.credited - walk_credit[p] - others);
  }

  // The quantity, at most `offered`, a multiple of `lot`, that credits the most it can without passing
  // `room` at `ratio`, and of those the least: no tonne is retired for no credit. 0: none credits.
  static std::int64_t cut_to(std::int64_t room, std::uint32_t ratio, std::int64_t lot, std::int64_t offered) {
    // floor(q * 1000 / ratio) <= room  <=>  q * 1000 < (room + 1) * ratio.
    std::int64_t most = ((room + 1) * static_cast<std::int64_t>(ratio) - 1) / 1000;
    most = std::min(most, offered) / lot * lot;
    const std::int64_t credit = credited_capacity(most, ratio);
    if (credit == 0) return 0;
    const std::int64_t least = (credit * static_cast<std::int64_t>(ratio) + 999) / 1000;  // credits `credit`
    return (least + lot - 1) / lot * lot;
  }

  void walk_started(bool) override {
    for (std::uint32_t r : walk_touched) walk_delta[r] = 0;
    walk_touched.clear();
    for (std::uint32_t p : walk_projects) walk_credit[p] = walk_released[p] = 0;
    walk_projects.clear();
  }

  void traded(const Order& taker, const Order& maker, Qty qty) override {
    const Order* buy = nullptr;
    const Order* sell = nullptr;
    buyer_seller(taker, maker, buy, sell);
    const auto f = static_cast<std::uint32_t>(sell->account.v);
    const auto p = static_cast<std::uint32_t>(buy->account.v);
    const std::uint32_t ratio = pairs[f * projects.size() + p].ratio;
    const std::int64_t credit = credited_capacity(qty.v, ratio);
    touch(projects[p].region, credit);
    touch(facilities[f].region, -qty.v);
    if (std::find(walk_projects.begin(), walk_projects.end(), p) == walk_projects.end()) walk_projects.push_back(p);
    walk_credit[p] += credit;
    // A maker's reservation is in `reserved` and falls with its leaves; a taker's is settled later.
    if (buy == &maker) walk_released[p] += reserve_of(p, maker.leaves.v) - reserve_of(p, maker.leaves.v - qty.v);
  }

  void touch(std::uint32_t region, std::int64_t delta) {
    if (std::find(walk_touched.begin(), walk_touched.end(), region) == walk_touched.end()) {
      walk_touched.push_back(region);
    }
    walk_delta[region] += delta;
  }

  // ---- calendar -----------------------------------------------------------------------------------

  std::int64_t offset_ns() const { return std::int64_t{market.exchange.utc_offset_minutes} * kNsPerMinute; }

  bool trading_day(std::int32_t day) const { return working_day(market.exchange, day); }

  // UTC time of a local minute of a local day.
  std::int64_t utc_of(std::int32_t day, std::int64_t minute) const {
    return std::int64_t{day} * kNsPerDay + minute * kNsPerMinute - offset_ns();
  }

  std::int64_t close_of(std::int32_t day) const {
    if (market.exchange.sessions.empty()) return kNever;
    return utc_of(day, market.exchange.sessions.back().close.minutes);
  }

  // The close of the first trading day after `day`, or kNever within ten years.
  std::int64_t close_after(std::int32_t day) const {
    for (std::int32_t d = day + 1; d <= day + 3660; ++d) {
      if (trading_day(d)) return close_of(d);
    }
    return kNever;
  }

  // Brings the calendar to `ts`: closes every trading day whose close has passed, then updates the
  // phase (a SessionPhase event when it changes).
  void roll_clock(Timestamp ts, EventSink& sink) {
    // Fast path: still inside the stretch of time the last full computation covered.
    if (ts.v >= phase_from && ts.v < phase_until && ts.v < next_close) return;
    // Times within a day of the int64 limits are clamped (no signed overflow on a clock "at forever").
    const std::int64_t bound = std::numeric_limits<std::int64_t>::max() - 2 * kNsPerDay;
    ts = Timestamp(std::clamp(ts.v, -bound, bound));
    const std::int64_t local = ts.v + offset_ns();
    const auto day = static_cast<std::int32_t>(floor_div(local, kNsPerDay));
    if (!clock_started) {
      clock_started = true;
      last_closed_day = day - 1;
      next_close = trading_day(day) ? close_of(day) : close_after(day);
    }
    while (ts.v >= next_close) {
      const auto closing_day = static_cast<std::int32_t>(floor_div(next_close + offset_ns() - 1, kNsPerDay));
      close_day(Timestamp(next_close), closing_day, sink);
    }
    today = day;
    while (!recent.empty() && recent.front().publicity_end < today) recent.pop_front();
    SessionPhase now = SessionPhase::kClosed;
    const std::int64_t minute = floor_div(local - std::int64_t{day} * kNsPerDay, kNsPerMinute);
    next_open_minute = -1;
    std::int64_t from = 0;      // the minutes of the day in which `now` holds: [from, until)
    std::int64_t until = 24 * 60;
    if (trading_day(day) && day > last_closed_day) {
      bool first = true;
      for (const TradingSession& session : market.exchange.sessions) {
        if (minute < session.open.minutes) {
          now = first ? SessionPhase::kPreOpen : SessionPhase::kBreak;
          next_open_minute = session.open.minutes;
          until = session.open.minutes;
          break;
        }
        if (minute < session.close.minutes) {
          now = SessionPhase::kContinuous;
          from = session.open.minutes;
          until = session.close.minutes;
          break;
        }
        from = session.close.minutes;
        first = false;
      }
    }
    phase_from = utc_of(day, from);
    phase_until = utc_of(day, until);
    if (now != phase) {
      phase = now;
      Event e;
      e.type = EventType::kSessionPhase;
      e.instrument = kAllInstruments;
      e.arg1 = static_cast<std::int64_t>(now);
      sink.push(e);
    }
  }

  // Closes local day `day` at `at`: Day orders expire, closes and references per instrument.
  void close_day(Timestamp at, std::int32_t day, EventSink& sink) {
    Command c;
    c.type = CommandType::kCloseDay;
    c.ts = at;
    forward(c, sink);
    for (std::uint32_t i = 0; i < instruments.size(); ++i) {
      InstrumentState& s = instruments[i];
      const Price previous = s.reference;
      if (s.day_volume > 0) {
        s.reference = Price(day_close(s.day_value, s.day_volume, market.instruments[i].tick));
        set_band(i);
      }
      Event e;
      e.type = EventType::kDayClosed;
      e.instrument = InstrumentId(i);
      e.price = s.reference;
      e.qty = Qty(s.day_volume);
      e.arg1 = previous.v;
      e.arg2 = s.day_trades;
      sink.push(e);
      s.day_volume = 0;
      s.day_trades = 0;
      s.day_value = 0;
    }
    last_closed_day = std::max(last_closed_day, day);
    next_close = close_after(last_closed_day);
    phase_until = std::numeric_limits<std::int64_t>::min();  // the phase must be worked out again
  }

  // ---- commands -----------------------------------------------------------------------------------

  static void reject(const Command& c, RejectCode code, std::int64_t arg1, std::int64_t arg2,
                     EventSink& sink) {
    sink.push(rejected(c, code, arg1, arg2));
  }

  // The checks that do not depend on the account: who, when, tick, lot and band.
  bool check_trader(const Command& c, EventSink& sink) const {
    if (c.participant.v >= market.participants.size()) {
      reject(c, RejectCode::kUnknownParticipant, c.participant.v, 0, sink);
      return false;
    }
    if (suspended_flags[c.participant.v]) {
      reject(c, RejectCode::kParticipantSuspended, 0, 0, sink);
      return false;
    }
    if (c.instrument.v >= instruments.size()) return true;  // the book rejects it, with its code
    if ((roles[c.participant.v] & (c.side == Side::kSell ? 2u : 1u)) == 0) {
      reject(c, RejectCode::kSideNotAllowed, 0, 0, sink);
      return false;
    }
    if (!trades_instrument[c.participant.v * instruments.size() + c.instrument.v]) {
      reject(c, RejectCode::kInstrumentNotAllowed, 0, 0, sink);
      return false;
    }
    if (phase != SessionPhase::kContinuous) {
      reject(c, RejectCode::kSessionClosed, static_cast<std::int64_t>(phase), next_open_minute, sink);
      return false;
    }
    if (instruments[c.instrument.v].halted) {
      reject(c, RejectCode::kInstrumentHalted, 0, 0, sink);
      return false;
    }
    return true;
  }

  bool check_price_qty(const Command& c, Price price, EventSink& sink) const {
    const InstrumentState& s = instruments[c.instrument.v];
    if (s.tick != 1 && price.v % s.tick != 0) {
      reject(c, RejectCode::kOffTick, price.v, s.tick, sink);
      return false;
    }
    if (s.lot != 1 && c.qty.v % s.lot != 0) {
      reject(c, RejectCode::kOffLot, c.qty.v, s.lot, sink);
      return false;
    }
    if (price < s.low || price > s.high) {
      reject(c, RejectCode::kOutsideBand, s.low.v, s.high.v, sink);
      return false;
    }
    return true;
  }

  // The facility a sell names; `extra` is the capacity the order would newly reserve, `open` its open
  // quantity.
  bool check_facility(const Command& c, std::int64_t extra, std::int64_t open, EventSink& sink) const {
    if (c.account.v >= facilities.size() || !facilities[c.account.v].registered) {
      reject(c, RejectCode::kUnknownFacility, 0, 0, sink);
      return false;
    }
    const FacilityState& s = facilities[c.account.v];
    if (s.owner != c.participant.v) {
      reject(c, RejectCode::kFacilityNotOwned, 0, 0, sink);
      return false;
    }
    if (s.industry != instruments[c.instrument.v].industry) {
      reject(c, RejectCode::kFacilityWrongIndustry, 0, 0, sink);
      return false;
    }
    if (s.instrument != kAnyInstrument && s.instrument != c.instrument.v) {
      reject(c, RejectCode::kFacilityWrongIndustry, 1, s.instrument, sink);
      return false;
    }
    const Ineligibility why = s.standing != Ineligibility::kNone ? s.standing
                              : today > s.expires_day            ? Ineligibility::kExpired
                                                                 : Ineligibility::kNone;
    if (why != Ineligibility::kNone) {
      reject(c, RejectCode::kFacilityIneligible, static_cast<std::int64_t>(why), 0, sink);
      return false;
    }
    if (s.counterparties == 0) {
      reject(c, RejectCode::kNoCounterparty, 0, 0, sink);
      return false;
    }
    // A sell that credits nothing to any project that may buy from it could never trade (every fill
    // of it would be skipped): refused, as a buy that credits nothing is, rather than left in the book
    // for every walk to step over.
    if (credited_capacity(open, s.lowest_ratio) == 0) {
      const std::int64_t lot = instruments[c.instrument.v].lot;
      const std::int64_t least = (s.lowest_ratio + 999) / 1000;
      reject(c, RejectCode::kCreditsNothing, (least + lot - 1) / lot * lot, s.lowest_ratio, sink);
      return false;
    }
    const std::int64_t available = s.capacity - s.sold - s.reserved;
    if (extra > available) {
      reject(c, RejectCode::kFacilityCapacity, available, extra, sink);
      return false;
    }
    return true;
  }

  bool indivisible_ok(const Command& c, std::uint8_t flags, TimeInForce tif, Qty open) const {
    const FacilityState& s = facilities[c.account.v];
    if (s.divisible) return true;
    const bool all_or_none = (flags & kFlagAllOrNone) != 0 || tif == TimeInForce::kFok;
    return all_or_none && open.v == s.capacity - s.sold;
  }

  // The project a buy names; `extra` is the credit the order would newly reserve, `open` its open
  // quantity and `is_new` whether it is a new order (a replace keeps the room it has).
  bool check_project(const Command& c, std::int64_t extra, std::int64_t open, bool is_new, EventSink& sink) const {
    if (c.account.v >= projects.size() || !projects[c.account.v].registered) {
      reject(c, RejectCode::kUnknownProject, 0, 0, sink);
      return false;
    }
    const ProjectState& s = projects[c.account.v];
    if (s.owner != c.participant.v) {
      reject(c, RejectCode::kProjectNotOwned, 0, 0, sink);
      return false;
    }
    if (s.industry != instruments[c.instrument.v].industry) {
      reject(c, RejectCode::kProjectWrongIndustry, 0, 0, sink);
      return false;
    }
    if (s.instrument != kAnyInstrument && s.instrument != c.instrument.v) {
      reject(c, RejectCode::kProjectWrongIndustry, 1, s.instrument, sink);
      return false;
    }
    if (!s.open) {
      reject(c, RejectCode::kProjectNotOpen, static_cast<std::int64_t>(market.projects[c.account.v].status), 0, sink);
      return false;
    }
    if (s.lowest_ratio == 0) {
      reject(c, RejectCode::kNoRatioRule, 0, 0, sink);
      return false;
    }
    if (s.counterparties == 0) {
      reject(c, RejectCode::kNoCounterparty, 0, 0, sink);
      return false;
    }
    // An order that could never credit anything, at any ratio the project can get, is refused: every
    // fill of it would retire capacity for no new capacity (a fill that would is skipped at match time).
    if (credited_capacity(open, s.lowest_ratio) == 0) {
      const std::int64_t lot = instruments[c.instrument.v].lot;
      const std::int64_t least = (s.lowest_ratio + 999) / 1000;
      reject(c, RejectCode::kCreditsNothing, (least + lot - 1) / lot * lot, s.lowest_ratio, sink);
      return false;
    }
    // A new order needs need left that no open order reserves: with none, each of its fills would be
    // cut to nothing.
    const std::int64_t free = s.need - s.credited - s.reserved;
    if (extra > free || (is_new && free <= 0)) {
      reject(c, RejectCode::kProjectNeed, free, extra, sink);
      return false;
    }
    return true;
  }

  // The credit an open buy of `open` t reserves: the least it can credit, at the highest ratio of the
  // project's allowed pairs, so that a buyer can bid what its need takes at any pair's ratio. A fill
  // at a lower ratio credits more; the match-time room (need_room) keeps credited + reserved within
  // the need. A project with no allowed pair (highest ratio 0) can have no open buy: its orders are
  // refused (kNoCounterparty), so it reserves nothing.
  std::int64_t reserve_of(std::uint32_t project, std::int64_t open) const {
    const std::uint32_t ratio = projects[project].highest_ratio;
    return ratio == 0 ? 0 : credited_capacity(open, ratio);
  }

  // What the book itself checks first (engine.hpp): such a command goes to the book, which rejects it
  // with its own code.
  bool malformed(const Command& c) const {
    const EngineSettings& s = book_limits;
    return c.instrument.v >= instruments.size() || static_cast<std::uint8_t>(c.side) > 1 ||
           static_cast<std::uint8_t>(c.ord_type) > 1 || static_cast<std::uint8_t>(c.tif) > 4 ||
           (c.flags & ~kKnownFlags) != 0 || c.qty.v < 1 || c.qty > s.max_qty || c.price.v < 1 ||
           c.price > s.max_price;
  }

  void on_new(const Command& in, EventSink& sink) {
    if (in.ord_type == OrderType::kMarket && in.price.v == 0 && in.instrument.v < instruments.size()) {
      Command c = in;  // a market order without a protection price gets the band's edge
      c.price = c.side == Side::kBuy ? instruments[c.instrument.v].high : instruments[c.instrument.v].low;
      return checked_new(c, sink);
    }
    checked_new(in, sink);
  }

  void checked_new(const Command& c, EventSink& sink) {
    if (malformed(c)) return forward(c, sink);
    if (!check_trader(c, sink)) return;
    if (!check_price_qty(c, c.price, sink)) return;
    if (c.side == Side::kSell) {
      if (!check_facility(c, c.qty.v, c.qty.v, sink)) return;
      if (!indivisible_ok(c, c.flags, c.tif, c.qty)) {
        const auto f = static_cast<std::uint32_t>(c.account.v);
        return reject(c, RejectCode::kFacilityIndivisible,
                      market.facilities[f].capacity - facilities[f].sold, 0, sink);
      }
    } else {
      const std::int64_t extra =
          c.account.v < projects.size() ? reserve_of(static_cast<std::uint32_t>(c.account.v), c.qty.v) : 0;
      if (!check_project(c, extra, c.qty.v, true, sink)) return;
    }
    taker_reserved = 0;  // a new order's reservation is settled from its Accepted event, after the walk
    forward(c, sink);
  }

  void on_replace(const Command& c, EventSink& sink) {
    const Order* const old = book.peek(c.id);  // valid until the forward below
    if (!old || old->instrument != c.instrument || old->participant != c.participant ||
        c.qty.v <= old->qty.v - old->leaves.v || c.qty.v < 1 || c.qty > book.settings().max_qty ||
        c.price.v < 1 || c.price > book.settings().max_price) {
      return forward(c, sink);  // the book rejects it with its own code
    }
    Command checked = c;
    checked.side = old->side;
    checked.account = old->account;
    if (!check_trader(checked, sink)) return;
    if (!check_price_qty(checked, c.price, sink)) return;
    const Qty new_open = c.qty - (old->qty - old->leaves);
    if (old->side == Side::kSell) {
      if (!check_facility(checked, new_open.v - old->leaves.v, new_open.v, sink)) return;
      if (!indivisible_ok(checked, old->flags, old->tif, new_open)) {
        const auto f = static_cast<std::uint32_t>(old->account.v);
        return reject(checked, RejectCode::kFacilityIndivisible,
                      market.facilities[f].capacity - facilities[f].sold, 0, sink);
      }
    } else {
      const auto p = static_cast<std::uint32_t>(old->account.v);
      if (!check_project(checked, reserve_of(p, new_open.v) - reserve_of(p, old->leaves.v), new_open.v, false, sink)) {
        return;
      }
      taker_reserved = reserve_of(p, old->leaves.v);  // in `reserved` until the Replaced event settles
    }
    replaced_open = old->leaves;
    forward(c, sink);
  }

  void on_operator(const Command& c, EventSink& sink) {
    if (c.type == CommandType::kHalt || c.type == CommandType::kResume) {
      if (c.instrument.v >= instruments.size()) {
        return reject(c, RejectCode::kUnknownInstrument, c.instrument.v, 0, sink);
      }
      const bool halt = c.type == CommandType::kHalt;
      if (instruments[c.instrument.v].halted == halt) return;
      instruments[c.instrument.v].halted = halt;
      Event e;
      e.type = EventType::kInstrumentState;
      e.instrument = c.instrument;
      e.arg1 = halt ? 1 : 0;
      return sink.push(e);
    }
    if (c.participant.v >= market.participants.size()) {
      return reject(c, RejectCode::kUnknownParticipant, c.participant.v, 0, sink);
    }
    const bool suspend = c.type == CommandType::kSuspend;
    if (suspended_flags[c.participant.v] == suspend) return;
    suspended_flags[c.participant.v] = suspend;
    Event e;
    e.type = EventType::kParticipantState;
    e.instrument = kAllInstruments;
    e.participant = c.participant;
    e.arg1 = suspend ? 1 : 0;
    sink.push(e);
    if (suspend) {
      Command all;
      all.type = CommandType::kMassCancel;
      all.instrument = kAllInstruments;
      all.participant = c.participant;
      all.ts = c.ts;
      forward(all, sink, CancelReason::kSuspended);
    }
  }

  // Hands a command to the book, then settles what it reported. `reason` replaces the book's cancel
  // reason on the Canceled events of a cancel the exchange itself issued.
  void forward(const Command& c, EventSink& sink, CancelReason reason = CancelReason::kNone) {
    const std::size_t from = sink.size();
    book.apply(c, sink);
    for (std::size_t i = from; i < sink.size(); ++i) settle(sink.at(i), reason);
    if (!need_met.empty()) {
      for (std::uint32_t p : need_met) cancel_orders(Side::kBuy, p, c.ts, CancelReason::kNeedMet, sink);
      need_met.clear();
    }
    if (!over_credited.empty()) release_over_reserved(c.ts, sink);
  }

  // A buy order that filled at a ratio below its project's highest credited more than it had
  // reserved; its remainder still reserves at the highest ratio, which may no longer fit beside the
  // credit and the project's other orders. Each such order, in fill order, is canceled while the
  // project's credited + reserved is above its need (kNeedCovered): the invariant holds after every
  // command, and what the project still needs it can bid again.
  void release_over_reserved(Timestamp ts, EventSink& sink) {
    for (const OverCredited& o : over_credited) {
      const ProjectState& s = projects[o.project];
      if (s.credited + s.reserved <= s.need) continue;
      const Order* live = book.peek(o.order);
      if (live == nullptr || live->side != Side::kBuy) continue;
      Command cancel;
      cancel.type = CommandType::kCancel;
      cancel.instrument = live->instrument;
      cancel.id = o.order;
      cancel.participant = live->participant;
      cancel.ts = ts;
      const std::size_t from = sink.size();
      book.apply(cancel, sink);
      for (std::size_t j = from; j < sink.size(); ++j) settle(sink.at(j), CancelReason::kNeedCovered);
    }
    over_credited.clear();
  }

  void settle(Event& e, CancelReason reason) {
    if (e.type == EventType::kLevel) return;  // most events: nothing to settle
    switch (e.type) {
      case EventType::kAccepted:
        reserve(e.side, e.account, e.qty.v, +1);
        break;
      case EventType::kReplaced:
        reserve(e.side, e.account, replaced_open.v, -1);
        reserve(e.side, e.account, e.leaves.v, +1);
        break;
      case EventType::kCanceled:
        if (reason != CancelReason::kNone) e.reason = reason;
        reserve(e.side, e.account, e.qty.v, -1);
        break;
      case EventType::kExpired:
        reserve(e.side, e.account, e.qty.v, -1);
        break;
      case EventType::kFill:
        fill(e);
        break;
      default:
        break;
    }
  }

  void reserve(Side side, AccountId account, std::int64_t open, int sign) {
    const auto a = static_cast<std::uint32_t>(account.v);
    if (side == Side::kSell) {
      facilities[a].reserved += sign * open;
    } else {
      projects[a].reserved += sign * reserve_of(a, open);
    }
  }

  void fill(Event& e) {
    const bool taker_buys = e.side == Side::kBuy;
    const auto p = static_cast<std::uint32_t>((taker_buys ? e.account : e.maker_account).v);
    const auto f = static_cast<std::uint32_t>((taker_buys ? e.maker_account : e.account).v);
    const Qty buy_open_after = taker_buys ? e.leaves : e.maker_leaves;
    const std::int64_t q = e.qty.v;
    const std::uint32_t ratio = pairs[f * projects.size() + p].ratio;
    const std::int64_t credit = credited_capacity(q, ratio);
    FacilityState& fs = facilities[f];
    ProjectState& ps = projects[p];
    fs.sold += q;
    fs.reserved -= q;
    const std::int64_t released = reserve_of(p, buy_open_after.v + q) - reserve_of(p, buy_open_after.v);
    ps.reserved -= released;
    ps.credited += credit;
    if (credit > released && buy_open_after.v > 0) {
      over_credited.push_back(OverCredited{taker_buys ? e.order_id : e.maker_id, p});
    }
    const std::size_t k = ind(fs.industry);
    capacity[ps.region * kIndustries + k] += credit;
    capacity[fs.region * kIndustries + k] -= q;
    InstrumentState& is = instruments[e.instrument.v];
    is.day_volume += q;
    is.day_value += DayValue{e.price.v} * q;
    ++is.day_trades;
    e.arg1 = credit;
    e.arg2 = ratio;
    trade_status.push_back(static_cast<std::uint8_t>(EliminationStatus::kPublicised));
    if (publicity_memo_day != today) {
      publicity_memo_day = today;
      publicity_memo_end = add_working_days(market.exchange, today, market.exchange.publicity_working_days);
    }
    recent.push_back(RecentTrade{e.trade_id.v, f, p, e.instrument.v, publicity_memo_end, e.price.v, q, credit});
    if (ps.credited == ps.need &&
        std::find(need_met.begin(), need_met.end(), p) == need_met.end()) {
      need_met.push_back(p);
    }
  }

  // Cancels every open order of facility (side kSell) or project (kBuy) `account` for `reason`.
  void cancel_orders(Side side, std::uint32_t account, Timestamp ts, CancelReason reason, EventSink& sink) {
    const bool sells = side == Side::kSell;
    const Industry industry = sells ? facilities[account].industry : projects[account].industry;
    const std::uint32_t owner = sells ? facilities[account].owner : projects[account].owner;
    for (std::uint32_t i = 0; i < instruments.size(); ++i) {
      if (market.instruments[i].industry != industry) continue;
      open_ids.clear();
      book.for_each_order(InstrumentId(i), side, [&](const Order& o) {
        if (o.account.v == account) open_ids.push_back(o.id);
      });
      for (OrderId id : open_ids) {
        Command c;
        c.type = CommandType::kCancel;
        c.instrument = InstrumentId(i);
        c.id = id;
        c.participant = ParticipantId(owner);
        c.ts = ts;
        const std::size_t from = sink.size();
        book.apply(c, sink);
        for (std::size_t j = from; j < sink.size(); ++j) settle(sink.at(j), reason);
      }
    }
  }

  // ---- registry and elimination list (registry.hpp) ----------------------------------------------

  const RecentTrade* recent_trade(std::uint64_t id) const {
    // Ids ascend in `recent` but skip revocations' ids.
    const auto it = std::lower_bound(recent.begin(), recent.end(), id,
                                     [](const RecentTrade& t, std::uint64_t v) { return t.id < v; });
    return it != recent.end() && it->id == id ? &*it : nullptr;
  }

  void on_revoke(const Command& c, EventSink& sink) {
    const std::uint64_t id = c.id.v;
    const auto tid = static_cast<std::int64_t>(id);
    if (id == 0 || id >= trade_status.size()) return reject(c, RejectCode::kUnknownTrade, tid, 0, sink);
    const std::uint8_t status = trade_status[id];
    const RecentTrade* t = recent_trade(id);
    NotRevocable why{};
    if (status == kRevocationRecord) {
      why = NotRevocable::kIsRevocation;
    } else if (status == static_cast<std::uint8_t>(EliminationStatus::kRevoked)) {
      why = NotRevocable::kAlreadyRevoked;
    } else if (status != static_cast<std::uint8_t>(EliminationStatus::kPublicised)) {
      why = NotRevocable::kStatusMovedOn;
    } else if (t == nullptr) {
      why = NotRevocable::kPeriodOver;
    }
    if (why != NotRevocable{}) {
      return reject(c, RejectCode::kNotRevocable, tid, static_cast<std::int64_t>(why), sink);
    }
    const RecentTrade trade = *t;
    FacilityState& fs = facilities[trade.facility];
    ProjectState& ps = projects[trade.project];
    fs.sold -= trade.qty;
    ps.credited -= trade.credited;
    const std::size_t k = ind(fs.industry);
    capacity[ps.region * kIndustries + k] -= trade.credited;
    capacity[fs.region * kIndustries + k] += trade.qty;
    trade_status[id] = static_cast<std::uint8_t>(EliminationStatus::kRevoked);
    trade_status.push_back(kRevocationRecord);
    Event e;
    e.type = EventType::kRevoked;
    e.instrument = InstrumentId(trade.instrument);
    e.trade_id = book.take_trade_id();
    e.price = Price(trade.price);
    e.qty = Qty(trade.qty);
    e.arg1 = tid;
    e.arg2 = trade.credited;
    e.account = AccountId(trade.project);
    e.participant = ParticipantId(ps.owner);
    e.maker_account = AccountId(trade.facility);
    e.maker_participant = ParticipantId(fs.owner);
    sink.push(e);
  }

  void on_status(const Command& c, EventSink& sink) {
    const std::uint64_t id = c.id.v;
    if (id == 0 || id >= trade_status.size() || trade_status[id] == kRevocationRecord) {
      return reject(c, RejectCode::kUnknownTrade, static_cast<std::int64_t>(id), 0, sink);
    }
    const std::uint8_t now = trade_status[id];
    const std::int64_t want = c.qty.v;
    // Forward only, never to or from revoked, and confirmation only once the period is over.
    const bool ok = want >= static_cast<std::int64_t>(EliminationStatus::kConfirmed) &&
                    want <= static_cast<std::int64_t>(EliminationStatus::kDismantled) && want > now &&
                    now != static_cast<std::uint8_t>(EliminationStatus::kRevoked) && recent_trade(id) == nullptr;
    if (!ok) return reject(c, RejectCode::kStatusNotAllowed, now, want, sink);
    trade_status[id] = static_cast<std::uint8_t>(want);
    Event e;
    e.type = EventType::kEliminationStatus;
    e.instrument = kAllInstruments;
    e.trade_id = TradeId(id);
    e.arg1 = want;
    e.arg2 = now;
    sink.push(e);
  }

  static void registry_changed(Side side, std::uint32_t account, std::uint64_t field, std::int64_t value,
                               std::int64_t before, EventSink& sink) {
    Event e;
    e.type = EventType::kRegistryChanged;
    e.instrument = kAllInstruments;
    e.side = side;
    e.account = AccountId(account);
    e.arg1 = static_cast<std::int64_t>(field);
    e.arg2 = value;
    e.qty = Qty(before);
    sink.push(e);
  }

  void on_amend_facility(const Command& c, EventSink& sink) {
    if (c.account.v >= facilities.size() || !facilities[c.account.v].registered) {
      return reject(c, RejectCode::kUnknownFacility, 0, 0, sink);
    }
    const auto f = static_cast<std::uint32_t>(c.account.v);
    const auto raw = static_cast<std::int64_t>(c.id.v);
    if (c.id.v < 1 || c.id.v > static_cast<std::uint64_t>(FacilityField::kExpires)) {
      return reject(c, RejectCode::kInvalidAmendment, raw, c.qty.v, sink);
    }
    const auto field = static_cast<FacilityField>(c.id.v);
    Facility amended = market.facilities[f];
    const std::int64_t before = field_value(amended, field);
    if (!set_field(amended, field, c.qty.v).empty()) {
      return reject(c, RejectCode::kInvalidAmendment, raw, c.qty.v, sink);
    }
    FacilityState& s = facilities[f];
    if (field == FacilityField::kCapacity && c.qty.v < s.sold) {
      return reject(c, RejectCode::kAmendBelowUsed, c.qty.v, s.sold, sink);
    }
    market.facilities[f] = std::move(amended);
    const Facility& def = market.facilities[f];
    s.capacity = def.capacity;
    s.standing = ineligibility(def, market.idle_years_limit, std::numeric_limits<std::int32_t>::min());
    s.expires_day =
        def.facts.expires ? days_from_civil(*def.facts.expires) : std::numeric_limits<std::int32_t>::max();
    recount();
    registry_changed(Side::kSell, f, c.id.v, c.qty.v, before, sink);
    // Orders sized against the old capacity, or of capacity no longer eligible, are canceled.
    if (field == FacilityField::kCapacity || s.standing != Ineligibility::kNone || today > s.expires_day) {
      cancel_orders(Side::kSell, f, c.ts, CancelReason::kRegistry, sink);
    }
  }

  void on_amend_project(const Command& c, EventSink& sink) {
    if (c.account.v >= projects.size() || !projects[c.account.v].registered) {
      return reject(c, RejectCode::kUnknownProject, 0, 0, sink);
    }
    const auto p = static_cast<std::uint32_t>(c.account.v);
    const auto raw = static_cast<std::int64_t>(c.id.v);
    if (c.id.v < 1 || c.id.v > static_cast<std::uint64_t>(ProjectField::kStatus)) {
      return reject(c, RejectCode::kInvalidAmendment, raw, c.qty.v, sink);
    }
    const auto field = static_cast<ProjectField>(c.id.v);
    Project amended = market.projects[p];
    const std::int64_t before = field_value(amended, field);
    if (!set_field(amended, field, c.qty.v).empty()) {
      return reject(c, RejectCode::kInvalidAmendment, raw, c.qty.v, sink);
    }
    ProjectState& s = projects[p];
    if (field == ProjectField::kNeed && c.qty.v < s.credited) {
      return reject(c, RejectCode::kAmendBelowUsed, c.qty.v, s.credited, sink);
    }
    market.projects[p] = std::move(amended);
    const ProjectStatus status = market.projects[p].status;
    s.need = market.projects[p].new_capacity;
    s.open = status == ProjectStatus::kApproved || status == ProjectStatus::kFiled;
    recount();
    registry_changed(Side::kBuy, p, c.id.v, c.qty.v, before, sink);
    if (field == ProjectField::kNeed || !s.open) cancel_orders(Side::kBuy, p, c.ts, CancelReason::kRegistry, sink);
  }

  void on_register(const Command& c, EventSink& sink) {
    const bool facility = c.side == Side::kSell;
    std::uint32_t& count = facility ? registered_facilities : registered_projects;
    const std::size_t configured = facility ? facilities.size() : projects.size();
    if (c.account.v != count || count >= configured) {
      return reject(c, RejectCode::kRegistrationOutOfOrder, static_cast<std::int64_t>(c.account.v), count, sink);
    }
    (facility ? facilities[count].registered : projects[count].registered) = true;
    ++count;
    recount();
    Event e;
    e.type = EventType::kRegistered;
    e.instrument = kAllInstruments;
    e.side = c.side;
    e.account = c.account;
    sink.push(e);
  }

  void apply(const Command& c, EventSink& sink) {
    roll_clock(c.ts, sink);
    if (c.instrument.v < instruments.size()) walk_industry = instruments[c.instrument.v].industry;
    switch (c.type) {
      case CommandType::kNew: return on_new(c, sink);
      case CommandType::kReplace: return on_replace(c, sink);
      case CommandType::kCancel:
      case CommandType::kMassCancel:
      case CommandType::kAdvanceTime: return forward(c, sink);
      case CommandType::kCloseDay:
        if (today > last_closed_day && trading_day(today)) close_day(c.ts, today, sink);
        return roll_clock(c.ts, sink);
      case CommandType::kHalt:
      case CommandType::kResume:
      case CommandType::kSuspend:
      case CommandType::kReinstate: return on_operator(c, sink);
      case CommandType::kRevoke: return on_revoke(c, sink);
      case CommandType::kSetEliminationStatus: return on_status(c, sink);
      case CommandType::kAmendFacility: return on_amend_facility(c, sink);
      case CommandType::kAmendProject: return on_amend_project(c, sink);
      case CommandType::kRegister: return on_register(c, sink);
    }
    forward(c, sink);  // an unknown type: the book rejects it
  }

  // ---- state --------------------------------------------------------------------------------------

  Market market;
  Engine book;
  EngineSettings book_limits = book.settings();
  std::unordered_map<std::string, std::uint32_t> participant_of, instrument_of, facility_of, project_of;
  std::vector<FacilityState> facilities;
  std::vector<ProjectState> projects;
  std::vector<InstrumentState> instruments;
  std::vector<std::uint8_t> trades_instrument;  // [participant * instruments + instrument]
  std::vector<std::uint8_t> suspended_flags;  // per participant
  std::vector<std::uint8_t> roles;            // per participant: 1 may buy, 2 may sell
  std::vector<std::int64_t> capacity; // [region * kIndustries + industry]
  std::vector<std::int64_t> caps;     // the same cells: the cap, or kNoCap
  std::vector<PairRule> pairs;        // [facility * projects + project]

  // The walk in progress: its industry (the instrument's) and the region totals its fills moved.
  Industry walk_industry = Industry::kSteel;
  std::vector<std::int64_t> walk_delta;
  std::vector<std::uint32_t> walk_touched;

  // Per trade id (index 0 unused): its elimination entry's EliminationStatus, or kRevocationRecord.
  // One byte per trade for the life of the exchange (10 MB per 10 M trades).
  std::vector<std::uint8_t> trade_status = std::vector<std::uint8_t>(1, kRevocationRecord);
  std::deque<RecentTrade> recent;  // trades still in their publicity period, in id order
  // The last day of the publicity period of a trade made `publicity_memo_day` (a fill's day asks again
  // and again; no trade is made on day INT32_MIN).
  std::int32_t publicity_memo_day = std::numeric_limits<std::int32_t>::min();
  std::int32_t publicity_memo_end = 0;

  std::uint32_t registered_facilities = 0;  // registered entries are a prefix of the configured ones
  std::uint32_t registered_projects = 0;

  std::vector<std::uint32_t> need_met;  // projects whose need the current command met
  // Buy orders left open by a fill that credited more than it released of their reservation.
  struct OverCredited {
    OrderId order;
    std::uint32_t project = 0;
  };
  std::vector<OverCredited> over_credited;
  // The walk in progress, per project it touched: credit of its fills so far, and reservation its
  // makers' fills released (need_room).
  std::vector<std::int64_t> walk_credit;
  std::vector<std::int64_t> walk_released;
  std::vector<std::uint32_t> walk_projects;
  std::int64_t taker_reserved = 0;  // the walking buy order's reservation already in `reserved`
  std::vector<OrderId> open_ids;
  Qty replaced_open{};  // the open quantity of the order being replaced, before the replace

  bool clock_started = false;
  std::int32_t today = 0;             // local day of the last command
  std::int64_t phase_from = 0;        // UTC ns: `phase`, `today` and `next_open_minute` hold
  std::int64_t phase_until = 0;       // for commands in [phase_from, phase_until)
  std::int32_t last_closed_day = 0;   // the last local day closed
  std::int64_t next_close = kNever;   // UTC ns of the next scheduled close
  std::int64_t next_open_minute = -1;
  SessionPhase phase = SessionPhase::kClosed;
};

// ---- the public face ------------------------------------------------------------------------------

Exchange::Exchange(Market market, const RegistryCounts& registered)
    : impl_(std::make_unique<Impl>(std::move(market), registered)) {}
Exchange::~Exchange() = default;

void Exchange::apply(const Command& cmd, EventSink& sink) { impl_->apply(cmd, sink); }

const Market& Exchange::market() const { return impl_->market; }
const Engine& Exchange::book() const { return impl_->book; }
SessionPhase Exchange::phase() const { return impl_->phase; }
bool Exchange::halted(InstrumentId i) const { return impl_->instruments.at(i.v).halted; }
bool Exchange::suspended(ParticipantId p) const { return impl_->suspended_flags.at(p.v); }
Price Exchange::reference_price(InstrumentId i) const { return impl_->instruments.at(i.v).reference; }
Price Exchange::band_low(InstrumentId i) const { return impl_->instruments.at(i.v).low; }
Price Exchange::band_high(InstrumentId i) const { return impl_->instruments.at(i.v).high; }
std::int64_t Exchange::facility_sold(std::uint32_t f) const { return impl_->facilities.at(f).sold; }
std::int64_t Exchange::facility_reserved(std::uint32_t f) const { return impl_->facilities.at(f).reserved; }
std::int64_t Exchange::project_credited(std::uint32_t p) const { return impl_->projects.at(p).credited; }
std::int64_t Exchange::project_reserved(std::uint32_t p) const { return impl_->projects.at(p).reserved; }
std::uint32_t Exchange::project_lowest_ratio(std::uint32_t p) const {
  return impl_->projects.at(p).lowest_ratio;
}
std::uint32_t Exchange::project_highest_ratio(std::uint32_t p) const {
  return impl_->projects.at(p).highest_ratio;
}
std::size_t Exchange::registered_facilities() const { return impl_->registered_facilities; }
std::size_t Exchange::registered_projects() const { return impl_->registered_projects; }
std::optional<EliminationStatus> Exchange::elimination_status(TradeId id) const {
  const auto& status = impl_->trade_status;
  if (id.v == 0 || id.v >= status.size() || status[id.v] == Impl::kRevocationRecord) return std::nullopt;
  return static_cast<EliminationStatus>(status[id.v]);
}
bool Exchange::in_publicity(TradeId id) const { return impl_->recent_trade(id.v) != nullptr; }
std::int64_t Exchange::region_capacity(std::uint32_t region, Industry industry) const {
  return impl_->capacity.at(region * kIndustries + ind(industry));
}

Exchange::PairDecision Exchange::pair(std::uint32_t f, std::uint32_t p) const {
  const Impl& m = *impl_;
  const PairFacts facts = m.pair_facts(f, p);
  const RatioChoice ratio = m.market.ratios.choose(facts);
  const FlowDecision flow =
      m.market.transfers.decide(facts, m.market.regions[m.projects.at(p).region].province_over_target);
  PairDecision d;
  d.allowed = m.market.facilities.at(f).industry == m.market.projects.at(p).industry && flow.allowed &&
              ratio.rule != nullptr;
  d.ratio_permille = ratio.rule != nullptr ? ratio.ratio_permille : 0;
  if (ratio.rule != nullptr) d.ratio_rule = static_cast<std::uint32_t>(ratio.rule - m.market.ratios.rules().data());
  d.why = explain(ratio, facts) + "; " + explain(flow, facts);
  return d;
}

std::optional<std::uint32_t> Exchange::ratio_rule(std::uint32_t f, std::uint32_t p) const {
  const Impl& m = *impl_;
  const std::uint32_t rule = m.pairs.at(std::size_t{f} * m.projects.size() + p).ratio_rule;
  if (rule == Impl::kNoRule) return std::nullopt;
  return rule;
}

namespace {
std::optional<std::uint32_t> lookup(const std::unordered_map<std::string, std::uint32_t>& map,
                                    std::string_view key) {
  const auto it = map.find(std::string(key));
  if (it == map.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<std::uint32_t> Exchange::participant_index(std::string_view id) const {
  return lookup(impl_->participant_of, id);
}
std::optional<std::uint32_t> Exchange::instrument_index(std::string_view code) const {
  return lookup(impl_->instrument_of, code);
}
std::optional<std::uint32_t> Exchange::facility_index(std::string_view id) const {
  return lookup(impl_->facility_of, id);
}
std::optional<std::uint32_t> Exchange::project_index(std::string_view id) const {
  return lookup(impl_->project_of, id);
}

std::uint64_t Exchange::state_hash() const {
  const Impl& m = *impl_;
  StateHasher h;
  h.add(m.book.state_hash());
  for (const auto& f : m.facilities) {
    h.add_signed(f.sold);
    h.add_signed(f.reserved);
  }
  for (const auto& p : m.projects) {
    h.add_signed(p.credited);
    h.add_signed(p.reserved);
  }
  for (std::int64_t c : m.capacity) h.add_signed(c);
  for (const auto& i : m.instruments) {
    h.add_signed(i.reference.v);
    h.add(i.halted ? 1 : 0);
    h.add_signed(i.day_volume);
    h.add_signed(i.day_trades);
    h.add(static_cast<std::uint64_t>(i.day_value));
    h.add(static_cast<std::uint64_t>(i.day_value >> 64));
  }
  for (std::uint8_t s : m.suspended_flags) h.add(s);
  // The registry as amended and registered, and the elimination statuses.
  for (const auto& f : m.facilities) {
    h.add_signed(f.capacity);
    h.add(static_cast<std::uint64_t>(f.standing));
    h.add(f.registered ? 1 : 0);
  }
  for (const auto& p : m.projects) {
    h.add_signed(p.need);
    h.add(p.open ? 1 : 0);
    h.add(p.registered ? 1 : 0);
  }
  for (std::uint8_t s : m.trade_status) h.add(s);
  h.add(m.recent.size());
  h.add(static_cast<std::uint64_t>(m.phase));
  h.add_signed(m.last_closed_day);
  h.add_signed(m.next_close);
  return h.digest();
}

std::string Exchange::check_invariants() const {
  const Impl& m = *impl_;
  std::string problem = m.book.check_invariants();
  if (!problem.empty()) return problem;
  std::vector<std::int64_t> fac(m.facilities.size(), 0);
  std::vector<std::int64_t> proj(m.projects.size(), 0);
  for (std::uint32_t i = 0; i < m.instruments.size(); ++i) {
    m.book.for_each_order(InstrumentId(i), Side::kSell, [&](const Order& o) { fac.at(o.account.v) += o.leaves.v; });
    m.book.for_each_order(InstrumentId(i), Side::kBuy, [&](const Order& o) {
      proj.at(o.account.v) += m.reserve_of(static_cast<std::uint32_t>(o.account.v), o.leaves.v);
    });
  }
  for (std::size_t f = 0; f < fac.size(); ++f) {
    const auto& s = m.facilities[f];
    const Facility& def = m.market.facilities[f];
    if (s.reserved != fac[f]) {
      return "facility " + def.id + ": reserved " + std::to_string(s.reserved) + " but open sells hold " +
             std::to_string(fac[f]);
    }
    if (s.sold < 0 || s.sold + s.reserved > def.capacity) {
      return "facility " + def.id + ": sold " + std::to_string(s.sold) + " + reserved " +
             std::to_string(s.reserved) + " exceeds capacity " + std::to_string(def.capacity);
    }
  }
  for (std::size_t p = 0; p < proj.size(); ++p) {
    const auto& s = m.projects[p];
    const Project& def = m.market.projects[p];
    if (s.reserved != proj[p]) {
      return "project " + def.id + ": reserved " + std::to_string(s.reserved) + " but open buys hold " +
             std::to_string(proj[p]);
    }
    if (s.credited < 0 || s.credited + s.reserved > def.new_capacity) {
      return "project " + def.id + ": credited " + std::to_string(s.credited) + " + reserved " +
             std::to_string(s.reserved) + " exceeds need " + std::to_string(def.new_capacity);
    }
  }
  for (std::size_t r = 0; r < m.market.regions.size(); ++r) {
    for (std::size_t k = 0; k < kIndustries; ++k) {
      const auto& cap = m.market.regions[r].cap[k];
      if (cap && m.capacity[r * kIndustries + k] > *cap) {
        return "region " + m.market.regions[r].name + ": " + std::string(to_string(static_cast<Industry>(k))) +
               " capacity " + std::to_string(m.capacity[r * kIndustries + k]) + " above its cap " +
               std::to_string(*cap);
      }
    }
  }
  return "";
}

std::string Exchange::describe(const Event& e) const {
  const Impl& m = *impl_;
  const Market& mk = m.market;
  const bool known_instrument = e.instrument.v < mk.instruments.size();
  const std::string instrument = known_instrument ? mk.instruments[e.instrument.v].code : "?";
  const bool known_participant = e.participant.v < mk.participants.size();
  const std::string who = known_participant ? mk.participants[e.participant.v].id
                                            : "participant #" + std::to_string(e.participant.v);
  const auto facility = [&](std::uint64_t f) -> std::string {
    if (f >= mk.facilities.size()) return "facility #" + std::to_string(f);
    const Facility& fac = mk.facilities[f];
    return "facility " + fac.id + " (" + fac.equipment + ", " + mk.regions[m.facilities[f].region].name + ")";
  };
  const auto project = [&](std::uint64_t p) -> std::string {
    if (p >= mk.projects.size()) return "project #" + std::to_string(p);
    return "project " + mk.projects[p].id + " (" + mk.regions[m.projects[p].region].name + ")";
  };
  if (e.type == EventType::kFill && known_instrument) {
    const bool taker_buys = e.side == Side::kBuy;
    const std::uint64_t p = (taker_buys ? e.account : e.maker_account).v;
    const std::uint64_t f = (taker_buys ? e.maker_account : e.account).v;
    std::string text = "trade " + std::to_string(e.trade_id.v) + ": " + tonnes(e.qty.v) + " of " + instrument +
                       " at " + yuan(e.price.v) + " per t from " + facility(f) + " to " + project(p);
    if (f < mk.facilities.size() && p < mk.projects.size()) {
      text += "; " + pair(static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(p)).why + "; credits " +
              tonnes(e.arg1) + " of new capacity";
    }
    return text;
  }
  const auto n = [](std::int64_t v) { return std::to_string(v); };
  const auto field_name = [&](Side side, std::int64_t field) -> std::string {
    return side == Side::kSell ? std::string(to_string(static_cast<FacilityField>(field)))
                               : std::string(to_string(static_cast<ProjectField>(field)));
  };
  const auto account = [&](Side side, std::uint64_t a) { return side == Side::kSell ? facility(a) : project(a); };
  switch (e.type) {
    case EventType::kRevoked:
      return "trade " + n(e.arg1) + " revoked (record " + std::to_string(e.trade_id.v) + "): " + tonnes(e.qty.v) +
             " back to " + facility(e.maker_account.v) + ", " + tonnes(e.arg2) + " of credit taken from " +
             project(e.account.v);
    case EventType::kEliminationStatus:
      return "trade " + std::to_string(e.trade_id.v) + ": elimination entry " +
             std::string(to_string(static_cast<EliminationStatus>(e.arg2))) + " -> " +
             std::string(to_string(static_cast<EliminationStatus>(e.arg1)));
    case EventType::kRegistryChanged:
      return account(e.side, e.account.v) + ": " + field_name(e.side, e.arg1) + " " + n(e.qty.v) + " -> " + n(e.arg2);
    case EventType::kRegistered:
      return account(e.side, e.account.v) + " registered";
    case EventType::kRejected:
      break;
    default:
      return std::string(to_string(e.type));
  }
  switch (e.code) {
    case RejectCode::kUnknownParticipant:
      return who + " is not a registered participant: log on with a registered SenderCompID";
    case RejectCode::kParticipantSuspended:
      return who + " is suspended by the exchange and may not enter or change orders; contact the operator";
    case RejectCode::kSideNotAllowed:
      if (known_participant && !mk.participants[e.participant.v].may_buy && !mk.participants[e.participant.v].may_sell) {
        return who + " is registered with neither the buyer nor the seller role: it may not trade";
      }
      return who + " is registered as a " + (e.side == Side::kSell ? "buyer" : "seller") + " only: it may not " +
             (e.side == Side::kSell ? "sell" : "buy");
    case RejectCode::kInstrumentNotAllowed: {
      std::string list;
      if (known_participant) {
        for (const std::string& code : mk.participants[e.participant.v].instruments) {
          list += (list.empty() ? "" : ", ") + code;
        }
      }
      return who + " may not trade " + instrument + " (allowed: " + (list.empty() ? "none" : list) + ")";
    }
    case RejectCode::kSessionClosed: {
      std::string text = instrument + " is not in continuous trading: the market is " +
                         std::string(to_string(static_cast<SessionPhase>(e.arg1)));
      text += e.arg2 >= 0 ? "; trading opens at " + minute_text(e.arg2) + " local time"
                          : "; no more trading today";
      return text;
    }
    case RejectCode::kInstrumentHalted:
      return instrument + " is halted by the exchange: new orders and replaces wait for the resume; "
                          "cancels are accepted";
    case RejectCode::kOffTick:
      return "price " + yuan(e.arg1) + " is not a multiple of " + instrument + "'s tick " + yuan(e.arg2);
    case RejectCode::kOffLot:
      return "quantity " + tonnes(e.arg1) + " is not a multiple of " + instrument + "'s lot " + tonnes(e.arg2);
    case RejectCode::kOutsideBand: {
      const std::string band =
          known_instrument ? " (+-" + n(mk.instruments[e.instrument.v].band_permille / 10) + "." +
                                 n(mk.instruments[e.instrument.v].band_permille % 10) + "% around the reference)"
                           : "";
      return "price " + yuan(e.price.v) + " is outside " + instrument + "'s band " + yuan(e.arg1) + " .. " +
             yuan(e.arg2) + band;
    }
    case RejectCode::kUnknownFacility:
      return "no facility #" + n(static_cast<std::int64_t>(e.account.v)) +
             ": a sell order's Account must name a registered facility of the seller";
    case RejectCode::kFacilityNotOwned:
      return facility(e.account.v) + " belongs to " +
             mk.facilities[e.account.v].owner + ", not to " + who;
    case RejectCode::kFacilityWrongIndustry:
      if (e.arg1 == 1) {
        return facility(e.account.v) + " is " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " capacity and may be offered on " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " only, not on " + instrument;
      }
      return facility(e.account.v) + " is " + std::string(to_string(mk.facilities[e.account.v].industry)) +
             " capacity; " + instrument + " trades " +
             std::string(to_string(mk.instruments[e.instrument.v].industry));
    case RejectCode::kFacilityIneligible: {
      const Facility& fac = mk.facilities[e.account.v];
      std::string text = facility(e.account.v) + " may not be sold: " +
                         std::string(to_string(static_cast<Ineligibility>(e.arg1)));
      if (static_cast<Ineligibility>(e.arg1) == Ineligibility::kIdle) {
        text += " (" + n(fac.facts.idle_years) + " years; the limit under " + mk.rules_name + " is " +
                n(mk.idle_years_limit) + ")";
      }
      if (static_cast<Ineligibility>(e.arg1) == Ineligibility::kExpired && fac.facts.expires) {
        const Date& d = *fac.facts.expires;
        text += " on " + n(d.year) + "-" + n(d.month) + "-" + n(d.day);
      }
      return text;
    }
    case RejectCode::kFacilityCapacity: {
      // Sold and reserved as they are now: right when the sentence is made as the reject happens.
      const Facility& fac = mk.facilities[e.account.v];
      const Impl::FacilityState& now = m.facilities[e.account.v];
      return facility(e.account.v) + " has " + tonnes(e.arg1) + " of unsold, unreserved capacity (" +
             tonnes(fac.capacity) + " registered, " + tonnes(now.sold) + " sold, " + tonnes(now.reserved) +
             " reserved by open orders); the order needs " + tonnes(e.arg2) + " more";
    }
    case RejectCode::kFacilityIndivisible:
      return facility(e.account.v) + " is indivisible: sell its whole remaining " + tonnes(e.arg1) +
             " in one all-or-none order (ExecInst G, or FOK)";
    case RejectCode::kUnknownProject:
      return "no project #" + n(static_cast<std::int64_t>(e.account.v)) +
             ": a buy order's Account must name a registered project of the buyer";
    case RejectCode::kProjectNotOwned:
      return project(e.account.v) + " belongs to " + mk.projects[e.account.v].owner + ", not to " + who;
    case RejectCode::kProjectWrongIndustry:
      if (e.arg1 == 1) {
        return project(e.account.v) + " needs " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " capacity and may bid on " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " only, not on " + instrument;
      }
      return project(e.account.v) + " builds " + std::string(to_string(mk.projects[e.account.v].industry)) +
             " capacity; " + instrument + " trades " +
             std::string(to_string(mk.instruments[e.instrument.v].industry));
    case RejectCode::kProjectNotOpen:
      return project(e.account.v) + " is " + std::string(to_string(static_cast<ProjectStatus>(e.arg1))) +
             ": only approved or filed projects may buy";
    case RejectCode::kProjectNeed: {
      // Credited and reserved as they are now: right when the sentence is made as the reject happens.
      const Project& proj = mk.projects[e.account.v];
      const Impl::ProjectState& now = m.projects[e.account.v];
      if (e.arg1 <= 0 && now.credited >= proj.new_capacity) {
        return project(e.account.v) + " has its need met (" + tonnes(now.credited) + " of new capacity credited of " +
               tonnes(proj.new_capacity) + "): it takes no more buy orders";
      }
      if (e.arg1 <= 0) {
        return project(e.account.v) + " needs " + tonnes(proj.new_capacity) + " of new capacity: " +
               tonnes(now.credited) + " is credited and its open orders reserve the other " +
               tonnes(now.reserved) + ", so a new order could never fill; cancel or reduce an open order first";
      }
      return project(e.account.v) + " needs " + tonnes(proj.new_capacity) + " of new capacity, of which " +
             tonnes(e.arg1) + " is neither credited nor reserved by open orders; the order reserves " +
             tonnes(e.arg2) + " more of it (its open quantity at the highest ratio a seller can bring to it, " +
             ratio_text(now.highest_ratio) + ")";
    }
    case RejectCode::kCreditsNothing:
      if (e.side == Side::kSell) {
        return "a sell of " + tonnes(e.qty.v) + " from " + facility(e.account.v) +
               " credits no new capacity to any project that may buy from it, even at the lowest ratio, " +
               ratio_text(static_cast<std::uint32_t>(e.arg2)) + " (credited = floor(qty / ratio)): offer at least " +
               tonnes(e.arg1);
      }
      return "a buy of " + tonnes(e.qty.v) + " for " + project(e.account.v) +
             " credits no new capacity even at its lowest ratio, " +
             ratio_text(static_cast<std::uint32_t>(e.arg2)) + " (credited = floor(qty / ratio)): bid at least " +
             tonnes(e.arg1);
    case RejectCode::kNoRatioRule: {
      const Project& proj = mk.projects[e.account.v];
      return "no ratio rule of " + mk.rules_name + " covers " + std::string(to_string(proj.industry)) +
             " projects in " + mk.regions[m.projects[e.account.v].region].name + ": " + project(e.account.v) +
             " cannot buy";
    }
    case RejectCode::kNoCounterparty: {
      const std::string what = e.side == Side::kSell ? facility(e.account.v) : project(e.account.v);
      return "no registered " + std::string(e.side == Side::kSell ? "project may buy from " : "facility may sell to ") +
             what + " under " + mk.rules_name +
             ": every pair is refused by a transfer rule, has no ratio rule, or has the same owner; the order "
             "could never trade";
    }
    case RejectCode::kUnknownTrade:
      return "no trade " + n(e.arg1) + " to act on: the ledger holds trades 1 .. " +
             std::to_string(m.trade_status.size() - 1) + " (a revocation's own record has no elimination entry)";
    case RejectCode::kNotRevocable: {
      std::string why;
      switch (static_cast<NotRevocable>(e.arg2)) {
        case NotRevocable::kIsRevocation: why = "it is itself a revocation"; break;
        case NotRevocable::kAlreadyRevoked: why = "it is already revoked"; break;
        case NotRevocable::kStatusMovedOn: why = "its elimination entry has moved on from publicised"; break;
        case NotRevocable::kPeriodOver:
          why = "its publicity period (" + n(mk.exchange.publicity_working_days) + " working days) is over";
          break;
      }
      return "trade " + n(e.arg1) + " may not be revoked: " + why;
    }
    case RejectCode::kStatusNotAllowed: {
      if (e.arg1 == static_cast<std::int64_t>(EliminationStatus::kPublicised) &&
          e.arg2 >= static_cast<std::int64_t>(EliminationStatus::kConfirmed) &&
          e.arg2 <= static_cast<std::int64_t>(EliminationStatus::kDismantled) && in_publicity(TradeId(e.order_id.v))) {
        return "trade " + std::to_string(e.order_id.v) + " is still in its publicity period: its entry moves on "
               "only after the period, or is revoked";
      }
      const bool known = e.arg2 >= 0 && e.arg2 <= static_cast<std::int64_t>(EliminationStatus::kRevoked);
      return "an elimination entry that is " + std::string(to_string(static_cast<EliminationStatus>(e.arg1))) +
             " may not become " +
             (known ? std::string(to_string(static_cast<EliminationStatus>(e.arg2))) : "status " + n(e.arg2)) +
             ": statuses move forward (publicised, confirmed, shut, dismantled), and only a revocation revokes";
    }
    case RejectCode::kInvalidAmendment: {
      const bool fac = e.side == Side::kSell;
      const std::uint64_t max_field = fac ? static_cast<std::uint64_t>(FacilityField::kExpires)
                                          : static_cast<std::uint64_t>(ProjectField::kStatus);
      if (e.arg1 < 1 || static_cast<std::uint64_t>(e.arg1) > max_field) {
        std::string list;
        for (std::uint64_t f = 1; f <= max_field; ++f) {
          list += (list.empty() ? "" : ", ") + field_name(e.side, static_cast<std::int64_t>(f));
        }
        return "no " + std::string(fac ? "facility" : "project") + " field #" + n(e.arg1) + " (fields: " + list + ")";
      }
      if (fac) {
        Facility probe = mk.facilities.at(e.account.v);
        return account(e.side, e.account.v) + ": " + set_field(probe, static_cast<FacilityField>(e.arg1), e.arg2) +
               ", got " + n(e.arg2);
      }
      Project probe = mk.projects.at(e.account.v);
      return account(e.side, e.account.v) + ": " + set_field(probe, static_cast<ProjectField>(e.arg1), e.arg2) +
             ", got " + n(e.arg2);
    }
    case RejectCode::kAmendBelowUsed:
      return e.side == Side::kSell
                 ? account(e.side, e.account.v) + " has sold " + tonnes(e.arg2) + ": its capacity cannot become " +
                       tonnes(e.arg1)
                 : account(e.side, e.account.v) + " has been credited " + tonnes(e.arg2) +
                       ": its need cannot become " + tonnes(e.arg1);
    case RejectCode::kRegistrationOutOfOrder: {
      const std::size_t configured = e.side == Side::kSell ? mk.facilities.size() : mk.projects.size();
      const std::string what = e.side == Side::kSell ? "facilit" : "project";
      if (static_cast<std::size_t>(e.arg2) >= configured) {
        return "every configured " + what + (e.side == Side::kSell ? "y" : "") + " is registered already";
      }
      return what + (e.side == Side::kSell ? "ies" : "s") + " are registered in configuration order: the next is #" +
             n(e.arg2) + " (" + account(e.side, static_cast<std::uint64_t>(e.arg2)) + "), not #" + n(e.arg1);
    }
    default:
      return describe_reject(e);
  }
}

}  // namespace crix::engine
