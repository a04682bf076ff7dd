// The check every FIX frame a peer sends gets in the fuzz targets (fuzz_fix_inbound, fuzz_fix_tls):
// the FIX log's masking (masked_log.hpp), QuickFIX's parser and dictionary check (FIX44-CRIX.xml with
// the checks crixd's sessions make), then our dialect's decoding of every message type either side
// receives. Each step either takes the frame or refuses it with the exception it documents
// (FIX::Exception from QuickFIX: the session answers with a Reject or drops the connection;
// detail::FieldError from our decoding: a Reject naming the field); a broken masking invariant traps.
// Anything else, a crash or undefined behaviour (ASan, UBSan), is a finding.
//
// Not thread-safe (a fuzz target is one thread). C++14, like crix::fix.
#pragma once

#include <string>

namespace crix {
namespace fuzz {

void check_fix_frame(const std::string& frame);

}  // namespace fuzz
}  // namespace crix
