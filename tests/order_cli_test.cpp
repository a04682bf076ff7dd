// `crix order` end to end: the real `crix` process against a real crixd on loopback, one test per verb,
// and what crixd's log says about it. The market is the sample open all day on every day, except where
// a test needs a break between sessions now.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

using crix::test::RunResult;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A crixd on a fresh ledger and a free port; `crix order` runs as any participant of the sample, its
// session state under the scratch directory (XDG_STATE_HOME), its password from CRIX_PASSWORD.
class Exchange {
 public:
  explicit Exchange(const std::string& market_file = "") {
    market_ = market_file.empty() ? crix::test::all_day_market(dir_) : market_file;
    start();
  }
  ~Exchange() { crixd_->stop(SIGTERM); }

  // Stops crixd (SIGTERM) and starts it again on the same ledger, market file and ports.
  void restart() {
    REQUIRE(crixd_->stop(SIGTERM) == 0);
    crixd_.reset();
    start();
  }

  RunResult order(const std::string& who, const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    RunResult r = order_quietly(who, args, std::move(env));
    UNSCOPED_INFO("crix order " << who << " ... -> " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    return r;
  }

  // The same without Catch's message: for a second thread, as Catch's macros are not thread-safe (two
  // threads' UNSCOPED_INFO freed one buffer twice: a SIGSEGV in CI, 2026-12-08).
  RunResult order_quietly(const std::string& who, const std::vector<std::string>& args,
                          std::vector<std::string> env = {}) const {
    std::vector<std::string> argv = {CRIX_BIN, "order", "--as", who, "--port", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("XDG_STATE_HOME=" + dir_.file("state"));
    bool has_password = false;
    for (const std::string& e : env) has_password = has_password || e.rfind("CRIX_PASSWORD=", 0) == 0;
    if (!has_password) env.push_back("CRIX_PASSWORD=demo-" + lower(who));
    crix::test::RunOptions options;
    options.env = env;
    return crix::test::run(argv, options);
  }

  std::uint16_t http_port() const { return http_port_; }

  // `crix admin` against this crixd's console; `token` "" sends none.
  RunResult admin(const std::vector<std::string>& args, const std::string& token = "crix-sample-operator-token") {
    std::vector<std::string> argv = {CRIX_BIN, "admin", "--url", "http://127.0.0.1:" + std::to_string(http_port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    crix::test::RunOptions options;
    if (!token.empty()) options.env = {"CRIX_TOKEN=" + token};
    RunResult r = crix::test::run(argv, options);
    UNSCOPED_INFO("crix admin ... -> " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    return r;
  }

  // Waits (up to 10 s: the log is written by crixd's logging thread) for crixd's log to contain `text`;
  // returns the log.
  std::string log_with(const std::string& text) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string log = read_file(dir_.file("logs/crixd.log"));
    while (log.find(text) == std::string::npos && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      log = read_file(dir_.file("logs/crixd.log"));
    }
    UNSCOPED_INFO("crixd.log:\n" << log);
    return log;
  }

  const crix::test::ScratchDir& dir() const { return dir_; }
  std::uint16_t port() const { return port_; }

 private:
  void start() {
    crixd_ = std::make_unique<crix::test::CrixdProcess>(CRIXD_BIN, dir_, market_, dir_.file("crix.ledger"), port_, "os",
                                                        std::vector<std::string>{"--http", "127.0.0.1:" + std::to_string(http_port_)});
    REQUIRE(crixd_->listening(port_));
  }

  crix::test::ScratchDir dir_{"order-cli"};
  std::string market_;
  std::uint16_t port_ = crix::test::free_port();
  std::uint16_t http_port_ = crix::test::free_port();
  std::unique_ptr<crix::test::CrixdProcess> crixd_;
};

const std::string kSeller = "HB-TANGSHAN-IRON";  // facility HB-BF-450, Hebei
const std::string kBuyer = "TJ-BOHAI-STEEL";     // project TJ-NEW-BF-2500, Tianjin (key region: 1.5:1)

// `text` with the exchange's order ids as N: "order 7 (" -> "order N (", "buy_order=7" -> "buy_order=N".
// Order ids are sequence numbers, and crixd's clock takes one at each minute, so a test that runs
// across a minute sees its orders numbered one higher.
std::string ids_as_n(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t digits = 0;
    for (const char* mark : {"order ", "_order="}) {
      const std::string m = mark;
      if (text.compare(i, m.size(), m) != 0) continue;
      std::size_t j = i + m.size();
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      const bool id = j > i + m.size() && (m.back() == '=' || text.compare(j, 2, " (") == 0);
      if (id) {
        out += m + "N";
        digits = j - i;
      }
      break;
    }
    if (digits > 0) {
      i += digits;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// `part` is in `text`, order ids aside (ids_as_n).
bool has(const std::string& text, const std::string& part) { return ids_as_n(text).find(ids_as_n(part)) != std::string::npos; }

// The id crix order printed for the order with ClOrdID `cl_ord_id` ("order 7 (s-1) ..." -> "7").
std::string id_of(const std::string& out, const std::string& cl_ord_id) {
  const std::size_t at = out.find(" (" + cl_ord_id + ")");
  const std::size_t start = at == std::string::npos ? std::string::npos : out.rfind("order ", at);
  return start == std::string::npos ? "?" : out.substr(start + 6, at - start - 6);
}

// The line starts "YYYY-MM-DD HH:MM:SS.mmm" followed by `offset` ("+08:00") and a space.
bool zoned_stamp(const std::string& line, const std::string& offset) {
  const std::string shape = "dddd-dd-dd dd:dd:dd.ddd";
  if (line.size() < shape.size() + offset.size() + 1) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(line[i])) : line[i] != shape[i]) return false;
  }
  return line.compare(shape.size(), offset.size(), offset) == 0 && line[shape.size() + offset.size()] == ' ';
}

}  // namespace

TEST_CASE("crix order securities: a fresh crixd shows every instrument trading before any order in its unit",
          "[order]") {
  Exchange x;
  const RunResult r = x.order(kSeller, {"securities"});
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.out);
  int instruments = 0;
  for (std::string line; std::getline(lines, line); ++instruments) CHECK(has(line, "  trading"));
  CHECK(instruments == 5);
  CHECK(has(r.out, "GLASS-FLAT  flat glass capacity, weight box/yr"));
  CHECK(has(r.out, "STEEL-IRON  steel capacity, t/yr"));
}

TEST_CASE("crix order buy and sell: the fill prints its exact ratio, crixd logs the trade in the market's zone",
          "[order]") {
  Exchange x;
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300000", "580.00", "--tif", "gtc", "--id", "s-1"})
              .exit_code == 0);
  // Panzhihua (Sichuan) is no key region: steel replaces there at 1.25:1.
  const RunResult buy = x.order("SC-PANZHIHUA-STEEL", {"buy", "STEEL-IRON", "SC-PZH-BF-1750", "1000", "580.00",
                                                       "--id", "b-1"});
  REQUIRE(buy.exit_code == 0);
  CHECK(has(buy.out, "order 3 (b-1) new: buy 1000 t STEEL-IRON at 580.00 for SC-PZH-BF-1750"));
  CHECK(has(buy.out, "order 3 (b-1) fill: 1000 t at 580.00, trade 1, credits 800 t of new capacity at ratio 1.25:1"));
  const std::string log = x.log_with("trade id=1 ");
  CHECK(has(log, "trade id=1 symbol=STEEL-IRON qty=1000 price=580.00 buy_order=3 buyer=SC-PANZHIHUA-STEEL "
                 "project=SC-PZH-BF-1750 sell_order=2 seller=HB-TANGSHAN-IRON facility=HB-BF-450 credited=800 "
                 "ratio=1.25:1 aggressor=buy"));
  // Every line of the log carries its zone: the sample's, Asia/Shanghai, unless it is near midnight there.
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK(zoned_stamp(line, crix::test::all_day_zone().offset_text));
  }
}

