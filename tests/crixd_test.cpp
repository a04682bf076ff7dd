// crixd end to end: a real crixd process on loopback, driven by real QuickFIX initiators (crix::fix),
// its ledger read afterwards with crix::ledger::Reader. The market is the sample with trading all day
// on every day (the test must not depend on the hour it runs at).
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <map>
#include <random>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <lmdb.h>

#include "gateway/fix/fix_api.hpp"
#include "ledger/reader.hpp"
#include "ledger/records.hpp"
#include "ledger/store.hpp"
#include "ledger/verify.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace std::chrono_literals;

namespace {

using TempDir = crix::test::ScratchDir;
using crix::test::all_day_market;
using crix::test::free_port;

// crixd on `port`, as built.
class Crixd : public crix::test::CrixdProcess {
 public:
  Crixd(const TempDir& dir, const std::string& market, const std::string& ledger, std::uint16_t port)
      : CrixdProcess(CRIXD_BIN, dir, market, ledger, port) {}
};

// Stops crixd with SIGTERM and checks it exits 0; on a failure the check shows what crixd wrote (a
// sanitizer's report, say).
void check_stops_cleanly(crix::test::CrixdProcess& crixd) {
  const int code = crixd.stop(SIGTERM);
  INFO(crixd.errors());
  CHECK(code == 0);
}

// crixd on the all-day sample market and a fresh ledger, on a free port.
struct Running {
  const TempDir dir;
  const std::string market = all_day_market(dir);
  const std::uint16_t port = free_port();
  Crixd crixd{dir, market, dir.file("crix.ledger"), port};
};

// What a Client received, as a wait() predicate reads it (under the lock).
using Received = crix::test::RecordingClient;

// A participant's FIX session, recording what it receives (heartbeats every 5 s).
class Client : public crix::test::FixClient {
 public:
  Client(std::uint16_t port, const std::string& participant, const std::string& password)
      : FixClient(port, participant, password, 5) {}
};

crix::fix::OrderRequest order(const std::string& cl, char side, const std::string& account, std::int64_t qty,
                              std::int64_t price, const std::string& symbol = "STEEL-IRON") {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kNew;
  r.cl_ord_id = cl;
  r.symbol = symbol;
  r.account = account;
  r.side = side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = qty;
  r.price = price;
  return r;
}

}  // namespace

