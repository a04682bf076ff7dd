// The command line of `crix` and `crixd`, on CLI11: one way to check values, one shape for usage
// errors, one exit code for them. Header-only, as CLI11 is, so that crixd (gateway/) uses it without
// linking a tools library.
//
// A command is a CLI::App; its action, given with on_run(), returns the exit code (0 done, 1 a runtime
// failure that it reported itself). run() parses argv, runs the chosen command's action and returns
// (parse() the same, but nullopt when all went through, for a program that goes on after parsing):
//   0   `--help` or `-h` on any command: its help (options, positionals, subcommands) on stdout;
//   2   a usage error, on stderr, one line:
//         crix ledger trades: --limit: "x" is not a whole number of 1 or more; run 'crix ledger trades --help'
//       the command's path, what was wrong (CLI11's sentence where it is clear), and the help hint.
//       An action reports a usage error it finds after parsing (a value the ledger does not know, a
//       value whose meaning depends on another) by throwing CLI::ValidationError(name, what): same shape.
//   1   a run-time failure: the action reported it and returned 1, or threw Failure(name, what): what
//       the command line named cannot be used (a file that cannot be read, or holds malformed input; a
//       directory that cannot be made). One line, `crix replay: FILE: "/x" cannot be opened: No such
//       file or directory`, without the help hint: the command line was well formed.
//   else the action's exit code.
// Values are quoted "like this" in the sentences. Not thread-safe: one parse per process.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace crix::tools {

inline constexpr int kUsageExit = 2;
inline constexpr int kFailureExit = 1;

// A run-time failure an action finds in what the option or positional `name` named (see the top).
struct Failure : std::runtime_error {
  Failure(const std::string& name, const std::string& what) : std::runtime_error(name + ": " + what) {}
};

// Every crix and crixd command parses this way: an option given twice keeps its last value (as the
// hand-written parsers did); subcommands copy these settings from their parent.
inline void command_defaults(CLI::App& app) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// `text` as a whole number in [lo, hi]; nullopt for anything else (a sign, a space, a fraction).
inline std::optional<std::uint64_t> whole_number(std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || v < lo || v > hi) return std::nullopt;
  return v;
}

// `"x" is not a whole number from 1 to 65535` (or `of 1 or more` when any size will do).
inline std::string not_whole(std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  std::string s = "\"" + std::string(text) + "\" is not a whole number";
  if (hi != std::numeric_limits<std::uint64_t>::max()) return s + " from " + std::to_string(lo) + " to " + std::to_string(hi);
  return lo == 0 ? s : s + " of " + std::to_string(lo) + " or more";
}

// A check for add_option(...)->check(): the value is a whole number in [lo, hi].
inline CLI::Validator whole(std::uint64_t lo, std::uint64_t hi = std::numeric_limits<std::uint64_t>::max()) {
  return CLI::Validator([lo, hi](std::string& s) { return whole_number(s, lo, hi) ? std::string() : not_whole(s, lo, hi); },
                        "");
}

// After parsing: `text`, the value of `name`, as a whole number in [lo, hi], else a usage error.
inline std::uint64_t whole_value(const std::string& name, std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  if (const auto v = whole_number(text, lo, hi)) return *v;
  throw CLI::ValidationError(name, not_whole(text, lo, hi));
}

// "a, b, c"
inline std::string comma_list(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

// A check: the value is one of `names` (`"x" is none of full, os`).
inline CLI::Validator one_of(std::vector<std::string> names) {
  return CLI::Validator(
      [names](std::string& s) {
        for (const std::string& n : names) {
          if (s == n) return std::string();
        }
        return "\"" + s + "\" is none of " + comma_list(names);
      },
      "");
}

// The command's action: runs once it and its arguments were parsed and checked.
inline void on_run(CLI::App& app, std::function<int()> action) {
  app.callback([action = std::move(action)] {
    // CLI11's way to end parse() with an exit code that is no usage error: run() returns it.
    if (const int code = action(); code != 0) throw CLI::RuntimeError(code);
  });
}

namespace cli_detail {

// The commands chosen, from the root down: crix, ledger, trades.
inline std::vector<const CLI::App*> chosen(const CLI::App& root) {
  std::vector<const CLI::App*> chain = {&root};
  for (;;) {
    const auto next = chain.back()->get_subcommands();
    if (next.empty()) return chain;
    chain.push_back(next.front());
  }
}

// What was wrong, in a sentence, for the usage error `e` on the commands `chain`.
inline std::string what_was_wrong(const CLI::ParseError& e, const std::vector<const CLI::App*>& chain) {
  const CLI::App& leaf = *chain.back();
  const bool extras = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
  // A command that takes a subcommand (a verb) and was given none, or a word that is none.
  std::vector<std::string> verbs;
  for (const CLI::App* sub : leaf.get_subcommands([](const CLI::App*) { return true; })) verbs.push_back(sub->get_name());
  if (!verbs.empty() && (extras || dynamic_cast<const CLI::RequiredError*>(&e) != nullptr)) {
    bool positional_missing = false;
    for (const CLI::Option* o : leaf.get_options()) positional_missing |= o->get_required() && o->count() == 0;
    if (!positional_missing) {
      for (const std::string& word : leaf.remaining()) {
        if (!word.starts_with("-")) return "unknown command '" + word + "'; valid: " + comma_list(verbs);
      }
      return "expected a command: " + comma_list(verbs);
    }
  }
  if (extras) {
    for (const CLI::App* app : chain) {
      const std::vector<std::string> left = app->remaining();
      if (left.empty()) continue;
      return (left.front().starts_with("-") ? "unknown option '" : "unexpected argument '") + left.front() + "'";
    }
  }
  // CLI11: "--limit: 1 required N missing".
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr && what.ends_with(" missing") &&
      what.find(": ") != std::string::npos) {
    return what.substr(0, what.find(": ")) + " needs a value";
  }
  return what;
}

}  // namespace cli_detail

// Parses argv with `root` and runs the chosen command's action: nullopt when that went through (or no
// action was given: crixd goes on), else the exit code (see the top).
inline std::optional<int> parse(CLI::App& root, int argc, const char* const* argv, std::ostream& out,
                                std::ostream& err) {
  try {
    root.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    out << root.help();  // the help of the command chosen last
    return 0;
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const Failure& e) {
    std::string path;
    for (const CLI::App* app : cli_detail::chosen(root)) path += (path.empty() ? "" : " ") + app->get_name();
    err << path << ": " << e.what() << "\n";
    return kFailureExit;
  } catch (const CLI::ParseError& e) {
    const std::vector<const CLI::App*> chain = cli_detail::chosen(root);
    std::string path;
    for (const CLI::App* app : chain) path += (path.empty() ? "" : " ") + app->get_name();
    err << path << ": " << cli_detail::what_was_wrong(e, chain) << "; run '" << path << " --help'\n";
    return kUsageExit;
  }
}

// parse(), for a tool whose commands all have actions: the exit code.
inline int run(CLI::App& root, int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  return parse(root, argc, argv, out, err).value_or(0);
}

}  // namespace crix::tools
