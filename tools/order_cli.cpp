#include "tools/order_cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "engine/market_rules.hpp"
#include "engine/money.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/fix/tls.hpp"
#include "tools/cli.hpp"

namespace crix::tools {

namespace {

// "580", "580.5", "580.05" yuan -> fen; nullopt for anything else, or for nothing.
std::optional<std::int64_t> price_fen(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view units = text.substr(0, dot);
  const std::string_view cents = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (cents.size() > 2 || (dot != std::string_view::npos && cents.empty())) return std::nullopt;
  const auto yuan = whole_number(units, 0, 10'000'000'000);
  const auto fen = cents.empty() ? std::optional<std::uint64_t>(0) : whole_number(cents, 0, 99);
  if (!yuan || !fen) return std::nullopt;
  const auto total = static_cast<std::int64_t>(*yuan * 100 + *fen * (cents.size() == 1 ? 10 : 1));
  if (total <= 0) return std::nullopt;
  return total;
}

// A check for PRICE.
CLI::Validator price() {
  return CLI::Validator(
      [](std::string& s) {
        return price_fen(s) ? std::string()
                            : "\"" + s + "\" is not a price in yuan with at most two decimals, e.g. 580.00";
      },
      "");
}

std::string price_text(std::int64_t fen) {
  std::string s = engine::yuan(fen);
  return s.substr(0, s.size() - 5);  // without " yuan"
}

std::string status_text(char s) {
  switch (s) {
    case '0': return "new";
    case '1': return "partially filled";
    case '2': return "filled";
    case '4': return "canceled";
    case '5': return "replaced";
    case '8': return "rejected";
    case 'C': return "expired";
    default: return std::string("status ") + s;
  }
}

bool final_status(char s) { return s == '2' || s == '4' || s == '8' || s == 'C'; }

// "order 5 (buy-17)": the exchange's id when it gave one (a refused order has none: "NONE"), and the
// client's ClOrdID.
std::string order_label(const std::string& order_id, const std::string& cl_ord_id) {
  std::string s = "order";
  if (!order_id.empty() && order_id != "NONE") s += " " + order_id;
  if (!cl_ord_id.empty()) s += " (" + cl_ord_id + ")";
  return s;
}

// The exchange's rejections name FIX fields, as FIX clients read them; where a field is one of `crix
// order`'s options or arguments, the line printed names that too: "TimeInForce(59) '3' is not for a bid:
// ... (crix order: --tif ioc)". `symbol` names the option or argument that gave Symbol(55).
std::string with_options(const std::string& text, const std::string& symbol) {
  std::vector<std::string> names;
  const auto has = [&](const char* part) { return text.find(part) != std::string::npos; };
  const auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  const std::string tif = "TimeInForce(59) '";
  if (const std::size_t at = text.find(tif); at != std::string::npos && at + tif.size() < text.size()) {
    switch (text[at + tif.size()]) {
      case '0': add("--tif day"); break;
      case '1': add("--tif gtc"); break;
      case '3': add("--tif ioc"); break;
      case '4': add("--tif fok"); break;
      default: add("--tif"); break;
    }
  }
  if (has("ExecInst(18)") || has("ExecInst G")) add("--aon");
  if (has("ExecInst G, or FOK")) add("--tif fok");
  if (has("ClOrdID(11)")) add("--id");
  if (has("TradingSessionID(336)")) add("--auction");
  if (has("MarketDepth(264)")) add("--depth");
  if (has("PartyID(448)")) add("--to");
  if (has("Symbol(55)")) add(symbol);
  if (has("Account(1)")) add("ACCOUNT");
  if (has("OrderQty(38)")) add("QTY");
  if (has("Price(44)")) add("PRICE");
  if (names.empty()) return text;
  std::string s = text + " (crix order: ";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : ", ") + names[i];
  return s + ")";
}

volatile sig_atomic_t interrupted = 0;

// "300000 t", "2190000 weight box": a quantity in its instrument's unit (SecurityEntry::unit); the
// bare number when the exchange named none for the symbol.
std::string amount(std::int64_t qty, const std::string& unit) {
  return unit.empty() ? std::to_string(qty) : std::to_string(qty) + " " + unit;
}

// "1 order", "3 orders".
std::string orders_text(std::int64_t n) { return std::to_string(n) + (n == 1 ? " order" : " orders"); }

// "sell 300000 t STEEL-IRON at 580.00 for HB-BF-450"; a bid "buy ... for TJ-NEW-BF-2500 in auction AU-HB-450"
std::string order_text(const fix::ExecReport& r, const std::string& unit) {
  return std::string(r.side == '2' ? "sell " : "buy ") + amount(r.order_qty, unit) + " " + r.symbol + " at " +
         price_text(r.price) + " for " + r.account +
         (r.trading_session_id.empty() ? "" : " in auction " + r.trading_session_id);
}

// "100000 t done at 580.00, 200000 t open" (the average price only when something was done).
std::string progress_text(const fix::ExecReport& r, const std::string& unit) {
  std::string s = amount(r.cum_qty, unit) + " done";
  if (r.cum_qty > 0 && r.avg_px > 0) s += " at " + price_text(r.avg_px) + " on average";
  return s + ", " + amount(r.leaves_qty, unit) + " open";
}

// Today's date in UTC, "YYYY-MM-DD": the day a line of the `replaces` file was written.
std::string utc_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

// "buy 300000 t STEEL-IRON at 700.00 for TJ-NEW-BF-2500 from HB-TANGSHAN-IRON": a block as its
// recipient's side (the account only once it names one).
std::string block_text(const fix::TradeCaptureReport& t, const std::string& unit) {
  const bool sell = t.side == '2';
  return std::string(sell ? "sell " : "buy ") + amount(t.last_qty, unit) + " " + t.symbol + " at " +
         price_text(t.last_px) + (t.account.empty() ? "" : " for " + t.account) + (sell ? " to " : " from ") +
         t.counterparty;
}

// "0 (unknown symbol)": an MDReqRejReason(281) value with FIX 4.4's name for it.
std::string md_rej_reason_text(char reason) {
  static const char* const kNames[] = {"unknown symbol",
                                       "duplicate MDReqID",
                                       "insufficient bandwidth",
                                       "insufficient permissions",
                                       "unsupported SubscriptionRequestType",
                                       "unsupported MarketDepth",
                                       "unsupported MDUpdateType",
                                       "unsupported AggregatedBook",
                                       "unsupported MDEntryType"};
  const std::string value(1, reason);
  if (reason < '0' || reason > '8') return value;
  return value + " (" + kNames[reason - '0'] + ")";
}

class Printer : public fix::ClientHandler {
 public:
  Printer(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  void on_exec_report(const fix::ExecReport& r) override {
    if (!later([this, r] { show(r); })) show(r);
  }
  void on_trade_capture_report(const fix::TradeCaptureReport& t) override {
    if (!later([this, t] { show(t); })) show(t);
  }
  void show(const fix::ExecReport& r) {
    if (!r.mass_status_req_id.empty() && collect(r)) return;
    const std::string unit = unit_of(r.symbol);
    std::string line = order_label(r.order_id, r.cl_ord_id) + " ";
    switch (r.exec_type) {
      case '0': line += "new: " + order_text(r, unit); break;
      case 'F':
        line += "fill: " + amount(r.last_qty, unit) + " at " + price_text(r.last_px) + ", trade " + r.trade_id;
        if (r.credited >= 0) {
          line += ", credits " + amount(r.credited, unit) + " of new capacity at ratio " +
                  engine::ratio_text(static_cast<std::uint32_t>(r.ratio_permille));
        }
        line += "; " + amount(r.cum_qty, unit) + " done, " + amount(r.leaves_qty, unit) + " open";
        break;
      case '4': line += "canceled (" + r.text + ")"; break;
      case '5': line += "replaced: " + order_text(r, unit); break;
      case '8': line += "rejected: " + explained(r.text); break;
      case 'C': line += "expired"; break;
      case 'I':
        line += r.ord_status == '8' ? "unknown: " + explained(r.text)
                                    : status_text(r.ord_status) + ": " + order_text(r, unit) + "; " +
                                          progress_text(r, unit);
        break;
      default: line += "report " + std::string(1, r.exec_type); break;
    }
    if (r.exec_type == '5') remember_replace(r);
    // A report for another request than ours (a fill of a resting order) does not end the wait.
    const bool ours = awaited_.empty() || r.cl_ord_id == awaited_ || r.orig_cl_ord_id == awaited_;
    if (ours) {
      std::lock_guard<std::mutex> lock(mutex_);
      answered_ours_ = true;
    }
    print(line, r.exec_type == '8' || (r.exec_type == 'I' && r.ord_status == '8'),
          ours && !mass_cancel_ && (final_status(r.ord_status) || r.exec_type == 'I'));
  }
  void on_cancel_reject(const fix::CancelReject& r) override {
    print(order_label(r.order_id, r.cl_ord_id) + ": " + (r.response_to == '2' ? "replace" : "cancel") +
              " refused: " + explained(r.text),
          true, true);
  }
  void on_mass_cancel_report(const fix::MassCancelReport& r) override {
    const std::string scope = r.request_type == '1' ? "" : " (all instruments)";
    if (r.response == '0') {
      print("cancel-all (" + r.cl_ord_id + ") refused: " + explained(r.text), true, true);
    } else {
      print("cancel-all (" + r.cl_ord_id + "): " + orders_text(r.affected) + " canceled" + scope, false, true);
    }
  }
  void on_business_reject(const fix::BusinessReject& r) override { print("refused: " + explained(r.text), true, true); }
  // A MarketDataRequest (book, watch) refused: the Text, then MDReqRejReason(281) when the exchange
  // sent one (it leaves it out where no FIX 4.4 value fits).
  void on_market_data_reject(const fix::MarketDataReject& r) override {
    std::string line = "market data refused: " + explained(r.text);
    if (r.reason != 0) line += "; MDReqRejReason(281) " + md_rej_reason_text(r.reason);
    print(line, true, true);
  }
  void on_session_reject(const fix::SessionReject& r) override {
    print("message rejected by the session: " + explained(r.text), true, true);
  }
  void on_market_data(const fix::MarketDataSnapshot& s) override {
    const std::string unit = unit_of(s.symbol);
    if (!s.entries.empty() && !s.entries.front().trading_session_id.empty()) {
      // An auction's ranking: the bids best first, no bidders.
      std::string text = "auction " + s.entries.front().trading_session_id + " (" + s.symbol + "), bids best first:";
      for (const fix::MdEntry& e : s.entries) {
        text += "\n  " + std::to_string(e.position) + ". " + price_text(e.price) + "  " + amount(e.size, unit);
      }
      print(text, false, true);
      return;
    }
    std::string text = "book " + s.symbol + ":";
    for (const fix::MdEntry& e : s.entries) {
      text += std::string("\n  ") + (e.type == '0' ? "bid  " : "ask  ") + price_text(e.price) + "  " +
              amount(e.size, unit) + "  (" + orders_text(e.orders) + ")";
    }
    if (s.entries.empty()) text += " empty";
    print(text, false, true);
  }
  void on_market_data(const fix::MarketDataIncremental& x) override {
    for (const fix::MdEntry& e : x.entries) {
      const std::string unit = unit_of(e.symbol);
      if (e.type == '2') {
        print(e.symbol + " trade " + e.trade_id + ": " + amount(e.size, unit) + " at " + price_text(e.price), false, false);
      } else {
        print(e.symbol + " " + (e.type == '0' ? "bid " : "ask ") + price_text(e.price) + " now " + amount(e.size, unit) +
                  " (" + orders_text(e.orders) + ")",
              false, false);
      }
    }
  }
  void on_security_list(const fix::SecurityList& l) override {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!units_id_.empty() && l.security_req_id == units_id_) {
        for (const fix::SecurityEntry& s : l.securities) {
          if (s.trading_session_id.empty()) units_[s.symbol] = s.unit;
        }
        units_done_ = true;
        lock.unlock();
        cv_.notify_all();
        return;
      }
    }
    std::string text;
    for (const fix::SecurityEntry& s : l.securities) {
      if (!s.trading_session_id.empty()) {
        // An announced auction (DESIGN.md, FIX dialect, "Auctions"): TickSize is its increment and
        // LowLimitPx its reserve; it has no reference or band, and its state is its bidding window's.
        text += s.symbol + "  " + s.description + "  reserve " + price_text(s.low) + "  increment " +
                price_text(s.tick) + "  lot " + std::to_string(s.lot) + "  " +
                (s.trading_status == 17   ? "bidding open"
                 : s.trading_status == 21 ? "announced, bidding not open yet"
                                          : "status " + std::to_string(s.trading_status)) +
                "\n";
        continue;
      }
      text += s.symbol + "  " + s.description + "  tick " + price_text(s.tick) + "  lot " + std::to_string(s.lot) +
              "  reference " + price_text(s.reference) + "  band " + price_text(s.low) + " .. " +
              price_text(s.high) + "  " +
              (s.trading_status == 17 ? "trading" : s.trading_status == 2 ? "halted" : "closed") + "\n";
    }
    print(text.empty() ? "no instruments" : text.substr(0, text.size() - 1), false, true);
  }