TEST_CASE("crixd: logon and a trade end to end with rule rejects, cancel and replace, market data and the ledger",
          "[crixd]") {
  const TempDir dir;
  const std::string market = all_day_market(dir);
  const std::string ledger = dir.file("crix.ledger");
  const std::uint16_t port = free_port();
  Crixd crixd(dir, market, ledger, port);
  REQUIRE(crixd.listening(port));

  {
    Client intruder(port, "TJ-RONGCHENG", "not-the-password");
    CHECK_FALSE(intruder.fix().wait_logged_on(3000));
    CHECK(intruder.fix().logout_text() == "wrong password for TJ-RONGCHENG");
  }
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  Client buyer(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));

  // Market data first, so that the trade shows up in it.
  crix::fix::MarketDataRequest md;
  md.md_req_id = "md-1";
  md.subscription = '1';
  md.symbols = {"STEEL-IRON"};
  md.entry_types = "012";
  REQUIRE(buyer.fix().send(md));
  REQUIRE(buyer.wait([](const Received& c) { return !c.snapshots.empty(); }));
  CHECK(buyer.get(&Client::snapshots)[0].entries.empty());

  REQUIRE(seller.fix().send(order("s1", '2', "HB-BF-450", 300000, 58000)));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s1", '0'); }));
  const std::string sell_id = seller.reports_for("s1")[0].order_id;
  REQUIRE(buyer.wait([](const Received& c) { return !c.incrementals.empty(); }));
  const auto level = buyer.get(&Client::incrementals)[0].entries.at(0);
  CHECK(level.type == '1');
  CHECK(level.price == 58000);
  CHECK(level.size == 300000);

  REQUIRE(buyer.fix().send(order("b1", '1', "TJ-NEW-BF-2500", 300000, 58000)));
  REQUIRE(buyer.wait([](const Received& c) { return c.has("b1", 'F'); }));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s1", 'F'); }));
  const auto bought = buyer.reports_for("b1");
  const crix::fix::ExecReport& fill = bought.back();
  CHECK(fill.ord_status == '2');
  CHECK(fill.last_px == 58000);
  CHECK(fill.last_qty == 300000);
  CHECK(fill.trade_id == "1");
  CHECK(fill.credited == 200000);
  CHECK(fill.ratio_permille == 1500);
  CHECK(fill.account == "TJ-NEW-BF-2500");
  CHECK(seller.reports_for("s1").back().leaves_qty == 0);

  // Rule rejects carry the exchange's sentence; gateway rejects name the field.
  REQUIRE(seller.fix().send(order("s2", '2', "HB-BF-420-SEIZED", 1000, 58000)));
  REQUIRE(buyer.fix().send(order("b2", '1', "NO-SUCH-PROJECT", 1000, 58000)));
  REQUIRE(buyer.fix().send(order("b1", '1', "TJ-NEW-BF-2500", 1000, 58000)));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s2", '8'); }));
  REQUIRE(buyer.wait([](const Received& c) { return c.count("b2") == 1 && c.count("b1") == 3; }));
  CHECK_THAT(seller.reports_for("s2")[0].text, Catch::Matchers::Contains("may not be sold: under court seizure"));
  CHECK(buyer.reports_for("b2")[0].text ==
        "Account(1) 'NO-SUCH-PROJECT' is no registered project: a buy names the project it buys capacity for");
  CHECK(buyer.reports_for("b1").back().ord_rej_reason == 6);

  // Replace, then cancel; the buyer cannot touch the seller's order.
  REQUIRE(seller.fix().send(order("s3", '2', "HB-BF-450", 100000, 59000)));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s3", '0'); }));
  const std::string s3_id = seller.reports_for("s3")[0].order_id;
  crix::fix::OrderRequest steal;
  steal.kind = crix::fix::RequestKind::kCancel;
  steal.cl_ord_id = "b3";
  steal.order_id = s3_id;
  steal.orig_cl_ord_id = "s3";  // the seller's ClOrdID: the buyer's session has no such order either
  steal.symbol = "STEEL-IRON";
  steal.side = '2';
  REQUIRE(buyer.fix().send(steal));
  REQUIRE(buyer.wait([](const Received& c) { return !c.cancel_rejects.empty(); }));
  CHECK_THAT(buyer.get(&Client::cancel_rejects)[0].text, Catch::Matchers::Contains("no live order with OrderID(37) " + s3_id));
  crix::fix::OrderRequest replace = order("s4", '2', "HB-BF-450", 50000, 59500);
  replace.kind = crix::fix::RequestKind::kReplace;
  replace.orig_cl_ord_id = "s3";
  REQUIRE(seller.fix().send(replace));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s4", '5'); }));
  CHECK(seller.reports_for("s4")[0].orig_cl_ord_id == "s3");
  CHECK(seller.reports_for("s4")[0].price == 59500);
  crix::fix::OrderRequest cancel;
  cancel.kind = crix::fix::RequestKind::kCancel;
  cancel.cl_ord_id = "s5";
  cancel.orig_cl_ord_id = "s4";
  cancel.symbol = "STEEL-IRON";
  cancel.side = '2';
  REQUIRE(seller.fix().send(cancel));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s5", '4'); }));
  CHECK(seller.reports_for("s5")[0].orig_cl_ord_id == "s4");

  crix::fix::SecurityListRequest sl;
  sl.security_req_id = "sl-1";
  REQUIRE(buyer.fix().send(sl));
  REQUIRE(buyer.wait([](const Received& c) { return !c.security_lists.empty(); }));
  const auto securities = buyer.get(&Client::security_lists)[0].securities;
  REQUIRE(securities.size() == 5);
  CHECK(securities[0].symbol == "STEEL-IRON");
  CHECK(securities[0].trading_status == 17);

  check_stops_cleanly(crixd);
  const crix::ledger::Reader reader(ledger);
  REQUIRE(reader.meta().trade_count == 1);
  const auto trade = reader.trade(crix::engine::TradeId(1));
  REQUIRE(trade.has_value());
  CHECK(trade->qty.v == 300000);
  CHECK(trade->credited.v == 200000);
  CHECK(std::to_string(trade->sell_order.v) == sell_id);
  CHECK(reader.elimination_list().size() == 1);
  CHECK(crix::ledger::verify(reader).ok());
}

