// crix::ledger records: what the ledger stores, as plain values (Trade, FacilityState, ...) and as the
// fixed on-disk layouts they are encoded into (TradeRecord, FacilityRecord, ...).
//
// On-disk rules (DESIGN.md, Ledger):
//  - Every value is a fixed layout of byte arrays: integers little-endian (Le<T>), text NUL-padded
//    (Text<N>). Each layout has alignment 1 and no padding (checked below), so its bytes are exactly its
//    fields, on any host; a layout is copied in and out with memcpy, never read in place.
//  - Every value layout starts with its own version (u16). A change of layout is a new version; a
//    reader refuses a version it does not know (Error kIncompatible) rather than guessing.
//  - Keys are big-endian (Be<T>), so LMDB's byte order is numeric order and ids append at the end.
//  - Nothing is deleted or rewritten in place except the running totals (facility sold, project
//    credited, region capacity, daily statistics, meta). A revocation is a new trade record that
//    refers to the one it revokes; an elimination entry's new status is a new revision of the entry.
//  - The writer's hot path appends: trades, journal and elimination entries are keyed by ids that only
//    grow, and the per-entity indices lead with a bucket of trade ids (BucketKey), so that one batch
//    dirties the pages of the current bucket instead of one page per facility, project or participant.
//
// Thread rules: values and free functions only; safe on any thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/command.hpp"
#include "engine/market.hpp"
#include "engine/registry.hpp"
#include "engine/types.hpp"

namespace crix::ledger {

// Version of the set of databases and their meaning; meta records it when a ledger is created.
// 2: registrations (the registry as registered); 3: client_orders; 4: facility eligibility facts,
// project notice fields, an elimination entry's dismantling start (FacilityRecord 3, ProjectRecord 3,
// EliminationRecord 2); 5: operator_actions (the audit trail of operator commands, OperatorAction);
// 6: trading modes: trades of kind block (and auction), and daily statistics per mode (the mode in the
// top byte of the daily key's and record's instrument word).
// A writer upgrades a 2, 3 or 4 on open (writer.cpp, upgrade_to_4; 4 -> 5 only adds the empty table;
// 5 -> 6 changes no record: a schema-5 ledger holds book trades only, whose mode byte is 0). The
// number keeps an older build from opening a ledger that holds block trades.
inline constexpr std::uint32_t kSchemaVersion = 6;

__extension__ using Int128 = __int128;  // a day's traded value: up to 10^12 fen x 10^10 t per trade

using FacilityIndex = engine::Strong<struct FacilityIndexTag, std::uint32_t>;  // into Market::facilities
using ProjectIndex = engine::Strong<struct ProjectIndexTag, std::uint32_t>;    // into Market::projects
using RegionIndex = engine::Strong<struct RegionIndexTag, std::uint32_t>;      // into Market::regions
using Day = engine::Strong<struct DayTag, std::int32_t>;  // local calendar date, days since 1970-01-01

using Hash = std::array<std::uint8_t, 32>;  // SHA-256
// Lower-case hex of any bytes (a Hash, a salt, a key).
std::string to_hex(std::span<const std::uint8_t> bytes);
// The inverse: 64 hex digits (either case) as a hash; nullopt for anything else.
std::optional<Hash> hash_from_hex(std::string_view text);

// The local date of a sequencer timestamp (UTC ns) in a zone `utc_offset_minutes` east of UTC.
constexpr Day local_day(engine::Timestamp ts, std::int32_t utc_offset_minutes) {
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  const std::int64_t local = ts.v + std::int64_t{utc_offset_minutes} * 60'000'000'000;
  const std::int64_t q = local / kNsPerDay;
  return Day(static_cast<std::int32_t>(local % kNsPerDay < 0 ? q - 1 : q));
}
engine::Date to_date(Day day);
Day to_day(const engine::Date& date);

// ---------------------------------------------------------------------------------------------------
// Plain values: what the writer takes and the reader returns.

enum class TradeKind : std::uint8_t {
  kTrade = 0,       // a settled fill on the listed book (挂牌)
  kRevocation = 1,  // undoes trade `revokes` (an objection upheld during the publicity period)
  kBlock = 2,       // a block trade (大宗协议): a proposal accepted by its counterparty
  kAuction = 3,     // an allocation of a one-way bidding auction (单向竞价)
};
// A trade of any mode, not a revocation: it retires capacity and credits a project.
constexpr bool is_trade(TradeKind kind) {
  return kind == TradeKind::kTrade || kind == TradeKind::kBlock || kind == TradeKind::kAuction;
}
constexpr TradeKind trade_kind(engine::TradeMode mode) {
  return mode == engine::TradeMode::kBlock     ? TradeKind::kBlock
         : mode == engine::TradeMode::kAuction ? TradeKind::kAuction
                                               : TradeKind::kTrade;
}
// "book", "block", "auction" or "revocation".
std::string_view to_string(TradeKind kind);

// One link of the hash chain. The exchange fills everything but the two hashes; for a
// revocation only kind, id, revokes, seq and ts (the writer copies the rest from the revoked trade).
struct Trade {
  TradeKind kind = TradeKind::kTrade;
  engine::TradeId id{};       // 1, 2, 3 ... without gaps, revocations included
  engine::TradeId revokes{};  // kRevocation: the trade it revokes; 0 for a trade
  engine::Seq seq{};          // the command whose matching produced it
  engine::Timestamp ts{};     // that command's time
  engine::InstrumentId instrument{};
  engine::OrderId buy_order{};
  engine::OrderId sell_order{};
  engine::ParticipantId buyer{};  // index into Market::participants
  engine::ParticipantId seller{};
  FacilityIndex facility{};  // the retired capacity
  ProjectIndex project{};    // the new project credited
  engine::Price price{};     // fen per tonne
  engine::Qty qty{};         // tonnes of capacity retired
  engine::Qty credited{};    // new capacity credited: floor(qty * 1000 / ratio_permille)
  std::uint32_t ratio_permille = 0;
  std::uint32_t ratio_rule = 0;  // index into Market::ratios.rules()
  Hash prev_hash{};              // the previous link's hash; zero for trade 1
  Hash hash{};                   // SHA-256 of the encoded record up to this field

