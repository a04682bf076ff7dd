#include "tools/replay.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <istream>
#include <ostream>
#include <vector>

namespace crix::tools {
namespace {

constexpr std::size_t kReadBlock = 1u << 20;

// Splits off the next token; returns an empty view at the end of the line.
std::string_view next_token(std::string_view& rest) {
  std::size_t b = 0;
  while (b < rest.size() && (rest[b] == ' ' || rest[b] == '\t')) ++b;
  std::size_t e = b;
  while (e < rest.size() && rest[e] != ' ' && rest[e] != '\t') ++e;
  std::string_view token = rest.substr(b, e - b);
  rest.remove_prefix(e);
  return token;
}

// A token as quoted in an error message, cut short so that a huge token cannot flood the terminal.
std::string quote(std::string_view token) {
  constexpr std::size_t kMax = 32;
  std::string q(1, '\'');
  q.append(token.substr(0, kMax));
  if (token.size() <= kMax) return q.append(1, '\'');
  return q.append("...' (").append(std::to_string(token.size())).append(" characters)");
}

template <class T>
bool parse_number(std::string_view token, T& value, const char* what, const char* range,
                  std::string& reason) {
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec == std::errc() && ptr == end) return true;
  reason = std::string(what) + " " + quote(token) + " is not " +
           (ec == std::errc::result_out_of_range ? "within " : "a whole number in ") + range;
  return false;
}

constexpr const char* kU64Range = "0..18446744073709551615";
constexpr const char* kI64Range = "-9223372036854775808..9223372036854775807";

ParsedLine malformed(std::string reason) {
  ParsedLine p;
  p.kind = LineKind::kMalformed;
  p.reason = std::move(reason);
  return p;
}

}  // namespace

ParsedLine parse_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  const std::string_view op = next_token(rest);
  if (op.empty() || op.front() == '#') return ParsedLine{};

  ParsedLine p;
  p.kind = LineKind::kOp;
  std::string_view fields[4];
  const std::size_t wanted = op == "A" ? 4 : op == "C" ? 1 : 0;
  if (wanted == 0) {
    return malformed("unknown operation " + quote(op) +
                     " (expected 'A <id> <B|S> <price> <qty>' or 'C <id>')");
  }
  for (std::size_t i = 0; i < wanted; ++i) {
    fields[i] = next_token(rest);
    if (fields[i].empty()) {
      return malformed(std::string("missing field: '") + std::string(op) + "' takes " +
                       std::to_string(wanted) + (wanted == 1 ? " field" : " fields") +
                       (op == "A" ? " (<id> <B|S> <price> <qty>)" : " (<id>)"));
    }
  }
  if (const std::string_view extra = next_token(rest); !extra.empty()) {
    return malformed("extra field " + quote(extra) + ": '" + std::string(op) + "' takes " + std::to_string(wanted) +
                     (wanted == 1 ? " field" : " fields") + (op == "A" ? " (<id> <B|S> <price> <qty>)" : " (<id>)"));
  }
  if (!parse_number(fields[0], p.op.id, "id", kU64Range, p.reason)) return malformed(p.reason);
  if (op == "C") {
    p.op.kind = StreamOp::Kind::kCancel;
    return p;
  }
  p.op.kind = StreamOp::Kind::kAdd;
  if (fields[1] == "B") {
    p.op.side = engine::Side::kBuy;
  } else if (fields[1] == "S") {
    p.op.side = engine::Side::kSell;
  } else {
    return malformed("side " + quote(fields[1]) + " is not B or S");
  }
  if (!parse_number(fields[2], p.op.price, "price", kI64Range, p.reason)) return malformed(p.reason);
  if (!parse_number(fields[3], p.op.qty, "qty", kI64Range, p.reason)) return malformed(p.reason);
  return p;
}

std::string format_summary(const ReplaySummary& s) {
  const auto price = [](const std::optional<engine::Price>& p) {
    return p ? std::to_string(p->v) : std::string("-");
  };
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(s.state_hash));
  return "replay ops=" + std::to_string(s.ops) + " fills=" + std::to_string(s.fills) +
         " traded_qty=" + std::to_string(s.traded_qty) +
         " rejected_cancels=" + std::to_string(s.rejected_cancels) +
         " rejected_orders=" + std::to_string(s.rejected_orders) +
         " resting_bids=" + std::to_string(s.resting_bids) +
         " resting_asks=" + std::to_string(s.resting_asks) + " best_bid=" + price(s.best_bid) +
         " best_ask=" + price(s.best_ask) + " state_hash=" + hash;
}

