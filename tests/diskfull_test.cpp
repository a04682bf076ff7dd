// A full disk under a real crixd (issue 14, Disk full): the ledger on a small tmpfs mounted for the
// test, a filler file taking the rest, real QuickFIX clients trading. Under sync = os and sync = full,
// crixd refuses new orders with "ledger full" once its reserve of disk space cannot be kept, stays up
// with its sessions logged on, says so on /readyz, loses no acknowledged fill, and trades again
// without a restart once the filler is removed; `crix verify` is sound afterwards.
//
// Needs root (mount): the test fails with mount's error rather than skip.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gateway/fix/fix_api.hpp"
#include "ledger/reader.hpp"
#include "ledger/verify.hpp"
#include "ledger/writer.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/sample_market.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A tmpfs of `mib` MiB mounted at `dir` for the guard's life (lazily unmounted: a crixd killed by a
// failing check may still hold it).
class Tmpfs {
 public:
  Tmpfs(const std::string& dir, int mib) : dir_(dir) {
    fs::create_directories(dir_);
    const std::string options = "size=" + std::to_string(mib) + "m";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      FAIL("mount -t tmpfs -o " << options << " tmpfs " << dir_ << " failed: " << std::strerror(errno)
                                << " (the test needs root)");
    }
  }
  ~Tmpfs() { ::umount2(dir_.c_str(), MNT_DETACH); }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

 private:
  std::string dir_;
};

// Writes `path` until the filesystem has no room left; the bytes written.
std::uint64_t fill(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  std::vector<char> chunk(64 * 1024, 'x');
  std::uint64_t written = 0;
  for (std::size_t size = chunk.size(); size >= 512;) {
    const ssize_t n = ::write(fd, chunk.data(), size);
    if (n > 0) {
      written += static_cast<std::uint64_t>(n);
    } else {
      REQUIRE(errno == ENOSPC);
      size /= 2;
    }
  }
  ::close(fd);
  return written;
}

