// libFuzzer target: bytes as a market file, through config::load_market (toml++ and our validation).
// Whatever the bytes, the loader answers with a Market or with errors naming the key; a crash, an
// exception out of load_market or undefined behaviour is a finding. So is a market the loader accepts
// and the Exchange then refuses (its constructor throws on references it cannot resolve): crixd would
// stop at start on a file `crix config check` passed. The file is written to a private
// directory because the loader reads a path; the sample's rules files are copied beside it, so a
// market naming them (as the seed does) reaches the rules' loader too.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"

namespace {

const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("crix-fuzz-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    for (const auto& entry : std::filesystem::directory_iterator(crix::config::sample_market_path().parent_path())) {
      if (entry.path().filename() != "market.toml") {
        std::filesystem::copy_file(entry.path(), d / entry.path().filename(),
                                   std::filesystem::copy_options::overwrite_existing);
      }
    }
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = scratch() / "market.toml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const crix::config::LoadResult result = crix::config::load_market(file);
  if (result.market) {
    (void)crix::config::summary(*result.market);
    try {
      const crix::engine::Exchange exchange(*result.market);
    } catch (const std::invalid_argument&) {
      __builtin_trap();
    }
  }
  for (const auto& e : result.errors) (void)crix::config::format(e);
  return 0;
}
