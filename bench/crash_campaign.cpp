// crash_campaign: N cycles of crixd under FIX load, killed with SIGKILL at a random moment, restarted on
// the same ledger (issue 14, "Crash campaign"). It generalises crixd_test's "killed with SIGKILL under
// load" test, which does one cycle.
//
//   crash_campaign N [--seed S] [--sync os|full|alternate] [--crixd PATH] [--crix PATH]
//
// Each cycle starts the Release crixd (the one built beside it) on the sample market open all day, with
// the ledger the previous cycles left (it grows), and checks what the previous cycle's clients saw:
// `crix verify` (the real process) is sound, every fill any client received (ExecutionReport 150=F) is on
// the ledger with its qty, price and order, and every acknowledged order's OrderID (its command's seq)
// is journaled. Then four FIX sessions (two sellers, two buyers) send crossing and resting orders, and
// crixd is killed with SIGKILL after a random delay drawn from the seed. A last start checks the last
// cycle and stops crixd with SIGTERM. --sync alternate (the default) runs odd cycles with sync = full.
//
// The clients keep their sequence numbers and sent messages from cycle to cycle (a store each, as a
// participant's FIX engine does), so each logon after a kill continues them: crixd asks for what it
// did not record receiving (a read's requests it acted on but had not yet recorded, and what never
// reached it), the clients resend it marked PossDupFlag=Y, and crixd must not act twice on any of it.
// Checked over the whole campaign: no ClOrdID of a session is acknowledged as new under two OrderIDs,
// and none is refused as a duplicate (the clients never use one twice: a refusal is a resend crixd
// did not recognize as one).
//
// Output: one line per cycle and a final line
//   crash_campaign cycles=<n> acked_fills=<n> lost_fills=<n> verify_failures=<n> double_orders=<n>
//     refused_as_duplicates=<n> resend_answers=<n> seed=<s>
// (resend_answers: the status reports crixd answered resent requests with; the clients send no
// status request of their own). Exit 1 on any lost fill, unjournaled acknowledgement, verify failure,
// ClOrdID with two orders or refused as a duplicate, or crixd that does not come back.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/parties.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/fix_values.hpp"
#include "ledger/reader.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

using crix::bench::kParties;
using crix::bench::Party;

class Client : public crix::test::FixClient {
 public:
  // Numbers and sent messages kept in `store_dir` and continued at each logon.
  Client(std::uint16_t port, const Party& p, const std::string& store_dir)
      : FixClient(port, p.participant, p.password, 5, store_dir, false) {}
  ~Client() override { stop(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
};

struct Options {
  int cycles = 0;
  std::uint64_t seed = 0;
  std::string sync = "alternate";
  std::string crixd;
  std::string crix;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "crash_campaign: %s\nusage: crash_campaign N [--seed S] [--sync os|full|alternate] [--crixd PATH] "
               "[--crix PATH]\n",
               why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  o.seed = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  const std::filesystem::path here = std::filesystem::path(argv[0]).parent_path();
  o.crixd = (here / "../gateway/crixd").string();
  o.crix = (here / "../tools/crix").string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--seed") {
        o.seed = std::stoull(value());
      } else if (a == "--sync") {
        o.sync = value();
        if (o.sync != "os" && o.sync != "full" && o.sync != "alternate") usage("--sync is os, full or alternate");
      } else if (a == "--crixd") {
        o.crixd = value();
      } else if (a == "--crix") {
        o.crix = value();
      } else if (o.cycles == 0 && !a.empty() && a[0] != '-') {
        o.cycles = std::stoi(a);
      } else {
        usage("unknown argument '" + a + "'");
      }
    } catch (const std::logic_error&) {
      usage("'" + a + "' needs a number");
    }
  }
  if (o.cycles <= 0) usage("give the number of cycles, a positive number");
  return o;
}

crix::fix::OrderRequest order(const std::string& cl, const Party& p, std::int64_t price) {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kNew;
  r.cl_ord_id = cl;
  r.symbol = p.symbol;
  r.account = p.account;
  r.side = p.side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = 2;
  r.price = price;
  return r;
}

struct Check {
  bool verified = false;
  std::string verify_text;
  std::uint64_t fills = 0;
  std::uint64_t lost_fills = 0;
  std::uint64_t acks = 0;
  std::uint64_t unjournaled = 0;
  std::uint64_t ledger_trades = 0;
  std::uint64_t rejects = 0;
  std::string first_reject;  // its text: a campaign whose orders are all refused tests nothing
};