  // Block trades: the answer to our TradeCaptureReport ends the wait; the exchange's reports about
  // blocks (a proposal naming us, a settled or ended block) come before it and are printed as they come.
  void on_trade_capture_ack(const fix::TradeCaptureReportAck& a) override {
    const std::string label = "block" + (a.block_id.empty() ? "" : " " + a.block_id) + " (" + a.trade_report_id + ")";
    if (a.status != 0) return print(label + " refused: " + explained(a.text), true, true);
    const char* what = a.exec_type == 'F' ? "accepted" : a.exec_type == '4' ? (a.report_type == 3 ? "declined" : "withdrawn")
                                                                             : "proposed";
    print(label + " " + what, false, true);
  }
  void show(const fix::TradeCaptureReport& t) {
    if (!t.trade_request_id.empty() && collect(t)) return;
    const std::string unit = unit_of(t.symbol);
    // An auction's allocation reaches its seller as a settled block's report does, with TrdType(828) 0
    // and the auction in TradingSessionID (DESIGN.md, FIX dialect: "Auctions"); a block's has TrdType 1.
    const bool auction = !t.trading_session_id.empty() || t.trd_type == 0;
    std::string line = auction ? "auction " + t.trading_session_id + " " : "block " + t.block_id + " ";
    switch (t.exec_type) {
      case 'F':
        line += (auction ? "allocation: " : "traded: ") + block_text(t, unit) + ", trade " + t.trade_id;
        if (t.credited >= 0) {
          line += ", credits " + amount(t.credited, unit) + " of new capacity at ratio " +
                  engine::ratio_text(static_cast<std::uint32_t>(t.ratio_permille));
        }
        break;
      case '4': line += "ended: " + t.text; break;
      default:
        line += "proposed to you: " + block_text(t, unit) + " (crix order block accept|decline " + t.block_id + ")";
        break;
    }
    print(line, false, false);
  }
  void on_trade_capture_request_ack(const fix::TradeCaptureReportRequestAck& a) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (a.trade_request_id != blocks_id_) return;
      blocks_refusal_ = a.status == 2 ? with_options(a.text, symbol_) : "";
      blocks_done_ = true;
    }
    cv_.notify_all();
  }
  // Collects the answers to TradeCaptureReportRequest `id` instead of printing them.
  void collect_blocks(std::string id) {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_id_ = std::move(id);
  }
  // Waits up to `timeout` for the TradeCaptureReportRequestAck: nullopt when it did not come; else the
  // pending blocks, or the refusal in `refusal`.
  std::optional<std::vector<fix::TradeCaptureReport>> blocks(std::chrono::milliseconds timeout, std::string& refusal) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return blocks_done_; })) return std::nullopt;
    refusal = blocks_refusal_;
    return blocks_;
  }

  // What the exchange resends (PossDupFlag: kept for this participant while it was away, resent after
  // a logon that continued the sequence numbers) before the request is sent is printed with `prefix`;
  // a live report that comes meanwhile is not.
  void on_resent(bool resent) override {
    std::lock_guard<std::mutex> lock(mutex_);
    incoming_resent_ = resent;
  }
  void set_prefix(std::string prefix) {
    std::lock_guard<std::mutex> lock(mutex_);
    prefix_ = std::move(prefix);
  }
  // Waits until nothing came for `idle` (the exchange's resend is over).
  void settle(std::chrono::milliseconds idle) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      const std::uint64_t seen = lines_;
      if (!cv_.wait_for(lock, idle, [&] { return lines_ != seen; })) break;
    }
  }
  // Reports (executions, blocks) are kept, not printed, from the start until release(): their
  // quantities are printed in their instrument's unit, known once the exchange has listed them.
  bool kept() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return !held_.empty();
  }
  // Asks for the units with SecurityListRequest `id` (its answer is kept, not printed).
  void collect_units(std::string id) {
    std::lock_guard<std::mutex> lock(mutex_);
    units_id_ = std::move(id);
  }
  // Waits up to `timeout` for the units: false when the list did not come.
  bool wait_units(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return units_done_; });
  }
  // Prints what was kept (what was resent with the prefix), then prints as it comes. forget: then forgets that anything
  // came, so that the request's own answer decides the exit code (after a resend of what was missed).
  void release(bool forget) {
    // What comes meanwhile is kept too, and printed after what came before it.
    for (;;) {
      std::vector<Held> held;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (held_.empty()) {
          holding_ = false;
          break;
        }
        held.swap(held_);
      }
      for (const Held& h : held) {
        t_showing_resent = h.resent;
        h.show();
      }
      t_showing_resent.reset();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    prefix_.clear();
    if (!forget) return;
    lines_ = 0;
    refused_ = false;
    done_ = false;
  }
  // The request whose answer ends the wait (its ClOrdID); "" = any final answer. mass_cancel: only the
  // OrderMassCancelReport ends it (the cancels come first).
  void await(std::string cl_ord_id, bool mass_cancel) {
    std::lock_guard<std::mutex> lock(mutex_);
    awaited_ = std::move(cl_ord_id);
    mass_cancel_ = mass_cancel;
  }
  // Collects the answers to OrderMassStatusRequest `id` instead of printing them.
  void collect_status(std::string id) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_id_ = std::move(id);
  }
  // Waits up to `timeout` for the last answer to the OrderMassStatusRequest; nullopt when it did not
  // come; else the orders (none when the session has none today).
  std::optional<std::vector<fix::ExecReport>> statuses(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return statuses_done_; })) return std::nullopt;
    return statuses_;
  }

  void on_probe_answered(const std::string& id) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (id != probe_id_) return;
      probe_answered_ = true;
    }
    cv_.notify_all();
  }

  // Waits up to `timeout` for the first answer to the awaited request (or a final one); false when none
  // came.
  bool wait_answer(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return answered_ours_ || done_; });
  }
  bool done() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
  }
  // The TestRequest that marks the end of the request's answers (Initiator::probe) is `id`.
  void expect_probe(std::string id) {
    std::lock_guard<std::mutex> lock(mutex_);
    probe_id_ = std::move(id);
    probe_answered_ = false;
  }
  // Waits up to `timeout` for the answer to the probe: false when it did not come.
  bool wait_probe(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return probe_answered_; });
  }

  // Waits until a final answer came or nothing came for `idle`.
  void wait(std::chrono::milliseconds idle) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      const std::uint64_t seen = lines_;
      if (done_) return;
      if (!cv_.wait_for(lock, idle, [&] { return done_ || lines_ != seen; })) return;
    }
  }
  // Symbol(55) in a rejection is this option or argument of the request's ("SYMBOL", "--symbol").
  void symbol_is(std::string name) {
    std::lock_guard<std::mutex> lock(mutex_);
    symbol_ = std::move(name);
  }
  // Each replace reported (150=5: an order's, or an auction bid's raise) is appended to `file` as a line
  // "ORIG<tab>NEW<tab>ORDER_ID", so that a later run looking up a ClOrdID a replace retired can say which
  // one the order goes by now (the exchange's status reports carry only an order's last ClOrdID).
  // Each line also has the UTC date it was written on: ClOrdIDs are the exchange's for a trading day,
  // and its status reports know only today's orders, so lines written before yesterday (UTC; the
  // exchange's day is Shanghai's) are dropped here, and the file holds about two days of replaces.
  void remember_replaces_in(std::string file) {
    std::lock_guard<std::mutex> lock(mutex_);
    replaces_file_ = std::move(file);
    const std::time_t now = std::time(nullptr);
    const std::string oldest = utc_date(now - 24 * 60 * 60);
    std::ifstream in(replaces_file_);
    if (!in) return;
    std::string kept;
    bool dropped = false;
    for (std::string line; std::getline(in, line);) {
      const std::size_t date = line.rfind('\t');
      // A line of three fields was written before the date was: it is from an earlier day.
      if (std::count(line.begin(), line.end(), '\t') == 3 && line.compare(date + 1, std::string::npos, oldest) >= 0) {
        kept += line + '\n';
      } else {
        dropped = true;
      }
    }
    in.close();
    if (!dropped) return;
    const std::string fresh = replaces_file_ + ".new";
    std::ofstream(fresh, std::ios::trunc) << kept;
    std::error_code ignored;  // a file left whole is only longer than it need be
    std::filesystem::rename(fresh, replaces_file_, ignored);
  }
  // The ClOrdID and order id that `cl_ord_id` was replaced by, through any later replaces (as
  // remembered: nullopt when it was not).
  std::optional<std::pair<std::string, std::string>> replaced_by(const std::string& cl_ord_id) const {
    std::string file;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      file = replaces_file_;
    }
    if (file.empty()) return std::nullopt;
    std::ifstream in(file);
    std::vector<std::array<std::string, 3>> replaces;
    for (std::string line; std::getline(in, line);) {
      const std::size_t tab1 = line.find('\t');
      const std::size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
      if (tab2 == std::string::npos) continue;
      const std::size_t tab3 = line.find('\t', tab2 + 1);
      replaces.push_back({line.substr(0, tab1), line.substr(tab1 + 1, tab2 - tab1 - 1), line.substr(tab2 + 1, tab3 - tab2 - 1)});
    }
    std::optional<std::pair<std::string, std::string>> now;
    std::string wanted = cl_ord_id;
    // Follows the chain forward; a ClOrdID used again on another day starts a chain of its own, met
    // later in the file, so the last replace of each ClOrdID is the one followed.
    for (std::size_t steps = 0; steps < replaces.size(); ++steps) {
      const auto it = std::find_if(replaces.rbegin(), replaces.rend(), [&](const auto& x) { return x[0] == wanted; });
      if (it == replaces.rend() || (*it)[1] == cl_ord_id) break;
      now = std::make_pair((*it)[1], (*it)[2]);
      wanted = (*it)[1];
    }
    return now;
  }
  // Waits up to `timeout` for a refusal to be printed: false when none was.
  bool wait_refused(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return refused_; });
  }
  // The unit of `symbol`'s quantities, as the exchange listed it ("" when it did not).
  std::string unit_of(const std::string& symbol) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = units_.find(symbol);
    return it == units_.end() ? std::string() : it->second;
  }
  bool refused() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refused_;
  }
  bool answered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_ > 0;
  }

 private:
  // An answer to our OrderMassStatusRequest: kept, not printed. false: another request's.
  bool collect(const fix::ExecReport& r) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (r.mass_status_req_id != status_id_) return false;
      // The answer when the session has no order today: one report, OrdStatus rejected, no OrderID.
      if (!(r.ord_status == '8' && (r.order_id == "NONE" || r.tot_num_reports == 0))) statuses_.push_back(r);
      statuses_done_ = statuses_done_ || r.last_rpt_requested;
    }
    cv_.notify_all();
    return true;
  }
  // A pending block answering our TradeCaptureReportRequest: kept, not printed. false: another request's.
  bool collect(const fix::TradeCaptureReport& t) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (t.trade_request_id != blocks_id_) return false;
    blocks_.push_back(t);
    return true;
  }
  // While holding: keeps `again` for release() and says so.
  bool later(std::function<void()> again) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!holding_) return false;
      held_.push_back(Held{std::move(again), incoming_resent_});
      ++lines_;  // something came: settle() waits on
    }
    cv_.notify_all();
    return true;
  }
  std::string explained(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return with_options(text, symbol_);
  }
  void remember_replace(const fix::ExecReport& r) {
    const auto plain = [](const std::string& id) { return id.find_first_of("\t\r\n") == std::string::npos; };
    if (r.orig_cl_ord_id.empty() || r.orig_cl_ord_id == r.cl_ord_id || !plain(r.orig_cl_ord_id) || !plain(r.cl_ord_id)) {
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (replaces_file_.empty()) return;
    std::ofstream(replaces_file_, std::ios::app) << r.orig_cl_ord_id << '\t' << r.cl_ord_id << '\t' << r.order_id << '\t'
                                                 << utc_date(std::time(nullptr)) << '\n';
  }
  void print(const std::string& line, bool refusal, bool final) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const bool resent = t_showing_resent.value_or(incoming_resent_);
      (refusal ? err_ : out_) << (resent ? prefix_ : std::string()) << line << std::endl;
      ++lines_;
      refused_ = refused_ || refusal;
      done_ = done_ || final;
    }
    cv_.notify_all();
  }
  std::ostream& out_;
  std::ostream& err_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t lines_ = 0;
  bool refused_ = false;
  bool done_ = false;
  bool answered_ours_ = false;  // a report for the awaited request came
  std::string probe_id_;
  bool probe_answered_ = false;
  std::string prefix_;
  std::string awaited_;
  bool mass_cancel_ = false;
  std::string status_id_;
  std::vector<fix::ExecReport> statuses_;
  bool statuses_done_ = false;
  std::string blocks_id_;
  std::vector<fix::TradeCaptureReport> blocks_;
  bool blocks_done_ = false;
  std::string blocks_refusal_;
  std::string replaces_file_;
  std::string symbol_ = "SYMBOL";
  bool holding_ = true;
  struct Held {
    std::function<void()> show;
    bool resent;  // its message was resent (on_resent)
  };
  std::vector<Held> held_;
  bool incoming_resent_ = false;  // of the message being handled (on_resent)
  // Set on release()'s thread while it shows a kept message: whether that message was resent.
  static thread_local std::optional<bool> t_showing_resent;
  std::string units_id_;
  std::map<std::string, std::string> units_;  // symbol -> SecurityEntry::unit
  bool units_done_ = false;
};