  friend bool operator==(const Trade&, const Trade&) = default;
};

// A facility is one piece of equipment: shutting or dismantling is reported per elimination entry but
// applies to the equipment, so the facility takes the furthest status any of its entries reached.
enum class FacilityStatus : std::uint8_t { kOperating = 0, kShut = 1, kDismantled = 2 };
std::string_view to_string(FacilityStatus status);

struct FacilityState {
  std::string id;  // as configured, e.g. "TJ-BF-410"
  std::string equipment;      // e.g. "410 m3 blast furnace (ironmaking)"
  std::string inventory_ref;  // the official inventory entry it is registered under
  FacilityStatus status = FacilityStatus::kOperating;
  engine::Industry industry = engine::Industry::kSteel;
  RegionIndex region{};
  engine::ParticipantId owner{};
  engine::Qty capacity{};  // registered, t/yr
  engine::Qty sold{};      // retired by trades, net of revocations
  // As registered, then as amended by the operator's journaled commands (what a regulator reads to
  // judge whether the capacity could be sold).
  engine::EligibilityFacts facts;
  engine::Qty unsold() const { return capacity - sold; }
};

struct ProjectState {
  std::string id;
  std::string approval_ref;  // the approval or filing of the replacement plan
  engine::ProjectStatus status = engine::ProjectStatus::kApproved;
  engine::Industry industry = engine::Industry::kSteel;
  RegionIndex region{};
  engine::ParticipantId owner{};
  engine::Qty need{};      // new capacity to be built, t/yr
  engine::Qty credited{};  // credited by trades, net of revocations
  std::uint64_t trades = 0;  // trades and revocations that touched it (a running count: O(1) progress)
  // What a public notice lists for the new project (engine::Project), as registered.
  std::string site;
  std::string equipment;
  std::optional<Day> construction_start;  // planned
  std::optional<Day> production_start;    // planned
  engine::Qty remaining() const { return need - credited; }
};

// Per industry (index = engine::Industry). Capacity moves as the exchange moves it: +credited in the
// project's region, -qty in the facility's region, per trade (reversed by a revocation).
struct RegionState {
  std::string name;
  std::uint32_t code = 0;  // administrative division code
  engine::RegionClass region_class = engine::RegionClass::kOther;
  std::optional<std::int64_t> cap[engine::kIndustries];
  std::int64_t initial[engine::kIndustries] = {};   // as configured when the ledger was created
  std::int64_t capacity[engine::kIndustries] = {};  // now
};

struct ParticipantEntry {
  std::string id;
  std::uint32_t region_code = 0;  // administrative code of its region, as configured; 0: none
  std::string name;               // the enterprise's registered name (public notices use it)
};

struct InstrumentEntry {
  std::string code;
  engine::Industry industry = engine::Industry::kSteel;
  std::int64_t tick = 1;  // fen; the daily close is rounded to it, as the exchange rounds its reference
};

// Lifecycle of retired capacity on the public elimination list: the exchange's (engine/registry.hpp),
// which checks every change before the ledger records it.
using EliminationStatus = engine::EliminationStatus;

// One retirement of capacity: the entry of trade `trade`, revision `revision`. Revision 0 is written
// with the trade (status publicised); each status change is the next revision, a copy with the new
// status, written by an operator's command or (kRevoked) by the revocation `by`.
struct EliminationEntry {
  engine::TradeId trade{};  // the trade that retired the capacity
  std::uint32_t revision = 0;
  EliminationStatus status = EliminationStatus::kPublicised;
  engine::TradeId by{};  // the chain record that wrote this revision: the trade, a revocation, or 0
  FacilityIndex facility{};
  ProjectIndex project{};  // the buyer's project
  engine::Qty qty{};
  Day retired{};        // local date of the trade
  Day publicity_end{};  // last day of the publicity period
  // Dismantling runs from the new plant's planned start of production (the trade's date when none is
  // planned, or when that is earlier) for ExchangeSettings::dismantle_days (DOMAIN.md).
  Day dismantle_from{};
  Day dismantle_by{};
  engine::Seq seq{};  // the command that wrote this revision
  engine::Timestamp ts{};
};

struct DailyStats {
  Day day{};
  engine::InstrumentId instrument{};
  // The trading mode: each has its own statistics (kTrade: the listed book, whose close is the
  // instrument's reference; kBlock; kAuction). Never kRevocation.
  TradeKind kind = TradeKind::kTrade;
  std::uint64_t trades = 0;  // trades only: revocations do not unprint a market price
  engine::Qty volume{};
  Int128 value = 0;  // sum of price x qty, fen
  engine::Price open{};
  engine::Price high{};
  engine::Price low{};
  engine::Price last{};
  engine::Price close{};  // volume-weighted average, half up, rounded to the tick (reader fills it in)
};

// An operator's command as the audit trail keeps it (operator_actions, by seq), written in the commit
// that journals the command: who gave it, what it asked and what came of it. The journal holds the
// command itself (replayed); this is what a regulator reads about it.
struct OperatorAction {
  engine::Seq seq{};
  engine::Timestamp ts{};
  std::string operator_name;  // the console user, or the OS user of `crix operator`
  std::string command;        // the verb: operator_verb() ("halt", "suspend", "revoke", ...)
  std::string arguments;      // key=value pairs by name, e.g. "symbol=STEEL-IRON reason=\"...\""
  std::string result;         // "ok", or "rejected: <reject code>: <the reason a FIX reject would carry>"
  friend bool operator==(const OperatorAction&, const OperatorAction&) = default;
};
// The stored value of an action (a versioned text; the key is the seq) and back: nullopt for a value
// that is not one.
std::string encode(const OperatorAction& action);
std::optional<OperatorAction> decode_operator_action(std::uint64_t seq, std::string_view value);

struct Meta {
  std::uint32_t schema = kSchemaVersion;
  std::int32_t utc_offset_minutes = 0;  // of the exchange, fixed when the ledger was created
  engine::Seq last_seq{};               // last journaled command
  std::uint64_t trade_count = 0;        // chain length = last trade id, revocations included
  std::uint64_t revocations = 0;
  std::uint64_t commits = 0;
  Hash chain_head{};  // hash of the last trade; zero while there is none
};

// ---------------------------------------------------------------------------------------------------
// On-disk layouts.

template <class T>
struct Le {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) <= 8);
  std::array<std::uint8_t, sizeof(T)> bytes{};

  constexpr T get() const {
    std::uint64_t u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u |= std::uint64_t{bytes[i]} << (8 * i);
    return static_cast<T>(u);
  }
  constexpr void set(T value) {
    const auto u = static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(value));
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<std::uint8_t>(u >> (8 * i));
  }
};

