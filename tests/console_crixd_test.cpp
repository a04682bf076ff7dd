// The console's API against a real crixd (issue 12): crixd with --http on loopback, orders through the
// real `crix order` (FIX), the API through a Beast client (tests/support/http_client.hpp). Every endpoint
// of docs/API.md for every role; the ledger's JSON and CSV over HTTP against `crix ledger` run as a
// process on the same, live ledger; the WebSocket feed of a viewer against a fresh snapshot after a burst
// of FIX orders (tests/support FixClient).
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/feed_rows.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

namespace bhttp = boost::beast::http;
using Json = nlohmann::json;
using crix::test::Headers;
using crix::test::Reply;
using crix::test::RunResult;

const std::string kSeller = "HB-TANGSHAN-IRON";  // facility HB-BF-450, Hebei
const std::string kBuyer = "TJ-BOHAI-STEEL";     // project TJ-NEW-BF-2500, Tianjin

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// crixd on the sample market open all day, a fresh ledger, its FIX and console ports.
class Exchange {
 public:
  explicit Exchange(const std::string& crixd = CRIXD_BIN) {
    crixd_ = std::make_unique<crix::test::CrixdProcess>(
        crixd, dir_, market_, ledger(), port_, "os",
        std::vector<std::string>{"--http", "127.0.0.1:" + std::to_string(http_port_)});
    REQUIRE(crixd_->listening(port_));
    REQUIRE(eventually([&] { return crix::test::can_connect(http_port_); }));
  }
  ~Exchange() { crixd_->stop(SIGTERM); }

  // Stops crixd and starts it again on the same ledger and ports: it replays the journal.
  void restart() {
    REQUIRE(crixd_->stop(SIGTERM) == 0);
    crixd_ = std::make_unique<crix::test::CrixdProcess>(
        CRIXD_BIN, dir_, market_, ledger(), port_, "os",
        std::vector<std::string>{"--http", "127.0.0.1:" + std::to_string(http_port_)});
    REQUIRE(crixd_->listening(port_));
    REQUIRE(eventually([&] { return crix::test::can_connect(http_port_); }));
  }

  // `crix order` as `who` (password demo-<who in lower case>).
  RunResult order(const std::string& who, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CRIX_BIN, "order", "--as", who, "--port", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string password = "demo-" + who;
    for (char& c : password) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    crix::test::RunOptions options;
    options.env = {"XDG_STATE_HOME=" + dir_.file("state"), "CRIX_PASSWORD=" + password};
    RunResult r = crix::test::run(argv, options);
    UNSCOPED_INFO("crix order " << who << " -> " << r.exit_code << "\n" << r.out << r.err);
    return r;
  }

  // `crix ledger <args...>` on this crixd's ledger, while crixd runs.
  RunResult ledger_cli(std::vector<std::string> args) {
    args.insert(args.begin() + 1, ledger());
    args.insert(args.begin(), {CRIX_BIN, "ledger"});
    RunResult r = crix::test::run(args);
    UNSCOPED_INFO("crix ledger ... -> " << r.exit_code << "\n" << r.err);
    return r;
  }

  std::string ledger() const { return dir_.file("crix.ledger"); }
  std::uint16_t http() const { return http_port_; }
  std::uint16_t fix() const { return port_; }
  double cpu_seconds() const { return crixd_->cpu_seconds(); }

 private:
  crix::test::ScratchDir dir_{"console-crixd"};
  std::string market_ = crix::test::all_day_market(dir_);
  std::uint16_t port_ = crix::test::free_port();
  std::uint16_t http_port_ = crix::test::free_port();
  std::unique_ptr<crix::test::CrixdProcess> crixd_;
};

// Two trades of STEEL-IRON between kSeller's facility and kBuyer's project, and an order left resting.
void trade(Exchange& x) {
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "1000", "580.00", "--tif", "gtc", "--id", "s-1"}).exit_code == 0);
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "600", "580.00", "--id", "b-1"}).exit_code == 0);
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "400", "580.00", "--id", "b-2"}).exit_code == 0);
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "500", "590.00", "--tif", "gtc", "--id", "s-2"}).exit_code == 0);
}

enum class Role { kPublic, kRegulator, kOperator };

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;

// A viewer of /api/v1/feed with the operator's token: every message kept, read on a thread of its own.
class Viewer {
 public:
  explicit Viewer(std::uint16_t port) : ws_(ioc_) {
    boost::beast::get_lowest_layer(ws_).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(bhttp::field::authorization, "Bearer crix-sample-operator-token");
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    ws_.handshake("127.0.0.1", "/api/v1/feed");
    thread_ = std::thread([this] { read(); });
  }
  ~Viewer() {
    boost::beast::error_code ec;
    boost::beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Json> messages() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 private:
  void read() {
    for (;;) {
      boost::beast::flat_buffer b;
      boost::beast::error_code ec;
      ws_.read(b, ec);
      if (ec) return;
      const std::lock_guard<std::mutex> lock(mutex_);
      // After the snapshot, messages {"type":"updates","events":[...]}: kept one update at a time, a
      // trade row as an object named by the snapshot's trade_fields.
      Json m = Json::parse(boost::beast::buffers_to_string(b.data()));
      if (m.at("type") == "updates") {
        for (const Json& e : m.at("events")) messages_.push_back(crix::test::feed_object(e, trade_fields_));
      } else {
        trade_fields_ = m.at("trade_fields");
        for (Json& t : m.at("trades")) t = crix::test::feed_object(t, trade_fields_);
        messages_.push_back(std::move(m));
      }
    }
  }

  net::io_context ioc_;
  websocket::stream<boost::beast::tcp_stream> ws_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Json> messages_;
  Json trade_fields_;
};

// What a viewer holds: the snapshot's books, trades, instruments, participants and sessions, with the
// updates applied (docs/API.md, Live).
struct Market {
  std::uint64_t seq = 0;
  std::map<std::string, std::map<std::int64_t, Json>> bids, asks;  // symbol -> price -> level
  std::vector<Json> trades;
  std::map<std::string, Json> instruments, participants;  // by symbol, by id
  std::map<std::string, bool> logged_on;                   // sessions: the rest are counters that run on