thread_local std::optional<bool> Printer::t_showing_resent;

// The password when --password was not given: --password-file, else CRIX_PASSWORD, else a prompt
// without echo when stdin is a terminal.
std::string read_password(const std::string& participant, const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file);
    std::string line;
    if (!in) {
      throw Failure("--password-file", "\"" + file + "\" cannot be read: give a readable file whose "
                                 "first line is the password");
    }
    if (!std::getline(in, line)) {
      // Opened, but not even one line: an empty file, or a directory (which opens, and reads nothing).
      throw Failure("--password-file", std::filesystem::is_directory(file)
                                                        ? "\"" + file + "\" is a directory: give the file whose first "
                                                                         "line is the password"
                                                        : "\"" + file + "\" is empty: put the password on its first line");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      throw Failure("--password-file", "\"" + file + "\" starts with an empty line: put the password on "
                                 "the first line");
    }
    return line;
  }
  if (const char* env = std::getenv("CRIX_PASSWORD"); env != nullptr && *env != '\0') return env;
  if (isatty(STDIN_FILENO) == 0) {
    throw CLI::ValidationError("no password: set CRIX_PASSWORD, or give --password-file FILE (or run in a terminal to be "
                               "asked)");
  }
  termios saved{};
  const bool echo_off = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (echo_off) {
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::cerr << "password for " << participant << ": " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << "\n";
  if (line.empty()) throw CLI::ValidationError("no password given");
  return line;
}