TEST_CASE("crix order: a refused order prints its ClOrdID and the reason, crixd logs the reject", "[order]") {
  Exchange x;
  const RunResult r = x.order(kSeller, {"sell", "STEEL-IRON", "NOPE", "100", "580.00", "--id", "bad-1"});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "order (bad-1) rejected: Account(1) 'NOPE' is no registered facility"));
  CHECK_FALSE(has(r.err + r.out, "NONE"));
  CHECK(has(x.log_with("reject request=new"),
            "reject request=new participant=HB-TANGSHAN-IRON cl_ord_id=bad-1 symbol=STEEL-IRON side=sell account=NOPE "
            "qty=100 price=580.00 reason=\"Account(1) 'NOPE' is no registered facility"));
}

TEST_CASE("crix order status and replace and cancel find the order by id or ClOrdID with no --symbol", "[order]") {
  Exchange x;
  const RunResult sell = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "600.00", "--tif", "gtc", "--id", "s-1"});
  REQUIRE(sell.exit_code == 0);
  const std::string id = id_of(sell.out, "s-1");
  const RunResult status = x.order(kSeller, {"status", id});
  CHECK(status.exit_code == 0);
  CHECK(has(status.out, "order 2 (s-1) new: sell 300 t STEEL-IRON at 600.00 for HB-BF-450; 0 t done, 300 t open"));

  const RunResult replace = x.order(kSeller, {"replace", "s-1", "200", "590.00", "--id", "r-1"});
  CHECK(replace.exit_code == 0);
  CHECK(has(replace.out, "order 2 (r-1) replaced: sell 200 t STEEL-IRON at 590.00 for HB-BF-450"));

  const RunResult by_symbol = x.order(kSeller, {"status", "r-1", "--symbol", "STEEL-IRON"});
  CHECK(by_symbol.exit_code == 0);
  CHECK(has(by_symbol.out, "order 2 (r-1) new: sell 200 t STEEL-IRON at 590.00"));

  const RunResult cancel = x.order(kSeller, {"cancel", id, "--id", "c-1"});
  CHECK(cancel.exit_code == 0);
  CHECK(has(cancel.out, "order 2 (c-1) canceled"));

  const RunResult done = x.order(kSeller, {"status", id});
  CHECK(done.exit_code == 0);
  CHECK(has(done.out, "order 2 (c-1) canceled: sell 200 t STEEL-IRON at 590.00"));  // its last ClOrdID

  const RunResult again = x.order(kSeller, {"cancel", id});  // listed as canceled: the exchange refuses
  CHECK(again.exit_code == 1);
  CHECK(has(again.err, "cancel refused"));

  const RunResult unknown = x.order(kSeller, {"cancel", "77"});
  CHECK(unknown.exit_code == 1);
  CHECK(has(unknown.err, "HB-TANGSHAN-IRON has no order '77' today"));
  const RunResult other = x.order(kBuyer, {"status", id});  // not the buyer's
  CHECK(other.exit_code == 1);
  CHECK(has(other.err, "TJ-BOHAI-STEEL has no order '" + id + "' today"));
}

TEST_CASE("crix order orders and fills list the session's open orders and what traded today", "[order]") {
  Exchange x;
  const RunResult none = x.order(kBuyer, {"orders"});
  CHECK(none.exit_code == 0);
  CHECK(none.out == "no open orders\n");
  const RunResult no_fills = x.order(kBuyer, {"fills"});
  CHECK(no_fills.exit_code == 0);
  CHECK(no_fills.out == "no fills today\n");

  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "580.00", "--tif", "gtc", "--id", "s-1"})
              .exit_code == 0);
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "50", "600.00", "--tif", "gtc", "--id", "s-2"})
              .exit_code == 0);
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "100", "580.00", "--id", "b-1"}).exit_code == 0);

  const RunResult orders = x.order(kSeller, {"orders"});
  CHECK(orders.exit_code == 0);
  CHECK(has(orders.out, "order 2 (s-1) partially filled: sell 300 t STEEL-IRON at 580.00 for HB-BF-450; 100 t done "
                        "at 580.00 on average, 200 t open"));
  CHECK(has(orders.out, "order 3 (s-2) new: sell 50 t STEEL-IRON at 600.00 for HB-BF-450; 0 t done, 50 t open"));
  const RunResult fills = x.order(kSeller, {"fills"});
  CHECK(fills.exit_code == 0);
  CHECK(has(fills.out, "order 2 (s-1) partially filled"));
  CHECK_FALSE(has(fills.out, "s-2"));
  const RunResult bought = x.order(kBuyer, {"fills"});
  CHECK(has(bought.out, "order 4 (b-1) filled: buy 100 t STEEL-IRON at 580.00 for TJ-NEW-BF-2500; 100 t done at "
                        "580.00 on average, 0 t open"));
  CHECK(x.order(kBuyer, {"orders"}).out == "no open orders\n");  // filled: no longer open
  CHECK(x.order(kSeller, {"orders", "--symbol", "CEMENT-CLINKER"}).out == "no open orders\n");
}

TEST_CASE("crix order cancel-all cancels one instrument's or every open order and prints the report", "[order]") {
  Exchange x;
  for (const char* id : {"s-1", "s-2"}) {
    REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "100", "600.00", "--tif", "gtc", "--id", id})
                .exit_code == 0);
  }
  const RunResult other = x.order(kSeller, {"cancel-all", "CEMENT-CLINKER", "--id", "q-1"});
  CHECK(other.exit_code == 0);
  CHECK(has(other.out, "cancel-all (q-1): 0 orders canceled"));
  const RunResult all = x.order(kSeller, {"cancel-all", "--id", "q-2"});
  CHECK(all.exit_code == 0);
  CHECK(has(all.out, "order 2 (s-1) canceled"));
  CHECK(has(all.out, "order 3 (s-2) canceled"));
  CHECK(has(all.out, "cancel-all (q-2): 2 orders canceled (all instruments)"));
  CHECK(x.order(kSeller, {"orders"}).out == "no open orders\n");
  const RunResult again = x.order(kSeller, {"cancel-all", "--id", "q-3"});
  CHECK(has(again.out, "cancel-all (q-3): 0 orders canceled (all instruments)"));
  const RunResult unknown = x.order(kSeller, {"cancel-all", "NOPE", "--id", "q-4"});
  CHECK(unknown.exit_code == 1);
  CHECK(has(unknown.err, "cancel-all (q-4) refused: "));
  CHECK(has(x.log_with("request=mass_cancel"), "reject request=mass_cancel participant=HB-TANGSHAN-IRON cl_ord_id=q-4"));
}

