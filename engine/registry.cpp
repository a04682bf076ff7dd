#include "engine/registry.hpp"

#include <array>
#include <cstdio>
#include <utility>

#include "engine/calendar.hpp"
#include "engine/key_values.hpp"

namespace crix::engine {

namespace {

constexpr std::int64_t kMaxCapacity = 10'000'000'000;  // as EngineSettings::max_qty and config's limit

constexpr std::array<std::pair<FacilityField, std::string_view>, 11> kFacilityFields = {{
    {FacilityField::kCapacity, "capacity"},
    {FacilityField::kMandatedCut, "mandated_cut"},
    {FacilityField::kSubsidised, "subsidised"},
    {FacilityField::kBackward, "backward"},
    {FacilityField::kZombieOwner, "zombie_owner"},
    {FacilityField::kCourtSeized, "court_seized"},
    {FacilityField::kDismantled, "dismantled"},
    {FacilityField::kUsed, "used"},
    {FacilityField::kOnInventory, "on_inventory"},
    {FacilityField::kIdleYears, "idle_years"},
    {FacilityField::kExpires, "expires"},
}};
constexpr std::array<std::pair<ProjectField, std::string_view>, 2> kProjectFields = {{
    {ProjectField::kNeed, "new_capacity"},
    {ProjectField::kStatus, "status"},
}};

// The flag a field names in `facts` (const or not), or nullptr when the field is no flag.
template <class Facts>
auto flag(Facts& e, FacilityField field) -> decltype(&e.used) {
  switch (field) {
    case FacilityField::kMandatedCut: return &e.mandated_cut;
    case FacilityField::kSubsidised: return &e.subsidised;
    case FacilityField::kBackward: return &e.backward;
    case FacilityField::kZombieOwner: return &e.zombie_owner;
    case FacilityField::kCourtSeized: return &e.court_seized;
    case FacilityField::kDismantled: return &e.dismantled;
    case FacilityField::kUsed: return &e.used;
    case FacilityField::kOnInventory: return &e.on_inventory;
    default: return nullptr;
  }
}

}  // namespace

std::string_view to_string(EliminationStatus status) {
  switch (status) {
    case EliminationStatus::kPublicised: return "publicised";
    case EliminationStatus::kConfirmed: return "confirmed";
    case EliminationStatus::kShut: return "shut";
    case EliminationStatus::kDismantled: return "dismantled";
    case EliminationStatus::kRevoked: return "revoked";
  }
  return "unknown";
}

std::optional<EliminationStatus> elimination_status(std::string_view name) {
  for (std::uint8_t s = 0; s <= static_cast<std::uint8_t>(EliminationStatus::kRevoked); ++s) {
    if (to_string(static_cast<EliminationStatus>(s)) == name) return static_cast<EliminationStatus>(s);
  }
  return std::nullopt;
}

std::string_view to_string(ProjectStatus s) {
  switch (s) {
    case ProjectStatus::kApproved: return "approved";
    case ProjectStatus::kFiled: return "filed";
    case ProjectStatus::kCompleted: return "completed";
    case ProjectStatus::kCanceled: return "canceled";
  }
  return "?";
}

std::string_view to_string(FacilityField field) {
  for (const auto& [f, name] : kFacilityFields) {
    if (f == field) return name;
  }
  return "?";
}

std::string_view to_string(ProjectField field) {
  for (const auto& [f, name] : kProjectFields) {
    if (f == field) return name;
  }
  return "?";
}

std::optional<FacilityField> facility_field(std::string_view key) {
  for (const auto& [f, name] : kFacilityFields) {
    if (name == key) return f;
  }
  return std::nullopt;
}

std::optional<ProjectField> project_field(std::string_view key) {
  for (const auto& [f, name] : kProjectFields) {
    if (name == key) return f;
  }
  return std::nullopt;
}

std::int64_t field_value(const Facility& f, FacilityField field) {
  switch (field) {
    case FacilityField::kCapacity: return f.capacity;
    case FacilityField::kIdleYears: return f.facts.idle_years;
    case FacilityField::kExpires: return f.facts.expires ? days_from_civil(*f.facts.expires) : -1;
    default: {
      const bool* b = flag(f.facts, field);
      return b != nullptr && *b ? 1 : 0;
    }
  }
}

std::int64_t field_value(const Project& p, ProjectField field) {
  return field == ProjectField::kNeed ? p.new_capacity : static_cast<std::int64_t>(p.status);
}

std::string field_value_text(FacilityField field, std::int64_t value) {
  switch (field) {
    case FacilityField::kCapacity:
    case FacilityField::kIdleYears: return std::to_string(value);
    case FacilityField::kExpires: {
      if (value == -1) return "none";
      if (value < 0 || value > 3'000'000) return std::to_string(value);  // as set_field's range
      const Date d = civil_from_days(static_cast<std::int32_t>(value));
      char text[16];
      std::snprintf(text, sizeof text, "%04d-%02d-%02d", static_cast<int>(d.year), static_cast<int>(d.month),
                    static_cast<int>(d.day));
      return text;
    }
    default: return value == 0 ? "false" : value == 1 ? "true" : std::to_string(value);
  }
}

std::string field_value_text(ProjectField field, std::int64_t value) {
  if (field == ProjectField::kStatus && value >= 0 && value <= static_cast<std::int64_t>(ProjectStatus::kCanceled)) {
    return std::string(to_string(static_cast<ProjectStatus>(value)));
  }
  return std::to_string(value);
}

std::string set_field(Facility& f, FacilityField field, std::int64_t value) {
  switch (field) {
    case FacilityField::kCapacity:
      if (value < 1 || value > kMaxCapacity) return "capacity must be 1 .. 10000000000 t";
      f.capacity = value;
      return "";
    case FacilityField::kIdleYears:
      if (value < 0 || value > 1000) return "idle_years must be 0 .. 1000";
      f.facts.idle_years = static_cast<std::uint32_t>(value);
      return "";
    case FacilityField::kExpires:
      if (value < -1 || value > 3'000'000) return "expires must be a date (days since 1970-01-01) or -1 for none";
      if (value == -1) {
        f.facts.expires.reset();
      } else {
        f.facts.expires = civil_from_days(static_cast<std::int32_t>(value));
      }
      return "";
    default: {
      bool* b = flag(f.facts, field);
      if (b == nullptr) return "no such facility field";
      if (value != 0 && value != 1) return std::string(to_string(field)) + " must be 0 (false) or 1 (true)";
      *b = value == 1;
      return "";
    }
  }
}

std::string set_field(Project& p, ProjectField field, std::int64_t value) {
  switch (field) {
    case ProjectField::kNeed:
      if (value < 1 || value > kMaxCapacity) return "new_capacity must be 1 .. 10000000000 t";
      p.new_capacity = value;
      return "";
    case ProjectField::kStatus:
      if (value < 0 || value > static_cast<std::int64_t>(ProjectStatus::kCanceled)) {
        return "status must be 0 approved, 1 filed, 2 completed or 3 canceled";
      }
      p.status = static_cast<ProjectStatus>(value);
      return "";
  }
  return "no such project field";
}

namespace {
using Fields = KeyValues;
}  // namespace

std::string registry_text(const Facility& f) {
  Fields t;
  t.add("id", f.id).add("owner", f.owner).add("industry", to_string(f.industry)).add("region", f.region);
  t.add("instrument", f.instrument).add("divisible", f.divisible ? 1 : 0).add("merger_capacity", f.merger_capacity ? 1 : 0);
  for (const auto& [field, name] : kFacilityFields) t.add(name, field_value(f, field));
  return t.take();
}

std::string registry_text(const Project& p) {
  Fields t;
  t.add("id", p.id).add("owner", p.owner).add("industry", to_string(p.industry)).add("region", p.region);
  t.add("instrument", p.instrument);
  for (const auto& [field, name] : kProjectFields) t.add(name, field_value(p, field));
  return t.take();
}

}  // namespace crix::engine
