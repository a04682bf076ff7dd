// crix::engine market model: the exchange, its instruments, regions, participants, facilities and
// projects, as configuration describes them (DOMAIN.md). Plain data, standard library only; the
// config/ loader fills it and validates it, the market rules (issue 3) and the ledger read it.
// Numbers follow DESIGN.md: prices in fen per tonne, quantities in tonnes of annual capacity, ratios
// in per-mille.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/auction.hpp"
#include "engine/market_rules.hpp"

namespace crix::engine {

// A calendar date (no time zone: dates are Asia/Shanghai dates by convention of the market).
struct Date {
  std::int32_t year = 0;
  std::uint8_t month = 0;
  std::uint8_t day = 0;
  friend auto operator<=>(const Date&, const Date&) = default;
};

struct MinuteOfDay {
  std::uint16_t minutes = 0;  // since local midnight
  friend auto operator<=>(const MinuteOfDay&, const MinuteOfDay&) = default;
};

struct TradingSession {
  MinuteOfDay open;
  MinuteOfDay close;
};

enum class Durability : std::uint8_t { kFull = 0, kOs = 1 };

struct ExchangeSettings {
  std::string name;
  std::string time_zone;                 // IANA name, e.g. "Asia/Shanghai"
  std::int32_t utc_offset_minutes = 480; // the zone's fixed offset (config accepts zones without DST)
  std::vector<TradingSession> sessions;  // ascending, not overlapping
  std::uint8_t working_days = 0x1F;      // bit 0 = Monday ... bit 6 = Sunday
  std::vector<Date> holidays;
  Durability durability = Durability::kFull;
  std::uint16_t fix_port = 0;
  std::uint32_t max_orders = 0;
  std::uint32_t max_levels = 0;
  // DOMAIN.md, "After the trade": a trade's notice stays up this many working days (objections may
  // revoke it until then); the retired facility is dismantled within dismantle_days of the new
  // plant's start of production (Project::production_start; the trade's date when none is planned).
  std::uint32_t publicity_working_days = 10;
  std::uint32_t dismantle_days = 365;
};

struct Instrument {
  std::string code;  // e.g. "STEEL-IRON"
  Industry industry = Industry::kSteel;
  std::string unit;  // label, e.g. "t"
  std::int64_t tick = 1;             // fen
  std::int64_t lot = 1;              // tonnes
  std::uint32_t band_permille = 100; // +-10.0% around the reference price
  std::int64_t reference_price = 0;  // fen per tonne
  std::int64_t listed_max_qty = 0;   // the largest order the book takes, tonnes; 0: no limit
  std::int64_t block_min_qty = 0;    // the smallest block trade, tonnes; 0: one lot
  std::uint32_t block_band_permille = 300;  // block trades' band: +-30.0% around the reference price
};

inline constexpr std::size_t kIndustries = 4;

struct Region {
  RegionRef ref;
  std::string name;
  // Per industry (index = Industry): the cap on capacity inside the region, if one applies, and the
  // capacity there now. A trade may not push `capacity` above `cap`.
  std::optional<std::int64_t> cap[kIndustries];
  std::int64_t capacity[kIndustries] = {};
  bool province_over_target = false;  // has not met its total-capacity target (steel 2021)
};

enum class ParticipantStatus : std::uint8_t { kActive = 0, kSuspended = 1 };

struct Participant {
  std::string id;           // e.g. "TJ-RONGCHENG"
  std::string name;
  std::string credit_code;  // unified social credit code, 18 characters
  std::string group;        // enterprise group, for same-group ratio rules ("" = none)
  std::uint32_t region = 0;
  std::string sender_comp_id;
  std::string password_hash;  // "scrypt$ln=..,r=..,p=..$<salt hex>$<key hex>" (gateway/password.hpp)
  bool may_sell = false;
  bool may_buy = false;
  std::vector<std::string> instruments;  // codes it may trade
  ParticipantStatus status = ParticipantStatus::kActive;
};

// The eligibility facts of DOMAIN.md ("what capacity may be sold").
struct EligibilityFacts {
  bool mandated_cut = false;   // part of a capacity-cut task
  bool subsidised = false;     // retired with subsidy money
  bool backward = false;       // backward capacity past its deadline, or illegal
  bool zombie_owner = false;
  bool court_seized = false;
  bool dismantled = false;     // dismantled before the replacement was confirmed
  bool used = false;           // already used in another replacement
  bool on_inventory = true;    // on the official inventory
  std::uint32_t idle_years = 0;
  std::optional<Date> expires;
};

struct Facility {
  std::string id;     // e.g. "TJ-BF-410"
  std::string owner;  // participant id
  Industry industry = Industry::kSteel;
  std::uint32_t region = 0;
  std::int64_t capacity = 0;  // registered, t/yr
  std::string equipment;      // e.g. "410 m3 blast furnace"
  std::string inventory_ref;
  bool divisible = true;
  bool merger_capacity = false;
  // The instrument of its product (e.g. STEEL-IRON for a blast furnace: ironmaking and steelmaking are
  // not fungible); "" = any instrument of its industry.
  std::string instrument;
  EligibilityFacts facts;
};

enum class ProjectStatus : std::uint8_t { kApproved = 0, kFiled = 1, kCompleted = 2, kCanceled = 3 };

struct Project {
  std::string id;
  std::string owner;
  Industry industry = Industry::kSteel;
  std::uint32_t region = 0;
  std::int64_t new_capacity = 0;  // t/yr of new capacity to be built
  std::string approval_ref;
  std::string instrument;  // as Facility::instrument: the product it needs; "" = any of its industry
  ProjectStatus status = ProjectStatus::kApproved;
  // What a public notice of the replacement lists for the new project (DOMAIN.md, "After the trade"):
  // the ledger records them when the project is registered; no market rule reads them.
  std::string site;       // where it is built, e.g. "Nangang Industrial Zone, Binhai New Area"
  std::string equipment;  // e.g. "2 x 1,250 m3 blast furnaces"
  std::optional<Date> construction_start;  // planned
  // Planned start of production. The capacity it replaces must be shut by then and dismantled within
  // ExchangeSettings::dismantle_days of it (DOMAIN.md): an elimination entry's dismantling runs from
  // this date (or the trade's, whichever is later) for dismantle_days.
  std::optional<Date> production_start;
};

// A one-way bidding auction (单向竞价) the operator may announce (kAuctionAnnounce with its index): the
// lot of one seller, sold to the highest bids (exchange.hpp, "Auctions"). The window is the
// announcement's.
struct AuctionTerms {
  std::string id;                       // e.g. "AU-2026-001": FIX TradingSessionID, unique
  std::string instrument;               // code
  std::vector<std::string> facilities;  // ids, of one owner (the seller), taken from in this order
  std::int64_t qty = 0;                 // the lot, t: a multiple of the instrument's lot
  bool whole = false;                   // indivisible: one winner takes all of it, or it stays unsold
  std::int64_t reserve_price = 0;       // fen per tonne, on the tick
  std::int64_t increment = 0;           // fen: bids are reserve + k * increment
  AuctionPricing pricing = AuctionPricing::kPayAsBid;
};

struct Market {
  ExchangeSettings exchange;
  std::vector<Instrument> instruments;
  std::vector<Region> regions;
  std::vector<Participant> participants;
  std::vector<Facility> facilities;
  std::vector<Project> projects;
  std::vector<AuctionTerms> auctions;
  RatioTable ratios;
  TransferTable transfers;
  std::string rules_name;  // e.g. "2021 rules"
  std::uint32_t idle_years_limit = 2;  // a facility idle this many years or more may not be sold
};

// The label `industry`'s capacity is counted in: its first instrument's `unit` (flat glass in weight
// boxes, the other industries in tonnes in the sample), or "t" when no instrument trades it. A
// facility's or a project's quantities are in it, as are those of every order on its instrument.
inline const std::string& unit_of(const Market& m, Industry industry) {
  static const std::string kTonnes = "t";
  for (const Instrument& in : m.instruments) {
    if (in.industry == industry) return in.unit;
  }
  return kTonnes;
}


}  // namespace crix::engine