TEST_CASE("crix order book and watch show the book and its trades", "[order]") {
  Exchange x;
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "580.00", "--tif", "gtc"}).exit_code == 0);
  const RunResult book = x.order(kBuyer, {"book", "STEEL-IRON"});
  CHECK(book.exit_code == 0);
  CHECK(book.out == "book STEEL-IRON:\n  ask  580.00  300 t  (1 order)\n");

  // watch runs until Ctrl-C: `timeout` sends it SIGINT after a few seconds (and passes its exit code on).
  RunResult watch;
  std::thread watcher([&] {
    watch = crix::test::run({"timeout", "--preserve-status", "-s", "INT", "4", CRIX_BIN, "order", "--as",
                             "TJ-RONGCHENG", "--port", std::to_string(x.port()), "--fresh", "watch",
                             "STEEL-IRON"},
                            {std::nullopt, {"CRIX_PASSWORD=demo-tj-rongcheng"}});
  });
  x.log_with("logon: TJ-RONGCHENG");  // it subscribes as soon as it is logged on
  const RunResult buy = x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "100", "580.00"});
  watcher.join();  // before any REQUIRE: a failing one must not end the test with the thread running
  REQUIRE(buy.exit_code == 0);
  INFO(watch.out << watch.err);
  CHECK(watch.exit_code == 0);
  CHECK(has(watch.out, "book STEEL-IRON:\n  ask  580.00  300 t  (1 order)"));
  CHECK(has(watch.out, "STEEL-IRON trade 1: 100 t at 580.00"));
  CHECK(has(watch.out, "STEEL-IRON ask 580.00 now 200 t (1 order)"));
}

TEST_CASE("crix order block: propose, list, accept with the trade printed, decline, withdraw and a refusal",
          "[order][block]") {
  Exchange x;
  // The block's id is the exchange's (a sequence number): read from the answer "block N (ID) proposed".
  const auto block_id = [](const std::string& out, const std::string& id) {
    const std::size_t end = out.find(" (" + id + ") proposed");
    REQUIRE(end != std::string::npos);
    const std::size_t start = out.rfind("block ", end);
    REQUIRE(start != std::string::npos);
    return out.substr(start + 6, end - start - 6);
  };
  const RunResult proposed = x.order(kSeller, {"block", "propose", "STEEL-IRON", "sell", "HB-BF-450", "300000", "700.00",
                                               "--to", kBuyer, "--id", "b-1"});
  CHECK(proposed.exit_code == 0);
  const std::string b1 = block_id(proposed.out, "b-1");
  CHECK(x.order(kSeller, {"blocks"}).out ==
        "block " + b1 + ": you propose to sell 300000 t STEEL-IRON at 700.00 for HB-BF-450 to TJ-BOHAI-STEEL, awaiting "
        "their answer\n");
  // The buyer's first logon starts its session afresh (nothing kept to resend): the listing finds it.
  CHECK(x.order(kBuyer, {"blocks"}).out ==
        "block " + b1 + ": proposed to you: buy 300000 t STEEL-IRON at 700.00 from HB-TANGSHAN-IRON\n");

  // A refused acceptance prints the exchange's sentence and leaves the block pending.
  const RunResult refused = x.order(kBuyer, {"block", "accept", b1, "NO-SUCH-PROJECT", "--id", "a-1"});
  CHECK(refused.exit_code == 1);
  CHECK(has(refused.err, "block " + b1 + " (a-1) refused: Account(1) 'NO-SUCH-PROJECT' is no registered project"));
  const RunResult accepted = x.order(kBuyer, {"block", "accept", b1, "TJ-NEW-BF-2500", "--id", "a-2"});
  CHECK(accepted.exit_code == 0);
  CHECK(has(accepted.out, "block " + b1 + " traded: buy 300000 t STEEL-IRON at 700.00 for TJ-NEW-BF-2500 from "
                          "HB-TANGSHAN-IRON, trade 1, credits 200000 t of new capacity at ratio 1.5:1"));
  CHECK(has(accepted.out, "block " + b1 + " (a-2) accepted"));
  CHECK(has(x.order(kSeller, {"blocks"}).out,
            "missed while away: block " + b1 + " traded: sell 300000 t STEEL-IRON at 700.00 for HB-BF-450 to "
            "TJ-BOHAI-STEEL, trade 1"));
  CHECK(x.order(kSeller, {"blocks"}).out == "no pending blocks\n");
  const RunResult gone = x.order(kBuyer, {"block", "accept", b1, "TJ-NEW-BF-2500"});
  CHECK(gone.exit_code == 1);
  CHECK(has(gone.err, "no block '" + b1 + "' is pending with TJ-BOHAI-STEEL as its counterparty"));

  // The sample's block minimum is 100,000 t.
  const std::string b2 = block_id(x.order(kSeller, {"block", "propose", "STEEL-IRON", "sell", "HB-BF-450", "100000",
                                                    "600", "--to", kBuyer, "--id", "b-2"}).out, "b-2");
  const RunResult declined = x.order(kBuyer, {"block", "decline", b2, "--id", "d-1"});
  CHECK(declined.exit_code == 0);
  CHECK(has(declined.out, "block " + b2 + " (d-1) declined"));
  const RunResult third = x.order(kSeller, {"block", "propose", "STEEL-IRON", "sell", "HB-BF-450", "100000", "600",
                                            "--to", kBuyer, "--id", "b-3"});
  CHECK(has(third.out, "missed while away: block " + b2 + " ended: "));
  CHECK(has(third.out, ": ended, declined by the counterparty"));
  const std::string b3 = block_id(third.out, "b-3");
  const RunResult withdrawn = x.order(kSeller, {"block", "withdraw", b3, "--id", "w-1"});
  CHECK(withdrawn.exit_code == 0);
  CHECK(has(withdrawn.out, "block " + b3 + " (w-1) withdrawn"));
  CHECK(has(withdrawn.out, "block " + b3 + " ended: "));
  CHECK(has(x.log_with("request=block"), "reject request=block participant=TJ-BOHAI-STEEL trade_report_id=a-1"));
}

TEST_CASE("crix order reads the password from a file or the environment or nowhere and --help says how",
          "[order]") {
  Exchange x;
  const std::string file = x.dir().file("password");
  std::ofstream(file) << "demo-hb-tangshan-iron\n";
  const RunResult from_file = x.order(kSeller, {"--password-file", file, "securities"}, {"CRIX_PASSWORD="});
  CHECK(from_file.exit_code == 0);
  CHECK(has(from_file.out, "STEEL-IRON"));
  const RunResult from_env = x.order(kSeller, {"securities"});
  CHECK(from_env.exit_code == 0);
  const RunResult none = x.order(kSeller, {"securities"}, {"CRIX_PASSWORD="});  // stdin is /dev/null: no prompt
  CHECK(none.exit_code == 2);
  CHECK(has(none.err, "no password: set CRIX_PASSWORD, or give --password-file FILE"));
  const RunResult wrong = x.order(kSeller, {"securities"}, {"CRIX_PASSWORD=nope"});
  CHECK(wrong.exit_code == 1);
  CHECK(has(wrong.err, "wrong password for HB-TANGSHAN-IRON"));
  const RunResult help = crix::test::run({CRIX_BIN, "order", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(has(help.out, "CRIX_PASSWORD"));
  CHECK(has(help.out, "--password-file FILE"));
  for (const char* verb : {"orders", "fills", "cancel-all", "--store DIR", "--fresh"}) CHECK(has(help.out, verb));
}

TEST_CASE("crix order: a trader who was away is sent the fills it missed at its next logon", "[order]") {
  Exchange x;
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "580.00", "--tif", "gtc", "--id", "s-1"})
              .exit_code == 0);
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "100", "580.00"}).exit_code == 0);
  // The seller was not logged on when its order traded; its session state is under XDG_STATE_HOME.
  CHECK(std::filesystem::is_directory(x.dir().file("state/crix/127.0.0.1-" + std::to_string(x.port()) + "/" +
                                                   kSeller)));
  const RunResult back = x.order(kSeller, {"securities"});
  CHECK(back.exit_code == 0);
  CHECK(has(back.out, "missed while away: order 2 (s-1) fill: 100 t at 580.00, trade 1"));
  CHECK(has(back.out, "STEEL-IRON  steel capacity"));  // and then what was asked
  const RunResult later = x.order(kSeller, {"securities"});  // nothing more was missed
  CHECK_FALSE(has(later.out, "missed while away"));

  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "50", "580.00"}).exit_code == 0);
  const RunResult fresh = x.order(kSeller, {"securities", "--fresh"});  // starts over: nothing resent
  CHECK(fresh.exit_code == 0);
  CHECK_FALSE(has(fresh.out, "missed while away"));
}

