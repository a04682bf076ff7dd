// crix::gateway passwords: the salted hash a participant's configuration holds
// ("sha256:<salt hex>:<digest hex>", digest = SHA-256 of the salt's hex text followed by the password,
// config/README.md) and its check at FIX Logon.
#pragma once

#include <string>
#include <string_view>

namespace crix::gateway {

// True when `password` hashes to `spec`. A malformed spec never matches. Compares in constant time.
bool password_matches(std::string_view spec, std::string_view password);

// A spec for `password` with `salt_hex` (tests and `crix passwd`-like helpers).
std::string password_spec(std::string_view salt_hex, std::string_view password);

}  // namespace crix::gateway
