// The FIX frame check of the fuzz targets (fix_frame.hpp).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fix_frame.hpp"

#include "gateway/fix/common.hpp"
#include "gateway/fix/masked_log.hpp"

namespace {

using namespace crix::fix;

const FIX::DataDictionary& dictionary() {
  static const FIX::DataDictionary* const dd = [] {
    auto* d = new FIX::DataDictionary(CRIX_FIX_SOURCE_DICTIONARY);
    // As the sessions run (detail::base_settings).
    d->checkFieldsOutOfOrder(true);
    d->checkFieldsHaveValues(true);
    d->checkUserDefinedFields(true);
    d->allowUnknownMsgFields(false);
    return d;
  }();
  return *dd;
}

void decode_as_received(const FIX::Message& message, const std::string& type) {
  if (type == "D" || type == "F" || type == "G" || type == "H" || type == "q" || type == "AF") {
    OrderRequest r;
    detail::decode_order(message, type, r);
  } else if (type == "V") {
    MarketDataRequest r;
    detail::decode(message, r);
  } else if (type == "x") {
    SecurityListRequest r;
    detail::decode(message, r);
  } else if (type == "8") {
    ExecReport r;
    detail::decode(message, r);
  } else if (type == "9") {
    CancelReject r;
    detail::decode(message, r);
  } else if (type == "r") {
    MassCancelReport r;
    detail::decode(message, r);
  } else if (type == "j") {
    BusinessReject r;
    detail::decode(message, r);
  } else if (type == "W") {
    MarketDataSnapshot r;
    detail::decode(message, r);
  } else if (type == "X") {
    MarketDataIncremental r;
    detail::decode(message, r);
  } else if (type == "y") {
    SecurityList r;
    detail::decode(message, r);
  } else if (type == "AE") {
    TradeCaptureReport r;
    detail::decode(message, r);
  } else if (type == "AD") {
    TradeCaptureReportRequest r;
    detail::decode(message, r);
  } else if (type == "AR") {
    TradeCaptureReportAck r;
    detail::decode(message, r);
  } else if (type == "AQ") {
    TradeCaptureReportRequestAck r;
    detail::decode(message, r);
  } else if (type == "g") {
    TradingSessionStatusRequest r;
    detail::decode(message, r);
  } else if (type == "h") {
    TradingSessionStatus r;
    detail::decode(message, r);
  } else if (type == "3") {
    SessionReject r;
    detail::decode(message, r);
  }
}

}  // namespace

namespace crix {
namespace fuzz {

void check_fix_frame(const std::string& raw) {
  const std::string masked = detail::mask_secrets(raw);
  const auto fields = [](const std::string& text) { return std::count(text.begin(), text.end(), '\x01'); };
  if (fields(masked) != fields(raw)) __builtin_trap();
  for (const char* secret : {"554=", "925="}) {
    const std::string tag = std::string("\x01") + secret;
    for (std::size_t at = masked.compare(0, 4, secret) == 0 ? 0 : masked.find(tag); at != std::string::npos;
         at = masked.find(tag, at + 1)) {
      const std::size_t value = masked.find('=', at) + 1;
      if (masked.compare(value, 4, "***\x01") != 0 && masked.compare(value, std::string::npos, "***") != 0) {
        __builtin_trap();
      }
    }
  }
  const FIX::DataDictionary& dd = dictionary();
  FIX::Message message;
  std::string type;
  try {
    message.setString(raw, true, &dd, &dd);
    FIX::DataDictionary::validate(message, &dd, &dd);
    type = message.getHeader().getField(FIX::FIELD::MsgType);
  } catch (const FIX::Exception&) {
    return;
  }
  try {
    decode_as_received(message, type);
  } catch (const detail::FieldError&) {
  }
}

}  // namespace fuzz
}  // namespace crix