TEST_CASE("crixd's start line says the session phase during a break between sessions", "[order]") {
  crix::test::ScratchDir dir("order-break");
  std::string market = crix::test::all_day_market(dir);
  // The all-day market's zone, in which it is now between 01:00 and 21:00, and two sessions at the ends
  // of the day.
  std::ifstream in(market);
  std::string text;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("sessions = ", 0) == 0) line = "sessions = [[00:00:00, 00:30:00], [23:30:00, 23:59:00]]";
    text += line + "\n";
  }
  in.close();
  std::ofstream(market) << text;
  const std::uint16_t port = crix::test::free_port();
  crix::test::CrixdProcess crixd(CRIXD_BIN, dir, market, dir.file("crix.ledger"), port);
  REQUIRE(crixd.listening(port));
  std::string log;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!has(log, " is up") && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = read_file(dir.file("logs/crixd.log"));
  }
  INFO(log);
  CHECK(has(log, "is up, session phase break between sessions: FIX 4.4"));
  CHECK(has(log, crix::test::all_day_zone().offset_text + " info"));
  CHECK(crixd.stop(SIGTERM) == 0);
}

TEST_CASE("crix admin halts and resumes an instrument and suspends a participant through crixd's console, "
          "journaled with the operator's name",
          "[order][admin]") {
  Exchange x;
  const RunResult halt = x.admin({"halt", "STEEL-IRON", "--reason", "checking a filing"});
  REQUIRE(halt.exit_code == 0);
  CHECK(halt.out.find("halt STEEL-IRON: done, seq ") == 0);
  CHECK(x.log_with("STEEL-IRON halted by the exchange").find("STEEL-IRON halted by the exchange") != std::string::npos);
  // A second halt changes nothing: refused with the reason, not "done".
  const RunResult again = x.admin({"halt", "STEEL-IRON"});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("STEEL-IRON is halted already: nothing to do") != std::string::npos);
  const RunResult refused = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "1000", "580.00", "--id", "s-1"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("order (s-1) rejected: STEEL-IRON is halted by the exchange") != std::string::npos);

  REQUIRE(x.admin({"resume", "STEEL-IRON"}).exit_code == 0);
  CHECK(x.log_with("STEEL-IRON resumed: trading").find("STEEL-IRON resumed: trading") != std::string::npos);
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "1000", "580.00", "--tif", "gtc", "--id", "s-2"}).exit_code == 0);
  const RunResult bought = x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "1000", "580.00", "--id", "b-1"});
  REQUIRE(bought.exit_code == 0);
  CHECK(bought.out.find("fill: 1000 t at 580.00, trade 1") != std::string::npos);

  // The regulator's reads: the trade in the ledger's CSV, the audit trail with the token's name.
  const RunResult csv = x.admin({"get", "/api/v1/ledger/trades", "--csv"});
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.find("HB-BF-450") != std::string::npos);
  CHECK(csv.out.find("TJ-NEW-BF-2500") != std::string::npos);
  const RunResult actions = x.admin({"actions"});
  REQUIRE(actions.exit_code == 0);
  CHECK(actions.out.find("\"operator\": \"ops-script\"") != std::string::npos);
  CHECK(actions.out.find("\"command\": \"halt\"") != std::string::npos);
  CHECK(actions.out.find("reason=\\\"checking a filing\\\"") != std::string::npos);
  CHECK(actions.out.find("\"command\": \"resume\"") != std::string::npos);
  // A page at a time: the first entry and "more", then the page after it.
  const RunResult first = x.admin({"actions", "--limit", "1"});
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("\"command\": \"halt\"") != std::string::npos);
  CHECK(first.out.find("\"command\": \"resume\"") == std::string::npos);
  const nlohmann::json page = nlohmann::json::parse(first.out);
  CHECK(page["more"] == 2);  // the refused second halt and the resume
  const auto next = page["next_after"];
  REQUIRE(next.is_number_unsigned());
  const RunResult rest = x.admin({"actions", "--after", std::to_string(next.get<std::uint64_t>())});
  REQUIRE(rest.exit_code == 0);
  CHECK(rest.out.find("checking a filing") == std::string::npos);  // the first page's halt
  CHECK(rest.out.find("\"command\": \"resume\"") != std::string::npos);
  CHECK(x.admin({"actions", "--limit", "0"}).exit_code == 2);

  // A suspension refuses the participant's next logon with the reason; without a token nothing is done.
  REQUIRE(x.admin({"suspend", kSeller, "--reason", "filing withdrawn"}).exit_code == 0);
  const RunResult away = x.order(kSeller, {"orders"});
  CHECK(away.exit_code == 1);
  CHECK(away.err.find("suspended") != std::string::npos);
  const RunResult anonymous = x.admin({"reinstate", kSeller}, "");
  CHECK(anonymous.exit_code == 1);
  CHECK(anonymous.err.find("refused (401)") != std::string::npos);
  REQUIRE(x.admin({"reinstate", kSeller}).exit_code == 0);
  CHECK(x.order(kSeller, {"orders"}).exit_code == 0);
  CHECK(x.admin({"revoke", "x"}).exit_code == 2);
  // https:// to a console that serves plain HTTP: the message says which scheme to use.
  const std::string address = "127.0.0.1:" + std::to_string(x.http_port());
  const RunResult tls = crix::test::run({CRIX_BIN, "admin", "--url", "https://" + address, "instruments"});
  CHECK(tls.exit_code == 1);
  CHECK(tls.err.find("crix admin: the TLS handshake with " + address + " failed: ") != std::string::npos);
  CHECK(tls.err.find(": if its console serves plain HTTP, use http://" + address) != std::string::npos);
}

TEST_CASE("crix admin's suspension of a participant lasts across crixd's restarts, and so does its reinstatement",
          "[order][admin]") {
  Exchange x;
  // A newline in the reason stays inside its log line, escaped: it cannot forge a line of its own.
  REQUIRE(x.admin({"suspend", kSeller, "--reason", "filing withdrawn\n2026-12-08 01:00:00.000 forged"}).exit_code == 0);
  const std::string logged = x.log_with("command=suspend");
  CHECK(logged.find("reason=\"filing withdrawn\\n2026-12-08 01:00:00.000 forged\"") != std::string::npos);
  CHECK(logged.find("\n2026-12-08 01:00:00.000 forged") == std::string::npos);
  // The market file still says "active", as when it was accepted: the journaled suspension stands.
  x.restart();
  CHECK(x.log_with("stays suspended").find("participant " + kSeller +
                                           " stays suspended as an operator's journaled command left it, though the "
                                           "market file says status = \"active\"") != std::string::npos);
  const RunResult away = x.order(kSeller, {"orders"});
  CHECK(away.exit_code == 1);
  CHECK(away.err.find("suspended") != std::string::npos);
  const RunResult participants = x.admin({"participants"});
  REQUIRE(participants.exit_code == 0);
  CHECK(participants.out.find("\"suspended\"") != std::string::npos);

  REQUIRE(x.admin({"reinstate", kSeller}).exit_code == 0);
  x.restart();
  CHECK(x.order(kSeller, {"orders"}).exit_code == 0);
  // Neither start journaled a command of its own: the audit trail holds the operator's two.
  const RunResult actions = x.admin({"actions"});
  REQUIRE(actions.exit_code == 0);
  CHECK(actions.out.find("\"command\": \"suspend\"") != std::string::npos);
  CHECK(actions.out.find("\"command\": \"reinstate\"") != std::string::npos);
  const std::string log = read_file(x.dir().file("logs/crixd.log"));
  CHECK(log.find("as the market file says") == std::string::npos);
}

