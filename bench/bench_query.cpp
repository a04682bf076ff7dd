// bench_query: the regulator's ledger queries over HTTP on a large ledger (issue 12, "Measured": p99
// under 5 ms for a page of 100 on a 10 M-trade ledger).
//
//   bench_query --market FILE --ledger PATH [--requests N] [--limit N] [--crixd PATH] [--seed S]
//               [--seconds-per-query S] [--query NAME ...]
//
// Starts crixd (the one built beside it) on the ledger (made by gen_ledger; crixd replays its journal
// first, which takes a while on a large one: the time is printed) with its console on a free loopback
// port, then for each query sends --requests (default 1000) GETs with the sample's operator token over
// one keep-alive connection, one at a time, arguments drawn at random (seeded): a page of --limit
// (default 100) of
//   by_participant  /api/v1/ledger/trades?participant=P&limit=100    (a random participant of the market)
//   by_region       /api/v1/ledger/trades?region=R&limit=100         (a random region)
//   by_time         /api/v1/ledger/trades?from=T&to=T+1h&limit=100   (a random hour of the ledger's day)
//   deep_page       /api/v1/ledger/trades?after=A&limit=100          (A random among the trade ids)
//   elimination     /api/v1/ledger/elimination?after=A&limit=100
//   facility        /api/v1/ledger/facilities/F?limit=100            (the first page of its history)
//   facility_deep   /api/v1/ledger/facilities/F?after=A&limit=100    (a page of it after a random trade id)
//   project         /api/v1/ledger/projects/P?limit=100              (the first page of its progress)
//   daily           /api/v1/ledger/daily?day=D                       (the ledger's day)
// Latency is one request's, from writing it to having read the whole answer, in the client. Prints one
// line per query and then
//   bench_query trades=<n> page=<limit> p99_ms=<worst p99>
// A query that scans (seconds a request on 10 M trades) stops after --seconds-per-query (default 60)
// with the requests it made (its line says requests=<made>, stopped=yes), so that the bench ends.
// A query that fails (an answer but 200, a connection cut mid-answer) is printed with its error
// (`error=...`) and counted in the last line (`failed=<queries>`); the others still run; exit 1.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/market_config.hpp"
#include "engine/calendar.hpp"
#include "tools/cli.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kSampleToken = "crix-sample-operator-token";  // config/sample/market.toml: for the sample only

// One keep-alive connection to crixd's console.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  // The answer's body; throws with the status and body unless 200.
  std::string get(const std::string& target) {
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::authorization, std::string("Bearer ") + kSampleToken);
    req.keep_alive(true);
    bhttp::write(stream_, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1u << 30);
    bhttp::read(stream_, buffer_, parser);
    if (parser.get().result() != bhttp::status::ok) {
      throw std::runtime_error("GET " + target + " answered " + std::to_string(parser.get().result_int()) + ": " +
                               parser.get().body().substr(0, 400));
    }
    return std::move(parser.get().body());
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// The ns since the epoch of a ledger row's "time" ("2026-12-01 09:30:00.930+08:00", the market's zone).
std::int64_t time_after(const std::string& body, std::int32_t utc_offset_minutes) {
  const std::string key = "\"time\": \"";
  const std::size_t at = body.find(key);
  if (at == std::string::npos || body.size() < at + key.size() + 23) {
    throw std::runtime_error("no \"time\" in " + body.substr(0, 200));
  }
  const std::string t = body.substr(at + key.size(), 23);
  const auto n = [&](std::size_t from, std::size_t len) { return std::stoi(t.substr(from, len)); };
  const crix::engine::Date day{n(0, 4), static_cast<std::uint8_t>(n(5, 2)), static_cast<std::uint8_t>(n(8, 2))};
  return crix::engine::local_time(day, n(11, 2), n(14, 2), utc_offset_minutes).v + std::int64_t{n(17, 2)} * 1'000'000'000 +
         std::int64_t{n(20, 3)} * 1'000'000;
}

