#include "tools/market_stream.hpp"

#include <algorithm>
#include <stdexcept>

#include "engine/eligibility.hpp"

namespace crix::tools {

using engine::Command;
using engine::CommandType;
using engine::Side;

namespace {

// Could facility f ever trade with project p (industry, owners, project status, ratio and transfer
// rules)? Traders do not keep offering capacity nobody may buy: the stream leaves such accounts to
// the "bad" slots.
bool may_pair(const engine::Market& m, const engine::Facility& f, const engine::Project& p) {
  if (f.industry != p.industry || f.owner == p.owner) return false;
  if (!f.instrument.empty() && !p.instrument.empty() && f.instrument != p.instrument) return false;
  if (p.status != engine::ProjectStatus::kApproved && p.status != engine::ProjectStatus::kFiled) return false;
  const auto participant = [&](const std::string& id) {
    return *std::find_if(m.participants.begin(), m.participants.end(),
                         [&](const engine::Participant& x) { return x.id == id; });
  };
  const auto region = [&](std::uint32_t code) {
    return *std::find_if(m.regions.begin(), m.regions.end(),
                         [&](const engine::Region& r) { return r.ref.code == code; });
  };
  const engine::Region& into = region(p.region);
  const engine::PairFacts facts = engine::pair_facts(f, participant(f.owner), region(f.region).ref, p,
                                                     participant(p.owner), into.ref);
  return m.ratios.choose(facts).rule != nullptr && m.transfers.decide(facts, into.province_over_target).allowed;
}

}  // namespace

MarketStream::MarketStream(const engine::Market& market, const MarketStreamSettings& settings)
    : market_(market), settings_(settings), state_(settings.seed), now_(settings.start.v) {
  std::vector<bool> facility_pairs(market.facilities.size(), false);
  std::vector<bool> project_pairs(market.projects.size(), false);
  for (std::size_t f = 0; f < market.facilities.size(); ++f) {
    for (std::size_t p = 0; p < market.projects.size(); ++p) {
      if (may_pair(market, market.facilities[f], market.projects[p])) {
        facility_pairs[f] = true;
        project_pairs[p] = true;
      }
    }
  }
  const auto& ps = market.participants;
  for (std::uint32_t p = 0; p < ps.size(); ++p) {
    for (std::uint32_t i = 0; i < market.instruments.size(); ++i) {
      const bool allowed = std::find(ps[p].instruments.begin(), ps[p].instruments.end(),
                                     market.instruments[i].code) != ps[p].instruments.end();
      const engine::Industry industry = market.instruments[i].industry;
      for (std::uint32_t f = 0; f < market.facilities.size(); ++f) {
        const engine::Facility& fac = market.facilities[f];
        const bool own = fac.owner == ps[p].id;
        const bool eligible =
            engine::ineligibility(fac, market.idle_years_limit, 0) == engine::Ineligibility::kNone;
        Slot s{p, i, Side::kSell, f, fac.divisible ? 0 : fac.capacity};
        const bool product = fac.instrument.empty() || fac.instrument == market.instruments[i].code;
        if (own && allowed && ps[p].may_sell && fac.industry == industry && product && eligible && facility_pairs[f]) {
          good_.push_back(s);
        } else if ((own && allowed) || (allowed && ps[p].may_sell && fac.industry == industry)) {
          bad_.push_back(s);  // ineligible, another industry, or another owner's facility
        }
      }
      for (std::uint32_t j = 0; j < market.projects.size(); ++j) {
        const engine::Project& proj = market.projects[j];
        const bool own = proj.owner == ps[p].id;
        Slot s{p, i, Side::kBuy, j, 0};
        const bool product = proj.instrument.empty() || proj.instrument == market.instruments[i].code;
        if (own && allowed && ps[p].may_buy && proj.industry == industry && product && project_pairs[j]) {
          good_.push_back(s);
        } else if ((own && allowed) || (allowed && ps[p].may_buy && proj.industry == industry)) {
          bad_.push_back(s);
        }
      }
    }
  }
  if (good_.empty()) throw std::invalid_argument("the market has no participant that may trade");
  offered_.assign(market.facilities.size(), 0);
  sold_.assign(market.facilities.size(), 0);
  bid_.assign(market.projects.size(), 0);
  credited_.assign(market.projects.size(), 0);
}

void MarketStream::open_changed(const Live& l, std::int64_t delta) {
  if (l.side == Side::kSell) {
    if (l.account < offered_.size()) offered_[l.account] += delta;
  } else if (l.account < bid_.size()) {
    bid_[l.account] += delta;
  }
}

void MarketStream::add_live(const Live& l) {
  live_at_[l.id] = live_.size();
  live_.push_back(l);
  open_changed(l, l.open);
}

void MarketStream::drop_live(std::size_t j) {
  open_changed(live_[j], -live_[j].open);
  live_at_.erase(live_[j].id);
  if (j + 1 != live_.size()) {
    live_[j] = live_.back();
    live_at_[live_[j].id] = j;
  }
  live_.pop_back();
}

void MarketStream::observe(const engine::Event& e) {
  const auto open_now = [&](std::uint64_t id, std::int64_t open) {
    const auto it = live_at_.find(id);
    if (it == live_at_.end()) return;
    Live& l = live_[it->second];
    open_changed(l, open - l.open);
    l.open = open;
    if (open == 0) drop_live(it->second);
  };
  switch (e.type) {
    case engine::EventType::kFill: {
      const bool taker_sells = e.side == Side::kSell;
      const std::uint64_t f = (taker_sells ? e.account : e.maker_account).v;
      const std::uint64_t p = (taker_sells ? e.maker_account : e.account).v;
      if (f < sold_.size()) sold_[f] += e.qty.v;
      if (p < credited_.size()) credited_[p] += e.arg1;
      if (e.mode == engine::TradeMode::kBlock) {
        drop_pending(e.order_id.v);
        break;
      }
      open_now(e.order_id.v, e.leaves.v);
      open_now(e.maker_id.v, e.maker_leaves.v);
      break;
    }
    case engine::EventType::kCanceled:
    case engine::EventType::kExpired:
      open_now(e.order_id.v, 0);
      break;
    case engine::EventType::kReplaced: {
      const auto it = live_at_.find(e.order_id.v);
      if (it != live_at_.end()) live_[it->second].qty = e.qty.v;
      open_now(e.order_id.v, e.leaves.v);
      break;
    }
    case engine::EventType::kRejected:
      if (last_type_ == CommandType::kNew && e.order_id.v == last_id_) open_now(e.order_id.v, 0);
      if (last_type_ == CommandType::kBlockPropose && e.order_id.v == last_id_) drop_pending(e.order_id.v);
      if (last_type_ == CommandType::kBlockAccept) {
        for (Pending& p : pending_) p.refused = p.refused || p.id == e.order_id.v;
      }
      break;
    case engine::EventType::kBlockEnded:
      drop_pending(e.order_id.v);
      break;
    default:
      break;
  }
}

std::uint64_t MarketStream::next_u64() {  // splitmix64, as StreamGen
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::int64_t MarketStream::price_for(std::uint32_t instrument, Side side) {
  const engine::Instrument& ins = market_.instruments[instrument];
  const std::int64_t width = ins.reference_price * ins.band_permille / 1000;
  const std::int64_t unit = std::max<std::int64_t>(ins.tick, width / 20 / ins.tick * ins.tick);
  // Offsets -4 .. 19 units away from the reference, on the resting side: buys below, sells above;
  // the negative offsets cross.
  const auto off = static_cast<std::int64_t>(below(24)) - 4;
  const std::int64_t price = side == Side::kBuy ? ins.reference_price - off * unit
                                                : ins.reference_price + off * unit;
  return std::max(ins.tick, price);
}

std::optional<Command> MarketStream::new_order(const Slot& s, bool limited) {
  const std::int64_t lot = market_.instruments[s.instrument].lot;
  std::int64_t qty = s.whole > 0 ? s.whole
                                 : (1 + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(settings_.max_lots)))) * lot;
  if (limited && settings_.sensible) {
    if (s.side == Side::kSell) {
      const engine::Facility& f = market_.facilities[s.account];
      const std::int64_t unsold = f.capacity - sold_[s.account];
      if (s.whole > 0) {
        if (offered_[s.account] != 0 || unsold <= 0) return std::nullopt;
        qty = unsold;  // an indivisible facility: its whole remainder
      } else {
        qty = std::min(qty, (unsold - offered_[s.account]) / lot * lot);
      }
    } else {
      const engine::Project& p = market_.projects[s.account];
      qty = std::min(qty, (p.new_capacity - credited_[s.account] - bid_[s.account]) / lot * lot);
    }
    if (qty <= 0) return std::nullopt;
  }
  Command c;
  c.type = CommandType::kNew;
  c.id = engine::OrderId(next_id_++);
  c.participant = engine::ParticipantId(s.participant);
  c.instrument = engine::InstrumentId(s.instrument);
  c.side = s.side;
  c.account = engine::AccountId(s.account);
  c.price = engine::Price(price_for(s.instrument, s.side));
  c.qty = engine::Qty(qty);
  const std::uint64_t kind = below(100);
  c.tif = kind < 20 ? engine::TimeInForce::kDay : engine::TimeInForce::kGtc;
  if (kind >= 90 && kind < 95) c.tif = engine::TimeInForce::kIoc;
  if (kind >= 95 && kind < 97) c.tif = engine::TimeInForce::kFok;
  if (kind >= 97) {
    c.ord_type = engine::OrderType::kMarket;
    c.tif = engine::TimeInForce::kIoc;
    c.price = engine::Price(0);  // the band's edge
  }
  if (s.whole > 0 || below(100) < 5) c.flags = engine::kFlagAllOrNone;
  // Every order is tracked until the exchange reports it gone (a blind stream: until canceled).
  add_live(Live{c.id.v, s.participant, s.instrument, s.side, s.account, c.qty.v, c.qty.v, c.price.v});
  if (!settings_.sensible && !(c.ord_type == engine::OrderType::kLimit &&
                               (c.tif == engine::TimeInForce::kDay || c.tif == engine::TimeInForce::kGtc))) {
    drop_live(live_.size() - 1);  // blind: an order that cannot rest is not a cancel target
  }
  return c;
}