int run_replay(std::istream& in, std::ostream& out, std::ostream& err, const ReplayOptions& options,
               ReplaySummary* summary) {
  engine::EngineSettings settings;
  settings.instruments = 1;
  settings.stp = engine::StpMode::kOff;  // the format has no participants
  settings.max_orders = options.max_orders;
  settings.max_levels = options.max_levels;
  engine::Engine engine(settings);
  engine::EventSink sink;
  ReplaySummary s;

  // Fills are written through a local buffer: 1 M operations give about half a million lines.
  std::string buffer;
  buffer.reserve(1u << 16);
  const auto append_number = [&buffer](auto v) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, v);
    buffer.append(digits, r.ptr);
  };

  // The input is read a block at a time and cut into lines in place: a line at a time through
  // std::getline, with the stream's sentry and a string copy each, was a sixth of the replay.
  std::vector<char> block(kReadBlock);
  std::size_t held = 0;  // bytes of block[] not yet cut: the start of a line the last read split
  bool end = false;
  std::uint64_t line_no = 0;
  std::size_t at = 0;
  const auto next_line = [&](std::string_view& line) -> bool {
    for (;;) {
      const char* from = block.data() + at;
      const void* nl = std::memchr(from, '\n', held - at);
      if (nl != nullptr) {
        line = std::string_view(from, static_cast<std::size_t>(static_cast<const char*>(nl) - from));
        at += line.size() + 1;
        return true;
      }
      if (end) {
        if (at == held) return false;
        line = std::string_view(from, held - at);  // the last line, without its newline
        at = held;
        return true;
      }
      std::memmove(block.data(), from, held - at);
      held -= at;
      at = 0;
      if (held == block.size()) block.resize(block.size() * 2);  // a line longer than a block
      in.read(block.data() + held, static_cast<std::streamsize>(block.size() - held));
      held += static_cast<std::size_t>(in.gcount());
      end = !in;
    }
  };

  std::string_view line;
  while (next_line(line)) {
    ++line_no;
    const ParsedLine p = parse_line(line);
    if (p.kind == LineKind::kSkip) continue;
    if (p.kind == LineKind::kMalformed) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      out.flush();
      const std::string shown(line.size() > 80 ? std::string(line.substr(0, 80)) + "..." : std::string(line));
      err << "crix replay: line " << line_no << ": " << p.reason << ": " << shown << '\n';
      return 1;
    }
    ++s.ops;
    sink.clear();
    engine.apply(to_command(p.op), sink);
    for (const engine::Event& e : sink) {
      if (e.type == engine::EventType::kFill) {
        ++s.fills;
        s.traded_qty += static_cast<std::uint64_t>(e.qty.v);
        append_number(e.order_id.v);
        buffer.push_back(' ');
        append_number(e.maker_id.v);
        buffer.push_back(' ');
        append_number(e.price.v);
        buffer.push_back(' ');
        append_number(e.qty.v);
        buffer.push_back('\n');
      } else if (e.type == engine::EventType::kRejected) {
        if (p.op.kind == StreamOp::Kind::kCancel) {
          ++s.rejected_cancels;
        } else {
          ++s.rejected_orders;
          err << "crix replay: line " << line_no << ": order " << p.op.id
              << " rejected: " << engine::describe_reject(e) << '\n';
        }
      }
    }
    if (buffer.size() > (1u << 15)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();

  const engine::InstrumentId inst{0};
  s.resting_bids = engine.order_count(inst, engine::Side::kBuy);
  s.resting_asks = engine.order_count(inst, engine::Side::kSell);
  s.best_bid = engine.best_price(inst, engine::Side::kBuy);
  s.best_ask = engine.best_price(inst, engine::Side::kSell);
  s.state_hash = engine.state_hash();
  err << format_summary(s) << '\n';
  if (summary != nullptr) *summary = s;
  return 0;
}

}  // namespace crix::tools
