// The console's server (gateway/http/server.hpp) on loopback: a real Server with a Link of this test's
// own (views in memory, a real LMDB ledger written by `crix simulate`, submit() recording the commands),
// driven by a Beast client: roles on every endpoint, the ledger's JSON and CSV against ledger::Reader
// and `crix ledger`, paging, actions, the live feed and its bound, the limits, static files and TLS.
#include <algorithm>
#include <atomic>
#include <utility>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config/market_config.hpp"
#include "gateway/http/server.hpp"
#include "gateway/password.hpp"
#include "ledger/json.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using namespace crix;

// ---------------------------------------------------------------------------------------------------
// The Link: what a running exchange would publish, held here.

class TestLink : public http::Link {
 public:
  explicit TestLink(const std::string& ledger) : reader_(ledger) {
    http::InstrumentView iron;
    iron.symbol = "STEEL-IRON";
    iron.industry = "steel";
    iron.unit = "t";
    iron.phase = "open";
    iron.tick = 1;
    iron.lot = 1;
    iron.reference_price = 58000;
    iron.band_low = 52200;
    iron.band_high = 63800;
    instruments_.push_back(iron);
    status_.accepting = true;
    status_.phase = "open";
    status_.seq = 41;
    status_.now = 1'796'600'000'000'000'000;  // the exchange's clock: an auction opening "now" opens then
    metrics_.orders = 12;
    metrics_.trades = 3;
    metrics_.rejects_by_reason = {{"price outside band", 2}};
    metrics_.ack_bounds_us = {10, 100, std::numeric_limits<double>::infinity()};
    metrics_.ack_counts = {5, 11, 12};
    metrics_.ack_sum_us = 400;
    metrics_.commit_bounds_us = {100, std::numeric_limits<double>::infinity()};
    metrics_.commit_counts = {1, 2};
    metrics_.commit_sum_us = 150;
  }

  http::StatusView status() const override {
    std::lock_guard lock(mutex_);
    return status_;
  }
  http::MetricsView metrics() const override { return metrics_; }
  std::vector<http::InstrumentView> instruments() const override { return instruments_; }
  std::optional<http::BookView> book(std::string_view symbol, std::size_t, bool with_orders) const override {
    if (symbol != "STEEL-IRON") return std::nullopt;
    http::BookView b;
    b.symbol = "STEEL-IRON";
    b.seq = 41;
    b.bids = {{58000, 10, 1}};
    b.asks = {{58100, 5, 2}};
    // The second rests since before crixd's start: its entry time is not kept (0).
    if (with_orders) b.orders = {{7, "TJ-RONGCHENG", "TJ-BF-410", '2', 58100, 5, 1}, {3, "TJ-RONGCHENG", "TJ-BF-410", '2', 58100, 2, 0}};
    return b;
  }
  std::vector<http::TradeView> recent_trades(std::size_t) const override {
    return {{1, 40, 1'796'000'000'000'000'000, "STEEL-IRON", 58000, 10, "HB-BUYER", "TJ-RONGCHENG", "TJ-BF-410", ""}};
  }
  std::vector<http::BlockView> blocks() const override {
    return {{12, 1'796'000'000'000'000'000, "STEEL-IRON", '2', "HB-TANGSHAN-IRON", "HB-BF-450", "TJ-BOHAI-STEEL", 70000,
             300000}};
  }
  // The sample's auction, announced, with two bids; and a second, sold one (what the public may see of
  // each is the test's question).
  std::vector<http::AuctionView> auctions() const override {
    http::AuctionView open;
    open.index = 0;
    open.id = "AU-HB-450";
    open.symbol = "STEEL-IRON";
    open.seller = "HB-TANGSHAN-IRON";
    open.facilities = {"HB-BF-450"};
    open.qty = 500000;
    open.reserve = 55000;
    open.increment = 500;
    open.pricing = "uniform";
    open.state = "announced";
    open.opens = 1'796'000'000'000'000'000;
    open.closes = 1'796'003'600'000'000'000;
    open.seq = 30;
    open.ranking = {{25, 25, 1'796'000'100'000'000'000, "TJ-BOHAI-STEEL", "TJ-NEW-BF-2500", 56000, 300000, 0},
                    {22, 22, 0, "SC-PANZHIHUA-STEEL", "SC-PZH-BF-1750", 55500, 500000, 0}};
    http::AuctionView sold = open;
    sold.index = 1;
    sold.id = "AU-SOLD";
    sold.state = "sold";
    sold.sold = 300000;
    sold.price = 56000;
    sold.ranking[0].won = 300000;
    sold.allocations = {{9, "TJ-BOHAI-STEEL", "TJ-NEW-BF-2500", "HB-BF-450", 56000, 300000}};
    return {open, sold};
  }
  std::vector<http::SessionView> sessions() const override { return {{"TJ-RONGCHENG", "TJ-RONGCHENG", true, 1, 2, 3, 4, 0, 0}}; }
  std::vector<http::ParticipantView> participants() const override {
    return {{"TJ-RONGCHENG", "Tianjin Rongcheng", "active", 1, true}};
  }
  ledger::Reader reader() const override {
    std::unique_lock lock(mutex_);
    ++readers_;
    gate_.wait(lock, [this] { return !held_; });
    return reader_;
  }

  void submit(const engine::Command& command, const std::string& operator_name,
              std::function<void(const http::ActionResult&)> done) override {
    http::ActionResult r;
    {
      std::lock_guard lock(mutex_);
      submitted_.emplace_back(command, operator_name);
      r = answer_;
      if (r.ok || !r.reject_code.empty()) r.seq = ++status_.seq;
    }
    done(r);
  }

  std::uint64_t subscribe(FeedHandler on_events, std::string& snapshot) override {
    std::lock_guard lock(mutex_);
    snapshot = Json{{"type", "snapshot"}, {"seq", status_.seq}}.dump();
    handlers_[++next_handle_] = std::move(on_events);
    return next_handle_;
  }
  void unsubscribe(std::uint64_t handle) override {
    std::lock_guard lock(mutex_);
    handlers_.erase(handle);
  }

  // As the ledger thread does after a commit.
  void publish(std::vector<http::FeedEvent> events) {
    auto batch = std::make_shared<http::FeedBatch>();
    for (const http::FeedEvent& e : events) batch->text += (batch->text.empty() ? "" : ",") + e.json;
    batch->events = std::move(events);
    const std::shared_ptr<const http::FeedBatch> shared = std::move(batch);
    std::lock_guard lock(mutex_);
    for (auto& [h, f] : handlers_) f(shared);
  }
  std::size_t subscribers() const {
    std::lock_guard lock(mutex_);
    return handlers_.size();
  }
  void answer(http::ActionResult r) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(r);
  }
  std::vector<std::pair<engine::Command, std::string>> submitted() const {
    std::lock_guard lock(mutex_);
    return submitted_;
  }
  void set_accepting(bool a) {
    std::lock_guard lock(mutex_);
    status_.accepting = a;
  }
  void set_phase(std::string phase) {
    std::lock_guard lock(mutex_);
    status_.phase = std::move(phase);
  }
  // While held, reader() waits: a ledger query stays in progress.
  void hold_reader(bool held) {
    {
      std::lock_guard lock(mutex_);
      held_ = held;
    }
    gate_.notify_all();
  }
  std::size_t readers() const {
    std::lock_guard lock(mutex_);
    return readers_;
  }

 private:
  ledger::Reader reader_;
  std::vector<http::InstrumentView> instruments_;
  http::MetricsView metrics_;
  mutable std::mutex mutex_;
  mutable std::condition_variable gate_;
  bool held_ = false;
  mutable std::size_t readers_ = 0;
  http::StatusView status_;
  http::ActionResult answer_{true, 0, "", ""};
  std::vector<std::pair<engine::Command, std::string>> submitted_;
  std::map<std::uint64_t, FeedHandler> handlers_;
  std::uint64_t next_handle_ = 0;
};

// The Beast client (tests/support/http_client.hpp).

using crix::test::exchange;
using crix::test::get;
using crix::test::Headers;
using crix::test::Reply;
using crix::test::request;

