#include "tools/operator_cli.hpp"

#include <chrono>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"
#include "tools/cli_args.hpp"
#include "engine/registry.hpp"
#include "ledger/error.hpp"
#include "ledger/settlement.hpp"

namespace crix::tools {

namespace {

using engine::Command;
using engine::CommandType;

std::int64_t parse_date(std::string_view text) {
  const auto bad = [&] { return BadArgument{"expires '" + std::string(text) + "' is not a date: use YYYY-MM-DD or none"}; };
  if (text == "none") return -1;
  const std::optional<engine::Date> d = date_argument(text);
  if (!d || d->year < 1900 || d->year > 2999 || !on_calendar(*d)) throw bad();
  return engine::days_from_civil(*d);
}

std::int64_t flag_value(std::string_view key, std::string_view text) {
  if (text == "true" || text == "1") return 1;
  if (text == "false" || text == "0") return 0;
  throw BadArgument{std::string(key) + " takes true or false, got '" + std::string(text) + "'"};
}

template <class Field>
std::string field_list(std::uint8_t last) {
  std::string s;
  for (std::uint8_t f = 1; f <= last; ++f) s += (f == 1 ? "" : ", ") + std::string(engine::to_string(static_cast<Field>(f)));
  return s;
}

// The amend command for `kind ID FIELD VALUE`.
Command amendment(const engine::Exchange& x, std::string_view kind, std::string_view id, std::string_view key,
                  std::string_view value) {
  Command c;
  if (kind == "facility") {
    const auto f = x.facility_index(id);
    if (!f) throw BadArgument{"no facility '" + std::string(id) + "' in the market"};
    const auto field = engine::facility_field(key);
    if (!field) {
      throw BadArgument{"no facility field '" + std::string(key) + "' (fields: " +
                        field_list<engine::FacilityField>(static_cast<std::uint8_t>(engine::FacilityField::kExpires)) + ")"};
    }
    c.type = CommandType::kAmendFacility;
    c.side = engine::Side::kSell;
    c.account = engine::AccountId(*f);
    c.id = engine::OrderId(static_cast<std::uint64_t>(*field));
    switch (*field) {
      case engine::FacilityField::kCapacity: c.qty = engine::Qty(whole_argument("capacity", value, 1, 10'000'000'000)); break;
      case engine::FacilityField::kIdleYears: c.qty = engine::Qty(whole_argument("idle_years", value, 0, 1000)); break;
      case engine::FacilityField::kExpires: c.qty = engine::Qty(parse_date(value)); break;
      default: c.qty = engine::Qty(flag_value(key, value)); break;
    }
    return c;
  }
  if (kind == "project") {
    const auto p = x.project_index(id);
    if (!p) throw BadArgument{"no project '" + std::string(id) + "' in the market"};
    const auto field = engine::project_field(key);
    if (!field) {
      throw BadArgument{"no project field '" + std::string(key) + "' (fields: " +
                        field_list<engine::ProjectField>(static_cast<std::uint8_t>(engine::ProjectField::kStatus)) + ")"};
    }
    c.type = CommandType::kAmendProject;
    c.side = engine::Side::kBuy;
    c.account = engine::AccountId(*p);
    c.id = engine::OrderId(static_cast<std::uint64_t>(*field));
    if (*field == engine::ProjectField::kNeed) {
      c.qty = engine::Qty(whole_argument("new_capacity", value, 1, 10'000'000'000));
    } else {
      std::optional<std::int64_t> status;
      for (std::int64_t s = 0; s <= static_cast<std::int64_t>(engine::ProjectStatus::kCanceled); ++s) {
        if (engine::to_string(static_cast<engine::ProjectStatus>(s)) == value) status = s;
      }
      if (!status) throw BadArgument{"status '" + std::string(value) + "' is none of approved, filed, completed, canceled"};
      c.qty = engine::Qty(*status);
    }
    return c;
  }
  throw BadArgument{"amend takes 'facility' or 'project', got '" + std::string(kind) + "'"};
}

// The name the audit trail records for an offline command: the OS user's.
std::string operator_name() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "operator";
}

engine::Timestamp now() {
  return engine::Timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

// Prints the sentence of each event that is the command's own (not the calendar's); true when none
// was a reject.
bool report(const engine::Exchange& x, const std::vector<engine::Event>& events, std::ostream& out,
            std::ostream& err) {
  bool ok = true;
  for (const engine::Event& e : events) {
    switch (e.type) {
      case engine::EventType::kRejected:
        err << "crix operator: refused: " << x.describe(e) << '\n';
        ok = false;
        break;
      case engine::EventType::kRevoked:
      case engine::EventType::kEliminationStatus:
      case engine::EventType::kRegistryChanged:
      case engine::EventType::kRegistered:
        out << x.describe(e) << '\n';
        break;
      case engine::EventType::kCanceled:
        out << "order " << e.order_id.v << " canceled: " << engine::to_string(e.reason) << '\n';
        break;
      default:
        break;
    }
  }
  return ok;
}

}  // namespace

int run_operator_command(std::span<char*> args, std::ostream& out, std::ostream& err) {
  try {
    std::vector<std::string_view> words;
    std::filesystem::path market_file = config::sample_market_path();
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string_view a = args[i];
      if (a == "--market") {
        if (i + 1 >= args.size()) throw BadArgument{"--market needs the path of the market file"};
        market_file = args[++i];
      } else if (a.starts_with("--")) {
        throw BadArgument{"unknown option '" + std::string(a) + "' (options: --market FILE)"};
      } else {
        words.push_back(a);
      }
    }
    if (words.size() < 2) {
      throw BadArgument{"expected 'crix operator LEDGER [--market FILE] revoke|status|amend|register ...'"};
    }
    const std::string path(words[0]);
    const std::string_view verb = words[1];
    const std::size_t want = verb == "revoke" ? 3 : verb == "status" ? 4 : verb == "amend" ? 6 : verb == "register" ? 2 : 0;
    if (want == 0) throw BadArgument{"unknown command '" + std::string(verb) + "' (commands: revoke, status, amend, register)"};
    if (words.size() != want) {
      throw BadArgument{std::string(verb) + " takes " +
                        (verb == "revoke"   ? std::string("TRADE")
                         : verb == "status" ? std::string("TRADE confirmed|shut|dismantled")
                         : verb == "amend"  ? std::string("facility|project ID FIELD VALUE")
                                            : std::string("no arguments"))};
    }
    // Arguments that need no ledger are checked before the ledger is opened.
    std::optional<engine::EliminationStatus> status;
    if (verb == "status") {
      status = engine::elimination_status(words[3]);
      if (!status || *status == engine::EliminationStatus::kPublicised || *status == engine::EliminationStatus::kRevoked) {
        throw BadArgument{"status '" + std::string(words[3]) +
                          "' is none of confirmed, shut, dismantled (a revocation is 'revoke TRADE')"};
      }
    }
    const std::uint64_t trade = verb == "revoke" || verb == "status"
                                    ? static_cast<std::uint64_t>(whole_argument("TRADE", words[2], 1, INT64_MAX))
                                    : 0;

    const config::LoadResult loaded = config::load_market(market_file);
    if (!loaded.market) {
      for (const auto& e : loaded.errors) err << config::format(e) << '\n';
      err << "crix operator: " << market_file.string() << " is not a valid market; see 'crix config check'\n";
      return 1;
    }
    ledger::WriterOptions options;
    options.market = ledger::market_source(market_file.string());
    ledger::OpenLedger ledger = ledger::open_ledger(path, *loaded.market, options);
    for (const std::string& note : ledger.notes) err << "crix operator: " << note << '\n';
    std::vector<Command> commands;
    if (verb == "revoke" || verb == "status") {
      Command c;
      c.type = verb == "revoke" ? CommandType::kRevoke : CommandType::kSetEliminationStatus;
      c.id = engine::OrderId(trade);
      if (status) c.qty = engine::Qty(static_cast<std::int64_t>(*status));
      commands.push_back(c);
    } else if (verb == "amend") {
      commands.push_back(amendment(*ledger.exchange, words[2], words[3], words[4], words[5]));
    } else {
      for (std::size_t f = ledger.exchange->registered_facilities(); f < loaded.market->facilities.size(); ++f) {
        Command c;
        c.type = CommandType::kRegister;
        c.side = engine::Side::kSell;
        c.account = engine::AccountId(f);
        commands.push_back(c);
      }
      for (std::size_t p = ledger.exchange->registered_projects(); p < loaded.market->projects.size(); ++p) {
        Command c;
        c.type = CommandType::kRegister;
        c.side = engine::Side::kBuy;
        c.account = engine::AccountId(p);
        commands.push_back(c);
      }
      if (commands.empty()) out << "every configured facility and project is registered already\n";
    }
    bool ok = true;
    for (const Command& c : commands) {
      ok = report(*ledger.exchange, ledger::apply_and_commit(ledger, c, now(), operator_name()), out, err) && ok;
    }
    return ok ? 0 : 1;
  } catch (const BadArgument& e) {
    err << "crix operator: " << e.what << '\n';
    return kUsageExit;
  } catch (const ledger::Error& e) {
    err << "crix operator: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace crix::tools
