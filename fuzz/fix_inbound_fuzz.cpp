// libFuzzer target: raw bytes as one FIX message, through the check every frame a peer sends gets
// (fix_frame.hpp): the FIX log's masking, QuickFIX's parser and dictionary check (FIX44-CRIX.xml, the
// checks crixd's sessions make) and then our dialect's decoding of every message type either side
// receives. fuzz_fix_tls runs the same check on the frames that come out of a TLS connection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fix_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  crix::fuzz::check_fix_frame(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