template <class T>
struct Be {
  static_assert(std::is_unsigned_v<T> && sizeof(T) <= 8);
  std::array<std::uint8_t, sizeof(T)> bytes{};

  constexpr Be() = default;
  constexpr explicit Be(T value) { set(value); }
  constexpr T get() const {
    std::uint64_t u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u = u << 8 | bytes[i];
    return static_cast<T>(u);
  }
  constexpr void set(T value) {
    const auto u = static_cast<std::uint64_t>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      bytes[sizeof(T) - 1 - i] = static_cast<std::uint8_t>(u >> (8 * i));
    }
  }
};

// NUL-padded text; a value of exactly N bytes has no terminator.
template <std::size_t N>
struct Text {
  std::array<char, N> chars{};

  std::string_view view() const {
    return {chars.data(),
            static_cast<std::size_t>(std::find(chars.begin(), chars.end(), '\0') - chars.begin())};
  }
  // False (and nothing stored) when `s` is longer than N bytes or holds a NUL.
  bool set(std::string_view s) {
    if (s.size() > N || s.find('\0') != std::string_view::npos) return false;
    chars.fill('\0');
    std::copy(s.begin(), s.end(), chars.begin());
    return true;
  }
};

inline constexpr std::size_t kIdBytes = 48;  // facility, project, participant ids and region names
inline constexpr std::size_t kTextBytes = 96;  // names, equipment and document references (UTF-8)

