// The daemon's building blocks without sockets: the bounded queue between stages (many producers, one
// consumer, refusal when full, close) and the salted password check of FIX Logon.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "gateway/password.hpp"
#include "gateway/queue.hpp"

using crix::gateway::BoundedQueue;

TEST_CASE("a full queue refuses at once and takes again once drained", "[gateway]") {
  BoundedQueue<int> q(3);
  CHECK(q.wait(std::chrono::milliseconds(1)) == BoundedQueue<int>::State::kEmpty);
  CHECK(q.try_push(1));
  CHECK(q.try_push(2));
  CHECK(q.try_push(3));
  CHECK_FALSE(q.try_push(4));
  CHECK(q.size() == 3);
  std::vector<int> out;
  CHECK(q.wait(std::chrono::milliseconds(0)) == BoundedQueue<int>::State::kReady);
  CHECK(q.take(out, 2) == 2);
  CHECK(out == std::vector<int>{1, 2});
  CHECK(q.try_push(4));
  out.clear();
  q.close();
  CHECK_FALSE(q.try_push(5));
  CHECK(q.wait(std::chrono::milliseconds(0)) == BoundedQueue<int>::State::kReady);  // what was queued still comes out
  CHECK(q.take(out, 10) == 2);
  CHECK(out == std::vector<int>{3, 4});
  CHECK(q.wait(std::chrono::milliseconds(0)) == BoundedQueue<int>::State::kClosed);
  CHECK(q.take(out, 10) == 0);
}

TEST_CASE("many producers, one consumer: every accepted item arrives once, in each producer's order", "[gateway]") {
  BoundedQueue<std::pair<int, int>> q(64);
  constexpr int kProducers = 4;
  constexpr int kItems = 20000;
  std::atomic<int> refused{0};
  std::vector<std::thread> producers;
  std::vector<std::vector<int>> accepted(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kItems; ++i) {
        if (q.try_push({p, i})) {
          accepted[p].push_back(i);
        } else {
          ++refused;
        }
      }
    });
  }
  std::vector<std::vector<int>> seen(kProducers);
  std::thread consumer([&] {
    std::vector<std::pair<int, int>> batch;
    while (q.wait(std::chrono::milliseconds(50)) != BoundedQueue<std::pair<int, int>>::State::kClosed) {
      batch.clear();
      q.take(batch, 16);
      for (const auto& [p, i] : batch) seen[p].push_back(i);
    }
  });
  for (auto& t : producers) t.join();
  q.close();
  consumer.join();
  std::size_t total = 0;
  for (int p = 0; p < kProducers; ++p) {
    CHECK(seen[p] == accepted[p]);
    total += seen[p].size();
  }
  CHECK(total + static_cast<std::size_t>(refused.load()) == std::size_t{kProducers} * kItems);
}

TEST_CASE("a password matches its salted hash and nothing else", "[gateway]") {
  // The sample market's spec for TJ-RONGCHENG (config/sample/market.toml).
  const std::string spec = "sha256:bc02f9e208621b3d:6c476ff1f972d41d45406db7ec118931e25aed67aae0a7aa26d67227223bded0";
  CHECK(crix::gateway::password_matches(spec, "demo-tj-rongcheng"));
  CHECK_FALSE(crix::gateway::password_matches(spec, "demo-tj-rongchenG"));
  CHECK_FALSE(crix::gateway::password_matches(spec, ""));
  CHECK_FALSE(crix::gateway::password_matches("sha256:bc02f9e208621b3d", "demo-tj-rongcheng"));
  CHECK_FALSE(crix::gateway::password_matches("plain:demo-tj-rongcheng", "demo-tj-rongcheng"));
  CHECK(crix::gateway::password_spec("bc02f9e208621b3d", "demo-tj-rongcheng") == spec);
}
