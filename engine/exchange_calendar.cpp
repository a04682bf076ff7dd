#include "engine/exchange_impl.hpp"

namespace crix::engine {

std::int64_t Exchange::Impl::close_of(std::int32_t day) const {
  if (market.exchange.sessions.empty()) return kNever;
  return utc_of(day, market.exchange.sessions.back().close.minutes);
}

std::int64_t Exchange::Impl::close_after(std::int32_t day) const {
  for (std::int32_t d = day + 1; d <= day + 3660; ++d) {
    if (trading_day(d)) return close_of(d);
  }
  return kNever;
}

void Exchange::Impl::roll_clock_over(Timestamp ts, EventSink& sink) {
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

void Exchange::Impl::close_day(Timestamp at, std::int32_t day, EventSink& sink) {
  Command c;
  c.type = CommandType::kCloseDay;
  c.ts = at;
  forward(c, sink);
  end_blocks([](const BlockProposal&) { return true; }, CancelReason::kBlockExpired, sink);
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

}  // namespace crix::engine
