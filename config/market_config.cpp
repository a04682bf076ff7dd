#include "config/market_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "engine/calendar.hpp"
#include "engine/money.hpp"
#include "gateway/fix/tls.hpp"
#include "gateway/password.hpp"

namespace crix::config {
namespace {

using engine::Industry;
using engine::RegionClass;

constexpr std::int64_t kMaxAmount = 10'000'000'000;   // the engine's default max_qty, t/yr
constexpr std::int64_t kMaxPrice = 1'000'000'000'000;  // the engine's default max_price, fen per tonne
// The engine sizes its order pools for max_orders up front (about 130 bytes an order, issue 15): 2^28
// asked for some 35 GB and the kernel killed crixd. 2^24 is about 2 GB.
constexpr std::int64_t kMaxOrders = 1 << 24;

// Collects errors for one file. `tables` remembers where each [[table]] entry starts ("facility[3]" ->
// its line), so that a check that needs the whole market (cross_check) still says where to look.
struct Errors {
  std::string file;
  std::vector<ConfigError>* out;
  std::map<std::string, std::uint32_t, std::less<>>* tables = nullptr;

  void add(const toml::node* at, std::string key, std::string reason) const {
    std::uint32_t line = at != nullptr ? at->source().begin.line : 0;
    if (at == nullptr && tables != nullptr) {
      const auto it = tables->find(std::string_view(key).substr(0, key.find('.')));
      if (it != tables->end()) line = it->second;
    }
    out->push_back(ConfigError{file, line, std::move(key), std::move(reason)});
  }
};

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a decimal number";
    case toml::node_type::boolean: return "true/false";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Reads the keys of one table, remembering which were read, so that finish() can report the rest as
// unknown. Every getter reports its own error and returns nullopt on a missing or bad value.
class Reader {
 public:
  Reader(const toml::table& t, std::string path, const Errors& errors)
      : table_(t), path_(std::move(path)), errors_(errors) {}
  ~Reader() { finish(); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  const std::string& path() const { return path_; }
  std::string key(std::string_view k) const { return path_.empty() ? std::string(k) : path_ + "." + std::string(k); }
  const toml::node* node(std::string_view k) {
    used_.insert(std::string(k));
    return table_.get(k);
  }
  void error(std::string_view k, std::string reason) {
    errors_.add(table_.get(k) != nullptr ? table_.get(k) : &table_, key(k), std::move(reason));
  }
  void missing(std::string_view k, bool required, const char* what) {
    if (required) errors_.add(&table_, key(k), std::string("missing; expected ") + what);
  }

  std::optional<std::string> text(std::string_view k, bool required, const char* what) {
    const toml::node* n = node(k);
    if (n == nullptr) {
      missing(k, required, what);
      return std::nullopt;
    }
    if (!n->is_string() || n->as_string()->get().empty()) {
      error(k, std::string("must be a non-empty string: ") + what + ", got " + type_name(*n));
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  // An identifier that FIX messages carry and the ledger stores: at most kIdBytes characters of
  // printable ASCII without spaces (QuickFIX refuses a comp id with a space; the ledger stores ids in
  // 48 bytes). crixd refused such ids only at start, after `crix config check` had accepted them.
  std::optional<std::string> identifier(std::string_view k, bool required, const char* what) {
    std::optional<std::string> v = text(k, required, what);
    if (!v) return v;
    const bool printable = std::all_of(v->begin(), v->end(), [](char c) { return c > ' ' && c < '\x7f'; });
    if (v->size() > kIdBytes || !printable) {
      error(k, "must be at most " + std::to_string(kIdBytes) +
                   " characters of printable ASCII without spaces (FIX messages carry it, the ledger stores "
                   "it), got " + std::to_string(v->size()) + " bytes" + (printable ? "" : " with a space or control character"));
      return std::nullopt;
    }
    return v;
  }

  // A name or reference the ledger stores in `max_bytes` bytes of UTF-8, without control characters
  // (a NUL would end it on the ledger).
  std::optional<std::string> label(std::string_view k, bool required, const char* what, std::size_t max_bytes) {
    std::optional<std::string> v = text(k, required, what);
    if (!v) return v;
    const bool clean = std::none_of(v->begin(), v->end(), [](char c) {
      return static_cast<unsigned char>(c) < ' ' || c == '\x7f';
    });
    if (v->size() > max_bytes || !clean) {
      error(k, "must be at most " + std::to_string(max_bytes) + " bytes of UTF-8 without control characters (the "
                   "ledger stores it), got " + std::to_string(v->size()) + " bytes" +
                   (clean ? "" : " with a control character"));
      return std::nullopt;
    }
    return v;
  }

  // An API token's salted hash "sha256:<salt hex>:<digest hex>": a salt of hex digits and a SHA-256
  // digest of 64 (gateway/password.hpp says why tokens keep a fast hash). Anything else never matches,
  // which locked the script out with no word at start.
  std::optional<std::string> token_hash(std::string_view k, bool required, const char* what) {
    std::optional<std::string> v = text(k, required, what);
    if (!v) return v;
    const auto hex = [](std::string_view t) {
      return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      });
    };
    const std::string_view spec = *v;
    const std::size_t colon = spec.find(':', 7);
    const bool ok = spec.rfind("sha256:", 0) == 0 && colon != std::string_view::npos &&
                    hex(spec.substr(7, colon - 7)) && spec.size() - colon - 1 == 64 && hex(spec.substr(colon + 1));
    if (!ok) {
      error(k, std::string("must be sha256:<salt hex>:<64 hex digits> (") + what + "), never the token itself; "
                   "config/README.md says how to make one");
      return std::nullopt;
    }
    return v;
  }

  // A password's scrypt hash (gateway/password.hpp) for `who` (e.g. "participant TJ-RONGCHENG"). The old
  // "sha256:" form is refused with the command that makes a new one; parameters below the floor too.
  std::optional<std::string> password_hash(std::string_view k, const std::string& who, const char* what) {
    std::optional<std::string> v = text(k, true, what);
    if (!v) return v;
    if (v->rfind("sha256:", 0) == 0) {
      error(k, who + "'s password hash is the old fast sha256: form, no longer accepted for passwords; run "
                     "`crix passwd` and put its scrypt$... line here (config/README.md)");
      return std::nullopt;
    }
    const auto params = gateway::parse_password_hash(*v);
    if (!params) {
      error(k, "must be scrypt$ln=<n>,r=<r>,p=<p>$<salt hex>$<64 hex digits> (" + std::string(what) + " of " + who +
                   "), never the password itself; `crix passwd` makes one (config/README.md)");
      return std::nullopt;
    }
    if (params->ln < gateway::kMinLn) {
      error(k, who + "'s password hash has ln=" + std::to_string(params->ln) + ", below the floor ln=" +
                   std::to_string(gateway::kMinLn) + "; run `crix passwd` for a new one");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::int64_t> integer(std::string_view k, bool required, std::int64_t lo,
                                      std::int64_t hi, const char* what) {
    const toml::node* n = node(k);
    if (n == nullptr) {
      missing(k, required, what);
      return std::nullopt;
    }
    if (!n->is_integer() || n->as_integer()->get() < lo || n->as_integer()->get() > hi) {
      std::string got = n->is_integer() ? std::to_string(n->as_integer()->get()) : type_name(*n);
      error(k, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                   " (" + what + "), got " + got);
      return std::nullopt;
    }
    return n->as_integer()->get();
  }

  std::optional<bool> flag(std::string_view k) {
    const toml::node* n = node(k);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) {
      error(k, "must be true or false, got " + type_name(*n));
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  std::optional<engine::Date> date(std::string_view k) {
    const toml::node* n = node(k);
    if (n == nullptr) return std::nullopt;
    if (!n->is_date()) {
      error(k, "must be a date like 2027-12-31, got " + type_name(*n));
      return std::nullopt;
    }
    const toml::date d = n->as_date()->get();
    return engine::Date{d.year, d.month, d.day};
  }

  // A string that must be one of `names`; returns its index.
  std::optional<std::size_t> choice(std::string_view k, bool required,
                                    std::initializer_list<std::string_view> names, const char* what) {
    const toml::node* n = node(k);
    if (n == nullptr) {
      missing(k, required, what);
      return std::nullopt;
    }
    if (n->is_string()) {
      std::size_t i = 0;
      for (std::string_view name : names) {
        if (n->as_string()->get() == name) return i;
        ++i;
      }
    }
    std::string valid;
    for (std::string_view name : names) valid += (valid.empty() ? "" : ", ") + std::string(name);
    error(k, std::string("must be one of ") + valid + " (" + what + "), got " +
                 (n->is_string() ? "'" + n->as_string()->get() + "'" : type_name(*n)));
    return std::nullopt;
  }

  const toml::array* array(std::string_view k, bool required, const char* what) {
    const toml::node* n = node(k);
    if (n == nullptr) {
      missing(k, required, what);
      return nullptr;
    }
    if (!n->is_array()) {
      error(k, std::string("must be an array: ") + what + ", got " + type_name(*n));
      return nullptr;
    }
    return n->as_array();
  }

  const toml::table* table(std::string_view k, bool required, const char* what) {
    const toml::node* n = node(k);
    if (n == nullptr) {
      missing(k, required, what);
      return nullptr;
    }
    if (!n->is_table()) {
      error(k, std::string("must be a table: ") + what + ", got " + type_name(*n));
      return nullptr;
    }
    return n->as_table();
  }

 private:
  void finish() {
    for (const auto& [k, v] : table_) {
      if (used_.count(std::string(k.str())) == 0) {
        errors_.add(&v, key(k.str()), "unknown key (check its spelling against config/README.md)");
      }
    }
  }

  const toml::table& table_;
  std::string path_;
  const Errors& errors_;
  std::set<std::string> used_;
};

const std::initializer_list<std::string_view> kIndustryNames = {"steel", "cement", "glass",
                                                                    "aluminium"};
const std::initializer_list<std::string_view> kClassNames = {"key", "other"};

std::optional<Industry> industry(Reader& r, std::string_view k, bool required) {
  const auto i = r.choice(k, required, kIndustryNames, "industry");
  return i ? std::optional<Industry>(static_cast<Industry>(*i)) : std::nullopt;
}

std::optional<RegionClass> region_class(Reader& r, std::string_view k, bool required) {
  const auto i = r.choice(k, required, kClassNames, "region class");
  return i ? std::optional<RegionClass>(static_cast<RegionClass>(*i)) : std::nullopt;
}

std::optional<std::uint32_t> region_code(Reader& r, std::string_view k, bool required) {
  const auto v = r.integer(k, required, 110000, 829999, "administrative division code, e.g. 120000");
  return v ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*v)) : std::nullopt;
}

// Calls fn(reader) for each table of an array of tables `name` ([[name]] in TOML).
template <class Fn>
void each_table(Reader& parent, std::string_view name, bool required, const Errors& errors, Fn fn) {
  const toml::array* a = parent.array(name, required, "an array of tables, written [[name]]");
  if (a == nullptr) return;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string path = parent.key(name) + "[" + std::to_string(i) + "]";
    const toml::node& n = (*a)[i];
    if (!n.is_table()) {
      errors.add(&n, path, "must be a table, got " + type_name(n));
      continue;
    }
    if (errors.tables != nullptr) (*errors.tables)[path] = n.source().begin.line;
    Reader r(*n.as_table(), path, errors);
    fn(r);
  }
}

std::optional<engine::MinuteOfDay> minute_of_day(const toml::node& n) {
  if (!n.is_time()) return std::nullopt;
  const toml::time t = n.as_time()->get();
  if (t.second != 0 || t.nanosecond != 0) return std::nullopt;
  return engine::MinuteOfDay{static_cast<std::uint16_t>(t.hour * 60 + t.minute)};
}

void read_fix_guard(Reader& r, FixGuard& g) {
  const auto set = [&](const char* key, std::int64_t lo, std::int64_t hi, const char* what, std::uint32_t& out) {
    if (const auto n = r.integer(key, false, lo, hi, what)) out = static_cast<std::uint32_t>(*n);
  };
  set("logon_free_failures", 1, 1000000, "failed logons before further attempts must wait, default 3", g.logon_free_failures);
  set("logon_backoff_ms", 1, 3'600'000, "the first wait after those failures, doubling with each more, default 1000",
      g.logon_backoff_ms);
  set("logon_lockout_failures", 1, 1000000, "failed logons that lock out, default 10", g.logon_lockout_failures);
  set("logon_lockout_seconds", 1, 7 * 86400, "how long a lockout lasts, default 900", g.logon_lockout_seconds);
  set("logon_timeout_ms", 100, 600'000, "a connection not logged on this long is closed, default 10000",
      g.logon_timeout_ms);
  set("max_connections_per_address", 1, 100'000, "FIX connections one address may hold open, default 16",
      g.max_connections_per_address);
  set("max_connections", 0, 1 << 20, "FIX connections in all, default 0: from the descriptor limit", g.max_connections);
  if (g.logon_lockout_failures < g.logon_free_failures) {
    r.error("logon_lockout_failures", std::to_string(g.logon_lockout_failures) +
                                          " is below logon_free_failures (" + std::to_string(g.logon_free_failures) +
                                          "): a lockout comes after the free failures, not before");
  }
}

// `[exchange]` fix_tls_certificate, fix_tls_key, fix_tls_client_ca and fix_plain_on_network.
void read_fix_tls(Reader& r, FixTls& tls, const std::filesystem::path& folder) {
  const auto cert = r.text("fix_tls_certificate", false, "the FIX TLS certificate chain (PEM), relative to this file");
  const auto key = r.text("fix_tls_key", false, "the FIX TLS private key (PEM), relative to this file");
  const auto ca = r.text("fix_tls_client_ca", false, "the CA certificates (PEM) clients' certificates must be signed by");
  tls.plain_on_network = r.flag("fix_plain_on_network").value_or(false);
  if (!cert && key) {
    r.error("fix_tls_key", "needs fix_tls_certificate: give both for FIX over TLS, or neither");
    return;
  }
  if (!cert && ca) {
    r.error("fix_tls_client_ca", "needs fix_tls_certificate and fix_tls_key: clients are asked for certificates "
                                 "only over TLS");
    return;
  }
  if (!cert) return;
  if (!key) {
    r.error("fix_tls_certificate", "needs fix_tls_key, the certificate's PEM private key");
    return;
  }
  if (tls.plain_on_network) {
    r.error("fix_plain_on_network", "is true, but with fix_tls_certificate FIX is TLS only: remove one of them");
  }
  tls.certificate = folder / *cert;
  tls.key = folder / *key;
  if (ca) tls.client_ca = folder / *ca;
  fix::TlsFiles files;
  files.certificate = tls.certificate.string();
  files.key = tls.key.string();
  files.ca = tls.client_ca.string();
  files.certificate_key = "fix_tls_certificate";
  files.key_key = "fix_tls_key";
  files.ca_key = "fix_tls_client_ca";
  try {
    fix::make_server_context(files);
  } catch (const fix::TlsError& e) {
    r.error(e.key(), e.reason());
  }
}

void read_exchange(Reader& root, engine::ExchangeSettings& x, Console& console, FixGuard& guard, FixTls& tls,
                   const std::filesystem::path& folder, std::string& rules_file, const Errors& errors) {
  const toml::table* t = root.table("exchange", true, "the [exchange] table");
  if (t == nullptr) return;
  Reader r(*t, "exchange", errors);
  x.name = r.text("name", true, "the exchange's name").value_or("");
  x.time_zone = r.text("time_zone", true, "an IANA time zone such as Asia/Shanghai").value_or("");
  if (!x.time_zone.empty()) {
    // The engine turns command times into local trading times with a fixed offset (no tz database
    // in g++ 12's libstdc++), so only zones without daylight saving are accepted.
    static constexpr std::pair<std::string_view, std::int32_t> kZones[] = {
        {"Asia/Shanghai", 480}, {"Asia/Chongqing", 480}, {"Asia/Harbin", 480}, {"PRC", 480},
        {"Asia/Hong_Kong", 480}, {"Asia/Macau", 480},    {"UTC", 0},          {"Etc/UTC", 0}};
    const auto* zone = std::find_if(std::begin(kZones), std::end(kZones),
                                    [&](const auto& z) { return z.first == x.time_zone; });
    if (zone == std::end(kZones)) {
      r.error("time_zone", "\"" + x.time_zone +
                               "\" is not supported: use Asia/Shanghai (or another zone without "
                               "daylight saving: Asia/Hong_Kong, Asia/Macau, UTC)");
    } else {
      x.utc_offset_minutes = zone->second;
    }
  }
  rules_file = r.text("rules", true, "the rule-set file, relative to this file").value_or("");
  if (const auto d = r.choice("durability", false, {"full", "os"}, "ledger sync mode")) {
    x.durability = static_cast<engine::Durability>(*d);
  }
  x.fix_port = static_cast<std::uint16_t>(r.integer("fix_port", true, 1, 65535, "TCP port").value_or(0));
  if (const auto port = r.integer("http_port", false, 1, 65535, "the console's TCP port, default 8080")) {
    console.http_port = static_cast<std::uint16_t>(*port);
  }
  x.max_orders = static_cast<std::uint32_t>(
      r.integer("max_orders", true, 1, kMaxOrders, "resting orders the book can hold").value_or(1));
  x.max_levels = static_cast<std::uint32_t>(
      r.integer("max_levels", true, 1, 1 << 24, "price levels the book can hold").value_or(1));
  if (const auto n = r.integer("publicity_working_days", false, 1, 100, "working days a notice stays up")) {
    x.publicity_working_days = static_cast<std::uint32_t>(*n);
  }
  if (const auto n = r.integer("dismantle_days", false, 1, 3650, "days to dismantle retired capacity")) {
    x.dismantle_days = static_cast<std::uint32_t>(*n);
  }
  read_fix_guard(r, guard);
  read_fix_tls(r, tls, folder);

  if (const toml::array* sessions = r.array("sessions", true, "e.g. [[09:30, 11:30], [13:00, 15:00]]")) {
    for (std::size_t i = 0; i < sessions->size(); ++i) {
      const toml::node& s = (*sessions)[i];
      const toml::array* pair = s.as_array();
      std::optional<engine::MinuteOfDay> open, close;
      if (pair != nullptr && pair->size() == 2) {
        open = minute_of_day((*pair)[0]);
        close = minute_of_day((*pair)[1]);
      }
      const std::string key = "exchange.sessions[" + std::to_string(i) + "]";
      if (!open || !close || *close <= *open) {
        errors.add(&s, key, "must be [open, close] as local times like 09:30 with open before close");
        continue;
      }
      if (!x.sessions.empty() && open->minutes < x.sessions.back().close.minutes) {
        errors.add(&s, key, "overlaps or precedes the session before it: list sessions in order");
      }
      x.sessions.push_back(engine::TradingSession{*open, *close});
    }
  }
  if (const toml::array* days = r.array("working_days", false, "e.g. [\"Mon\", \"Tue\"]")) {
    static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    x.working_days = 0;
    for (std::size_t i = 0; i < days->size(); ++i) {
      const toml::node& d = (*days)[i];
      const auto it = d.is_string() ? std::find(std::begin(kDays), std::end(kDays), d.as_string()->get())
                                    : std::end(kDays);
      if (it == std::end(kDays)) {
        errors.add(&d, "exchange.working_days[" + std::to_string(i) + "]",
                   "must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun");
        continue;
      }
      x.working_days = static_cast<std::uint8_t>(x.working_days | 1u << (it - std::begin(kDays)));
    }
  }
  if (const toml::array* holidays = r.array("holidays", false, "dates like 2026-10-01")) {
    for (std::size_t i = 0; i < holidays->size(); ++i) {
      const toml::node& d = (*holidays)[i];
      if (!d.is_date()) {
        errors.add(&d, "exchange.holidays[" + std::to_string(i) + "]", "must be a date like 2026-10-01");
        continue;
      }
      const toml::date v = d.as_date()->get();
      x.holidays.push_back(engine::Date{v.year, v.month, v.day});
    }
  }
}

// Reads {steel = N, cement = N, ...} into per-industry values.
template <class Store>
void per_industry(Reader& r, std::string_view k, const Errors& errors, Store store) {
  const toml::table* t = r.table(k, false, "per-industry tonnes, e.g. { steel = 20000000 }");
  if (t == nullptr) return;
  Reader per(*t, r.key(k), errors);
  std::size_t i = 0;
  for (std::string_view name : kIndustryNames) {
    if (const auto v = per.integer(name, false, 0, kMaxAmount, "t/yr")) store(i, *v);
    ++i;
  }
}

// Limits checked before the parser sees a file: toml++ builds and destroys nested tables recursively,
// so a key of 100,000 dotted parts ("a.a.a...") ran crix and crixd out of stack (SIGSEGV). Values nest
// at most TOML_MAX_NESTED_VALUES (256) deep, which toml++ checks itself.
constexpr std::uintmax_t kMaxFileBytes = 16u << 20;
constexpr std::size_t kMaxKeyParts = 32;

struct DeepestKey {
  std::size_t parts = 0;
  std::uint32_t line = 0;
};

// The key with the most dot-separated parts in `text` ("a.b.c" has 3), read outside strings and
// comments: a run of bare words (A-Z a-z 0-9 _ -) or strings joined by dots, with spaces around the
// dots. A number ("1.5") or a time ("07:32:00.999") counts as two parts at most, so only keys come
// near the limit.
DeepestKey deepest_key(std::string_view text) {
  enum class Last { kNone, kPart, kDot };
  DeepestKey deepest;
  Last last = Last::kNone;
  std::size_t parts = 0;
  std::uint32_t line = 1;
  const auto bare = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  const auto part = [&] {
    parts = last == Last::kDot ? parts + 1 : 1;
    last = Last::kPart;
    if (parts > deepest.parts) deepest = DeepestKey{parts, line};
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      last = Last::kNone;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '.') {
      last = last == Last::kPart ? Last::kDot : Last::kNone;
      ++i;
    } else if (bare(c)) {
      while (i < text.size() && bare(text[i])) ++i;
      part();
    } else if (c == '"' || c == '\'') {
      const std::string_view triple = c == '"' ? "\"\"\"" : "'''";
      const bool multi = text.substr(i, 3) == triple;
      i += multi ? 3 : 1;
      while (i < text.size()) {
        if (c == '"' && text[i] == '\\') {
          i += 2;
        } else if (multi ? text.substr(i, 3) == triple : text[i] == c) {
          i += multi ? 3 : 1;
          break;
        } else if (text[i] == '\n') {
          if (!multi) break;  // an unclosed string: the parser says so
          ++line;
          ++i;
        } else {
          ++i;
        }
      }
      part();
    } else {
      last = Last::kNone;
      ++i;
    }
  }
  return deepest;
}

// The parsed document, or nullopt after reporting why the file could not be read or parsed. Only a
// regular file is read (a FIFO named as the rules file hung crix config check and crixd), of at most
// kMaxFileBytes, with no key deeper than kMaxKeyParts.
std::optional<toml::table> parse(const std::filesystem::path& file, std::vector<ConfigError>& out) {
  const auto refuse = [&](std::uint32_t line, const std::string& reason) {
    out.push_back(ConfigError{file.string(), line, "", reason});
    return std::nullopt;
  };
  const auto unreadable = [&](const std::string& why) {
    out.push_back(ConfigError{file.string(), 0, "", "cannot read: " + why, true});
    return std::nullopt;
  };
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(file, ec);
  if (ec) return unreadable(ec.message());
  if (!std::filesystem::is_regular_file(status)) {
    return unreadable("not a regular file (a directory, a FIFO or a device): name a TOML file");
  }
  const std::uintmax_t bytes = std::filesystem::file_size(file, ec);
  if (ec) return unreadable(ec.message());
  if (bytes > kMaxFileBytes) {
    return unreadable(std::to_string(bytes) + " bytes, more than a market file may have (" +
                      std::to_string(kMaxFileBytes) + ")");
  }
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return unreadable("the read failed");
  if (const DeepestKey deepest = deepest_key(text); deepest.parts > kMaxKeyParts) {
    return refuse(deepest.line, "a key of " + std::to_string(deepest.parts) + " dotted parts; at most " +
                                    std::to_string(kMaxKeyParts) + " are read");
  }
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return refuse(e.source().begin.line, "not valid TOML: " + std::string(e.description()));
  }
}

void read_rules(const std::filesystem::path& file, engine::Market& m, std::vector<ConfigError>& out) {
  const Errors errors{file.string(), &out};
  const std::optional<toml::table> doc = parse(file, out);
  if (!doc) return;
  Reader root(*doc, "", errors);
  m.rules_name = root.text("name", true, "the rule set's name, e.g. \"2021 rules\"").value_or("");
  m.idle_years_limit = static_cast<std::uint32_t>(
      root.integer("idle_years_limit", true, 1, 100,
                   "idle years from which a facility's capacity may not be sold, 2 in DOMAIN.md")
          .value_or(2));
  std::vector<engine::RatioRule> ratios;
  each_table(root, "ratio", true, errors, [&](Reader& r) {
    engine::RatioRule rule;
    rule.name = r.text("name", true, "what the rule is and its source document").value_or("");
    rule.industry = industry(r, "industry", true).value_or(Industry::kSteel);
    rule.buyer_class = region_class(r, "buyer_class", false);
    rule.buyer_region = region_code(r, "buyer_region", false);
    rule.cross_province = r.flag("cross_province");
    rule.same_group = r.flag("same_group");
    rule.merger_capacity = r.flag("merger_capacity");
    rule.ratio_permille = static_cast<std::uint32_t>(
        r.integer("ratio_permille", true, 1000, 10000, "retired:new x 1000, e.g. 1500 for 1.5:1")
            .value_or(1000));
    ratios.push_back(std::move(rule));
  });
  std::vector<engine::TransferRule> transfers;
  each_table(root, "transfer", false, errors, [&](Reader& r) {
    engine::TransferRule rule;
    rule.name = r.text("name", true, "what the restriction is and its source document").value_or("");
    rule.industry = industry(r, "industry", false);
    rule.seller_class = region_class(r, "seller_class", false);
    rule.buyer_class = region_class(r, "buyer_class", false);
    rule.seller_province = region_code(r, "seller_province", false);
    rule.buyer_province = region_code(r, "buyer_province", false);
    rule.cross_province = r.flag("cross_province");
    rule.buyer_province_over_target = r.flag("buyer_province_over_target");
    const auto effect = r.choice("effect", true, {"allow", "deny"}, "what the rule does");
    rule.effect = static_cast<engine::FlowEffect>(effect.value_or(1));
    transfers.push_back(std::move(rule));
  });
  m.ratios = engine::RatioTable(std::move(ratios));
  m.transfers = engine::TransferTable(std::move(transfers));
}

// Checks that need the whole market: ids unique, references resolve, roles fit. Runs even when fields
// had errors; a field that failed to read is empty or 0 and is not reported a second time here.
// Each auction's lot: listed instrument, facilities of one owner that sell on it, quantities and
// prices on its grid.
void check_auctions(const engine::Market& m, const Errors& errors) {
  std::set<std::string> ids;
  for (std::size_t i = 0; i < m.auctions.size(); ++i) {
    const engine::AuctionTerms& a = m.auctions[i];
    const std::string at = "auction[" + std::to_string(i) + "]";
    if (!a.id.empty() && !ids.insert(a.id).second) errors.add(nullptr, at + ".id", "auction " + a.id + " is listed twice");
    const auto ins = std::find_if(m.instruments.begin(), m.instruments.end(),
                                  [&](const engine::Instrument& x) { return x.code == a.instrument; });
    if (ins == m.instruments.end()) {
      if (!a.instrument.empty()) errors.add(nullptr, at + ".instrument", "instrument " + a.instrument + " is not listed");
      continue;
    }
    if (a.qty % ins->lot != 0) {
      errors.add(nullptr, at + ".qty", "must be a multiple of " + ins->code + "'s lot (" + std::to_string(ins->lot) + " t)");
    }
    if (a.reserve_price % ins->tick != 0 || a.increment % ins->tick != 0) {
      errors.add(nullptr, at + (a.reserve_price % ins->tick != 0 ? ".reserve_price" : ".increment"),
                 "must be a multiple of " + ins->code + "'s tick (" + std::to_string(ins->tick) + " fen)");
    }
    std::string owner;
    std::int64_t capacity = 0;
    for (const std::string& id : a.facilities) {
      const auto f = std::find_if(m.facilities.begin(), m.facilities.end(),
                                  [&](const engine::Facility& x) { return x.id == id; });
      if (f == m.facilities.end()) {
        errors.add(nullptr, at + ".facilities", "facility " + id + " is not listed");
        continue;
      }
      if (owner.empty()) owner = f->owner;
      if (f->owner != owner) {
        errors.add(nullptr, at + ".facilities",
                   "facility " + id + " belongs to " + f->owner + ", not " + owner + ": a lot has one seller");
      }
      if (f->industry != ins->industry || (!f->instrument.empty() && f->instrument != ins->code)) {
        errors.add(nullptr, at + ".facilities", "facility " + id + " does not sell on " + ins->code);
      }
      capacity += f->capacity;
    }
    if (capacity != 0 && a.qty > capacity) {
      errors.add(nullptr, at + ".qty",
                 std::to_string(a.qty) + " t is more than its facilities' registered capacity, " + std::to_string(capacity) + " t");
    }
  }
}

void cross_check(const engine::Market& m, const Errors& errors) {
  std::map<std::uint32_t, const engine::Region*> regions;
  for (std::size_t i = 0; i < m.regions.size(); ++i) {
    if (m.regions[i].ref.code != 0 && !regions.emplace(m.regions[i].ref.code, &m.regions[i]).second) {
      errors.add(nullptr, "region[" + std::to_string(i) + "].code",
                 "region " + std::to_string(m.regions[i].ref.code) + " is listed twice");
    }
  }
  std::set<std::string> instruments;
  for (std::size_t i = 0; i < m.instruments.size(); ++i) {
    if (!m.instruments[i].code.empty() && !instruments.insert(m.instruments[i].code).second) {
      errors.add(nullptr, "instrument[" + std::to_string(i) + "].code",
                 "instrument " + m.instruments[i].code + " is listed twice");
    }
  }
  std::map<std::string, const engine::Participant*> participants;
  std::set<std::string> comp_ids;
  for (std::size_t i = 0; i < m.participants.size(); ++i) {
    const engine::Participant& p = m.participants[i];
    const std::string at = "participant[" + std::to_string(i) + "]";
    if (!p.id.empty() && !participants.emplace(p.id, &p).second) errors.add(nullptr, at + ".id", "participant " + p.id + " is listed twice");
    if (!p.sender_comp_id.empty() && !comp_ids.insert(p.sender_comp_id).second) {
      errors.add(nullptr, at + ".sender_comp_id", "SenderCompID " + p.sender_comp_id + " belongs to two participants");
    }
    if (p.region != 0 && regions.count(p.region) == 0) {
      errors.add(nullptr, at + ".region", "region " + std::to_string(p.region) + " is not in the region list");
    }
    for (const std::string& code : p.instruments) {
      if (instruments.count(code) == 0) errors.add(nullptr, at + ".instruments", "instrument " + code + " is not listed");
    }
  }
  // A facility's or project's product, when it names one, is a listed instrument of its industry.
  const auto check_product = [&](const std::string& at, const std::string& code, Industry of) {
    if (code.empty()) return;
    const auto it = std::find_if(m.instruments.begin(), m.instruments.end(),
                                 [&](const engine::Instrument& x) { return x.code == code; });
    if (it == m.instruments.end()) {
      errors.add(nullptr, at + ".instrument", "instrument " + code + " is not listed");
    } else if (it->industry != of) {
      errors.add(nullptr, at + ".instrument",
                 "instrument " + code + " trades " + std::string(engine::to_string(it->industry)) + ", not " +
                     std::string(engine::to_string(of)));
    }
  };
  const auto check_owner = [&](const std::string& at, const std::string& owner, std::uint32_t region,
                               bool selling) {
    const auto it = participants.find(owner);
    if (owner.empty()) {
      // Already reported as missing.
    } else if (it == participants.end()) {
      errors.add(nullptr, at + ".owner", "participant " + owner + " is not listed");
    } else if (selling ? !it->second->may_sell : !it->second->may_buy) {
      errors.add(nullptr, at + ".owner",
                 "participant " + owner + " has no " + (selling ? "seller" : "buyer") + " role");
    }
    if (region != 0 && regions.count(region) == 0) {
      errors.add(nullptr, at + ".region", "region " + std::to_string(region) + " is not in the region list");
    }
  };
  std::set<std::string> ids;
  for (std::size_t i = 0; i < m.facilities.size(); ++i) {
    const std::string at = "facility[" + std::to_string(i) + "]";
    if (!m.facilities[i].id.empty() && !ids.insert(m.facilities[i].id).second) errors.add(nullptr, at + ".id", "id " + m.facilities[i].id + " is used twice");
    check_owner(at, m.facilities[i].owner, m.facilities[i].region, true);
    check_product(at, m.facilities[i].instrument, m.facilities[i].industry);
  }
  for (std::size_t i = 0; i < m.projects.size(); ++i) {
    const std::string at = "project[" + std::to_string(i) + "]";
    if (!m.projects[i].id.empty() && !ids.insert(m.projects[i].id).second) errors.add(nullptr, at + ".id", "id " + m.projects[i].id + " is used twice");
    check_owner(at, m.projects[i].owner, m.projects[i].region, false);
    check_product(at, m.projects[i].instrument, m.projects[i].industry);
  }
  check_auctions(m, errors);
}

}  // namespace

