// The sample market (config/sample/market.toml) as the exchange tests load it, and local times in its
// zone (UTC+8).
#pragma once

#include <catch2/catch.hpp>

#include "config/market_config.hpp"
#include "engine/calendar.hpp"

namespace crix::test {

inline engine::Market sample_market() {
  config::LoadResult r = config::load_market(config::sample_market_path());
  REQUIRE(r.errors.empty());
  return std::move(*r.market);
}

// UTC nanoseconds of a local (UTC+8) date and time.
inline engine::Timestamp beijing(engine::Date d, int hour, int minute) { return engine::local_time(d, hour, minute, 8 * 60); }

}  // namespace crix::test
