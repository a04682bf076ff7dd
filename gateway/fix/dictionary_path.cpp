// default_dictionary_path() (fix_api.hpp): where FIX44-CRIX.xml is. The build copies the file to the top
// of the build tree and bakes that path and the source path in (gateway/fix/CMakeLists.txt:
// CRIX_FIX_BUILD_DICTIONARY, CRIX_FIX_SOURCE_DICTIONARY); an installation puts it next to the binaries.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gateway/fix/fix_api.hpp"

namespace crix {
namespace fix {
namespace {

constexpr const char* kFileName = "FIX44-CRIX.xml";

bool readable(const std::string& path) { return !path.empty() && ::access(path.c_str(), R_OK) == 0; }

std::string next_to_executable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  const std::string exe(buf, static_cast<std::size_t>(n));
  const std::string::size_type slash = exe.rfind('/');
  if (slash == std::string::npos) return "";
  return exe.substr(0, slash + 1) + kFileName;
}

}  // namespace

std::string default_dictionary_path() {
  // An explicit choice is returned as it is, readable or not, so that the error names it.
  if (const char* env = std::getenv("CRIX_FIX_DICTIONARY")) {
    if (*env != '\0') return env;
  }
  const std::string candidates[] = {
      next_to_executable(),
#ifdef CRIX_FIX_BUILD_DICTIONARY
      CRIX_FIX_BUILD_DICTIONARY,
#endif
#ifdef CRIX_FIX_SOURCE_DICTIONARY
      CRIX_FIX_SOURCE_DICTIONARY,
#endif
  };
  for (const std::string& path : candidates) {
    if (readable(path)) return path;
  }
  return "";
}

}  // namespace fix
}  // namespace crix
