#include "engine/exchange_impl.hpp"

namespace crix::engine {

void Exchange::Impl::buyer_seller(const Order& taker, const Order& maker, const Order*& buy, const Order*& sell) {
  if (taker.side == Side::kBuy) {
    buy = &taker;
    sell = &maker;
  } else {
    buy = &maker;
    sell = &taker;
  }
}

Qty Exchange::Impl::allowed(const Order& taker, const Order& maker, Qty qty) const {
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
  const std::size_t slot = into * kIndustries + ind(instruments[taker.instrument.v].industry);
  if (caps[slot] == kNoCap) return Qty(q);
  std::int64_t after = capacity[slot] + walk_delta[into] + credit;
  if (facilities[f].region == into) after -= q;
  return after <= caps[slot] ? Qty(q) : Qty(0);
}

bool Exchange::Impl::spent(const Order& o) const {
  return spent_open(o.side, static_cast<std::uint32_t>(o.account.v), o.leaves.v);
}

std::int64_t Exchange::Impl::need_room(std::uint32_t p, const Order& buy, bool buy_is_taker) const {
  const ProjectState& s = projects[p];
  // The order's own reservation in `reserved`: its open quantity's, which each settled fill lowers,
  // but in the dry run, which settles nothing, the taker's as the walk began (taker_reserved).
  const std::int64_t own = both_hold(buy_is_taker, dry_walk) ? taker_reserved : reserve_of(p, buy.leaves.v);
  const std::int64_t others = s.reserved - walk_released[p] - own;
  return std::max<std::int64_t>(0, s.need - s.credited - walk_credit[p] - others);
}

std::int64_t Exchange::Impl::cut_to(std::int64_t room, std::uint32_t ratio, std::int64_t lot, std::int64_t offered) {
  // floor(q * 1000 / ratio) <= room  <=>  q * 1000 < (room + 1) * ratio.
  std::int64_t most = ((room + 1) * static_cast<std::int64_t>(ratio) - 1) / 1000;
  most = std::min(most, offered) / lot * lot;
  const std::int64_t credit = credited_capacity(most, ratio);
  if (credit == 0) return 0;
  const std::int64_t least = (credit * static_cast<std::int64_t>(ratio) + 999) / 1000;  // credits `credit`
  return (least + lot - 1) / lot * lot;
}

void Exchange::Impl::walk_started(bool dry) {
  dry_walk = dry;
  in_walk = !dry;
  for (std::uint32_t r : walk_touched) walk_delta[r] = walk_marked[r] = 0;
  walk_touched.clear();
  for (std::uint32_t p : walk_projects) walk_credit[p] = walk_released[p] = 0;
  walk_projects.clear();
}

void Exchange::Impl::traded(const Order& taker, const Order& maker, Qty qty) {
  if (!dry_walk) return;  // a real fill is settled at once (filled()): the live totals count it
  const Order* buy = nullptr;
  const Order* sell = nullptr;
  buyer_seller(taker, maker, buy, sell);
  const auto f = static_cast<std::uint32_t>(sell->account.v);
  const auto p = static_cast<std::uint32_t>(buy->account.v);
  const std::uint32_t ratio = pairs[f * projects.size() + p].ratio;
  const std::int64_t credit = credited_capacity(qty.v, ratio);
  touch(projects[p].region, credit);
  touch(facilities[f].region, -qty.v);
  if (walk_credit[p] == 0) walk_projects.push_back(p);  // every fill credits at least 1 t (allowed)
  walk_credit[p] += credit;
  // A maker's reservation is in `reserved` and falls with its leaves; the taker's is taker_reserved.
  if (buy == &maker) walk_released[p] += reserve_of(p, maker.leaves.v) - reserve_of(p, maker.leaves.v - qty.v);
}

void Exchange::Impl::touch(std::uint32_t region, std::int64_t delta) {
  if (!walk_marked[region]) {
    walk_marked[region] = 1;
    walk_touched.push_back(region);
  }
  walk_delta[region] += delta;
}

}  // namespace crix::engine
