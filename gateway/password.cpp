#include "gateway/password.hpp"

#include "ledger/records.hpp"
#include "ledger/sha256.hpp"

namespace crix::gateway {

namespace {

std::string digest_hex(std::string_view salt_hex, std::string_view password) {
  std::string input(salt_hex);
  input.append(password);
  ledger::Sha256 sha;
  return ledger::to_hex(sha.digest(input.data(), input.size()));
}

}  // namespace

std::string password_spec(std::string_view salt_hex, std::string_view password) {
  return "sha256:" + std::string(salt_hex) + ":" + digest_hex(salt_hex, password);
}

bool password_matches(std::string_view spec, std::string_view password) {
  constexpr std::string_view kPrefix = "sha256:";
  if (spec.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = spec.substr(kPrefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view expected = rest.substr(colon + 1);
  const std::string actual = digest_hex(rest.substr(0, colon), password);
  if (actual.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) diff |= static_cast<unsigned char>(actual[i] ^ expected[i]);
  return diff == 0;
}

}  // namespace crix::gateway
