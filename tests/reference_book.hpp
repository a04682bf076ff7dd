// crix::testing::ReferenceEngine: a naive model of crix::engine::Engine, written for obviousness, not
// speed, from the contract in engine/engine.hpp and engine/event.hpp. The differential test runs both
// on random command streams and requires identical events and state hashes after every command.
//
// Each book side is a std::map from price to a std::list of orders in time priority; orders are found
// by scanning; GTD expiry scans every order. Nothing here shares code with the fast engine except the
// public types and StateHasher (the hash's definition).
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <vector>

#include "engine/engine.hpp"

namespace crix::testing {

class ReferenceEngine {
 public:
  explicit ReferenceEngine(const engine::EngineSettings& settings);

  void apply(const engine::Command& c, engine::EventSink& sink);
  void set_eligibility_hook(const engine::EligibilityHook* hook) { hook_ = hook; }
  std::uint64_t state_hash() const;

 private:
  using Queue = std::list<engine::Order>;
  using Side = std::map<std::int64_t, Queue>;  // price -> queue
  struct Book {
    std::array<Side, 2> sides;  // [buy, sell]
  };
  struct Location {
    Book* book = nullptr;
    engine::Side side = engine::Side::kBuy;
    std::int64_t price = 0;
    Queue::iterator it;
  };

  // Prices of a side, best first.
  static std::vector<std::int64_t> best_first(const Side& side, engine::Side s);
  bool find(engine::OrderId id, Location& where);
  std::size_t resting_orders() const;
  std::size_t price_levels() const;

  void on_new(const engine::Command& c, engine::EventSink& sink);
  void on_cancel(const engine::Command& c, engine::EventSink& sink);
  void on_replace(const engine::Command& c, engine::EventSink& sink);
  void on_mass_cancel(const engine::Command& c, engine::EventSink& sink);
  void expire_gtd(engine::Timestamp now, engine::EventSink& sink);
  void close_day(engine::Timestamp now, engine::EventSink& sink);

  bool resolve_own_order(const engine::Command& c, Location& where, engine::EventSink& sink);
  void enter(Book& book, engine::Order taker, engine::EventSink& sink);
  bool would_fill_completely(const Book& book, const engine::Order& taker) const;
  bool match(Book& book, engine::Order& taker, engine::EventSink& sink);
  void erase(Location& where, engine::EventSink& sink);
  void level_event(const Book& book, engine::Side s, std::int64_t price, engine::EventSink& sink) const;
  engine::InstrumentId instrument_of(const Book& book) const;

  engine::EngineSettings settings_;
  const engine::EligibilityHook* hook_ = nullptr;
  std::uint64_t trades_ = 0;
  std::vector<Book> books_;
};

}  // namespace crix::testing