std::string format(const ConfigError& e) {
  std::string s = e.file;
  if (e.line != 0) s += ":" + std::to_string(e.line);
  s += ": ";
  if (!e.key.empty()) s += e.key + ": ";
  return s + e.reason;
}

std::string why_not_loaded(const LoadResult& loaded, const std::filesystem::path& market_file) {
  const std::string market = market_file.string();
  if (loaded.errors.size() == 1 && loaded.errors.front().unreadable) {
    const ConfigError& e = loaded.errors.front();
    if (e.file == market) return "cannot read the market file " + market;
    return "cannot read the rules file " + e.file + " that the market file " + market +
           " names: its `rules` key is relative to the market file's folder";
  }
  const std::size_t n = loaded.errors.size();
  return market + " is not a valid market (" + std::to_string(n) + " problem" + (n == 1 ? "" : "s") +
         " above): fix it, 'crix config check " + market + "' lists them";
}

namespace {

// `[console]`: TLS files and who may use the console. Secrets are hashes, never plain text.
void read_console(Reader& root, Console& console, const std::filesystem::path& folder, const Errors& errors) {
  const toml::table* t = root.table("console", false, "the [console] table");
  if (t == nullptr) return;
  Reader r(*t, "console", errors);
  const auto cert = r.text("tls_cert", false, "the console's TLS certificate chain (PEM), relative to this file");
  const auto key = r.text("tls_key", false, "the console's TLS private key (PEM), relative to this file");
  if (cert.has_value() != key.has_value()) {
    r.error(cert ? "tls_cert" : "tls_key", "needs its partner: give both tls_cert and tls_key for HTTPS, or neither");
  } else if (cert) {
    console.tls_cert = folder / *cert;
    console.tls_key = folder / *key;
  }
  const auto credentials = [&](std::string_view table, const char* secret_key, std::vector<ConsoleCredential>& out) {
    std::set<std::string> names;
    each_table(r, table, false, errors, [&](Reader& c) {
      ConsoleCredential x;
      x.name = c.text("name", true, "the user's or script's name, journaled with its actions").value_or("");
      if (const auto role = c.choice("role", true, {"regulator", "operator"}, "what it may do")) {
        x.role = static_cast<ConsoleRole>(*role);
      }
      x.secret = (table == "users" ? c.password_hash(secret_key, "console user " + x.name, "the password's hash")
                                   : c.token_hash(secret_key, true, "the token's hash"))
                     .value_or("");
      if (!x.name.empty() && !names.insert(x.name).second) c.error("name", "'" + x.name + "' is listed twice");
      out.push_back(std::move(x));
    });
  };
  credentials("users", "password", console.users);
  credentials("tokens", "token", console.tokens);
}

}  // namespace

