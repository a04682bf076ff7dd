// Configuration: the sample market and its alternative rule sets load; each kind of mistake gives its
// own message with file, line and key; all mistakes are reported at once.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "config/market_config.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace crix::engine;

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A scratch copy of the sample market that a test may edit.
class Scratch {
 public:
  Scratch() {
    for (const auto& e : fs::directory_iterator(crix::config::sample_market_path().parent_path())) {
      fs::copy_file(e.path(), dir_.path() / e.path().filename());
    }
  }

  fs::path market() const { return dir_.path() / "market.toml"; }
  // Replaces the first occurrence of `from` in `file` (which must contain it).
  void edit(const std::string& file, const std::string& from, const std::string& to) const {
    std::string text = read(dir_.path() / file);
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(dir_.path() / file) << text;
  }
  void append(const std::string& file, const std::string& text) const {
    std::ofstream(dir_.path() / file, std::ios::app) << text;
  }
  // Errors from loading the market, one formatted line each.
  std::string errors() const {
    const auto r = crix::config::load_market(market());
    std::string out;
    for (const auto& e : r.errors) out += crix::config::format(e) + "\n";
    return out;
  }

 private:
  crix::test::ScratchDir dir_{"crix-config-test"};
};

const Facility* facility(const Market& m, const std::string& id) {
  for (const Facility& f : m.facilities) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const Region* region(const Market& m, std::uint32_t code) {
  for (const Region& r : m.regions) {
    if (r.ref.code == code) return &r;
  }
  return nullptr;
}

PairFacts between(const Market& m, std::uint32_t seller, std::uint32_t buyer, Industry i) {
  PairFacts f;
  f.industry = i;
  f.seller = region(m, seller)->ref;
  f.buyer = region(m, buyer)->ref;
  return f;
}

}  // namespace