  explicit Market(const Json& s) {
    seq = s.at("seq");
    for (const auto& [symbol, book] : s.at("books").items()) {
      bids[symbol];
      asks[symbol];
      for (const Json& l : book.at("bids")) bids[symbol][l.at("price").get<std::int64_t>()] = l;
      for (const Json& l : book.at("asks")) asks[symbol][l.at("price").get<std::int64_t>()] = l;
    }
    for (Json t : s.at("trades")) {
      t.erase("type");
      trades.push_back(t);
    }
    for (const Json& i : s.at("instruments")) instruments[i.at("symbol")] = i;
    for (const Json& p : s.at("participants")) participants[p.at("id")] = p;
    for (const Json& x : s.at("sessions")) logged_on[x.at("participant")] = x.at("logged_on");
  }

  void apply(Json e) {
    const std::string type = e.at("type");
    e.erase("type");
    if (type == "book") {
      const std::string symbol = e.at("symbol");
      for (const auto& [side, book] : {std::pair{"bids", &bids}, std::pair{"asks", &asks}}) {
        for (const Json& l : e.at(side)) {
          if (l.at("qty").get<std::int64_t>() == 0) {
            (*book)[symbol].erase(l.at("price").get<std::int64_t>());
          } else {
            (*book)[symbol][l.at("price").get<std::int64_t>()] = l;
          }
        }
      }
    } else if (type == "trade") {
      trades.push_back(e);
    } else if (type == "revocation") {
      for (Json& t : trades) {
        if (t.at("id") == e.at("trade")) t["revoked"] = true;
      }
    } else if (type == "instrument") {
      e.erase("seq");
      instruments[e.at("symbol")] = e;
    } else if (type == "participant") {
      e.erase("seq");
      participants[e.at("id")] = e;
    } else if (type == "session") {
      logged_on[e.at("participant")] = e.at("logged_on");
    }
  }
};

crix::fix::OrderRequest order(const std::string& cl, char side, std::int64_t price, std::int64_t qty) {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kNew;
  r.cl_ord_id = cl;
  r.symbol = "STEEL-IRON";
  r.account = side == '2' ? "HB-BF-450" : "TJ-NEW-BF-2500";
  r.side = side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = qty;
  r.price = price;
  return r;
}

std::string id(char prefix, int i) {
  std::string s(1, prefix);
  s += std::to_string(i);
  return s;
}

}  // namespace

