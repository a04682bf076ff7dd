// crix::engine registry changes and the retirement lifecycle (DOMAIN.md, "After the trade"; DESIGN.md,
// Ledger). Once a ledger holds the registry of facilities and projects, the ledger is its truth: the
// configuration must keep describing every registered entry as it was registered, and a change is an
// operator's command that the sequencer journals and the Exchange carries out (kAmendFacility,
// kAmendProject, kRegister), so that replaying the journal rebuilds the same registry. The same holds
// for the elimination list: a revocation during the publicity period (kRevoke) and each later status
// (kSetEliminationStatus) are journaled commands.
//
// Plain functions and enums; standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/market.hpp"

namespace crix::engine {

// Lifecycle of retired capacity on the public elimination list. Forward only:
// publicised -> confirmed -> shut -> dismantled (steps may be skipped, confirmation only after the
// publicity period); publicised -> revoked (kRevoke, only during the publicity period).
enum class EliminationStatus : std::uint8_t {
  kPublicised = 0,  // the notice is up; objections possible until its publicity period ends
  kConfirmed = 1,   // final announcement made
  kShut = 2,
  kDismantled = 3,
  kRevoked = 4,
};
std::string_view to_string(EliminationStatus status);  // "publicised", ...
std::string_view to_string(ProjectStatus status);      // "approved", ...
std::optional<EliminationStatus> elimination_status(std::string_view name);

// What kAmendFacility may change (Command::id), with the value in Command::qty. Flags take 0 or 1;
// kIdleYears 0..1000; kExpires a local date as days since 1970-01-01, or -1 for none; kCapacity
// 1..10^10 t and never below what the facility has sold.
enum class FacilityField : std::uint8_t {
  kCapacity = 1,
  kMandatedCut = 2,
  kSubsidised = 3,
  kBackward = 4,
  kZombieOwner = 5,
  kCourtSeized = 6,
  kDismantled = 7,
  kUsed = 8,
  kOnInventory = 9,
  kIdleYears = 10,
  kExpires = 11,
};
// What kAmendProject may change: kNeed 1..10^10 t and never below what it has been credited;
// kStatus a ProjectStatus value.
enum class ProjectField : std::uint8_t { kNeed = 1, kStatus = 2 };

std::string_view to_string(FacilityField field);  // the configuration key: "capacity", "court_seized", ...
std::string_view to_string(ProjectField field);   // "new_capacity", "status"
std::optional<FacilityField> facility_field(std::string_view key);
std::optional<ProjectField> project_field(std::string_view key);

// The field's value as Command::qty carries it.
std::int64_t field_value(const Facility& f, FacilityField field);
std::int64_t field_value(const Project& p, ProjectField field);
// The value as an operator writes it (`crix operator amend`, the console's amend-facility and
// amend-project): "true"/"false" for a flag, "none" or "YYYY-MM-DD" for expires, a project status's
// name, the number for the rest (and for a value outside the field's encoding). What the audit trail
// records and the exchange's sentences print: Command::qty's encoding (-1 for none, 1 for true) is
// nobody's to read.
std::string field_value_text(FacilityField field, std::int64_t value);
std::string field_value_text(ProjectField field, std::int64_t value);
// Sets the field; returns "" or why the value is out of range (the sold/credited floor is the
// Exchange's to check: it knows the running totals).
std::string set_field(Facility& f, FacilityField field, std::int64_t value);
std::string set_field(Project& p, ProjectField field, std::int64_t value);

// The registered entry as text, "key=value;..." in a fixed order, every field that a rule reads:
// what the ledger records at registration and compares the configuration against on every start.
std::string registry_text(const Facility& f);
std::string registry_text(const Project& p);

// How many of the market's facilities and projects are registered (a prefix); nullopt: all of them.
struct RegistryCounts {
  std::optional<std::size_t> facilities;
  std::optional<std::size_t> projects;
};

}  // namespace crix::engine
