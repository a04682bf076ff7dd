// bench_fix: orders per second and acknowledgement latency through a real crixd over FIX on loopback.
//
// With no arguments it starts its own crixd (the one built beside it) on the sample market open all
// day, with sync = os and a fresh ledger, and runs window 100 with the crossing mix, ending with one
// line: `bench_fix sync=os window=100 orders_per_s=<n> ack_p50_us=<n> ack_p99_us=<n>` (plus the mix,
// the session count and the orders sent).
//
//   bench_fix [--sync os|full] [--window N|unlimited] [--orders N] [--mix cross|rest] [--crixd PATH]
//             [--viewers N] [--scrape-hz H] [--viewer-nice N] [--tls on|off]
//   bench_fix --target quickfix --port N --dictionary FIX42.xml [--window N|unlimited] [--orders N]
//
// --tls on: FIX over TLS (the market's fix_tls_certificate, a throwaway certificate made with the
// openssl command), the line then says tls=on.
//
// --target quickfix (issue 15): the same sessions, orders, window and clock drive QuickFIX's example
// matching application "ordermatch" already listening on 127.0.0.1:--port (bench/fix_vs_quickfix.sh
// builds and starts it) instead of a crixd of our own, and the line begins `bench_fix target=quickfix`
// with no sync. What ordermatch takes differs from our dialect, and only that changes: FIX.4.2 sessions
// to comp id ORDERMATCH checked against --dictionary (bench/FIX42-ordermatch.xml), no password in the
// Logon (FIX 4.2 has no Password(554)), HandlInst(21)=1 on each order (FIX 4.2 requires it) and
// TimeInForce day (ordermatch rejects any other). The cross mix and two sessions only.
//
// Method. Two sessions, a seller (HB-TANGSHAN-IRON, facility HB-BF-450) and a buyer (TJ-BOHAI-STEEL,
// project TJ-NEW-BF-2500), each on its own QuickFIX initiator, send orders of 3 t as fast as their
// window allows: at most `window` orders sent and not yet acknowledged per session. An order's
// acknowledgement is its first execution report (new, or rejected), which crixd sends only after
// the ledger batch holding it is committed. `cross`: the seller offers at 580.00 and the buyer bids
// 580.00, so every buy trades with a resting sell. `rest`: the seller offers at 600.00 and the buyer
// bids 560.00 and nothing trades; each session cancels its orders as it goes to keep reservations
// within capacity, and the cancels count as orders too. Latency is measured per order from just
// before send() to the arrival of its acknowledgement, in the client, so it includes both FIX stacks.
// An order refused because crixd's inbound queue was full (a "busy" BusinessMessageReject) is answered
// but not acknowledged: counted as busy=<n>, not in orders_per_s or the latencies. Before it stops
// crixd it prints crixd's memory (its private memory, the ledger pages it maps, and the peak), and
// after, crixd's own log lines on where the time went. --sessions 1 runs
// the seller alone (rest mix), so that at window 1 exactly one order is in flight.
//
// Console load (issue 12): --viewers N connects N WebSocket viewers to crixd's live feed before the
// orders start and --scrape-hz H GETs /metrics H times a second (console_load.hpp; the sample's
// operator token). With either, the line ends with what the viewers saw: the delay from each trade's
// exchange time to its arrival in each viewer (p50, p99, max in ms, every viewer's trades together),
// crixd's trade count (crix_trades_total after the orders), how many viewers read every one of them
// (a viewer dropped for falling behind is named on stderr with crixd's reason), and the scrapes. The
// run fails (exit 1) when a viewer missed a trade. --viewer-nice N runs the viewers and the scraper at
// niceness N, standing in for consoles on other machines (console_load.hpp). bench_ops alternates runs
// with and without them.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/console_load.hpp"
#include "gateway/fix/fix_api.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string sync = "os";
  std::size_t window = 100;  // 0: unlimited
  std::size_t orders = 100000;  // per session
  std::string mix = "cross";
  std::size_t sessions = 2;  // 1: the seller alone (the rest mix): one order in flight at window 1
  std::string crixd;
  std::size_t viewers = 0;  // WebSocket feed clients
  double scrape_hz = 0;     // GET /metrics per second
  int viewer_nice = 0;      // the viewers' and the scraper's niceness (console_load.hpp)
  std::string tls_ca;       // --tls on: FIX over TLS, the exchange's certificate signed by this CA
  bool quickfix = false;    // --target quickfix: ordermatch on `port`, FIX.4.2 with `dictionary`
  std::uint16_t port = 0;
  std::string dictionary;
};

