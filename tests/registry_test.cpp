// Registry and elimination-list commands on the sample market (engine/registry.hpp): revocation during
// the publicity period, status updates after it, amendments of facilities and projects, registration of
// entries the configuration adds; each with its effect on the running totals and its sentence.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "tests/sample_market.hpp"

using namespace crix::engine;

namespace {

Market sample() { return crix::test::sample_market(); }
Timestamp at(Date d, int hour, int minute) { return crix::test::beijing(d, hour, minute); }

constexpr Date kTuesday{2026, 12, 1};

struct Desk {
  explicit Desk(Market mk = sample(), const RegistryCounts& counts = {}) : x(std::move(mk), counts) {}
  Exchange x;
  EventSink sink;
  Timestamp now = at(kTuesday, 10, 0);
  std::uint64_t next_id = 1;

  std::uint32_t facility(const std::string& id) const { return *x.facility_index(id); }
  std::uint32_t project(const std::string& id) const { return *x.project_index(id); }

  std::vector<Event> apply(Command c) {
    c.ts = now;
    sink.clear();
    x.apply(c, sink);
    const std::string problem = x.check_invariants();
    INFO(problem);
    CHECK(problem.empty());
    return sink.events();
  }
  std::vector<Event> order(const std::string& who, const std::string& instr, Side side, std::uint32_t account,
                           std::int64_t qty, std::int64_t price) {
    Command c;
    c.type = CommandType::kNew;
    c.id = OrderId(next_id++);
    c.participant = ParticipantId(*x.participant_index(who));
    c.instrument = InstrumentId(*x.instrument_index(instr));
    c.side = side;
    c.account = AccountId(account);
    c.qty = Qty(qty);
    c.price = Price(price);
    return apply(c);
  }
  // Hebei's furnace sells 300000 t to Tianjin's blast-furnace project at 1.5:1: trade `n`.
  Event trade() {
    order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, facility("HB-BF-450"), 300000, 58000);
    const auto ev = order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, project("TJ-NEW-BF-2500"), 300000, 58000);
    for (const Event& e : ev) {
      if (e.type == EventType::kFill) return e;
    }
    FAIL("no fill");
    return {};
  }
  std::vector<Event> command(CommandType type, std::uint64_t id, std::int64_t qty = 0, std::uint64_t account = 0,
                             Side side = Side::kBuy) {
    Command c;
    c.type = type;
    c.id = OrderId(id);
    c.qty = Qty(qty);
    c.account = AccountId(account);
    c.side = side;
    return apply(c);
  }
  // The command's one Rejected event (calendar events of the day roll may come before it).
  std::string rejected(const std::vector<Event>& ev, RejectCode code) {
    REQUIRE(!ev.empty());
    const Event& r = ev.back();
    REQUIRE(r.type == EventType::kRejected);
    for (const Event& e : ev) {
      CHECK((e.type == EventType::kRejected || e.type == EventType::kSessionPhase || e.type == EventType::kDayClosed));
    }
    CHECK(r.code == code);
    return x.describe(r);
  }
};

const Event* find(const std::vector<Event>& ev, EventType type) {
  for (const Event& e : ev) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a revocation in the publicity period gives the capacity back and takes the credit", "[registry]") {
  Desk d;
  const std::uint32_t f = d.facility("HB-BF-450");
  const std::uint32_t p = d.project("TJ-NEW-BF-2500");
  const std::int64_t tianjin = d.x.region_capacity(0, Industry::kSteel);
  const std::int64_t tangshan = d.x.region_capacity(1, Industry::kSteel);
  const Event fill = d.trade();
  REQUIRE(fill.trade_id.v == 1);
  CHECK(d.x.elimination_status(TradeId(1)) == EliminationStatus::kPublicised);
  CHECK(d.x.in_publicity(TradeId(1)));

  // Ten working days later (Tuesday 1 Dec + 10 working days = Tuesday 15 Dec) it is still revocable.
  d.now = at(Date{2026, 12, 15}, 10, 0);
  const auto ev = d.command(CommandType::kRevoke, 1);
  const Event* r = find(ev, EventType::kRevoked);
  REQUIRE(r != nullptr);
  CHECK(r->trade_id.v == 2);  // the next id of the fill sequence
  CHECK(r->arg1 == 1);
  CHECK(r->qty.v == 300000);
  CHECK(r->arg2 == 200000);
  CHECK(r->account.v == p);
  CHECK(r->maker_account.v == f);
  CHECK(d.x.describe(*r) ==
        "trade 1 revoked (record 2): 300000 t back to facility HB-BF-450 (450 m3 blast furnace (ironmaking), "
        "Tangshan, Hebei), 200000 t of credit taken from project TJ-NEW-BF-2500 (Tianjin)");
  CHECK(d.x.facility_sold(f) == 0);
  CHECK(d.x.project_credited(p) == 0);
  CHECK(d.x.region_capacity(0, Industry::kSteel) == tianjin);
  CHECK(d.x.region_capacity(1, Industry::kSteel) == tangshan);
  CHECK(d.x.elimination_status(TradeId(1)) == EliminationStatus::kRevoked);
  CHECK_FALSE(d.x.elimination_status(TradeId(2)).has_value());

  // The next fill takes id 3: fills and revocations share the sequence.
  CHECK(d.trade().trade_id.v == 3);

  CHECK(d.rejected(d.command(CommandType::kRevoke, 1), RejectCode::kNotRevocable) ==
        "trade 1 may not be revoked: it is already revoked");
  CHECK(d.rejected(d.command(CommandType::kRevoke, 2), RejectCode::kNotRevocable) ==
        "trade 2 may not be revoked: it is itself a revocation");
  CHECK(d.rejected(d.command(CommandType::kRevoke, 9), RejectCode::kUnknownTrade) ==
        "no trade 9 to act on: the ledger's trade ids run from 1 to 3");
  CHECK(d.rejected(d.command(CommandType::kSetEliminationStatus, 2, static_cast<std::int64_t>(EliminationStatus::kShut)),
                   RejectCode::kUnknownTrade) ==
        "trade record 2 is a revocation's own record: it has no elimination entry to act on");
}