// Where the FIX session state lives without --store: per exchange (host and port) and participant, as
// the XDG base directory specification puts state; "" when there is no home to put it in.
std::string default_store(const fix::InitiatorConfig& c) {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    base = std::filesystem::path(home) / ".local" / "state";
  } else {
    return "";
  }
  return (base / "crix" / (c.host + "-" + std::to_string(c.port)) / c.comp_id).string();
}

// The store held by this process alone while it runs: a second `crix order` of the same participant
// (a `watch` left running, a script's parallel call) would write the same sequence-number files, and
// the numbers left behind would not continue the exchange's, so the next run would start afresh and
// lose the reports missed meanwhile. An advisory lock on STORE/lock; the process's id written in it
// names the holder. The kernel lets go of it when the process ends, however it ends.
class StoreLock {
 public:
  StoreLock() = default;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock() {
    if (fd_ >= 0) close(fd_);
  }
  // "" when held, else why not.
  std::string take(const std::string& store) {
    const std::string file = (std::filesystem::path(store) / "lock").string();
    fd_ = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return "cannot open " + file + ": " + std::error_code(errno, std::generic_category()).message();
    if (flock(fd_, LOCK_EX | LOCK_NB) == 0) {
      const std::string pid = std::to_string(getpid()) + "\n";
      if (ftruncate(fd_, 0) != 0 || pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The id only helps the message of a later refusal; the lock is what counts.
      }
      return "";
    }
    const int error = errno;
    if (error != EWOULDBLOCK) return "cannot lock " + file + ": " + std::error_code(error, std::generic_category()).message();
    char holder[32] = {};
    const ssize_t got = pread(fd_, holder, sizeof holder - 1, 0);
    std::string pid = got > 0 ? std::string(holder, static_cast<std::size_t>(got)) : "";
    pid = pid.substr(0, pid.find('\n'));
    return "another crix order" + (pid.empty() ? std::string() : " (process " + pid + ")") +
           " is using the FIX session store " + store + " (a 'crix order watch' still running?): let it end or stop " +
           "it, then try again; one participant has one FIX session at a time";
  }

 private:
  int fd_ = -1;
};

