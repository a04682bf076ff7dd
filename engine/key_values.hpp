// crix::engine::KeyValues: "key=value" pairs joined by ';', the text a registration is stored and
// compared as (engine::registry_text, ledger/market_text.hpp). Appends, not operator+ chains: g++ 12
// warns falsely on those at -O3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace crix::engine {

class KeyValues {
 public:
  KeyValues& add(std::string_view key, std::string_view value) {
    if (!text_.empty()) text_ += ';';
    text_.append(key);
    text_ += '=';
    text_.append(value);
    return *this;
  }
  KeyValues& add(std::string_view key, std::int64_t value) { return add(key, std::to_string(value)); }
  // An optional value: "-" when absent; a bool as 1 or 0.
  template <class T>
  KeyValues& add(std::string_view key, const std::optional<T>& value) {
    if (!value) return add(key, "-");
    if constexpr (std::is_same_v<T, bool>) {
      return add(key, std::int64_t{*value ? 1 : 0});
    } else {
      return add(key, static_cast<std::int64_t>(*value));
    }
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace crix::engine