// What the clients of the killed crixd saw, against the ledger it left (crixd restarted on it).
Check check(const Options& o, const std::string& ledger, const std::vector<crix::fix::ExecReport>& seen) {
  Check c;
  const auto verify = crix::test::run({o.crix, "verify", ledger});
  c.verified = verify.exit_code == 0;
  if (!c.verified) c.verify_text = verify.out + verify.err;
  const crix::ledger::Reader reader(ledger);
  const auto meta = reader.meta();
  c.ledger_trades = meta.trade_count;
  for (const auto& r : seen) {
    if (r.exec_type == '0') {
      ++c.acks;
      if (std::stoull(r.order_id) > meta.last_seq.v) {
        ++c.unjournaled;
        std::fprintf(stderr, "acknowledged order %s (%s) is not journaled (last seq %llu)\n", r.order_id.c_str(),
                     r.cl_ord_id.c_str(), static_cast<unsigned long long>(meta.last_seq.v));
      }
    }
    if (r.exec_type == '8' && c.rejects++ == 0) c.first_reject = r.text;
    if (r.exec_type != 'F') continue;
    ++c.fills;
    const auto t = reader.trade(crix::engine::TradeId(std::stoull(r.trade_id)));
    const bool same = t.has_value() && t->qty.v == r.last_qty && t->price.v == r.last_px &&
                      std::to_string(r.side == '1' ? t->buy_order.v : t->sell_order.v) == r.order_id;
    if (!same) {
      ++c.lost_fills;
      std::fprintf(stderr, "fill %s of order %s (%lld at %lld) is %s\n", r.trade_id.c_str(), r.order_id.c_str(),
                   static_cast<long long>(r.last_qty), static_cast<long long>(r.last_px),
                   t.has_value() ? "on the ledger with another qty, price or order" : "not on the ledger");
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  crix::test::Rng rng{o.seed};
  std::printf("crash_campaign: %d cycles, seed %llu (--seed %llu repeats it), sync %s\n", o.cycles,
              static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(o.seed), o.sync.c_str());
  std::fflush(stdout);
  const crix::test::ScratchDir dir;
  const std::string market = crix::test::all_day_market(dir);
  const std::string ledger = dir.file("crix.ledger");

  std::uint64_t acked_fills = 0, lost_fills = 0, verify_failures = 0, unjournaled = 0, no_restart = 0;
  std::uint64_t resend_answers = 0, refused_as_duplicates = 0;
  // Each session's ClOrdIDs acknowledged as new, with the OrderIDs they were given: one each.
  std::map<std::string, std::set<std::string>> order_ids;
  std::vector<crix::fix::ExecReport> seen;  // what the previous cycle's clients received
  int killed_after_ms = 0;
  std::string killed_sync;  // the killed crixd's sync setting
  const auto started = Clock::now();
  for (int cycle = 0; cycle <= o.cycles; ++cycle) {
    const bool last = cycle == o.cycles;
    const std::string sync = o.sync != "alternate" ? o.sync : (cycle % 2 == 1 ? "full" : "os");
    const auto t0 = Clock::now();
    // free_port() hands out a port that was free a moment ago, in the ephemeral range: another process
    // (or a client's reconnecting socket, which may even connect to itself) can take it before crixd
    // binds it. That is the harness's race, not crixd's: start again on another port, a few times.
    std::uint16_t port = 0;
    std::unique_ptr<crix::test::CrixdProcess> started_crixd;
    for (int attempt = 0; attempt < 3; ++attempt) {
      port = crix::test::free_port();
      started_crixd = std::make_unique<crix::test::CrixdProcess>(o.crixd, dir, market, ledger, port, sync);
      if (started_crixd->listening(port) || started_crixd->errors().find("is in use") == std::string::npos) break;
      std::printf("cycle %d: port %u was taken before crixd bound it; again on another port\n", cycle,
                  static_cast<unsigned>(port));
    }
    crix::test::CrixdProcess& crixd = *started_crixd;
    if (!crixd.listening(port)) {
      ++no_restart;
      std::printf("cycle %d: crixd did not come back on the ledger: %s\n", cycle, crixd.errors().c_str());
      break;
    }
    const auto restart_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    if (cycle > 0) {
      const Check c = check(o, ledger, seen);
      acked_fills += c.fills;
      lost_fills += c.lost_fills;
      unjournaled += c.unjournaled;
      verify_failures += c.verified ? 0 : 1;
      std::printf("cycle %d sync=%s killed_after_ms=%d acks=%llu fills=%llu lost_fills=%llu unjournaled_acks=%llu "
                  "verify=%s ledger_trades=%llu restart_ms=%lld\n",
                  cycle, killed_sync.c_str(),
                  killed_after_ms, static_cast<unsigned long long>(c.acks), static_cast<unsigned long long>(c.fills),
                  static_cast<unsigned long long>(c.lost_fills), static_cast<unsigned long long>(c.unjournaled),
                  c.verified ? "sound" : "FAILED", static_cast<unsigned long long>(c.ledger_trades),
                  static_cast<long long>(restart_ms));
      if (!c.verified) std::printf("  crix verify: %s\n", c.verify_text.c_str());
      if (c.rejects > 0) {
        std::printf("  %llu orders rejected, the first: %s\n", static_cast<unsigned long long>(c.rejects),
                    c.first_reject.c_str());
      }
      std::fflush(stdout);
    }
    if (last) {
      const int code = crixd.stop(SIGTERM);
      if (code != 0) std::printf("crixd exited %d on SIGTERM: %s\n", code, crixd.errors().c_str());
      break;
    }
    seen.clear();
    std::vector<std::unique_ptr<Client>> clients;
    for (const auto& p : kParties) clients.push_back(std::make_unique<Client>(port, p, dir.file(std::string("store-") + p.participant)));
    bool logged_on = true;
    for (auto& c : clients) logged_on = c->fix().wait_logged_on(10000) && logged_on;
    if (!logged_on) {
      std::printf("cycle %d: the sessions did not log on\n", cycle + 1);
      ++no_restart;
      break;
    }
    // Load until the kill: crossing orders at the reference price mostly, resting ones a little away.
    std::atomic<bool> stop{false};
    const std::uint64_t load_seed = rng.next();
    std::string prefix = std::to_string(cycle + 1);  // ClOrdIDs stay unique on the day's ledger
    prefix.append("-");
    std::thread load([&] {
      crix::test::Rng r{load_seed};
      for (std::uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        for (std::size_t i = 0; i < clients.size(); ++i) {
          const Party& p = kParties[i];
          const std::int64_t away = r.chance(80) ? 0 : r.range(1, 2000);
          const std::int64_t price = p.side == '1' ? p.reference - away : p.reference + away;
          std::string cl = prefix;  // (not "c" + ...: g++ 12 -O3 warns falsely on that, -Wrestrict)
          cl.append(std::to_string(n));
          clients[i]->fix().send(order(cl, p, price));
        }
        std::this_thread::sleep_for(2ms);  // about 1,500 orders/s: the facilities last 500 cycles and more
      }
    });
    killed_after_ms = static_cast<int>(rng.range(200, 1500));
    std::this_thread::sleep_for(std::chrono::milliseconds(killed_after_ms));
    crixd.stop(SIGKILL);
    killed_sync = sync;
    stop = true;
    load.join();
    std::this_thread::sleep_for(300ms);  // nothing more can arrive; take what did
    for (std::size_t i = 0; i < clients.size(); ++i) {
      for (const auto& r : clients[i]->get(&crix::test::RecordingClient::reports)) {
        namespace fixv = crix::gateway::fixv;
        if (r.exec_type == fixv::exec_type::kNew) {
          order_ids[std::string(kParties[i].participant) + " " + r.cl_ord_id].insert(r.order_id);
        }
        if (r.exec_type == fixv::exec_type::kOrderStatus) ++resend_answers;
        if (r.exec_type == fixv::exec_type::kRejected && r.ord_rej_reason == fixv::ord_rej_reason::kDuplicateOrder) {
          ++refused_as_duplicates;
          std::printf("%s's order %s was refused as a duplicate: %s\n", kParties[i].participant, r.cl_ord_id.c_str(),
                      r.text.c_str());
        }
        seen.push_back(r);
      }
    }
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  std::printf("took %.1f s\n", static_cast<double>(took) / 1000.0);
  if (unjournaled > 0) std::printf("unjournaled acknowledgements: %llu\n", static_cast<unsigned long long>(unjournaled));
  std::uint64_t double_orders = 0;
  for (const auto& [who, ids] : order_ids) {
    if (ids.size() < 2) continue;
    ++double_orders;
    std::string list;
    for (const std::string& id : ids) list += " " + id;
    std::printf("%s was acknowledged as new under %zu OrderIDs:%s\n", who.c_str(), ids.size(), list.c_str());
  }
  std::printf("crash_campaign cycles=%d acked_fills=%llu lost_fills=%llu verify_failures=%llu double_orders=%llu "
              "refused_as_duplicates=%llu resend_answers=%llu seed=%llu\n",
              o.cycles, static_cast<unsigned long long>(acked_fills), static_cast<unsigned long long>(lost_fills),
              static_cast<unsigned long long>(verify_failures), static_cast<unsigned long long>(double_orders),
              static_cast<unsigned long long>(refused_as_duplicates), static_cast<unsigned long long>(resend_answers),
              static_cast<unsigned long long>(o.seed));
  return lost_fills + verify_failures + unjournaled + no_restart + double_orders + refused_as_duplicates == 0 ? 0 : 1;
}
