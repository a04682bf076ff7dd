// libFuzzer target: bytes as stored ledger values, through the record decoders the readers and verify
// use (ledger/store.hpp load(), then ledger/records.hpp decode()). The first byte picks the record kind;
// the rest is the stored value. A damaged value must be refused with ledger::Error (a size that is not
// the record's, a version or kind this build does not know, a bad magic) or decoded into something;
// a crash, another exception or undefined behaviour (an enum cast out of range, say) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include <lmdb.h>

#include "ledger/error.hpp"
#include "ledger/records.hpp"
#include "ledger/store.hpp"

namespace {

using namespace crix::ledger;

template <class R>
void decode_stored(const MDB_val& value) {
  (void)decode(detail::load<R>(value, "fuzz", "fuzz"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  MDB_val value{size - 1, const_cast<std::uint8_t*>(data + 1)};
  try {
    switch (data[0] % 10) {
      case 0: decode_stored<TradeRecord>(value); break;
      case 1: decode_stored<JournalRecord>(value); break;
      case 2: decode_stored<FacilityRecord>(value); break;
      case 3: decode_stored<ProjectRecord>(value); break;
      case 4: decode_stored<RegionRecord>(value); break;
      case 5: decode_stored<ParticipantRecord>(value); break;
      case 6: decode_stored<InstrumentRecord>(value); break;
      case 7: decode_stored<EliminationRecord>(value); break;
      case 8: decode_stored<DailyRecord>(value); break;
      default: decode_stored<MetaRecord>(value); break;
    }
  } catch (const Error&) {
  }
  return 0;
}
