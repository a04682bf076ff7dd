// crix bench console load: see console_load.hpp.
#include "bench/console_load.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace crix::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

// The clock crixd stamps trades with (system_clock: CLOCK_REALTIME), in ns since the epoch.
std::int64_t realtime_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Calls on_trade(exchange time) for each trade in a feed message (an "updates" message holds one or
// more). A trade is a row, `["trade",<seq>,<id>,<time ns>,...]` (docs/API.md, "Live"): found without
// parsing the whole message, which keeps the viewers' own processor time small: they share the
// processors with crixd and the FIX load, unlike real viewers. The search is memmem's (two-way):
// string_view::find looks for the first character, '[', as often as JSON has arrays.
template <class F>
void each_trade_time(std::string_view message, F on_trade) {
  const std::string_view head = "[\"trade\",";
  const char* const end = message.data() + message.size();
  const auto find = [&](std::size_t from) -> std::size_t {
    const void* at = memmem(message.data() + from, message.size() - from, head.data(), head.size());
    return at ? static_cast<std::size_t>(static_cast<const char*>(at) - message.data()) : std::string_view::npos;
  };
  for (std::size_t p = find(0); p != std::string_view::npos; p = find(p + head.size())) {
    const char* at = message.data() + p + head.size();
    std::int64_t value = -1;
    bool ok = true;
    for (int field = 0; field < 3 && ok; ++field) {  // seq, id, then the time
      const auto r = std::from_chars(at, end, value);
      ok = r.ec == std::errc() && (field == 2 || (r.ptr < end && *r.ptr == ','));
      at = r.ptr + 1;
    }
    if (ok) on_trade(value);
  }
}

std::string bearer(const std::string& token) { return "Bearer " + token; }

// Raises the calling thread's niceness (Linux: per thread) to `nice`, 0-19: raising one's own is never
// refused (setpriority(2)), so there is no failure to report from the thread.
void set_nice(int nice) {
  if (nice > 0) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
}

}  // namespace

// One feed client. Its handlers run on its own strand; its results are read after the threads end.
struct Viewer : std::enable_shared_from_this<Viewer> {
  explicit Viewer(net::io_context& ioc, std::atomic<bool>& stopping, std::condition_variable& progress)
      : ws(net::make_strand(ioc)), stopping_(stopping), progress_(progress) {}

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    const std::int64_t now = realtime_ns();
    if (ec) {
      if (!stopping_.load()) {
        result.closed = true;
        result.close_reason = ws.reason().code != websocket::close_code::none
                                  ? std::to_string(ws.reason().code) + " " + std::string(ws.reason().reason.c_str())
                                  : ec.message();
      }
      done.store(true);
      progress_.notify_all();
      return;
    }
    const net::const_buffer data = buffer.data();
    bool traded = false;
    each_trade_time(std::string_view(static_cast<const char*>(data.data()), data.size()), [&](std::int64_t t) {
      delays.push_back(now - t);
      result.trades = trades.fetch_add(1) + 1;
      traded = true;
    });
    result.bytes += buffer.size();
    buffer.consume(buffer.size());
    ++result.messages;
    if (traded) progress_.notify_all();
    read();
  }

  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  ViewerResult result;
  std::vector<std::int64_t> delays;
  std::atomic<std::uint64_t> trades{0};
  std::atomic<bool> done{false};

 private:
  std::atomic<bool>& stopping_;
  std::condition_variable& progress_;
};

struct ConsoleLoad::Impl {
  std::uint16_t port = 0;
  std::string token;
  double scrape_hz = 0;
  net::io_context ioc;
  std::atomic<bool> stopping{false};
  std::mutex mutex;  // for the condition variables' waits
  std::condition_variable progress;  // a viewer read a trade or ended
  std::condition_variable wake;      // the scraper's: stop
  std::vector<std::shared_ptr<Viewer>> viewers;
  std::vector<std::thread> threads;
  std::thread scraper;
  std::size_t scrapes = 0, scrape_failures = 0;  // the scraper's until joined
  std::vector<std::int64_t> scrape_us;
  bool stopped = false;

  void scrape_loop() {
    net::io_context local;
    std::unique_ptr<beast::tcp_stream> stream;
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / scrape_hz));
    auto next = std::chrono::steady_clock::now();
    for (;;) {
      {
        std::unique_lock lock(mutex);
        if (wake.wait_until(lock, next, [&] { return stopping.load(); })) return;
      }
      next += period;
      const auto t0 = std::chrono::steady_clock::now();
      try {
        if (!stream) {
          stream = std::make_unique<beast::tcp_stream>(local);
          stream->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        }
        bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/metrics", 11);
        req.set(bhttp::field::host, "127.0.0.1");
        req.set(bhttp::field::authorization, bearer(token));
        req.keep_alive(true);
        bhttp::write(*stream, req);
        beast::flat_buffer buffer;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(*stream, buffer, res);
        scrape_us.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
        if (res.result() == bhttp::status::ok) {
          ++scrapes;
        } else {
          ++scrape_failures;
        }
        if (!res.keep_alive()) stream.reset();
      } catch (const std::exception&) {
        ++scrape_failures;
        stream.reset();
      }
    }
  }
};

