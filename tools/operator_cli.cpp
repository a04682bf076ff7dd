#include "tools/operator_cli.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"
#include "engine/registry.hpp"
#include "ledger/date_text.hpp"
#include "ledger/error.hpp"
#include "ledger/settlement.hpp"
#include "tools/cli.hpp"

namespace crix::tools {

namespace {

using engine::Command;
using engine::CommandType;

std::int64_t parse_date(std::string_view text) {
  if (text == "none") return -1;
  const std::optional<engine::Date> d = ledger::date_argument(text);
  if (!d || d->year < 1900 || d->year > 2999 || !ledger::on_calendar(*d)) {
    throw CLI::ValidationError("expires", "\"" + std::string(text) + "\" is not a date: use YYYY-MM-DD or none");
  }
  return engine::days_from_civil(*d);
}

std::int64_t flag_value(std::string_view key, std::string_view text) {
  if (text == "true" || text == "1") return 1;
  if (text == "false" || text == "0") return 0;
  throw CLI::ValidationError(std::string(key), "\"" + std::string(text) + "\" is neither true nor false");
}

engine::Qty whole_qty(const std::string& key, std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  return engine::Qty(static_cast<std::int64_t>(whole_value(key, text, lo, hi)));
}

template <class Field>
std::string field_list(std::uint8_t last) {
  std::string s;
  for (std::uint8_t f = 1; f <= last; ++f) s += (f == 1 ? "" : ", ") + std::string(engine::to_string(static_cast<Field>(f)));
  return s;
}

// The amend command for `kind ID FIELD VALUE`; kind is facility or project (checked when parsed).
Command amendment(const engine::Exchange& x, std::string_view kind, std::string_view id, std::string_view key,
                  std::string_view value) {
  Command c;
  if (kind == "facility") {
    const auto f = x.facility_index(id);
    if (!f) throw CLI::ValidationError("ID", "\"" + std::string(id) + "\" is no facility of the market");
    const auto field = engine::facility_field(key);
    if (!field) {
      throw CLI::ValidationError("FIELD", "\"" + std::string(key) + "\" is no facility field; fields: " +
                                              field_list<engine::FacilityField>(static_cast<std::uint8_t>(engine::FacilityField::kExpires)));
    }
    c.type = CommandType::kAmendFacility;
    c.side = engine::Side::kSell;
    c.account = engine::AccountId(*f);
    c.id = engine::OrderId(static_cast<std::uint64_t>(*field));
    switch (*field) {
      case engine::FacilityField::kCapacity: c.qty = whole_qty("capacity", value, 1, 10'000'000'000); break;
      case engine::FacilityField::kIdleYears: c.qty = whole_qty("idle_years", value, 0, 1000); break;
      case engine::FacilityField::kExpires: c.qty = engine::Qty(parse_date(value)); break;
      default: c.qty = engine::Qty(flag_value(key, value)); break;
    }
    return c;
  }
  const auto p = x.project_index(id);
  if (!p) throw CLI::ValidationError("ID", "\"" + std::string(id) + "\" is no project of the market");
  const auto field = engine::project_field(key);
  if (!field) {
    throw CLI::ValidationError("FIELD", "\"" + std::string(key) + "\" is no project field; fields: " +
                                            field_list<engine::ProjectField>(static_cast<std::uint8_t>(engine::ProjectField::kStatus)));
  }
  c.type = CommandType::kAmendProject;
  c.side = engine::Side::kBuy;
  c.account = engine::AccountId(*p);
  c.id = engine::OrderId(static_cast<std::uint64_t>(*field));
  if (*field == engine::ProjectField::kNeed) {
    c.qty = whole_qty("new_capacity", value, 1, 10'000'000'000);
  } else {
    std::optional<std::int64_t> status;
    for (std::int64_t s = 0; s <= static_cast<std::int64_t>(engine::ProjectStatus::kCanceled); ++s) {
      if (engine::to_string(static_cast<engine::ProjectStatus>(s)) == value) status = s;
    }
    if (!status) throw CLI::ValidationError("status", "\"" + std::string(value) + "\" is none of approved, filed, completed, canceled");
    c.qty = engine::Qty(*status);
  }
  return c;
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

// An auction's window edge: "now" (OPENS only), "+SECONDS" from now, a local time in the market's zone
// (ledger::window_edge, as crix admin and the console take it), or a UTC time YYYY-MM-DDTHH:MM:SSZ.
engine::Timestamp window_time(const std::string& key, std::string_view text, engine::Timestamp at, std::int32_t offset) {
  if (text.size() == 20 && text[19] == 'Z' && text[10] == 'T') {
    const ledger::LocalSpanText utc = ledger::local_moment(text.substr(0, 19), 0);
    if (utc.span) return utc.span->first;
    throw CLI::ValidationError(key, "\"" + std::string(text) + "\" " + utc.problem + " (UTC, as its Z says)");
  }
  const ledger::MomentText t = ledger::window_edge(text, at, offset, key == "OPENS");
  if (t.at) return *t.at;
  throw CLI::ValidationError(key, "\"" + std::string(text) + "\" " + t.problem + " in the market's time (" +
                                      ledger::zone_text(offset) + "), or YYYY-MM-DDTHH:MM:SSZ in UTC");
}

// The index of auction `id` in the market file.
std::uint64_t auction_argument(const engine::Market& market, std::string_view id) {
  std::string list;
  for (std::size_t a = 0; a < market.auctions.size(); ++a) {
    if (market.auctions[a].id == id) return a;
    list += (list.empty() ? "" : ", ") + market.auctions[a].id;
  }
  throw CLI::ValidationError("AUCTION", "\"" + std::string(id) + "\" is no auction of the market (auctions: " +
                                            (list.empty() ? "none" : list) + ")");
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
      case engine::EventType::kAuctionAnnounced:
      case engine::EventType::kAuctionEnded:
      case engine::EventType::kAuctionBidEnded:
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

// One `crix operator` command as parsed; words[] are the verb's arguments in order.
struct Request {
  std::string ledger;
  std::string market = config::sample_market_path().string();
  std::string verb;
  std::vector<std::string> words;
  bool create = false;  // make the ledger when there is none at `ledger`
};

int operate(const Request& r, std::ostream& out, std::ostream& err) {
  const std::filesystem::path market_file = r.market;
  const config::LoadResult loaded = config::load_market(market_file);
  if (!loaded.market) {
    for (const auto& e : loaded.errors) err << config::format(e) << '\n';
    err << "crix operator: " << config::why_not_loaded(loaded, market_file) << '\n';
    return 1;
  }
  // A mistyped path must not make a new ledger that journals the command: only --create does.
  std::error_code ec;
  if (!r.create && !std::filesystem::exists(r.ledger, ec)) {
    err << "crix operator: no ledger at " << r.ledger
        << ": give the path of an existing ledger, or --create to make it (e.g. to announce an auction before "
           "crixd's first start)\n";
    return 1;
  }
  // The arguments that need no ledger are read before it is opened: a usage error must not leave a
  // fresh --create ledger behind.
  std::vector<Command> commands;
  const engine::Timestamp at = now();
  if (r.verb == "auction-announce" || r.verb == "auction-cancel") {
    Command c;
    c.type = r.verb == "auction-cancel" ? CommandType::kAuctionCancel : CommandType::kAuctionAnnounce;
    c.id = engine::OrderId(auction_argument(*loaded.market, r.words[0]));
    if (c.type == CommandType::kAuctionAnnounce) {
      const std::int32_t offset = loaded.market->exchange.utc_offset_minutes;
      c.price = engine::Price(window_time("OPENS", r.words[1], at, offset).v);  // auction_opens()
      c.expire_at = window_time("CLOSES", r.words[2], at, offset);
    }
    commands.push_back(c);
  } else if (r.verb == "revoke" || r.verb == "status") {
    Command c;
    c.type = r.verb == "revoke" ? CommandType::kRevoke : CommandType::kSetEliminationStatus;
    c.id = engine::OrderId(whole_value("TRADE", r.words[0], 1, INT64_MAX));
    // confirmed, shut or dismantled: checked when parsed.
    if (r.verb == "status") c.qty = engine::Qty(static_cast<std::int64_t>(*engine::elimination_status(r.words[1])));
    commands.push_back(c);
  }
  ledger::WriterOptions options;
  options.market = ledger::market_source(market_file.string());
  ledger::OpenLedger ledger = ledger::open_ledger(r.ledger, *loaded.market, options);
  for (const std::string& note : ledger.notes) err << "crix operator: " << note << '\n';
  if (r.verb == "amend") {
    commands.push_back(amendment(*ledger.exchange, r.words[0], r.words[1], r.words[2], r.words[3]));
  } else if (r.verb == "register") {
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
    ok = report(*ledger.exchange, ledger::apply_and_commit(ledger, c, at, operator_name()), out, err) && ok;
  }
  return ok ? 0 : 1;
}

// A verb's arguments: name, help and check.
struct Word {
  std::string name;
  std::string help;
  CLI::Validator check;
};

struct Verb {
  std::string name;
  std::string help;
  std::vector<Word> words;
};

}  // namespace

void add_operator_command(CLI::App& crix, std::ostream& out, std::ostream& err) {
  CLI::App& op = *crix.add_subcommand(
      "operator",
      "the operator's journaled registry, elimination-list and auction commands, on a ledger no crixd is running on");
  op.require_subcommand(1);
  op.footer("Each command replays the ledger's journal, then journals one command. Exit codes: 0 done, 1 the exchange "
            "refused the command or the ledger could not be opened, 2 bad arguments.");
  auto request = std::make_shared<Request>();
  op.add_option("LEDGER", request->ledger, "the ledger (no crixd running on it)")->required()->type_name("");
  op.add_flag("--create", request->create, "make the ledger if there is none at LEDGER (else that is refused)");
  op.add_option("--market", request->market, "the market file the ledger was made with (default: the sample market)")
      ->type_name("FILE");
  const CLI::Validator trade = whole(1, INT64_MAX);
  const std::vector<Verb> verbs = {
      {"revoke", "revoke a trade: its credit and its elimination entry", {{"TRADE", "the trade id", trade}}},
      {"status",
       "move a trade's elimination entry on (a revocation is 'revoke TRADE')",
       {{"TRADE", "the trade id", trade}, {"STATUS", "confirmed, shut or dismantled", one_of({"confirmed", "shut", "dismantled"})}}},
      {"amend",
       "change a registered facility's or project's field",
       {{"KIND", "facility or project", one_of({"facility", "project"})},
        {"ID", "the facility's or project's id", CLI::Validator("")},
        {"FIELD",
         "facility: " + field_list<engine::FacilityField>(static_cast<std::uint8_t>(engine::FacilityField::kExpires)) +
             "; project: " + field_list<engine::ProjectField>(static_cast<std::uint8_t>(engine::ProjectField::kStatus)),
         CLI::Validator("")},
        {"VALUE", "a number, true or false, a date YYYY-MM-DD or none (expires), a project status", CLI::Validator("")}}},
      {"register", "register every facility and project the market file lists beyond those registered", {}},
      {"auction-announce",
       "announce a configured auction ([[auction]] in the market file): its lot is reserved, bids are taken in the window",
       {{"AUCTION", "the auction's id", CLI::Validator("")},
        {"OPENS", "the window's opening: now, +SECONDS from now, YYYY-MM-DDTHH:MM[:SS] in the market's time (as crix "
                  "admin takes it) or YYYY-MM-DDTHH:MM:SSZ in UTC", CLI::Validator("")},
        {"CLOSES", "its end, the same way but not now; the first command at or after it ends the auction", CLI::Validator("")}}},
      {"auction-cancel", "cancel an announced auction: it ends unsold, its bids and lot released",
       {{"AUCTION", "the auction's id", CLI::Validator("")}}},
  };
  for (const Verb& v : verbs) {
    CLI::App& sub = *op.add_subcommand(v.name, v.help);
    sub.fallthrough();  // --market may come after the verb
    auto words = std::make_shared<std::vector<std::string>>(v.words.size());
    for (std::size_t i = 0; i < v.words.size(); ++i) {
      sub.add_option(v.words[i].name, (*words)[i], v.words[i].help)->required()->type_name("")->check(v.words[i].check);
    }
    on_run(sub, [request, words, verb = v.name, &out, &err] {
      request->verb = verb;
      request->words = *words;
      try {
        return operate(*request, out, err);
      } catch (const ledger::Error& e) {
        err << "crix operator: " << e.what() << '\n';
        return 1;
      }
    });
  }
}

}  // namespace crix::tools