TEST_CASE("crix admin: a token file's line end and spaces are not the token's, and a wrong or empty token says so",
          "[order][admin]") {
  Exchange x;
  const std::string url = "http://127.0.0.1:" + std::to_string(x.http_port());
  const auto with_file = [&](const std::string& content, const std::string& verb) {
    const std::string file = x.dir().file("token");
    std::ofstream(file, std::ios::binary) << content;
    const RunResult r = crix::test::run({CRIX_BIN, "admin", "--url", url, "--token-file", file, verb, "STEEL-IRON"});
    UNSCOPED_INFO("crix admin --token-file -> " << r.exit_code << "\n" << r.out << r.err);
    return r;
  };
  CHECK(with_file("crix-sample-operator-token\r\n", "halt").exit_code == 0);  // written on Windows
  CHECK(with_file("  crix-sample-operator-token \n", "resume").exit_code == 0);
  const RunResult empty = with_file("\n", "halt");
  CHECK(empty.exit_code == 1);
  CHECK(empty.err == "crix admin halt: --token-file: \"" + x.dir().file("token") + "\" is empty: put the token on its "
                     "first line\n");
  const RunResult missing = crix::test::run({CRIX_BIN, "admin", "--url", url, "--token-file", x.dir().file("none"), "halt", "STEEL-IRON"});
  CHECK(missing.exit_code == 1);
  CHECK(has(missing.err, "crix admin halt: --token-file: \"" + x.dir().file("none") + "\" cannot be read: No such file"));
  const RunResult wrong = x.admin({"resume", "STEEL-IRON"}, "not-a-token");
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("refused (401)") != std::string::npos);
  CHECK(wrong.err.find("(the token given is not one crixd knows: check --token, --token-file or CRIX_TOKEN)") !=
        std::string::npos);
  const RunResult control = x.admin({"resume", "STEEL-IRON"}, "crix-sample\x01operator-token");
  CHECK(control.exit_code == 2);
  CHECK(control.err.find("the token holds a control character") != std::string::npos);
}

TEST_CASE("crix admin announces, lists and cancels an auction through crixd's console, journaled with the token's "
          "name, and refusals exit 1 with crixd's reason",
          "[order][admin][auction]") {
  Exchange x;
  const RunResult listed = x.admin({"auctions"});
  REQUIRE(listed.exit_code == 0);
  // A table: its header, then AU-HB-450's row with its terms in yuan and no window yet.
  CHECK(listed.out.find("auction") == 0);
  CHECK(has(listed.out, "AU-HB-450"));
  CHECK(has(listed.out, "HB-TANGSHAN-IRON"));
  CHECK(has(listed.out, "550.00"));
  CHECK(has(listed.out, "configured"));

  // Two hours from now in the market's zone.
  const std::string closes =
      crix::test::all_day_time(std::chrono::system_clock::now() + std::chrono::hours(2), "%Y-%m-%dT%H:%M");
  const RunResult announced =
      x.admin({"auction", "announce", "AU-HB-450", "--opens", "now", "--closes", closes, "--reason", "quarterly lot"});
  REQUIRE(announced.exit_code == 0);
  CHECK(announced.out.find("auction announce AU-HB-450: done, seq ") == 0);
  const RunResult open = x.admin({"auctions"});
  CHECK(has(open.out, "announced"));
  std::string closes_text = closes;
  closes_text[10] = ' ';
  CHECK(has(open.out, closes_text + ":00.000" + crix::test::all_day_zone().offset_text));

  const RunResult again = x.admin({"auction", "announce", "AU-HB-450", "--opens", "now", "--closes", closes});
  CHECK(again.exit_code == 1);
  CHECK(again.err == "crix admin auction announce AU-HB-450: refused (422): the auction is already announced and open: "
                     "cancel it first to announce it again\n");
  const RunResult unknown = x.admin({"auction", "cancel", "AU-NOPE"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err == "crix admin auction cancel AU-NOPE: refused (404): no auction 'AU-NOPE' in the market\n");
  const RunResult anonymous = x.admin({"auction", "cancel", "AU-HB-450"}, "");
  CHECK(anonymous.exit_code == 1);
  CHECK(has(anonymous.err, "refused (401)"));

  const RunResult canceled = x.admin({"auction", "cancel", "AU-HB-450", "--reason", "filing query"});
  REQUIRE(canceled.exit_code == 0);
  CHECK(canceled.out.find("auction cancel AU-HB-450: done, seq ") == 0);
  CHECK(has(x.admin({"auctions"}).out, "canceled"));
  const RunResult actions = x.admin({"actions"});
  CHECK(has(actions.out, "\"command\": \"auction-announce\""));
  CHECK(has(actions.out, "\"command\": \"auction-cancel\""));
  CHECK(has(actions.out, "\"arguments\": \"auction=AU-HB-450 reason=\\\"filing query\\\"\""));
  CHECK(has(actions.out, "\"operator\": \"ops-script\""));
}

TEST_CASE("crix order --fresh starts the stored numbers over too: the next run is sent the fills made meanwhile",
          "[order]") {
  Exchange x;
  REQUIRE(x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "580.00", "--tif", "gtc", "--id", "s-1"})
              .exit_code == 0);
  REQUIRE(x.order(kSeller, {"orders"}).exit_code == 0);
  REQUIRE(x.order(kSeller, {"orders"}).exit_code == 0);
  const RunResult fresh = x.order(kSeller, {"orders", "--fresh"});
  REQUIRE(fresh.exit_code == 0);
  CHECK(has(fresh.out, "order 2 (s-1) new"));
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "100", "580.00"}).exit_code == 0);
  const RunResult back = x.order(kSeller, {"orders"});
  CHECK(back.exit_code == 0);
  CHECK_FALSE(has(back.err, "do not continue"));
  CHECK(has(back.out, "missed while away: order 2 (s-1) fill: 100 t at 580.00, trade 1"));
  CHECK(has(back.out, "order 2 (s-1) partially filled"));
}

TEST_CASE("crix order: a store whose numbers are ahead of the exchange's says so and starts afresh", "[order]") {
  Exchange x;
  const std::string a = x.dir().file("store-a");
  const std::string b = x.dir().file("store-b");
  REQUIRE(x.order(kSeller, {"orders", "--store", a}).exit_code == 0);
  REQUIRE(x.order(kSeller, {"orders", "--store", a}).exit_code == 0);
  REQUIRE(x.order(kSeller, {"orders", "--store", a}).exit_code == 0);
  // Another store starts the exchange's numbers for the participant over: a's are ahead of them, and
  // this side finds the exchange's Logon numbered too low.
  REQUIRE(x.order(kSeller, {"orders", "--store", b, "--fresh"}).exit_code == 0);
  const RunResult again = x.order(kSeller, {"orders", "--store", a});
  CHECK(again.exit_code == 0);
  CHECK(has(again.err, "the stored FIX sequence numbers in " + a + " do not continue the exchange's ("));
  CHECK(has(again.err, "MsgSeqNum too low"));
  CHECK(has(again.err, "): starting afresh"));
  CHECK(again.out == "no open orders\n");
  const RunResult then = x.order(kSeller, {"orders", "--store", a});
  CHECK(then.exit_code == 0);
  CHECK(then.err.empty());
}