TEST_CASE("the sample market loads with the 2021 rules", "[config]") {
  const auto r = crix::config::load_market(crix::config::sample_market_path());
  INFO(r.errors.size());
  REQUIRE(r.errors.empty());
  REQUIRE(r.market.has_value());
  const Market& m = *r.market;
  CHECK(m.rules_name == "2021 rules");
  REQUIRE(m.auctions.size() == 1);
  CHECK(m.auctions[0].id == "AU-HB-450");
  CHECK(m.auctions[0].facilities == std::vector<std::string>{"HB-BF-450"});
  CHECK(m.auctions[0].qty == 500000);
  CHECK(m.auctions[0].reserve_price == 55000);
  CHECK(m.auctions[0].increment == 500);
  CHECK(m.auctions[0].pricing == crix::engine::AuctionPricing::kUniform);
  CHECK(m.exchange.time_zone == "Asia/Shanghai");
  CHECK(m.exchange.utc_offset_minutes == 8 * 60);
  CHECK(m.idle_years_limit == 2);
  REQUIRE(m.exchange.sessions.size() == 2);
  CHECK(m.exchange.sessions[0].open.minutes == 9 * 60 + 30);
  CHECK(m.exchange.sessions[1].close.minutes == 15 * 60);
  CHECK(m.exchange.working_days == 0x1F);
  CHECK(m.instruments.size() == 5);
  CHECK(m.participants.size() == 13);

  const Facility* bf = facility(m, "TJ-BF-410");
  REQUIRE(bf != nullptr);
  CHECK(bf->capacity == 500'000);
  CHECK_FALSE(bf->divisible);
  CHECK(bf->equipment.find("410 m3 blast furnace") != std::string::npos);
  CHECK(facility(m, "HB-BF-420-SEIZED")->facts.court_seized);
  CHECK(facility(m, "HA-POT-320KA")->facts.expires == Date{2027, 12, 31});
  CHECK(m.exchange.dismantle_days == 365);
  CHECK(m.exchange.publicity_working_days == 10);
  // What a public notice lists for a new project.
  const auto xz = std::find_if(m.projects.begin(), m.projects.end(), [](const auto& p) { return p.id == "XZ-NEW-CL-2500"; });
  REQUIRE(xz != m.projects.end());
  CHECK(xz->site == "Qushui County, Lhasa");
  CHECK(xz->equipment == "2500 t/d new dry-process clinker line");
  CHECK(xz->construction_start == Date{2027, 3, 1});
  CHECK(xz->production_start == Date{2027, 6, 30});

  const Region* tianjin = region(m, 120000);
  REQUIRE(tianjin != nullptr);
  CHECK(tianjin->cap[static_cast<int>(Industry::kSteel)] == 20'000'000);
  CHECK(tianjin->cap[static_cast<int>(Industry::kCement)] == 5'000'000);
  CHECK_FALSE(tianjin->cap[static_cast<int>(Industry::kGlass)].has_value());

  // The rules as DOMAIN.md states them, applied to sample pairs.
  CHECK(m.ratios.choose(between(m, 130200, 120000, Industry::kSteel)).ratio_permille == 1500);
  CHECK(m.ratios.choose(between(m, 510100, 510400, Industry::kSteel)).ratio_permille == 1250);
  CHECK(m.ratios.choose(between(m, 130200, 510100, Industry::kCement)).ratio_permille == 2000);
  CHECK(m.ratios.choose(between(m, 540100, 540100, Industry::kCement)).ratio_permille == 1000);
  CHECK_FALSE(m.transfers.decide(between(m, 130200, 120000, Industry::kCement), false).allowed);
  CHECK_FALSE(m.transfers.decide(between(m, 410100, 120000, Industry::kAluminium), false).allowed);
  CHECK(m.transfers.decide(between(m, 120000, 120000, Industry::kCement), false).allowed);
}

TEST_CASE("the 2015 and 2017 rule sets load as alternatives", "[config]") {
  const Scratch s;
  s.edit("market.toml", "rules = \"rules-2021.toml\"", "rules = \"rules-2017.toml\"");
  auto r = crix::config::load_market(s.market());
  REQUIRE(r.market.has_value());
  CHECK(r.market->rules_name == "2017 rules");
  CHECK(r.market->ratios.choose(between(*r.market, 130200, 120000, Industry::kSteel)).ratio_permille == 1250);

  s.edit("market.toml", "rules = \"rules-2017.toml\"", "rules = \"rules-2015.toml\"");
  r = crix::config::load_market(s.market());
  REQUIRE(r.market.has_value());
  CHECK(r.market->rules_name == "2015 rules");
  CHECK(r.market->ratios.choose(between(*r.market, 510100, 510100, Industry::kCement)).ratio_permille == 1000);
}

TEST_CASE("each kind of configuration mistake has its own message", "[config]") {
  struct Case {
    const char* file;
    const char* from;
    const char* to;
    const char* expected;
  };
  const Case cases[] = {
      {"market.toml", "tick = 1\nlot = 1\nband_permille = 100", "tikc = 1\nlot = 1\nband_permille = 100",
       "market.toml:24: instrument[0].tikc: unknown key"},
      {"market.toml", "tick = 1\nlot = 1\nband_permille = 100", "lot = 1\nband_permille = 100",
       "instrument[0].tick: missing; expected the price step, in fen"},
      {"market.toml", "capacity = 500000\n", "capacity = -5\n",
       "facility[0].capacity: must be a whole number from 1 to 10000000000 (registered capacity, "
       "t/yr), got -5"},
      {"market.toml", "capacity = 500000\n", "capacity = \"half a million\"\n",
       "facility[0].capacity: must be a whole number from 1 to 10000000000 (registered capacity, "
       "t/yr), got a string"},
      {"market.toml", "class = \"key\"", "class = \"important\"",
       "region[0].class: must be one of key, other (region class), got 'important'"},
      {"market.toml", "expires = 2027-12-31", "expires = \"end of 2027\"",
       "facility[8].expires: must be a date like 2027-12-31, got a string"},
      {"market.toml", "divisible = false", "divisible = \"no\"", "facility[0].divisible: must be true or false"},
      {"market.toml", "owner = \"TJ-RONGCHENG\"", "owner = \"NOBODY\"",
       "market.toml:258: facility[0].owner: participant NOBODY is not listed"},
      {"market.toml", "owner = \"TJ-BOHAI-STEEL\"\nindustry = \"steel\"\nregion = 120000\nnew_capacity",
       "owner = \"TJ-RONGCHENG\"\nindustry = \"steel\"\nregion = 120000\nnew_capacity",
       "project[0].owner: participant TJ-RONGCHENG has no buyer role"},
      {"market.toml", "id = \"TJ-BF-1080\"", "id = \"TJ-BF-410\"", "facility[1].id: id TJ-BF-410 is used twice"},
      {"market.toml", "region = 130200\ncapacity = 550000", "region = 990000\ncapacity = 550000",
       "must be a whole number from 110000 to 829999"},
      {"market.toml", "region = 130200\ncapacity = 550000", "region = 130900\ncapacity = 550000",
       "facility[3].region: region 130900 is not in the region list"},
      {"market.toml", "instruments = [\"GLASS-FLAT\"]", "instruments = [\"GLASS-FLOAT\"]",
       "participant[6].instruments: instrument GLASS-FLOAT is not listed"},
      {"market.toml", "sender_comp_id = \"TJ-BOHAI-STEEL\"", "sender_comp_id = \"TJ-RONGCHENG\"",
       "participant[1].sender_comp_id: SenderCompID TJ-RONGCHENG belongs to two participants"},
      {"market.toml", "credit_code = \"91120000MA05RC0001\"", "credit_code = \"9112\"",
       "participant[0].credit_code: must have 18 characters, has 4"},
      {"market.toml", "password_hash = \"scrypt$", "password_hash = \"plain$",
       "participant[0].password_hash: must be scrypt$ln=<n>,r=<r>,p=<p>$<salt hex>$<64 hex digits> (the FIX Logon "
       "password's hash of participant TJ-RONGCHENG)"},
      {"market.toml", "password_hash = \"scrypt$", "password_hash = \"sha256:00:0000000000000000000000000000000000000000000000000000000000000000\" #",
       "participant[0].password_hash: participant TJ-RONGCHENG's password hash is the old fast sha256: form, no "
       "longer accepted for passwords; run `crix passwd`"},
      {"market.toml", "password_hash = \"scrypt$ln=14", "password_hash = \"scrypt$ln=9",
       "participant[0].password_hash: participant TJ-RONGCHENG's password hash has ln=9, below the floor ln=10"},
      {"market.toml", "[[09:30:00, 11:30:00], [13:00:00, 15:00:00]]", "[[13:00:00, 15:00:00], [09:30:00, 11:30:00]]",
       "exchange.sessions[1]: overlaps or precedes the session before it"},
      {"market.toml", "[[09:30:00, 11:30:00],", "[[11:30:00, 09:30:00],",
       "exchange.sessions[0]: must be [open, close] as local times like 09:30 with open before close"},
      {"market.toml", "\"Thu\", \"Fri\"]", "\"Thu\", \"Friday\"]",
       "exchange.working_days[4]: must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun"},
      {"market.toml", "capacity = { steel = 19200000,", "capacity = { steel = 21000000,",
       "region[0].capacity: the steel capacity 21000000 t is already above the cap 20000000 t"},
      {"market.toml", "reference_price = 58000", "reference_price = 58001\ntick_note = 1",
       "instrument[0].tick_note: unknown key"},
      {"market.toml", "tick = 1\nlot = 1\nband_permille = 100\nreference_price = 58000",
       "tick = 100\nlot = 1\nband_permille = 100\nreference_price = 58050",
       "instrument[0].reference_price: must be a multiple of the tick (100 fen)"},
      {"market.toml", "lot = 1\nband_permille = 100", "lot = 1000\nlisted_max_qty = 2500\nband_permille = 100",
       "instrument[0].listed_max_qty: must be a multiple of the lot (1000 t)"},
      {"market.toml", "lot = 1\nband_permille = 100", "lot = 1\nlisted_max_qty = 0\nband_permille = 100",
       "instrument[0].listed_max_qty: must be a whole number from 1 to 10000000000"},
      {"market.toml", "[exchange]\n", "[exchang]\n", "exchange: missing; expected the [exchange] table"},
      {"market.toml", "[exchange]\n", "[exchang]\n", "market.toml:6: exchang: unknown key"},
      {"market.toml", "rules = \"rules-2021.toml\"", "rules = \"rules-2030.toml\"",
       "rules-2030.toml: cannot read"},
      {"market.toml", "[exchange]", "[exchange\n", "market.toml:6: not valid TOML"},
      {"rules-2021.toml", "ratio_permille = 1500", "ratio_permille = 900",
       "rules-2021.toml:13: ratio[0].ratio_permille: must be a whole number from 1000 to 10000"},
      {"market.toml", "id = \"SD-CV-120\"\ninstrument = \"STEEL-CRUDE\"", "id = \"SD-CV-120\"\ninstrument = \"CEMENT-CLINKER\"",
       "facility[6].instrument: instrument CEMENT-CLINKER trades cement clinker, not steel"},
      {"market.toml", "id = \"TJ-NEW-CV-150\"\ninstrument = \"STEEL-CRUDE\"", "id = \"TJ-NEW-CV-150\"\ninstrument = \"STEEL-PIPE\"",
       "project[1].instrument: instrument STEEL-PIPE is not listed"},
      {"market.toml", "time_zone = \"Asia/Shanghai\"", "time_zone = \"Europe/Berlin\"",
       "exchange.time_zone: \"Europe/Berlin\" is not supported: use Asia/Shanghai"},
      {"rules-2021.toml", "idle_years_limit = 2", "idle_years_limit = 0",
       "rules-2021.toml:7: idle_years_limit: must be a whole number from 1 to 100"},
      {"rules-2021.toml", "idle_years_limit = 2\n", "",
       "idle_years_limit: missing; expected idle years from which"},
      {"market.toml", "construction_start = 2027-03-01", "construction_start = 2027-08-01",
       "project[6].production_start: is before construction_start: production starts after construction"},
      {"market.toml", "production_start = 2027-06-30", "production_start = \"mid 2027\"",
       "project[6].production_start: must be a date like 2027-12-31, got a string"},
      {"market.toml", "[exchange]\n", "[exchange]\ndismantle_days = 0\n",
       "exchange.dismantle_days: must be a whole number from 1 to 3650"},
      {"market.toml", "[exchange]\n", "[exchange]\nlogon_free_failures = 5\nlogon_lockout_failures = 4\n",
       "exchange.logon_lockout_failures: 4 is below logon_free_failures (5): a lockout comes after the free failures"},
      {"market.toml", "[exchange]\n", "[exchange]\nlogon_timeout_ms = 0\n",
       "exchange.logon_timeout_ms: must be a whole number from 100 to 600000"},
      {"market.toml", "[exchange]\n", "[exchange]\nmax_connections_per_address = 0\n",
       "exchange.max_connections_per_address: must be a whole number from 1 to 100000"},
      // crixd refused each of these only at start (the ledger, QuickFIX) or, for the hash, never: no
      // logon could match it.
      {"market.toml", "id = \"TJ-RONGCHENG\"", "id = \"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\"",
       "market.toml:123: participant[0].id: must be at most 48 characters of printable ASCII without spaces"},
      {"market.toml", "id = \"TJ-RONGCHENG\"", "id = \"TJ-RONG\\u0000CHENG\"",
       "participant[0].id: must be at most 48 characters of printable ASCII without spaces (FIX messages carry "
       "it, the ledger stores it), got 13 bytes with a space or control character"},
      {"market.toml", "sender_comp_id = \"TJ-BOHAI-STEEL\"", "sender_comp_id = \"TJ BOHAI\"",
       "participant[1].sender_comp_id: must be at most 48 characters of printable ASCII without spaces"},
      {"market.toml", "id = \"TJ-BF-410\"", "id = \"TJ BF 410\"", "facility[0].id: must be at most 48 characters"},
      {"market.toml", "equipment = \"", "equipment = \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
       "facility[0].equipment: must be at most 96 bytes of UTF-8 without control characters (the ledger stores "
       "it), got 1"},
      {"market.toml", "max_orders = 1048576", "max_orders = 268435456",
       "exchange.max_orders: must be a whole number from 1 to 16777216"},
      {"market.toml", "password = \"scrypt$", "password = \"sha256:2c504e0a1a0c7813:0000000000000000000000000000000000000000000000000000000000000000\" #",
       "console.users[0].password: console user ops's password hash is the old fast sha256: form, no longer "
       "accepted for passwords; run `crix passwd`"},
      {"market.toml", "token = \"sha256:e292f92fb1b11295:131f", "token = \"sha256:e292f92fb1b11295:131",
       "console.tokens[0].token: must be sha256:<salt hex>:<64 hex digits> (the token's hash), never the token itself"},
      // Auctions: each term, and the lot's facilities against the market.
      {"market.toml", "facilities = [\"HB-BF-450\"]", "facilities = [\"HB-BF-450\", \"TJ-BF-1080\"]",
       "auction[0].facilities: facility TJ-BF-1080 belongs to TJ-BOHAI-STEEL, not HB-TANGSHAN-IRON: a lot has one seller"},
      {"market.toml", "facilities = [\"HB-BF-450\"]", "facilities = [\"SD-CV-120\"]",
       "auction[0].facilities: facility SD-CV-120 does not sell on STEEL-IRON"},
      {"market.toml", "facilities = [\"HB-BF-450\"]", "facilities = [\"HB-BF-999\"]",
       "auction[0].facilities: facility HB-BF-999 is not listed"},
      {"market.toml", "facilities = [\"HB-BF-450\"]", "facilities = []", "auction[0].facilities: must name at least one facility"},
      {"market.toml", "qty = 500000\nreserve_price", "qty = 600000\nreserve_price",
       "auction[0].qty: 600000 t is more than its facilities' registered capacity, 550000 t"},
      {"market.toml", "pricing = \"uniform\"", "pricing = \"dutch\"",
       "auction[0].pricing: must be one of pay_as_bid, uniform"},
      {"market.toml", "increment = 500", "increment = 0", "auction[0].increment: must be a whole number from 1"},
      {"market.toml", "id = \"AU-HB-450\"\ninstrument = \"STEEL-IRON\"", "id = \"AU-HB-450\"\ninstrument = \"STEEL-PIPE\"",
       "auction[0].instrument: instrument STEEL-PIPE is not listed"},
      {"rules-2021.toml", "effect = \"deny\"", "effect = \"forbid\"",
       "transfer[0].effect: must be one of allow, deny (what the rule does), got 'forbid'"},
  };
  for (const Case& c : cases) {
    INFO(c.file << ": '" << c.from << "' -> '" << c.to << "'");
    const Scratch s;
    s.edit(c.file, c.from, c.to);
    const std::string errors = s.errors();
    INFO(errors);
    CHECK(errors.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("an out-of-range band and a misspelt table are reported", "[config]") {
  const Scratch s;
  s.edit("market.toml", "band_permille = 100", "band_permille = 2000");
  const std::string errors = s.errors();
  CHECK(errors.find("instrument[0].band_permille: must be a whole number from 1 to 1000") != std::string::npos);

  const Scratch t;
  t.edit("market.toml", "[[project]]\nid = \"TJ-NEW-BF-2500\"", "[[projectt]]\nid = \"TJ-NEW-BF-2500\"");
  CHECK(t.errors().find("projectt: unknown key") != std::string::npos);
}

TEST_CASE("all mistakes are reported at once", "[config]") {
  const Scratch s;
  s.edit("market.toml", "capacity = 500000\n", "capacity = 0\n");
  s.edit("market.toml", "class = \"key\"", "class = \"big\"");
  s.edit("market.toml", "owner = \"TJ-RONGCHENG\"", "owner = \"NOBODY\"");
  s.edit("rules-2021.toml", "ratio_permille = 1500", "ratio_permille = 0");
  s.append("market.toml", "\n[extra]\nanswer = 42\n");
  const auto r = crix::config::load_market(s.market());
  CHECK_FALSE(r.market.has_value());
  CHECK(r.errors.size() == 5);
}

TEST_CASE("crix config check prints the problems or a summary", "[config][process]") {
  const Scratch s;
  const std::string crix = CRIX_BIN;
  const auto sample = crix::test::run({crix, "config", "check"});
  CHECK(sample.exit_code == 0);
  // Capacity summed per unit: the glass lines' weight boxes are not tonnes.
  CHECK(sample.out.find("registered facility capacity 7500000 t/yr + 3285000 weight box/yr; new project capacity "
                        "5550000 t/yr + 1500000 weight box/yr\n") != std::string::npos);
  s.edit("market.toml", "capacity = 500000\n", "capacity = 0\n");
  const int status = crix::test::run({crix, "config", "check", s.market().string()}).exit_code;
  CHECK(status == 1);
}

TEST_CASE("crix config check refuses what would crash or hang the parser, with the reason", "[config][process]") {
  const std::string crix = CRIX_BIN;
  std::string deep = "a";
  for (int i = 0; i < 100'000; ++i) deep += ".a";
  const struct {
    std::string what;
    std::function<void(const Scratch&)> make;
    std::string expected;
  } cases[] = {
      // Each crashed crix (SIGSEGV: the parser's recursion) or hung it (a FIFO is never closed).
      {"a dotted key 100,001 deep", [&](const Scratch& s) { s.append("market.toml", "\n" + deep + " = 1\n"); },
       "a key of 100001 dotted parts; at most 32 are read"},
      {"a table header 100,001 deep", [&](const Scratch& s) { s.append("market.toml", "\n[" + deep + "]\n"); },
       "a key of 100001 dotted parts; at most 32 are read"},
      {"the rules file is a FIFO",
       [](const Scratch& s) {
         fs::remove(s.market().parent_path() / "rules-2021.toml");
         REQUIRE(mkfifo((s.market().parent_path() / "rules-2021.toml").c_str(), 0600) == 0);
       },
       "rules-2021.toml: cannot read: not a regular file (a directory, a FIFO or a device): name a TOML file"},
      {"a market file over 16 MiB",
       [](const Scratch& s) { s.append("market.toml", "\n# " + std::string(17u << 20, 'x') + "\n"); },
       "more than a market file may have (16777216)"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const Scratch s;
    c.make(s);
    // Under timeout(1): a hang fails the check (exit 124) instead of the suite.
    const crix::test::RunResult r = crix::test::run({"timeout", "20", crix, "config", "check", s.market().string()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK((r.out + r.err).find(c.expected) != std::string::npos);
  }
  // Legitimate dotted keys and numbers stay readable: a 32-part key is refused only as unknown.
  const Scratch s;
  std::string ok = "b";
  for (int i = 1; i < 32; ++i) ok += ".b";
  s.append("market.toml", "\n" + ok + " = 1.5\n");
  CHECK(s.errors().find("dotted parts") == std::string::npos);
  CHECK(s.errors().find("b: unknown key") != std::string::npos);
}
