// The console feed's JSON writers (gateway/feed_json.hpp) against nlohmann::json, which wrote the feed
// before them and still writes the HTTP API: for random views and random bytes, the same text byte for
// byte (compact, keys sorted, invalid UTF-8 as U+FFFD).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "gateway/feed_json.hpp"
#include "tests/support/rng.hpp"

namespace {

using nlohmann::json;
namespace feed_json = crix::gateway::feed_json;
using crix::test::Rng;

std::string dumped(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Absent values are null in the feed as in the REST views (docs/API.md): a time or last price of 0, a
// trade's missing side "".
json null_if_0(std::int64_t v) { return v == 0 ? json(nullptr) : json(v); }
json null_if_empty(const std::string& v) { return v.empty() ? json(nullptr) : json(v); }

// Text that is mostly what a market file holds, sometimes quotes, controls, Chinese, or broken UTF-8.
std::string text(Rng& rng) {
  static const std::vector<std::string> pieces = {
      "a",  "Z", "0", " ", "-", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", std::string(1, '\0'), "\x01", "\x1f",
      "\x7f", "钢", "唐山", "€", "\xF0\x9F\x98\x80",  // valid: 2, 3 and 4 bytes
      "\x80", "\xBF", "\xC0\xAF", "\xC2", "\xE0\x80\x80", "\xE2\x82", "\xED\xA0\x80", "\xF4\x90\x80\x80",
      "\xF0\x9F\x98", "\xFF", "\xFE", "\xF5\x80\x80\x80", "\xC3\x28", "\xE2\x28\xA1"};
  std::string s;
  const auto n = rng.below(12);
  for (std::uint64_t i = 0; i < n; ++i) s += pieces[rng.below(pieces.size())];
  return s;
}

std::int64_t number(Rng& rng) {
  switch (rng.below(4)) {
    case 0: return 0;
    case 1: return rng.range(-1000, 1000);
    case 2: return static_cast<std::int64_t>(rng.next());
    default: return rng.range(0, 10'000'000'000);
  }
}

json with_head(json body, const feed_json::Head& h) {
  json j{{"type", std::string(h.type)}, {"seq", h.seq}};
  j.update(body);
  return j;
}

}  // namespace

TEST_CASE("feed JSON: a string is escaped and its broken UTF-8 replaced as nlohmann does", "[gateway]") {
  Rng rng{7};
  for (int i = 0; i < 20'000; ++i) {
    const std::string s = text(rng);
    std::string out;
    feed_json::string(out, s);
    REQUIRE(out == dumped(json(s)));
  }
  // Every single byte and every pair of bytes: the cases the pieces above might miss.
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b)};
      std::string out;
      feed_json::string(out, s);
      REQUIRE(out == dumped(json(s)));
    }
  }
}

