// naive_replay: the yardstick for `crix replay` (issue 15): the plainest correct matcher of the same
// stream, a std::map of price levels holding std::deque FIFOs, read with scanf and written with printf.
// Same input ('A <id> <B|S> <price> <qty>', 'C <id>') and the same fill lines ("<taker> <maker> <price>
// <qty>") as crix replay, so scripts/replay-vs-naive.sh can check that both print the same fills before
// it times them. No validation: it trusts `crix gen`'s stream.
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <unordered_map>

struct Resting {
  std::uint64_t id;
  long long qty;
};

int main() {
  std::map<long long, std::deque<Resting>, std::greater<>> bids;  // best (highest) first
  std::map<long long, std::deque<Resting>> asks;                  // best (lowest) first
  std::unordered_map<std::uint64_t, std::pair<char, long long>> live;  // id -> side, price
  char op, side;
  unsigned long long id;
  long long price, qty;
  while (std::scanf(" %c %llu", &op, &id) == 2) {
    if (op == 'C') {
      const auto it = live.find(id);
      if (it == live.end()) continue;
      auto erase_from = [&](auto& book) {
        auto level = book.find(it->second.second);
        for (auto o = level->second.begin(); o != level->second.end(); ++o) {
          if (o->id == id) {
            level->second.erase(o);
            break;
          }
        }
        if (level->second.empty()) book.erase(level);
      };
      if (it->second.first == 'B') erase_from(bids); else erase_from(asks);
      live.erase(it);
      continue;
    }
    if (std::scanf(" %c %lld %lld", &side, &price, &qty) != 3) return 2;
    auto match = [&](auto& opposite, auto crosses) {
      while (qty > 0 && !opposite.empty() && crosses(opposite.begin()->first)) {
        auto& [level_price, fifo] = *opposite.begin();
        Resting& maker = fifo.front();
        const long long q = maker.qty < qty ? maker.qty : qty;
        std::printf("%llu %llu %lld %lld\n", id, static_cast<unsigned long long>(maker.id), level_price, q);
        qty -= q;
        maker.qty -= q;
        if (maker.qty == 0) {
          live.erase(maker.id);
          fifo.pop_front();
          if (fifo.empty()) opposite.erase(opposite.begin());
        }
      }
    };
    if (side == 'B') {
      match(asks, [&](long long p) { return p <= price; });
      if (qty > 0) bids[price].push_back({id, qty});
    } else {
      match(bids, [&](long long p) { return p >= price; });
      if (qty > 0) asks[price].push_back({id, qty});
    }
    if (qty > 0) live[id] = {side, price};
  }
  return 0;
}
