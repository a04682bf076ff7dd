#include "gateway/fix/masked_log.hpp"

#include <array>
#include <memory>

namespace crix {
namespace fix {
namespace detail {

namespace {

constexpr char kSoh = '\x01';
constexpr std::array<const char*, 2> kSecretTags = {"554=", "925="};  // Password, NewPassword

// A log that hands `inner` (made by `files`) each line with its secrets masked.
class MaskedLog final : public FIX::Log {
 public:
  MaskedLog(FIX::LogFactory& files, FIX::Log* inner) : files_(files), inner_(inner) {}
  ~MaskedLog() override { files_.destroy(inner_); }
  MaskedLog(const MaskedLog&) = delete;
  MaskedLog& operator=(const MaskedLog&) = delete;

  void clear() override { inner_->clear(); }
  void backup() override { inner_->backup(); }
  void onIncoming(const std::string& text) override { inner_->onIncoming(mask_secrets(text)); }
  void onOutgoing(const std::string& text) override { inner_->onOutgoing(mask_secrets(text)); }
  void onEvent(const std::string& text) override { inner_->onEvent(mask_secrets(text)); }

 private:
  FIX::LogFactory& files_;
  FIX::Log* inner_;
};

}  // namespace

std::string mask_secrets(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(kSoh, at);
    if (end == std::string::npos) end = text.size();
    bool secret = false;
    for (const char* tag : kSecretTags) {
      if (text.compare(at, 4, tag) == 0) secret = true;
    }
    if (secret) {
      out.append(text, at, 4).append("***");
    } else {
      out.append(text, at, end - at);
    }
    if (end < text.size()) out.push_back(kSoh);
    at = end + 1;
  }
  return out;
}

FIX::Log* MaskedLogFactory::create() { return new MaskedLog(files_, files_.create()); }

FIX::Log* MaskedLogFactory::create(const FIX::SessionID& session) {
  return new MaskedLog(files_, files_.create(session));
}

void MaskedLogFactory::destroy(FIX::Log* log) { delete log; }

}  // namespace detail
}  // namespace fix
}  // namespace crix