TEST_CASE("crix order cancel, replace and status refuse an ORDER that is one order's id and another's ClOrdID",
          "[order]") {
  Exchange x;
  const RunResult first = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "100", "600.00", "--tif", "gtc",
                                            "--id", "s-1"});
  REQUIRE(first.exit_code == 0);
  const std::string id = id_of(first.out, "s-1");
  // The second order's ClOrdID is the first one's order id.
  const RunResult second = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "100", "610.00", "--tif", "gtc",
                                             "--id", id});
  REQUIRE(second.exit_code == 0);
  const std::string other = id_of(second.out, id);
  REQUIRE(other != id);
  for (const char* verb : {"cancel", "status"}) {
    const RunResult which = x.order(kSeller, {verb, id});
    CHECK(which.exit_code == 2);
    CHECK(which.err.find("'" + id + "' is the id of order " + id + " (s-1) and the ClOrdID of order " + other + " (" +
                         id + "): say which with --order-id (order " + id + ") or --cl-ord-id (order " + other +
                         ")") != std::string::npos);
  }
  const RunResult replace = x.order(kSeller, {"replace", id, "100", "620.00"});
  CHECK(replace.exit_code == 2);
  CHECK(has(replace.err, "say which with --order-id"));
  const RunResult orders = x.order(kSeller, {"orders"});  // nothing was canceled or replaced
  CHECK(orders.out.find("order " + id + " (s-1) new: sell 100 t STEEL-IRON at 600.00") != std::string::npos);
  CHECK(orders.out.find("order " + other + " (" + id + ") new: sell 100 t STEEL-IRON at 610.00") != std::string::npos);

  const RunResult by_cl_ord_id = x.order(kSeller, {"cancel", id, "--cl-ord-id", "--id", "c-1"});
  CHECK(by_cl_ord_id.exit_code == 0);
  CHECK(by_cl_ord_id.out.find("order " + other + " (c-1) canceled") != std::string::npos);
  const RunResult by_id = x.order(kSeller, {"status", id, "--order-id"});
  CHECK(by_id.exit_code == 0);
  CHECK(by_id.out.find("order " + id + " (s-1) new: sell 100 t STEEL-IRON at 600.00") != std::string::npos);
  CHECK(x.order(kSeller, {"cancel", id, "--order-id", "--cl-ord-id"}).exit_code == 2);
  const RunResult help = crix::test::run({CRIX_BIN, "order", "cancel", "--help"});
  CHECK(has(help.out, "--order-id"));
  CHECK(has(help.out, "--cl-ord-id"));
}

TEST_CASE("crix order status of a ClOrdID a replace retired says which ClOrdID the order goes by now", "[order]") {
  Exchange x;
  const RunResult sell = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "600.00", "--tif", "gtc", "--id",
                                           "S1"});
  REQUIRE(sell.exit_code == 0);
  const std::string id = id_of(sell.out, "S1");
  REQUIRE(x.order(kSeller, {"replace", "S1", "200", "590.00", "--id", "R1"}).exit_code == 0);
  const RunResult status = x.order(kSeller, {"status", "S1"});
  CHECK(status.exit_code == 1);
  CHECK(status.err == "crix order: HB-TANGSHAN-IRON has no order 'S1' today: S1 was replaced: order " + id +
                          " (R1) goes by ClOrdID R1 now, or by its order id " + id + "\n");
  REQUIRE(x.order(kSeller, {"replace", "R1", "100", "590.00", "--id", "R2"}).exit_code == 0);
  CHECK(has(x.order(kSeller, {"cancel", "S1"}).err, "S1 was replaced: order " + id + " (R2) goes by ClOrdID R2 now"));
  CHECK(has(x.order(kSeller, {"status", "R1"}).err, "R1 was replaced: order " + id + " (R2) goes by ClOrdID R2 now"));
  CHECK(has(x.order(kSeller, {"status", "NEVER"}).err, "has no order 'NEVER' today (by order id or ClOrdID;"));
  // The file keeps about two days: each line has the UTC date it was written on, and a run drops the
  // lines from before yesterday, and those of the old three-field form.
  const std::string file = x.dir().file("state") + "/crix/127.0.0.1-" + std::to_string(x.port()) + "/" + kSeller +
                           "/replaces";
  char today[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(today, sizeof today, "%Y-%m-%d", std::gmtime(&now));
  const std::string ours = "S1\tR1\t" + id + "\t" + today + "\nR1\tR2\t" + id + "\t" + today + "\n";
  REQUIRE(read_file(file) == ours);
  std::ofstream(file, std::ios::app) << "OLD1\tOLD2\t7\t2026-01-02\nOLDER1\tOLDER2\t8\n";
  REQUIRE(x.order(kSeller, {"orders"}).exit_code == 0);
  CHECK(read_file(file) == ours);
}

TEST_CASE("crix order watch and book of an unknown symbol print the refusal and exit 1", "[order]") {
  Exchange x;
  // Killed after 20 s if it does not end by itself (exit code 137).
  const RunResult watch = crix::test::run({"timeout", "-s", "KILL", "20", CRIX_BIN, "order", "--as", kBuyer, "--port",
                                           std::to_string(x.port()), "watch", "NOPE"},
                                          {std::nullopt, {"CRIX_PASSWORD=demo-tj-bohai-steel"}});
  INFO(watch.out << watch.err);
  CHECK(watch.exit_code == 1);
  CHECK(has(watch.err, "refused: unknown Symbol(55) 'NOPE' (crix order: SYMBOL)"));
  const RunResult book = x.order(kBuyer, {"book", "NOPE"});
  CHECK(book.exit_code == 1);
  CHECK(has(book.err, "refused: unknown Symbol(55) 'NOPE' (crix order: SYMBOL)"));
  const RunResult orders = x.order(kBuyer, {"orders", "--symbol", "NOPE"});
  CHECK(orders.exit_code == 1);
  CHECK(has(orders.err, "refused: unknown Symbol(55) 'NOPE' (crix order: --symbol)"));
}

TEST_CASE("crix order: a MarketDataRequestReject prints its Text and MDReqRejReason when it has one on stderr and "
          "exits 1",
          "[order]") {
  Exchange x;
  // 281 = 0: the reason's FIX 4.4 value and name after the Text.
  const RunResult book = x.order(kBuyer, {"book", "NOPE"});
  INFO(book.out << book.err);
  CHECK(book.exit_code == 1);
  CHECK(book.out.empty());
  CHECK(book.err == "market data refused: unknown Symbol(55) 'NOPE' (crix order: SYMBOL); MDReqRejReason(281) 0 "
                    "(unknown symbol)\n");
  const RunResult watch = crix::test::run({"timeout", "-s", "KILL", "20", CRIX_BIN, "order", "--as", kBuyer, "--port",
                                           std::to_string(x.port()), "watch", "NOPE"},
                                          {std::nullopt, {"CRIX_PASSWORD=demo-tj-bohai-steel"}});
  INFO(watch.out << watch.err);
  CHECK(watch.exit_code == 1);
  CHECK(has(watch.err, "market data refused: unknown Symbol(55) 'NOPE' (crix order: SYMBOL); MDReqRejReason(281) 0 "
                       "(unknown symbol)\n"));
  // No 281 (FIX 4.4 has no value for an unknown auction): the Text alone.
  const RunResult ranking = x.order(kBuyer, {"book", "STEEL-IRON", "--auction", "AU-NONE"});
  INFO(ranking.out << ranking.err);
  CHECK(ranking.exit_code == 1);
  CHECK(ranking.err == "market data refused: TradingSessionID(336) 'AU-NONE' is no auction of this exchange (auctions: "
                       "AU-HB-450); leave NoTradingSessions(386) out for the book (crix order: --auction)\n");
}

