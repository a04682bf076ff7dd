#include "tests/support/scratch_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "config/market_config.hpp"
#include "gateway/password.hpp"

namespace crix::test {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const std::string& prefix, const fs::path& parent) {
  std::string tmpl = (parent / (prefix + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("cannot create a directory in " + parent.string() + ": " + std::strerror(errno));
  }
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
  fs::remove_all(path_, ignored);
}

const MarketZone& all_day_zone() {
  static const MarketZone zone = [] {
    const auto beijing_minute = (std::time(nullptr) / 60 + 480) % 1440;
    if (beijing_minute >= 60 && beijing_minute < 21 * 60) return MarketZone{"Asia/Shanghai", 480, "+08:00"};
    return MarketZone{"UTC", 0, "+00:00"};
  }();
  return zone;
}

std::string all_day_time(std::chrono::system_clock::time_point at, const char* format) {
  const std::time_t local = std::chrono::system_clock::to_time_t(at + std::chrono::minutes(all_day_zone().offset_minutes));
  std::tm tm{};
  gmtime_r(&local, &tm);
  char text[32];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

std::string all_day_market(const ScratchDir& dir) {
  const fs::path sample = config::sample_market_path().parent_path();
  for (const auto& entry : fs::directory_iterator(sample)) {
    fs::copy_file(entry.path(), dir.file(entry.path().filename().string()), fs::copy_options::overwrite_existing);
  }
  // Line by line: the keys sit at the start of their lines in [exchange]; holidays may span lines.
  std::ifstream in(dir.file("market.toml"));
  std::string s;
  bool in_holidays = false;
  for (std::string line; std::getline(in, line);) {
    if (in_holidays) {
      in_holidays = line.find(']') == std::string::npos;
      continue;
    }
    if (line.rfind("sessions = ", 0) == 0) {
      line = "sessions = [[00:00:00, 23:59:00]]";
    } else if (line.rfind("time_zone = ", 0) == 0) {
      line = "time_zone = \"" + all_day_zone().name + "\"";
    } else if (line.rfind("working_days = ", 0) == 0) {
      line = R"(working_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])";
    } else if (line.rfind("holidays = ", 0) == 0) {
      in_holidays = line.find(']') == std::string::npos;
      line = "holidays = []";
    } else if (const std::size_t said = line.find(" password: ");
               said != std::string::npos && (line.rfind("password_hash = ", 0) == 0 || line.rfind("password = ", 0) == 0)) {
      // The sample's OWASP scrypt costs ~100 ms per logon: every test logon would pay it (kTestScrypt).
      const std::string key = line.substr(0, line.find(' '));
      const std::string secret = line.substr(said + 11, line.find_first_of(" \t", said + 11) - said - 11);
      line = key + " = \"" + gateway::password_hash(secret, kTestScrypt) + "\"  # test password: " + secret;
    }
    s += line;
    s += '\n';
  }
  std::ofstream(dir.file("market.toml")) << s;
  return dir.file("market.toml");
}

}  // namespace crix::test
