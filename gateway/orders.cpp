#include "gateway/orders.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <stdexcept>
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

namespace {

// A char field FIX can carry: one printable ASCII character. A record that says otherwise is damaged,
// and its reports could not be encoded.
bool printable(char c) { return c > ' ' && c <= '~'; }

// The fields of a stored state, separated by SOH: views into `text`.
std::vector<std::string_view> fields_of(std::string_view text) {
  std::vector<std::string_view> f;
  for (std::size_t at = 0;;) {
    const std::size_t end = text.find('\x01', at);
    f.push_back(text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
    if (end == std::string_view::npos) return f;
    at = end + 1;
  }
}

// All of `v` as a number into `out`; false when it is not one, or does not fit.
template <class Int>
bool whole_number(std::string_view v, Int& out) {
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && end == v.data() + v.size();
}

}  // namespace

bool restore_state(const std::string& text, OrderInfo& o) {
  const std::vector<std::string_view> f = fields_of(text);
  if (f.size() != 8 || f[0] != "1" || f[3].size() != 1 || !printable(f[3][0]) || f[2].empty()) return false;
  std::uint64_t n[5] = {};
  for (std::size_t i = 0; i < 5; ++i) {
    if (!whole_number(f[i == 0 ? 1 : i + 3], n[i])) return false;
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

std::int64_t average_price(std::int64_t cum_qty, Int128 cum_value) {
  return cum_qty > 0 ? static_cast<std::int64_t>((cum_value + cum_qty / 2) / cum_qty) : 0;
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
  if (!whole_number(text, id)) return std::nullopt;
  return id;
}

std::uint64_t hash_id(std::uint64_t id) {  // splitmix64's finalizer: order ids are sequence numbers
  id ^= id >> 30;
  id *= 0xbf58476d1ce4e5b9ULL;
  id ^= id >> 27;
  id *= 0x94d049bb133111ebULL;
  return id ^ (id >> 31);
}

constexpr std::size_t kBlock = std::size_t{1} << 20;  // an arena block: offsets / 4 take 18 bits
constexpr std::size_t kBlocks = std::size_t{1} << 14;  // the other 14 bits of a name: 16 GiB a day
constexpr std::size_t kHeader = 8;                      // [u32 link][u32 size]

std::size_t entry_bytes(std::size_t size) { return (kHeader + size + 3) & ~std::size_t{3}; }

}  // namespace

template <class Same>
std::uint32_t RefTable::find(std::uint64_t hash, Same same) const {
  if (slots_.empty()) return 0;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == 0 || same(slots_[i])) return slots_[i];
  }
}

template <class Same>
std::uint32_t& RefTable::slot(std::uint64_t hash, Same same) {
  if (slots_.empty()) slots_.assign(16, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == 0 || same(slots_[i])) return slots_[i];
  }
}

template <class HashOf>
void RefTable::added(HashOf hash_of) {
  if (++used_ * 4 < slots_.size() * 3) return;
  std::vector<std::uint32_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const std::uint32_t ref : old) {
    if (ref == 0) continue;
    std::size_t i = hash_of(ref) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = ref;
  }
}

void RefTable::clear() {
  std::vector<std::uint32_t>().swap(slots_);
  used_ = 0;
}

Orders::Orders(const engine::Market& market, const engine::Exchange& exchange)
    : market_(market), exchange_(exchange), names_(market.participants.size()) {}

std::uint32_t& Orders::link(std::uint32_t name) const {
  // The arena's blocks are char arrays from new[], and an entry starts at a multiple of 4.
  return *reinterpret_cast<std::uint32_t*>(blocks_[name >> 18].get() + (std::size_t{name} & 0x3ffff) * 4);
}

std::string_view Orders::cl_ord_id(std::uint32_t name) const {
  const char* entry = blocks_[name >> 18].get() + (std::size_t{name} & 0x3ffff) * 4;
  std::uint32_t size = 0;
  std::memcpy(&size, entry + 4, sizeof size);
  return {entry + kHeader, size};
}

std::optional<std::uint32_t> Orders::find_name(std::uint32_t session, std::string_view cl_ord_id) const {
  if (session >= names_.size()) return std::nullopt;
  const std::uint32_t ref = names_[session].find(std::hash<std::string_view>{}(cl_ord_id), [&](std::uint32_t r) {
    return this->cl_ord_id(r - 1) == cl_ord_id;
  });
  if (ref == 0) return std::nullopt;
  return ref - 1;
}

