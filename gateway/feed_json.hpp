// crix::gateway::feed_json: the console feed's JSON (docs/API.md "The live feed"), written straight into
// a string on the ledger thread. The snapshot and every update use these writers, so the two cannot
// drift. Their text is exactly what nlohmann::json's dump() gives for the same object (compact, keys
// sorted, text that is not UTF-8 replaced by U+FFFD): tests/gateway_test.cpp checks that byte for
// byte. Building nlohmann objects for each update was a tenth of crixd's processor time under load.
//
// Thread rules: none (pure functions of their arguments).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "gateway/http/link.hpp"

namespace crix::gateway::feed_json {

// `s` as a JSON string: quoted; '"', '\\' and control characters escaped; invalid UTF-8 replaced by
// U+FFFD as nlohmann's error_handler_t::replace does (a client's bytes quoted in an alert).
void string(std::string& out, std::string_view s);

// An update's head: merged into its body's keys, in their sorted places.
struct Head {
  std::uint64_t seq = 0;
  std::string_view type;
};

// The objects; with a head, the update that carries the object's fields.
void level(std::string& out, const http::Level& l);
void instrument(std::string& out, const http::InstrumentView& v, const Head* head = nullptr);
// A trade as a row, the same in the snapshot and as an update (docs/API.md, "Live"): an array of its
// values in kTradeFields' order, the first "trade". Not an object: a trade is most of the feed's
// bytes, and its keys and a time text were more than half of each (20 viewers at ten thousand trades a
// second: some 60 MB/s through loopback on the processors the exchange uses).
void trade(std::string& out, const http::TradeView& t);
inline constexpr std::string_view kTradeFields =
    R"(["type","seq","id","time","symbol","price","qty","buyer","seller","facility","project","kind","revoked"])";
// The update that says trade `trade` was revoked, by the revocation `id` (its own trade id, the chain's)
// at `time`: the trade's row stays as it was made, its `revoked` is true in later snapshots.
void revocation(std::string& out, std::uint64_t id, std::int64_t time, std::uint64_t trade, const Head& head);
void session(std::string& out, const http::SessionView& s, const Head* head = nullptr);
void participant(std::string& out, const http::ParticipantView& p, const Head* head = nullptr);
void alert(std::string& out, std::string_view level, std::string_view text, const Head& head);

// Whom an auction's bids name (docs/API.md, "Auctions"). Operators and regulators (the feed's viewers)
// see the bidders; the public sees the ranking's prices, quantities and times, and of an allocation
// what the public elimination list shows of a trade (its id, the facility, the buyer's project).
enum class Bidders { kHidden, kShown };
void auction(std::string& out, const http::AuctionView& v, std::int32_t offset_minutes, Bidders bidders,
             const Head* head = nullptr);

// Levels as an array, in the range's order: of Levels, or of a map's (price, Level) pairs.
template <class Range>
void levels(std::string& out, const Range& range) {
  out += '[';
  bool first = true;
  for (const auto& item : range) {
    if (!first) out += ',';
    first = false;
    if constexpr (std::is_same_v<std::decay_t<decltype(item)>, http::Level>) {
      level(out, item);
    } else {
      level(out, item.second);
    }
  }
  out += ']';
}

// "2026-12-04 11:40:12.038+08:00": a UTC time in ns in the market's zone, for a person.
std::string time_text(std::int64_t ns, std::int32_t offset_minutes);

}  // namespace crix::gateway::feed_json
