#include "ledger/records.hpp"

#include <charconv>
#include <chrono>

#include "ledger/error.hpp"

namespace crix::ledger {

using engine::Qty;

std::string_view to_string(TradeKind kind) {
  switch (kind) {
    case TradeKind::kTrade: return "book";
    case TradeKind::kRevocation: return "revocation";
    case TradeKind::kBlock: return "block";
    case TradeKind::kAuction: return "auction";
  }
  return "unknown";
}

std::string_view to_string(FacilityStatus status) {
  switch (status) {
    case FacilityStatus::kOperating:
      return "operating";
    case FacilityStatus::kShut:
      return "shut";
    case FacilityStatus::kDismantled:
      return "dismantled";
  }
  return "unknown";
}

// "1" then each field as <length>:<bytes>: time, operator, command, arguments, result. Lengths, not a
// separator, so that a reason may hold any byte.
std::string encode(const OperatorAction& action) {
  std::string out = "1";
  for (const std::string& f : {std::to_string(action.ts.v), action.operator_name, action.command, action.arguments,
                               action.result}) {
    out += std::to_string(f.size());
    out += ':';
    out += f;
  }
  return out;
}

std::optional<OperatorAction> decode_operator_action(std::uint64_t seq, std::string_view value) {
  if (value.empty() || value[0] != '1') return std::nullopt;
  std::string fields[5];
  std::size_t at = 1;
  for (std::string& f : fields) {
    const std::size_t colon = value.find(':', at);
    if (colon == std::string_view::npos || colon == at) return std::nullopt;
    std::size_t n = 0;
    for (std::size_t i = at; i < colon; ++i) {
      if (value[i] < '0' || value[i] > '9' || n > value.size()) return std::nullopt;
      n = n * 10 + static_cast<std::size_t>(value[i] - '0');
    }
    if (n > value.size() - colon - 1) return std::nullopt;
    f.assign(value.substr(colon + 1, n));
    at = colon + 1 + n;
  }
  if (at != value.size()) return std::nullopt;
  OperatorAction a;
  a.seq = engine::Seq(seq);
  std::int64_t ts = 0;
  const auto [end, ec] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), ts);
  if (ec != std::errc{} || end != fields[0].data() + fields[0].size()) return std::nullopt;
  a.ts = engine::Timestamp(ts);
  a.operator_name = std::move(fields[1]);
  a.command = std::move(fields[2]);
  a.arguments = std::move(fields[3]);
  a.result = std::move(fields[4]);
  return a;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::optional<Hash> hash_from_hex(std::string_view text) {
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Hash h{};
  if (text.size() != 2 * h.size()) return std::nullopt;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const int hi = digit(text[2 * i]), lo = digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return h;
}

engine::Date to_date(Day day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day.v}}};
  return engine::Date{static_cast<int>(ymd.year()),
                      static_cast<std::uint8_t>(static_cast<unsigned>(ymd.month())),
                      static_cast<std::uint8_t>(static_cast<unsigned>(ymd.day()))};
}

Day to_day(const engine::Date& date) {
  const std::chrono::sys_days days{std::chrono::year_month_day{
      std::chrono::year{date.year}, std::chrono::month{date.month}, std::chrono::day{date.day}}};
  return Day(static_cast<std::int32_t>(days.time_since_epoch().count()));
}

namespace {

__extension__ using UInt128 = unsigned __int128;

template <class R>
void check_version(const R& record, std::string_view what) {
  const std::uint16_t v = record.version.get();
  if (v == R::kVersion) return;
  throw Error(ErrorKind::kIncompatible, std::string(what) + " record has version " + std::to_string(v) +
                                            "; this build reads version " + std::to_string(R::kVersion) +
                                            ": use a crix build that matches the ledger");
}

template <std::size_t N>
void set_text(Text<N>& field, std::string_view value, std::string_view what) {
  if (field.set(value)) return;
  throw Error(ErrorKind::kIncompatible,
              std::string(what) + " '" + std::string(value) + "' is longer than " + std::to_string(N) +
                  " bytes (or holds a NUL), the most the ledger stores: shorten it");
}

}  // namespace