std::uint32_t Orders::name(std::uint32_t session, std::string_view cl_ord_id) {
  RefTable& table = names_.at(session);
  std::uint32_t& slot = table.slot(std::hash<std::string_view>{}(cl_ord_id), [&](std::uint32_t r) {
    return this->cl_ord_id(r - 1) == cl_ord_id;
  });
  if (slot != 0) return slot - 1;
  const std::size_t bytes = entry_bytes(cl_ord_id.size());
  if (blocks_.empty() || block_used_ + bytes > kBlock) {
    if (blocks_.size() == kBlocks) {
      throw std::length_error("the trading day's ClOrdIDs fill the 16 GiB crixd keeps for them");
    }
    // A ClOrdID longer than a block gets a block of its own (the next one starts a new block).
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(std::max(kBlock, bytes)));
    block_used_ = 0;
  }
  char* entry = blocks_.back().get() + block_used_;
  const std::uint32_t link = 0;
  const auto size = static_cast<std::uint32_t>(cl_ord_id.size());
  std::memcpy(entry, &link, sizeof link);
  std::memcpy(entry + 4, &size, sizeof size);
  std::memcpy(entry + kHeader, cl_ord_id.data(), cl_ord_id.size());
  const auto ref = static_cast<std::uint32_t>((blocks_.size() - 1) << 18 | block_used_ / 4);
  block_used_ = bytes > kBlock ? kBlock : block_used_ + bytes;
  slot = ref + 1;
  table.added([&](std::uint32_t r) { return std::hash<std::string_view>{}(this->cl_ord_id(r - 1)); });
  return ref;
}

const Orders::Record* Orders::record(std::uint64_t id) const {
  const std::uint32_t ref = records_by_id_.find(hash_id(id), [&](std::uint32_t r) { return records_[r - 1].id == id; });
  return ref == 0 ? nullptr : &records_[ref - 1];
}

std::string_view Orders::account_id(char side, std::uint32_t account) const {
  // (Not `cond ? id : ""`: its type would be a temporary std::string, and the view would dangle.)
  if (side == fixv::side::kSell) {
    if (account < market_.facilities.size()) return market_.facilities[account].id;
  } else if (account < market_.projects.size()) {
    return market_.projects[account].id;
  }
  return {};
}

std::size_t Orders::restore(const std::vector<ledger::ClientOrder>& kept, ledger::Batch& stale) {
  std::size_t restored = 0;
  for (const ledger::ClientOrder& k : kept) {
    Record ended;
    std::int32_t closed_day = 0;
    std::string cl_ord_id, canceled_by;
    std::uint32_t session = 0;
    char kind = 0;
    if (restore_taken(k.state, kind, closed_day, session, cl_ord_id)) {
      if (closed_day == exchange_.last_closed_day() && session < names_.size()) {
        if (kind == kMassCancel) {
          mass_cancels_.insert(clid_key(session, cl_ord_id));
        } else {
          link(name(session, cl_ord_id)) |= kTaken;
        }
        taken_keys_.push_back(k.order);
      } else {
        stale.keep({k.order, ""});
      }
      continue;
    }
    if (restore_ended(k.state, closed_day, ended, cl_ord_id, canceled_by)) {
      ended.id = k.order;
      // Not of another day, nor of a participant or instrument the market file no longer has.
      if (closed_day == exchange_.last_closed_day() && ended.session < names_.size() &&
          ended.instrument < market_.instruments.size()) {
        add_record(ended, cl_ord_id, canceled_by);
      } else {
        stale.keep({k.order, ""});
      }
      continue;
    }
    const engine::Order* live = exchange_.book().peek(engine::OrderId(k.order));
    OrderInfo o;
    if (!restore_state(k.state, o)) {
      stale.keep({k.order, ""});
      continue;
    }
    if (live != nullptr && o.session == live->participant.v) {
      o.instrument = live->instrument.v;
      set_account(o, live->side, live->account);
      o.tif = tif_char(live->tif);
      o.price = live->price.v;
    } else if (live != nullptr || !restore_bid(k.order, o)) {
      stale.keep({k.order, ""});
      continue;
    }
    live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = k.order;
    link(name(o.session, o.cl_ord_id)) |= kTaken;
    live_[k.order] = std::move(o);
    ++restored;
  }
  return restored;
}

bool Orders::restore_bid(std::uint64_t id, OrderInfo& o) const {
  const auto& auctions = exchange_.auctions();
  for (std::uint32_t a = 0; a < auctions.size(); ++a) {
    if (auctions[a].state != engine::AuctionState::kAnnounced) continue;
    for (const engine::AuctionBidEntry& b : auctions[a].bids) {
      if (b.id.v != id || b.bidder.v != o.session) continue;
      const auto instrument = exchange_.instrument_index(market_.auctions[a].instrument);
      if (!instrument) return false;
      o.instrument = *instrument;
      set_account(o, engine::Side::kBuy, b.project);
      o.tif = fixv::tif::kGtc;
      o.price = b.price.v;
      o.auction = a;
      return true;
    }
  }
  return false;
}