// What the server answers to bytes that are not (or not all) an HTTP request: the whole reply.
// Sends `bytes`, then, after `pause`, `later`, and reads until the server closes.
std::string raw(std::uint16_t port, const std::string& bytes, const std::string& later = {},
                std::chrono::milliseconds pause = {}) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(bytes));
  if (!later.empty()) {
    std::this_thread::sleep_for(pause);
    net::write(socket, net::buffer(later));
  }
  std::string out;
  beast::error_code ec;
  char buf[4096];
  for (;;) {
    const std::size_t n = socket.read_some(net::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

const Headers& kOperator = crix::test::kOperatorToken;

std::string login(std::uint16_t port, const std::string& user, const std::string& password) {
  std::string cookie = crix::test::login(port, user, password);
  REQUIRE(!cookie.empty());
  return cookie;
}

config::LoadResult sample() {
  config::LoadResult r = config::load_market(config::sample_market_path());
  REQUIRE(r.errors.empty());
  return r;
}

// One ledger with a simulated day's trades for every test (written once, read only).
const std::string& ledger_path() {
  static const crix::test::ScratchDir dir("crix-http");
  static const std::string path = [] {
    const std::string p = dir.file("ledger");
    const crix::test::RunResult r = crix::test::run({CRIX_BIN, "simulate", "--commands", "3000", "--ledger", p});
    REQUIRE(r.exit_code == 0);
    return p;
  }();
  return path;
}

struct Fixture {
  config::LoadResult market = sample();
  TestLink link{ledger_path()};
  std::unique_ptr<http::Server> server;
  std::uint16_t port = 0;

  explicit Fixture(std::string web_root = "", gateway::LogonLimits logins = {}) {
    http::ServerOptions options;
    options.port = 0;
    options.web_root = std::move(web_root);
    options.logins = logins;
    options.market = *market.market;
    server = std::make_unique<http::Server>(link, market.console, options);
    server->start();
    port = server->port();
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace

TEST_CASE("console: every endpoint answers each role as docs/API.md says", "[http]") {
  Fixture f;
  const std::string regulator = login(f.port, "miit", "miit-sample");
  const std::string op = login(f.port, "ops", "ops-sample");
  struct Case {
    std::string target;
    int least;  // 0 public, 1 regulator, 2 operator
  };
  const std::vector<Case> cases = {
      {"/healthz", 0},
      {"/readyz", 0},
      {"/metrics", 1},
      {"/api/v1/me", 0},
      {"/api/v1/status", 1},
      {"/api/v1/instruments", 0},
      {"/api/v1/book/STEEL-IRON?depth=5", 1},
      {"/api/v1/book/STEEL-IRON?orders=1", 2},
      {"/api/v1/trades/recent?limit=5", 1},
      {"/api/v1/blocks", 1},
      {"/api/v1/auctions", 0},
      {"/api/v1/sessions", 1},
      {"/api/v1/participants", 1},
      {"/api/v1/ledger/trades", 1},
      {"/api/v1/ledger/facilities/TJ-BF-410", 1},
      {"/api/v1/ledger/projects/" + f.link.reader().projects().front().id, 1},
      {"/api/v1/ledger/elimination", 0},
      {"/api/v1/ledger/regions", 1},
      {"/api/v1/ledger/daily", 0},
      {"/api/v1/ledger/report", 0},
      {"/api/v1/ledger/verify", 1},
      {"/api/v1/ledger/operator-actions", 1},
  };
  for (const Case& c : cases) {
    INFO(c.target);
    const Reply pub = get(f.port, c.target);
    const Reply reg = get(f.port, c.target, {{"Cookie", regulator}});
    const Reply ops = get(f.port, c.target, {{"Cookie", op}});
    const Reply token = get(f.port, c.target, kOperator);
    CHECK(pub.status == (c.least == 0 ? 200u : 401u));
    CHECK(reg.status == (c.least <= 1 ? 200u : 403u));
    CHECK(ops.status == 200u);
    CHECK(token.status == 200u);
    if (pub.status == 401) {
      CHECK(pub.json()["code"] == "unauthorized");
      CHECK(pub.json()["error"].get<std::string>().find(c.least == 2 ? "operator" : "regulator") != std::string::npos);
    }
    if (reg.status == 403) {
      CHECK(reg.json()["code"] == "forbidden");
      CHECK(reg.json()["error"].get<std::string>().find("the operator role") != std::string::npos);
    }
  }
  // Actions: operators only.
  const std::string halt = Json{{"symbol", "STEEL-IRON"}, {"reason", "test"}}.dump();
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/halt", halt).status == 401);
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/halt", halt, {{"Cookie", regulator}}).status == 403);
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/halt", halt, {{"Cookie", op}}).status == 200);
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/halt", halt, kOperator).status == 200);
  // A wrong token is nobody, and a wrong method is 405.
  CHECK(get(f.port, "/api/v1/status", {{"Authorization", "Bearer wrong"}}).status == 401);
  const Reply wrong_method = request(f.port, bhttp::verb::post, "/api/v1/status", "", kOperator);
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.headers.at("Allow") == "GET, HEAD");
  // The views' JSON.
  const Json book = get(f.port, "/api/v1/book/STEEL-IRON?orders=1", kOperator).json();
  CHECK(book["bids"][0] == Json{{"price", 58000}, {"qty", 10}, {"orders", 1}});
  CHECK(book["orders"][0]["participant"] == "TJ-RONGCHENG");
  CHECK(get(f.port, "/api/v1/book/NOPE", kOperator).status == 404);
  const Json trade = get(f.port, "/api/v1/trades/recent", kOperator).json()["items"][0];
  CHECK(trade["project"].is_null());  // absent values are null, never ""
  CHECK(trade["time_text"] == "2026-11-30 08:53:20.000+08:00");
  CHECK(trade["kind"] == "book");
  const Json block = get(f.port, "/api/v1/blocks", kOperator).json()["items"][0];
  CHECK(block == Json{{"id", 12}, {"proposed", 1'796'000'000'000'000'000}, {"proposed_text", "2026-11-30 08:53:20.000+08:00"},
                      {"symbol", "STEEL-IRON"}, {"side", "sell"}, {"proposer", "HB-TANGSHAN-IRON"},
                      {"account", "HB-BF-450"}, {"counterparty", "TJ-BOHAI-STEEL"}, {"price", 70000}, {"qty", 300000}});
  CHECK(get(f.port, "/api/v1/instruments").json()["items"][0]["last_price"].is_null());
}

TEST_CASE("console: auctions: their terms, window, ranking and result, and the public sees no bidder", "[http][auction]") {
  Fixture f;
  const std::string regulator = login(f.port, "miit", "miit-sample");
  const Json ops = get(f.port, "/api/v1/auctions", kOperator).json()["items"];
  REQUIRE(ops.size() == 2);
  const Json& open = ops[0];
  CHECK(open["id"] == "AU-HB-450");
  CHECK(open["state"] == "announced");
  CHECK(open["facilities"] == Json::array({"HB-BF-450"}));
  CHECK(open["reserve"] == 55000);
  CHECK(open["pricing"] == "uniform");
  CHECK(open["opens_text"] == "2026-11-30 08:53:20.000+08:00");
  CHECK(open["closes_text"] == "2026-11-30 09:53:20.000+08:00");
  CHECK(open["price"].is_null());
  CHECK(open["ranking"][0] == Json{{"id", 25}, {"seq", 25}, {"time", 1'796'000'100'000'000'000},
                                   {"time_text", "2026-11-30 08:55:00.000+08:00"}, {"bidder", "TJ-BOHAI-STEEL"},
                                   {"project", "TJ-NEW-BF-2500"}, {"price", 56000}, {"qty", 300000}, {"won", 0}});
  CHECK(open["ranking"][1]["time"].is_null());  // placed before crixd's start: its time is not kept
  CHECK(ops[1]["allocations"][0] == Json{{"trade", 9}, {"bidder", "TJ-BOHAI-STEEL"}, {"project", "TJ-NEW-BF-2500"},
                                         {"facility", "HB-BF-450"}, {"price", 56000}, {"qty", 300000}});
  // Regulators see what operators see.
  CHECK(get(f.port, "/api/v1/auctions", {{"Cookie", regulator}}).json()["items"] == ops);
  // The public: the ranking's prices, quantities and times, and the result as the public elimination list
  // shows a trade (id, facility, project), but no bidder and no bid id.
  const Json pub = get(f.port, "/api/v1/auctions").json()["items"];
  CHECK(pub[0]["ranking"][0] == Json{{"seq", 25}, {"time", 1'796'000'100'000'000'000},
                                     {"time_text", "2026-11-30 08:55:00.000+08:00"}, {"price", 56000}, {"qty", 300000},
                                     {"won", 0}});
  CHECK(pub[1]["allocations"][0] == Json{{"trade", 9}, {"project", "TJ-NEW-BF-2500"}, {"facility", "HB-BF-450"},
                                         {"price", 56000}, {"qty", 300000}});
  CHECK(pub[0]["seller"] == "HB-TANGSHAN-IRON");  // the announcement names the lot's seller
  CHECK(get(f.port, "/api/v1/auctions").body.find("TJ-BOHAI-STEEL") == std::string::npos);
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/auctions", "", kOperator).status == 405);
}

TEST_CASE("console: login sets a strict HttpOnly session cookie, me and logout", "[http]") {
  Fixture f;
  CHECK(get(f.port, "/api/v1/me").json() == Json{{"user", nullptr}, {"role", "public"}});
  const Reply bad = request(f.port, bhttp::verb::post, "/api/v1/login", Json{{"user", "ops"}, {"password", "no"}}.dump());
  CHECK(bad.status == 401);
  CHECK(bad.headers.count("Set-Cookie") == 0);
  const Reply ok = request(f.port, bhttp::verb::post, "/api/v1/login", Json{{"user", "ops"}, {"password", "ops-sample"}}.dump());
  REQUIRE(ok.status == 200);
  CHECK(ok.json() == Json{{"user", "ops"}, {"role", "operator"}});
  const std::string set = ok.headers.at("Set-Cookie");
  CHECK(set.find("HttpOnly") != std::string::npos);
  CHECK(set.find("SameSite=Strict") != std::string::npos);
  CHECK(set.find("Path=/") != std::string::npos);
  CHECK(set.find("Secure") == std::string::npos);  // plain HTTP on loopback
  const std::string cookie = set.substr(0, set.find(';'));
  CHECK(cookie.size() == std::string("crix_session=").size() + 64);  // 256 bits in hex
  CHECK(get(f.port, "/api/v1/me", {{"Cookie", cookie}}).json() == Json{{"user", "ops"}, {"role", "operator"}});
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/logout", "", {{"Cookie", cookie}}).status == 200);
  // The ended session's cookie matches nothing: 401 saying so (the logout's Set-Cookie has a browser drop it).
  CHECK(get(f.port, "/api/v1/me", {{"Cookie", cookie}}).status == 401);
  CHECK(get(f.port, "/api/v1/status", {{"Cookie", cookie}}).status == 401);
}

TEST_CASE("console: failed logins are throttled per user and per address, the right password too while it waits",
          "[http]") {
  // Three failures are free; the third starts a wait of 4 s (1 s by default: too short for the checks
  // below to land inside it on a loaded machine), doubling after.
  gateway::LogonLimits limits;
  limits.backoff = std::chrono::seconds(4);
  Fixture f("", limits);
  const auto login = [&](const std::string& user, const std::string& password) {
    return request(f.port, bhttp::verb::post, "/api/v1/login", Json{{"user", user}, {"password", password}}.dump());
  };
  for (int i = 0; i < 3; ++i) CHECK(login("ops", "guess-" + std::to_string(i)).status == 401);
  const Reply waiting = login("ops", "ops-sample");
  CHECK(waiting.status == 429);
  CHECK(waiting.json()["error"] == "too many failed logins for ops; retry after 4 s");
  // Unknown names count against the address: another user from it waits too.
  CHECK(login("nobody", "x").status == 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(4100));
  const Reply ok = login("ops", "ops-sample");
  CHECK(ok.status == 200);
  // Success clears the user's count, not the address's: the next failure waits twice as long.
  CHECK(login("miit", "wrong").status == 401);
  const Reply address = login("miit", "miit-sample");
  CHECK(address.status == 429);
  CHECK(address.json()["error"] == "too many failed logins from 127.0.0.1; retry after 8 s");
}

TEST_CASE("console: the ledger's JSON and CSV agree with ledger::Reader and crix ledger, a page at a time", "[http]") {
  Fixture f;
  const ledger::Reader reader(ledger_path());
  const std::vector<ledger::Trade> all = reader.trades(ledger::Page{engine::TradeId{}, 1'000'000});
  REQUIRE(all.size() > 30);
  // JSON pages of 7 until the end, chained by next_after.
  std::vector<Json> items;
  std::string after = "0";
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 1000);
    const Json page = get(f.port, "/api/v1/ledger/trades?limit=7&after=" + after, kOperator).json();
    for (const Json& i : page["items"]) items.push_back(i);
    if (page["next_after"].is_null()) {
      CHECK(page["more"] == 0);
      break;
    }
    CHECK(page["more"].get<std::size_t>() == all.size() - items.size());
    after = std::to_string(page["next_after"].get<std::uint64_t>());
  }
  REQUIRE(items.size() == all.size());
  const ledger::Names names(reader);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(items[i] == Json::parse(ledger::json_object(ledger::trade_columns(), ledger::trade_row(names, all[i]))));
    CHECK(items[i]["trade"] == all[i].id.v);
    CHECK(items[i]["qty_t"] == all[i].qty.v);
  }
  // CSV: the whole list, exactly as `crix ledger trades --csv` prints it; JSON items as its --json.
  const Reply csv = get(f.port, "/api/v1/ledger/trades", {{"Accept", "text/csv"}, {"Authorization", kOperator[0].second}});
  CHECK(csv.headers.at("Content-Type").rfind("text/csv", 0) == 0);
  const crix::test::RunResult cli = crix::test::run({CRIX_BIN, "ledger", "trades", ledger_path(), "--csv"});
  REQUIRE(cli.exit_code == 0);
  CHECK(csv.body == cli.out);
  const crix::test::RunResult cli_json = crix::test::run({CRIX_BIN, "ledger", "trades", ledger_path(), "--json"});
  CHECK(Json::parse(cli_json.out) == Json(items));
  // Filters and the other queries, against the CLI.
  const std::string participant = names.participant_id(all.front().buyer);
  CHECK(get(f.port, "/api/v1/ledger/trades?format=csv&participant=" + participant, kOperator).body ==
        crix::test::run({CRIX_BIN, "ledger", "trades", ledger_path(), "--participant", participant, "--csv"}).out);
  // Counts that walk stop at their limit (the API's "more" is counted up to 10,000).
  const std::uint32_t buyer = static_cast<std::uint32_t>(all.front().buyer.v);
  const std::uint64_t listed = reader.count_listed(ledger::TradeIndex::kParticipant, buyer, engine::TradeId{});
  REQUIRE(listed > 3);
  CHECK(reader.count_listed(ledger::TradeIndex::kParticipant, buyer, engine::TradeId{}, 3) == 3);
  CHECK(reader.count_listed(ledger::TradeIndex::kParticipant, buyer, engine::TradeId{}, listed + 5) == listed);
  const std::uint64_t entries = reader.count_elimination({}, engine::TradeId{});
  REQUIRE(entries > 2);
  CHECK(reader.count_elimination({}, engine::TradeId{}, 2) == 2);
  const std::string facility = names.facility_id(all.front().facility);
  Json first_page = get(f.port, "/api/v1/ledger/facilities/" + facility, kOperator).json();
  first_page.erase("next_after");
  first_page.erase("more");
  CHECK(first_page ==
        Json::parse(crix::test::run({CRIX_BIN, "ledger", "facility", ledger_path(), facility, "--json", "--limit", "100"}).out));
  CHECK(get(f.port, "/api/v1/ledger/regions?format=csv", kOperator).body ==
        crix::test::run({CRIX_BIN, "ledger", "regions", ledger_path(), "--csv"}).out);
  CHECK(get(f.port, "/api/v1/ledger/report?format=csv", kOperator).body ==
        crix::test::run({CRIX_BIN, "ledger", "report", ledger_path(), "--csv"}).out);
  CHECK(get(f.port, "/api/v1/ledger/elimination?format=csv", kOperator).body ==
        crix::test::run({CRIX_BIN, "ledger", "elimination", ledger_path(), "--csv"}).out);
  // The industry is filtered by the reader: the API and crix ledger list the same entries, and the
  // industries share the whole list out between them.
  std::uint64_t by_industry = 0;
  for (const std::string industry : {"steel", "cement", "glass", "aluminium"}) {
    INFO(industry);
    const std::string rows =
        get(f.port, "/api/v1/ledger/elimination?format=csv&industry=" + industry, kOperator).body;
    CHECK(rows == crix::test::run({CRIX_BIN, "ledger", "elimination", ledger_path(), "--industry", industry, "--csv"}).out);
    by_industry += static_cast<std::uint64_t>(std::count(rows.begin(), rows.end(), '\n')) - 1;  // less the header
  }
  CHECK(by_industry == entries);
  // The public sees the notice's fields only.
  const Json pub = get(f.port, "/api/v1/ledger/elimination?limit=1").json()["items"][0];
  CHECK(pub.contains("facility"));
  CHECK_FALSE(pub.contains("enterprise_id"));
  CHECK_FALSE(pub.contains("inventory_ref"));
  // Unknown names and bad parameters say which.
  const Reply unknown = get(f.port, "/api/v1/ledger/trades?participant=NOBODY", kOperator);
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["error"].get<std::string>().find("NOBODY") != std::string::npos);
  CHECK(get(f.port, "/api/v1/ledger/trades?limit=0", kOperator).status == 400);
  CHECK(get(f.port, "/api/v1/ledger/trades?limit=10001", kOperator).status == 400);
  CHECK(get(f.port, "/api/v1/ledger/daily?day=2026-02-30", kOperator).status == 400);
  CHECK(get(f.port, "/api/v1/ledger/verify", kOperator).json()["ok"] == true);
}