TradeRecord encode(const Trade& t) {
  TradeRecord r{};
  r.version.set(TradeRecord::kVersion);
  r.kind.set(static_cast<std::uint8_t>(t.kind));
  r.instrument.set(t.instrument.v);
  r.trade_id.set(t.id.v);
  r.revokes.set(t.revokes.v);
  r.seq.set(t.seq.v);
  r.ts.set(t.ts.v);
  r.buy_order.set(t.buy_order.v);
  r.sell_order.set(t.sell_order.v);
  r.buyer.set(t.buyer.v);
  r.seller.set(t.seller.v);
  r.facility.set(t.facility.v);
  r.project.set(t.project.v);
  r.price.set(t.price.v);
  r.qty.set(t.qty.v);
  r.credited.set(t.credited.v);
  r.ratio_permille.set(t.ratio_permille);
  r.ratio_rule.set(t.ratio_rule);
  r.prev_hash = t.prev_hash;
  r.hash = t.hash;
  return r;
}

Trade decode(const TradeRecord& r) {
  check_version(r, "trade");
  Trade t;
  t.kind = static_cast<TradeKind>(r.kind.get());
  t.instrument = engine::InstrumentId(r.instrument.get());
  t.id = engine::TradeId(r.trade_id.get());
  t.revokes = engine::TradeId(r.revokes.get());
  t.seq = engine::Seq(r.seq.get());
  t.ts = engine::Timestamp(r.ts.get());
  t.buy_order = engine::OrderId(r.buy_order.get());
  t.sell_order = engine::OrderId(r.sell_order.get());
  t.buyer = engine::ParticipantId(r.buyer.get());
  t.seller = engine::ParticipantId(r.seller.get());
  t.facility = FacilityIndex(r.facility.get());
  t.project = ProjectIndex(r.project.get());
  t.price = engine::Price(r.price.get());
  t.qty = Qty(r.qty.get());
  t.credited = Qty(r.credited.get());
  t.ratio_permille = r.ratio_permille.get();
  t.ratio_rule = r.ratio_rule.get();
  t.prev_hash = r.prev_hash;
  t.hash = r.hash;
  return t;
}

JournalRecord encode(const engine::Command& c) {
  JournalRecord r{};
  r.version.set(JournalRecord::kVersion);
  r.type.set(static_cast<std::uint8_t>(c.type));
  r.side.set(static_cast<std::uint8_t>(c.side));
  r.ord_type.set(static_cast<std::uint8_t>(c.ord_type));
  r.tif.set(static_cast<std::uint8_t>(c.tif));
  r.flags.set(c.flags);
  r.instrument.set(c.instrument.v);
  r.participant.set(c.participant.v);
  r.seq.set(c.seq.v);
  r.ts.set(c.ts.v);
  r.id.set(c.id.v);
  r.account.set(c.account.v);
  r.price.set(c.price.v);
  r.qty.set(c.qty.v);
  r.expire_at.set(c.expire_at.v);
  return r;
}

engine::Command decode(const JournalRecord& r) {
  check_version(r, "journal");
  engine::Command c;
  c.type = static_cast<engine::CommandType>(r.type.get());
  c.side = static_cast<engine::Side>(r.side.get());
  c.ord_type = static_cast<engine::OrderType>(r.ord_type.get());
  c.tif = static_cast<engine::TimeInForce>(r.tif.get());
  c.flags = r.flags.get();
  c.instrument = engine::InstrumentId(r.instrument.get());
  c.participant = engine::ParticipantId(r.participant.get());
  c.seq = engine::Seq(r.seq.get());
  c.ts = engine::Timestamp(r.ts.get());
  c.id = engine::OrderId(r.id.get());
  c.account = engine::AccountId(r.account.get());
  c.price = engine::Price(r.price.get());
  c.qty = Qty(r.qty.get());
  c.expire_at = engine::Timestamp(r.expire_at.get());
  return c;
}

