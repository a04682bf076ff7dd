#include "gateway/orders.hpp"

#include <charconv>
#include <utility>
#include <vector>

namespace crix::gateway {

std::string stored_state(const OrderInfo& o) {
  const auto value = static_cast<UInt128>(o.cum_value);
  std::string s = "1\x01";
  s += std::to_string(o.session);
  s += '\x01';
  s += o.cl_ord_id;
  s += '\x01';
  s += o.ord_type;
  for (const std::uint64_t n : {static_cast<std::uint64_t>(o.qty), static_cast<std::uint64_t>(o.cum_qty),
                                static_cast<std::uint64_t>(value >> 64), static_cast<std::uint64_t>(value)}) {
    s += '\x01';
    s += std::to_string(n);
  }
  return s;
}

bool restore_state(const std::string& text, OrderInfo& o) {
  std::vector<std::string> f;
  for (std::size_t at = 0;;) {
    const std::size_t end = text.find('\x01', at);
    f.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (f.size() != 8 || f[0] != "1" || f[3].size() != 1 || f[2].empty()) return false;
  std::uint64_t n[5] = {};
  for (std::size_t i = 0; i < 5; ++i) {
    const std::string& t = f[i == 0 ? 1 : i + 3];
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n[i]);
    if (ec != std::errc{} || end != t.data() + t.size()) return false;
  }
  o.session = static_cast<std::uint32_t>(n[0]);
  o.cl_ord_id = f[2];
  o.ord_type = f[3][0];
  o.qty = static_cast<std::int64_t>(n[1]);
  o.cum_qty = static_cast<std::int64_t>(n[2]);
  o.cum_value = static_cast<Int128>(static_cast<UInt128>(n[3]) << 64 | n[4]);
  o.stored = true;
  return true;
}

char tif_char(engine::TimeInForce t) {
  switch (t) {
    case engine::TimeInForce::kDay: return fixv::tif::kDay;
    case engine::TimeInForce::kGtc: return fixv::tif::kGtc;
    case engine::TimeInForce::kIoc: return fixv::tif::kIoc;
    case engine::TimeInForce::kFok: return fixv::tif::kFok;
    case engine::TimeInForce::kGtd: return fixv::tif::kGtd;
  }
  return fixv::tif::kDay;
}

namespace {

std::string clid_key(std::uint32_t session, const std::string& cl_ord_id) {
  return std::to_string(session) + "\x1f" + cl_ord_id;
}

// OrderID(37) as our order id; nullopt when it is not a number.
std::optional<std::uint64_t> parse_order_id(const std::string& text) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return id;
}

}  // namespace

Orders::Orders(const engine::Market& market, const engine::Exchange& exchange)
    : market_(market), exchange_(exchange), cl_ord_ids_(market.participants.size()) {}

std::size_t Orders::restore(const std::vector<ledger::ClientOrder>& kept, ledger::Batch& stale) {
  std::size_t restored = 0;
  for (const ledger::ClientOrder& k : kept) {
    const engine::Order* live = exchange_.book().peek(engine::OrderId(k.order));
    OrderInfo o;
    if (live == nullptr || !restore_state(k.state, o) || o.session != live->participant.v) {
      stale.keep({k.order, ""});
      continue;
    }
    o.instrument = live->instrument.v;
    set_account(o, live->side, live->account);
    o.tif = tif_char(live->tif);
    o.price = live->price.v;
    live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = k.order;
    cl_ord_ids_[o.session].insert(o.cl_ord_id);
    live_[k.order] = std::move(o);
    ++restored;
  }
  return restored;
}

bool Orders::use_cl_ord_id(std::uint32_t session, const std::string& cl_ord_id) {
  return cl_ord_ids_[session].insert(cl_ord_id).second;
}

void Orders::new_day(const fix::OrderRequest* request) {
  ended_.clear();
  ended_by_cl_ord_id_.clear();
  for (auto& used : cl_ord_ids_) used.clear();
  for (const auto& [id, o] : live_) cl_ord_ids_[o.session].insert(o.cl_ord_id);
  if (request != nullptr &&
      (request->kind == fix::RequestKind::kNew || request->kind == fix::RequestKind::kReplace)) {
    cl_ord_ids_[request->session].insert(request->cl_ord_id);
  }
}