TEST_CASE("console on a real crixd: every endpoint answers each role as docs/API.md says, cookie and bearer",
          "[console][process]") {
  Exchange x;
  trade(x);
  const std::uint16_t port = x.http();
  const std::string regulator = crix::test::login(port, "miit", "miit-sample");
  const std::string op = crix::test::login(port, "ops", "ops-sample");
  REQUIRE(!regulator.empty());
  REQUIRE(!op.empty());
  CHECK(crix::test::login(port, "miit", "wrong").empty());

  // One line an endpoint: method, target, body, the least role that may call it.
  struct Endpoint {
    bhttp::verb verb;
    std::string target;
    Role least;
    std::string body = "";
  };
  const std::string halt = Json{{"symbol", "STEEL-IRON"}, {"reason", "api test"}}.dump();
  const std::string resume = Json{{"symbol", "STEEL-IRON"}}.dump();
  const std::vector<Endpoint> endpoints = {
      {bhttp::verb::get, "/healthz", Role::kPublic},
      {bhttp::verb::get, "/readyz", Role::kPublic},
      {bhttp::verb::get, "/metrics", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/me", Role::kPublic},
      {bhttp::verb::get, "/api/v1/status", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/instruments", Role::kPublic},
      {bhttp::verb::get, "/api/v1/book/STEEL-IRON?depth=5", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/book/STEEL-IRON?orders=1", Role::kOperator},
      {bhttp::verb::get, "/api/v1/trades/recent?limit=5", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/sessions", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/participants", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/trades", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/trades?format=csv", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/facilities/HB-BF-450", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/projects/TJ-NEW-BF-2500", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/elimination", Role::kPublic},
      {bhttp::verb::get, "/api/v1/ledger/regions", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/daily", Role::kPublic},
      {bhttp::verb::get, "/api/v1/ledger/report", Role::kPublic},
      {bhttp::verb::get, "/api/v1/ledger/verify", Role::kRegulator},
      {bhttp::verb::get, "/api/v1/ledger/operator-actions", Role::kRegulator},
      {bhttp::verb::post, "/api/v1/actions/halt", Role::kOperator, halt},
      {bhttp::verb::post, "/api/v1/actions/resume", Role::kOperator, resume},
  };
  struct Caller {
    Role role;
    std::string name;
    Headers headers;
  };
  const std::vector<Caller> callers = {{Role::kPublic, "public", {}},
                                       {Role::kRegulator, "regulator (cookie)", {{"Cookie", regulator}}},
                                       {Role::kOperator, "operator (cookie)", {{"Cookie", op}}},
                                       {Role::kOperator, "operator (bearer)", crix::test::kOperatorToken}};
  for (const Endpoint& e : endpoints) {
    for (const Caller& c : callers) {
      INFO(bhttp::to_string(e.verb) << " " << e.target << " as " << c.name);
      const Reply r = crix::test::request(port, e.verb, e.target, e.body, c.headers);
      INFO(r.status << " " << r.body.substr(0, 300));
      if (c.role >= e.least) {
        // The operator's second halt (or resume) reaches the exchange, which may refuse it as a no-op.
        const bool action = e.verb == bhttp::verb::post;
        CHECK((r.status == 200 || (action && c.name == "operator (bearer)" && r.status == 422)));
      } else if (c.role == Role::kPublic) {
        REQUIRE(r.status == 401);
        CHECK(r.json()["code"] == "unauthorized");
        CHECK(r.json()["error"].get<std::string>().find(e.least == Role::kOperator ? "operator" : "regulator") !=
              std::string::npos);
      } else {
        REQUIRE(r.status == 403);
        CHECK(r.json()["code"] == "forbidden");
        CHECK(r.json()["error"].get<std::string>().find("the operator role") != std::string::npos);
      }
    }
  }
  // What the operators did is in the audit trail under their names; the regulator's tries are not.
  const Json actions = crix::test::get(port, "/api/v1/ledger/operator-actions", crix::test::kOperatorToken).json();
  std::vector<std::string> who;
  for (const Json& a : actions["items"]) who.push_back(a["operator"].get<std::string>() + " " + a["command"].get<std::string>());
  INFO(actions.dump(1));
  CHECK(who == std::vector<std::string>{"ops halt", "ops-script halt", "ops resume", "ops-script resume"});

  // Each instrument names the unit its quantities are counted in (the console labels them with it).
  const Json instruments = crix::test::get(port, "/api/v1/instruments").json();
  REQUIRE(instruments["items"].size() == 5);
  for (const Json& i : instruments["items"]) {
    INFO(i.dump());
    CHECK(i["unit"] == (i["symbol"] == "GLASS-FLAT" ? "weight box" : "t"));
  }
}

TEST_CASE("console on a real crixd: each ledger query's JSON and CSV over HTTP equal crix ledger's on the live ledger",
          "[console][process]") {
  Exchange x;
  trade(x);
  const std::uint16_t port = x.http();
  const std::string regulator = crix::test::login(port, "miit", "miit-sample");
  REQUIRE(!regulator.empty());
  const Headers as_regulator = {{"Cookie", regulator}};
  // The API's target and `crix ledger`'s arguments (after LEDGER) for one query; paged lists answer
  // {"items": [...]} where crix ledger prints the array.
  struct Query {
    std::string target;
    std::vector<std::string> args;
    bool paged;
  };
  const std::vector<Query> queries = {
      {"/api/v1/ledger/trades", {"trades"}, true},
      {"/api/v1/ledger/trades?participant=" + kSeller, {"trades", "--participant", kSeller}, true},
      {"/api/v1/ledger/trades?facility=HB-BF-450", {"trades", "--facility", "HB-BF-450"}, true},
      {"/api/v1/ledger/trades?industry=steel", {"trades", "--industry", "steel"}, true},
      {"/api/v1/ledger/facilities/HB-BF-450", {"facility", "HB-BF-450"}, false},
      {"/api/v1/ledger/projects/TJ-NEW-BF-2500", {"project", "TJ-NEW-BF-2500"}, false},
      {"/api/v1/ledger/elimination", {"elimination"}, true},
      {"/api/v1/ledger/regions", {"regions"}, false},
      {"/api/v1/ledger/daily", {"daily"}, true},
      {"/api/v1/ledger/report", {"report"}, true},
  };
  for (const Query& q : queries) {
    INFO(q.target);
    const auto with = [&](std::string flag) {
      std::vector<std::string> a = q.args;
      a.push_back(std::move(flag));
      return a;
    };
    const Reply json = crix::test::get(port, q.target, as_regulator);
    REQUIRE(json.status == 200);
    const RunResult cli_json = x.ledger_cli(with("--json"));
    REQUIRE(cli_json.exit_code == 0);
    Json http_rows = q.paged ? json.json()["items"] : json.json();
    if (!q.paged) {
      // A facility's history and a project's progress are pages of their trades: the cursor is beside
      // the sections (crix ledger prints every trade by default, and there are fewer than a page here).
      http_rows.erase("next_after");
      http_rows.erase("more");
    }
    CHECK(http_rows == Json::parse(cli_json.out));
    if (q.paged) {
      CHECK(!http_rows.empty());  // the trades made above are in every list but the elimination list
    }
    const Reply csv = crix::test::get(port, q.target, {{"Cookie", regulator}, {"Accept", "text/csv"}});
    REQUIRE(csv.status == 200);
    const RunResult cli_csv = x.ledger_cli(with("--csv"));
    REQUIRE(cli_csv.exit_code == 0);
    CHECK(csv.body == cli_csv.out);
  }
  // The trades are those made: two fills of the resting sell, at 580.00.
  const Reply listed = crix::test::get(port, "/api/v1/ledger/trades", as_regulator);
  const Json trades = listed.json()["items"];
  REQUIRE(trades.size() == 2);
  CHECK(trades[0]["qty_t"] == 600);
  CHECK(trades[1]["qty_t"] == 400);
  CHECK(listed.body.find("\"price_yuan\": 580.00,") != std::string::npos);
}

TEST_CASE("console on a real crixd: a viewer's snapshot plus its updates equals a fresh snapshot after a burst of "
          "FIX orders",
          "[console][process][feed]") {
  Exchange x;
  Viewer viewer(x.http());
  REQUIRE(eventually([&] { return !viewer.messages().empty(); }));
  crix::test::FixClient seller(x.fix(), kSeller, "demo-hb-tangshan-iron");
  crix::test::FixClient buyer(x.fix(), kBuyer, "demo-tj-bohai-steel");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));

  // Prices around 580.00 on both sides: some cross and trade, wholly or partly, some rest; then every
  // tenth sell is canceled (or refused, when it had traded away).
  constexpr int kOrders = 150;
  for (int i = 0; i < kOrders; ++i) {
    REQUIRE(seller.fix().send(order(id('s', i), '2', 57500 + (i * 37 % 11) * 100, 3 + i % 4 * 3)));
    REQUIRE(buyer.fix().send(order(id('b', i), '1', 57500 + (i * 53 % 11) * 100, 3 + i % 3 * 3)));
  }
  const auto answered = [](crix::test::FixClient& c, char prefix) {
    return c.wait([&] {
      for (int i = 0; i < kOrders; ++i) {
        if (!c.has(id(prefix, i), '0') && !c.has(id(prefix, i), '8')) return false;
      }
      return true;
    });
  };
  REQUIRE(answered(seller, 's'));
  REQUIRE(answered(buyer, 'b'));
  for (int i = 0; i < kOrders; i += 10) {
    const crix::fix::OrderRequest cancel = crix::test::cancel_request(id('c', i), id('s', i));
    REQUIRE(seller.fix().send(cancel));
  }
  REQUIRE(seller.wait([&] {
    for (int i = 0; i < kOrders; i += 10) {
      const std::string name = id('c', i);
      const bool refused = std::any_of(seller.cancel_rejects.begin(), seller.cancel_rejects.end(),
                                       [&](const crix::fix::CancelReject& r) { return r.cl_ord_id == name; });
      if (!refused && !seller.has(name, '4')) return false;
    }
    return true;
  }));

  // A fresh viewer's snapshot; the first viewer has had every update up to its seq.
  Viewer fresh_viewer(x.http());
  REQUIRE(eventually([&] { return !fresh_viewer.messages().empty(); }));
  const Json fresh_snapshot = fresh_viewer.messages().front();
  REQUIRE(fresh_snapshot.at("type") == "snapshot");
  const Market fresh(fresh_snapshot);
  REQUIRE(eventually([&] {
    const auto m = viewer.messages();
    return m.back().at("seq").get<std::uint64_t>() >= fresh.seq;
  }));
  const std::vector<Json> messages = viewer.messages();
  REQUIRE(messages.front().at("type") == "snapshot");
  Market held(messages.front());
  std::uint64_t last = held.seq;
  std::size_t books = 0, trades = 0, canceled = 0;
  for (std::size_t i = 1; i < messages.size(); ++i) {
    const std::uint64_t seq = messages[i].at("seq");
    CHECK(seq >= last);  // never decreasing
    last = seq;
    if (seq > fresh.seq) break;
    books += messages[i].at("type") == "book";
    trades += messages[i].at("type") == "trade";
    held.apply(messages[i]);
  }
  for (int i = 0; i < kOrders; i += 10) canceled += seller.has(id('c', i), '4') ? 1 : 0;
  CHECK(books > 0);
  CHECK(trades > 0);
  CHECK(canceled > 0);
  CHECK(fresh.seq > held.seq);
  CHECK(held.bids == fresh.bids);
  CHECK(held.asks == fresh.asks);
  CHECK(!fresh.bids.at("STEEL-IRON").empty());  // some rest
  CHECK(held.trades == fresh.trades);
  CHECK(held.instruments == fresh.instruments);
  // Participants with their open orders (once sent only with a session's update, so they lagged:
  // 2 held against 45 fresh).
  CHECK(held.participants == fresh.participants);
  CHECK(held.logged_on == fresh.logged_on);
  CHECK(fresh.logged_on.at(kSeller));
  seller.stop();
  buyer.stop();
}

namespace {

// The value of the unlabelled sample `name` in crixd's /metrics.
std::uint64_t metric(std::uint16_t http_port, const std::string& name) {
  const Reply r = crix::test::get(http_port, "/metrics", crix::test::kOperatorToken);
  REQUIRE(r.status == 200);
  const std::size_t at = r.body.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoull(r.body.substr(at + name.size() + 2));
}

// A feed client that reads its snapshot and then nothing, until read_to_close(): its receive buffer is
// small, so its socket fills after a few updates and crixd's writes to it stop.
class StuckViewer {
 public:
  explicit StuckViewer(std::uint16_t port) : ws_(ioc_) {
    auto& socket = boost::beast::get_lowest_layer(ws_).socket();
    socket.open(net::ip::tcp::v4());
    socket.set_option(net::socket_base::receive_buffer_size(4096));
    socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(bhttp::field::authorization, "Bearer crix-sample-operator-token");
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    ws_.handshake("127.0.0.1", "/api/v1/feed");
    boost::beast::flat_buffer b;
    ws_.read(b);
    snapshot_ = Json::parse(boost::beast::buffers_to_string(b.data()));
  }
  const Json& snapshot() const { return snapshot_; }
  // Bytes the kernel holds for it unread.
  std::size_t unread() { return boost::beast::get_lowest_layer(ws_).socket().available(); }
  // Reads what was sent and the close; false when the connection did not end within `timeout`.
  bool read_to_close(std::chrono::seconds timeout) {
    bool ended = false;
    std::function<void()> next = [&] {
      ws_.async_read(buffer_, [&](boost::beast::error_code ec, std::size_t) {
        if (ec) {
          ended = true;
          return;
        }
        buffer_.consume(buffer_.size());
        next();
      });
    };
    next();
    ioc_.run_for(timeout);
    return ended;
  }
  websocket::close_reason reason() const { return ws_.reason(); }

 private:
  net::io_context ioc_;
  websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  Json snapshot_;
};

}  // namespace

TEST_CASE("console on a real crixd: a slow WebSocket reader is dropped without slowing FIX acks",
          "[console][process][feed]") {
  Exchange x;
  StuckViewer slow(x.http());
  REQUIRE(slow.snapshot().at("type") == "snapshot");
  Viewer normal(x.http());
  REQUIRE(eventually([&] { return !normal.messages().empty(); }));
  crix::test::FixClient seller(x.fix(), kSeller, "demo-hb-tangshan-iron");
  crix::test::FixClient buyer(x.fix(), kBuyer, "demo-tj-bohai-steel");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));

  // Rounds of crossing pairs at 580.00, each acknowledged before the next, until crixd drops the slow
  // reader: it does once 10,000 updates (or 4 MB) wait for it beyond what the kernel holds for the
  // socket (its send buffer grows to net.ipv4.tcp_wmem's maximum, 4 MiB on Debian 12): some 14,000 pairs.
  constexpr int kPairs = 50;
  int round = 0, rounds_acked_while_full = 0;
  std::size_t last_unread = 0;
  bool full = false;
  for (; metric(x.http(), "crix_ws_dropped_total") == 0; ++round) {
    REQUIRE(round < 1000);  // 50,000 pairs: the bound is long passed
    for (int i = 0; i < kPairs; ++i) {
      REQUIRE(seller.fix().send(order(id('s', round * kPairs + i), '2', 58000, 3)));
      REQUIRE(buyer.fix().send(order(id('b', round * kPairs + i), '1', 58000, 3)));
    }
    const auto acked = [&](crix::test::FixClient& c, char prefix) {
      return c.wait([&] {
        for (int i = 0; i < kPairs; ++i) {
          if (!c.has(id(prefix, round * kPairs + i), '0')) return false;
        }
        return true;
      });
    };
    REQUIRE(acked(seller, 's'));
    REQUIRE(acked(buyer, 'b'));
    // This round was acknowledged while the slow reader's socket held all it could: it had stopped
    // growing by the end of the round before.
    if (full) ++rounds_acked_while_full;
    const std::size_t unread = slow.unread();
    full = unread > 0 && unread <= last_unread;
    last_unread = unread;
  }
  INFO("rounds of " << kPairs << " pairs: " << round << "; acknowledged with the slow reader's socket full: "
                    << rounds_acked_while_full << "; its unread bytes: " << last_unread);
  CHECK(rounds_acked_while_full >= 3);

  // The slow reader gets what was sent before the bound, then 1008 with the reason.
  REQUIRE(slow.read_to_close(std::chrono::seconds(20)));
  CHECK(slow.reason().code == websocket::close_code::policy_error);
  const std::string reason(slow.reason().reason.c_str());
  INFO(reason);
  CHECK(reason.rfind("fell behind: ", 0) == 0);

  // Nothing refused, and the normal viewer read every trade crixd made.
  CHECK(seller.get(&crix::test::RecordingClient::business_rejects).empty());
  CHECK(buyer.get(&crix::test::RecordingClient::business_rejects).empty());
  const std::uint64_t trades = metric(x.http(), "crix_trades_total");
  CHECK(trades == static_cast<std::uint64_t>(round) * kPairs);  // one a pair: the same price and size
  const auto normal_trades = [&] {
    const std::vector<Json> m = normal.messages();
    return static_cast<std::uint64_t>(
        std::count_if(m.begin(), m.end(), [](const Json& e) { return e.at("type") == "trade"; }));
  };
  CHECK(eventually([&] { return normal_trades() == trades; }));
  CHECK(normal_trades() == trades);
  CHECK(metric(x.http(), "crix_ws_clients") == 1);
  seller.stop();
  buyer.stop();
}

TEST_CASE("console on a real crixd: out of descriptors, it waits for one rather than spinning, and serves again "
          "once they close",
          "[console]") {
  // crixd with 40 descriptors (it holds 17 at start): 40 idle connections use up the rest, and the
  // ones still queued cannot be accepted. Each failed accept used to be retried at once: a processor
  // spinning for as long as the descriptors stayed used up.
  const crix::test::ScratchDir dir("console-fds");
  const std::string wrapper = dir.file("crixd-40-fds");
  {
    std::ofstream w(wrapper);
    w << "#!/bin/sh\nulimit -n 40\nexec " << CRIXD_BIN << " \"$@\"\n";
  }
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
  Exchange x(wrapper);
  REQUIRE(crix::test::get(x.http(), "/healthz").status == 200);

  boost::asio::io_context ioc;
  std::vector<boost::asio::ip::tcp::socket> held;
  for (int i = 0; i < 40; ++i) {
    held.emplace_back(ioc);
    held.back().connect({boost::asio::ip::make_address("127.0.0.1"), x.http()});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the descriptors run out
  const double before = x.cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double used = x.cpu_seconds() - before;
  INFO("processor seconds crixd used in one idle second with its descriptors used up: " << used);
  CHECK(used < 0.3);

  held.clear();
  CHECK(eventually([&] { return crix::test::get(x.http(), "/healthz").status == 200; }));
  // FIX still takes orders.
  CHECK(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "10", "580.00", "--id", "fd-1"}).exit_code == 0);
}

