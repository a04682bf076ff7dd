// crix::ledger::verify: the checks behind `crix verify`, on a live or copied ledger, in one read
// snapshot (the writer may keep committing).
//
// In order, stopping at the first problem:
//  1. the hash chain, from trade 1: ids 1, 2, 3 ... under matching keys, every record decodable, each
//     prev_hash equal to the previous record's hash (zero for trade 1), each hash equal to SHA-256 of
//     the record's bytes before it; times never going back; each seq journaled; each trade's credit
//     floor(qty * 1000 / ratio) and its parties registered; each revocation a copy of an earlier,
//     not yet revoked trade; each record listed in every index it belongs to. meta's trade count,
//     revocation count and chain head must match the chain's end;
//  2. conservation: each facility's sold = its trades' qty minus its revocations' (and <= capacity),
//     each project's credited = its trades' credit minus its revocations' (and <= need), each region's
//     capacity = configured + credited in - retired out;
//  3. the elimination list: revision 0 of each trade's entry as the trade wrote it, then revisions
//     without gaps that change only the status, forward; a kRevoked revision for each revocation;
//  4. the indices hold no entry beyond the chain's, the daily statistics equal the trades', the journal
//     runs from its first seq to meta's last seq without gaps.
//
// Thread rules: like Reader (it reads through one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ledger/reader.hpp"
#include "ledger/records.hpp"

namespace crix::ledger {

struct Problem {
  engine::TradeId trade{};  // the first bad trade record; 0 when the problem is not one record's
  std::string what;         // e.g. "trade 17: stored hash 3f.. does not match its contents (computed 9a..)"
};

struct VerifyReport {
  std::uint64_t trades = 0;  // trade records whose chain link checked out
  std::uint64_t journal = 0;
  std::uint64_t elimination = 0;
  Hash chain_head{};
  // With an anchor: the trade whose hash it is (0: the anchor is the empty chain's zero hash).
  std::optional<std::uint64_t> anchor_trade;
  std::optional<Problem> problem;  // none: the ledger is sound
  bool ok() const { return !problem; }
};

// `anchor`: a chain head kept outside the ledger (crixd's start-up line, the console's status, a
// replica). The ledger is sound only if one of its trades has that hash: LMDB opens the previous
// commit when the newest meta page is damaged, and the chain alone cannot see its own rollback.
struct VerifyOptions {
  std::optional<Hash> anchor;
};

// Throws Error only when the ledger cannot be opened or read at all (kNotFound, kPermission, kStorage);
// anything wrong inside it is the report's problem.
VerifyReport verify(const std::string& path, const VerifyOptions& options);
VerifyReport verify(const Reader& reader, const VerifyOptions& options);
inline VerifyReport verify(const std::string& path) { return verify(path, VerifyOptions{}); }
inline VerifyReport verify(const Reader& reader) { return verify(reader, VerifyOptions{}); }

}  // namespace crix::ledger