// trades: Be<u64> trade id -> TradeRecord. The hash covers every byte before `hash`.
struct TradeRecord {
  static constexpr std::uint16_t kVersion = 1;
  Le<std::uint16_t> version;
  Le<std::uint8_t> kind;
  Le<std::uint32_t> instrument;
  Le<std::uint64_t> trade_id;
  Le<std::uint64_t> revokes;
  Le<std::uint64_t> seq;
  Le<std::int64_t> ts;
  Le<std::uint64_t> buy_order;
  Le<std::uint64_t> sell_order;
  Le<std::uint32_t> buyer;
  Le<std::uint32_t> seller;
  Le<std::uint32_t> facility;
  Le<std::uint32_t> project;
  Le<std::int64_t> price;
  Le<std::int64_t> qty;
  Le<std::int64_t> credited;
  Le<std::uint32_t> ratio_permille;
  Le<std::uint32_t> ratio_rule;
  Hash prev_hash{};
  Hash hash{};
};
// 2 + 1 + 4 (version, kind, instrument), 6 x 8 (ids, seq, ts, orders), 4 x 4 (parties, facility,
// project), 3 x 8 (price, qty, credited), 2 x 4 (ratio, rule), 2 x 32 (hashes) = 167 bytes.
static_assert(sizeof(TradeRecord) == 167, "TradeRecord layout changed: bump its version");
inline constexpr std::size_t kTradeHashedBytes = offsetof(TradeRecord, hash);
static_assert(kTradeHashedBytes == 135);

// journal: Be<u64> seq -> JournalRecord, the engine::Command field by field (the struct has padding).
struct JournalRecord {
  static constexpr std::uint16_t kVersion = 1;
  Le<std::uint16_t> version;
  Le<std::uint8_t> type;
  Le<std::uint8_t> side;
  Le<std::uint8_t> ord_type;
  Le<std::uint8_t> tif;
  Le<std::uint8_t> flags;
  Le<std::uint32_t> instrument;
  Le<std::uint32_t> participant;
  Le<std::uint64_t> seq;
  Le<std::int64_t> ts;
  Le<std::uint64_t> id;
  Le<std::uint64_t> account;
  Le<std::int64_t> price;
  Le<std::int64_t> qty;
  Le<std::int64_t> expire_at;
};
// 2 (version) + 5 x 1 (enums, flags) + 2 x 4 (instrument, participant) + 7 x 8 = 71 bytes.
static_assert(sizeof(JournalRecord) == 71, "JournalRecord layout changed: bump its version");