TEST_CASE("console on a real crixd: an operator closes the trading day over HTTP: the day's VWAP becomes the "
          "reference, orders are refused until the next session, and the close is in the audit trail",
          "[console]") {
  Exchange x;
  trade(x);  // 600 t and 400 t at 580.00: the day's VWAP is 580.00
  const Json open = crix::test::get(x.http(), "/api/v1/status", crix::test::kOperatorToken).json();
  CHECK(open["phase"] == "continuous trading");
  CHECK(open["accepting"] == true);
  const Reply closed = crix::test::request(x.http(), bhttp::verb::post, "/api/v1/actions/close-day",
                                           R"({"reason":"test: close"})", crix::test::kOperatorToken);
  INFO(closed.body);
  REQUIRE(closed.status == 200);

  // The new day's statistics start empty, now and after a restart on the closed day (which used to
  // bring back the closed day's volume and last price).
  const auto check_closed = [&] {
    const Json instruments = crix::test::get(x.http(), "/api/v1/instruments").json();
    bool seen = false;
    for (const Json& i : instruments["items"]) {
      if (i["symbol"] != "STEEL-IRON") continue;
      seen = true;
      CHECK(i["reference_price"] == 58000);
      CHECK(i["listed_max_qty"] == 0);  // the sample sets no listed maximum
      CHECK(i["volume"] == 0);
      CHECK(i["last_price"].is_null());  // no trade on the new day
      CHECK(i["phase"] == "closed");
    }
    CHECK(seen);
  };
  check_closed();
  x.restart();
  check_closed();
  // Ready, but accepting no order until the next session (it said "accepting" beside "closed").
  const Json status = crix::test::get(x.http(), "/api/v1/status", crix::test::kOperatorToken).json();
  CHECK(status["phase"] == "closed");
  CHECK(status["accepting"] == false);
  CHECK(status["ready"] == true);
  CHECK(crix::test::get(x.http(), "/readyz").status == 200);
  const RunResult refused = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "100", "580.00", "--tif", "gtc"});
  CHECK(refused.exit_code != 0);
  CHECK((refused.out + refused.err).find("closed") != std::string::npos);

  const Json actions = crix::test::get(x.http(), "/api/v1/ledger/operator-actions", crix::test::kOperatorToken).json();
  bool audited = false;
  for (const Json& a : actions["items"]) audited = audited || a["command"] == "close-day";
  INFO(actions.dump(1));
  CHECK(audited);
  // The ledger's daily statistics close the day at its VWAP, as crix ledger reports it.
  const RunResult daily = x.ledger_cli({"daily"});
  CHECK(daily.exit_code == 0);
  CHECK(daily.out.find("580.00") != std::string::npos);
}

