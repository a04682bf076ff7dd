// Names of reject codes and cancel reasons: stable, lower-case phrases a person can read in a log or a
// FIX Text field; the gateway adds the numbers (Event::arg1, arg2).
#include "engine/event.hpp"

namespace crix::engine {

std::string_view to_string(RejectCode code) {
  switch (code) {
    case RejectCode::kNone: return "none";
    case RejectCode::kUnknownInstrument: return "unknown instrument";
    case RejectCode::kInvalidSide: return "invalid side";
    case RejectCode::kInvalidOrderType: return "invalid order type";
    case RejectCode::kInvalidTimeInForce: return "invalid time in force";
    case RejectCode::kInvalidFlags: return "invalid order flags";
    case RejectCode::kInvalidQuantity: return "quantity out of range";
    case RejectCode::kInvalidPrice: return "price out of range";
    case RejectCode::kInvalidExpiry: return "invalid expiry time";
    case RejectCode::kDuplicateOrderId: return "duplicate order id";
    case RejectCode::kUnknownOrder: return "no such resting order";
    case RejectCode::kNotOwner: return "order belongs to another participant";
    case RejectCode::kReplaceBelowFilled: return "new quantity not above the filled quantity";
    case RejectCode::kOrderPoolFull: return "order capacity exhausted";
    case RejectCode::kLevelPoolFull: return "price level capacity exhausted";
    case RejectCode::kUnknownCommand: return "unknown command";
  }
  return "unrecognised reject code";
}

std::string describe_reject(const Event& e) {
  std::string text(to_string(e.code));
  const auto n = [](std::int64_t v) { return std::to_string(v); };
  switch (e.code) {
    case RejectCode::kUnknownInstrument: return text + ": " + n(e.arg1);
    case RejectCode::kInvalidSide:
    case RejectCode::kInvalidOrderType:
    case RejectCode::kInvalidTimeInForce:
    case RejectCode::kInvalidFlags:
    case RejectCode::kUnknownCommand: return text + ": raw value " + n(e.arg1);
    case RejectCode::kInvalidQuantity:
    case RejectCode::kInvalidPrice:
      return text + ": " + n(e.arg1) + " is not within 1.." + n(e.arg2);
    case RejectCode::kInvalidExpiry:
      return text + ": expire_at " + n(e.arg1) + " with the command at " + n(e.arg2) +
             " (GTD needs a later expiry, other orders none)";
    case RejectCode::kDuplicateOrderId:
    case RejectCode::kUnknownOrder:
    case RejectCode::kNotOwner: return text + ": order " + std::to_string(e.order_id.v);
    case RejectCode::kReplaceBelowFilled:
      return text + ": new total " + n(e.arg1) + ", already filled " + n(e.arg2);
    case RejectCode::kOrderPoolFull:
    case RejectCode::kLevelPoolFull: return text + ": all " + n(e.arg1) + " in use";
    case RejectCode::kNone: break;
  }
  return text;
}

std::string_view to_string(CancelReason reason) {
  switch (reason) {
    case CancelReason::kNone: return "none";
    case CancelReason::kRequested: return "canceled on request";
    case CancelReason::kMassCancel: return "mass cancel";
    case CancelReason::kSelfTrade: return "self-trade prevention";
    case CancelReason::kUnfilled: return "unfilled remainder of an immediate order";
    case CancelReason::kFillOrKill: return "could not fill completely at once";
  }
  return "unrecognised cancel reason";
}

}  // namespace crix::engine
