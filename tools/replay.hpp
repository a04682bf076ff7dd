// crix::tools replay: reads the `crix replay` text format and feeds it to a one-instrument engine.
//
// Format, one operation per line:   A <id> <B|S> <price> <qty>   |   C <id>
// Tokens are separated by spaces or tabs; a trailing '\r' is ignored; blank lines and lines starting
// with '#' are skipped (they are not operations). id is an unsigned 64-bit number; price (fen per
// tonne) and qty (tonnes) are signed 64-bit numbers. A line that does not fit this format is
// malformed. Values that fit the format but not the engine (a zero quantity, a negative price, a
// duplicate live id) are the engine's to reject: they are counted and reported, not fatal.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.hpp"
#include "tools/stream_gen.hpp"

namespace crix::tools {

enum class LineKind : std::uint8_t { kOp, kSkip, kMalformed };

struct ParsedLine {
  LineKind kind = LineKind::kSkip;
  StreamOp op;         // kOp
  std::string reason;  // kMalformed: what is wrong, for a person
};

ParsedLine parse_line(std::string_view line);

struct ReplayOptions {
  std::uint32_t max_orders = 1u << 20;
  std::uint32_t max_levels = 1u << 16;
};

struct ReplaySummary {
  std::uint64_t ops = 0;
  std::uint64_t fills = 0;
  std::uint64_t traded_qty = 0;  // each fill is at most 10^10 t: 2^64 holds 1.8e9 of the largest
  std::uint64_t rejected_cancels = 0;
  std::uint64_t rejected_orders = 0;
  std::size_t resting_bids = 0;
  std::size_t resting_asks = 0;
  std::optional<engine::Price> best_bid;
  std::optional<engine::Price> best_ask;
  std::uint64_t state_hash = 0;
};

// The one summary line, "replay ops=... state_hash=<16 hex digits>".
std::string format_summary(const ReplaySummary& s);

// Replays `in`: one "<taker_id> <maker_id> <price> <qty>" line per fill to `out`, one line per
// rejected order and then the summary line to `err`. Returns the process exit code: 0, or 1 after
// reporting the first malformed line ("crix replay: line N: <reason>: <line>"), in which case no
// summary is printed and the operations before it have been applied.
int run_replay(std::istream& in, std::ostream& out, std::ostream& err, const ReplayOptions& options,
               ReplaySummary* summary = nullptr);

}  // namespace crix::tools
