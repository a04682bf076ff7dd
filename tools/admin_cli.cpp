#include "tools/admin_cli.hpp"

#include <CLI/CLI.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include "ledger/date_text.hpp"
#include "ledger/json.hpp"
#include "tools/cli.hpp"
#include "tools/table.hpp"

namespace crix::tools {

namespace {

// `text` without the spaces, tabs, \r and \n around it.
std::string_view trimmed(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

constexpr auto kTimeout = std::chrono::seconds(30);

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
};

// "http://HOST[:PORT]" or "https://..."; a path after the address is refused (the API is at /api/v1).
std::optional<Url> parse_url(const std::string& text, std::string& why) {
  Url u;
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = text.substr(8);
  } else {
    why = "--url '" + text + "' is neither http://HOST:PORT nor https://HOST:PORT";
    return std::nullopt;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    why = "--url '" + text + "' must be only a scheme, a host and a port (e.g. http://127.0.0.1:8080)";
    return std::nullopt;
  }
  std::string port;
  if (rest.front() == '[') {  // [IPv6]:PORT
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      why = "--url '" + text + "' has a '[' without its ']'";
      return std::nullopt;
    }
    u.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    u.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  u.port = port.empty() ? (u.tls ? "443" : "80") : port;
  return u;
}

struct Answer {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// A failure whose message says what went wrong and what to do: printed after "crix admin: " as it is.
struct Told : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string address(const Url& u) {
  return (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) + ":" + u.port;
}

// A connection crixd closed before it answered: on plain HTTP, its console serving HTTPS (the handshake
// it expected failed on the request's bytes).
bool closed_unanswered(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

template <class Stream>
Answer exchange(Stream& stream, http::request<http::string_body>& request, const Url& url) {
  beast::error_code ec;
  http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{1} << 32);  // whole CSV exports
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec && !url.tls && closed_unanswered(ec)) {
    throw Told("crixd at http://" + address(url) + " closed the connection without an answer: if its console serves "
               "HTTPS, use https://" + address(url));
  }
  if (ec) throw beast::system_error(ec);
  const auto& response = parser.get();
  return Answer{response.result_int(), std::string(response[http::field::content_type]), response.body()};
}

// The TLS handshake, its failure told with what to do.
void handshake(beast::ssl_stream<beast::tcp_stream>& stream, const Url& url) {
  beast::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (!ec) return;
  std::string reason = ec.message();
  reason = reason.substr(0, reason.find(" ("));  // OpenSSL's reason, without Asio's "(library, function)"
  std::string told = "the TLS handshake with " + address(url) + " failed: " + reason;
  if (reason.find("certificate verify failed") != std::string::npos) {
    told += ": the console's certificate is not signed by a CA this command trusts (give the CA with --ca FILE), "
            "or does not name " + url.host;
  } else if (reason.find("wrong version number") != std::string::npos ||
             reason.find("packet length too long") != std::string::npos) {
    told += ": if its console serves plain HTTP, use http://" + address(url);
  }
  throw Told(told);
}

Answer send(const AdminOptions& o, const Url& url, http::verb method, const std::string& target,
            const std::string& body, const std::string& accept) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "crix-admin");
  request.set(http::field::accept, accept);
  if (!o.token.empty()) request.set(http::field::authorization, "Bearer " + o.token);
  if (method == http::verb::post) {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();

  asio::io_context io;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, url.port);
  if (!url.tls) {
    beast::tcp_stream stream(io);
    stream.expires_after(kTimeout);
    stream.connect(endpoints);
    Answer a = exchange(stream, request, url);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return a;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (o.ca_file.empty()) {
    ctx.set_default_verify_paths();
  } else {
    ctx.load_verify_file(o.ca_file);
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    throw std::runtime_error("cannot set the TLS server name " + url.host);
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(kTimeout);
  beast::get_lowest_layer(stream).connect(endpoints);
  handshake(stream, url);
  Answer a = exchange(stream, request, url);
  beast::error_code ignored;
  stream.shutdown(ignored);
  return a;
}

// "?" or "&" with the parameter, its value percent-encoded.
std::string encode_component(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// What crixd said when it refused: its JSON "error", else the body.
std::string refusal(const Answer& a) {
  const json j = json::parse(a.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  return a.body.empty() ? "no reason given" : a.body;
}

std::string hint(unsigned status, bool token_given) {
  if (status == 401 && token_given) return " (the token given is not one crixd knows: check --token, --token-file or CRIX_TOKEN)";
  if (status == 401) return " (give a token: --token, --token-file or CRIX_TOKEN)";
  if (status == 403) return " (the token's role may not do this)";
  return "";
}

// Fen as yuan: 55000 -> "550.00".
std::string yuan_text(std::int64_t fen) {
  const std::int64_t a = fen < 0 ? -fen : fen;
  const std::string cents = std::to_string(a % 100);
  return (fen < 0 ? "-" : "") + std::to_string(a / 100) + "." + (cents.size() == 1 ? "0" : "") + cents;
}

// GET /api/v1/auctions as a table: one row per auction, its best bid when it has bids.
void print_auctions(const json& items, std::ostream& out) {
  ledger::Table t;
  t.columns = {"auction", "symbol",  "seller", "lot_t",   "reserve", "increment", "pricing", "state",
               "opens",   "closes",  "bids",   "best",    "sold_t",  "price"};
  const auto text_or_null = [](const json& v) {
    return v.is_string() ? ledger::text_cell(v.get<std::string>()) : ledger::null_cell();
  };
  const auto money_or_null = [](const json& v) {
    return v.is_number_integer() ? ledger::text_cell(yuan_text(v.get<std::int64_t>())) : ledger::null_cell();
  };
  for (const json& a : items) {
    const json& ranking = a.at("ranking");
    t.add({ledger::text_cell(a.at("id").get<std::string>()), ledger::text_cell(a.at("symbol").get<std::string>()),
           ledger::text_cell(a.at("seller").get<std::string>()), ledger::number_cell(a.at("qty").get<long long>()),
           money_or_null(a.at("reserve")), money_or_null(a.at("increment")),
           ledger::text_cell(a.at("pricing").get<std::string>()), ledger::text_cell(a.at("state").get<std::string>()),
           text_or_null(a.at("opens_text")), text_or_null(a.at("closes_text")),
           ledger::number_cell(static_cast<unsigned long long>(ranking.size())),
           ranking.empty() ? ledger::null_cell() : money_or_null(ranking.front().at("price")),
           ledger::number_cell(a.at("sold").get<long long>()), money_or_null(a.at("price"))});
  }
  render(t, TableFormat::kText, out);
}

// The verbs and their positional arguments.
// A verb's positional argument: its name, and what it takes (the help's description).
struct AdminArg {
  const char* name;
  const char* what;
};

struct AdminVerb {
  const char* name;
  std::vector<AdminArg> args;
  const char* what;
};

const std::vector<AdminVerb>& admin_verbs() {
  const AdminArg symbol{"SYMBOL", "the instrument's code, e.g. STEEL-IRON (crix admin instruments lists them)"};
  const AdminArg participant{"PARTICIPANT", "the participant's id, e.g. HB-TANGSHAN-IRON (crix admin participants)"};
  const AdminArg trade{"TRADE", "the trade's id (crix admin trades, or the ledger's trades)"};
  static const std::vector<AdminVerb> verbs = {
      {"status", {}, "the exchange's sequence, ledger, queues and commit timing"},
      {"instruments", {}, "instruments: phase, halted, band, reference and last price"},
      {"sessions", {}, "FIX sessions: logged on since, messages in and out, stalls"},
      {"participants", {}, "participants and their state"},
      {"trades", {}, "the latest trades"},
      {"actions", {}, "the audit trail: operator actions with the operator's name"},
      {"book", {symbol}, "one instrument's book (--depth N, --orders for L3)"},
      {"get", {{"PATH", "the path and query after the host, e.g. /api/v1/ledger/daily (docs/API.md)"}}, "any GET of the API, e.g. /api/v1/ledger/trades?project=X (--csv)"},
      {"halt", {symbol}, "halt trading in an instrument (--reason TEXT)"},
      {"resume", {symbol}, "resume trading in an instrument"},
      {"suspend", {participant}, "suspend a participant: its orders canceled, its sessions logged out"},
      {"reinstate", {participant}, "reinstate a suspended participant"},
      {"close-day", {}, "close the trading day now"},
      {"revoke", {trade}, "revoke a trade in its publicity period"},
      {"elimination-status", {trade, {"STATUS", "confirmed, shut or dismantled: statuses only move forward"}}, "move a trade's elimination entry to STATUS"},
      {"auctions", {}, "the auctions: terms, state, window, bids and result, as a table"},
      // One-way bidding auctions (单向竞价): `crix admin auction VERB ...`.
      {"auction announce", {{"AUCTION", "the auction's id in the market file, e.g. AU-HB-450 (crix admin auctions)"}}, "announce a configured auction for a window (--opens, --closes)"},
      {"auction cancel", {{"AUCTION", "the announced auction's id"}}, "cancel an announced auction: its lot and bids are released"},
  };
  return verbs;
}

}  // namespace

int run_admin(const AdminOptions& o, std::ostream& out, std::ostream& err) {
  const std::string who = "crix admin " + o.verb;
  const AdminVerb* verb = nullptr;
  for (const AdminVerb& v : admin_verbs()) {
    if (o.verb == v.name) verb = &v;
  }
  if (verb == nullptr) {
    err << "crix admin: unknown verb '" << o.verb << "'; run 'crix admin --help'\n";
    return 2;
  }
  if (o.args.size() != verb->args.size()) {
    std::string shape;
    for (const AdminArg& a : verb->args) shape += std::string(" ") + a.name;
    err << who << ": takes" << (shape.empty() ? " no arguments" : shape) << ", not " << o.args.size()
        << " argument(s); run 'crix admin --help'\n";
    return 2;
  }
  std::string why;
  const std::optional<Url> url = parse_url(o.url, why);
  if (!url) {
    err << who << ": " << why << "; run 'crix admin --help'\n";
    return 2;
  }

  const std::string& v = o.verb;
  const auto arg = [&](std::size_t i) { return o.args.at(i); };
  bool action = false;
  std::string target;
  json body = json::object();
  if (v == "status" || v == "instruments" || v == "sessions" || v == "participants") {
    target = "/api/v1/" + v;
  } else if (v == "trades") {
    target = "/api/v1/trades/recent" + (o.limit > 0 ? "?limit=" + std::to_string(o.limit) : std::string());
  } else if (v == "actions") {
    // A page of the audit trail: its "next_after" and "more" say where the next one starts.
    std::string query;
    if (o.after > 0) query += "after=" + std::to_string(o.after);
    if (o.limit > 0) query += (query.empty() ? "" : "&") + std::string("limit=") + std::to_string(o.limit);
    target = "/api/v1/ledger/operator-actions" + (query.empty() ? "" : "?" + query);
  } else if (v == "auctions") {
    target = "/api/v1/auctions";
  } else if (v == "book") {
    target = "/api/v1/book/" + encode_component(arg(0)) + "?depth=" + std::to_string(o.depth) +
             (o.orders ? "&orders=1" : "");
  } else if (v == "get") {
    target = arg(0);
    if (target.empty() || target.front() != '/') {
      err << who << ": PATH \"" << target << "\" must start with / (e.g. /api/v1/ledger/elimination); run '"
          << who << " --help'\n";
      return 2;
    }
  } else if (v == "auction announce" || v == "auction cancel") {
    action = true;
    target = "/api/v1/actions/" + std::string(v == "auction announce" ? "auction-announce" : "auction-cancel");
    body["auction"] = arg(0);
    if (v == "auction announce") {
      // The forms are checked here for a usage error's exit code; crixd reads them in the market's zone
      // against its own clock (ledger::window_edge, the same function).
      for (const auto& [name, value] : {std::pair{"--opens", &o.opens}, std::pair{"--closes", &o.closes}}) {
        const ledger::MomentText t = ledger::window_edge(*value, engine::Timestamp(0), 0, std::string(name) == "--opens");
        if (!t.at) {
          err << who << ": " << name << ": \"" << *value << "\" " << t.problem << " (the market's time); run '" << who
              << " --help'\n";
          return 2;
        }
      }
      body["opens"] = o.opens;
      body["closes"] = o.closes;
    }
    if (!o.reason.empty()) body["reason"] = o.reason;
  } else {
    action = true;
    target = "/api/v1/actions/" + v;
    if (v == "halt" || v == "resume") body["symbol"] = arg(0);
    if (v == "suspend" || v == "reinstate") body["participant"] = arg(0);
    if ((v == "halt" || v == "suspend") && !o.reason.empty()) body["reason"] = o.reason;
    if (v == "revoke" || v == "elimination-status") {
      std::size_t used = 0;
      unsigned long long id = 0;
      try {
        id = std::stoull(arg(0), &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != arg(0).size()) {
        err << who << ": TRADE \"" << arg(0) << "\" is not a trade id (a number, as crix ledger trades shows); run '"
            << who << " --help'\n";
        return 2;
      }
      body["trade"] = id;
    }
    if (v == "elimination-status") body["status"] = arg(1);
  }

  Answer a;
  try {
    a = send(o, *url, action ? http::verb::post : http::verb::get, target, action ? body.dump() : "",
             o.csv ? "text/csv" : "application/json");
  } catch (const Told& e) {
    err << "crix admin: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "crix admin: cannot reach crixd at " << o.url << ": " << e.what()
        << " (is crixd running with --http on that address?)\n";
    return 1;
  }
  if (a.status / 100 != 2) {
    err << who << (o.args.empty() ? "" : " " + o.args[0]) << ": refused (" << a.status << "): " << refusal(a)
        << hint(a.status, !o.token.empty()) << "\n";
    return 1;
  }
  if (action) {
    const json j = json::parse(a.body, nullptr, false);
    out << v << (o.args.empty() ? "" : " " + o.args[0]) << ": done";
    if (j.is_object() && j.contains("seq")) out << ", seq " << j["seq"].dump();
    out << "\n";
    return 0;
  }
  if (v == "auctions") {
    const json j = json::parse(a.body, nullptr, false);
    if (!j.is_object() || !j.contains("items") || !j["items"].is_array()) {
      err << who << ": crixd's answer is not the auctions' list: " << a.body << "\n";
      return 1;
    }
    try {
      print_auctions(j["items"], out);
    } catch (const json::exception& e) {
      err << who << ": crixd's answer is not the auctions' list (" << e.what() << ")\n";
      return 1;
    }
    return 0;
  }
  if (a.content_type.rfind("application/json", 0) == 0) {
    const json j = json::parse(a.body, nullptr, false);
    if (!j.is_discarded()) {
      out << j.dump(2) << "\n";
      return 0;
    }
  }
  out << a.body;
  if (!a.body.empty() && a.body.back() != '\n') out << "\n";
  return 0;
}

void add_admin_command(CLI::App& crix, std::ostream& out, std::ostream& err) {
  CLI::App& group = *crix.add_subcommand(
      "admin", "the operator's and regulator's actions and queries over crixd's console API (--http)");
  group.require_subcommand(1);
  group.footer(
      "The token: --token TOKEN (shows in ps), --token-file FILE, or the environment variable CRIX_TOKEN.\n"
      "Reads print crixd's JSON (or CSV with get --csv), auctions a table; actions print one line once committed.\n"
      "Exit codes: 0 done, 1 refused by crixd, crixd unreachable or a --token-file that cannot be read, 2 bad "
      "arguments.");
  auto o = std::make_shared<AdminOptions>();
  auto token_file = std::make_shared<std::string>();
  group.add_option("--url", o->url, "crixd's console (default http://127.0.0.1:8080)")->type_name("URL");
  group.add_option("--token", o->token, "a bearer token (shows in ps: prefer CRIX_TOKEN or --token-file)")
      ->type_name("TOKEN");
  group.add_option("--token-file", *token_file, "the token is the file's first line")->type_name("FILE");
  group.add_option("--ca", o->ca_file, "https: trust these CA certificates instead of the system's")->type_name("FILE");
  CLI::App& auction = *group.add_subcommand("auction", "one-way bidding auctions: announce or cancel one");
  auction.require_subcommand(1);
  for (const AdminVerb& verb : admin_verbs()) {
    const std::string full = verb.name;
    const bool in_auction = full.rfind("auction ", 0) == 0;
    CLI::App& cmd = *(in_auction ? auction : group).add_subcommand(in_auction ? full.substr(8) : full, verb.what);
    auto args = std::make_shared<std::vector<std::string>>(verb.args.size());
    for (std::size_t i = 0; i < verb.args.size(); ++i) {
      cmd.add_option(verb.args[i].name, (*args)[i], verb.args[i].what)->required()->type_name("");
    }
    const std::string name = verb.name;
    if (name == "halt" || name == "suspend" || in_auction) {
      cmd.add_option("--reason", o->reason, "why, for the journal")->type_name("TEXT");
    }
    if (name == "auction announce") {
      cmd.add_option("--opens", o->opens, "when bidding opens: now, +SECONDS from crixd's now, or YYYY-MM-DDTHH:MM[:SS] in the market's time")
          ->required()
          ->type_name("TIME");
      cmd.add_option("--closes", o->closes, "when bidding ends: +SECONDS from crixd's now, or YYYY-MM-DDTHH:MM[:SS] in the market's time")
          ->required()
          ->type_name("TIME");
    }
    if (name == "book") {
      cmd.add_option("--depth", o->depth, "levels per side (default all)")->type_name("N")->check(whole(0, 100000));
      cmd.add_flag("--orders", o->orders, "every order (L3; operators only)");
    }
    if (name == "get") cmd.add_flag("--csv", o->csv, "ask for CSV (lists)");
    if (name == "actions") {
      cmd.add_option("--after", o->after, "the page after this seq (the answer's next_after)")->type_name("SEQ");
      cmd.add_option("--limit", o->limit, "entries at most (default 100, up to 10000)")->type_name("N")->check(whole(1, 10000));
    }
    if (name == "trades") {
      cmd.add_option("--limit", o->limit, "the latest N trades (default crixd's)")->type_name("N")->check(whole(1, 10000));
    }
    on_run(cmd, [o, token_file, args, name, &out, &err] {
      o->verb = name;
      o->args = *args;
      std::string from = "--token";
      if (!token_file->empty()) {
        from = "--token-file";
        std::ifstream in(*token_file);
        if (!in) {
          throw Failure("--token-file", "\"" + *token_file + "\" cannot be read: " + std::strerror(errno));
        }
        std::getline(in, o->token);
        if (trimmed(o->token).empty()) {
          throw Failure("--token-file", "\"" + *token_file + "\" is empty: put the token on its first line");
        }
      } else if (o->token.empty()) {
        from = "CRIX_TOKEN";
        if (const char* env = std::getenv("CRIX_TOKEN")) o->token = env;
      }
      // A file written on Windows ends its line with \r; an editor may add spaces. A token has neither.
      o->token = std::string(trimmed(o->token));
      if (std::any_of(o->token.begin(), o->token.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        throw CLI::ValidationError(from, "the token holds a control character: give it as crixd's market file has it");
      }
      return run_admin(*o, out, err);
    });
  }
}

}  // namespace crix::tools