TEST_CASE("console on a real crixd: a revoked trade is marked on the feed and in the recent trades after a restart "
          "too while the day's statistics keep it",
          "[console][feed]") {
  Exchange x;
  trade(x);  // 600 t and 400 t at 580.00
  Viewer viewer(x.http());
  REQUIRE(eventually([&] { return !viewer.messages().empty(); }));
  const auto recent = [&] {
    const Json r = crix::test::get(x.http(), "/api/v1/trades/recent", crix::test::kOperatorToken).json();
    return r.at("items");
  };
  const Json before = recent();
  REQUIRE(before.size() == 2);
  for (const Json& t : before) CHECK(t["revoked"] == false);
  const std::uint64_t first = before[0]["id"], second = before[1]["id"];
  const auto steel = [&] {
    const Json instruments = crix::test::get(x.http(), "/api/v1/instruments").json();
    for (const Json& i : instruments.at("items")) {
      if (i.at("symbol") == "STEEL-IRON") return i;
    }
    return Json();
  };
  const Json statistics = steel();
  CHECK(statistics["volume"] == 1000);
  const std::string daily = crix::test::get(x.http(), "/api/v1/ledger/daily").body;

  const Reply revoked = crix::test::request(x.http(), bhttp::verb::post, "/api/v1/actions/revoke",
                                            R"({"trade":)" + std::to_string(first) + "}", crix::test::kOperatorToken);
  INFO(revoked.body);
  REQUIRE(revoked.status == 200);
  const std::uint64_t seq = revoked.json()["seq"];

  // The feed says so once the revocation commits, with its command's seq and its own trade id.
  Json update;
  REQUIRE(eventually([&] {
    for (const Json& m : viewer.messages()) {
      if (m.at("type") == "revocation") update = m;
    }
    return !update.is_null();
  }));
  CHECK(update["trade"] == first);
  CHECK(update["seq"] == seq);
  CHECK(update["id"].get<std::uint64_t>() > second);  // a revocation takes the next trade id
  CHECK(update["time"].get<std::int64_t>() > 0);
  const Json after = recent();
  REQUIRE(after.size() == 2);
  CHECK(after[0]["revoked"] == true);
  CHECK(after[1]["revoked"] == false);
  // A new viewer's snapshot carries it in the trade's row.
  Viewer fresh(x.http());
  REQUIRE(eventually([&] { return !fresh.messages().empty(); }));
  const Json snapshot = fresh.messages().front();
  REQUIRE(snapshot.at("trades").size() == 2);
  CHECK(snapshot.at("trades")[0]["revoked"] == true);
  CHECK(snapshot.at("trades")[1]["revoked"] == false);
  // The first viewer's state with the update applied is the fresh snapshot's.
  Market held(viewer.messages().front());
  for (const Json& m : viewer.messages()) {
    if (m.at("type") != "snapshot") held.apply(m);
  }
  CHECK(held.trades == Market(snapshot).trades);
  // The day's statistics are the executions as they happened (the close set the reference from them).
  CHECK(steel()["volume"] == statistics["volume"]);
  CHECK(steel()["last_price"] == statistics["last_price"]);
  CHECK(crix::test::get(x.http(), "/api/v1/ledger/daily").body == daily);

  // A restart reads which recent trades were revoked from the ledger.
  x.restart();
  const Json replayed = recent();
  REQUIRE(replayed.size() == 2);
  CHECK(replayed[0]["revoked"] == true);
  CHECK(replayed[1]["revoked"] == false);
}