FacilityRecord encode(const FacilityState& f) {
  FacilityRecord r{};
  r.version.set(FacilityRecord::kVersion);
  r.status.set(static_cast<std::uint8_t>(f.status));
  r.industry.set(static_cast<std::uint8_t>(f.industry));
  r.region.set(f.region.v);
  r.owner.set(f.owner.v);
  r.capacity.set(f.capacity.v);
  r.sold.set(f.sold.v);
  set_text(r.id, f.id, "facility id");
  set_text(r.equipment, f.equipment, "facility equipment");
  set_text(r.inventory_ref, f.inventory_ref, "facility inventory reference");
  const engine::EligibilityFacts& e = f.facts;
  const bool bits[] = {e.mandated_cut, e.subsidised, e.backward, e.zombie_owner, e.court_seized,
                       e.dismantled,   e.used,       e.on_inventory, e.expires.has_value()};
  std::uint16_t facts = 0;
  for (std::size_t i = 0; i < std::size(bits); ++i) facts = static_cast<std::uint16_t>(facts | (bits[i] ? 1u << i : 0u));
  r.facts.set(facts);
  r.idle_years.set(e.idle_years);
  r.expires.set(e.expires ? to_day(*e.expires).v : 0);
  return r;
}

FacilityState decode(const FacilityRecord& r) {
  check_version(r, "facility");
  FacilityState f;
  f.id = std::string(r.id.view());
  f.equipment = std::string(r.equipment.view());
  f.inventory_ref = std::string(r.inventory_ref.view());
  f.status = static_cast<FacilityStatus>(r.status.get());
  f.industry = static_cast<engine::Industry>(r.industry.get());
  f.region = RegionIndex(r.region.get());
  f.owner = engine::ParticipantId(r.owner.get());
  f.capacity = Qty(r.capacity.get());
  f.sold = Qty(r.sold.get());
  const std::uint16_t facts = r.facts.get();
  const auto bit = [&](unsigned i) { return (facts >> i & 1u) != 0; };
  engine::EligibilityFacts& e = f.facts;
  e.mandated_cut = bit(0);
  e.subsidised = bit(1);
  e.backward = bit(2);
  e.zombie_owner = bit(3);
  e.court_seized = bit(4);
  e.dismantled = bit(5);
  e.used = bit(6);
  e.on_inventory = bit(7);
  e.idle_years = r.idle_years.get();
  if (bit(8)) e.expires = to_date(Day(r.expires.get()));
  return f;
}

ProjectRecord encode(const ProjectState& p) {
  ProjectRecord r{};
  r.version.set(ProjectRecord::kVersion);
  r.status.set(static_cast<std::uint8_t>(p.status));
  r.industry.set(static_cast<std::uint8_t>(p.industry));
  r.region.set(p.region.v);
  r.owner.set(p.owner.v);
  r.need.set(p.need.v);
  r.credited.set(p.credited.v);
  r.trades.set(p.trades);
  set_text(r.id, p.id, "project id");
  set_text(r.approval_ref, p.approval_ref, "project approval reference");
  set_text(r.site, p.site, "project site");
  set_text(r.equipment, p.equipment, "project equipment");
  r.planned.set(static_cast<std::uint8_t>((p.construction_start ? 1u : 0u) | (p.production_start ? 2u : 0u)));
  r.construction_start.set(p.construction_start ? p.construction_start->v : 0);
  r.production_start.set(p.production_start ? p.production_start->v : 0);
  return r;
}

ProjectState decode(const ProjectRecord& r) {
  check_version(r, "project");
  ProjectState p;
  p.id = std::string(r.id.view());
  p.approval_ref = std::string(r.approval_ref.view());
  p.status = static_cast<engine::ProjectStatus>(r.status.get());
  p.industry = static_cast<engine::Industry>(r.industry.get());
  p.region = RegionIndex(r.region.get());
  p.owner = engine::ParticipantId(r.owner.get());
  p.need = Qty(r.need.get());
  p.credited = Qty(r.credited.get());
  p.trades = r.trades.get();
  p.site = std::string(r.site.view());
  p.equipment = std::string(r.equipment.view());
  if ((r.planned.get() & 1u) != 0) p.construction_start = Day(r.construction_start.get());
  if ((r.planned.get() & 2u) != 0) p.production_start = Day(r.production_start.get());
  return p;
}