// facilities: Be<u32> facility index -> FacilityRecord. A version adds fields at the end, so an older
// record is a prefix of this one (the schema upgrade reads it so).
struct FacilityRecord {
  static constexpr std::uint16_t kVersion = 3;  // 2: equipment and inventory reference; 3: facts
  Le<std::uint16_t> version;
  Le<std::uint8_t> status;
  Le<std::uint8_t> industry;
  Le<std::uint32_t> region;
  Le<std::uint32_t> owner;
  Le<std::int64_t> capacity;
  Le<std::int64_t> sold;
  Text<kIdBytes> id;
  Text<kTextBytes> equipment;
  Text<kTextBytes> inventory_ref;
  // 3: the eligibility facts. Bits of `facts`: 0 mandated_cut, 1 subsidised, 2 backward, 3 zombie_owner,
  // 4 court_seized, 5 dismantled, 6 used, 7 on_inventory, 8 expires is set.
  Le<std::uint16_t> facts;
  Le<std::uint32_t> idle_years;
  Le<std::int32_t> expires;  // a Day
};
// 2 + 1 + 1 + 2 x 4 + 2 x 8 + 48 + 2 x 96 = 268 bytes (version 2), + 2 + 4 + 4 = 278.
inline constexpr std::size_t kFacilityRecordV2Bytes = 268;
static_assert(sizeof(FacilityRecord) == 278, "FacilityRecord layout changed: bump its version");

// projects: Be<u32> project index -> ProjectRecord (older versions are prefixes, as FacilityRecord's).
struct ProjectRecord {
  static constexpr std::uint16_t kVersion = 3;  // 2: approval reference, trade count; 3: notice fields
  Le<std::uint16_t> version;
  Le<std::uint8_t> status;
  Le<std::uint8_t> industry;
  Le<std::uint32_t> region;
  Le<std::uint32_t> owner;
  Le<std::int64_t> need;
  Le<std::int64_t> credited;
  Le<std::uint64_t> trades;
  Text<kIdBytes> id;
  Text<kTextBytes> approval_ref;
  // 3: what a notice lists. Bits of `planned`: 0 construction_start is set, 1 production_start is set.
  Text<kTextBytes> site;
  Text<kTextBytes> equipment;
  Le<std::uint8_t> planned;
  Le<std::int32_t> construction_start;  // a Day
  Le<std::int32_t> production_start;    // a Day
};
// 2 + 1 + 1 + 2 x 4 + 3 x 8 + 48 + 96 = 180 bytes (version 2), + 2 x 96 + 1 + 2 x 4 = 381.
inline constexpr std::size_t kProjectRecordV2Bytes = 180;
static_assert(sizeof(ProjectRecord) == 381, "ProjectRecord layout changed: bump its version");

// regions: Be<u32> region index -> RegionRecord. Bit i of has_cap: industry i has a cap.
struct RegionRecord {
  static constexpr std::uint16_t kVersion = 1;
  Le<std::uint16_t> version;
  Le<std::uint8_t> region_class;
  Le<std::uint8_t> has_cap;
  Le<std::uint32_t> code;
  std::array<Le<std::int64_t>, engine::kIndustries> cap;
  std::array<Le<std::int64_t>, engine::kIndustries> initial;
  std::array<Le<std::int64_t>, engine::kIndustries> capacity;
  Text<kIdBytes> name;
};
// 2 + 1 + 1 + 4 + 3 x 4 x 8 + 48 = 152 bytes.
static_assert(sizeof(RegionRecord) == 152, "RegionRecord layout changed: bump its version");

// participants: Be<u32> participant index -> ParticipantRecord.
struct ParticipantRecord {
  static constexpr std::uint16_t kVersion = 2;  // 2: the enterprise's registered name
  Le<std::uint16_t> version;
  Le<std::uint32_t> region_code;
  Text<kIdBytes> id;
  Text<kTextBytes> name;
};
static_assert(sizeof(ParticipantRecord) == 2 + 4 + 48 + 96, "ParticipantRecord layout changed: bump its version");

// instruments: Be<u32> instrument index -> InstrumentRecord.
struct InstrumentRecord {
  static constexpr std::uint16_t kVersion = 1;
  Le<std::uint16_t> version;
  Le<std::uint8_t> industry;
  Le<std::int64_t> tick;
  Text<kIdBytes> code;
};
static_assert(sizeof(InstrumentRecord) == 2 + 1 + 8 + 48,
              "InstrumentRecord layout changed: bump its version");

// elimination: EliminationKey (trade id, revision) -> EliminationRecord. Revision 0 of each trade is
// appended with it; the revisions of one entry sit together, the latest last.
struct EliminationKey {
  Be<std::uint64_t> trade;
  Be<std::uint32_t> revision;
};
static_assert(sizeof(EliminationKey) == 12);