Command MarketStream::cancel_some_order() {
  const std::size_t j = below(live_.size());
  const Live l = live_[j];
  drop_live(j);
  Command c;
  c.type = CommandType::kCancel;
  c.id = engine::OrderId(l.id);
  c.participant = engine::ParticipantId(l.participant);
  c.instrument = engine::InstrumentId(l.instrument);
  return c;
}

void MarketStream::drop_pending(std::uint64_t id) {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].id != id) continue;
    pending_[i] = pending_.back();
    pending_.pop_back();
    return;
  }
}

std::optional<Command> MarketStream::block_command() {
  if (!pending_.empty() && (pending_.size() > 4 || below(2) == 0)) {
    const std::size_t j = below(pending_.size());
    const Pending p = pending_[j];
    Command c;
    c.id = engine::OrderId(p.id);
    c.instrument = engine::InstrumentId(p.instrument);
    c.participant = engine::ParticipantId(p.counterparty);
    const std::uint64_t roll = p.refused ? 1 : below(10);
    if (roll == 0) {
      c.type = CommandType::kBlockWithdraw;
      c.participant = engine::ParticipantId(p.proposer);
    } else {
      c.type = CommandType::kBlockDecline;
      // Mostly an acceptance with one of the counterparty's own accounts of the other side.
      std::vector<const Slot*> own;
      for (const Slot& s : good_) {
        if (s.participant == p.counterparty && s.instrument == p.instrument && s.side != p.side) own.push_back(&s);
      }
      if (roll > 1 && !own.empty()) {
        c.type = CommandType::kBlockAccept;
        c.account = engine::AccountId(own[below(own.size())]->account);
      }
    }
    if (!settings_.sensible) drop_pending(p.id);  // a blind stream does not hear how it ended
    return c;
  }
  const Slot& s = good_[below(good_.size())];
  std::vector<std::uint32_t> others;
  for (const Slot& o : good_) {
    if (o.instrument == s.instrument && o.side != s.side && o.participant != s.participant &&
        std::find(others.begin(), others.end(), o.participant) == others.end()) {
      others.push_back(o.participant);
    }
  }
  if (others.empty()) return std::nullopt;
  std::optional<Command> order = new_order(s, true);
  if (!order) return std::nullopt;
  drop_live(live_.size() - 1);  // a proposal is no order: not a cancel or replace target
  Command c = *order;
  c.type = CommandType::kBlockPropose;
  c.ord_type = engine::OrderType::kLimit;
  c.tif = engine::TimeInForce::kDay;
  c.flags = 0;
  if (c.price.v == 0) c.price = engine::Price(market_.instruments[s.instrument].reference_price);
  const engine::Instrument& ins = market_.instruments[s.instrument];
  if (s.whole == 0) c.qty = engine::Qty(std::max(c.qty.v, (ins.block_min_qty + ins.lot - 1) / ins.lot * ins.lot));
  const std::uint32_t to = others[below(others.size())];
  c.expire_at = engine::Timestamp(to);
  pending_.push_back(Pending{c.id.v, s.instrument, s.side, s.participant, to});
  return c;
}