bool Orders::use_cl_ord_id(std::uint32_t session, const std::string& cl_ord_id) {
  std::uint32_t& l = link(name(session, cl_ord_id));
  if ((l & kTaken) != 0) return false;
  l |= kTaken;
  return true;
}

bool Orders::taken(std::uint32_t session, const std::string& cl_ord_id) const {
  const auto n = find_name(session, cl_ord_id);
  return n && (link(*n) & kTaken) != 0;
}

bool Orders::ended_by_cancel(std::uint32_t session, const std::string& cl_ord_id) const {
  const auto n = find_name(session, cl_ord_id);
  if (!n) return false;
  const std::uint32_t ref = link(*n) & ~kTaken;
  return ref != 0 && records_[ref - 1].name == *n && records_[ref - 1].status == fixv::ord_status::kCanceled;
}

void Orders::new_day(const fix::OrderRequest* request, ledger::Batch& batch) {
  for (const Record& r : records_) batch.keep({r.id, ""});
  for (const std::uint64_t key : taken_keys_) batch.keep({key, ""});
  taken_keys_.clear();
  taken_keys_.shrink_to_fit();
  mass_cancels_.clear();
  records_.clear();
  records_.shrink_to_fit();
  records_by_id_.clear();
  for (RefTable& t : names_) t.clear();
  blocks_.clear();
  block_used_ = 0;
  for (const auto& [id, o] : live_) link(name(o.session, o.cl_ord_id)) |= kTaken;
  if (request != nullptr &&
      (request->kind == fix::RequestKind::kNew || request->kind == fix::RequestKind::kReplace)) {
    link(name(request->session, request->cl_ord_id)) |= kTaken;
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

void Orders::keep_alone(char kind, std::uint64_t key, std::uint32_t session, std::string_view cl_ord_id,
                        ledger::Batch& batch) {
  batch.keep({key, taken_state(kind, exchange_.last_closed_day(), session, cl_ord_id)});
  taken_keys_.push_back(key);
}

void Orders::keep_taken(std::uint64_t key, std::uint32_t session, std::string_view cl_ord_id, ledger::Batch& batch) {
  keep_alone(kTakenName, key, session, cl_ord_id, batch);
}

void Orders::keep_mass_cancel(std::uint64_t key, std::uint32_t session, const std::string& cl_ord_id,
                              ledger::Batch& batch) {
  keep_alone(kMassCancel, key, session, cl_ord_id, batch);
  mass_cancels_.insert(clid_key(session, cl_ord_id));
}

bool Orders::mass_canceled(std::uint32_t session, const std::string& cl_ord_id) const {
  return mass_cancels_.count(clid_key(session, cl_ord_id)) != 0;
}

void Orders::forget(std::uint64_t id, char status, ledger::Batch& batch, std::string_view canceled_by) {
  const auto it = live_.find(id);
  if (it == live_.end()) return;
  const OrderInfo& o = it->second;
  live_by_cl_ord_id_.erase(clid_key(o.session, o.cl_ord_id));
  if (records_.size() + 1 < kTaken) {
    Record r;
    r.id = id;
    r.price = o.price;
    r.qty = o.qty;
    r.cum_qty = o.cum_qty;
    r.avg_px = average_price(o.cum_qty, o.cum_value);
    r.session = o.session;
    r.instrument = o.instrument;
    const auto account = o.side == fixv::side::kSell ? exchange_.facility_index(o.account)
                                                     : exchange_.project_index(o.account);
    r.account = account.value_or(UINT32_MAX);
    r.side = o.side;
    r.ord_type = o.ord_type;
    r.tif = o.tif;
    r.status = status;
    if (canceled_by == o.cl_ord_id) canceled_by = {};
    batch.keep({id, ended_state(exchange_.last_closed_day(), r, o.cl_ord_id, canceled_by)});
    add_record(r, o.cl_ord_id, canceled_by);
  } else {
    if (o.stored) batch.keep({id, ""});
    if (!records_full_logged_) {
      records_full_logged_ = true;
      spdlog::warn("{} orders ended today: later ones are not kept for status requests until the close", records_.size());
    }
  }
  live_.erase(it);
}

void Orders::add_record(Record r, std::string_view cl_ord_id, std::string_view canceled_by) {
  const std::uint32_t own = name(r.session, cl_ord_id);
  r.name = canceled_by.empty() ? own : name(r.session, canceled_by);
  records_.push_back(r);
  const auto ref = static_cast<std::uint32_t>(records_.size());
  link(own) = kTaken | ref;
  if (r.name != own) {
    std::uint32_t& l = link(r.name);
    l = (l & kTaken) | ref;
  }
  // An order ends once: its id is not in the table yet.
  records_by_id_.slot(hash_id(r.id), [](std::uint32_t) { return false; }) = ref;
  records_by_id_.added([&](std::uint32_t x) { return hash_id(records_[x - 1].id); });
}

std::string Orders::ended_state(std::int32_t closed_day, const Record& r, std::string_view cl_ord_id,
                                std::string_view canceled_by) {
  std::string s = "E\x01";
  s += std::to_string(closed_day);
  for (const std::uint64_t n : {std::uint64_t{r.session}, std::uint64_t{r.instrument}, std::uint64_t{r.account}}) {
    s += '\x01';
    s += std::to_string(n);
  }
  s += '\x01';
  s += {r.side, r.ord_type, r.tif, r.status};
  for (const std::int64_t n : {r.price, r.qty, r.cum_qty, r.avg_px}) {
    s += '\x01';
    s += std::to_string(n);
  }
  s += '\x01';
  s += cl_ord_id;
  if (!canceled_by.empty()) {
    s += '\x01';
    s += canceled_by;
  }
  return s;
}

bool Orders::restore_ended(const std::string& text, std::int32_t& closed_day, Record& r, std::string& cl_ord_id,
                           std::string& canceled_by) {
  if (text.rfind("E\x01", 0) != 0) return false;
  const std::vector<std::string_view> f = fields_of(std::string_view(text).substr(2));
  if ((f.size() != 10 && f.size() != 11) || f[4].size() != 4 || !std::all_of(f[4].begin(), f[4].end(), printable) ||
      f[9].empty() || (f.size() == 11 && f[10].empty())) {
    return false;
  }
  if (!whole_number(f[0], closed_day) || !whole_number(f[1], r.session) || !whole_number(f[2], r.instrument) ||
      !whole_number(f[3], r.account) || !whole_number(f[5], r.price) || !whole_number(f[6], r.qty) ||
      !whole_number(f[7], r.cum_qty) || !whole_number(f[8], r.avg_px)) {
    return false;
  }
  r.side = f[4][0];
  r.ord_type = f[4][1];
  r.tif = f[4][2];
  r.status = f[4][3];
  cl_ord_id = f[9];
  canceled_by = f.size() == 11 ? std::string(f[10]) : std::string();
  return true;
}

std::string Orders::taken_state(char kind, std::int32_t closed_day, std::uint32_t session,
                                std::string_view cl_ord_id) {
  std::string s(1, kind);
  s += '\x01';
  s += std::to_string(closed_day);
  s += '\x01';
  s += std::to_string(session);
  s += '\x01';
  s += cl_ord_id;
  return s;
}

bool Orders::restore_taken(const std::string& text, char& kind, std::int32_t& closed_day, std::uint32_t& session,
                           std::string& cl_ord_id) {
  if (text.size() < 2 || (text[0] != kTakenName && text[0] != kMassCancel) || text[1] != '\x01') return false;
  kind = text[0];
  const std::vector<std::string_view> f = fields_of(std::string_view(text).substr(2));
  if (f.size() != 3 || f[2].empty() || !whole_number(f[0], closed_day) || !whole_number(f[1], session)) return false;
  cl_ord_id = f[2];
  return true;
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
    const Record* e = record(*id);
    if (e == nullptr || e->session != r.session) return std::nullopt;
    return id;
  }
  const std::string& key = r.orig_cl_ord_id.empty() ? r.cl_ord_id : r.orig_cl_ord_id;
  const auto n = find_name(r.session, key);
  if (!n) return std::nullopt;
  const std::uint32_t ref = link(*n) & ~kTaken;
  if (ref == 0) return std::nullopt;
  return records_[ref - 1].id;
}

Ended Orders::ended(std::uint64_t id) const {
  const Record* r = record(id);
  if (r == nullptr) throw std::out_of_range("Orders::ended: order " + std::to_string(id) + " did not end today");
  Ended e;
  e.session = r->session;
  e.instrument = r->instrument;
  e.cl_ord_id = cl_ord_id(r->name);
  e.account = account_id(r->side, r->account);
  e.side = r->side;
  e.ord_type = r->ord_type;
  e.tif = r->tif;
  e.status = r->status;
  e.price = r->price;
  e.qty = r->qty;
  e.cum_qty = r->cum_qty;
  e.avg_px = r->avg_px;
  return e;
}

std::vector<std::uint64_t> Orders::ended_of(std::uint32_t session, std::uint32_t only) const {
  std::vector<std::uint64_t> ids;
  for (const Record& r : records_) {
    if (r.session == session && (only == UINT32_MAX || r.instrument == only)) ids.push_back(r.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace crix::gateway