TEST_CASE("feed JSON: each view and each update equals nlohmann's text for the same fields", "[gateway]") {
  Rng rng{11};
  for (int i = 0; i < 2'000; ++i) {
    const feed_json::Head head{static_cast<std::uint64_t>(rng.next()), i % 2 ? "instrument" : "x"};

    crix::http::Level l{number(rng), number(rng), static_cast<std::uint32_t>(rng.next())};
    json lj{{"price", l.price}, {"qty", l.qty}, {"orders", l.orders}};
    std::string out;
    feed_json::level(out, l);
    REQUIRE(out == dumped(lj));

    crix::http::InstrumentView v{text(rng), text(rng), text(rng), text(rng), rng.chance(50), number(rng), number(rng),
                                 number(rng), number(rng), number(rng), number(rng), number(rng), number(rng),
                                 number(rng)};
    json vj{{"symbol", v.symbol},       {"industry", v.industry},   {"unit", v.unit},
            {"phase", v.phase},         {"halted", v.halted},       {"tick", v.tick},
            {"lot", v.lot},             {"reference_price", v.reference_price},
            {"band_low", v.band_low},   {"band_high", v.band_high}, {"last_price", null_if_0(v.last_price)},
            {"volume", v.volume},       {"value", v.value},         {"listed_max_qty", v.listed_max_qty}};
    out.clear();
    feed_json::instrument(out, v);
    REQUIRE(out == dumped(vj));
    out.clear();
    feed_json::instrument(out, v, &head);
    REQUIRE(out == dumped(with_head(vj, head)));

    // A trade is a row: its values in kTradeFields' order, which names them.
    crix::http::TradeView t{rng.next(), head.seq, rng.range(0, 4'000'000'000'000'000'000), text(rng), number(rng),
                            number(rng), text(rng), text(rng), text(rng), text(rng), text(rng), rng.chance(50)};
    const json tj{{"type", "trade"},       {"id", t.id},         {"seq", t.seq},         {"time", t.time},
                  {"kind", t.kind},        {"symbol", t.symbol}, {"price", t.price},     {"qty", t.qty},
                  {"buyer", null_if_empty(t.buyer)},      {"seller", null_if_empty(t.seller)},
                  {"facility", null_if_empty(t.facility)}, {"project", null_if_empty(t.project)},
                  {"revoked", t.revoked}};
    out.clear();
    feed_json::trade(out, t);
    REQUIRE(out == dumped(json::array({"trade", t.seq, t.id, t.time, t.symbol, t.price, t.qty, null_if_empty(t.buyer),
                                        null_if_empty(t.seller), null_if_empty(t.facility), null_if_empty(t.project),
                                        t.kind, t.revoked})));
    const json row = json::parse(out);
    const json fields = json::parse(feed_json::kTradeFields);
    REQUIRE(row.size() == fields.size());
    json named = json::object();
    for (std::size_t f = 0; f < fields.size(); ++f) named[fields[f].get<std::string>()] = row[f];
    REQUIRE(dumped(named) == dumped(tj));

    crix::http::SessionView s{text(rng), text(rng), rng.chance(50), number(rng), number(rng),
                              rng.next(),  rng.next(), rng.next(),    rng.next()};
    json sj{{"participant", s.participant},   {"comp_id", s.comp_id},   {"logged_on", s.logged_on},
            {"since", null_if_0(s.since)},    {"last_seen", null_if_0(s.last_seen)}, {"messages_in", s.messages_in},
            {"messages_out", s.messages_out}, {"stalled", s.stalled},   {"refused", s.refused}};
    out.clear();
    feed_json::session(out, s);
    REQUIRE(out == dumped(sj));
    out.clear();
    feed_json::session(out, s, &head);
    REQUIRE(out == dumped(with_head(sj, head)));

    crix::http::ParticipantView p{text(rng), text(rng), text(rng), static_cast<std::uint32_t>(rng.next()),
                                  rng.chance(50)};
    json pj{{"id", p.id}, {"name", p.name}, {"status", p.status}, {"open_orders", p.open_orders},
            {"logged_on", p.logged_on}};
    out.clear();
    feed_json::participant(out, p);
    REQUIRE(out == dumped(pj));
    out.clear();
    feed_json::participant(out, p, &head);
    REQUIRE(out == dumped(with_head(pj, head)));

    // A revocation: the trade it revokes, its own id and time.
    const std::uint64_t revoked = rng.next(), by = rng.next();
    const std::int64_t when = rng.range(0, 4'000'000'000'000'000'000);
    out.clear();
    feed_json::revocation(out, by, when, revoked, head);
    REQUIRE(out == dumped(with_head(json{{"id", by}, {"time", when}, {"trade", revoked}}, head)));

    const std::string level = text(rng), said = text(rng);
    out.clear();
    feed_json::alert(out, level, said, head);
    REQUIRE(out == dumped(with_head(json{{"level", level}, {"text", said}}, head)));

    std::vector<crix::http::Level> ls(rng.below(4), l);
    out.clear();
    feed_json::levels(out, ls);
    json la = json::array();
    for (const auto& x : ls) la.push_back(json{{"price", x.price}, {"qty", x.qty}, {"orders", x.orders}});
    REQUIRE(out == dumped(la));
  }
}