struct EliminationRecord {
  static constexpr std::uint16_t kVersion = 2;  // 2: dismantle_from (version 1 is a prefix)
  Le<std::uint16_t> version;
  Le<std::uint8_t> status;
  Le<std::uint32_t> revision;
  Le<std::uint64_t> trade_id;
  Le<std::uint64_t> by;
  Le<std::uint32_t> facility;
  Le<std::uint32_t> project;
  Le<std::int64_t> qty;
  Le<std::int32_t> retired;
  Le<std::int32_t> publicity_end;
  Le<std::int32_t> dismantle_by;
  Le<std::uint64_t> seq;
  Le<std::int64_t> ts;
  Le<std::int32_t> dismantle_from;  // 2
};
// 2 + 1 + 4 (revision) + 2 x 8 (trade, by) + 2 x 4 (facility, project) + 8 (qty) + 3 x 4 (dates)
// + 2 x 8 (seq, ts) = 67 bytes (version 1), + 4 (dismantle_from) = 71.
inline constexpr std::size_t kEliminationRecordV1Bytes = 67;
static_assert(sizeof(EliminationRecord) == 71, "EliminationRecord layout changed: bump its version");

// daily: DailyKey -> DailyRecord, per day, instrument and trading mode. The day is stored biased
// (day + 2^31) so that its bytes sort as the signed number does. The instrument word holds the mode
// (TradeKind: 0 book, 2 block, 3 auction) in its top byte and the instrument below it (at most
// kMaxDailyInstruments instruments), so a schema-5 key (the book's) reads unchanged and a day's book
// statistics sort before its block statistics.
struct DailyKey {
  Be<std::uint32_t> day;
  Be<std::uint32_t> instrument;
};
inline constexpr std::uint32_t kMaxDailyInstruments = 1u << 24;
constexpr std::uint32_t daily_instrument_word(engine::InstrumentId instrument, TradeKind kind) {
  return static_cast<std::uint32_t>(kind) << 24 | instrument.v;
}
static_assert(sizeof(DailyKey) == 8);

struct DailyRecord {
  static constexpr std::uint16_t kVersion = 1;
  Le<std::uint16_t> version;
  Le<std::uint32_t> instrument;  // daily_instrument_word(): the mode in the top byte
  Le<std::int32_t> day;
  Le<std::uint64_t> trades;
  Le<std::int64_t> volume;
  Le<std::uint64_t> value_low;  // the 128-bit value, two's complement, low half first
  Le<std::uint64_t> value_high;
  Le<std::int64_t> open;
  Le<std::int64_t> high;
  Le<std::int64_t> low;
  Le<std::int64_t> last;
};
// 2 + 2 x 4 + 8 x 8 = 74 bytes.
static_assert(sizeof(DailyRecord) == 74, "DailyRecord layout changed: bump its version");

// meta: the key "meta" -> MetaRecord. The magic tells a CRIX ledger from any other LMDB file.
inline constexpr std::array<char, 8> kMagic = {'C', 'R', 'I', 'X', 'L', 'D', 'G', 'R'};
struct MetaRecord {
  static constexpr std::uint16_t kVersion = 1;
  std::array<char, 8> magic{};
  Le<std::uint16_t> version;
  Le<std::uint32_t> schema;
  Le<std::int32_t> utc_offset_minutes;
  Le<std::uint64_t> last_seq;
  Le<std::uint64_t> trade_count;
  Le<std::uint64_t> revocations;
  Le<std::uint64_t> commits;
  Hash chain_head{};
};
// 8 + 2 + 2 x 4 + 4 x 8 + 32 = 82 bytes.
static_assert(sizeof(MetaRecord) == 82, "MetaRecord layout changed: bump its version");