TEST_CASE("console: failed FIX logons and a participant in back-off show in the sessions view and /metrics",
          "[console][crixd][security]") {
  Exchange x;
  const auto seller_session = [&] {
    const Reply r = crix::test::get(x.http(), "/api/v1/sessions", crix::test::kOperatorToken);
    REQUIRE(r.status == 200);
    const Json sessions = Json::parse(r.body);  // held: a range-for over .at() of a temporary dangles
    for (const Json& s : sessions.at("items")) {
      if (s.at("participant") == kSeller) return s;
    }
    FAIL("no session for " << kSeller << " in " << r.body);
    return Json();
  };
  CHECK(seller_session().at("failed_logons") == 0);
  CHECK(seller_session().at("blocked_until").is_null());
  // The wait a refusal names ("...; retry after N s", rounded up), 0 when it names none.
  const auto retry_after = [](const std::string& text) {
    const std::string key = "; retry after ";
    const std::size_t at = text.find(key);
    return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + key.size());
  };
  // Wrong passwords, one logon each, until one is refused for a wait of 2 s or more, so that the
  // session, read at once, is still blocked: "retry after 1 s" may mean a few milliseconds left when
  // a logon took most of the first wait (1 s) on a loaded machine; the waits double with each failure.
  std::string refusal;
  Json session;  // read at once after the refusal: within the wait it was just told of
  for (int i = 0; i < 10 && retry_after(refusal) < 2; ++i) {
    crix::test::FixClient intruder(x.fix(), kSeller, "not-the-password-" + std::to_string(i));
    CHECK_FALSE(intruder.fix().wait_logged_on(5000));
    refusal = intruder.fix().logout_text();
    session = seller_session();
    intruder.stop();
    // Too short a wait to read the session within: let it pass; the next wrong password doubles it.
    if (retry_after(refusal) == 1) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  INFO("the last refusal: " << refusal << "\nthe session read after it: " << session.dump());
  REQUIRE(refusal.find("too many failed logons for " + kSeller + "; retry after") == 0);
  CHECK(session.at("failed_logons").get<int>() >= 3);
  CHECK_FALSE(session.at("blocked_until").is_null());
  CHECK(session.at("blocked_until_text").is_string());
  CHECK(metric(x.http(), "crix_logons_failed_total") >= 3);
  CHECK(metric(x.http(), "crix_logons_throttled_total") >= 1);
}

namespace {

Json auction_of(std::uint16_t port, const Headers& who = {}) {
  const Reply r = crix::test::get(port, "/api/v1/auctions", who);
  REQUIRE(r.status == 200);
  const Json items = r.json()["items"];
  REQUIRE(items.size() == 1);
  return items[0];
}

}  // namespace