std::string_view to_string(ConsoleRole role) { return role == ConsoleRole::kOperator ? "operator" : "regulator"; }

LoadResult load_market(const std::filesystem::path& market_file) {
  LoadResult result;
  std::map<std::string, std::uint32_t, std::less<>> tables;
  const Errors errors{market_file.string(), &result.errors, &tables};
  const std::optional<toml::table> doc = parse(market_file, result.errors);
  if (!doc) return result;

  engine::Market m;
  std::string rules_file;
  {
    Reader root(*doc, "", errors);
    read_exchange(root, m.exchange, result.console, result.fix_guard, result.fix_tls, market_file.parent_path(),
                  rules_file, errors);
    read_console(root, result.console, market_file.parent_path(), errors);

    each_table(root, "instrument", true, errors, [&](Reader& r) {
      engine::Instrument in;
      in.code = r.identifier("code", true, "e.g. STEEL-IRON").value_or("");
      in.industry = industry(r, "industry", true).value_or(Industry::kSteel);
      in.unit = r.text("unit", true, "the quantity label, e.g. t").value_or("");
      in.tick = r.integer("tick", true, 1, 1'000'000, "the price step, in fen").value_or(1);
      in.lot = r.integer("lot", true, 1, 1'000'000, "the quantity step, in tonnes").value_or(1);
      in.band_permille = static_cast<std::uint32_t>(
          r.integer("band_permille", false, 1, 1000, "price band, 100 = +-10%").value_or(100));
      in.reference_price = r.integer("reference_price", true, 1, kMaxPrice, "fen per tonne").value_or(1);
      if (in.reference_price % in.tick != 0) {
        r.error("reference_price", "must be a multiple of the tick (" + std::to_string(in.tick) + " fen)");
      }
      in.listed_max_qty =
          r.integer("listed_max_qty", false, 1, kMaxAmount, "the largest order on the book, in tonnes").value_or(0);
      if (in.listed_max_qty % in.lot != 0) {
        r.error("listed_max_qty", "must be a multiple of the lot (" + std::to_string(in.lot) + " t)");
      }
      in.block_min_qty =
          r.integer("block_min_qty", false, 1, kMaxAmount, "the smallest block trade, in tonnes").value_or(0);
      if (in.block_min_qty % in.lot != 0) {
        r.error("block_min_qty", "must be a multiple of the lot (" + std::to_string(in.lot) + " t)");
      }
      in.block_band_permille = static_cast<std::uint32_t>(
          r.integer("block_band_permille", false, 1, 1000, "block trades' price band, 300 = +-30%").value_or(300));
      m.instruments.push_back(std::move(in));
    });

    each_table(root, "region", true, errors, [&](Reader& r) {
      engine::Region reg;
      reg.ref.code = region_code(r, "code", true).value_or(0);
      reg.ref.province = engine::province_of(reg.ref.code);
      reg.name = r.label("name", true, "e.g. Tianjin", kIdBytes).value_or("");
      reg.ref.region_class = region_class(r, "class", true).value_or(RegionClass::kOther);
      per_industry(r, "cap", errors, [&](std::size_t i, std::int64_t v) { reg.cap[i] = v; });
      per_industry(r, "capacity", errors, [&](std::size_t i, std::int64_t v) { reg.capacity[i] = v; });
      reg.province_over_target = r.flag("province_over_target").value_or(false);
      for (std::size_t i = 0; i < engine::kIndustries; ++i) {
        if (reg.cap[i] && reg.capacity[i] > *reg.cap[i]) {
          r.error("capacity", "the " + std::string(to_string(static_cast<Industry>(i))) +
                                  " capacity " + std::to_string(reg.capacity[i]) +
                                  " t is already above the cap " + std::to_string(*reg.cap[i]) + " t");
        }
      }
      m.regions.push_back(std::move(reg));
    });

    each_table(root, "participant", true, errors, [&](Reader& r) {
      engine::Participant p;
      p.id = r.identifier("id", true, "e.g. TJ-RONGCHENG").value_or("");
      p.name = r.label("name", true, "the enterprise's registered name", kTextBytes).value_or("");
      p.credit_code = r.text("credit_code", true, "the 18-character unified social credit code").value_or("");
      if (!p.credit_code.empty() && p.credit_code.size() != 18) {
        r.error("credit_code", "must have 18 characters, has " + std::to_string(p.credit_code.size()));
      }
      p.group = r.text("group", false, "enterprise group").value_or("");
      p.region = region_code(r, "region", true).value_or(0);
      p.sender_comp_id = r.identifier("sender_comp_id", true, "FIX SenderCompID").value_or("");
      p.password_hash = r.password_hash("password_hash", "participant " + p.id, "the FIX Logon password's hash").value_or("");
      const auto subject = r.text("tls_subject", false, "the subject CN of the participant's client certificate");
      if (subject && result.fix_tls.client_ca.empty()) {
        r.error("tls_subject", "needs [exchange] fix_tls_client_ca: client certificates are asked for only with it");
      }
      result.fix_tls.subjects.push_back(subject.value_or(""));
      if (const auto role = r.choice("role", true, {"seller", "buyer", "both"}, "what it may do")) {
        p.may_sell = *role != 1;
        p.may_buy = *role != 0;
      }
      if (const toml::array* a = r.array("instruments", true, "instrument codes it may trade")) {
        for (const toml::node& n : *a) {
          if (n.is_string()) {
            p.instruments.push_back(n.as_string()->get());
          } else {
            r.error("instruments", "must list instrument codes as strings");
          }
        }
      }
      if (const auto st = r.choice("status", false, {"active", "suspended"}, "participant status")) {
        p.status = static_cast<engine::ParticipantStatus>(*st);
      }
      m.participants.push_back(std::move(p));
    });

    each_table(root, "facility", true, errors, [&](Reader& r) {
      engine::Facility f;
      f.id = r.identifier("id", true, "e.g. TJ-BF-410").value_or("");
      f.owner = r.text("owner", true, "the participant id of its owner").value_or("");
      f.industry = industry(r, "industry", true).value_or(Industry::kSteel);
      f.region = region_code(r, "region", true).value_or(0);
      f.capacity = r.integer("capacity", true, 1, kMaxAmount, "registered capacity, t/yr").value_or(1);
      f.equipment = r.label("equipment", true, "e.g. \"410 m3 blast furnace\"", kTextBytes).value_or("");
      f.inventory_ref = r.label("inventory_ref", false, "official inventory reference", kTextBytes).value_or("");
      f.divisible = r.flag("divisible").value_or(true);
      f.merger_capacity = r.flag("merger_capacity").value_or(false);
      f.instrument = r.text("instrument", false, "the instrument of its product, e.g. STEEL-IRON").value_or("");
      engine::EligibilityFacts& e = f.facts;
      e.mandated_cut = r.flag("mandated_cut").value_or(false);
      e.subsidised = r.flag("subsidised").value_or(false);
      e.backward = r.flag("backward").value_or(false);
      e.zombie_owner = r.flag("zombie_owner").value_or(false);
      e.court_seized = r.flag("court_seized").value_or(false);
      e.dismantled = r.flag("dismantled").value_or(false);
      e.used = r.flag("used").value_or(false);
      e.on_inventory = r.flag("on_inventory").value_or(true);
      e.idle_years = static_cast<std::uint32_t>(r.integer("idle_years", false, 0, 100, "years").value_or(0));
      e.expires = r.date("expires");
      m.facilities.push_back(std::move(f));
    });

    each_table(root, "project", false, errors, [&](Reader& r) {
      engine::Project p;
      p.id = r.identifier("id", true, "e.g. TJ-NEW-BF-1").value_or("");
      p.owner = r.text("owner", true, "the participant id of its owner").value_or("");
      p.industry = industry(r, "industry", true).value_or(Industry::kSteel);
      p.region = region_code(r, "region", true).value_or(0);
      p.new_capacity = r.integer("new_capacity", true, 1, kMaxAmount, "t/yr to be built").value_or(1);
      p.approval_ref = r.label("approval_ref", true, "the approval document", kTextBytes).value_or("");
      p.instrument = r.text("instrument", false, "the instrument of its product, e.g. STEEL-IRON").value_or("");
      if (const auto st = r.choice("status", false, {"approved", "filed", "completed", "canceled"},
                                   "project status")) {
        p.status = static_cast<engine::ProjectStatus>(*st);
      }
      p.site = r.label("site", false, "where the new plant is built", kTextBytes).value_or("");
      p.equipment = r.label("equipment", false, "the new plant's equipment", kTextBytes).value_or("");
      p.construction_start = r.date("construction_start");
      p.production_start = r.date("production_start");
      if (p.construction_start && p.production_start && *p.production_start < *p.construction_start) {
        r.error("production_start", "is before construction_start: production starts after construction");
      }
      m.projects.push_back(std::move(p));
    });

    each_table(root, "auction", false, errors, [&](Reader& r) {
      engine::AuctionTerms a;
      a.id = r.identifier("id", true, "e.g. AU-2026-001, the auction's FIX TradingSessionID").value_or("");
      a.instrument = r.text("instrument", true, "the instrument code of the lot, e.g. STEEL-IRON").value_or("");
      if (const toml::array* fs = r.array("facilities", true, "the seller's facility ids, sold from in this order")) {
        for (const toml::node& n : *fs) {
          if (n.is_string()) {
            a.facilities.push_back(n.as_string()->get());
          } else {
            r.error("facilities", "must list facility ids as strings");
          }
        }
        if (fs->empty()) r.error("facilities", "must name at least one facility");
      }
      a.qty = r.integer("qty", true, 1, kMaxAmount, "the lot, t").value_or(1);
      a.whole = r.flag("whole").value_or(false);
      a.reserve_price = r.integer("reserve_price", true, 1, kMaxAmount, "fen per tonne").value_or(1);
      a.increment = r.integer("increment", true, 1, kMaxAmount, "fen: bids are reserve_price + k * increment").value_or(1);
      if (const auto pr = r.choice("pricing", true, {"pay_as_bid", "uniform"},
                                   "each winner pays its bid, or all pay the lowest winning bid")) {
        a.pricing = static_cast<engine::AuctionPricing>(*pr);
      }
      m.auctions.push_back(std::move(a));
    });
  }

  if (!rules_file.empty()) read_rules(market_file.parent_path() / rules_file, m, result.errors);
  cross_check(m, errors);
  if (result.errors.empty()) result.market = std::move(m);
  return result;
}