// The sample market's operator token (config/sample/market.toml, [[console.tokens]]): for the sample only.
constexpr const char* kSampleToken = "crix-sample-operator-token";

// One session: sends orders within its window and records when each is acknowledged.
class Session : public crix::fix::ClientHandler {
 public:
  Session(std::uint16_t port, const std::string& who, const std::string& password, char side, std::string account,
          std::int64_t price, const Options& options)
      : side_(side), account_(std::move(account)), price_(price), options_(options) {
    crix::fix::InitiatorConfig c;
    c.port = port;
    c.comp_id = who;
    if (options.quickfix) {
      c.begin_string = "FIX.4.2";
      c.dictionary_path = options.dictionary;
      c.exchange_comp_id = "ORDERMATCH";
    } else {
      c.username = who;
      c.password = password;
    }
    c.heartbeat_seconds = 30;
    c.tls = !options.tls_ca.empty();
    c.tls_ca = options.tls_ca;
    initiator_ = std::make_unique<crix::fix::Initiator>(c, *this);
    initiator_->start();
    sent_at_.resize(options.orders);
    latency_ns_.reserve(options.orders);
  }
  ~Session() override { initiator_->stop(); }
  bool logged_on() { return initiator_->wait_logged_on(5000); }

  void on_exec_report(const crix::fix::ExecReport& r) override {
    const auto now = Clock::now();
    if (r.exec_type != '0' && r.exec_type != '8' && r.exec_type != '4') return;
    const std::size_t n = index(r.cl_ord_id);
    if (n == SIZE_MAX) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (r.exec_type == '8') ++rejected_;
      if (r.exec_type == '0' && options_.mix == "rest") to_cancel_.push_back(r.order_id);
      latency_ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent_at_[n]).count());
      ++answered_;
    }
    cv_.notify_all();
  }

  // A "busy" refusal answers an order too (never acknowledged: the exchange did not take it).
  void on_business_reject(const crix::fix::BusinessReject& r) override {
    if (r.ref_msg_type != "D" || index(r.ref_id) == SIZE_MAX) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++busy_;
      ++answered_;
    }
    cv_.notify_all();
  }

  void run() {
    for (std::size_t n = 0; n < options_.orders; ++n) {
      std::vector<std::string> cancels;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return options_.window == 0 || n - answered_ < options_.window; });
        sent_at_[n] = Clock::now();
        if (options_.mix == "rest" && to_cancel_.size() >= 2) {
          cancels.push_back(to_cancel_.back());
          to_cancel_.pop_back();
        }
      }
      crix::fix::OrderRequest r;
      char text[24] = {'o'};
      r.cl_ord_id.assign(text, std::to_chars(text + 1, text + sizeof text, n).ptr);
      r.symbol = "STEEL-IRON";
      if (!cancels.empty()) {
        r.kind = crix::fix::RequestKind::kCancel;
        r.order_id = cancels.front();
        r.orig_cl_ord_id = cancels.front();
        r.side = side_;
      } else {
        r.kind = crix::fix::RequestKind::kNew;
        r.account = account_;
        r.side = side_;
        r.ord_type = '2';
        r.time_in_force = options_.quickfix ? '0' : '1';
        if (options_.quickfix) r.handl_inst = '1';
        r.qty = 3;
        r.price = price_;
      }
      initiator_->send(r);
    }
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return answered_ == options_.orders; });
  }

  std::size_t answered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return answered_;
  }
  std::size_t rejected() {
    std::lock_guard<std::mutex> lock(mutex_);
    return rejected_;
  }
  std::size_t busy() {
    std::lock_guard<std::mutex> lock(mutex_);
    return busy_;
  }
  std::vector<std::int64_t> latencies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return latency_ns_;
  }

 private:
  static std::size_t index(const std::string& cl_ord_id) {
    if (cl_ord_id.size() < 2 || cl_ord_id[0] != 'o') return SIZE_MAX;
    return static_cast<std::size_t>(std::stoull(cl_ord_id.substr(1)));
  }

  char side_;
  std::string account_;
  std::int64_t price_;
  const Options& options_;
  std::unique_ptr<crix::fix::Initiator> initiator_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> sent_at_;
  std::vector<std::int64_t> latency_ns_;
  std::vector<std::string> to_cancel_;
  std::size_t answered_ = 0;
  std::size_t rejected_ = 0;
  std::size_t busy_ = 0;
};

