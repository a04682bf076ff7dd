#include "gateway/feed_json.hpp"

#include <charconv>
#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/calendar.hpp"

namespace crix::gateway::feed_json {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

template <class Int>
void number(std::string& out, Int v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// An object's members, in the order written (the callers write them sorted, as nlohmann does).
class Members {
 public:
  explicit Members(std::string& out) : out_(out) { out_ += '{'; }
  Members(const Members&) = delete;
  Members& operator=(const Members&) = delete;
  ~Members() { out_ += '}'; }

  std::string& key(std::string_view k) {  // k: a name of ours, needs no escaping
    out_ += first_ ? "\"" : ",\"";
    first_ = false;
    out_ += k;
    out_ += "\":";
    return out_;
  }
  template <class Int>
  void number(std::string_view k, Int v) {
    feed_json::number(key(k), v);
  }
  // A time or price that 0 means absent: null, as the REST views write it (docs/API.md, "Absent values
  // are null").
  template <class Int>
  void number_or_null(std::string_view k, Int v) {
    if (v == 0) {
      key(k) += "null";
    } else {
      feed_json::number(key(k), v);
    }
  }
  void boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; }
  void text(std::string_view k, std::string_view v) { string(key(k), v); }
  // The head's members where their names sort among the body's.
  void seq(const Head* head) {
    if (head) number("seq", head->seq);
  }
  void type(const Head* head) {
    if (head) text("type", head->type);
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// The length of a well-formed UTF-8 sequence at `s[i]` (Unicode table 3-7), or how many of its bytes
// were valid before it failed (0 when the first byte cannot start one), as `bad`.
std::size_t sequence(std::string_view s, std::size_t i, bool& bad) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c == 0xE0) {
    len = 3, lo = 0xA0;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    len = 3;
  } else if (c == 0xED) {
    len = 3, hi = 0x9F;  // no surrogates
  } else if (c == 0xF0) {
    len = 4, lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    len = 4;
  } else if (c == 0xF4) {
    len = 4, hi = 0x8F;  // nothing past U+10FFFF
  } else {
    bad = true;
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      bad = true;
      return k;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
      bad = true;
      return k;
    }
  }
  bad = false;
  return len;
}

}  // namespace

void string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      bool bad = false;
      const std::size_t n = sequence(s, i, bad);
      if (!bad) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        // One replacement per bad sequence; the byte that broke it starts afresh (nlohmann's way).
        out += kReplacement;
        i += n == 0 ? 1 : n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void level(std::string& out, const http::Level& l) {
  Members m(out);
  m.number("orders", l.orders);
  m.number("price", l.price);
  m.number("qty", l.qty);
}

void instrument(std::string& out, const http::InstrumentView& v, const Head* head) {
  Members m(out);
  m.number("band_high", v.band_high);
  m.number("band_low", v.band_low);
  m.boolean("halted", v.halted);
  m.text("industry", v.industry);
  m.number_or_null("last_price", v.last_price);  // before the day's first trade
  m.number("listed_max_qty", v.listed_max_qty);
  m.number("lot", v.lot);
  m.text("phase", v.phase);
  m.number("reference_price", v.reference_price);
  m.seq(head);
  m.text("symbol", v.symbol);
  m.number("tick", v.tick);
  m.type(head);
  m.text("unit", v.unit);
  m.number("value", v.value);
  m.number("volume", v.volume);
}

void trade(std::string& out, const http::TradeView& t) {
  out += "[\"trade\"";
  const auto value = [&out](const auto& v) {
    out += ',';
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
      string(out, v);
    } else {
      number(out, v);
    }
  };
  // A side the trade does not name is null, as GET /api/v1/trades/recent writes it.
  const auto party = [&out, &value](const std::string& v) {
    if (!v.empty()) return value(v);
    out += ",null";
  };
  value(t.seq);
  value(t.id);
  value(t.time);
  value(t.symbol);
  value(t.price);
  value(t.qty);
  party(t.buyer);
  party(t.seller);
  party(t.facility);
  party(t.project);
  value(t.kind);
  out += t.revoked ? ",true]" : ",false]";
}

void revocation(std::string& out, std::uint64_t id, std::int64_t time, std::uint64_t trade, const Head& head) {
  Members m(out);
  m.number("id", id);
  m.seq(&head);
  m.number("time", time);
  m.number("trade", trade);
  m.type(&head);
}