Command MarketStream::next() {
  now_ += settings_.step_ns +
          (settings_.jitter_ns > 0 ? static_cast<std::int64_t>(below(static_cast<std::uint64_t>(settings_.jitter_ns)))
                                   : 0);
  Command c;
  const std::uint64_t k = below(1000);
  if (k < settings_.operator_permille) {
    // Operator actions come in pairs: a halt or a suspension, then, at the next operator command, its
    // undo, so that the market is not left halted for the rest of the stream.
    if (undo_) {
      c = *undo_;
      undo_.reset();
    } else {
      const bool halt = below(2) == 0;
      c.type = halt ? CommandType::kHalt : CommandType::kSuspend;
      c.instrument = engine::InstrumentId(static_cast<std::uint32_t>(below(market_.instruments.size())));
      c.participant = engine::ParticipantId(static_cast<std::uint32_t>(below(market_.participants.size())));
      undo_ = c;
      undo_->type = halt ? CommandType::kResume : CommandType::kReinstate;
    }
  } else if (k < 10 * settings_.cancel_percent && !live_.empty()) {
    c = cancel_some_order();
  } else if (k < 10 * (settings_.cancel_percent + settings_.replace_percent) && !live_.empty()) {
    Live& l = live_[below(live_.size())];
    c.type = CommandType::kReplace;
    c.id = engine::OrderId(l.id);
    c.participant = engine::ParticipantId(l.participant);
    c.instrument = engine::InstrumentId(l.instrument);
    const std::int64_t tick = market_.instruments[l.instrument].tick;
    const auto move = static_cast<std::int64_t>(below(5)) - 2;
    c.price = engine::Price(std::max(tick, l.price + move * tick));
    c.qty = engine::Qty(below(2) == 0 ? l.qty : std::max<std::int64_t>(1, l.qty / 2));
    l.price = c.price.v;
  } else if (const std::optional<Command> block =
                 settings_.block_permille > 0 && k >= 10 * (settings_.cancel_percent + settings_.replace_percent) &&
                         k < 10 * (settings_.cancel_percent + settings_.replace_percent) + settings_.block_permille
                     ? block_command()
                     : std::nullopt) {
    c = *block;
  } else if (!bad_.empty() && below(100) < settings_.bad_percent) {
    c = *new_order(bad_[below(bad_.size())], false);  // a bad slot is meant to fail
  } else {
    // A sensible trader whose account has nothing left to offer or bid for passes: try other slots,
    // and send a cancel when none has room.
    std::optional<Command> order;
    for (int tries = 0; tries < 16 && !order; ++tries) order = new_order(good_[below(good_.size())], true);
    if (order) {
      c = *order;
    } else if (!live_.empty()) {
      c = cancel_some_order();
    } else {
      c.type = CommandType::kAdvanceTime;
    }
  }
  c.ts = engine::Timestamp(now_);
  last_type_ = c.type;
  last_id_ = c.id.v;
  return c;
}

}  // namespace crix::tools