TEST_CASE("crix order: a participant logged on elsewhere (a running watch), or unknown, is told what is likely wrong",
          "[order]") {
  Exchange x;
  // A store of another machine, say, that has logged on before: it continues its numbers (141=N).
  const std::string elsewhere = x.dir().file("elsewhere");
  REQUIRE(x.order(kSeller, {"orders", "--store", elsewhere}).exit_code == 0);
  RunResult watch;
  std::thread watcher([&] {
    watch = crix::test::run({"timeout", "--preserve-status", "-s", "INT", "12", CRIX_BIN, "order", "--as", kSeller,
                             "--port", std::to_string(x.port()), "watch", "STEEL-IRON"},
                            {std::nullopt, {"CRIX_PASSWORD=demo-hb-tangshan-iron", "XDG_STATE_HOME=" + x.dir().file("state")}});
  });
  // The watch's logon: the second in crixd's log.
  const std::string logon = "logon: " + kSeller;
  const auto logons = [&] {
    const std::string log = read_file(x.dir().file("logs/crixd.log"));
    std::size_t n = 0;
    for (std::size_t at = log.find(logon); at != std::string::npos; at = log.find(logon, at + 1)) ++n;
    return n;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (logons() < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(logons() == 2);
  // The same store (XDG_STATE_HOME): refused at once, before a Logon, and the store left to watch.
  const auto began = std::chrono::steady_clock::now();
  const RunResult same_store = x.order(kSeller, {"orders"});
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(3));
  CHECK(same_store.exit_code == 1);
  CHECK(has(same_store.err, "crix order: another crix order (process "));
  CHECK(has(same_store.err, ") is using the FIX session store " + x.dir().file("state") + "/crix/127.0.0.1-" +
                                std::to_string(x.port()) + "/" + kSeller + " (a 'crix order watch' still running?)"));
  // Another store: a new one starts afresh (141=Y, as --fresh does), and crixd's Logout says why; one
  // that continues its numbers gets no answer (a Logout would count in them), and crix order guesses.
  RunResult fresh;
  std::thread freshener([&] { fresh = x.order_quietly(kSeller, {"orders", "--store", x.dir().file("new")}); });
  const RunResult second = x.order(kSeller, {"orders", "--store", elsewhere});
  freshener.join();
  CHECK(fresh.exit_code == 1);
  CHECK(fresh.err == "crix order: logon as HB-TANGSHAN-IRON to 127.0.0.1:" + std::to_string(x.port()) +
                         " failed: session HB-TANGSHAN-IRON is already logged on from another connection: the "
                         "exchange takes one connection per session; log that one out first, then log on again\n");
  watcher.join();
  INFO(watch.out << watch.err);
  CHECK(watch.exit_code == 0);
  INFO(second.err);
  CHECK(second.exit_code == 1);
  CHECK_FALSE(has(second.err, "do not continue"));
  CHECK(has(second.err, "crix order: logon as HB-TANGSHAN-IRON to 127.0.0.1:" + std::to_string(x.port()) +
                            " failed: no answer to the Logon"));
  CHECK(has(second.err, "HB-TANGSHAN-IRON may be logged on already elsewhere (a running 'crix order watch' as "
                        "HB-TANGSHAN-IRON, or another FIX client)"));
  // Watch's session continued: the next run continues the numbers, nothing to say about them.
  const RunResult after = x.order(kSeller, {"orders"});
  CHECK(after.exit_code == 0);
  CHECK(after.err.empty());

  for (int run = 0; run < 2; ++run) {  // the second with the store the first made
    const RunResult nobody = x.order("NOBODY", {"orders"}, {"CRIX_PASSWORD=x"});
    CHECK(nobody.exit_code == 1);
    CHECK_FALSE(has(nobody.err, "do not continue"));
    CHECK_FALSE(has(nobody.err, "logged on already"));
    CHECK(has(nobody.err, "failed: SenderCompID(49) 'NOBODY' is not a configured session of this exchange: log on "
                          "with the participant id the exchange registered for you as SenderCompID(49)\n"));
  }
}

TEST_CASE("crix order: rejections name the crix order option of the FIX field they name, and a bad password file "
          "or store says what is wrong",
          "[order]") {
  Exchange x;
  // TJ-BF-410 is indivisible: the exchange's text names ExecInst G and FOK, crix order's options too.
  const RunResult part = x.order("TJ-RONGCHENG", {"sell", "STEEL-IRON", "TJ-BF-410", "1000", "580.00", "--id", "p-1"});
  CHECK(part.exit_code == 1);
  CHECK(has(part.err, "order (p-1) rejected: "));
  CHECK(has(part.err, "in one all-or-none order (ExecInst G, or FOK) (crix order: --aon, --tif fok)"));
  const RunResult account = x.order(kSeller, {"sell", "STEEL-IRON", "NOPE", "100", "580.00", "--id", "bad-1"});
  CHECK(has(account.err, "Account(1) 'NOPE' is no registered facility"));
  CHECK(has(account.err, "(crix order: ACCOUNT)"));

  const std::string empty = x.dir().file("empty-password");
  std::ofstream(empty).close();
  const RunResult no_password = x.order(kSeller, {"--password-file", empty, "orders"}, {"CRIX_PASSWORD="});
  CHECK(no_password.exit_code == 1);  // what the command line names cannot be used: a run-time failure
  CHECK(no_password.err == "crix order: --password-file: \"" + empty + "\" is empty: put the password on its first line\n");

  // A store under a file cannot be made: --store is named, and what to do.
  const std::string under_file = empty + "/store";
  const RunResult store = x.order(kSeller, {"orders", "--store", under_file});
  CHECK(store.exit_code == 1);
  CHECK(has(store.err, "--store: cannot keep the FIX sequence numbers in \"" + under_file + "\": "));
  CHECK(has(store.err, "give a directory you may write"));
  const RunResult home = crix::test::run({CRIX_BIN, "order", "--as", kSeller, "--port", std::to_string(x.port()), "orders"},
                                         {std::nullopt, {"CRIX_PASSWORD=demo-hb-tangshan-iron", "XDG_STATE_HOME=",
                                                         "HOME=" + empty}});
  INFO(home.err);
  CHECK(home.exit_code == 1);
  CHECK(has(home.err, "cannot keep the FIX sequence numbers in \"" + empty + "/.local/state/crix/"));
  CHECK(has(home.err, "give --store DIR, a directory you may write"));
}

TEST_CASE("crix order on an auction: a bid is not canceled or replaced, and a --tif refusal names the option",
          "[order][auction]") {
  Exchange x;
  const std::string closes = crix::test::all_day_time(std::chrono::system_clock::now() + std::chrono::hours(2));
  REQUIRE(x.admin({"auction", "announce", "AU-HB-450", "--opens", "now", "--closes", closes}).exit_code == 0);
  const RunResult ioc = x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "300000", "560.00", "--auction",
                                         "AU-HB-450", "--tif", "ioc", "--id", "bid-0"});
  CHECK(ioc.exit_code == 1);
  CHECK(has(ioc.err, "TimeInForce(59) '3' is not for a bid"));
  CHECK(has(ioc.err, "(crix order: --tif ioc)"));
  const RunResult bid = x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "300000", "560.00", "--auction",
                                         "AU-HB-450", "--id", "bid-1"});
  REQUIRE(bid.exit_code == 0);
  const std::string id = id_of(bid.out, "bid-1");
  CHECK(has(x.order(kBuyer, {"orders"}).out, "order " + id + " (bid-1) new: buy 300000 t STEEL-IRON at 560.00"));
  const RunResult cancel = x.order(kBuyer, {"cancel", id});
  CHECK(cancel.exit_code == 1);
  CHECK(has(cancel.err, "crix order: order " + id + " (bid-1) is a bid in auction AU-HB-450, which cannot be "
                        "withdrawn: an auction's bids stand until its window ends. To raise it, bid again for the "
                        "same project: crix order buy STEEL-IRON TJ-NEW-BF-2500 QTY PRICE --auction AU-HB-450"));
  const RunResult replace = x.order(kBuyer, {"replace", "bid-1", "300000", "570.00"});
  CHECK(replace.exit_code == 1);
  CHECK(has(replace.err, "is a bid in auction AU-HB-450, which cannot be replaced"));
  const RunResult status = x.order(kBuyer, {"status", id});  // a status is asked of the exchange as for orders
  CHECK(status.exit_code == 0);
  CHECK(has(status.out, "(bid-1) new: buy 300000 t STEEL-IRON at 560.00 for TJ-NEW-BF-2500 in auction AU-HB-450"));
}

