// bench_ops: the console must not slow trading (issue 12, "Measured"). Runs bench_fix (built beside
// it) alternately without and with console load, each run on a fresh crixd, and compares.
//
//   bench_ops [--rounds N] [--viewers N] [--scrape-hz H] [--orders N] [--crixd PATH] [--viewer-nice N]
//
// Each round runs `bench_fix --viewers 0` and then `bench_fix --viewers 20 --scrape-hz 1` (bench_fix's
// default otherwise: sync = os, window 100, the crossing mix, two sessions of 100,000 orders), so a
// drift of the machine's load touches both alike. It prints each run's line, then one line:
//
//   bench_ops viewers=20 fix_orders_per_s_ratio=<r> ws_trade_p99_ms=<n>
//
// ratio = the median orders/s with viewers over the median without; ws_trade_p99_ms = the worst of the
// loaded runs' p99 (each run's p99 over every viewer's trades: a trade's exchange time, crixd's
// CLOCK_REALTIME when it sequenced it, to its arrival in the viewer). The line adds the runs' p99s
// and whether every viewer read every trade of every run; it fails (exit 1) when one did not, or a
// run failed. The target: ratio >= 0.95 and p99 <= 50 ms.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.hpp"

namespace {

// The value of ` key=<v>` in a bench_fix line, or nullopt.
std::optional<double> field(const std::string& line, const std::string& key) {
  const std::string k = " " + key + "=";
  const std::size_t at = line.find(k);
  if (at == std::string::npos) return std::nullopt;
  try {
    return std::stod(line.substr(at + k.size()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int usage(const std::string& what) {
  std::fprintf(stderr,
               "bench_ops: %s\nusage: bench_ops [--rounds N] [--viewers N] [--scrape-hz H] [--orders N] "
               "[--crixd PATH] [--viewer-nice N]\n",
               what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rounds = 3;
  std::string viewers = "20";
  std::string scrape_hz = "1";
  std::vector<std::string> pass;  // to every bench_fix run
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return usage(std::string(a) + " needs a value");
    const std::string v = argv[++i];
    if (a == "--rounds") {
      rounds = std::stoul(v);
    } else if (a == "--viewers") {
      viewers = v;
    } else if (a == "--scrape-hz") {
      scrape_hz = v;
    } else if (a == "--orders" || a == "--crixd" || a == "--viewer-nice") {
      pass.insert(pass.end(), {std::string(a), v});
    } else {
      return usage("bad argument " + std::string(a) + " " + v);
    }
  }
  if (rounds == 0) return usage("--rounds must be at least 1");
  const std::string bench_fix = (std::filesystem::canonical("/proc/self/exe").parent_path() / "bench_fix").string();
  std::vector<double> without, with, p99s;
  bool all_complete = true;
  bool failed = false;
  for (std::size_t round = 1; round <= rounds; ++round) {
    for (const bool loaded : {false, true}) {
      std::vector<std::string> args{bench_fix, "--viewers", loaded ? viewers : "0", "--scrape-hz", loaded ? scrape_hz : "0"};
      args.insert(args.end(), pass.begin(), pass.end());
      const crix::test::RunResult r = crix::test::run(args);
      std::fprintf(stderr, "%s", r.err.c_str());
      std::printf("round %zu: %s", round, r.out.c_str());
      std::fflush(stdout);
      const std::optional<double> rate = field(r.out, "orders_per_s");
      if (r.exit_code != 0 || !rate) {
        std::fprintf(stderr, "bench_ops: bench_fix exited %d in round %zu (%s)\n", r.exit_code, round,
                     loaded ? "with viewers" : "without");
        failed = true;
      }
      if (!rate) continue;
      (loaded ? with : without).push_back(*rate);
      if (loaded) {
        p99s.push_back(field(r.out, "ws_trade_p99_ms").value_or(-1));
        all_complete = all_complete && field(r.out, "viewers_complete") == field(r.out, "viewers");
      }
    }
  }
  const double ratio = median(without) > 0 ? median(with) / median(without) : 0;
  const double p99 = p99s.empty() ? -1 : *std::max_element(p99s.begin(), p99s.end());
  std::string each;
  for (const double p : p99s) each += (each.empty() ? "" : ",") + std::to_string(p).substr(0, std::to_string(p).find('.') + 2);
  std::printf("bench_ops viewers=%s fix_orders_per_s_ratio=%.3f ws_trade_p99_ms=%.1f rounds=%zu "
              "orders_per_s_without=%.0f orders_per_s_with=%.0f ws_trade_p99_ms_each=%s every_viewer_every_trade=%s\n",
              viewers.c_str(), ratio, p99, rounds, median(without), median(with), each.c_str(),
              all_complete ? "yes" : "no");
  return failed || !all_complete ? 1 : 0;
}