TEST_CASE("console: a facility's history and a project's progress come a page at a time, as crix ledger's pages", "[http]") {
  Fixture f;
  const ledger::Reader reader(ledger_path());
  const ledger::Names names(reader);
  const std::vector<ledger::Trade> all = reader.trades(ledger::Page{engine::TradeId{}, 1'000'000});
  // The facility and the project with the most trades: pages of 2 cut both.
  std::map<std::uint32_t, std::size_t> by_facility, by_project;
  for (const ledger::Trade& t : all) {
    ++by_facility[t.facility.v];
    ++by_project[t.project.v];
  }
  const auto most = [](const std::map<std::uint32_t, std::size_t>& m) {
    return std::max_element(m.begin(), m.end(), [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  };
  struct Subject {
    std::string target;  // the API's path
    std::string verb;    // crix ledger's
    std::string id;
    std::size_t trades;
  };
  const std::uint32_t fi = most(by_facility), pi = most(by_project);
  const std::vector<Subject> subjects = {
      {"/api/v1/ledger/facilities/", "facility", names.facility_id(ledger::FacilityIndex(fi)), by_facility[fi]},
      {"/api/v1/ledger/projects/", "project", names.project_id(ledger::ProjectIndex(pi)), by_project[pi]},
  };
  for (const Subject& s : subjects) {
    INFO(s.verb << " " << s.id << " with " << s.trades << " trades");
    REQUIRE(s.trades >= 3);
    const Json whole = Json::parse(crix::test::run({CRIX_BIN, "ledger", s.verb, ledger_path(), s.id, "--json"}).out);
    REQUIRE(whole["trades"].size() == s.trades);
    Json trades = Json::array();
    std::map<std::string, Json> lists;  // every list but the state, concatenated over the pages
    std::string after;
    for (int pages = 0;; ++pages) {
      REQUIRE(pages <= static_cast<int>(s.trades));
      Json page = get(f.port, s.target + s.id + "?limit=2" + (after.empty() ? "" : "&after=" + after), kOperator).json();
      REQUIRE(page.contains("next_after"));
      const Json next = page["next_after"];
      const std::size_t more = page["more"].get<std::size_t>();
      page.erase("next_after");
      page.erase("more");
      // The page is `crix ledger`'s page with the same --after and --limit.
      std::vector<std::string> cli = {CRIX_BIN, "ledger", s.verb, ledger_path(), s.id, "--json", "--limit", "2"};
      if (!after.empty()) cli.insert(cli.end(), {"--after", after});
      const crix::test::RunResult r = crix::test::run(cli);
      REQUIRE(r.exit_code == 0);
      CHECK(page == Json::parse(r.out));
      CHECK(page["trades"].size() <= 2);
      for (auto& [name, rows] : page.items()) {
        if (name == s.verb) {
          CHECK(rows == whole[name]);  // the state on every page
          continue;
        }
        for (const Json& row : rows) lists[name].push_back(row);
      }
      const std::size_t seen = lists["trades"].size();
      CHECK(more == s.trades - seen);
      if (next.is_null()) {
        CHECK(more == 0);
        // The last page cut by --limit says nothing more is left.
        CHECK(r.err.empty());
        break;
      }
      CHECK(next == page["trades"].back()["trade"]);
      // crix ledger says how many are left and how to get them.
      CHECK(r.err.find(std::to_string(more) + " more: add --after " + std::to_string(next.get<std::uint64_t>())) !=
            std::string::npos);
      after = std::to_string(next.get<std::uint64_t>());
    }
    // The pages together are the whole history: no trade or entry lost or repeated at a boundary.
    for (const auto& [name, rows] : lists) CHECK(rows == whole[name]);
    // CSV: all of it from `after`, as crix ledger's CSV.
    CHECK(get(f.port, s.target + s.id + "?format=csv", kOperator).body ==
          crix::test::run({CRIX_BIN, "ledger", s.verb, ledger_path(), s.id, "--csv"}).out);
  }
}

TEST_CASE("console: actions become the engine commands, journaled with the user's name", "[http]") {
  Fixture f;
  const engine::Market& m = *f.market.market;
  const auto post = [&](const std::string& verb, const Json& body, const Headers& h = kOperator) {
    return request(f.port, bhttp::verb::post, "/api/v1/actions/" + verb, body.dump(), h);
  };
  const auto last = [&] { return f.link.submitted().back(); };
  REQUIRE(post("halt", {{"symbol", "STEEL-CRUDE"}, {"reason", "x"}}).status == 200);
  CHECK(last().first.type == engine::CommandType::kHalt);
  CHECK(last().first.instrument.v == 1);
  CHECK(last().second == "ops-script");
  CHECK(post("resume", {{"symbol", "STEEL-IRON"}}).json() == Json{{"ok", true}, {"seq", 43}});
  CHECK(last().first.type == engine::CommandType::kResume);
  REQUIRE(post("suspend", {{"participant", m.participants[2].id}, {"reason", "x"}}).status == 200);
  CHECK(last().first.type == engine::CommandType::kSuspend);
  CHECK(last().first.participant.v == 2);
  REQUIRE(post("reinstate", {{"participant", m.participants[2].id}}).status == 200);
  CHECK(last().first.type == engine::CommandType::kReinstate);
  REQUIRE(post("close-day", Json::object()).status == 200);
  CHECK(last().first.type == engine::CommandType::kCloseDay);
  REQUIRE(post("revoke", {{"trade", 17}}).status == 200);
  CHECK((last().first.type == engine::CommandType::kRevoke && last().first.id.v == 17));
  REQUIRE(post("elimination-status", {{"trade", 17}, {"status", "dismantled"}}).status == 200);
  CHECK(last().first.type == engine::CommandType::kSetEliminationStatus);
  CHECK(last().first.qty.v == static_cast<std::int64_t>(engine::EliminationStatus::kDismantled));
  REQUIRE(post("amend-facility", {{"facility", m.facilities[3].id}, {"field", "court_seized"}, {"value", true}}).status == 200);
  CHECK(last().first.type == engine::CommandType::kAmendFacility);
  CHECK(last().first.account.v == 3);
  CHECK(last().first.id.v == static_cast<std::uint64_t>(engine::FacilityField::kCourtSeized));
  CHECK(last().first.qty.v == 1);
  REQUIRE(post("amend-project", {{"project", m.projects[1].id}, {"field", "new_capacity"}, {"value", 5000}}).status == 200);
  CHECK((last().first.type == engine::CommandType::kAmendProject && last().first.account.v == 1 && last().first.qty.v == 5000));
  REQUIRE(post("register", {{"project", m.projects[0].id}}).status == 200);
  CHECK((last().first.type == engine::CommandType::kRegister && last().first.side == engine::Side::kBuy));
  // Auctions: the window in local times of the market's zone (UTC+08:00), "now" for an opening now.
  REQUIRE(post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "2026-12-07T10:00"}, {"closes", "2026-12-07T11:00:30"},
                                    {"reason", "quarterly lot"}})
              .status == 200);
  CHECK(last().first.type == engine::CommandType::kAuctionAnnounce);
  CHECK(last().first.id.v == 0);
  CHECK(engine::auction_opens(last().first).v == 1'796'608'800'000'000'000);  // 2026-12-07 02:00 UTC
  CHECK(last().first.expire_at.v == 1'796'612'430'000'000'000);
  REQUIRE(post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "now"}, {"closes", "2026-12-07T11:00"}}).status == 200);
  CHECK(engine::auction_opens(last().first).v == 1'796'600'000'000'000'000);
  // "+SECONDS" after the exchange's clock, and a space for the T, as crix operator takes them.
  REQUIRE(post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "+60"}, {"closes", "+3600"}}).status == 200);
  CHECK(engine::auction_opens(last().first).v == 1'796'600'060'000'000'000);
  CHECK(last().first.expire_at.v == 1'796'603'600'000'000'000);
  REQUIRE(post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "now"}, {"closes", "2026-12-07 11:00:30"}}).status == 200);
  CHECK(last().first.expire_at.v == 1'796'612'430'000'000'000);
  REQUIRE(post("auction-cancel", {{"auction", "AU-HB-450"}}).status == 200);
  CHECK((last().first.type == engine::CommandType::kAuctionCancel && last().first.id.v == 0));
  // Cookie users are journaled by their name.
  REQUIRE(post("close-day", Json::object(), {{"Cookie", login(f.port, "ops", "ops-sample")}}).status == 200);
  CHECK(last().second == "ops");
  // Bad names and bodies: 400/404 naming what was wrong, nothing submitted.
  // A reason of 500 characters is taken (1,500 bytes: the limit counts characters, as the page does).
  std::string chinese;
  for (int i = 0; i < 500; ++i) chinese += "停";  // 500 characters, 1,500 bytes: taken
  CHECK(post("halt", {{"symbol", "STEEL-IRON"}, {"reason", chinese}}).status == 200);
  const std::size_t before = f.link.submitted().size();
  const Reply unknown = post("halt", {{"symbol", "GOLD"}});
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["error"].get<std::string>().find("GOLD") != std::string::npos);
  CHECK(post("suspend", {{"participant", "NOBODY"}}).status == 404);
  CHECK(post("revoke", {{"trade", "x"}}).status == 400);
  CHECK(post("elimination-status", {{"trade", 1}, {"status", "publicised"}}).status == 400);
  CHECK(post("amend-facility", {{"facility", m.facilities[0].id}, {"field", "colour"}, {"value", 1}}).status == 400);
  CHECK(post("explode", Json::object()).status == 404);
  // Auctions' bad bodies, each its own 400 naming the field; an unknown auction 404.
  const auto error_of = [&](const std::string& verb, const Json& body, unsigned status) {
    const Reply r = post(verb, body);
    CHECK(r.status == status);
    return r.json()["error"].get<std::string>();
  };
  const Json window{{"auction", "AU-HB-450"}, {"opens", "2026-12-07T10:00"}, {"closes", "2026-12-07T11:00"}};
  const auto with = [&](const std::string& key, const Json& value) {
    Json b = window;
    if (value.is_null()) {
      b.erase(key);
    } else {
      b[key] = value;
    }
    return b;
  };
  CHECK(error_of("auction-announce", with("auction", "AU-NONE"), 404) == "no auction 'AU-NONE' in the market");
  CHECK(error_of("auction-announce", with("auction", nullptr), 400) ==
        "auction-announce needs \"auction\": a non-empty string");
  CHECK(error_of("auction-announce", with("opens", nullptr), 400) ==
        "auction-announce needs \"opens\": a non-empty string");
  CHECK(error_of("auction-announce", with("closes", 1796612400), 400) ==
        "auction-announce needs \"closes\": a non-empty string");
  CHECK(error_of("auction-announce", with("opens", "2026-12-07"), 400) ==
        "opens '2026-12-07' is not a time: use now, +SECONDS, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (the market's "
        "time, UTC+08:00)");
  CHECK(error_of("auction-announce", with("closes", "2026-12-07T24:00"), 400) ==
        "closes '2026-12-07T24:00' is not a time: use +SECONDS, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (the market's "
        "time, UTC+08:00)");
  CHECK(error_of("auction-announce", with("closes", "+400000000"), 400) ==
        "closes '+400000000' is more than a year (31622400 s) ahead (the market's time, UTC+08:00)");
  CHECK(error_of("auction-announce", with("closes", "2026-02-30T10:00"), 400) ==
        "closes '2026-02-30T10:00' is not a date of the calendar (the market's time, UTC+08:00)");
  CHECK(error_of("auction-announce", with("closes", "now"), 400).find("closes 'now' is not a time: use +SECONDS") == 0);
  CHECK(error_of("auction-announce", with("reason", 7), 400) == "auction-announce: \"reason\" must be a string");
  // A key an action does not take is named, not dropped (a misspelt reason was journaled without it).
  const std::size_t submitted = f.link.submitted().size();
  CHECK(error_of("resume", Json{{"symbol", "STEEL-IRON"}, {"reasn", "x"}}, 400) ==
        "resume takes no \"reasn\": it takes symbol, reason");
  CHECK(error_of("close-day", Json{{"x", 1}}, 400) == "close-day takes no \"x\": it takes reason");
  CHECK(error_of("close-day", Json{{"reason", 7}}, 400) == "close-day: \"reason\" must be a string");
  CHECK(error_of("halt", Json{{"symbol", "STEEL-IRON"}, {"reason", std::string(501, 'r')}}, 400) ==
        "halt: \"reason\" has 501 characters, more than the 500 a reason may have: say it shorter");
  CHECK(f.link.submitted().size() == submitted);
  CHECK(error_of("auction-cancel", Json{{"auction", 0}}, 400) == "auction-cancel needs \"auction\": a non-empty string");
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/halt", "{not json", kOperator).status == 400);
  // fuzz_http_request crash-3e31d0c6: a number past a double's range is nlohmann's out_of_range, not a
  // parse_error; it escaped the handler and ended the process. Now a 400 like any bad body.
  const Reply huge = request(f.port, bhttp::verb::post, "/api/v1/actions/halt", R"({"symbol": 8e8888})", kOperator);
  CHECK(huge.status == 400);
  CHECK(huge.json()["error"].get<std::string>().find("not usable JSON") != std::string::npos);
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/login", R"({"user": 1e999})").status == 400);
  CHECK(f.link.submitted().size() == before);
  // The market refuses: 422 with the reject; not queued: 503.
  f.link.answer({false, 0, "kUnknownInstrument", "halted already"});
  const Reply refused = post("halt", {{"symbol", "STEEL-IRON"}});
  CHECK(refused.status == 422);
  CHECK(refused.json()["code"] == "rejected");
  CHECK(refused.json()["reject_code"] == "kUnknownInstrument");
  CHECK(refused.json()["error"] == "halted already");
  f.link.answer({false, 0, "", "exchange busy"});
  const Reply busy = post("halt", {{"symbol", "STEEL-IRON"}});
  CHECK(busy.status == 503);
  CHECK(busy.json()["code"] == "unavailable");
}