TEST_CASE("crixd: killed with SIGKILL under load then restarted: what was acknowledged is on the ledger and the book equals the journal",
          "[crixd]") {
  const TempDir dir;
  const std::string market = all_day_market(dir);
  const std::string ledger = dir.file("crix.ledger");
  const std::uint16_t port = free_port();
  std::vector<crix::fix::ExecReport> seen;  // every execution report either client received
  std::string resting;  // an order acknowledged before the kill that nothing trades with
  {
    Crixd crixd(dir, market, ledger, port);
    REQUIRE(crixd.listening(port));
    Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
    Client buyer(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
    REQUIRE(seller.fix().wait_logged_on(5000));
    REQUIRE(buyer.fix().wait_logged_on(5000));
    REQUIRE(seller.fix().send(order("high", '2', "HB-BF-450", 2000, 63000)));
    REQUIRE(seller.wait([](const Received& c) { return c.has("high", '0'); }));
    resting = seller.reports_for("high")[0].order_id;
    for (int i = 0; i < 300; ++i) {
      std::string n = std::to_string(i);  // (not "s" + n: g++ 12 -O3 warns falsely on that, -Wrestrict)
      seller.fix().send(order(n.insert(0, 1, 's'), '2', "HB-BF-450", 1000, 58000));
      n[0] = 'b';
      buyer.fix().send(order(n, '1', "TJ-NEW-BF-2500", 1000, 58000));
    }
    REQUIRE(buyer.wait([](const Received& c) {
      return std::count_if(c.reports.begin(), c.reports.end(), [](const auto& r) { return r.exec_type == 'F'; }) >= 20;
    }));
    CHECK(crixd.stop(SIGKILL) == 128 + SIGKILL);
    std::this_thread::sleep_for(300ms);  // nothing more can arrive; take what did
    seen = seller.get(&Client::reports);
    for (const auto& r : buyer.get(&Client::reports)) seen.push_back(r);
  }
  CHECK(std::none_of(seen.begin(), seen.end(), [](const auto& r) { return r.exec_type == '8'; }));
  REQUIRE(std::count_if(seen.begin(), seen.end(), [](const auto& r) { return r.exec_type == 'F'; }) >= 40);
  Crixd again(dir, market, ledger, port);
  REQUIRE(again.listening(port));
  // The book crixd rests after the restart, by side and price, must be the journal's: every order the
  // journal holds, less what the ledger's trades took from it (nothing here is rejected or canceled).
  std::map<std::pair<char, std::int64_t>, std::int64_t> expected_book;
  {
    const crix::ledger::Reader reader(ledger);
    CHECK(crix::ledger::verify(reader).ok());
    const std::uint64_t last_seq = reader.meta().last_seq.v;
    std::map<std::uint64_t, std::int64_t> traded;  // by order id
    for (const auto& t : reader.trades({{}, 1'000'000})) {
      traded[t.buy_order.v] += t.qty.v;
      traded[t.sell_order.v] += t.qty.v;
    }
    // Every fill either client saw is on the ledger, on its side's order.
    for (const auto& f : seen) {
      if (f.exec_type != 'F') continue;
      INFO("fill " << f.trade_id << " of order " << f.order_id);
      const auto t = reader.trade(crix::engine::TradeId(std::stoull(f.trade_id)));
      REQUIRE(t.has_value());
      CHECK(t->qty.v == f.last_qty);
      CHECK(t->price.v == f.last_px);
      CHECK(std::to_string(f.side == '1' ? t->buy_order.v : t->sell_order.v) == f.order_id);
    }
    // Every acknowledged order is journaled (its OrderID is its command's seq), with at least the fills
    // its client saw: an acknowledgement never runs ahead of the ledger.
    for (const auto& r : seen) {
      if (r.exec_type != '0') continue;
      INFO("order " << r.order_id << " (" << r.cl_ord_id << ")");
      CHECK(std::stoull(r.order_id) <= last_seq);
      std::int64_t saw = 0;
      for (const auto& f : seen) saw += f.exec_type == 'F' && f.order_id == r.order_id ? f.last_qty : 0;
      CHECK(traded[std::stoull(r.order_id)] >= saw);
    }
    for (const auto& c : reader.journal(crix::engine::Seq(1), 1'000'000)) {
      if (c.type != crix::engine::CommandType::kNew) continue;
      const std::int64_t leaves = c.qty.v - traded[c.seq.v];
      if (leaves > 0) expected_book[{c.side == crix::engine::Side::kBuy ? '0' : '1', c.price.v}] += leaves;
    }
  }
  {
    Client watcher(port, "TJ-RONGCHENG", "demo-tj-rongcheng");
    REQUIRE(watcher.fix().wait_logged_on(5000));
    crix::fix::MarketDataRequest md;
    md.md_req_id = "after-restart";
    md.subscription = '0';  // a snapshot only
    md.symbols = {"STEEL-IRON"};
    md.entry_types = "01";
    REQUIRE(watcher.fix().send(md));
    REQUIRE(watcher.wait([](const Received& c) { return !c.snapshots.empty(); }));
    std::map<std::pair<char, std::int64_t>, std::int64_t> book;
    const auto snapshots = watcher.get(&Client::snapshots);
    for (const auto& e : snapshots[0].entries) book[{e.type, e.price}] += e.size;
    auto text = [](const std::map<std::pair<char, std::int64_t>, std::int64_t>& levels) {
      std::string out;
      for (const auto& [level, qty] : levels) {
        out += level.first == '0' ? " bid " : " offer ";
        out += std::to_string(level.second) + "x" + std::to_string(qty);
      }
      return out;
    };
    INFO("crixd's book:" << text(book) << "\nthe journal's:" << text(expected_book));
    CHECK(book == expected_book);
    CHECK(book.count({'1', 63000}) == 1);  // the resting "high"
  }
  // The sessions log on again; what was acknowledged still rests, found by its OrderID.
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(seller.fix().wait_logged_on(5000));
  crix::fix::OrderRequest status;
  status.kind = crix::fix::RequestKind::kStatus;
  status.cl_ord_id = "ask-high";
  status.order_id = resting;
  status.symbol = "STEEL-IRON";
  status.side = '2';
  REQUIRE(seller.fix().send(status));
  REQUIRE(seller.wait([](const Received& c) {
    return std::any_of(c.reports.begin(), c.reports.end(), [](const auto& r) { return r.exec_type == 'I'; });
  }));
  const auto answer = seller.get(&Client::reports).back();
  CHECK(answer.exec_type == 'I');
  CHECK(answer.ord_status == '0');
  CHECK(answer.order_id == resting);
  CHECK(answer.cl_ord_id == "high");  // kept in the ledger with the order
  CHECK(answer.leaves_qty == 2000);
  CHECK(answer.price == 63000);
  // Found by its ClOrdID too, and the ClOrdID is still taken.
  status.cl_ord_id = "high";
  status.order_id.clear();
  REQUIRE(seller.fix().send(status));
  REQUIRE(seller.wait([](const Received& c) {
    return std::count_if(c.reports.begin(), c.reports.end(), [](const auto& r) { return r.exec_type == 'I'; }) == 2;
  }));
  CHECK(seller.get(&Client::reports).back().order_id == resting);
  REQUIRE(seller.fix().send(order("high", '2', "HB-BF-450", 1000, 63000)));
  REQUIRE(seller.wait([](const Received& c) { return c.has("high", '8'); }));
  CHECK_THAT(seller.reports_for("high").back().text, Catch::Matchers::Contains("was used before"));
  REQUIRE(seller.fix().send(order("after", '2', "HB-BF-450", 1000, 58000)));
  REQUIRE(seller.wait([](const Received& c) { return c.count("after") > 0; }));
  CHECK(again.stop(SIGTERM) == 0);
}

TEST_CASE("crixd: start-up errors say what to do", "[crixd]") {
  const TempDir dir;
  const std::string market = all_day_market(dir);
  const std::string ledger = dir.file("crix.ledger");
  const std::uint16_t port = free_port();
  Crixd first(dir, market, ledger, port);
  REQUIRE(first.listening(port));
  // The same port, another ledger.
  Crixd same_port(dir, market, dir.file("other.ledger"), port);
  CHECK(same_port.stop(0) == 1);
  CHECK_THAT(same_port.errors(), Catch::Matchers::Contains(std::to_string(port)));
  // The same ledger, another port.
  Crixd same_ledger(dir, market, ledger, free_port());
  CHECK(same_ledger.stop(0) == 1);
  CHECK_THAT(same_ledger.errors(), Catch::Matchers::Contains("already open for writing"));
  CHECK(first.stop(SIGINT) == 0);
  // A broken market file.
  std::ofstream(dir.file("broken.toml")) << "[exchange]\nname = 5\n";
  Crixd broken(dir, dir.file("broken.toml"), ledger, port);
  CHECK(broken.stop(0) == 1);
  CHECK_THAT(broken.errors(), Catch::Matchers::Contains("is not a valid market"));

  // A ledger written by a newer build: its meta record says schema version kSchemaVersion + 1.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == MDB_SUCCESS);
    mdb_env_set_maxdbs(env, crix::ledger::detail::kDbCount);
    REQUIRE(mdb_env_open(env, ledger.c_str(), MDB_NOSUBDIR, 0644) == MDB_SUCCESS);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == MDB_SUCCESS);
    MDB_dbi meta = 0;
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == MDB_SUCCESS);
    MDB_val key{crix::ledger::detail::kMetaKey.size(), const_cast<char*>(crix::ledger::detail::kMetaKey.data())};
    MDB_val value;
    REQUIRE(mdb_get(txn, meta, &key, &value) == MDB_SUCCESS);
    crix::ledger::MetaRecord record;
    REQUIRE(value.mv_size == sizeof record);
    std::memcpy(&record, value.mv_data, sizeof record);
    record.schema.set(crix::ledger::kSchemaVersion + 1);
    MDB_val updated{sizeof record, &record};
    REQUIRE(mdb_put(txn, meta, &key, &updated, 0) == MDB_SUCCESS);
    REQUIRE(mdb_txn_commit(txn) == MDB_SUCCESS);
    mdb_env_close(env);
  }
  Crixd newer(dir, market, ledger, port);
  CHECK(newer.stop(0) == 1);
  CHECK_THAT(newer.errors(), Catch::Matchers::Contains("has schema version " +
                                                       std::to_string(crix::ledger::kSchemaVersion + 1)));
  CHECK_THAT(newer.errors(), Catch::Matchers::Contains("use a matching crix build"));
}

