#include "engine/exchange_impl.hpp"

#include <stdexcept>

#include "engine/state_hash.hpp"

namespace crix::engine {

Exchange::Impl::Impl(Market m, const RegistryCounts& registered) : market(std::move(m)), book(book_settings(market)) {
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
    s.listed_max = market.instruments[i].listed_max_qty;
    s.block_min = market.instruments[i].block_min_qty;
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
  walk_marked.assign(n_regions, 0);
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
  for (const AuctionTerms& t : market.auctions) {
    AuctionFacts facts;
    const std::string who = "auction " + t.id;
    const auto ins = instrument_of.find(t.instrument);
    if (ins == instrument_of.end()) throw std::invalid_argument(who + ": instrument " + t.instrument + " is not listed");
    facts.instrument = ins->second;
    facts.whole = t.whole;
    if (t.facilities.empty()) throw std::invalid_argument(who + ": its lot names no facility");
    for (const std::string& id : t.facilities) {
      const auto f = facility_of.find(id);
      if (f == facility_of.end()) throw std::invalid_argument(who + ": facility " + id + " is not in the market");
      const FacilityState& fs = facilities[f->second];
      if (fs.industry != instruments[facts.instrument].industry ||
          (fs.instrument != kAnyInstrument && fs.instrument != facts.instrument)) {
        throw std::invalid_argument(who + ": facility " + id + " does not sell on " + t.instrument);
      }
      facts.facilities.push_back(f->second);
      facts.whole = facts.whole || !fs.divisible;
    }
    facts.seller = facilities[facts.facilities.front()].owner;
    for (std::uint32_t f : facts.facilities) {
      if (facilities[f].owner != facts.seller) throw std::invalid_argument(who + ": its facilities have more than one owner");
    }
    if (t.qty < 1 || t.increment < 1 || t.reserve_price < 1) {
      throw std::invalid_argument(who + ": quantity, reserve price and increment must be positive");
    }
    auction_facts.push_back(std::move(facts));
  }
  auctions.resize(market.auctions.size());
  bid_slots.resize(market.auctions.size());
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

void Exchange::Impl::recount() {
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

std::uint32_t Exchange::Impl::product_index(const std::string& code, const std::string& who) const {
  if (code.empty()) return kAnyInstrument;
  const auto it = instrument_of.find(code);
  if (it == instrument_of.end()) {
    throw std::invalid_argument(who + ": instrument " + code + " is not listed");
  }
  return it->second;
}

EngineSettings Exchange::Impl::book_settings(const Market& m) {
  if (m.instruments.empty()) throw std::invalid_argument("the market lists no instrument");
  EngineSettings s;
  s.instruments = static_cast<std::uint32_t>(m.instruments.size());
  if (m.exchange.max_orders != 0) s.max_orders = m.exchange.max_orders;
  if (m.exchange.max_levels != 0) s.max_levels = m.exchange.max_levels;
  s.stp = StpMode::kCancelResting;
  return s;
}

std::uint32_t Exchange::Impl::lowest_ratio(const Project& p, const RegionRef& where) const {
  std::uint32_t lowest = 0;
  for (const RatioRule& r : market.ratios.rules()) {
    if (r.industry != p.industry) continue;
    if (r.buyer_class && *r.buyer_class != where.region_class) continue;
    if (r.buyer_region && *r.buyer_region != where.code && *r.buyer_region != where.province) continue;
    if (lowest == 0 || r.ratio_permille < lowest) lowest = r.ratio_permille;
  }
  return lowest;
}

PairFacts Exchange::Impl::pair_facts(std::uint32_t f, std::uint32_t p) const {
  return engine::pair_facts(market.facilities[f], market.participants[facilities[f].owner],
                            market.regions[facilities[f].region].ref, market.projects[p],
                            market.participants[projects[p].owner], market.regions[projects[p].region].ref);
}

void Exchange::Impl::band(std::int64_t ref, std::uint32_t permille, std::int64_t tick, Price& low_out,
                          Price& high_out) {
  const std::int64_t width = ref / 1000 * permille + ref % 1000 * permille / 1000;
  std::int64_t low = ref - width;
  const std::int64_t rem = floor_div(low, tick) * tick;
  low = rem == low ? low : rem + tick;  // round the low edge up to a tick
  if (low < tick) low = tick;
  low_out = Price(low);
  high_out = Price(floor_div(ref + width, tick) * tick);
}

void Exchange::Impl::set_band(std::uint32_t i) {
  const Instrument& ins = market.instruments[i];
  InstrumentState& s = instruments[i];
  band(s.reference.v, ins.band_permille, ins.tick, s.low, s.high);
  band(s.reference.v, ins.block_band_permille, ins.tick, s.block_low, s.block_high);
}

void Exchange::Impl::apply(const Command& c, EventSink& sink) {
  roll_clock(c.ts, sink);
  if (c.ts.v >= next_auction_end) end_due_auctions(c.ts, sink);
  // Due GTD orders expire before the command, as auctions end (exchange.hpp): a maker is gone at its
  // ExpireTime whether or not the clock ticked since. After the auctions, so that an AdvanceTime's
  // events come in the order they always did (its own expiry then finds nothing due).
  if (book.expiry_due(c.ts) && c.seq >= expiry_at_command_from) [[unlikely]] {
    Command t;
    t.type = CommandType::kAdvanceTime;
    t.seq = c.seq;
    t.ts = c.ts;
    forward(t, sink);
  }
  if (c.type == CommandType::kNew) [[likely]] return on_new(c, sink);  // most commands: no jump table
  switch (c.type) {
    case CommandType::kNew: return on_new(c, sink);  // taken above; listed for -Wswitch
    case CommandType::kReplace: return on_replace(c, sink);
    case CommandType::kCancel: return cancel(c, sink);
    case CommandType::kMassCancel:
    case CommandType::kAdvanceTime: return forward(c, sink);
    case CommandType::kCloseDay:
      if (today > last_closed_day && trading_day(today)) {
        close_day(c.ts, today, sink);
      } else {
        reject(c, RejectCode::kNoChange, static_cast<std::int64_t>(NoChange::kDayClosed), 0, sink);
      }
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
    case CommandType::kBlockPropose: return on_block_propose(c, sink);
    case CommandType::kBlockAccept: return on_block_accept(c, sink);
    case CommandType::kBlockDecline:
    case CommandType::kBlockWithdraw: return on_block_answer(c, sink);
    case CommandType::kAuctionAnnounce: return on_auction_announce(c, sink);
    case CommandType::kAuctionCancel: return on_auction_cancel(c, sink);
    case CommandType::kAuctionBid: return on_auction_bid(c, sink);
  }
  forward(c, sink);  // an unknown type: the book rejects it
}

// ---- the public face ------------------------------------------------------------------------------

Exchange::Exchange(Market market, const RegistryCounts& registered)
    : impl_(std::make_unique<Impl>(std::move(market), registered)) {}
Exchange::~Exchange() = default;

void Exchange::apply(const Command& cmd, EventSink& sink) { impl_->apply(cmd, sink); }
void Exchange::set_expiry_at_command_from(Seq from) { impl_->expiry_at_command_from = from; }
Timestamp Exchange::next_expiry() { return impl_->book.next_expiry(); }

const Market& Exchange::market() const { return impl_->market; }
const Engine& Exchange::book() const { return impl_->book; }
SessionPhase Exchange::phase() const { return impl_->phase; }
std::int32_t Exchange::last_closed_day() const { return impl_->last_closed_day; }
bool Exchange::halted(InstrumentId i) const { return impl_->instruments.at(i.v).halted; }
bool Exchange::suspended(ParticipantId p) const { return impl_->suspended_flags.at(p.v); }
Price Exchange::reference_price(InstrumentId i) const { return impl_->instruments.at(i.v).reference; }
Price Exchange::band_low(InstrumentId i) const { return impl_->instruments.at(i.v).low; }
Price Exchange::band_high(InstrumentId i) const { return impl_->instruments.at(i.v).high; }
Price Exchange::block_band_low(InstrumentId i) const { return impl_->instruments.at(i.v).block_low; }
Price Exchange::block_band_high(InstrumentId i) const { return impl_->instruments.at(i.v).block_high; }
const std::vector<BlockProposal>& Exchange::blocks() const { return impl_->blocks; }
const std::vector<AuctionStatus>& Exchange::auctions() const { return impl_->auctions; }
std::vector<AuctionBidEntry> Exchange::auction_ranking(std::uint32_t a) const { return impl_->ranking(a); }
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
  for (const BlockProposal& b : m.blocks) {
    h.add(b.id.v);
    h.add(b.instrument.v);
    h.add(b.proposer.v);
    h.add(b.counterparty.v);
    h.add(static_cast<std::uint64_t>(b.side));
    h.add(b.account.v);
    h.add_signed(b.price.v);
    h.add_signed(b.qty.v);
  }
  for (const AuctionStatus& a : m.auctions) {
    h.add(static_cast<std::uint64_t>(a.state));
    h.add_signed(a.opens.v);
    h.add_signed(a.closes.v);
    for (std::int64_t r : a.reserved) h.add_signed(r);
    for (const AuctionBidEntry& b : a.bids) {
      h.add(b.id.v);
      h.add(b.bidder.v);
      h.add(b.project.v);
      h.add_signed(b.price.v);
      h.add_signed(b.qty.v);
      h.add(b.time.v);
      h.add_signed(b.won.v);
    }
    h.add_signed(a.sold.v);
    h.add_signed(a.price.v);
  }
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
  std::string spent;  // the first open order that could never trade
  const auto note_spent = [&](const Order& o) {
    if (spent.empty() && m.spent(o)) {
      spent = "order " + std::to_string(o.id.v) + " rests with " + std::to_string(o.leaves.v) +
              " t open, which credits nothing at any ratio it could get";
    }
  };
  for (std::uint32_t i = 0; i < m.instruments.size(); ++i) {
    m.book.for_each_order(InstrumentId(i), Side::kSell, [&](const Order& o) {
      fac.at(o.account.v) += o.leaves.v;
      note_spent(o);
    });
    m.book.for_each_order(InstrumentId(i), Side::kBuy, [&](const Order& o) {
      proj.at(o.account.v) += m.reserve_of(static_cast<std::uint32_t>(o.account.v), o.leaves.v);
      note_spent(o);
    });
  }
  if (!spent.empty()) return spent;
  for (const BlockProposal& b : m.blocks) {
    if (b.side == Side::kSell) {
      fac.at(b.account.v) += b.qty.v;
    } else {
      proj.at(b.account.v) += m.reserve_of(static_cast<std::uint32_t>(b.account.v), b.qty.v);
    }
  }
  for (std::uint32_t a = 0; a < m.auctions.size(); ++a) {
    const AuctionStatus& st = m.auctions[a];
    if (st.state != AuctionState::kAnnounced) continue;
    for (std::size_t k = 0; k < st.reserved.size(); ++k) fac.at(m.auction_facts[a].facilities[k]) += st.reserved[k];
    for (const AuctionBidEntry& b : st.bids) {
      proj.at(b.project.v) += m.reserve_of(static_cast<std::uint32_t>(b.project.v), b.qty.v);
    }
  }
  for (std::size_t f = 0; f < fac.size(); ++f) {
    const auto& s = m.facilities[f];
    const Facility& def = m.market.facilities[f];
    if (s.reserved != fac[f]) {
      return "facility " + def.id + ": reserved " + std::to_string(s.reserved) + " but open sells, block proposals and auction lots hold " +
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
      return "project " + def.id + ": reserved " + std::to_string(s.reserved) + " but open buys, block proposals and auction bids hold " +
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

}  // namespace crix::engine