std::string fresh_id(const std::string& prefix) {
  return prefix + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// How long the exchange's resend of what a continued session missed may keep coming: it follows the
// Logon answer within a round trip; nothing more for this long means it is over.
constexpr std::chrono::milliseconds kResendIdle{300};
// How long crixd waits for another connection of the participant to end before it refuses a Logon
// (gateway/fix/socket_acceptor.cpp, kRegisterWait).
constexpr std::chrono::milliseconds kExchangeRegisterWait{5000};
// How long the Logon's answer may take: crixd answers at once, or after kExchangeRegisterWait (a
// Logout saying the participant is logged on elsewhere, when it starts afresh), which must arrive.
constexpr std::chrono::milliseconds kLogonWait = kExchangeRegisterWait + std::chrono::seconds(2);
// How long a request's answer may take before `crix order` says there was none.
constexpr std::chrono::milliseconds kAnswerWait{5000};

constexpr std::uint64_t kMaxQty = 10'000'000'000;  // in any unit: beyond any facility

// One `crix order` request as parsed: the connection, the verb, its arguments in order and its options.
struct OrderArgs {
  fix::InitiatorConfig config;  // --as (comp_id), --password, --host, --port
  std::string password_file;
  std::string store;
  bool fresh = false;
  std::string verb;
  std::vector<std::string> words;
  std::string tif = "day";
  bool aon = false;
  int depth = 0;
  std::string cl_ord_id;
  std::string symbol;
  std::string to;  // block propose: the counterparty
  std::string auction;  // buy: a bid in this auction; book: its ranking (TradingSessionID 336)
  bool by_order_id = false;   // cancel, replace, status: ORDER is an order id
  bool by_cl_ord_id = false;  // ... a ClOrdID
};

int request(const OrderArgs& a, std::ostream& out, std::ostream& err) {
  fix::InitiatorConfig config = a.config;
  config.username = config.comp_id;
  config.heartbeat_seconds = 10;
  const std::string& verb = a.verb;
  const std::vector<std::string>& words = a.words;
  const std::string& symbol = a.symbol;
  std::string store = a.store;
  fix::OrderRequest order;
  fix::MarketDataRequest md;
  fix::SecurityListRequest sl;
  fix::TradeCaptureReport block;
  // kOrder: one request; kLookup: the order named by `wanted` is looked up first (cancel, replace,
  // status); kList: the day's orders are listed (orders, fills); kBlock: a TradeCaptureReport (block
  // propose, decline, withdraw), kBlockLookup after the pending blocks are listed (block accept, which
  // sends the acceptor's side); kBlocks: the pending blocks are listed.
  enum { kOrder, kLookup, kList, kMarketData, kSecurities, kBlock, kBlockLookup, kBlocks } what = kOrder;
  std::string wanted;
  // QTY and PRICE were checked when parsed.
  const auto qty = [](const std::string& text) {
    return static_cast<std::int64_t>(whole_value("QTY", text, 1, kMaxQty));
  };
  if (verb == "buy" || verb == "sell") {
    order.kind = fix::RequestKind::kNew;
    order.cl_ord_id = a.cl_ord_id.empty() ? fresh_id(verb) : a.cl_ord_id;
    order.side = verb == "buy" ? '1' : '2';
    order.symbol = words[0];
    order.account = words[1];
    order.qty = qty(words[2]);
    order.price = *price_fen(words[3]);
    order.time_in_force = a.tif == "day" ? '0' : a.tif == "gtc" ? '1' : a.tif == "ioc" ? '3' : '4';
    order.all_or_none = a.aon;
    order.trading_session_id = a.auction;
  } else if (verb == "cancel" || verb == "status" || verb == "replace") {
    if (verb == "replace") {
      order.qty = qty(words[1]);
      order.price = *price_fen(words[2]);
    }
    what = kLookup;
    wanted = words[0];
    order.kind = verb == "cancel"    ? fix::RequestKind::kCancel
                 : verb == "replace" ? fix::RequestKind::kReplace
                                     : fix::RequestKind::kStatus;
    order.cl_ord_id = a.cl_ord_id.empty() ? fresh_id(verb) : a.cl_ord_id;
  } else if (verb == "orders" || verb == "fills") {
    what = kList;
  } else if (verb.rfind("block ", 0) == 0) {
    what = kBlock;
    block.trade_report_id = a.cl_ord_id.empty() ? fresh_id("block") : a.cl_ord_id;
    block.trans_type = 0;
    if (verb == "block propose") {
      block.report_type = 0;
      block.symbol = words[0];
      block.side = words[1] == "sell" ? '2' : '1';
      block.account = words[2];
      block.last_qty = qty(words[3]);
      block.last_px = *price_fen(words[4]);
      block.counterparty = a.to;
    } else if (verb == "block accept") {
      what = kBlockLookup;
      block.report_type = 2;
      block.block_id = words[0];
      block.account = words[1];
    } else if (verb == "block decline") {
      block.report_type = 3;
      block.block_id = words[0];
    } else {
      block.trans_type = 1;  // a withdrawal is a cancel of the proposal (DESIGN.md, FIX dialect)
      block.block_id = words[0];
    }
  } else if (verb == "blocks") {
    what = kBlocks;
  } else if (verb == "cancel-all") {
    order.kind = fix::RequestKind::kMassCancel;
    order.cl_ord_id = a.cl_ord_id.empty() ? fresh_id("cancel-all") : a.cl_ord_id;
    if (!words.empty()) {
      order.mass_cancel_type = '1';
      order.symbol = words[0];
    } else {
      order.mass_cancel_type = '7';
    }
  } else if (verb == "book" || verb == "watch") {
    what = kMarketData;
    md.md_req_id = fresh_id(verb);
    md.subscription = verb == "book" ? '0' : '1';
    md.depth = a.depth;
    md.entry_types = verb == "book" ? "01" : "012";
    md.trades = verb == "watch";
    md.symbols = {words[0]};
    md.trading_session_id = a.auction;
  } else {
    what = kSecurities;
    sl.security_req_id = fresh_id("securities");
  }
  if (config.password.empty()) config.password = read_password(config.comp_id, a.password_file);
  // --fresh uses the store too, and resets it with the exchange's numbers (ResetSeqNumFlag=Y): a store
  // left as it was would not continue the exchange's numbers at the next run, which could then not be
  // sent what it missed.
  const bool default_place = store.empty();
  if (default_place) store = default_store(config);
  if (!store.empty()) {
    std::error_code failed;
    std::filesystem::create_directories(store, failed);
    if (!failed && access(store.c_str(), W_OK | X_OK) != 0) failed = std::error_code(errno, std::generic_category());
    if (failed) {
      const std::string why = "cannot keep the FIX sequence numbers in \"" + store + "\": " + failed.message();
      if (!default_place) throw Failure("--store", why + ": give a directory you may write");
      err << "crix order: " << why << ", made from $XDG_STATE_HOME or $HOME: give --store DIR, a directory you may "
          << "write, or set XDG_STATE_HOME to one\n";
      return 1;
    }
    config.store_dir = store;
    config.reset_on_logon = a.fresh;
  }
  StoreLock store_lock;
  if (!config.store_dir.empty()) {
    if (const std::string refused = store_lock.take(config.store_dir); !refused.empty()) {
      err << "crix order: " << refused << '\n';
      return 1;
    }
  }

  if (config.tls) {
    // The files are checked here to name the options at fault (the Initiator names its settings).
    fix::TlsFiles files;
    files.ca = config.tls_ca;
    files.certificate = config.tls_certificate;
    files.key = config.tls_key;
    files.ca_key = "--ca";
    files.certificate_key = "--cert";
    files.key_key = "--key";
    try {
      fix::make_client_context(files, config.host);
    } catch (const fix::TlsError& e) {
      throw CLI::ValidationError(e.key(), e.reason());
    }
  }

  Printer printer(out, err);
  if (what == kLookup || what == kList) printer.symbol_is("--symbol");
  if (!config.store_dir.empty()) printer.remember_replaces_in((std::filesystem::path(config.store_dir) / "replaces").string());
  std::unique_ptr<fix::Initiator> initiator;
  std::string why;
  std::chrono::steady_clock::duration took{};  // from start() to the failed attempt's end
  const auto log_on = [&]() -> bool {
    initiator.reset();  // one Initiator per comp id at a time
    initiator = std::make_unique<fix::Initiator>(config, printer);
    const auto began = std::chrono::steady_clock::now();
    initiator->start();
    if (initiator->wait_logged_on(static_cast<int>(kLogonWait.count()))) return true;
    took = std::chrono::steady_clock::now() - began;
    why = initiator->logout_text().empty() ? initiator->last_error() : initiator->logout_text();
    return false;
  };
  const bool continuing = !config.store_dir.empty() && !config.reset_on_logon;
  if (continuing) printer.set_prefix("missed while away: ");
  bool logged_on = log_on();
  if (!logged_on && continuing && why.find("MsgSeqNum too low") != std::string::npos) {
    // One side's numbers are behind the other's: the exchange (its ledger) or this store was made
    // anew, and what the other side kept cannot be resent. QuickFIX ends such a logon with a Logout
    // saying "MsgSeqNum too low", sent by the exchange or by this side (Initiator::last_error says
    // which). Start both afresh.
    err << "crix order: the stored FIX sequence numbers in " << config.store_dir << " do not continue the "
        << "exchange's (" << why << "): starting afresh\n";
    config.reset_on_logon = true;
    logged_on = log_on();
  }
  if (!logged_on) {
    err << "crix order: logon as " << config.comp_id << " to " << config.host << ":" << config.port << " failed: ";
    // crixd answers a Logon naming no participant of its with a Logout saying so (printed as it is),
    // and one of a participant connected already too when it starts afresh (a new store, --fresh); one
    // that continues the store's numbers it drops without a word (a Logout would count in them), after
    // waiting kExchangeRegisterWait for that connection to end, which a running `crix order watch`
    // does not. What else it drops at once unanswered is mostly plain FIX on its TLS port.
    const bool dropped = why.find("without answering the Logon") != std::string::npos;
    if (why.empty() || (dropped && took >= kExchangeRegisterWait - std::chrono::seconds(1))) {
      err << "no answer to the Logon" << (why.empty() ? " within " + std::to_string(kLogonWait.count() / 1000) + " s" : "")
          << ": " << config.comp_id << " may be logged on already elsewhere (a running 'crix order watch' as "
          << config.comp_id << ", or another FIX client): crixd takes one connection per participant at a time. "
          << "Else crixd is not answering there\n";
    } else if (dropped) {
      err << "crixd closed the connection without answering the Logon."
          << (config.tls ? "" : " Does it take FIX over TLS only? (then give --tls) Else")
          << " crixd's log says why it dropped the connection\n";
    } else if (config.tls && why.find("TLS handshake") != std::string::npos &&
               (why.find("no answer") != std::string::npos || why.find("unexpected eof") != std::string::npos ||
                why.find("wrong version number") != std::string::npos ||
                why.find("closed the connection") != std::string::npos)) {
      // What a server that does not speak TLS does to a ClientHello: crixd closes at once, another
      // FIX server answers nothing, or something that is not a TLS record.
      err << why << ": if the exchange serves plain FIX on this port, drop --tls\n";
    } else {
      err << why << "\n";
    }
    return 1;
  }
  if (continuing) printer.settle(kResendIdle);
  // Quantities are printed in their instrument's unit (tonnes; weight boxes for flat glass in the
  // sample), which the market file sets and the SecurityList carries (QtyUnit): asked for once a run,
  // as a FIX client loads the security definitions when its session starts. It takes one round trip
  // to the engine's copy of the market, and no sequence number. A table of units in this tool would be
  // the sample's, not the market's; reports carry no unit.
  if (what != kSecurities || printer.kept()) {
    fix::SecurityListRequest units;
    units.security_req_id = fresh_id("units");
    printer.collect_units(units.security_req_id);
    if (!initiator->send(units) || !printer.wait_units(kAnswerWait)) {
      initiator->stop();
      err << "crix order: the exchange did not list its instruments (their units of quantity) within "
          << kAnswerWait.count() / 1000 << " s: try again; if it persists, crixd's log says why\n";
      return 1;
    }
  }
  printer.release(continuing);

  // The day's orders of this session (one instrument with --symbol), from an OrderMassStatusRequest.
  const auto day_orders = [&]() -> std::optional<std::vector<fix::ExecReport>> {
    fix::OrderRequest af;
    af.kind = fix::RequestKind::kMassStatus;
    af.cl_ord_id = fresh_id("orders");
    af.mass_status_type = symbol.empty() ? '7' : '1';
    af.symbol = symbol;
    printer.collect_status(af.cl_ord_id);
    if (!initiator->send(af)) return std::nullopt;
    return printer.statuses(std::chrono::milliseconds(5000));
  };
  if (what == kLookup || what == kList) {
    const auto orders = day_orders();
    if (!orders) {
      initiator->stop();
      err << "crix order: the exchange did not list the session's orders\n";
      return 1;
    }
    if (what == kList) {
      initiator->stop();
      const bool fills = verb == "fills";
      std::size_t shown = 0;
      for (const fix::ExecReport& r : *orders) {
        if (fills ? r.cum_qty <= 0 : r.ord_status != '0' && r.ord_status != '1') continue;
        out << order_label(r.order_id, r.cl_ord_id) << " " << status_text(r.ord_status) << ": "
            << order_text(r, printer.unit_of(r.symbol)) << "; " << progress_text(r, printer.unit_of(r.symbol)) << "\n";
        ++shown;
      }
      if (shown == 0) out << (fills ? "no fills today" : "no open orders") << "\n";
      return 0;
    }
    // ORDER is an order id or a ClOrdID; when it is one order's id and another's ClOrdID, the trader
    // says which (--order-id, --cl-ord-id) rather than have one picked.
    const auto by_id = a.by_cl_ord_id ? orders->end()
                                      : std::find_if(orders->begin(), orders->end(),
                                                     [&](const fix::ExecReport& r) { return r.order_id == wanted; });
    const auto by_cl_ord_id = a.by_order_id ? orders->end()
                                            : std::find_if(orders->begin(), orders->end(),
                                                           [&](const fix::ExecReport& r) { return r.cl_ord_id == wanted; });
    if (by_id != orders->end() && by_cl_ord_id != orders->end() && by_id->order_id != by_cl_ord_id->order_id) {
      initiator->stop();
      throw CLI::ValidationError(
          "ORDER", "'" + wanted + "' is the id of " + order_label(by_id->order_id, by_id->cl_ord_id) +
                       " and the ClOrdID of " + order_label(by_cl_ord_id->order_id, by_cl_ord_id->cl_ord_id) +
                       ": say which with --order-id (order " + by_id->order_id + ") or --cl-ord-id (order " +
                       by_cl_ord_id->order_id + ")");
    }
    const auto found = by_id != orders->end() ? by_id : by_cl_ord_id;
    if (found == orders->end()) {
      initiator->stop();
      err << "crix order: " << config.comp_id << " has no order '" << wanted << "' today"
          << (symbol.empty() ? "" : " in " + symbol);
      const auto replaced = a.by_order_id ? std::nullopt : printer.replaced_by(wanted);
      const auto now = !replaced ? orders->end()
                                 : std::find_if(orders->begin(), orders->end(), [&](const fix::ExecReport& r) {
                                     return r.order_id == replaced->second;
                                   });
      if (now != orders->end()) {
        err << ": " << wanted << " was replaced: " << order_label(now->order_id, now->cl_ord_id)
            << " goes by ClOrdID " << now->cl_ord_id << " now, or by its order id " << now->order_id << "\n";
      } else {
        err << " (by " << (a.by_order_id ? "order id" : a.by_cl_ord_id ? "ClOrdID" : "order id or ClOrdID")
            << "; 'crix order orders' lists the open ones)\n";
      }
      return 1;
    }
    const bool live = found->ord_status == '0' || found->ord_status == '1';
    if (live && !found->trading_session_id.empty() && order.kind != fix::RequestKind::kStatus) {
      // The exchange would answer "no such resting order": a bid is no order of the book.
      initiator->stop();
      err << "crix order: " << order_label(found->order_id, found->cl_ord_id) << " is a bid in auction "
          << found->trading_session_id << ", which cannot be " << (verb == "cancel" ? "withdrawn" : "replaced")
          << ": an auction's bids stand until its window ends. To raise it, bid again for the same project: "
          << "crix order buy " << found->symbol << " " << found->account << " QTY PRICE --auction "
          << found->trading_session_id << " (neither lower than now, one higher)\n";
      return 1;
    }
    order.order_id = found->order_id;
    order.orig_cl_ord_id = found->cl_ord_id;
    order.symbol = found->symbol;
    order.side = found->side;
    order.account = found->account;
    if (order.kind == fix::RequestKind::kStatus) order.cl_ord_id = found->cl_ord_id;
  }
  if (what == kBlockLookup || what == kBlocks) {
    fix::TradeCaptureReportRequest ad;
    ad.trade_request_id = fresh_id("blocks");
    printer.collect_blocks(ad.trade_request_id);
    std::string refusal;
    const auto pending = initiator->send(ad) ? printer.blocks(kAnswerWait, refusal) : std::nullopt;
    if (!pending || !refusal.empty()) {
      initiator->stop();
      err << "crix order: the exchange did not list the pending blocks" << (refusal.empty() ? "" : ": " + refusal) << "\n";
      return 1;
    }
    if (what == kBlocks) {
      initiator->stop();
      for (const fix::TradeCaptureReport& t : *pending) {
        out << "block " << t.block_id << ": " << (t.report_type == 0 ? "you propose to " : "proposed to you: ")
            << block_text(t, printer.unit_of(t.symbol)) << (t.report_type == 0 ? ", awaiting their answer" : "") << "\n";
      }
      if (pending->empty()) out << "no pending blocks\n";
      return 0;
    }
    const auto found = std::find_if(pending->begin(), pending->end(),
                                    [&](const fix::TradeCaptureReport& t) { return t.block_id == block.block_id; });
    if (found == pending->end() || found->report_type == 0) {
      initiator->stop();
      err << "crix order: no block '" << block.block_id << "' is pending with " << config.comp_id
          << " as its counterparty ('crix order blocks' lists the pending ones)\n";
      return 1;
    }
    block.side = found->side;  // the acceptor's, the other side of the proposal's
  }
  if (what == kBlock || what == kBlockLookup) initiator->send(block);
  if (what == kOrder || what == kLookup) {
    printer.await(order.cl_ord_id, order.kind == fix::RequestKind::kMassCancel);
    initiator->send(order);
  }
  if (what == kMarketData) initiator->send(md);
  if (what == kSecurities) initiator->send(sl);
  if (verb == "watch") {
    signal(SIGINT, [](int) { interrupted = 1; });
    // Until Ctrl-C, or the exchange refused the subscription (an unknown symbol): nothing will come.
    while (!interrupted && !printer.wait_refused(std::chrono::milliseconds(200))) {
    }
  } else if (verb == "buy" || verb == "sell" || verb == "replace") {
    // A new or replaced order that rests has no final answer. Its first report says the exchange took
    // it, and what it did at once (its fills) left with that report, as one batch, before the exchange
    // read the probe sent now: the probe's answer comes after them. (Should a batch's reports fill more
    // than a TCP segment and some follow the answer, they arrive before the answer to our Logout and
    // are printed all the same.) A second or two of silence used to stand in for this.
    if (printer.wait_answer(kAnswerWait) && !printer.done()) {
      printer.expect_probe("crix-order-done");
      if (initiator->probe("crix-order-done")) printer.wait_probe(kAnswerWait);
    }
  } else {
    printer.wait(std::chrono::milliseconds(3000));
  }
  initiator->stop();
  if (!printer.answered()) {
    err << "crix order: no answer from the exchange\n";
    return 1;
  }
  return printer.refused() ? 1 : 0;
}

// An argument of a verb.
struct Word {
  std::string name;
  std::string help;
  bool required = true;
};

struct Verb {
  std::string name;
  std::string help;
  std::vector<Word> words;
  std::vector<std::string> options;  // of --tif, --aon, --id, --symbol, --depth, --to, --auction, --order-id (and --cl-ord-id)
};

}  // namespace

