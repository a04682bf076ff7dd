// crix::ledger errors: one exception type with a kind a caller can act on and a message a person can.
//
// Every message names what failed, the ledger's path when there is one, and what to do about it, e.g.
// "ledger /var/lib/crix/ledger.mdb is already open for writing by process 4711 (lock file
// /var/lib/crix/ledger.mdb-writer); stop that process before starting another writer".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace crix::ledger {

enum class ErrorKind : std::uint8_t {
  kInvalidBatch = 0,  // the batch breaks a ledger rule (gap in ids, unknown facility, ...): nothing was
                      // written and the writer stays usable
  kLocked = 1,        // another writer holds the ledger
  kNotFound = 2,      // no ledger (or no directory) at the path
  kPermission = 3,    // the path or its directory is not writable / readable, or on a read-only filesystem
  kIncompatible = 4,  // not a CRIX ledger, a schema or record version this build does not read, or a
                      // registry that does not match the market
  kCorrupt = 5,       // a stored record cannot be decoded (verify() says more)
  kStorage = 6,       // LMDB or the operating system failed (disk full, I/O error, map limit reached)
  kStopped = 7,       // the writer refused the commit because an earlier commit failed
};
std::string_view to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace crix::ledger