std::int64_t percentile(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return 0;
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  std::string market_file, ledger_path;
  std::string crixd_path =
      (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "gateway" / "crixd").string();
  std::size_t requests = 1000, limit = 100;
  std::uint64_t seed = 7;
  double seconds_per_query = 60;
  std::vector<std::string> only;
  const std::vector<std::string> names = {"by_participant", "by_region",     "by_time", "deep_page", "elimination",
                                          "facility",       "facility_deep", "project", "daily"};
  CLI::App app("bench_query: the regulator's ledger queries over HTTP on a large ledger (p99 of a page)",
               "bench_query");
  crix::tools::command_defaults(app);
  app.add_option("--market", market_file, "the ledger's market file")->required()->check(CLI::ExistingFile);
  app.add_option("--ledger", ledger_path, "the ledger (made by gen_ledger)")->required()->check(CLI::ExistingFile);
  app.add_option("--requests", requests, "requests per query (default 1000)")->check(CLI::PositiveNumber);
  app.add_option("--limit", limit, "a page's rows (default 100)")->check(CLI::Range(1, 10'000));
  app.add_option("--crixd", crixd_path, "the crixd to start (default: the one built beside this)");
  app.add_option("--seed", seed, "the arguments' random seed (default 7)");
  app.add_option("--seconds-per-query", seconds_per_query, "a query's time limit (default 60)")
      ->check(CLI::PositiveNumber);
  app.add_option("--query", only, "run only these queries (repeatable; default all)")
      ->check(CLI::IsMember(names))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  if (const auto code = crix::tools::parse(app, argc, argv, std::cout, std::cerr)) return *code;
  const crix::config::LoadResult loaded = crix::config::load_market(market_file);
  if (!loaded.market) {
    std::fprintf(stderr, "bench_query: %s is not a valid market: see 'crix config check'\n", market_file.c_str());
    return 2;
  }
  const crix::engine::Market& market = *loaded.market;

  crix::test::ScratchDir dir("bench-query");
  const std::uint16_t port = crix::test::free_port();
  const std::uint16_t http_port = crix::test::free_port();
  const auto started = Clock::now();
  crix::test::CrixdProcess crixd(crixd_path, dir, std::filesystem::absolute(market_file).string(), ledger_path, port,
                                 "os", {"--http", "127.0.0.1:" + std::to_string(http_port)});
  // A large journal takes minutes to replay: wait while crixd runs (listening() gives up after 60 s).
  while (!crixd.listening(port)) {
    if (crixd.cpu_seconds() < 0) {
      std::fprintf(stderr, "bench_query: crixd did not start: %s\n", crixd.errors().c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "crixd opened the ledger in %.1f s\n",
               std::chrono::duration<double>(Clock::now() - started).count());

  try {
    std::optional<Client> client;
    client.emplace(http_port);
    const std::string first = client->get("/api/v1/ledger/trades?limit=1");
    // The last trade id (ids are 1..n with no gaps), by bisection on ?after=: a page's "more" is counted
    // only up to 10,000.
    const auto any_after = [&](std::uint64_t id) {
      return client->get("/api/v1/ledger/trades?limit=1&after=" + std::to_string(id)).find("\"trade\"") !=
             std::string::npos;
    };
    std::uint64_t low = 0, high = 1;  // a trade after low; none after high
    while (any_after(high)) {
      low = high;
      high *= 2;
    }
    while (high - low > 1) {
      const std::uint64_t mid = low + (high - low) / 2;
      (any_after(mid) ? low : high) = mid;
    }
    const std::uint64_t trades = high;
    const std::int64_t first_ts = time_after(first, market.exchange.utc_offset_minutes);
    const std::string last = client->get("/api/v1/ledger/trades?limit=1&after=" + std::to_string(trades - 1));
    const std::int64_t last_ts = time_after(last, market.exchange.utc_offset_minutes);
    const std::string day_text = first.substr(first.find("\"time\": \"") + 9, 10);  // the first trade's day

    crix::test::Rng rng{seed};
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.below(n)); };
    const std::string page = "&limit=" + std::to_string(limit);
    const std::int64_t hour = 3'600'000'000'000;
    const std::vector<std::pair<const char*, std::function<std::string()>>> queries = {
        {"by_participant",
         [&] { return "/api/v1/ledger/trades?participant=" + market.participants[pick(market.participants.size())].id + page; }},
        {"by_region",
         [&] { return "/api/v1/ledger/trades?region=" + std::to_string(market.regions[pick(market.regions.size())].ref.code) + page; }},
        {"by_time",
         [&] {
           const std::int64_t span = std::max<std::int64_t>(1, last_ts - first_ts - hour);
           const std::int64_t from = first_ts + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span)));
           return "/api/v1/ledger/trades?from=" + std::to_string(from) + "&to=" + std::to_string(from + hour) + page;
         }},
        {"deep_page", [&] { return "/api/v1/ledger/trades?after=" + std::to_string(rng.below(trades)) + page; }},
        {"elimination", [&] { return "/api/v1/ledger/elimination?after=" + std::to_string(rng.below(trades)) + page; }},
        {"facility",
         [&] { return "/api/v1/ledger/facilities/" + market.facilities[pick(market.facilities.size())].id + "?" + page.substr(1); }},
        {"facility_deep",
         [&] {
           return "/api/v1/ledger/facilities/" + market.facilities[pick(market.facilities.size())].id +
                  "?after=" + std::to_string(rng.below(trades)) + page;
         }},
        {"project",
         [&] { return "/api/v1/ledger/projects/" + market.projects[pick(market.projects.size())].id + "?" + page.substr(1); }},
        {"daily", [&] { return "/api/v1/ledger/daily?day=" + day_text; }},
    };
    std::int64_t worst = 0;
    std::string failed;
    for (const auto& [name, target] : queries) {
      if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
      std::vector<std::int64_t> us;
      std::size_t bytes = 0;
      const auto query_start = Clock::now();
      bool stopped = false;
      for (std::size_t i = 0; i < requests; ++i) {
        if (std::chrono::duration<double>(Clock::now() - query_start).count() > seconds_per_query) {
          stopped = true;
          break;
        }
        const std::string t = target();
        const auto t0 = Clock::now();
        try {
          bytes += client->get(t).size();
        } catch (const std::exception& e) {
          const double s = std::chrono::duration<double>(Clock::now() - t0).count();
          std::printf("bench_query query=%s requests=%zu error=\"%s after %.1f s: %s\"\n", name, us.size() + 1, t.c_str(), s,
                      e.what());
          failed += (failed.empty() ? "" : ",") + std::string(name);
          client.emplace(http_port);  // the connection may be cut
          break;
        }
        us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
      }
      if (us.empty()) continue;
      const std::int64_t p99 = percentile(us, 0.99);
      worst = std::max(worst, p99);
      std::printf("bench_query query=%s trades=%llu requests=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f answer_kb=%zu%s\n",
                  name, static_cast<unsigned long long>(trades), us.size(), static_cast<double>(percentile(us, 0.5)) / 1e3,
                  static_cast<double>(p99) / 1e3, static_cast<double>(*std::max_element(us.begin(), us.end())) / 1e3,
                  bytes / us.size() / 1024, stopped ? " stopped=yes" : "");
      std::fflush(stdout);
    }
    std::printf("bench_query trades=%llu page=%zu p99_ms=%.2f%s%s\n", static_cast<unsigned long long>(trades), limit,
                static_cast<double>(worst) / 1e3, failed.empty() ? "" : " failed=", failed.c_str());
    crixd.stop(SIGTERM);
    return failed.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_query: %s\n", e.what());
    return 1;
  }
}
