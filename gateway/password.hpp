// crix::gateway passwords and API tokens: the hashes a market file holds (config/README.md) and their
// checks.
//
// Passwords (participants' `password_hash`, console users' `password`) are scrypt hashes
// "scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt hex>$<key hex>": a slow, salted, memory-hard KDF (OpenSSL 3.0,
// Debian 12's, has scrypt but no Argon2), so a stolen market file does not give the passwords away
// cheaply. The parameters travel in the string so they can be raised later without breaking old hashes.
// The default is OWASP's low-memory scrypt setting, N=2^14 r=8 p=5 (16 MiB per check), rather than its
// equivalent N=2^17 r=8 p=1 (128 MiB): a flood of logons must not exhaust memory. On top of that at most
// kConcurrentChecks checks run at once in the process (a counting semaphore; a further check waits its
// turn), so the KDF's memory is bounded at kConcurrentChecks x 16 MiB whatever arrives.
//
// API tokens (`[[console.tokens]]`) keep the fast salted SHA-256 "sha256:<salt hex>:<digest hex>": the
// console checks the bearer token on every request, a KDF there would make each call pay tens of
// milliseconds, and a token is a random high-entropy secret that no dictionary can guess, so a slow hash
// adds nothing for it.
//
// Thread-safe: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crix::gateway {

struct ScryptParams {
  int ln = 14;  // N = 2^ln
  int r = 8;
  int p = 5;
};

// OWASP's scrypt setting above; below kMinLn a hash is refused outright (config validation).
inline constexpr ScryptParams kDefaultScrypt{};
inline constexpr int kMinLn = 10;
inline constexpr int kMaxLn = 20;
inline constexpr int kMaxR = 32;
inline constexpr int kMaxP = 16;
inline constexpr int kConcurrentChecks = 2;

// True when `q` costs less work (N·r·p) than kDefaultScrypt: accepted, with a warning at start.
constexpr bool weaker_than_default(const ScryptParams& q) {
  const auto work = [](const ScryptParams& x) { return (std::int64_t{1} << x.ln) * x.r * x.p; };
  return work(q) < work(kDefaultScrypt);
}

// The parameters of a well-formed "scrypt$..." password hash (within the bounds above, salt and key of
// hex digits, key of 32 bytes); nullopt otherwise. Parses only, no KDF.
std::optional<ScryptParams> parse_password_hash(std::string_view spec);

// True when `password` derives to the key of scrypt hash `spec`. A malformed spec never matches.
// Compares in constant time. Waits while kConcurrentChecks other checks run.
bool password_matches(std::string_view spec, std::string_view password);

// A scrypt hash of `password` with a fresh random 16-byte salt (`crix passwd`, tests). Throws
// std::runtime_error when the parameters are out of bounds or OpenSSL fails.
std::string password_hash(std::string_view password, ScryptParams params = kDefaultScrypt);

// True when `token` hashes to the salted SHA-256 `spec` (API tokens only). Constant-time compare.
bool token_matches(std::string_view spec, std::string_view token);

// A token spec for `token` with `salt_hex` (tests).
std::string token_spec(std::string_view salt_hex, std::string_view token);

}  // namespace crix::gateway