TEST_CASE("console on a real crixd: an operator announces and cancels the sample's auction over HTTP, journaled with "
          "the operator's name, on the feed, a refusal is 422 with the exchange's sentence, and a restart replays it",
          "[console][auction]") {
  Exchange x;
  const std::string op = crix::test::login(x.http(), "ops", "ops-sample");
  REQUIRE(!op.empty());
  const Headers as_ops = {{"Cookie", op}};
  const auto post = [&](const std::string& verb, const Json& body) {
    return crix::test::request(x.http(), bhttp::verb::post, "/api/v1/actions/" + verb, body.dump(), as_ops);
  };
  // Configured: the terms, no window.
  const Json configured = auction_of(x.http());
  CHECK(configured["id"] == "AU-HB-450");
  CHECK(configured["state"] == "configured");
  CHECK(configured["seller"] == "HB-TANGSHAN-IRON");
  CHECK(configured["qty"] == 500000);
  CHECK(configured["reserve"] == 55000);
  CHECK(configured["increment"] == 500);
  CHECK(configured["pricing"] == "uniform");
  CHECK(configured["opens"].is_null());

  Viewer viewer(x.http());
  const std::string closes = crix::test::all_day_time(std::chrono::system_clock::now() + std::chrono::hours(2), "%Y-%m-%dT%H:%M");
  const Reply announced = post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "now"}, {"closes", closes},
                                                    {"reason", "quarterly lot"}});
  INFO(announced.body);
  REQUIRE(announced.status == 200);
  const Json open = auction_of(x.http(), crix::test::kOperatorToken);
  CHECK(open["state"] == "announced");
  CHECK(open["ranking"] == Json::array());
  // closes "2026-12-07T11:00" reads back as "2026-12-07 11:00:00.000+08:00" (in the market's zone).
  const std::string& offset = crix::test::all_day_zone().offset_text;
  std::string closes_text = closes;
  closes_text[10] = ' ';
  CHECK(open["closes_text"] == closes_text + ":00.000" + offset);
  CHECK(open["opens"].get<std::int64_t>() < open["closes"].get<std::int64_t>());

  // The audit trail: the operator's name, the auction and its window in local time.
  const Json actions = crix::test::get(x.http(), "/api/v1/ledger/operator-actions", crix::test::kOperatorToken).json();
  Json audit;
  for (const Json& a : actions["items"]) {
    if (a["command"] == "auction-announce") audit = a;
  }
  INFO(actions.dump(1));
  REQUIRE(audit.is_object());
  CHECK(audit["operator"] == "ops");
  CHECK(audit["result"] == "ok");
  const std::string arguments = audit["arguments"];
  CHECK(arguments.rfind("auction=AU-HB-450 opens=", 0) == 0);
  CHECK(arguments.find(" closes=" + closes + ":00" + offset + " reason=\"quarterly lot\"") != std::string::npos);

  // The feed: the auction's update is its view as GET gives it, with the update's seq.
  Json update;
  REQUIRE(eventually([&] {
    for (const Json& m : viewer.messages()) {
      if (m.value("type", "") == "auction" && m["seq"] == announced.json()["seq"]) update = m;
    }
    return update.is_object();
  }));
  update.erase("seq");
  update.erase("type");
  CHECK(update == open);
  CHECK(viewer.messages().front()["auctions"][0]["state"] == "configured");  // the snapshot's

  // A bid over FIX (crix order buy --auction): the ranking names the bidder to staff, not to the public.
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "300000", "560.00", "--auction", "AU-HB-450"})
              .exit_code == 0);
  const Json ranked = auction_of(x.http(), crix::test::kOperatorToken);
  REQUIRE(ranked["ranking"].size() == 1);
  CHECK(ranked["ranking"][0]["bidder"] == kBuyer);
  CHECK(ranked["ranking"][0]["project"] == "TJ-NEW-BF-2500");
  CHECK(ranked["ranking"][0]["price"] == 56000);
  CHECK(ranked["ranking"][0]["qty"] == 300000);
  CHECK(ranked["ranking"][0]["time"].is_number());
  const Json seen = auction_of(x.http());
  CHECK(seen["ranking"][0] == Json{{"seq", ranked["ranking"][0]["seq"]}, {"time", ranked["ranking"][0]["time"]},
                                   {"time_text", ranked["ranking"][0]["time_text"]}, {"price", 56000},
                                   {"qty", 300000}, {"won", 0}});
  REQUIRE(eventually([&] {
    for (const Json& m : viewer.messages()) {
      if (m.value("type", "") == "auction" && m["ranking"].size() == 1) return true;
    }
    return false;
  }));

  // The market refuses a second announcement while it is open: 422 with the exchange's sentence.
  const Reply again = post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "now"}, {"closes", closes}});
  CHECK(again.status == 422);
  CHECK(again.json()["reject_code"] == "the auction may not be announced or canceled now");
  CHECK(again.json()["error"] == "the auction is already announced and open: cancel it first to announce it again");

  REQUIRE(post("auction-cancel", {{"auction", "AU-HB-450"}, {"reason", "filing query"}}).status == 200);
  CHECK(auction_of(x.http())["state"] == "canceled");
  const Reply twice = post("auction-cancel", {{"auction", "AU-HB-450"}});
  CHECK(twice.status == 422);
  CHECK(twice.json()["error"] == "the auction is not announced and open: there is nothing to cancel");
  // A window that ends before it opens.
  const Reply backwards = post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", closes},
                                                    {"closes", crix::test::all_day_time(std::chrono::system_clock::now(), "%Y-%m-%dT%H:%M")}});
  CHECK(backwards.status == 422);
  CHECK(backwards.json()["error"] == "the bidding window must end after it opens and after the announcement");

  // Announced again, it survives a restart: the journal replays the announcement.
  REQUIRE(post("auction-announce", {{"auction", "AU-HB-450"}, {"opens", "now"}, {"closes", closes}}).status == 200);
  const Json before = auction_of(x.http());
  CHECK(before["state"] == "announced");
  x.restart();
  const Json after = auction_of(x.http());
  CHECK(after["state"] == "announced");
  CHECK(after["opens"] == before["opens"]);
  CHECK(after["closes"] == before["closes"]);
  // The whole trail, in order, with the refusals' sentences.
  std::vector<std::string> trail;
  const Reply listed = crix::test::get(x.http(), "/api/v1/ledger/operator-actions", crix::test::kOperatorToken);
  INFO(listed.status << " " << listed.body);
  const Json items = listed.json()["items"];
  for (const Json& a : items) {
    trail.push_back(a["command"].get<std::string>() + " " + a["result"].get<std::string>().substr(0, 8));
  }
  CHECK(trail == std::vector<std::string>{"auction-announce ok", "auction-announce rejected", "auction-cancel ok",
                                          "auction-cancel rejected", "auction-announce rejected",
                                          "auction-announce ok"});
}

