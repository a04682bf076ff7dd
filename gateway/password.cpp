#include "gateway/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <semaphore>
#include <stdexcept>
#include <vector>

#include "ledger/records.hpp"
#include "ledger/sha256.hpp"

namespace crix::gateway {

namespace {

constexpr std::string_view kScrypt = "scrypt$";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

// Bounds the KDF's memory under a logon flood (header comment).
std::counting_semaphore<kConcurrentChecks> checks(kConcurrentChecks);

bool is_hex(std::string_view t) {
  return !t.empty() && t.size() % 2 == 0 && std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::vector<unsigned char> from_hex(std::string_view t) {
  const auto nibble = [](char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  };
  std::vector<unsigned char> out(t.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<unsigned char>(nibble(t[2 * i]) << 4 | nibble(t[2 * i + 1]));
  }
  return out;
}

// "name=<decimal>" at the front of `t`, then `sep` (or the end when sep is 0).
bool take(std::string_view& t, std::string_view name, char sep, int& out) {
  if (t.substr(0, name.size()) != name || t.size() <= name.size() || t[name.size()] != '=') return false;
  t.remove_prefix(name.size() + 1);
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (ec != std::errc() || end == t.data()) return false;
  t.remove_prefix(static_cast<std::size_t>(end - t.data()));
  if (sep == 0) return t.empty();
  if (t.empty() || t.front() != sep) return false;
  t.remove_prefix(1);
  return true;
}

bool in_bounds(const ScryptParams& q) {
  return q.ln >= 1 && q.ln <= kMaxLn && q.r >= 1 && q.r <= kMaxR && q.p >= 1 && q.p <= kMaxP;
}

struct Parsed {
  ScryptParams params;
  std::string_view salt_hex;
  std::string_view key_hex;
};

std::optional<Parsed> parse(std::string_view spec) {
  if (spec.substr(0, kScrypt.size()) != kScrypt) return std::nullopt;
  spec.remove_prefix(kScrypt.size());
  const std::size_t d1 = spec.find('$');
  if (d1 == std::string_view::npos) return std::nullopt;
  const std::size_t d2 = spec.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  Parsed x;
  std::string_view params = spec.substr(0, d1);
  if (!take(params, "ln", ',', x.params.ln) || !take(params, "r", ',', x.params.r) ||
      !take(params, "p", 0, x.params.p) || !in_bounds(x.params)) {
    return std::nullopt;
  }
  x.salt_hex = spec.substr(d1 + 1, d2 - d1 - 1);
  x.key_hex = spec.substr(d2 + 1);
  if (!is_hex(x.salt_hex) || !is_hex(x.key_hex) || x.key_hex.size() != 2 * kKeyBytes) return std::nullopt;
  return x;
}

// scrypt(password, salt) into `key`, one of at most kConcurrentChecks at a time.
bool derive(std::string_view password, const std::vector<unsigned char>& salt, const ScryptParams& q,
            unsigned char* key) {
  const std::uint64_t n = std::uint64_t{1} << q.ln;
  // scrypt needs 128·r·(N + p) bytes; OpenSSL refuses more than maxmem (32 MiB when 0 is given).
  const std::uint64_t maxmem = 128 * static_cast<std::uint64_t>(q.r) * (n + static_cast<std::uint64_t>(q.p) + 2) +
                               (std::uint64_t{1} << 20);
  checks.acquire();
  const int ok = EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n,
                                static_cast<std::uint64_t>(q.r), static_cast<std::uint64_t>(q.p), maxmem, key,
                                kKeyBytes);
  checks.release();
  return ok == 1;
}

std::string sha256_hex(std::string_view salt_hex, std::string_view secret) {
  std::string input(salt_hex);
  input.append(secret);
  ledger::Sha256 sha;
  return ledger::to_hex(sha.digest(input.data(), input.size()));
}

}  // namespace

std::optional<ScryptParams> parse_password_hash(std::string_view spec) {
  const auto x = parse(spec);
  if (!x) return std::nullopt;
  return x->params;
}

bool password_matches(std::string_view spec, std::string_view password) {
  const auto x = parse(spec);
  if (!x) return false;
  const std::vector<unsigned char> expected = from_hex(x->key_hex);
  unsigned char key[kKeyBytes];
  if (!derive(password, from_hex(x->salt_hex), x->params, key)) return false;
  return CRYPTO_memcmp(key, expected.data(), kKeyBytes) == 0;
}

std::string password_hash(std::string_view password, ScryptParams params) {
  if (!in_bounds(params)) {
    throw std::runtime_error("scrypt parameters out of bounds: ln 1.." + std::to_string(kMaxLn) + ", r 1.." +
                             std::to_string(kMaxR) + ", p 1.." + std::to_string(kMaxP));
  }
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("no random salt");
  unsigned char key[kKeyBytes];
  if (!derive(password, salt, params, key)) throw std::runtime_error("scrypt failed (out of memory?)");
  return "scrypt$ln=" + std::to_string(params.ln) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + ledger::to_hex(salt) + "$" + ledger::to_hex(key);
}

std::string token_spec(std::string_view salt_hex, std::string_view token) {
  return "sha256:" + std::string(salt_hex) + ":" + sha256_hex(salt_hex, token);
}

bool token_matches(std::string_view spec, std::string_view token) {
  constexpr std::string_view kPrefix = "sha256:";
  if (spec.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = spec.substr(kPrefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view expected = rest.substr(colon + 1);
  const std::string actual = sha256_hex(rest.substr(0, colon), token);
  if (actual.size() != expected.size()) return false;
  return CRYPTO_memcmp(actual.data(), expected.data(), actual.size()) == 0;
}

}  // namespace crix::gateway
