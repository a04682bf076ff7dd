// crix::engine state hash: a 64-bit digest of the whole book, for determinism checks
// (same command stream -> same hash), differential tests and replay summaries.
//
// It is not cryptographic; the ledger's hash chain (SHA-256) is what proves integrity.
//
// Canonical sequence fed to StateHasher::add, which the reference model in tests/ reproduces:
//   the last trade id issued (0 before the first fill);
//   for each instrument 0 .. n-1, for each side (buy, then sell):
//     the number of price levels; then for each level, best price first:
//       price, total open quantity, order count; then for each order in time priority:
//         id, participant, account, qty (total), leaves (open),
//         ord_type | tif << 8 | flags << 16 | side << 24,  expire_at.
#pragma once

#include <cstdint>

namespace crix::engine {

class StateHasher {
 public:
  constexpr void add(std::uint64_t v) {
    // splitmix64's finalizer spreads every input bit before the FNV-style fold.
    v ^= v >> 30;
    v *= 0xBF58476D1CE4E5B9ULL;
    v ^= v >> 27;
    v *= 0x94D049BB133111EBULL;
    v ^= v >> 31;
    h_ = (h_ ^ v) * 0x100000001B3ULL;
  }
  constexpr void add_signed(std::int64_t v) { add(static_cast<std::uint64_t>(v)); }
  constexpr std::uint64_t digest() const { return h_; }

 private:
  std::uint64_t h_ = 0xCBF29CE484222325ULL;  // FNV-1a 64 offset basis
};

}  // namespace crix::engine