void session(std::string& out, const http::SessionView& s, const Head* head) {
  Members m(out);
  m.text("comp_id", s.comp_id);
  m.number_or_null("last_seen", s.last_seen);
  m.boolean("logged_on", s.logged_on);
  m.number("messages_in", s.messages_in);
  m.number("messages_out", s.messages_out);
  m.text("participant", s.participant);
  m.number("refused", s.refused);
  m.seq(head);
  m.number_or_null("since", s.since);
  m.number("stalled", s.stalled);
  m.type(head);
}

void participant(std::string& out, const http::ParticipantView& p, const Head* head) {
  Members m(out);
  m.text("id", p.id);
  m.boolean("logged_on", p.logged_on);
  m.text("name", p.name);
  m.number("open_orders", p.open_orders);
  m.seq(head);
  m.text("status", p.status);
  m.type(head);
}

void alert(std::string& out, std::string_view level, std::string_view text, const Head& head) {
  Members m(out);
  m.text("level", level);
  m.seq(&head);
  m.text("text", text);
  m.type(&head);
}

void auction(std::string& out, const http::AuctionView& v, std::int32_t offset_minutes, Bidders bidders,
             const Head* head) {
  using Json = nlohmann::json;  // keys sorted, as the writers above write them
  const bool shown = bidders == Bidders::kShown;
  const auto time = [](std::int64_t ns) { return ns == 0 ? Json(nullptr) : Json(ns); };
  const auto text = [&](std::int64_t ns) { return ns == 0 ? Json(nullptr) : Json(time_text(ns, offset_minutes)); };
  Json ranking = Json::array();
  for (const http::AuctionBidView& b : v.ranking) {
    Json j{{"seq", b.seq}, {"time", time(b.time)}, {"time_text", text(b.time)},
           {"price", b.price}, {"qty", b.qty},    {"won", b.won}};
    if (shown) {
      j["id"] = b.id;
      j["bidder"] = b.bidder;
      j["project"] = b.project;
    }
    ranking.push_back(std::move(j));
  }
  Json allocations = Json::array();
  for (const http::AuctionAllocationView& a : v.allocations) {
    Json j{{"trade", a.trade}, {"project", a.project}, {"facility", a.facility}, {"price", a.price}, {"qty", a.qty}};
    if (shown) j["bidder"] = a.bidder;
    allocations.push_back(std::move(j));
  }
  Json j{{"index", v.index},
         {"id", v.id},
         {"symbol", v.symbol},
         {"seller", v.seller},
         {"facilities", v.facilities},
         {"qty", v.qty},
         {"whole", v.whole},
         {"reserve", v.reserve},
         {"increment", v.increment},
         {"pricing", v.pricing},
         {"state", v.state},
         {"opens", time(v.opens)},
         {"opens_text", text(v.opens)},
         {"closes", time(v.closes)},
         {"closes_text", text(v.closes)},
         {"ranking", std::move(ranking)},
         {"sold", v.sold},
         {"price", v.price == 0 ? Json(nullptr) : Json(v.price)},
         {"allocations", std::move(allocations)}};
  if (head != nullptr) {
    j["seq"] = head->seq;
    j["type"] = std::string(head->type);
  }
  out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string time_text(std::int64_t ns, std::int32_t offset_minutes) {
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  const std::int64_t local = ns + std::int64_t{offset_minutes} * 60'000'000'000;
  std::int64_t days = local / kNsPerDay;
  std::int64_t rest = local % kNsPerDay;
  if (rest < 0) {
    rest += kNsPerDay;
    --days;
  }
  const engine::Date d = engine::civil_from_days(static_cast<std::int32_t>(days));
  const std::int64_t ms = rest / 1'000'000;
  const std::int32_t off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d%c%02d:%02d", static_cast<int>(d.year),
                static_cast<int>(d.month), static_cast<int>(d.day), static_cast<int>(ms / 3'600'000),
                static_cast<int>(ms / 60'000 % 60), static_cast<int>(ms / 1000 % 60), static_cast<int>(ms % 1000),
                offset_minutes < 0 ? '-' : '+', static_cast<int>(off / 60), static_cast<int>(off % 60));
  return buf;
}

}  // namespace crix::gateway::feed_json