void add_order_command(CLI::App& crix, std::ostream& out, std::ostream& err) {
  CLI::App& group = *crix.add_subcommand(
      "order", "the enterprise's FIX client: log on to crixd, send one request, print the answers");
  group.require_subcommand(1);
  group.footer(
      "The password: --password PW (shows in ps), --password-file FILE, the environment variable CRIX_PASSWORD, or "
      "else a prompt without echo when stdin is a terminal.\n"
      "PRICE is in yuan (580.00) per unit, QTY in the instrument's unit (tonnes; weight boxes for flat glass: 'crix "
      "order securities' shows each), ACCOUNT the facility (sell) or project (buy); ORDER is the order id "
      "or the order's ClOrdID (--order-id or --cl-ord-id says which, when one order's id is another's ClOrdID).\n"
      "Exit codes: 0 done, 1 refused, unknown order, no answer, or a file or --store that cannot be used, 2 bad "
      "arguments.");
  auto args = std::make_shared<OrderArgs>();
  args->config.port = 9878;
  group.add_option("--as", args->config.comp_id, "the participant you trade as (its comp id and Username)")
      ->required()
      ->type_name("PARTICIPANT");
  group.add_option("--password", args->config.password,
                   "shows in ps: prefer the environment variable CRIX_PASSWORD or --password-file")
      ->type_name("PW");
  group.add_option("--password-file", args->password_file, "the password is the file's first line")->type_name("FILE");
  group.add_option("--host", args->config.host, "crixd's address (default 127.0.0.1)")->type_name("ADDR");
  group.add_option("--port", args->config.port, "crixd's FIX port (default 9878)")->type_name("N")->check(whole(1, 65535));
  group
      .add_option("--store", args->store,
                  "where the FIX sequence numbers and sent messages are kept between runs, so that fills made while "
                  "you were away are sent at logon and printed as 'missed while away'. The files go directly in DIR: "
                  "give each participant and exchange a DIR of its own (default $XDG_STATE_HOME/crix/HOST-PORT/"
                  "PARTICIPANT, or ~/.local/state/crix/HOST-PORT/PARTICIPANT)")
      ->type_name("DIR")
      ->check(CLI::Validator([](std::string& s) { return s.empty() ? std::string("needs a directory") : std::string(); }, ""));
  group.add_flag("--fresh", args->fresh, "start the sequence numbers over (ResetSeqNumFlag=Y): nothing missed is resent");
  CLI::Option* tls = group.add_flag("--tls", args->config.tls,
                 "FIX over TLS (TLS 1.2+), for a crixd whose market file sets fix_tls_certificate; the exchange's "
                 "certificate must name --host");
  group.add_option("--ca", args->config.tls_ca,
                   "with --tls: the PEM CA certificate(s) the exchange's certificate is signed by (default: the "
                   "system's trusted CAs)")
      ->type_name("FILE")
      ->needs(tls);
  CLI::Option* cert = group.add_option("--cert", args->config.tls_certificate,
                                       "with --tls: your PEM client certificate, for an exchange that asks for one "
                                       "(mutual TLS; its fix_tls_client_ca)")
                          ->type_name("FILE");
  CLI::Option* key = group.add_option("--key", args->config.tls_key, "with --cert: its PEM private key")->type_name("FILE");
  cert->needs(key)->needs(tls);
  key->needs(cert);

  const std::vector<Verb> verbs = {
      {"buy", "a new order to buy, or with --auction a bid in an auction",
       {{"SYMBOL", "the instrument"}, {"ACCOUNT", "the project"}, {"QTY", "in the instrument's unit"}, {"PRICE", "yuan"}},
       {"--tif", "--aon", "--id", "--auction"}},
      {"sell", "a new order to sell", {{"SYMBOL", "the instrument"}, {"ACCOUNT", "the facility"}, {"QTY", "in the instrument's unit"}, {"PRICE", "yuan"}},
       {"--tif", "--aon", "--id"}},
      {"cancel", "cancel an order", {{"ORDER", "the order id or its ClOrdID"}}, {"--symbol", "--id", "--order-id", "--cl-ord-id"}},
      {"replace", "change an order's quantity and price",
       {{"ORDER", "the order id or its ClOrdID"}, {"QTY", "in the instrument's unit"}, {"PRICE", "yuan"}}, {"--symbol", "--id", "--order-id", "--cl-ord-id"}},
      {"status", "an order's status", {{"ORDER", "the order id or its ClOrdID"}}, {"--symbol", "--id", "--order-id", "--cl-ord-id"}},
      {"orders", "your open orders (new or partially filled)", {}, {"--symbol"}},
      {"fills", "your orders of today that traded, with what they did", {}, {"--symbol"}},
      {"cancel-all", "cancel all your open orders (OrderMassCancelRequest), or those of one instrument",
       {{"SYMBOL", "only this instrument", false}}, {"--id"}},
      {"book", "a snapshot of the book, or with --auction an auction's ranking (the bids, best first, no bidders)",
       {{"SYMBOL", "the instrument"}}, {"--depth", "--auction"}},
      {"watch", "the book and the trades as they change, until Ctrl-C", {{"SYMBOL", "the instrument"}}, {"--depth"}},
      {"securities", "the instruments: unit, tick, lot, band, reference, state; and the announced auctions: lot, "
       "reserve, increment, pricing, state", {}, {}},
      {"blocks", "the pending block proposals you made or that name you", {}, {}},
  };
  // Block trades (大宗协议): `crix order block VERB ...`.
  const std::vector<Verb> block_verbs = {
      {"propose", "propose a block trade to another participant (--to), at a price inside the block band",
       {{"SYMBOL", "the instrument"}, {"SIDE", "buy or sell"}, {"ACCOUNT", "your facility (sell) or project (buy)"},
        {"QTY", "in the instrument's unit"}, {"PRICE", "yuan"}},
       {"--to", "--id"}},
      {"accept", "accept a block proposed to you: it trades at once, all of it",
       {{"BLOCK", "the block's id"}, {"ACCOUNT", "your project (the proposer sells) or facility (it buys)"}}, {"--id"}},
      {"decline", "decline a block proposed to you", {{"BLOCK", "the block's id"}}, {"--id"}},
      {"withdraw", "withdraw a block you proposed", {{"BLOCK", "the block's id"}}, {"--id"}},
  };
  const auto add_verbs = [&](CLI::App& parent, const std::vector<Verb>& list, const std::string& prefix) {
    for (const Verb& v : list) {
      CLI::App& sub = *parent.add_subcommand(v.name, v.help);
      sub.fallthrough();  // the connection's options may come after the verb
      auto words = std::make_shared<std::vector<std::string>>(v.words.size());
      for (std::size_t i = 0; i < v.words.size(); ++i) {
        const Word& w = v.words[i];
        CLI::Option* o = sub.add_option(w.name, (*words)[i], w.help)->required(w.required)->type_name("");
        if (w.name == "QTY") o->check(whole(1, kMaxQty));
        if (w.name == "PRICE") o->check(price());
        if (w.name == "SIDE") o->check(one_of({"buy", "sell"}));
      }
      const auto has = [&v](const char* option) { return std::find(v.options.begin(), v.options.end(), option) != v.options.end(); };
      if (has("--tif")) {
        sub.add_option("--tif", args->tif, "time in force: day (default), gtc, ioc or fok")
            ->type_name("T")
            ->check(one_of({"day", "gtc", "ioc", "fok"}));
      }
      if (has("--aon")) sub.add_flag("--aon", args->aon, "all or none");
      if (has("--id")) {
        // A block request's id is its TradeReportID(571), an order request's its ClOrdID(11).
        sub.add_option("--id", args->cl_ord_id,
                       prefix.empty() ? "the request's ClOrdID (default: made up)"
                                      : "the request's TradeReportID (default: made up)")
            ->type_name(prefix.empty() ? "CLORDID" : "ID");
      }
      if (has("--order-id")) {
        CLI::Option* by_id = sub.add_flag("--order-id", args->by_order_id,
                                          "ORDER is the exchange's order id (when it is also another order's ClOrdID)");
        sub.add_flag("--cl-ord-id", args->by_cl_ord_id,
                     "ORDER is a ClOrdID (when it is also another order's id)")
            ->excludes(by_id);
      }
      if (has("--symbol")) {
        sub.add_option("--symbol", args->symbol,
                       v.words.empty() ? "list this instrument's orders only" : "look the order up in this instrument only")
            ->type_name("SYMBOL");
      }
      if (has("--depth")) {
        sub.add_option("--depth", args->depth, "levels a side (default 0: all)")->type_name("N")->check(whole(0, 100000));
      }
      if (has("--auction")) {
        sub.add_option("--auction", args->auction,
                       v.name == "buy" ? "bid in this announced auction (e.g. AU-HB-450; `crix order securities` lists "
                                         "them): a second bid of the project raises its first, and bids are never "
                                         "withdrawn; the result comes at the window's end"
                                       : "the ranking of this auction's bids instead of the book")
            ->type_name("AUCTION");
      }
      if (has("--to")) {
        sub.add_option("--to", args->to, "the counterparty: the participant who may accept")
            ->required()
            ->type_name("PARTICIPANT");
      }
      on_run(sub, [&sub, v, args, words, prefix, &out, &err] {
        args->verb = prefix + v.name;
        for (std::size_t i = 0; i < v.words.size(); ++i) {
          if (sub.get_option(v.words[i].name)->count() > 0) args->words.push_back((*words)[i]);
        }
        try {
          return request(*args, out, err);
        } catch (const CLI::ParseError&) {
          throw;  // a usage error found late (the password): tools/cli.hpp reports it
        } catch (const std::exception& e) {
          err << "crix order: " << e.what() << "\n";
          return 1;
        }
      });
    }
  };
  add_verbs(group, verbs, "");
  CLI::App& block = *group.add_subcommand("block", "block trades: propose one to a named participant, answer or withdraw it");
  block.require_subcommand(1);
  block.fallthrough();  // the connection's options may come after the verb
  add_verbs(block, block_verbs, "block ");
}

}  // namespace crix::tools
