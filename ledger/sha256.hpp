// crix::ledger::Sha256: SHA-256 through OpenSSL's EVP interface (libcrypto), and the hash of a trade
// record as the chain defines it: SHA-256 of the record's first kTradeHashedBytes bytes (every field
// before `hash`, the previous link's hash included).
//
// Thread rules: one Sha256 per thread (it keeps a digest context); the digest itself is stateless.
#pragma once

#include <cstddef>

#include "ledger/records.hpp"

struct evp_md_ctx_st;
struct evp_md_st;

namespace crix::ledger {

class Sha256 {
 public:
  Sha256();  // throws Error(kStorage) when libcrypto offers no SHA-256 (a broken OpenSSL install)
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Hash digest(const void* data, std::size_t size);
  Hash trade_hash(const TradeRecord& record) { return digest(&record, kTradeHashedBytes); }

 private:
  evp_md_ctx_st* ctx_;
  evp_md_st* md_;
};

}  // namespace crix::ledger