std::int64_t percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

int usage(const std::string& what) {
  std::fprintf(stderr,
               "bench_fix: %s\nusage: bench_fix [--sync os|full] [--window N|unlimited] [--orders N] "
               "[--mix cross|rest] [--sessions 1|2] [--crixd PATH] [--viewers N] [--scrape-hz H] [--viewer-nice N] "
               "[--tls on|off]\n       bench_fix --target quickfix --port N --dictionary FIX42.xml [--window N|unlimited] "
               "[--orders N]\n",
               what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.crixd = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "gateway" / "crixd").string();
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return usage(std::string(a) + " needs a value");
    const std::string v = argv[++i];
    if (a == "--sync" && (v == "os" || v == "full")) {
      o.sync = v;
    } else if (a == "--window") {
      o.window = v == "unlimited" ? 0 : std::stoul(v);
    } else if (a == "--orders") {
      o.orders = std::stoul(v);
    } else if (a == "--mix" && (v == "cross" || v == "rest")) {
      o.mix = v;
    } else if (a == "--sessions" && (v == "1" || v == "2")) {
      o.sessions = v == "1" ? 1 : 2;
    } else if (a == "--crixd") {
      o.crixd = v;
    } else if (a == "--viewers") {
      o.viewers = std::stoul(v);
    } else if (a == "--scrape-hz") {
      o.scrape_hz = std::stod(v);
    } else if (a == "--viewer-nice") {
      o.viewer_nice = std::stoi(v);
    } else if (a == "--tls" && (v == "on" || v == "off")) {
      o.tls_ca = v == "on" ? "ca.pem" : "";  // made in the scratch directory below
    } else if (a == "--target" && (v == "crixd" || v == "quickfix")) {
      o.quickfix = v == "quickfix";
    } else if (a == "--port") {
      o.port = static_cast<std::uint16_t>(std::stoul(v));
    } else if (a == "--dictionary") {
      o.dictionary = v;
    } else {
      return usage("bad argument " + std::string(a) + " " + v);
    }
  }
  if (o.quickfix && (o.port == 0 || o.dictionary.empty())) {
    return usage("--target quickfix needs --port (where ordermatch listens) and --dictionary (its FIX 4.2 dictionary)");
  }
  if (o.quickfix && (o.mix != "cross" || o.sessions != 2 || o.viewers > 0 || o.scrape_hz > 0 || !o.tls_ca.empty())) {
    return usage("--target quickfix runs the cross mix with two sessions, without viewers, scrapes or TLS");
  }
  crix::test::ScratchDir dir("bench-fix");
  const std::string market = crix::test::all_day_market(dir);
  if (!o.tls_ca.empty()) {
    // A throwaway CA and a certificate for 127.0.0.1 signed by it (the openssl command), and the
    // market's FIX over TLS.
    const std::vector<std::string> key = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"};
    std::vector<std::string> ca = {"openssl", "req", "-x509", "-subj", "/CN=bench CA", "-keyout", dir.file("ca.key"),
                                   "-out", dir.file("ca.pem")};
    std::vector<std::string> server = {"openssl", "req", "-x509", "-subj", "/CN=localhost", "-addext",
                                       "subjectAltName=IP:127.0.0.1", "-CA", dir.file("ca.pem"), "-CAkey",
                                       dir.file("ca.key"), "-keyout", dir.file("server.key"), "-out", dir.file("server.pem")};
    ca.insert(ca.end(), key.begin(), key.end());
    server.insert(server.end(), key.begin(), key.end());
    if (crix::test::run(ca).exit_code != 0 || crix::test::run(server).exit_code != 0) {
      std::fprintf(stderr, "bench_fix: the openssl command could not make the test certificates\n");
      return 1;
    }
    std::ifstream in(market);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.insert(text.find("[exchange]\n") + 11, "fix_tls_certificate = \"server.pem\"\nfix_tls_key = \"server.key\"\n");
    std::ofstream(market) << text;
    o.tls_ca = dir.file("ca.pem");
  }
  const std::uint16_t port = o.quickfix ? o.port : crix::test::free_port();
  const std::uint16_t http_port = crix::test::free_port();
  std::optional<crix::test::CrixdProcess> crixd;
  if (!o.quickfix) {
    crixd.emplace(o.crixd, dir, market, dir.file("bench.ledger"), port, o.sync,
                  std::vector<std::string>{"--http", "127.0.0.1:" + std::to_string(http_port)});
    if (!crixd->listening(port)) {
      std::fprintf(stderr, "bench_fix: crixd did not start: %s\n", crixd->errors().c_str());
      return 1;
    }
  }
  if (o.sessions == 1 && o.mix == "cross") return usage("--sessions 1 needs --mix rest: one session cannot cross itself");
  const bool cross = o.mix == "cross";
  Session seller(port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron", '2', "HB-BF-450", cross ? 58000 : 60000, o);
  std::optional<Session> buyer;
  if (o.sessions == 2) {
    buyer.emplace(port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel", '1', "TJ-NEW-BF-2500", cross ? 58000 : 56000, o);
  }
  if (!seller.logged_on() || (buyer && !buyer->logged_on())) {
    std::fprintf(stderr, "bench_fix: logon failed\n");
    return 1;
  }
  const bool console = o.viewers > 0 || o.scrape_hz > 0;
  std::optional<crix::bench::ConsoleLoad> load;
  if (console) {
    if (!crix::test::can_connect(http_port)) {
      std::fprintf(stderr, "bench_fix: crixd's console does not answer on 127.0.0.1:%u\n", http_port);
      return 1;
    }
    load.emplace(http_port, kSampleToken, o.viewers, o.scrape_hz, o.viewer_nice);
  }
  const auto t0 = Clock::now();
  std::thread a([&] { seller.run(); });
  std::thread b([&] {
    if (buyer) buyer->run();
  });
  a.join();
  b.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  // Every trade crixd made must reach every viewer: wait for the last ones (they follow their commit).
  std::uint64_t crixd_trades = 0;
  std::size_t complete = 0;
  std::vector<std::int64_t> delays;
  if (load) {
    crixd_trades = crix::bench::read_metric(http_port, kSampleToken, "crix_trades_total");
    load->wait_trades(crixd_trades, std::chrono::seconds(30));
    load->stop();
    const std::vector<crix::bench::ViewerResult> viewers = load->viewers();
    for (std::size_t i = 0; i < viewers.size(); ++i) {
      if (viewers[i].trades == crixd_trades) ++complete;
      if (viewers[i].trades != crixd_trades || viewers[i].closed) {
        std::fprintf(stderr, "viewer %zu read %llu of %llu trades%s%s\n", i + 1,
                     static_cast<unsigned long long>(viewers[i].trades), static_cast<unsigned long long>(crixd_trades),
                     viewers[i].closed ? "; closed: " : "", viewers[i].close_reason.c_str());
      }
    }
    delays = load->trade_delays_ns();
    std::uint64_t messages = 0, trades = 0, bytes = 0;
    for (const crix::bench::ViewerResult& v : viewers) {
      messages += v.messages;
      trades += v.trades;
      bytes += v.bytes;
    }
    if (trades > 0) {
      std::fprintf(stderr,
                   "console load: %.2f feed messages and %.0f bytes per trade a viewer (every type: book, trade, "
                   "instrument, ...)\n",
                   static_cast<double>(messages) / static_cast<double>(trades),
                   static_cast<double>(bytes) / static_cast<double>(trades));
    }
    std::fprintf(stderr, "console load: %zu viewers, %zu scrapes of /metrics (%zu failed, p99 %lld us)\n", o.viewers,
                 load->scrapes(), load->scrape_failures(), static_cast<long long>(load->scrape_p99_us()));
  }
  std::vector<std::int64_t> lat = seller.latencies();
  std::size_t answered = seller.answered();
  std::size_t rejected = seller.rejected();
  std::size_t busy = seller.busy();
  if (buyer) {
    const std::vector<std::int64_t> more = buyer->latencies();
    lat.insert(lat.end(), more.begin(), more.end());
    answered += buyer->answered();
    rejected += buyer->rejected();
    busy += buyer->busy();
  }
  const std::int64_t p50 = percentile(lat, 0.50) / 1000;
  const std::int64_t p99 = percentile(lat, 0.99) / 1000;
  if (crixd) {
    // The processor time crixd took per order, against the run's: the rest went to the load client and
    // the kernel on the same two processors.
    const double crixd_cpu = crixd->cpu_seconds();
    std::fprintf(stderr, "crixd processor time: %.2f s of %.2f s run on %ld processors, %.1f us per order\n", crixd_cpu,
                 seconds, ::sysconf(_SC_NPROCESSORS_ONLN),
                 1e6 * crixd_cpu / static_cast<double>(std::max<std::size_t>(answered, 1)));
    // What crixd holds after the run: its own memory, and the ledger file's pages it has mapped.
    std::fprintf(stderr, "crixd memory: %lld MB private (RssAnon), %lld MB of the ledger mapped (RssFile), peak %lld MB\n",
                 crixd->memory_kb("RssAnon") / 1024, crixd->memory_kb("RssFile") / 1024, crixd->memory_kb("VmHWM") / 1024);
    crixd->stop(SIGTERM);
    // crixd's own account of where the time went (its log line at stop), to stderr.
    const std::string log = crixd->errors();
    for (const char* line : {"stopped: ", "ledger: "}) {
      const std::size_t at = log.find(line, log.find("stopped: "));
      if (at != std::string::npos) std::fprintf(stderr, "crixd %s", log.substr(at, log.find('\n', at) - at + 1).c_str());
    }
  }
  const std::string window = o.window == 0 ? "unlimited" : std::to_string(o.window);
  const std::size_t acked = answered - busy;
  std::string viewers_part;
  if (console) {
    const auto ms = [&](double p) { return static_cast<double>(percentile(delays, p)) / 1e6; };
    char text[256];
    std::snprintf(text, sizeof text,
                  " viewers=%zu ws_trade_p50_ms=%.1f ws_trade_p99_ms=%.1f ws_trade_max_ms=%.1f crixd_trades=%llu "
                  "viewers_complete=%zu scrapes=%zu",
                  o.viewers, ms(0.50), ms(0.99), ms(1.0), static_cast<unsigned long long>(crixd_trades), complete,
                  load->scrapes());
    viewers_part = text;
  }
  const std::string target = o.quickfix ? "target=quickfix" : "sync=" + o.sync;
  std::printf("bench_fix %s window=%s orders_per_s=%.0f ack_p50_us=%lld ack_p99_us=%lld mix=%s sessions=%zu "
              "orders=%zu acked=%zu rejected=%zu busy=%zu%s%s\n",
              target.c_str(), window.c_str(), static_cast<double>(acked) / seconds, static_cast<long long>(p50),
              static_cast<long long>(p99), o.mix.c_str(), o.sessions, o.sessions * o.orders, acked, rejected, busy,
              viewers_part.c_str(), o.tls_ca.empty() ? "" : " tls=on");
  return answered == o.sessions * o.orders && complete == o.viewers ? 0 : 1;
}
