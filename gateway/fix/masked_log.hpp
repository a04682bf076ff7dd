// crix::fix internals: the FIX message log (`crixd --fix-log`) with every secret masked. QuickFIX's
// FileLog writes each message as it arrived, so a Logon's Password(554) and NewPassword(925) (wrong
// attempts included) would sit in clear text in DIR/fix/*.messages.current.log for anyone who can read
// the log directory. MaskedLogFactory wraps FIX::FileLogFactory and replaces those values by "***" in
// every line it is given (messages in, messages out and events) before the file sees them.
//
// Thread rules: as FIX::FileLogFactory (QuickFIX calls a session's log under that session's lock).
#pragma once

#include <string>

#include "gateway/fix/quickfix.hpp"

namespace crix {
namespace fix {
namespace detail {

// `text` with the value of every Password(554) and NewPassword(925) field replaced by "***". A field
// starts the text or follows SOH; its value runs to the next SOH or the end. Nothing else changes.
std::string mask_secrets(const std::string& text);

class MaskedLogFactory final : public FIX::LogFactory {
 public:
  explicit MaskedLogFactory(const std::string& dir) : files_(dir) {}
  FIX::Log* create() override;
  FIX::Log* create(const FIX::SessionID& session) override;
  void destroy(FIX::Log* log) override;

 private:
  FIX::FileLogFactory files_;
};

}  // namespace detail
}  // namespace fix
}  // namespace crix