// Secondary indices. DUPSORT | DUPFIXED, values Be<u64> trade ids in ascending order:
//  - by_participant, by_facility, by_project, by_region: BucketKey (bucket of the trade id, entity).
//    A batch's trades fall in one or two buckets, so its inserts land on the few pages that hold the
//    current bucket's keys, however many entities there are; a query walks an entity's buckets in
//    order. 2^14 trade ids per bucket: with 2,000 facilities a bucket keeps ~8 ids per facility inline
//    in its leaf node, and a listing of 10 million trades needs at most 611 seeks.
//  - by_industry: Be<u32> engine::Industry value; four keys, so appends land on one page per key.
// And by_day: Be<u32> biased day (as DailyKey's) -> Be<u64> the day's first trade id, one entry per
// day. Trades are in time order (the writer refuses a clock that goes back), so a day's trades are the
// ids from its first up to the next day's first: the range is the index, at no cost per trade.
inline constexpr unsigned kBucketBits = 14;
struct BucketKey {
  Be<std::uint32_t> bucket;  // trade id >> kBucketBits
  Be<std::uint32_t> entity;
};
static_assert(sizeof(BucketKey) == 8);
inline constexpr std::uint32_t bucket_of(engine::TradeId id) {
  return static_cast<std::uint32_t>(id.v >> kBucketBits);
}
inline constexpr std::uint32_t day_key(Day day) { return static_cast<std::uint32_t>(day.v) ^ 0x8000'0000u; }
inline constexpr Day day_from_key(std::uint32_t key) {
  return Day(static_cast<std::int32_t>(key ^ 0x8000'0000u));
}

template <class R>
inline constexpr bool kIsRecord = std::is_trivially_copyable_v<R> &&
                                  alignof(R) == 1 && std::has_unique_object_representations_v<R>;
static_assert(kIsRecord<TradeRecord> && kIsRecord<JournalRecord> && kIsRecord<FacilityRecord> &&
                  kIsRecord<ProjectRecord> && kIsRecord<RegionRecord> && kIsRecord<ParticipantRecord> &&
                  kIsRecord<InstrumentRecord> && kIsRecord<EliminationRecord> && kIsRecord<DailyRecord> &&
                  kIsRecord<MetaRecord>,
              "a record layout must be byte-aligned, padding-free and trivially copyable");

// Encoding is total; decoding throws Error(kIncompatible) for a version this build does not know.
// Text fields: encode throws Error(kIncompatible) when an id or name is longer than kIdBytes.
TradeRecord encode(const Trade& trade);
Trade decode(const TradeRecord& record);
JournalRecord encode(const engine::Command& command);
engine::Command decode(const JournalRecord& record);
FacilityRecord encode(const FacilityState& facility);
FacilityState decode(const FacilityRecord& record);
ProjectRecord encode(const ProjectState& project);
ProjectState decode(const ProjectRecord& record);
RegionRecord encode(const RegionState& region);
RegionState decode(const RegionRecord& record);
ParticipantRecord encode(const ParticipantEntry& participant);
ParticipantEntry decode(const ParticipantRecord& record);
InstrumentRecord encode(const InstrumentEntry& instrument);
InstrumentEntry decode(const InstrumentRecord& record);
EliminationRecord encode(const EliminationEntry& entry);
EliminationEntry decode(const EliminationRecord& record);
DailyRecord encode(const DailyStats& stats);
DailyStats decode(const DailyRecord& record);  // close is left 0: it needs the instrument's tick
MetaRecord encode(const Meta& meta);
Meta decode(const MetaRecord& record);  // also checks the magic

// The market file a ledger was opened with: its path and the SHA-256 of its bytes (market_source()).
struct MarketSource {
  std::string path;
  std::string sha256;  // hex
  friend bool operator==(const MarketSource&, const MarketSource&) = default;
};
// meta "market-file", "<path>\n<sha256 hex>\n<last seq then>": the market file last accepted and
// whether that was at the ledger's creation (seq 0).
struct MarketFileRecord {
  MarketSource source;
  bool at_creation = false;
};
inline constexpr std::string_view kMarketFileKey = "market-file";
std::string encode_market_file(const MarketSource& source, std::uint64_t last_seq);
MarketFileRecord decode_market_file(std::string_view text);
// meta "expiry-at-command", the decimal seq from which GTD orders expire at the first command at or
// after their ExpireTime (engine::Exchange::set_expiry_at_command_from): written by the first writer
// that opens the ledger with the rule, as its next seq, so the commands journaled before it replay
// under the rule they ran under (expiry at the clock's AdvanceTime only). Absent: no such writer
// opened it yet, and the whole journal ran under the old rule.
inline constexpr std::string_view kExpiryAtCommandKey = "expiry-at-command";

}  // namespace crix::ledger