ConsoleLoad::ConsoleLoad(std::uint16_t http_port, const std::string& token, std::size_t viewers, double scrape_hz,
                         int nice)
    : impl_(std::make_unique<Impl>()) {
  if (nice < 0 || nice > 19) throw std::runtime_error("the viewers' niceness must be 0 to 19");
  impl_->port = http_port;
  impl_->token = token;
  impl_->scrape_hz = scrape_hz;
  const std::string host = "127.0.0.1:" + std::to_string(http_port);
  for (std::size_t i = 0; i < viewers; ++i) {
    auto v = std::make_shared<Viewer>(impl_->ioc, impl_->stopping, impl_->progress);
    try {
      beast::get_lowest_layer(v->ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), http_port));
      v->ws.set_option(websocket::stream_base::decorator(
          [&token](websocket::request_type& req) { req.set(bhttp::field::authorization, bearer(token)); }));
      v->ws.handshake(host, "/api/v1/feed");
      v->ws.read(v->buffer);  // the snapshot: the trades before it are not this run's
      v->buffer.consume(v->buffer.size());
    } catch (const std::exception& e) {
      throw std::runtime_error("viewer " + std::to_string(i + 1) + " of ws://" + host + "/api/v1/feed: " + e.what());
    }
    v->read();
    impl_->viewers.push_back(std::move(v));
  }
  for (int i = 0; i < 2 && viewers > 0; ++i) {
    impl_->threads.emplace_back([this, nice] {
      set_nice(nice);
      impl_->ioc.run();
    });
  }
  if (scrape_hz > 0) {
    impl_->scraper = std::thread([this, nice] {
      set_nice(nice);
      impl_->scrape_loop();
    });
  }
}

ConsoleLoad::~ConsoleLoad() { stop(); }

bool ConsoleLoad::wait_trades(std::uint64_t trades, std::chrono::milliseconds timeout) {
  const auto all = [&] {
    return std::all_of(impl_->viewers.begin(), impl_->viewers.end(),
                       [&](const auto& v) { return v->trades.load() >= trades || v->done.load(); });
  };
  {
    std::unique_lock lock(impl_->mutex);
    // Viewers notify without the mutex: wake every 10 ms rather than miss one.
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!all() && std::chrono::steady_clock::now() < until) impl_->progress.wait_for(lock, std::chrono::milliseconds(10));
  }
  return std::all_of(impl_->viewers.begin(), impl_->viewers.end(),
                     [&](const auto& v) { return v->trades.load() >= trades; });
}

void ConsoleLoad::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->scraper.joinable()) impl_->scraper.join();
  for (const auto& v : impl_->viewers) {
    net::post(v->ws.get_executor(), [v] {
      beast::error_code ignored;
      beast::get_lowest_layer(v->ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(v->ws).socket().close(ignored);
    });
  }
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
}

std::vector<ViewerResult> ConsoleLoad::viewers() const {
  std::vector<ViewerResult> out;
  for (const auto& v : impl_->viewers) out.push_back(v->result);
  return out;
}

std::vector<std::int64_t> ConsoleLoad::trade_delays_ns() const {
  std::vector<std::int64_t> out;
  for (const auto& v : impl_->viewers) out.insert(out.end(), v->delays.begin(), v->delays.end());
  return out;
}

std::size_t ConsoleLoad::scrapes() const { return impl_->scrapes; }
std::size_t ConsoleLoad::scrape_failures() const { return impl_->scrape_failures; }

std::int64_t ConsoleLoad::scrape_p99_us() const {
  std::vector<std::int64_t> v = impl_->scrape_us;
  if (v.empty()) return 0;
  const auto k = static_cast<std::ptrdiff_t>(0.99 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[static_cast<std::size_t>(k)];
}

std::uint64_t read_metric(std::uint16_t http_port, const std::string& token, const std::string& name) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), http_port));
  bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/metrics", 11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::authorization, bearer(token));
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  if (res.result() != bhttp::status::ok) {
    throw std::runtime_error("GET /metrics answered " + std::to_string(res.result_int()) + ": " + res.body());
  }
  const std::string& body = res.body();
  const std::string line = "\n" + name + " ";
  const std::size_t at = body.find(line);
  if (at == std::string::npos) throw std::runtime_error("GET /metrics has no sample " + name);
  std::uint64_t value = 0;
  const char* first = body.data() + at + line.size();
  if (std::from_chars(first, body.data() + body.size(), value).ec != std::errc()) {
    throw std::runtime_error("GET /metrics: " + name + " is not a whole number");
  }
  return value;
}

}  // namespace crix::bench