RegionRecord encode(const RegionState& g) {
  RegionRecord r{};
  r.version.set(RegionRecord::kVersion);
  r.region_class.set(static_cast<std::uint8_t>(g.region_class));
  r.code.set(g.code);
  std::uint8_t has_cap = 0;
  for (std::size_t i = 0; i < engine::kIndustries; ++i) {
    if (g.cap[i]) {
      has_cap = static_cast<std::uint8_t>(has_cap | 1u << i);
      r.cap[i].set(*g.cap[i]);
    }
    r.initial[i].set(g.initial[i]);
    r.capacity[i].set(g.capacity[i]);
  }
  r.has_cap.set(has_cap);
  set_text(r.name, g.name, "region name");
  return r;
}

RegionState decode(const RegionRecord& r) {
  check_version(r, "region");
  RegionState g;
  g.name = std::string(r.name.view());
  g.code = r.code.get();
  g.region_class = static_cast<engine::RegionClass>(r.region_class.get());
  const std::uint8_t has_cap = r.has_cap.get();
  for (std::size_t i = 0; i < engine::kIndustries; ++i) {
    if (has_cap & 1u << i) g.cap[i] = r.cap[i].get();
    g.initial[i] = r.initial[i].get();
    g.capacity[i] = r.capacity[i].get();
  }
  return g;
}

ParticipantRecord encode(const ParticipantEntry& p) {
  ParticipantRecord r{};
  r.version.set(ParticipantRecord::kVersion);
  r.region_code.set(p.region_code);
  set_text(r.id, p.id, "participant id");
  set_text(r.name, p.name, "participant name");
  return r;
}

ParticipantEntry decode(const ParticipantRecord& r) {
  check_version(r, "participant");
  return ParticipantEntry{std::string(r.id.view()), r.region_code.get(), std::string(r.name.view())};
}

InstrumentRecord encode(const InstrumentEntry& i) {
  InstrumentRecord r{};
  r.version.set(InstrumentRecord::kVersion);
  r.industry.set(static_cast<std::uint8_t>(i.industry));
  r.tick.set(i.tick);
  set_text(r.code, i.code, "instrument code");
  return r;
}

InstrumentEntry decode(const InstrumentRecord& r) {
  check_version(r, "instrument");
  return InstrumentEntry{std::string(r.code.view()), static_cast<engine::Industry>(r.industry.get()),
                         r.tick.get()};
}

EliminationRecord encode(const EliminationEntry& e) {
  EliminationRecord r{};
  r.version.set(EliminationRecord::kVersion);
  r.status.set(static_cast<std::uint8_t>(e.status));
  r.revision.set(e.revision);
  r.trade_id.set(e.trade.v);
  r.by.set(e.by.v);
  r.facility.set(e.facility.v);
  r.project.set(e.project.v);
  r.qty.set(e.qty.v);
  r.retired.set(e.retired.v);
  r.publicity_end.set(e.publicity_end.v);
  r.dismantle_by.set(e.dismantle_by.v);
  r.seq.set(e.seq.v);
  r.ts.set(e.ts.v);
  r.dismantle_from.set(e.dismantle_from.v);
  return r;
}

EliminationEntry decode(const EliminationRecord& r) {
  check_version(r, "elimination");
  EliminationEntry e;
  e.status = static_cast<EliminationStatus>(r.status.get());
  e.revision = r.revision.get();
  e.trade = engine::TradeId(r.trade_id.get());
  e.by = engine::TradeId(r.by.get());
  e.facility = FacilityIndex(r.facility.get());
  e.project = ProjectIndex(r.project.get());
  e.qty = Qty(r.qty.get());
  e.retired = Day(r.retired.get());
  e.publicity_end = Day(r.publicity_end.get());
  e.dismantle_by = Day(r.dismantle_by.get());
  e.seq = engine::Seq(r.seq.get());
  e.ts = engine::Timestamp(r.ts.get());
  e.dismantle_from = Day(r.dismantle_from.get());
  return e;
}

