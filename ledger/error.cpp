#include "ledger/error.hpp"

namespace crix::ledger {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidBatch:
      return "invalid batch";
    case ErrorKind::kLocked:
      return "locked";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kPermission:
      return "permission";
    case ErrorKind::kIncompatible:
      return "incompatible";
    case ErrorKind::kCorrupt:
      return "corrupt";
    case ErrorKind::kStorage:
      return "storage";
    case ErrorKind::kStopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace crix::ledger
