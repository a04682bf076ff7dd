// crix::ledger market texts: what of the market file, beyond facilities and projects
// (engine::registry_text), the exchange reads when it replays a ledger's journal, as "key=value;..."
// text in a fixed order. The writer records each at registration (the `registrations` table) and on
// every start compares the market file against it, naming the entry and field that differ: a journal
// replays exactly only through the market it ran under (DESIGN.md, Registry).
//
// Plain functions; standard library and engine/ only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/market.hpp"

namespace crix::ledger {

inline constexpr std::int32_t kNoDay = 2147483647;  // no limit for holidays_text

// Every field the exchange reads of a participant: region, group, sides, instruments, status. The
// status is the one field a start may change (as journaled kSuspend / kReinstate commands).
std::string participant_text(const engine::Participant& p);
// code, industry, tick, lot, band, reference price, the listed maximum when set (the unit is a label
// and may change).
std::string instrument_text(const engine::Instrument& i);
// code, class, province, and per industry the cap and the capacity; over-target.
std::string region_text(const engine::Region& r);
// The exchange's settings the exchange reads, holidays aside (holidays()): zone offset, sessions,
// working days, pool sizes, publicity and dismantling periods, the idle-years limit.
std::string calendar_text(const engine::Market& m);
// The ratio and transfer tables, rule by rule.
std::string rules_text(const engine::Market& m);
// The holidays as "YYYY-MM-DD,...", ascending; those after `after_day` (days since 1970-01-01) left
// out when it is given (a holiday the journal has not reached yet may change freely).
std::string holidays_text(const std::vector<engine::Date>& holidays, std::int32_t after_day = kNoDay);

// The first field (in order) in which two texts differ, as "registered k=v, configured k=w"; "" when
// they are equal. `skip` names a key left out of the comparison ("" for none).
std::string first_difference(const std::string& registered, const std::string& configured,
                             const std::string& skip = "");
// The value of `key` in a text, or "" when absent.
std::string field_of(const std::string& text, const std::string& key);

}  // namespace crix::ledger