class Client : public crix::test::FixClient {
 public:
  Client(std::uint16_t port, const std::string& participant, const std::string& password)
      : FixClient(port, participant, password, 5) {}
  ~Client() override { stop(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
};

crix::fix::OrderRequest order(const std::string& cl, char side, const std::string& account) {
  crix::fix::OrderRequest r;
  r.cl_ord_id = cl;
  r.symbol = "STEEL-IRON";
  r.account = account;
  r.side = side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = 100;
  r.price = 58000;
  return r;
}

// "s12", "b12": a pair's ClOrdIDs (not "s" + n: g++ 12 -O3 warns falsely on that, -Wrestrict).
std::string id(char side, int n) {
  std::string s = std::to_string(n);
  s.insert(0, 1, side);
  return s;
}

bool answered(const crix::test::RecordingClient& c, const std::string& cl) { return c.count(cl) > 0; }

// The text of the reject `cl` got, or "" when it was not rejected.
std::string reject_text(crix::test::RecordingClient& c, const std::string& cl) {
  for (const auto& r : c.reports_for(cl)) {
    if (r.exec_type == '8') return r.text;
  }
  return "";
}

// crixd's log lines of level warning and above.
std::string warnings(const std::string& log) {
  std::string out;
  std::size_t at = 0;
  while (at < log.size()) {
    const std::size_t end = std::min(log.find('\n', at), log.size());
    const std::string line = log.substr(at, end - at);
    if (line.find(" info ") == std::string::npos && line.find(" debug ") == std::string::npos) out += line + "\n";
    at = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("disk full: crixd refuses orders with 'ledger full', stays up, loses no fill and trades again once there is room",
          "[crixd][diskfull]") {
  const std::string sync = GENERATE(as<std::string>{}, "os", "full");
  INFO("sync = " << sync);
  const crix::test::ScratchDir dir("crix-diskfull-test");
  const std::string market = crix::test::all_day_market(dir);
  const std::string disk = dir.file("disk");
  // The FIX store beside the ledger keeps 8 MiB ahead; the ledger, told to keep 256 KiB, fills its
  // reserve within a few hundred orders.
  const Tmpfs tmpfs(disk, 16);
  const std::string ledger = disk + "/crix.ledger";
  const std::string filler = disk + "/filler";
  const std::uint16_t port = crix::test::free_port();
  const std::uint16_t http = crix::test::free_port();
  crix::test::CrixdProcess crixd(CRIXD_BIN, dir, market, ledger, port, sync,
                                 {"--http", "127.0.0.1:" + std::to_string(http), "--ledger-reserve-kib", "256"});
  REQUIRE(crixd.listening(port));
  Client seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  Client buyer(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));
  REQUIRE(crix::test::get(http, "/readyz").status == 200);

  // A crossing pair at a time, in rounds of 20, until an order is refused.
  int next = 0;
  const auto round = [&](int pairs) {
    const int first = next;
    for (int i = 0; i < pairs; ++i, ++next) {
      REQUIRE(seller.fix().send(order(id('s', next), '2', "HB-BF-450")));
      REQUIRE(buyer.fix().send(order(id('b', next), '1', "TJ-NEW-BF-2500")));
    }
    REQUIRE(seller.wait([&](const crix::test::RecordingClient& c) {
      for (int i = first; i < next; ++i) {
        if (!answered(c, id('s', i))) return false;
      }
      return true;
    }));
    REQUIRE(buyer.wait([&](const crix::test::RecordingClient& c) {
      for (int i = first; i < next; ++i) {
        if (!answered(c, id('b', i))) return false;
      }
      return true;
    }));
    return first;
  };
  round(5);
  REQUIRE(buyer.wait([](const crix::test::RecordingClient& c) { return c.has("b0", 'F'); }));
  const std::uint64_t filled = fill(filler);
  INFO("filler: " << filled << " bytes");

  std::string refused;  // the first "ledger full" reject's text
  for (int r = 0; r < 100 && refused.empty(); ++r) {
    const int first = round(20);
    for (int i = first; i < next && refused.empty(); ++i) {
      refused = reject_text(seller, id('s', i));
      if (refused.empty()) refused = reject_text(buyer, id('b', i));
    }
  }
  INFO("crixd's warnings: " << warnings(crixd.errors()));
  REQUIRE_THAT(refused, Catch::Matchers::Contains("ledger full: no space left on the ledger's disk"));

  // Still up, the sessions still logged on, every order now refused at once, /readyz not ready.
  REQUIRE(crixd.memory_kb("VmRSS") > 0);
  CHECK(seller.fix().logged_on());
  CHECK(buyer.fix().logged_on());
  const int refused_at = round(3);
  for (int i = refused_at; i < next; ++i) {
    CHECK_THAT(reject_text(seller, id('s', i)), Catch::Matchers::Contains("ledger full"));
    CHECK_THAT(reject_text(buyer, id('b', i)), Catch::Matchers::Contains("ledger full"));
  }
  const crix::test::Reply ready = crix::test::get(http, "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Matchers::Contains("ledger full"));
  // A resend marked PossDupFlag=Y of an order acted on before gets that order's status even now (it
  // writes nothing), not the refusal.
  char last_status = 0;
  for (const auto& r : seller.reports_for("s0")) {
    if (r.exec_type != 'I') last_status = r.ord_status;
  }
  REQUIRE(last_status != 0);
  crix::fix::OrderRequest resent = order("s0", '2', "HB-BF-450");
  resent.poss_dup = true;
  REQUIRE(seller.fix().send(resent));
  REQUIRE(seller.wait([](const crix::test::RecordingClient& c) { return c.has("s0", 'I'); }));
  CHECK(seller.reports_for("s0").back().ord_status == last_status);
  CHECK(reject_text(seller, "s0").empty());

  // Room again: within a few seconds orders trade, without a restart.
  fs::remove(filler);
  // A pair is accepted when neither order is refused: the first may trade with an order left resting
  // from the round that filled the disk, so acceptance, not a fill of this pair, is what is asked;
  // the fills come with the rounds that follow.
  bool accepted = false;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!accepted && std::chrono::steady_clock::now() < until) {
    const int i = round(1);
    accepted = reject_text(seller, id('s', i)).empty() && reject_text(buyer, id('b', i)).empty();
    if (!accepted) std::this_thread::sleep_for(100ms);
  }
  INFO("crixd's warnings: " << warnings(crixd.errors()));
  REQUIRE(accepted);
  const std::size_t fills_before = buyer.read([&] {
    return std::count_if(buyer.reports.begin(), buyer.reports.end(), [](const auto& r) { return r.exec_type == 'F'; });
  });
  round(5);
  const bool traded = buyer.wait([&](const crix::test::RecordingClient& c) {
    return static_cast<std::size_t>(std::count_if(c.reports.begin(), c.reports.end(),
                                                  [](const auto& r) { return r.exec_type == 'F'; })) >= fills_before + 5;
  });
  CHECK(traded);
  CHECK(crix::test::get(http, "/readyz").status == 200);

  // Every fill a client saw is on the ledger; the ledger is sound.
  std::vector<crix::fix::ExecReport> seen = seller.get(&crix::test::RecordingClient::reports);
  for (const auto& r : buyer.get(&crix::test::RecordingClient::reports)) seen.push_back(r);
  seller.stop();
  buyer.stop();
  CHECK(crixd.stop(SIGTERM) == 0);
  const crix::ledger::Reader reader(ledger);
  std::size_t fills = 0;
  for (const auto& f : seen) {
    if (f.exec_type != 'F') continue;
    ++fills;
    INFO("fill " << f.trade_id << " of order " << f.order_id);
    const auto t = reader.trade(crix::engine::TradeId(std::stoull(f.trade_id)));
    REQUIRE(t.has_value());
    CHECK(t->qty.v == f.last_qty);
    CHECK(std::to_string(f.side == '1' ? t->buy_order.v : t->sell_order.v) == f.order_id);
  }
  CHECK(fills >= 10);
  const crix::test::RunResult verify = crix::test::run({CRIX_BIN, "verify", ledger});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

namespace {

// A batch of `n` client order records of 4 KiB each: pages without the rules of trades.
crix::ledger::Batch bulky(std::uint64_t& order, int n) {
  crix::ledger::Batch b;
  for (int i = 0; i < n; ++i) b.keep(crix::ledger::ClientOrder{++order, std::string(4000, 'x')});
  return b;
}

}  // namespace

TEST_CASE("disk full: the writer says so before a commit fails, and a commit that fails names the full disk",
          "[ledger][diskfull]") {
  const crix::test::ScratchDir dir("crix-diskfull-writer");
  const std::string disk = dir.file("disk");
  const Tmpfs tmpfs(disk, 8);
  const crix::engine::Market market = crix::test::sample_market();
  crix::ledger::WriterOptions o;
  o.durability = crix::engine::Durability::kFull;
  std::uint64_t order = 0;

  SECTION("with a reserve: space() turns kLow while commits still succeed, and kOk once there is room") {
    o.reserve_bytes = 1 << 20;
    crix::ledger::Writer w(disk + "/ledger", market, o);
    REQUIRE(w.reserve_note().empty());
    int commits = 0;
    while (w.space() == crix::ledger::Space::kOk && commits < 10'000) {
      w.commit(bulky(order, 16));
      ++commits;
    }
    REQUIRE(w.space() == crix::ledger::Space::kLow);
    CHECK_THAT(w.reserve_note(), Catch::Matchers::Contains("no space left on the ledger's disk"));
    // What is left of the reserve (at least half of it) takes more commits.
    for (int i = 0; i < 4; ++i) w.commit(bulky(order, 16));
    CHECK(w.space() == crix::ledger::Space::kLow);
    CHECK(w.reserve_space() == crix::ledger::Space::kLow);
  }
  SECTION("without a reserve: the commit that meets the full disk says so, not 'Input/output error'") {
    o.reserve_bytes = 0;
    crix::ledger::Writer w(disk + "/ledger", market, o);
    std::string failure;
    for (int i = 0; i < 10'000 && failure.empty(); ++i) {
      try {
        w.commit(bulky(order, 16));
      } catch (const crix::ledger::Error& e) {
        failure = e.what();
      }
    }
    CHECK_THAT(failure, Catch::Matchers::Contains("no space left on the ledger's disk"));
    CHECK_THAT(failure, !Catch::Matchers::Contains("Input/output error"));
  }
}
