// crix::test feed rows: the console feed's trades (docs/API.md, "Live") as objects, the way a client
// reads them: a trade is a row, its values in the order of the snapshot's `trade_fields`, which names
// them ("type" first). The tests apply objects; these turn rows into them. Header-only: its users
// already link nlohmann-json.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace crix::test {

// `event` as an object: a row named by `fields`, an object as it is.
inline nlohmann::json feed_object(const nlohmann::json& event, const nlohmann::json& fields) {
  if (!event.is_array()) return event;
  nlohmann::json named = nlohmann::json::object();
  for (std::size_t i = 0; i < event.size() && i < fields.size(); ++i) named[fields[i].get<std::string>()] = event[i];
  return named;
}

}  // namespace crix::test