namespace {

// A feed client: connects, upgrades with the operator's token, then reads on its own thread.
class FeedClient {
 public:
  FeedClient(std::uint16_t port, bool reading, int receive_buffer = 0) : ws_(ioc_) {
    tcp::socket& s = beast::get_lowest_layer(ws_).socket();
    s.open(tcp::v4());
    if (receive_buffer > 0) s.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(bhttp::field::authorization, "Bearer crix-sample-operator-token");
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    ws_.handshake("127.0.0.1", "/api/v1/feed");
    if (reading) start();
  }
  ~FeedClient() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    if (thread_.joinable()) thread_.join();
  }
  void start() {
    thread_ = std::thread([this] {
      for (;;) {
        beast::flat_buffer b;
        beast::error_code ec;
        ws_.read(b, ec);
        std::lock_guard lock(mutex_);
        if (ec) {
          closed_ = true;
          reason_ = ws_.reason();
          return;
        }
        // After the snapshot every message is {"type":"updates","events":[...]}: kept here one event
        // at a time. No Catch assertion on this thread (Catch is not thread-safe: TSan caught two
        // readers asserting at once); the test checks malformed() on its own.
        Json m = Json::parse(beast::buffers_to_string(b.data()), nullptr, false);
        ++frames_;
        if (m.is_discarded() || !m.is_object()) {
          malformed_ = true;
        } else if (m["type"] == "updates") {
          if (!m["events"].is_array() || m["events"].empty()) malformed_ = true;
          for (Json& e : m["events"]) messages_.push_back(std::move(e));
        } else {
          messages_.push_back(std::move(m));
        }
      }
    });
  }
  bool started() const { return thread_.joinable(); }  // the test's thread only
  bool malformed() {  // a message that was not JSON, or an updates message without events
    std::lock_guard lock(mutex_);
    return malformed_;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  std::size_t frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::vector<Json> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  websocket::close_reason reason() {
    std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Json> messages_;
  std::size_t frames_ = 0;
  bool malformed_ = false;
  bool closed_ = false;
  websocket::close_reason reason_;
};

}  // namespace

TEST_CASE("console: the feed sends the snapshot then every update in order, a slow reader is dropped with 1008", "[http]") {
  Fixture f;
  // Not logged in: no feed.
  {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), f.port));
    CHECK_THROWS(ws.handshake("127.0.0.1", "/api/v1/feed"));
  }
  FeedClient fast(f.port, true);
  FeedClient slow(f.port, false, 4096);
  REQUIRE(eventually([&] { return f.link.subscribers() == 2; }));
  REQUIRE(eventually([&] { return fast.count() == 1; }));
  CHECK(fast.messages()[0] == Json{{"type", "snapshot"}, {"seq", 41}});
  // 15,000 updates of 1 KiB in batches: the fast client keeps up; the slow one never reads, so its
  // unsent updates pass the bound once the kernel's buffers are full.
  const std::string pad(1000, 'x');
  std::uint64_t seq = 41;
  for (int batch = 0; batch < 30; ++batch) {
    std::vector<http::FeedEvent> events;
    for (int i = 0; i < 500; ++i) {
      ++seq;
      events.push_back({seq, "trade", Json{{"type", "trade"}, {"seq", seq}, {"pad", pad}}.dump()});
    }
    f.link.publish(events);
    REQUIRE(eventually([&] { return fast.count() == 1 + static_cast<std::size_t>(batch + 1) * 500; }));
    // Once dropped, the slow client reads at once: the server waits 5 s (kCloseGrace) for it to take
    // the close before it shuts the socket, and under a sanitizer on a busy machine the rest of this
    // loop can take longer than that.
    if (!slow.started() && get(f.port, "/metrics", kOperator).body.find("crix_ws_dropped_total 1\n") != std::string::npos) {
      slow.start();
    }
  }
  const std::vector<Json> got = fast.messages();
  for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i]["seq"].get<std::uint64_t>() == 41 + i);
  CHECK_FALSE(fast.closed());
  // Each batch of 500 came as one message (or fewer, joined while a write was under way).
  CHECK(fast.frames() <= 31);
  // The slow client reads what was sent before the bound, then the close.
  REQUIRE(slow.started());
  REQUIRE(eventually([&] { return slow.closed(); }));
  CHECK(slow.reason().code == websocket::close_code::policy_error);
  CHECK(std::string(slow.reason().reason.c_str()).rfind("fell behind: ", 0) == 0);
  CHECK(std::string(slow.reason().reason.c_str()).find(" updates unsent") != std::string::npos);
  CHECK(slow.count() < 15'001);
  REQUIRE(eventually([&] { return f.link.subscribers() == 1; }));
  // The fast one still gets updates.
  f.link.publish({{seq + 1, "alert", Json{{"type", "alert"}, {"seq", seq + 1}}.dump()}});
  REQUIRE(eventually([&] { return fast.count() == 15'002; }));
  CHECK(get(f.port, "/metrics", kOperator).body.find("crix_ws_clients 1\n") != std::string::npos);
  CHECK(get(f.port, "/metrics", kOperator).body.find("crix_ws_dropped_total 1\n") != std::string::npos);
  CHECK_FALSE(fast.malformed());
  CHECK_FALSE(slow.malformed());
}

TEST_CASE("console: many small batches waiting for the feed's pace leave as whole messages, in order", "[http]") {
  Fixture f;
  FeedClient client(f.port, true);
  REQUIRE(eventually([&] { return client.count() == 1; }));
  // Published one at a time faster than the feed's 10 ms pace: all but the first wait and go out
  // together, one message of far more pieces than one send takes (FeedSession joins them).
  std::uint64_t seq = 41;
  for (int i = 0; i < 400; ++i) {
    ++seq;
    f.link.publish({{seq, "alert", Json{{"type", "alert"}, {"seq", seq}, {"text", std::string(i % 50, 'y')}}.dump()}});
  }
  REQUIRE(eventually([&] { return client.count() == 401; }));
  const std::vector<Json> got = client.messages();
  for (std::size_t i = 1; i < got.size(); ++i) {
    CHECK(got[i]["seq"].get<std::uint64_t>() == 41 + i);
    CHECK(got[i]["text"].get<std::string>().size() == (i - 1) % 50);
  }
  CHECK_FALSE(client.malformed());
  CHECK(client.frames() < 100);  // gathered: far fewer messages than batches
}

TEST_CASE("console: a ledger query in progress holds up neither the live views nor other connections", "[http]") {
  Fixture f;
  f.link.hold_reader(true);
  auto query = std::async(std::launch::async, [&] { return get(f.port, "/api/v1/ledger/trades", kOperator); });
  REQUIRE(eventually([&] { return f.link.readers() == 1; }));
  // The query waits in reader(); the connection threads still answer.
  auto live = std::async(std::launch::async, [&] { return get(f.port, "/api/v1/status", kOperator).status; });
  const bool answered = live.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  f.link.hold_reader(false);
  CHECK(answered);
  CHECK(live.get() == 200);
  CHECK(query.get().status == 200);
}

TEST_CASE("console: answer_bytes answers bytes as a connection's first request (the fuzz target's way in)", "[http]") {
  Fixture f;
  CHECK(f.server->answer_bytes("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == 200);
  CHECK(f.server->answer_bytes("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n") == 401);
  CHECK(f.server->answer_bytes("GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer crix-sample-operator-token\r\n\r\n") == 200);
  CHECK(f.server->answer_bytes("GET /api/v1/ledger/daily HTTP/1.1\r\nHost: x\r\n\r\n") == 200);
  CHECK(f.server->answer_bytes("GARBAGE\r\n\r\n") == 400);
  CHECK(f.server->answer_bytes("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n") == 431);
  CHECK(f.server->answer_bytes("GET /healthz HTTP/1.1\r\nHost:") == 0);  // not complete
  CHECK(f.link.submitted().empty());
  // fuzz_http_request's finding: a path that is not UTF-8, echoed in the 404's JSON, made dump()
  // throw out of the server.
  const std::string bad_path = "/assets/..%2f..%2fREAD" + std::string(60, '\xcd') + "ME.md";
  CHECK(f.server->answer_bytes("GET " + bad_path + " HTTP/1.1\r\nHost: x\r\n\r\n") == 404);
  CHECK(f.server->answer_bytes("GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n") == 404);
  // Its second: a date past 2262 overflowed the nanoseconds (undefined behaviour).
  const Reply far = get(f.port, "/api/v1/ledger/trades?from=2620-12-01&to=2026-12-04", kOperator);
  CHECK(far.status == 400);
  CHECK(far.json()["error"].get<std::string>().find("1970 to 2261") != std::string::npos);
  CHECK(get(f.port, "/api/v1/ledger/daily?day=1969-12-31").status == 400);
  const Reply replaced = get(f.port, "/api/v1/\xcd");
  CHECK(replaced.status == 404);
  CHECK(replaced.json()["error"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD
  CHECK(f.server->answer_bytes("POST /api/v1/actions/close-day HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                               "crix-sample-operator-token\r\nContent-Length: 2\r\n\r\n{}") == 200);
  CHECK(f.link.submitted().size() == 1);
}

TEST_CASE("console: bad requests and limits", "[http]") {
  const crix::test::ScratchDir dir("crix-http-web");
  std::filesystem::create_directories(dir.path() / "web" / "assets");
  std::ofstream(dir.path() / "web" / "index.html") << "<html>console</html>";
  std::ofstream(dir.path() / "web" / "assets" / "app.js") << "let x = 1;";
  std::ofstream(dir.path() / "secret.txt") << "TOP-SECRET-CONTENT";
  std::filesystem::create_symlink(dir.path() / "secret.txt", dir.path() / "web" / "assets" / "link.txt");
  std::filesystem::create_directory_symlink(dir.path(), dir.path() / "web" / "up");
  Fixture f((dir.path() / "web").string());

  // Static files: index, assets with their types; nothing outside, no listing.
  const Reply index = get(f.port, "/");
  CHECK(index.status == 200);
  CHECK(index.body == "<html>console</html>");
  CHECK(index.headers.at("Content-Type").rfind("text/html", 0) == 0);
  CHECK(index.headers.at("Content-Security-Policy") ==
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  CHECK(get(f.port, "/assets/app.js").headers.at("Content-Type").rfind("text/javascript", 0) == 0);
  for (const std::string t : {"/assets/link.txt", "/up/secret.txt", "/../secret.txt", "/%2e%2e/secret.txt",
                              "/assets/..%2f..%2fsecret.txt", "/assets/", "/assets", "/nothing.html"}) {
    INFO(t);
    const Reply r = get(f.port, t);
    CHECK(r.status == 404);
    CHECK(r.body.find("TOP-SECRET") == std::string::npos);
  }
  CHECK(raw(f.port, "GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(raw(f.port, "GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(get(f.port, "/api/v1/nothing").status == 404);

  // Malformed HTTP: 400, then the connection closes.
  const std::string garbage = raw(f.port, "GARBAGE\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(garbage.find("bad_request") != std::string::npos);
  // A header past 8 KiB, a body past 64 KiB.
  CHECK(raw(f.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n").rfind("HTTP/1.1 431", 0) == 0);
  const std::string big = raw(f.port, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" +
                                          std::string(70000, '{'));
  CHECK(big.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(big.find("too_large") != std::string::npos);
  // The server has answered 413 before the body arrives; it reads and drops the body rather than
  // resetting the connection, so the client's writes succeed and it reads the answer.
  const std::string late = raw(f.port, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n",
                               std::string(200000, '{'), std::chrono::milliseconds(300));
  CHECK(late.rfind("HTTP/1.1 413", 0) == 0);
  // Bad JSON.
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/login", "{\"user\":").status == 400);
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/login", "[1]").status == 400);

  // HEAD: the GET's status and headers, Content-Length included, and no body.
  const std::string head = raw(f.port, "HEAD /api/v1/instruments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  const std::size_t body_size = get(f.port, "/api/v1/instruments").body.size();
  REQUIRE(body_size > 0);
  CHECK(head.find("Content-Length: " + std::to_string(body_size) + "\r\n") != std::string::npos);
  CHECK(head.size() == head.find("\r\n\r\n") + 4);

  // Health.
  CHECK(get(f.port, "/healthz").json() == Json{{"ok", true}});
  CHECK(get(f.port, "/readyz").status == 200);
  f.link.set_accepting(false);
  CHECK(get(f.port, "/readyz").status == 503);
  CHECK(get(f.port, "/readyz").json() == Json{{"ready", false}});

  // Metrics: Prometheus text.
  const Reply metrics = get(f.port, "/metrics", kOperator);
  CHECK(metrics.headers.at("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  for (const std::string line :
       {"crix_orders_total 12\n", "crix_rejects_total{reason=\"price outside band\"} 2\n", "crix_trades_total 3\n",
        "crix_ack_latency_seconds_bucket{le=\"0.00001\"} 5\n", "crix_ack_latency_seconds_bucket{le=\"0.0001\"} 11\n",
        "crix_ack_latency_seconds_bucket{le=\"+Inf\"} 12\n", "crix_ack_latency_seconds_sum 0.0004\n",
        "crix_ack_latency_seconds_count 12\n", "crix_commit_seconds_count 2\n",
        "crix_queue_depth{queue=\"inbound\"} 0\n", "crix_sessions{state=\"logged_on\"} 1\n",
        "crix_book_levels{symbol=\"STEEL-IRON\",side=\"bid\"} 1\n", "crix_ledger_bytes 0\n", "crix_ws_clients 0\n", "crix_ws_dropped_total 0\n"}) {
    INFO(line);
    CHECK(metrics.body.find(line) != std::string::npos);
  }
  // Prometheus's own linter takes it, and the scrape configuration in docs/.
  crix::test::RunOptions lint;
  lint.input = metrics.body;
  const crix::test::RunResult linted = crix::test::run({CRIX_PROMTOOL, "check", "metrics"}, lint);
  INFO(linted.out << linted.err);
  CHECK(linted.exit_code == 0);
  CHECK(crix::test::run({CRIX_PROMTOOL, "check", "config", CRIX_DOCS "/prometheus.yml"}).exit_code == 0);

  // Connections: 32 per address; the 33rd gets 429 and is closed.
  {
    net::io_context ioc;
    std::vector<tcp::socket> held;
    for (int i = 0; i < 32; ++i) {
      held.emplace_back(ioc);
      held.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), f.port));
    }
    // Each held connection is served (a request on the last one answers), so all 32 are counted.
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/healthz", 11);
    req.set(bhttp::field::host, "x");
    bhttp::write(held.back(), req);
    beast::flat_buffer b;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(held.back(), b, res);
    CHECK(res.result_int() == 200);
    const std::string refused = raw(f.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(refused.rfind("HTTP/1.1 429", 0) == 0);
    CHECK(refused.find("too_many") != std::string::npos);
  }
  // Once they close, connections are accepted again.
  CHECK(eventually([&] {
    return raw(f.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0;
  }));

  // 256 in all: 32 from each of eight loopback addresses fill the console; the next, from a ninth
  // address with none open, gets 429 for the total; once one closes, that address is served.
  {
    net::io_context ioc;
    const auto from = [&](const std::string& local) {
      tcp::socket s(ioc);
      s.open(tcp::v4());
      s.bind(tcp::endpoint(net::ip::make_address(local), 0));
      s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), f.port));
      return s;
    };
    const auto ask = [](tcp::socket& s) {
      bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/healthz", 11);
      req.set(bhttp::field::host, "x");
      bhttp::write(s, req);
      beast::flat_buffer b;
      bhttp::response<bhttp::string_body> res;
      bhttp::read(s, b, res);
      return std::pair(res.result_int(), res.body());
    };
    std::vector<tcp::socket> held;
    for (int a = 2; a <= 9; ++a) {
      for (int i = 0; i < 32; ++i) held.push_back(from("127.0.0." + std::to_string(a)));
    }
    CHECK(ask(held.back()).first == 200);  // all 256 accepted and counted
    tcp::socket ninth = from("127.0.0.10");
    const auto [status, body] = ask(ninth);
    CHECK(status == 429);
    CHECK(body.find("at most 256 connections") != std::string::npos);
    held.front().close();
    CHECK(eventually([&] {
      tcp::socket again = from("127.0.0.10");
      return ask(again).first == 200;
    }));
  }
}

TEST_CASE("console: HTTPS with a certificate (requests on a kept connection, the live feed), plain HTTP only on loopback",
          "[http]") {
  const crix::test::ScratchDir dir("crix-http-tls");
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  const crix::test::RunResult made =
      crix::test::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"});
  REQUIRE(made.exit_code == 0);
  config::LoadResult market = sample();
  TestLink link(ledger_path());
  http::ServerOptions options;
  options.port = 0;
  options.market = *market.market;

  // Plain HTTP on another address: refused, saying how to configure TLS.
  options.host = "0.0.0.0";
  try {
    http::Server plain(link, market.console, options);
    FAIL("plain HTTP on 0.0.0.0 was accepted");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("tls_cert") != std::string::npos);
    CHECK(std::string(e.what()).find("tls_key") != std::string::npos);
  }

  config::Console console = market.console;
  console.tls_cert = cert;
  console.tls_key = key;
  options.host = "127.0.0.1";
  http::Server server(link, console, options);
  server.start();
  CHECK(server.tls());
  {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);  // a self-signed test certificate
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    stream.handshake(ssl::stream_base::client);
    CHECK(std::string(SSL_get_version(stream.native_handle())) >= "TLSv1.2");
    const Reply r = exchange(stream, bhttp::verb::post, "/api/v1/login",
                             Json{{"user", "miit"}, {"password", "miit-sample"}}.dump(), {});
    CHECK(r.status == 200);
    const std::string set_cookie = r.headers.at("Set-Cookie");
    CHECK(set_cookie.find("; Secure") != std::string::npos);
    // The connection is kept: a second request on it, with the session's cookie.
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    const Reply me = exchange(stream, bhttp::verb::get, "/api/v1/me", "", {{"Cookie", cookie}});
    CHECK(me.status == 200);
    CHECK(me.json()["role"] == "regulator");
  }
  {
    // The live feed over TLS: the snapshot, an update, and the closing handshake, which ends with the
    // server's TLS close; the server then unsubscribes.
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    ws.next_layer().handshake(ssl::stream_base::client);
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(bhttp::field::authorization, "Bearer crix-sample-operator-token");
    }));
    ws.handshake("127.0.0.1", "/api/v1/feed");
    beast::flat_buffer b;
    ws.read(b);
    CHECK(Json::parse(beast::buffers_to_string(b.data()))["type"] == "snapshot");
    REQUIRE(eventually([&] { return link.subscribers() == 1; }));
    link.publish({{42, "trade", Json{{"type", "trade"}, {"seq", 42}}.dump()}});
    b.clear();
    ws.read(b);
    CHECK(Json::parse(beast::buffers_to_string(b.data())) ==
          Json{{"type", "updates"}, {"events", Json::array({Json{{"type", "trade"}, {"seq", 42}}})}});
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
    CHECK((!ec || ec == ssl::error::stream_truncated));
    CHECK(eventually([&] { return link.subscribers() == 0; }));
  }
  {
    // TLS 1.1 is refused.
    net::io_context ioc;
    ssl::context ctx(ssl::context::tlsv11_client);
    ctx.set_verify_mode(ssl::verify_none);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    CHECK(ec);
  }
  // Plain HTTP to the HTTPS port gets no HTTP answer.
  CHECK(raw(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("console: the market file's [console] table", "[http][config]") {
  const config::LoadResult r = sample();
  CHECK(r.console.http_port == 8080);
  REQUIRE(r.console.users.size() == 2);
  CHECK(r.console.users[0].name == "ops");
  CHECK(r.console.users[0].role == config::ConsoleRole::kOperator);
  CHECK(gateway::password_matches(r.console.users[0].secret, "ops-sample"));
  CHECK(r.console.users[1].role == config::ConsoleRole::kRegulator);
  CHECK(gateway::password_matches(r.console.users[1].secret, "miit-sample"));
  REQUIRE(r.console.tokens.size() == 1);
  CHECK(gateway::token_matches(r.console.tokens[0].secret, "crix-sample-operator-token"));
  CHECK(r.console.tls_cert.empty());

  const crix::test::ScratchDir dir("crix-http-config");
  std::filesystem::copy(config::sample_market_path().parent_path(), dir.path(), std::filesystem::copy_options::recursive);
  const auto market = dir.path() / "market.toml";
  std::ifstream in(market);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  s.replace(s.find("# tls_cert = "), 2, "");
  s.replace(s.find("password = \"scrypt$"), 19, "password = \"plain-");
  s.replace(s.find("role = \"regulator\""), 18, "role = \"admin\"");
  std::ofstream(market) << s;
  const config::LoadResult bad = config::load_market(market);
  CHECK_FALSE(bad.market);
  std::string all;
  for (const auto& e : bad.errors) all += config::format(e) + "\n";
  INFO(all);
  CHECK(all.find("console.tls_cert: needs its partner") != std::string::npos);
  CHECK(all.find("console.users[0].password: must be scrypt$") != std::string::npos);
  CHECK(all.find("console.users[1].role: must be one of regulator, operator") != std::string::npos);
}

// The reviewer's findings against crixd's console (one TEST_CASE each), and their neighbours.

TEST_CASE("console: an action's whole-number field outside its range is a 400 naming the field and the range, "
          "never submitted", "[http]") {
  Fixture f;
  const engine::Market& m = *f.market.market;
  // Raw bodies: 2^64 and above are not an integer a JSON library writes.
  const auto post = [&](const std::string& verb, const std::string& body) {
    return request(f.port, bhttp::verb::post, "/api/v1/actions/" + verb, body, kOperator);
  };
  const std::size_t before = f.link.submitted().size();
  struct Bad {
    std::string verb, body, names;  // names: what the error must say
  };
  const std::string facility = m.facilities[0].id, project = m.projects[0].id;
  const std::string amend = R"({"facility":")" + facility + R"(","field":)";
  const std::string amend_project = R"({"project":")" + project + R"(","field":"new_capacity","value":)";
  const std::vector<Bad> bad = {
      {"revoke", R"({"trade":9223372036854775808})", "\"trade\" must be a whole number from 1 to 9223372036854775807"},
      {"revoke", R"({"trade":18446744073709551615})", "1 to 9223372036854775807"},
      {"revoke", R"({"trade":18446744073709551616})", "1 to 9223372036854775807"},
      {"revoke", R"({"trade":-1})", "not -1"},
      {"revoke", R"({"trade":0})", "not 0"},
      {"revoke", R"({"trade":1.5})", "not 1.5"},
      {"revoke", R"({"trade":"17"})", "\"trade\""},
      {"revoke", R"({})", "revoke needs \"trade\""},
      {"elimination-status", R"({"trade":9223372036854775808,"status":"shut"})", "1 to 9223372036854775807"},
      {"amend-facility", amend + R"("capacity","value":0})", "\"value\" must be a whole number from 1 to 10000000000"},
      {"amend-facility", amend + R"("capacity","value":9223372036854775808})", "1 to 10000000000"},
      {"amend-facility", amend + R"("capacity","value":true})", "1 to 10000000000"},
      {"amend-facility", amend + R"("idle_years","value":1001})", "0 to 1000"},
      {"amend-project", amend_project + "10000000001}", "1 to 10000000000"},
      {"amend-project", amend_project + "18446744073709551616}", "1 to 10000000000"},
  };
  for (const Bad& b : bad) {
    INFO(b.verb << " " << b.body);
    const Reply r = post(b.verb, b.body);
    CHECK(r.status == 400);
    CHECK(r.json()["code"] == "bad_request");
    CHECK(r.json()["error"].get<std::string>().find(b.names) != std::string::npos);
  }
  CHECK(f.link.submitted().size() == before);
  // The ends of the range are taken.
  REQUIRE(post("revoke", R"({"trade":9223372036854775807})").status == 200);
  CHECK(f.link.submitted().back().first.id.v == 9223372036854775807u);
  REQUIRE(post("amend-facility", amend + R"("capacity","value":10000000000})").status == 200);
  CHECK(f.link.submitted().back().first.qty.v == 10'000'000'000);
}

TEST_CASE("console: a token or session that matches nothing is a 401 saying so on every endpoint, never the public view",
          "[http]") {
  Fixture f;
  const std::vector<std::string> endpoints = {"/healthz", "/readyz", "/api/v1/me", "/api/v1/instruments", "/api/v1/auctions",
                                              "/api/v1/ledger/elimination", "/api/v1/ledger/daily", "/api/v1/status",
                                              "/api/v1/feed"};
  struct Presented {
    Headers headers;
    std::string says;
  };
  const std::vector<Presented> presented = {
      {{{"Authorization", "Bearer wrong"}}, "the bearer token given is not valid"},
      {{{"Authorization", "bearer wrong"}}, "the bearer token given is not valid"},
      {{{"Authorization", "Bearer "}}, "no token given"},
      {{{"Authorization", "Basic b3BzOm9wcy1zYW1wbGU="}}, "not a bearer token"},
      {{{"Cookie", "crix_session=" + std::string(64, 'a')}}, "the session is not valid"},
  };
  for (const std::string& e : endpoints) {
    for (const Presented& p : presented) {
      INFO(e << " with " << p.headers[0].first << ": " << p.headers[0].second);
      const Reply r = get(f.port, e, p.headers);
      CHECK(r.status == 401);
      CHECK(r.json()["code"] == "unauthorized");
      CHECK(r.json()["error"].get<std::string>().find(p.says) != std::string::npos);
    }
  }
  // A session's 401 clears the cookie, so that a browser's next request is the public's.
  const Reply stale = get(f.port, "/api/v1/me", {{"Cookie", "crix_session=" + std::string(64, 'a')}});
  CHECK(stale.headers.at("Set-Cookie").find("Max-Age=0") != std::string::npos);
  // No credentials at all: the public view; a staff endpoint says none was given.
  CHECK(get(f.port, "/api/v1/me").json() == Json{{"user", nullptr}, {"role", "public"}});
  const Reply none = get(f.port, "/api/v1/status");
  CHECK(none.status == 401);
  CHECK(none.json()["error"].get<std::string>().find("no token or session was given") != std::string::npos);
  // A stale cookie does not stop a new login, and actions with a wrong token submit nothing.
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/login", Json{{"user", "ops"}, {"password", "ops-sample"}}.dump(),
                {{"Cookie", "crix_session=" + std::string(64, 'a')}})
            .status == 200);
  const std::size_t before = f.link.submitted().size();
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/close-day", "{}", {{"Authorization", "Bearer wrong"}}).status ==
        401);
  CHECK(f.link.submitted().size() == before);
}

TEST_CASE("console: a parameter an endpoint does not take, or a bad format, is a 400 naming it, and formats and Accept "
          "are read case-insensitively with q-values", "[http]") {
  Fixture f;
  struct Bad {
    std::string target, says;
  };
  const std::vector<Bad> bad = {
      {"/api/v1/ledger/trades?bogus=1", "/api/v1/ledger/trades takes no parameter 'bogus'; it takes participant, facility"},
      {"/api/v1/ledger/trades?partcipant=TJ-RONGCHENG", "no parameter 'partcipant'"},
      {"/api/v1/ledger/elimination?day=2026-12-01", "no parameter 'day'"},
      {"/api/v1/ledger/facilities/TJ-BF-410?participant=x", "it takes after, limit, format"},
      {"/api/v1/ledger/regions?limit=5", "it takes format"},
      {"/api/v1/ledger/daily?after=5", "it takes day, format"},
      {"/api/v1/ledger/verify?format=csv", "it takes none"},
      {"/api/v1/instruments?symbol=STEEL-IRON", "/api/v1/instruments takes no parameter 'symbol': it takes none"},
      {"/api/v1/book/STEEL-IRON?depht=5", "it takes depth, orders"},
      {"/api/v1/book/STEEL-IRON?orders=yes", "orders 'yes' is neither 0 nor 1"},
      {"/api/v1/trades/recent?limt=5", "it takes limit"},
      {"/api/v1/status?x", "no parameter 'x'"},
      {"/healthz?verbose=1", "no parameter 'verbose'"},
      {"/api/v1/ledger/trades?format=xml", "format 'xml' is none of json, csv"},
      {"/api/v1/ledger/trades?limit=1&limit=2", "parameter 'limit' is given more than once"},
  };
  for (const Bad& b : bad) {
    INFO(b.target);
    const Reply r = get(f.port, b.target, kOperator);
    CHECK(r.status == 400);
    CHECK(r.json()["error"].get<std::string>().find(b.says) != std::string::npos);
  }
  CHECK(request(f.port, bhttp::verb::post, "/api/v1/actions/close-day?now=1", "{}", kOperator).status == 400);
  // format and Accept: any case; the highest q-value of text/csv and application/json (a tie: the first).
  const auto type = [&](const std::string& target, const Headers& more) {
    Headers h = kOperator;
    h.insert(h.end(), more.begin(), more.end());
    const Reply r = get(f.port, target, h);
    CHECK(r.status == 200);
    return r.headers.at("Content-Type").substr(0, r.headers.at("Content-Type").find(';'));
  };
  const std::string trades = "/api/v1/ledger/trades?limit=5";
  CHECK(type(trades + "&format=CSV", {}) == "text/csv");
  CHECK(type(trades + "&format=Json", {{"Accept", "text/csv"}}) == "application/json");
  CHECK(type(trades, {{"Accept", "TEXT/CSV"}}) == "text/csv");
  CHECK(type(trades, {{"Accept", "application/json, text/csv;q=0.5"}}) == "application/json");
  CHECK(type(trades, {{"Accept", "application/json;q=0.5, text/csv"}}) == "text/csv");
  CHECK(type(trades, {{"Accept", "text/csv;q=0.9, application/json;Q=0.95"}}) == "application/json");
  CHECK(type(trades, {{"Accept", "text/csv;q=0, */*"}}) == "application/json");
  CHECK(type(trades, {{"Accept", "application/json, text/csv"}}) == "application/json");
  CHECK(type(trades, {{"Accept", "text/csv, application/json"}}) == "text/csv");
  CHECK(type(trades, {{"Accept", "*/*"}}) == "application/json");
}

TEST_CASE("console: a ledger list's to is inclusive and from/to take crix ledger's time forms: the rows of "
          "crix ledger trades --from --to", "[http]") {
  Fixture f;
  const ledger::Reader reader(ledger_path());
  const std::vector<ledger::Trade> all = reader.trades(ledger::Page{engine::TradeId{}, 1'000'000});
  REQUIRE(!all.empty());
  const ledger::Trade& t = all[all.size() / 2];
  // The trade's own nanosecond, as from and to: that trade is among the rows.
  const std::string ns = std::to_string(t.ts.v);
  const Json exact = get(f.port, "/api/v1/ledger/trades?from=" + ns + "&to=" + ns, kOperator).json()["items"];
  REQUIRE(!exact.empty());
  CHECK(std::any_of(exact.begin(), exact.end(), [&](const Json& row) { return row["trade"] == t.id.v; }));
  const std::string text = ledger::time_text(t.ts, reader.meta().utc_offset_minutes);  // "2026-12-01 09:31:08.220+08:00"
  for (const Json& row : exact) CHECK(row["time"] == text);
  // Its local minute, "YYYY-MM-DDTHH:MM", and its day: the same rows as the CLI's, which take in the minute.
  const std::string minute = text.substr(0, 10) + "T" + text.substr(11, 5);
  for (const std::string& at : {minute, text.substr(0, 10)}) {
    INFO(at);
    const Reply api = get(f.port, "/api/v1/ledger/trades?format=csv&from=" + at + "&to=" + at, kOperator);
    REQUIRE(api.status == 200);
    const crix::test::RunResult cli =
        crix::test::run({CRIX_BIN, "ledger", "trades", ledger_path(), "--from", at, "--to", at, "--csv"});
    REQUIRE(cli.exit_code == 0);
    CHECK(api.body == cli.out);
    CHECK(api.body.find("\r\n" + std::to_string(t.id.v) + ",") != std::string::npos);
  }
  const Reply bad = get(f.port, "/api/v1/ledger/trades?from=2026-12-01T9:30", kOperator);
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"].get<std::string>().find("from '2026-12-01T9:30' is not a local time") == 0);
}

TEST_CASE("console: not_ready is \"\" when ready, and absent values are null (an order resting since before the start)",
          "[http]") {
  Fixture f;
  const Json status = get(f.port, "/api/v1/status", kOperator).json();
  CHECK(status["not_ready"] == "");
  const Json orders = get(f.port, "/api/v1/book/STEEL-IRON?orders=1", kOperator).json()["orders"];
  REQUIRE(orders.size() == 2);
  CHECK(orders[0]["entered"] == 1);
  CHECK(orders[1]["entered"].is_null());
  CHECK(orders[1]["entered_text"].is_null());
}

TEST_CASE("console: the status's accepting is true only when an order would be accepted now: crixd ready and the "
          "session in continuous trading (ready is /readyz's)",
          "[http]") {
  Fixture f;
  const auto status = [&] { return get(f.port, "/api/v1/status", kOperator).json(); };
  f.link.set_phase("continuous trading");
  CHECK(status()["accepting"] == true);
  CHECK(status()["ready"] == true);
  // After the day's close: ready, but no order is accepted (the console said "accepting: yes" beside
  // "phase: closed").
  f.link.set_phase("closed");
  CHECK(status()["accepting"] == false);
  CHECK(status()["ready"] == true);
  CHECK(get(f.port, "/readyz").status == 200);
  f.link.set_phase("continuous trading");
  f.link.set_accepting(false);
  CHECK(status()["accepting"] == false);
  CHECK(status()["ready"] == false);
  CHECK(get(f.port, "/readyz").status == 503);
}

TEST_CASE("console: a flag's bad value says true or false", "[http]") {
  Fixture f;
  const std::string facility = f.market.market->facilities[0].id;
  for (const Json& v : {Json("yes"), Json(1), Json(nullptr)}) {
    const Reply r = request(f.port, bhttp::verb::post, "/api/v1/actions/amend-facility",
                            Json{{"facility", facility}, {"field", "court_seized"}, {"value", v}}.dump(), kOperator);
    CHECK(r.status == 400);
    CHECK(r.json()["error"].get<std::string>().find("\"value\" of court_seized must be true or false") != std::string::npos);
  }
}

TEST_CASE("console: industry= takes the names the views print as well as the market file's", "[http]") {
  Fixture f;
  for (const std::string list : {"trades", "elimination"}) {
    for (const auto& [key, printed] : {std::pair{"cement", "cement%20clinker"}, std::pair{"glass", "flat+glass"},
                                       std::pair{"aluminium", "electrolytic%20aluminium"}, std::pair{"steel", "steel"}}) {
      INFO(list << " " << key << " / " << printed);
      const Reply a = get(f.port, "/api/v1/ledger/" + list + "?industry=" + key, kOperator);
      const Reply b = get(f.port, "/api/v1/ledger/" + list + "?industry=" + printed, kOperator);
      CHECK(a.status == 200);
      CHECK(b.status == 200);
      CHECK(a.body == b.body);
    }
  }
  const Reply bad = get(f.port, "/api/v1/ledger/trades?industry=copper", kOperator);
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"] == "industry 'copper' is none of steel, cement (cement clinker), glass (flat glass), "
                               "aluminium (electrolytic aluminium)");
}
