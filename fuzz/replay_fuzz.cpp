// libFuzzer target: bytes as a `crix replay` command stream, through the line parser and a one-instrument
// engine (tools/replay.hpp). A malformed line ends the replay with exit code 1 and its reason; values
// the engine refuses are counted. A crash, an exception or undefined behaviour is a finding. Small pools,
// so that running out of order slots is reached too.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "tools/replay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out, err;
  crix::tools::ReplayOptions options;
  options.max_orders = 64;
  options.max_levels = 16;
  crix::tools::ReplaySummary summary;
  const int code = crix::tools::run_replay(in, out, err, options, &summary);
  if (code != 0 && code != 1) __builtin_trap();  // run_replay documents 0 or 1
  return 0;
}