TEST_CASE("console on a real crixd: out-of-range ids are 400 and never journaled, a wrong token is 401, unknown "
          "parameters 400, to inclusive with the CLI's time forms, absent values null, amendments recorded as written",
          "[console][process]") {
  Exchange x;
  trade(x);
  const std::uint16_t port = x.http();
  const Headers& op = crix::test::kOperatorToken;
  const auto actions = [&] {
    return crix::test::get(port, "/api/v1/ledger/operator-actions", op).json()["items"];
  };
  const auto post = [&](const std::string& verb, const std::string& body) {
    return crix::test::request(port, bhttp::verb::post, "/api/v1/actions/" + verb, body, op);
  };

  // 1. A trade id of 2^63 was "no trade -9223372036854775808", journaled; now a 400 and not in the trail.
  const std::size_t journaled = actions().size();
  for (const std::string body : {R"({"trade":9223372036854775808})", R"({"trade":18446744073709551616})",
                                  R"({"trade":-1})", R"({"trade":0})"}) {
    INFO(body);
    const Reply r = post("revoke", body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"].get<std::string>().find("\"trade\" must be a whole number from 1 to 9223372036854775807") !=
          std::string::npos);
  }
  CHECK(actions().size() == journaled);

  // 2. A wrong token is 401 saying so, also where the public may read.
  for (const std::string target : {"/api/v1/me", "/api/v1/instruments", "/api/v1/status"}) {
    INFO(target);
    const Reply r = crix::test::get(port, target, {{"Authorization", "Bearer wrong"}});
    CHECK(r.status == 401);
    CHECK(r.json()["error"].get<std::string>().find("the bearer token given is not valid") != std::string::npos);
  }
  CHECK(crix::test::get(port, "/api/v1/me").json()["role"] == "public");

  // 3. A parameter the endpoint does not take.
  const Reply typo = crix::test::get(port, "/api/v1/ledger/trades?partcipant=" + kSeller, op);
  CHECK(typo.status == 400);
  CHECK(typo.json()["error"].get<std::string>().find("'partcipant'") != std::string::npos);

  // 4. from=T&to=T (ns) holds the trades at T; a local minute as the CLI takes it holds them too, as crix
  // ledger trades --from --to does.
  const Json recent = crix::test::get(port, "/api/v1/trades/recent", op).json()["items"];
  REQUIRE(!recent.empty());
  const std::string ns = std::to_string(recent[0]["time"].get<std::int64_t>());
  const Json at = crix::test::get(port, "/api/v1/ledger/trades?from=" + ns + "&to=" + ns, op).json()["items"];
  REQUIRE(!at.empty());
  CHECK(at[0]["trade"] == recent[0]["id"]);
  std::string minute = recent[0]["time_text"].get<std::string>().substr(0, 16);  // "2026-12-04 11:40"
  minute[10] = 'T';
  const Reply by_minute = crix::test::get(port, "/api/v1/ledger/trades?format=csv&from=" + minute + "&to=" + minute, op);
  REQUIRE(by_minute.status == 200);
  const RunResult cli = x.ledger_cli({"trades", "--from", minute, "--to", minute, "--csv"});
  REQUIRE(cli.exit_code == 0);
  CHECK(by_minute.body == cli.out);
  CHECK(by_minute.body.find("\r\n" + recent[0]["id"].dump() + ",") != std::string::npos);

  // 5. Ready: not_ready is "".
  CHECK(crix::test::get(port, "/api/v1/status", op).json()["not_ready"] == "");

  // 6. The feed's snapshot: an instrument without a trade today, a participant never logged on: null.
  {
    Viewer viewer(port);
    REQUIRE(eventually([&] { return !viewer.messages().empty(); }));
    const Json snapshot = viewer.messages().front();
    bool clinker = false, lhasa = false;
    for (const Json& i : snapshot["instruments"]) {
      if (i["symbol"] == "CEMENT-CLINKER") clinker = i["last_price"].is_null();
      if (i["symbol"] == "STEEL-IRON") CHECK(i["last_price"] == 58000);
    }
    for (const Json& s : snapshot["sessions"]) {
      if (s["participant"] == "XZ-LHASA-CEMENT") lhasa = s["since"].is_null() && s["last_seen"].is_null();
    }
    CHECK(clinker);
    CHECK(lhasa);
  }

  // 7. A flag's bad value says true or false; expires none and court_seized true are recorded as written.
  const Reply yes = post("amend-facility", R"({"facility":"XZ-CL-1000","field":"court_seized","value":"yes"})");
  CHECK(yes.status == 400);
  CHECK(yes.json()["error"].get<std::string>().find("must be true or false") != std::string::npos);
  REQUIRE(post("amend-facility", R"({"facility":"XZ-CL-1000","field":"expires","value":"none"})").status == 200);
  REQUIRE(post("amend-facility", R"({"facility":"XZ-CL-1000","field":"court_seized","value":true})").status == 200);
  const Json trail = actions();
  REQUIRE(trail.size() >= 2);
  CHECK(trail[trail.size() - 2]["arguments"] == "facility=XZ-CL-1000 field=expires value=none");
  CHECK(trail[trail.size() - 1]["arguments"] == "facility=XZ-CL-1000 field=court_seized value=true");

  // 8. The industry as the views print it.
  const Reply clinker = crix::test::get(port, "/api/v1/ledger/trades?industry=cement%20clinker", op);
  CHECK(clinker.status == 200);
  CHECK(clinker.body == crix::test::get(port, "/api/v1/ledger/trades?industry=cement", op).body);

  // 6, continued: the order resting since before a restart has no entry time: null, not 0.
  x.restart();
  const Json orders = crix::test::get(port, "/api/v1/book/STEEL-IRON?orders=1", op).json()["orders"];
  REQUIRE(!orders.empty());
  for (const Json& o : orders) {
    CHECK(o["entered"].is_null());
    CHECK(o["entered_text"].is_null());
  }
}