TEST_CASE("crixd: a participant suspended in the market file is refused at logon and told why", "[crixd]") {
  const TempDir dir;
  std::string text;
  {
    std::ifstream in(all_day_market(dir));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string id = "id = \"TJ-RONGCHENG\"\n";
  const std::size_t at = text.find(id);
  REQUIRE(at != std::string::npos);
  text.insert(at + id.size(), "status = \"suspended\"\n");
  std::ofstream(dir.file("market.toml")) << text;
  const std::uint16_t port = free_port();
  Crixd crixd(dir, dir.file("market.toml"), dir.file("crix.ledger"), port);
  REQUIRE(crixd.listening(port));
  {
    Client suspended(port, "TJ-RONGCHENG", "demo-tj-rongcheng");
    CHECK_FALSE(suspended.fix().wait_logged_on(3000));
    CHECK(suspended.fix().logout_text() ==
          "participant TJ-RONGCHENG is suspended by the exchange; contact the operator");
  }
  Client other(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  CHECK(other.fix().wait_logged_on(5000));
  check_stops_cleanly(crixd);
}

namespace {

// A TCP connection to crixd on loopback (-1 when refused); `receive_buffer` > 0 sets SO_RCVBUF first.
int connect_raw(std::uint16_t port, int receive_buffer = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Writes `bytes` on a fresh TCP connection to crixd and closes it.
void raw(std::uint16_t port, const std::string& bytes) {
  const int fd = connect_raw(port);
  if (fd < 0) return;
  write_all(fd, bytes);
  std::this_thread::sleep_for(50ms);
  close(fd);
}

// SendingTime(52) now, as QuickFIX checks it.
std::string sending_time() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H:%M:%S", &utc);
  return text;
}

// A FIX frame with a correct or a deliberately wrong body length and checksum.
std::string frame(const std::string& body, int length_delta = 0, int checksum_delta = 0) {
  std::string head = "8=FIX.4.4\x01" "9=" + std::to_string(static_cast<int>(body.size()) + length_delta) + "\x01";
  std::string msg = head + body;
  unsigned sum = 0;
  for (unsigned char ch : msg) sum += ch;
  char tail[16];
  std::snprintf(tail, sizeof tail, "10=%03u\x01", (sum + static_cast<unsigned>(checksum_delta)) % 256);
  return msg + tail;
}

}  // namespace

TEST_CASE("crixd: garbage on the wire leaves the other sessions trading", "[crixd]") {
  Running exchange;
  const std::uint16_t port = exchange.port;
  Crixd& crixd = exchange.crixd;
  REQUIRE(crixd.listening(port));
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(seller.fix().wait_logged_on(5000));

  std::mt19937 rng(7);
  std::string noise(64 * 1024, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  raw(port, noise);                                                             // random bytes
  const std::string logon = "35=A\x01" "49=TJ-BOHAI-STEEL\x01" "56=CRIX\x01" "34=1\x01" "52=20261129-01:00:00\x01"
                            "98=0\x01" "108=30\x01" "141=Y\x01" "553=TJ-BOHAI-STEEL\x01" "554=demo-tj-bohai-steel\x01";
  raw(port, frame(logon).substr(0, 40));                                        // truncated
  raw(port, frame(logon, 0, 1));                                                // wrong checksum
  raw(port, frame(logon, 7));                                                   // wrong body length
  raw(port, frame("35=A\x01" "49=" + std::string(1 << 20, 'X') + "\x01" "56=CRIX\x01"));  // a 1 MB field
  raw(port, frame("35=ZZ\x01" "49=NOBODY\x01" "56=CRIX\x01" "34=1\x01"));       // unknown type, unknown comp id

  // A logged-on session sends message types outside the dialect: session-level rejects, the session lives.
  REQUIRE(seller.fix().send_raw("35=E\x01" "66=L1\x01"));
  REQUIRE(seller.fix().send(order("after-noise", '2', "HB-BF-450", 1000, 58000)));
  REQUIRE(seller.wait([](const Received& c) { return c.has("after-noise", '0'); }));

  Client buyer(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  REQUIRE(buyer.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().send(order("b", '1', "TJ-NEW-BF-2500", 1000, 58000)));
  REQUIRE(buyer.wait([](const Received& c) { return c.has("b", 'F'); }));
  check_stops_cleanly(crixd);
}

TEST_CASE("crixd: market data applied in order equals a fresh snapshot after a burst", "[crixd]") {
  Running exchange;
  const std::uint16_t port = exchange.port;
  Crixd& crixd = exchange.crixd;
  REQUIRE(crixd.listening(port));
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  Client buyer(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  Client watcher(port, "TJ-RONGCHENG", "demo-tj-rongcheng");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));
  REQUIRE(watcher.fix().wait_logged_on(5000));
  crix::fix::MarketDataRequest md;
  md.md_req_id = "live";
  md.symbols = {"STEEL-IRON"};
  md.entry_types = "01";
  md.trades = false;
  REQUIRE(watcher.fix().send(md));
  REQUIRE(watcher.wait([](const Received& c) { return c.snapshots.size() == 1; }));
  crix::fix::MarketDataRequest top = md;  // the best 3 levels of each side
  top.md_req_id = "top3";
  top.depth = 3;
  REQUIRE(watcher.fix().send(top));
  REQUIRE(watcher.wait([](const Received& c) { return c.snapshots.size() == 2; }));

  // A burst: offers and bids at prices around 580, some crossing, some canceled.
  std::mt19937 rng(11);
  int n = 0;
  for (int i = 0; i < 300; ++i) {
    const std::int64_t price = 57000 + 100 * static_cast<std::int64_t>(rng() % 21);
    std::string id = std::to_string(++n);
    id.insert(id.begin(), 'x');  // (not "x" + ...: g++ 12 -O3 warns falsely on that, -Wrestrict)
    if (rng() % 2 == 0) {
      seller.fix().send(order(id, '2', "HB-BF-450", 1000, price));
    } else {
      buyer.fix().send(order(id, '1', "TJ-NEW-BF-2500", 1000, price));
    }
  }
  REQUIRE(seller.wait([&](const Received& c) { return c.reports.size() >= 1; }));
  // The last order of each session acknowledged means every earlier one was sequenced.
  crix::fix::OrderRequest probe = order("probe-s", '2', "HB-BF-450", 1000, 63000);
  seller.fix().send(probe);
  REQUIRE(seller.wait([](const Received& c) { return c.has("probe-s", '0'); }));
  crix::fix::OrderRequest probe_b = order("probe-b", '1', "TJ-NEW-BF-2500", 1000, 53000);
  buyer.fix().send(probe_b);
  REQUIRE(buyer.wait([](const Received& c) { return c.has("probe-b", '0'); }));

  // Apply the incremental updates to the first snapshot: (side, price) -> size.
  std::map<std::pair<char, std::int64_t>, std::int64_t> book;
  const auto snapshots = [&] { return watcher.get(&Client::snapshots); };
  const auto first = snapshots();  // a named copy: a range-for over a temporary's member would dangle
  for (const auto& e : first[0].entries) book[{e.type, e.price}] = e.size;
  REQUIRE(watcher.wait([](const Received& c) {
    for (const auto& x : c.incrementals) {
      for (const auto& e : x.entries) {
        if (e.type == '0' && e.price == 53000) return true;  // the buyer's probe, the last change
      }
    }
    return false;
  }));
  // A new entry (0) names a level the book does not hold yet, a change (1) or delete (2) one it holds.
  const auto apply = [](std::map<std::pair<char, std::int64_t>, std::int64_t>& b, const crix::fix::MdEntry& e) {
    const bool held = b.count({e.type, e.price}) > 0;
    if (e.action == '2') {
      b.erase({e.type, e.price});
    } else {
      b[{e.type, e.price}] = e.size;
    }
    return e.action == '0' ? !held : held;
  };
  // Per side, how many levels a book holds.
  const auto levels = [](const std::map<std::pair<char, std::int64_t>, std::int64_t>& b, char type) {
    return std::count_if(b.begin(), b.end(), [&](const auto& kv) { return kv.first.first == type; });
  };
  std::map<std::pair<char, std::int64_t>, std::int64_t> best;
  for (const auto& e : first[1].entries) best[{e.type, e.price}] = e.size;
  const auto increments = watcher.get(&Client::incrementals);
  std::size_t wrong_action = 0, too_deep = 0, top_messages = 0;
  for (const auto& x : increments) {
    auto& b = x.md_req_id == "top3" ? best : book;
    for (const auto& e : x.entries) wrong_action += apply(b, e) ? 0 : 1;
    if (x.md_req_id == "top3") {
      ++top_messages;
      too_deep += levels(best, '0') > 3 || levels(best, '1') > 3 ? 1 : 0;
    }
  }
  CHECK(wrong_action == 0);
  CHECK(too_deep == 0);
  CHECK(top_messages > 0);
  crix::fix::MarketDataRequest again;
  again.md_req_id = "check";
  again.subscription = '0';
  again.symbols = {"STEEL-IRON"};
  again.entry_types = "01";
  again.trades = false;
  REQUIRE(watcher.fix().send(again));
  REQUIRE(watcher.wait([](const Received& c) { return c.snapshots.size() == 3; }));
  std::map<std::pair<char, std::int64_t>, std::int64_t> fresh;
  const auto all = snapshots();
  for (const auto& e : all[2].entries) fresh[{e.type, e.price}] = e.size;
  CHECK(fresh.size() > 2);
  std::string diff;
  for (const auto& [k, v] : fresh) {
    const auto it = book.find(k);
    if (it == book.end() || it->second != v) {
      diff += std::string(1, k.first) + "@" + std::to_string(k.second) + ": snapshot " + std::to_string(v) +
              ", updates " + (it == book.end() ? "none" : std::to_string(it->second)) + "\n";
    }
  }
  for (const auto& [k, v] : book) {
    if (!fresh.count(k)) diff += std::string(1, k.first) + "@" + std::to_string(k.second) + ": only in updates\n";
  }
  INFO(diff);
  CHECK(book == fresh);

  // The depth-3 subscription equals a fresh depth-3 snapshot (the top levels of the full one).
  again.md_req_id = "check3";
  again.depth = 3;
  REQUIRE(watcher.fix().send(again));
  REQUIRE(watcher.wait([](const Received& c) { return c.snapshots.size() == 4; }));
  std::map<std::pair<char, std::int64_t>, std::int64_t> fresh_top;
  const auto four = snapshots();
  for (const auto& e : four[3].entries) fresh_top[{e.type, e.price}] = e.size;
  CHECK(levels(fresh_top, '0') == 3);
  CHECK(levels(fresh_top, '1') == 3);
  CHECK(best == fresh_top);
  check_stops_cleanly(crixd);
}

TEST_CASE("crixd: a client that stops reading is dropped and the other sessions keep trading", "[crixd]") {
  Running exchange;
  const std::uint16_t port = exchange.port;
  Crixd& crixd = exchange.crixd;
  REQUIRE(crixd.listening(port));
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(seller.fix().wait_logged_on(5000));

  // TJ-RONGCHENG logs on over a raw socket with a small receive buffer, reads the Logon answer, asks
  // for the security list 20,000 times (about 10 MB of answers) and never reads again.
  const int stuck = connect_raw(port, 4096);
  REQUIRE(stuck >= 0);
  const std::string header = "49=TJ-RONGCHENG\x01" "56=CRIX\x01" "52=" + sending_time() + "\x01";
  REQUIRE(write_all(stuck, frame("35=A\x01" + header + "34=1\x01" "98=0\x01" "108=30\x01" "141=Y\x01"
                                 "553=TJ-RONGCHENG\x01" "554=demo-tj-rongcheng\x01")));
  std::string answer;
  for (int i = 0; i < 50 && answer.find("\x01" "35=A\x01") == std::string::npos; ++i) {
    pollfd p{stuck, POLLIN, 0};
    if (poll(&p, 1, 100) != 1) continue;
    char buffer[4096];
    const ssize_t n = read(stuck, buffer, sizeof buffer);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  REQUIRE_THAT(answer, Catch::Matchers::Contains("\x01" "35=A\x01"));
  std::string flood;
  for (int i = 0; i < 20000; ++i) {
    flood += frame("35=x\x01" + header + "34=" + std::to_string(i + 2) + "\x01" "320=L" + std::to_string(i) +
                   "\x01" "559=4\x01");
  }
  std::thread writer([&] { write_all(stuck, flood); });  // crixd may drop the connection mid-write
  // If a check below fails, the writer may be blocked on a crixd that stopped reading: unblock it.
  struct Unblock {
    int fd;
    std::thread& thread;
    ~Unblock() {
      if (!thread.joinable()) return;
      shutdown(fd, SHUT_RDWR);
      thread.join();
    }
  } unblock{stuck, writer};

  // Meanwhile the seller's orders are acknowledged: sends to the stuck session give up after 200 ms.
  for (int i = 0; i < 20; ++i) {
    const std::string cl = "s" + std::to_string(i);
    REQUIRE(seller.fix().send(order(cl, '2', "HB-BF-450", 1000, 60000)));
    REQUIRE(seller.wait([&](const Received& c) { return c.has(cl, '0'); }));
    std::this_thread::sleep_for(20ms);
  }
  writer.join();
  INFO(crixd.errors());
  CHECK_THAT(crixd.errors(), Catch::Matchers::Contains("TJ-RONGCHENG: a message waited for room"));
  // The stuck connection was closed by crixd: reading what is left ends in end-of-file or a reset.
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{stuck, POLLIN, 0};
    if (poll(&p, 1, 100) != 1) continue;
    char buffer[65536];
    closed = read(stuck, buffer, sizeof buffer) <= 0;
  }
  CHECK(closed);
  close(stuck);

  // The participant logs on again and is served.
  Client again(port, "TJ-RONGCHENG", "demo-tj-rongcheng");
  REQUIRE(again.fix().wait_logged_on(10000));
  crix::fix::SecurityListRequest list;
  list.security_req_id = "after";
  list.request_type = 4;
  REQUIRE(again.fix().send(list));
  REQUIRE(again.wait([](const Received& c) { return !c.security_lists.empty(); }));
  check_stops_cleanly(crixd);
}

TEST_CASE("crixd: market data subscriptions end with their session", "[crixd]") {
  Running exchange;
  const std::uint16_t port = exchange.port;
  Crixd& crixd = exchange.crixd;
  REQUIRE(crixd.listening(port));
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(seller.fix().wait_logged_on(5000));
  crix::fix::MarketDataRequest md;
  md.md_req_id = "live";
  md.symbols = {"STEEL-IRON"};
  {
    Client watcher(port, "TJ-RONGCHENG", "demo-tj-rongcheng");
    REQUIRE(watcher.fix().wait_logged_on(5000));
    REQUIRE(watcher.fix().send(md));
    REQUIRE(watcher.wait([](const Received& c) { return c.snapshots.size() == 1; }));
  }  // logged out
  Client again(port, "TJ-RONGCHENG", "demo-tj-rongcheng");
  REQUIRE(again.fix().wait_logged_on(10000));
  REQUIRE(seller.fix().send(order("s1", '2', "HB-BF-450", 1000, 60000)));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s1", '0'); }));
  // A later request's answer comes after anything the order published to this session.
  crix::fix::SecurityListRequest list;
  list.security_req_id = "barrier";
  list.request_type = 4;
  REQUIRE(again.fix().send(list));
  REQUIRE(again.wait([](const Received& c) { return !c.security_lists.empty(); }));
  CHECK(again.get(&Client::incrementals).empty());
  // Subscribing again works as for anyone.
  REQUIRE(again.fix().send(md));
  REQUIRE(again.wait([](const Received& c) { return c.snapshots.size() == 1; }));
  CHECK(again.get(&Client::snapshots)[0].entries.size() == 1);
  check_stops_cleanly(crixd);
}

TEST_CASE("crixd: a project bids its whole need at its pair's ratio; no fill credits 0 t and a project whose "
          "need is met takes no buy order",
          "[crixd][rules]") {
  const TempDir dir;
  const std::string market = all_day_market(dir);
  {
    // Tianjin's blast-furnace project needs 300,000 t of new capacity; Hebei's furnace replaces into
    // Tianjin at 1.5:1, so the need takes 450,000 t.
    std::ifstream in(market);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::size_t project = text.find("id = \"TJ-NEW-BF-2500\"");
    REQUIRE(project != std::string::npos);
    const std::size_t need = text.find("new_capacity = 1000000", project);
    REQUIRE(need != std::string::npos);
    text.replace(need, std::string("new_capacity = 1000000").size(), "new_capacity = 300000");
    std::ofstream(market) << text;
  }
  const std::string ledger = dir.file("crix.ledger");
  const std::uint16_t port = free_port();
  Crixd crixd(dir, market, ledger, port);
  REQUIRE(crixd.listening(port));
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  Client buyer(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));

  // The whole need in one bid (reserving at the lowest ratio, 1.25:1, refused anything above 375,000 t).
  REQUIRE(buyer.fix().send(order("b1", '1', "TJ-NEW-BF-2500", 450000, 58000)));
  REQUIRE(buyer.wait([](const Received& c) { return c.count("b1") == 1; }));
  INFO(buyer.reports_for("b1")[0].text);
  REQUIRE(buyer.reports_for("b1")[0].exec_type == '0');
  // 1 t credits 0 t to any project that may buy from Hebei's furnace (1.25:1 at best): refused, it
  // cannot take part of the bid for no credit.
  REQUIRE(seller.fix().send(order("s1", '2', "HB-BF-450", 1, 58000)));
  REQUIRE(seller.wait([](const Received& c) { return c.count("s1") == 1; }));
  CHECK(seller.reports_for("s1")[0].exec_type == '8');
  CHECK_THAT(seller.reports_for("s1")[0].text, Catch::Matchers::Contains("credits no new capacity to any project"));
  // 450,000 t meet the need exactly.
  REQUIRE(seller.fix().send(order("s2", '2', "HB-BF-450", 450000, 58000)));
  REQUIRE(buyer.wait([](const Received& c) { return c.has("b1", 'F'); }));
  REQUIRE(seller.wait([](const Received& c) { return c.has("s2", 'F'); }));
  const crix::fix::ExecReport fill = buyer.reports_for("b1").back();
  CHECK(fill.ord_status == '2');
  CHECK(fill.last_qty == 450000);
  CHECK(fill.credited == 300000);
  CHECK(fill.ratio_permille == 1500);
  // The scenario's 1 t buy once the need is met: refused; a larger one too.
  REQUIRE(buyer.fix().send(order("b2", '1', "TJ-NEW-BF-2500", 1, 58000)));
  REQUIRE(buyer.fix().send(order("b3", '1', "TJ-NEW-BF-2500", 1000, 58000)));
  REQUIRE(buyer.wait([](const Received& c) { return c.count("b2") == 1 && c.count("b3") == 1; }));
  const crix::fix::ExecReport b2 = buyer.reports_for("b2")[0];
  const crix::fix::ExecReport b3 = buyer.reports_for("b3")[0];
  CHECK(b2.exec_type == '8');
  CHECK_THAT(b2.text, Catch::Matchers::Contains("credits no new capacity even at its lowest ratio, 1.25:1"));
  CHECK(b3.exec_type == '8');
  CHECK_THAT(b3.text, Catch::Matchers::Contains("has its need met (300000 t of new capacity credited of 300000 t)"));
  CHECK(b3.ord_rej_reason == 3);
  CHECK(seller.reports_for("s1").size() == 1);  // never filled

  check_stops_cleanly(crixd);
  const crix::ledger::Reader reader(ledger);
  CHECK(reader.meta().trade_count == 1);
  const auto elimination = reader.elimination_list();
  REQUIRE(elimination.size() == 1);
  CHECK(crix::ledger::verify(reader).ok());
}
