#include "tools/stream_gen.hpp"

namespace crix::tools {

std::uint64_t StreamGen::next_u64() {
  s_ += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = s_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

StreamOp StreamGen::next() {
  const std::uint64_t w = below(100);
  if (w == 0) {
    mid_ += 1;
  } else if (w == 1 && mid_ > 200) {
    mid_ -= 1;
  }
  const std::uint64_t k = below(100);
  StreamOp op;
  if (k < 30 && !live_.empty()) {
    const std::size_t j = below(live_.size());
    op.kind = StreamOp::Kind::kCancel;
    op.id = live_[j];
    live_[j] = live_.back();
    live_.pop_back();
    return op;
  }
  op.side = below(2) == 0 ? engine::Side::kBuy : engine::Side::kSell;
  op.qty = 1 + static_cast<std::int64_t>(below(100));
  const bool passive = k < 80;
  const auto off = 1 + static_cast<std::int64_t>(below(passive ? 20 : 10));
  const bool below_mid = (op.side == engine::Side::kBuy) == passive;
  op.price = below_mid ? mid_ - off : mid_ + off;
  op.id = next_id_++;
  live_.push_back(op.id);
  return op;
}

std::string format(const StreamOp& op) {
  if (op.kind == StreamOp::Kind::kCancel) return "C " + std::to_string(op.id);
  return "A " + std::to_string(op.id) + (op.side == engine::Side::kBuy ? " B " : " S ") +
         std::to_string(op.price) + " " + std::to_string(op.qty);
}

engine::Command to_command(const StreamOp& op) {
  engine::Command c;
  c.type = op.kind == StreamOp::Kind::kAdd ? engine::CommandType::kNew : engine::CommandType::kCancel;
  c.id = engine::OrderId(op.id);
  c.participant = engine::ParticipantId(1);
  if (op.kind == StreamOp::Kind::kAdd) {
    c.side = op.side;
    c.ord_type = engine::OrderType::kLimit;
    c.tif = engine::TimeInForce::kGtc;
    c.price = engine::Price(op.price);
    c.qty = engine::Qty(op.qty);
  }
  return c;
}

}  // namespace crix::tools
