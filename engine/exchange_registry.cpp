#include "engine/exchange_impl.hpp"

namespace crix::engine {

void Exchange::Impl::on_operator(const Command& c, EventSink& sink) {
  if (c.type == CommandType::kHalt || c.type == CommandType::kResume) {
    if (c.instrument.v >= instruments.size()) {
      return reject(c, RejectCode::kUnknownInstrument, c.instrument.v, 0, sink);
    }
    const bool halt = c.type == CommandType::kHalt;
    if (instruments[c.instrument.v].halted == halt) {
      return reject(c, RejectCode::kNoChange, static_cast<std::int64_t>(halt ? NoChange::kHalted : NoChange::kTrading),
                    0, sink);
    }
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
  if (suspended_flags[c.participant.v] == suspend) {
    return reject(c, RejectCode::kNoChange,
                  static_cast<std::int64_t>(suspend ? NoChange::kSuspended : NoChange::kActive), 0, sink);
  }
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
    // Its proposals, and those that name it (it could not answer them).
    end_blocks([&](const BlockProposal& b) { return b.proposer == c.participant || b.counterparty == c.participant; },
               CancelReason::kSuspended, sink);
    end_auctions_of(c.participant, sink);
  }
}

const Exchange::Impl::RecentTrade* Exchange::Impl::recent_trade(std::uint64_t id) const {
  // Ids ascend in `recent` but skip revocations' ids.
  const auto it = std::lower_bound(recent.begin(), recent.end(), id,
                                   [](const RecentTrade& t, std::uint64_t v) { return t.id < v; });
  return it != recent.end() && it->id == id ? &*it : nullptr;
}

void Exchange::Impl::on_revoke(const Command& c, EventSink& sink) {
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

void Exchange::Impl::on_status(const Command& c, EventSink& sink) {
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

void Exchange::Impl::registry_changed(Side side, std::uint32_t account, std::uint64_t field,
                                      std::int64_t value, std::int64_t before, EventSink& sink) {
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

void Exchange::Impl::on_amend_facility(const Command& c, EventSink& sink) {
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

void Exchange::Impl::on_amend_project(const Command& c, EventSink& sink) {
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

void Exchange::Impl::on_register(const Command& c, EventSink& sink) {
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

}  // namespace crix::engine