std::string summary(const engine::Market& m) {
  std::ostringstream s;
  s << m.exchange.name << " (" << m.exchange.time_zone << "), rules: " << m.rules_name << "\n";
  s << "sessions:";
  for (const auto& ts : m.exchange.sessions) {
    const auto hm = [](engine::MinuteOfDay t) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%02d:%02d", t.minutes / 60, t.minutes % 60);
      return std::string(buf);
    };
    s << " " << hm(ts.open) << "-" << hm(ts.close);
  }
  s << "; " << m.exchange.holidays.size() << " holidays; FIX port " << m.exchange.fix_port
    << "; ledger sync " << (m.exchange.durability == engine::Durability::kFull ? "full" : "os") << "\n";
  s << m.instruments.size() << " instruments:";
  for (const auto& in : m.instruments) {
    s << " " << in.code << " (ref " << engine::yuan(in.reference_price) << "/" << in.unit << ")";
  }
  s << "\n" << m.regions.size() << " regions, " << m.participants.size() << " participants, "
    << m.facilities.size() << " facilities, " << m.projects.size() << " projects, " << m.auctions.size()
    << " auctions\n";
  // Capacity in each industry's unit (flat glass in weight boxes, the rest in tonnes): one sum per unit.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_unit;  // unit -> offered, needed
  for (const auto& f : m.facilities) by_unit[engine::unit_of(m, f.industry)].first += f.capacity;
  for (const auto& p : m.projects) by_unit[engine::unit_of(m, p.industry)].second += p.new_capacity;
  const auto sums = [&](bool offered) {
    std::string text;
    for (const auto& [unit, sum] : by_unit) {
      text += (text.empty() ? "" : " + ") + std::to_string(offered ? sum.first : sum.second) + " " + unit + "/yr";
    }
    return text.empty() ? std::string("0 t/yr") : text;
  };
  s << "registered facility capacity " << sums(true) << "; new project capacity " << sums(false) << "\n";
  s << m.ratios.rules().size() << " ratio rules, " << m.transfers.rules().size() << " transfer rules\n";
  return s.str();
}

std::filesystem::path sample_market_path() { return std::filesystem::path(CRIX_SOURCE_DIR) / "config/sample/market.toml"; }

}  // namespace crix::config