OrderInfo& Orders::accept(std::uint64_t id, OrderInfo o) {
  OrderInfo& info = live_[id] = std::move(o);
  live_by_cl_ord_id_[clid_key(info.session, info.cl_ord_id)] = id;
  touched_.push_back(id);
  return info;
}

void Orders::set_account(OrderInfo& o, engine::Side side, engine::AccountId account) const {
  o.side = side == engine::Side::kSell ? fixv::side::kSell : fixv::side::kBuy;
  o.account = side == engine::Side::kSell ? market_.facilities.at(account.v).id : market_.projects.at(account.v).id;
}

OrderInfo& Orders::info_of(std::uint64_t id, engine::ParticipantId participant, engine::AccountId account,
                           engine::Side side, engine::InstrumentId instrument, std::int64_t open) {
  const auto it = live_.find(id);
  if (it != live_.end()) return it->second;
  OrderInfo o;
  o.session = participant.v;
  o.instrument = instrument.v;
  o.cl_ord_id = std::to_string(id);
  set_account(o, side, account);
  o.tif = fixv::tif::kGtc;
  if (const engine::Order* live = exchange_.book().peek(engine::OrderId(id))) {
    o.price = live->price.v;
    o.tif = tif_char(live->tif);
  }
  o.qty = open;
  live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = id;
  return live_[id] = std::move(o);
}

void Orders::rename(std::uint64_t id, const std::string& cl_ord_id) {
  OrderInfo& o = live_.at(id);
  live_by_cl_ord_id_.erase(clid_key(o.session, o.cl_ord_id));
  o.cl_ord_id = cl_ord_id;
  live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = id;
}

void Orders::rename_ended(std::uint64_t id, const std::string& cl_ord_id) {
  Ended& e = ended_.at(id);
  ended_by_cl_ord_id_[clid_key(e.info.session, cl_ord_id)] = id;
  e.info.cl_ord_id = cl_ord_id;
}

void Orders::forget(std::uint64_t id, char status, ledger::Batch& batch) {
  const auto it = live_.find(id);
  if (it == live_.end()) return;
  if (it->second.stored) batch.keep({id, ""});
  const std::string key = clid_key(it->second.session, it->second.cl_ord_id);
  live_by_cl_ord_id_.erase(key);
  ended_by_cl_ord_id_[key] = id;
  ended_[id] = Ended{std::move(it->second), status};
  live_.erase(it);
}

void Orders::store_touched(ledger::Batch& batch) {
  for (const std::uint64_t id : touched_) {
    const auto it = live_.find(id);
    if (it == live_.end()) continue;
    it->second.stored = true;
    batch.keep({id, stored_state(it->second)});
  }
  touched_.clear();
}

std::optional<std::uint64_t> Orders::find(const fix::OrderRequest& r) {
  if (!r.order_id.empty()) {
    const auto id = parse_order_id(r.order_id);
    if (!id) return std::nullopt;
    const auto it = live_.find(*id);
    if (it != live_.end()) return it->second.session == r.session ? id : std::nullopt;
    // Resting since before a restart: adopted from the book.
    const engine::Order* live = exchange_.book().peek(engine::OrderId(*id));
    if (live == nullptr || live->participant.v != r.session) return std::nullopt;
    OrderInfo& o = info_of(*id, live->participant, live->account, live->side, live->instrument, live->qty.v);
    o.price = live->price.v;
    return id;
  }
  const std::string& key = r.kind == fix::RequestKind::kStatus && r.orig_cl_ord_id.empty() ? r.cl_ord_id
                                                                                            : r.orig_cl_ord_id;
  const auto it = live_by_cl_ord_id_.find(clid_key(r.session, key));
  if (it == live_by_cl_ord_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> Orders::find_ended(const fix::OrderRequest& r) const {
  if (!r.order_id.empty()) {
    const auto id = parse_order_id(r.order_id);
    if (!id) return std::nullopt;
    const auto it = ended_.find(*id);
    if (it == ended_.end() || it->second.info.session != r.session) return std::nullopt;
    return id;
  }
  const std::string& key = r.orig_cl_ord_id.empty() ? r.cl_ord_id : r.orig_cl_ord_id;
  const auto it = ended_by_cl_ord_id_.find(clid_key(r.session, key));
  if (it == ended_by_cl_ord_id_.end()) return std::nullopt;
  return it->second;
}

}  // namespace crix::gateway
