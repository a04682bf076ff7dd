#include "gateway/orders.hpp"

#include <charconv>
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

}  // namespace crix::gateway
