// IdIndex against std::unordered_map on random inserts and erases, with keys chosen to collide and to
// wrap around the end of the table, where backward-shift deletion is easiest to get wrong.
#include <catch2/catch.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/id_index.hpp"
#include "tests/support/rng.hpp"

TEST_CASE("IdIndex agrees with std::unordered_map under random inserts and erases", "[engine][index]") {
  constexpr std::size_t kMaxKeys = 24;  // 64 slots: probe runs wrap around often
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    crix::test::Rng rng{seed};
    crix::engine::IdIndex<int> index(kMaxKeys);
    std::unordered_map<std::uint64_t, int*> model;
    std::vector<int> values(kMaxKeys * 4);
    // Keys from a few families: sequential; 64 apart, which land near the end of the table and wrap;
    // and huge ones.
    const auto pick_key = [&]() -> std::uint64_t {
      const std::uint64_t r = rng.next();
      switch (r % 3) {
        case 0: return r % 80;
        case 1: return (r % 8) * 64 + 60;
        default: return ~std::uint64_t{0} - r % 5;
      }
    };
    for (int step = 0; step < 2000; ++step) {
      const std::uint64_t key = pick_key();
      const bool present = model.count(key) != 0;
      if (!present && model.size() < kMaxKeys && rng.next() % 2 == 0) {
        int* v = &values[rng.next() % values.size()];
        index.insert(key, v);
        model[key] = v;
      } else {
        index.erase(key);
        model.erase(key);
      }
      REQUIRE(index.size() == model.size());
      std::size_t wrong = 0;
      for (std::uint64_t probe = 0; probe < 80; ++probe) {
        const auto it = model.find(probe);
        wrong += index.find(probe) != (it == model.end() ? nullptr : it->second) ? 1 : 0;
      }
      for (const auto& [k, v] : model) wrong += index.find(k) != v ? 1 : 0;
      INFO("seed " << seed << " step " << step << " key " << key);
      REQUIRE(wrong == 0);
    }
  }
}