TEST_CASE("crix order: the seller away is sent an auction's allocation as an auction's, not a block's",
          "[order][auction]") {
  Exchange x;
  REQUIRE(x.order(kSeller, {"orders"}).exit_code == 0);  // the seller's store has numbers; then it is away
  const auto closes_at = std::chrono::system_clock::now() + std::chrono::seconds(10);
  REQUIRE(x.admin({"auction", "announce", "AU-HB-450", "--opens", "now", "--closes", crix::test::all_day_time(closes_at)})
              .exit_code == 0);
  REQUIRE(x.order(kBuyer, {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "300000", "560.00", "--auction", "AU-HB-450"})
              .exit_code == 0);
  std::this_thread::sleep_until(closes_at + std::chrono::seconds(3));
  const RunResult back = x.order(kSeller, {"orders"});
  CHECK(back.exit_code == 0);
  CHECK(has(back.out, "missed while away: auction AU-HB-450 allocation: sell 300000 t STEEL-IRON at 560.00 for "
                      "HB-BF-450 to TJ-BOHAI-STEEL, trade "));
  CHECK_FALSE(has(back.out, "block"));
}

TEST_CASE("crix order counts flat glass in weight boxes and steel in tonnes, in its answers and its help",
          "[order]") {
  Exchange x;
  const std::string glass = "SX-TAIYUAN-GLASS";  // SX-FG-600: one indivisible float line, 2,190,000 weight boxes
  const RunResult part = x.order(glass, {"sell", "GLASS-FLAT", "SX-FG-600", "1000", "120.00", "--id", "g-0"});
  CHECK(part.exit_code == 1);
  CHECK(has(part.err, "is indivisible: sell its whole remaining 2190000 weight box in one all-or-none order"));
  const RunResult sell =
      x.order(glass, {"sell", "GLASS-FLAT", "SX-FG-600", "2190000", "120.00", "--aon", "--tif", "gtc", "--id", "g-1"});
  REQUIRE(sell.exit_code == 0);
  CHECK(has(sell.out, "(g-1) new: sell 2190000 weight box GLASS-FLAT at 120.00 for SX-FG-600"));
  CHECK(has(x.order(glass, {"orders"}).out,
            "(g-1) new: sell 2190000 weight box GLASS-FLAT at 120.00 for SX-FG-600; 0 weight box done, 2190000 "
            "weight box open"));
  CHECK(x.order(glass, {"book", "GLASS-FLAT"}).out == "book GLASS-FLAT:\n  ask  120.00  2190000 weight box  (1 order)\n");
  CHECK(x.order(glass, {"book", "GLASS-FLAT", "--depth", "5000"}).exit_code == 0);  // crixd takes any depth
  const RunResult steel = x.order(kSeller, {"sell", "STEEL-IRON", "HB-BF-450", "300", "580.00", "--id", "s-1"});
  CHECK(has(steel.out, "(s-1) new: sell 300 t STEEL-IRON at 580.00 for HB-BF-450"));
  const RunResult help = crix::test::run({CRIX_BIN, "order", "--help"});
  CHECK(has(help.out, "QTY in the instrument's unit (tonnes; weight boxes for flat glass"));
  CHECK_FALSE(has(help.out, "QTY in tonnes"));
  const RunResult sell_help = crix::test::run({CRIX_BIN, "order", "sell", "--help"});
  CHECK(has(sell_help.out, "QTY REQUIRED                in the instrument's unit\n"));
}

TEST_CASE("crix order --tls against a crixd serving plain FIX says at once that the handshake failed and to drop "
          "--tls",
          "[order][tls]") {
  Exchange x;
  const auto began = std::chrono::steady_clock::now();
  const RunResult r = x.order(kSeller, {"--tls", "orders"});
  const auto took = std::chrono::steady_clock::now() - began;
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "crix order: logon as HB-TANGSHAN-IRON to 127.0.0.1:" + std::to_string(x.port()) +
                       " failed: the TLS handshake with 127.0.0.1:" + std::to_string(x.port()) + " failed: "));
  CHECK(has(r.err, ": if the exchange serves plain FIX on this port, drop --tls\n"));
  CHECK_FALSE(has(r.err, "may be logged on already elsewhere"));
  CHECK(took < std::chrono::seconds(3));  // the Logon's wait is 5 s
  CHECK(has(x.log_with("it began a TLS handshake"), "it began a TLS handshake: this port serves plain FIX"));
}

TEST_CASE("crix order securities shows an announced auction's reserve, increment and state, not a band",
          "[order][auction]") {
  Exchange x;
  const std::string closes = crix::test::all_day_time(std::chrono::system_clock::now() + std::chrono::hours(2));
  REQUIRE(x.admin({"auction", "announce", "AU-HB-450", "--opens", "now", "--closes", closes}).exit_code == 0);
  const RunResult r = x.order(kBuyer, {"securities"});
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "\nSTEEL-IRON  auction AU-HB-450: 500000 t, uniform price  reserve 550.00  increment 5.00  lot 1  "
                   "bidding open\n"));
  CHECK_FALSE(has(r.out, "band 550.00 .. 0.00"));
  CHECK(has(r.out, "STEEL-IRON  steel capacity, t/yr  tick 0.01  lot 1  reference 580.00  band 522.00 .. 638.00  "
                   "trading"));
}

TEST_CASE("crix order's help: --symbol filters a list, --store puts its files directly in DIR, --depth goes to "
          "100000 as crix admin's",
          "[order]") {
  for (const char* verb : {"orders", "fills"}) {
    const RunResult help = crix::test::run({CRIX_BIN, "order", verb, "--help"});
    INFO(verb << ":\n" << help.out);
    CHECK(has(help.out, "list this instrument's orders only"));
    CHECK_FALSE(has(help.out, "look the order up"));
  }
  CHECK(has(crix::test::run({CRIX_BIN, "order", "cancel", "--help"}).out, "look the order up in this instrument only"));
  const RunResult help = crix::test::run({CRIX_BIN, "order", "--help"});
  CHECK(has(help.out, "The files go directly in DIR"));
  const RunResult deep = crix::test::run({CRIX_BIN, "order", "--as", kBuyer, "book", "STEEL-IRON", "--depth", "100001"});
  CHECK(deep.exit_code == 2);
  CHECK(has(deep.err, "100000"));
}