DailyRecord encode(const DailyStats& s) {
  DailyRecord r{};
  r.version.set(DailyRecord::kVersion);
  r.instrument.set(daily_instrument_word(s.instrument, s.kind));
  r.day.set(s.day.v);
  r.trades.set(s.trades);
  r.volume.set(s.volume.v);
  const auto value = static_cast<UInt128>(s.value);
  r.value_low.set(static_cast<std::uint64_t>(value));
  r.value_high.set(static_cast<std::uint64_t>(value >> 64));
  r.open.set(s.open.v);
  r.high.set(s.high.v);
  r.low.set(s.low.v);
  r.last.set(s.last.v);
  return r;
}

DailyStats decode(const DailyRecord& r) {
  check_version(r, "daily statistics");
  DailyStats s;
  const std::uint32_t word = r.instrument.get();
  s.instrument = engine::InstrumentId(word & (kMaxDailyInstruments - 1));
  s.kind = static_cast<TradeKind>(word >> 24);
  if (!is_trade(s.kind)) {
    throw Error(ErrorKind::kCorrupt, "daily statistics record of instrument " + std::to_string(s.instrument.v) +
                                         " names trading mode " + std::to_string(word >> 24) +
                                         ", which is none (0 book, 2 block, 3 auction)");
  }
  s.day = Day(r.day.get());
  s.trades = r.trades.get();
  s.volume = Qty(r.volume.get());
  s.value = static_cast<Int128>(static_cast<UInt128>(r.value_high.get()) << 64 | r.value_low.get());
  s.open = engine::Price(r.open.get());
  s.high = engine::Price(r.high.get());
  s.low = engine::Price(r.low.get());
  s.last = engine::Price(r.last.get());
  return s;
}

MetaRecord encode(const Meta& m) {
  MetaRecord r{};
  r.magic = kMagic;
  r.version.set(MetaRecord::kVersion);
  r.schema.set(m.schema);
  r.utc_offset_minutes.set(m.utc_offset_minutes);
  r.last_seq.set(m.last_seq.v);
  r.trade_count.set(m.trade_count);
  r.revocations.set(m.revocations);
  r.commits.set(m.commits);
  r.chain_head = m.chain_head;
  return r;
}

Meta decode(const MetaRecord& r) {
  if (r.magic != kMagic) {
    throw Error(ErrorKind::kIncompatible,
                "the meta record does not carry the CRIX ledger mark: not a CRIX ledger");
  }
  check_version(r, "meta");
  Meta m;
  m.schema = r.schema.get();
  m.utc_offset_minutes = r.utc_offset_minutes.get();
  // Zones lie within a day of UTC (config accepts -12:00 to +14:00); a stored offset beyond that is
  // damage, and left as it is it would overflow every local-day computation (fuzz_verify found it).
  if (m.utc_offset_minutes < -24 * 60 || m.utc_offset_minutes > 24 * 60) {
    throw Error(ErrorKind::kCorrupt, "the meta record's zone offset is " + std::to_string(m.utc_offset_minutes) +
                                         " minutes, more than a day: the record is damaged");
  }
  m.last_seq = engine::Seq(r.last_seq.get());
  m.trade_count = r.trade_count.get();
  m.revocations = r.revocations.get();
  m.commits = r.commits.get();
  m.chain_head = r.chain_head;
  return m;
}

std::string encode_market_file(const MarketSource& source, std::uint64_t last_seq) {
  return source.path + "\n" + source.sha256 + "\n" + std::to_string(last_seq);
}

MarketFileRecord decode_market_file(std::string_view text) {
  const std::size_t nl = text.find('\n');
  const std::size_t nl2 = nl == std::string_view::npos ? nl : text.find('\n', nl + 1);
  MarketFileRecord out;
  out.source.path = std::string(text.substr(0, nl));
  if (nl != std::string_view::npos) out.source.sha256 = std::string(text.substr(nl + 1, nl2 - nl - 1));
  out.at_creation = nl2 != std::string_view::npos && text.substr(nl2 + 1) == "0";
  return out;
}

}  // namespace crix::ledger
