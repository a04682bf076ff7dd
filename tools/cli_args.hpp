// What the `crix` subcommands share to read their arguments: the usage error they throw (exit code 2
// with its sentence) and whole numbers in a range.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace crix::tools {

inline constexpr int kUsageExit = 2;

// A bad argument: the sentence names the argument and what it may be.
struct BadArgument {
  std::string what;
};

// `text` as a whole number in [lo, hi]; else BadArgument naming `what`.
inline std::int64_t whole_argument(std::string_view what, std::string_view text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi) {
    throw BadArgument{std::string(what) + " '" + std::string(text) + "' is not a whole number from " +
                      std::to_string(lo) + " to " + std::to_string(hi)};
  }
  return v;
}

}  // namespace crix::tools