TEST_CASE("after the publicity period a trade is not revocable and its entry moves forward", "[registry]") {
  Desk d;
  d.trade();
  // Confirmation waits for the end of the period.
  CHECK(d.rejected(d.command(CommandType::kSetEliminationStatus, 1, 1), RejectCode::kStatusNotAllowed) ==
        "trade 1 is still in its publicity period: its entry moves on only after the period, or is revoked");
  d.now = at(Date{2026, 12, 16}, 10, 0);  // the 11th working day
  CHECK(d.rejected(d.command(CommandType::kRevoke, 1), RejectCode::kNotRevocable) ==
        "trade 1 may not be revoked: its publicity period (10 working days) is over");
  CHECK_FALSE(d.x.in_publicity(TradeId(1)));
  const auto ev = d.command(CommandType::kSetEliminationStatus, 1, static_cast<std::int64_t>(EliminationStatus::kShut));
  REQUIRE(find(ev, EventType::kEliminationStatus) != nullptr);
  CHECK(d.x.describe(ev.back()) == "trade 1: elimination entry publicised -> shut");
  CHECK(d.x.elimination_status(TradeId(1)) == EliminationStatus::kShut);
  CHECK(d.rejected(d.command(CommandType::kSetEliminationStatus, 1, 1), RejectCode::kStatusNotAllowed) ==
        "an elimination entry that is shut may not become confirmed: statuses move forward (publicised, "
        "confirmed, shut, dismantled), and only a revocation revokes");
  CHECK(d.rejected(d.command(CommandType::kSetEliminationStatus, 1, 4), RejectCode::kStatusNotAllowed).find(
            "may not become revoked") != std::string::npos);
  REQUIRE(find(d.command(CommandType::kSetEliminationStatus, 1, 3), EventType::kEliminationStatus) != nullptr);
  CHECK(d.x.elimination_status(TradeId(1)) == EliminationStatus::kDismantled);
}

TEST_CASE("holidays lengthen the publicity period", "[registry]") {
  Market mk = sample();
  mk.exchange.holidays.push_back(Date{2026, 12, 7});  // a Monday inside the period
  Desk d(std::move(mk));
  d.trade();
  d.now = at(Date{2026, 12, 16}, 10, 0);
  CHECK(find(d.command(CommandType::kRevoke, 1), EventType::kRevoked) != nullptr);
}

TEST_CASE("a court seizure amended into the registry cancels the facility's offers and bars new ones", "[registry]") {
  Desk d;
  const std::uint32_t f = d.facility("HB-BF-450");
  REQUIRE(find(d.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, f, 100000, 58000), EventType::kAccepted));
  const auto ev = d.command(CommandType::kAmendFacility, static_cast<std::uint64_t>(FacilityField::kCourtSeized), 1,
                            f, Side::kSell);
  const Event* changed = find(ev, EventType::kRegistryChanged);
  REQUIRE(changed != nullptr);
  CHECK(d.x.describe(*changed) ==
        "facility HB-BF-450 (450 m3 blast furnace (ironmaking), Tangshan, Hebei): court_seized false -> true");
  // Values as the operator writes them, never Command::qty's encoding (-1 for none was "expires -1 -> -1").
  const auto expires = d.command(CommandType::kAmendFacility, static_cast<std::uint64_t>(FacilityField::kExpires),
                                 days_from_civil(Date{2027, 6, 30}), f, Side::kSell);
  REQUIRE(find(expires, EventType::kRegistryChanged) != nullptr);
  CHECK_THAT(d.x.describe(*find(expires, EventType::kRegistryChanged)), Catch::Matchers::EndsWith(" -> 2027-06-30"));
  const auto none = d.command(CommandType::kAmendFacility, static_cast<std::uint64_t>(FacilityField::kExpires), -1, f,
                              Side::kSell);
  REQUIRE(find(none, EventType::kRegistryChanged) != nullptr);
  CHECK_THAT(d.x.describe(*find(none, EventType::kRegistryChanged)), Catch::Matchers::EndsWith(": expires 2027-06-30 -> none"));
  const Event* canceled = find(ev, EventType::kCanceled);
  REQUIRE(canceled != nullptr);
  CHECK(canceled->reason == CancelReason::kRegistry);
  CHECK(d.x.facility_reserved(f) == 0);
  const auto again = d.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, f, 100000, 58000);
  CHECK(d.rejected(again, RejectCode::kFacilityIneligible).find("under court seizure") != std::string::npos);
  // Lifted again: it sells.
  d.command(CommandType::kAmendFacility, static_cast<std::uint64_t>(FacilityField::kCourtSeized), 0, f, Side::kSell);
  CHECK(find(d.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, f, 100000, 58000), EventType::kAccepted));
}

TEST_CASE("capacity and need amendments respect what is sold and credited", "[registry]") {
  Desk d;
  const std::uint32_t f = d.facility("HB-BF-450");
  const std::uint32_t p = d.project("TJ-NEW-BF-2500");
  d.trade();
  const auto cap = static_cast<std::uint64_t>(FacilityField::kCapacity);
  CHECK(d.rejected(d.command(CommandType::kAmendFacility, cap, 299999, f, Side::kSell), RejectCode::kAmendBelowUsed) ==
        "facility HB-BF-450 (450 m3 blast furnace (ironmaking), Tangshan, Hebei) has sold 300000 t: its capacity "
        "cannot become 299999 t");
  REQUIRE(find(d.command(CommandType::kAmendFacility, cap, 300000, f, Side::kSell), EventType::kRegistryChanged));
  CHECK(d.x.market().facilities[f].capacity == 300000);
  CHECK(d.rejected(d.order("HB-TANGSHAN-IRON", "STEEL-IRON", Side::kSell, f, 10, 58000), RejectCode::kFacilityCapacity)
            .find("has 0 t of unsold") != std::string::npos);

  const auto need = static_cast<std::uint64_t>(ProjectField::kNeed);
  CHECK(d.rejected(d.command(CommandType::kAmendProject, need, 199999, p), RejectCode::kAmendBelowUsed) ==
        "project TJ-NEW-BF-2500 (Tianjin) has been credited 200000 t: its need cannot become 199999 t");
  const auto status = static_cast<std::uint64_t>(ProjectField::kStatus);
  REQUIRE(find(d.command(CommandType::kAmendProject, status, static_cast<std::int64_t>(ProjectStatus::kCanceled), p),
               EventType::kRegistryChanged));
  CHECK(d.rejected(d.order("TJ-BOHAI-STEEL", "STEEL-IRON", Side::kBuy, p, 3000, 58000), RejectCode::kProjectNotOpen)
            .find("is canceled") != std::string::npos);

  CHECK(d.rejected(d.command(CommandType::kAmendFacility, 42, 1, f, Side::kSell), RejectCode::kInvalidAmendment) ==
        "no facility field #42 (fields: capacity, mandated_cut, subsidised, backward, zombie_owner, court_seized, "
        "dismantled, used, on_inventory, idle_years, expires)");
  CHECK(d.rejected(d.command(CommandType::kAmendFacility, static_cast<std::uint64_t>(FacilityField::kUsed), 2, f,
                             Side::kSell),
                   RejectCode::kInvalidAmendment) ==
        "facility HB-BF-450 (450 m3 blast furnace (ironmaking), Tangshan, Hebei): used must be 0 (false) or 1 "
        "(true), got 2");
}

TEST_CASE("entries the configuration adds trade only once registered, in order", "[registry]") {
  Market mk = sample();
  const std::size_t n = mk.facilities.size();
  Desk d(mk, RegistryCounts{n - 1, std::nullopt});
  const std::uint32_t last = static_cast<std::uint32_t>(n - 1);
  const std::string owner = mk.facilities[last].owner;
  const std::string instr = mk.facilities[last].industry == Industry::kCement ? "CEMENT-CLINKER" : "";
  REQUIRE(!instr.empty());
  CHECK(d.rejected(d.order(owner, instr, Side::kSell, last, 1000, 30000), RejectCode::kUnknownFacility).find(
            "a sell order's Account must name a registered facility") != std::string::npos);
  CHECK(d.rejected(d.command(CommandType::kRegister, 0, 0, last - 1, Side::kSell),
                   RejectCode::kRegistrationOutOfOrder) ==
        "facilities are registered in configuration order: the next is #" + std::to_string(last) + " (facility " +
            mk.facilities[last].id + " (" + mk.facilities[last].equipment + ", Chengdu, Sichuan)), not #" +
            std::to_string(last - 1));
  const auto ev = d.command(CommandType::kRegister, 0, 0, last, Side::kSell);
  REQUIRE(find(ev, EventType::kRegistered) != nullptr);
  CHECK(d.x.registered_facilities() == n);
  CHECK(d.rejected(d.command(CommandType::kRegister, 0, 0, n, Side::kSell), RejectCode::kRegistrationOutOfOrder) ==
        "every configured facility is registered already");
}
