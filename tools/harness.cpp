#include "tools/harness.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "config/market_config.hpp"

namespace crix::tools {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a directory under /tmp");
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
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
    } else if (line.rfind("working_days = ", 0) == 0) {
      line = R"(working_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])";
    } else if (line.rfind("holidays = ", 0) == 0) {
      in_holidays = line.find(']') == std::string::npos;
      line = "holidays = []";
    }
    s += line;
    s += '\n';
  }
  std::ofstream(dir.file("market.toml")) << s;
  return dir.file("market.toml");
}

namespace {
sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}
}  // namespace

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(a.sin_port);
}

bool can_connect(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in a = loopback(port);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

CrixdProcess::CrixdProcess(const std::string& binary, const ScratchDir& dir, const std::string& market,
                           const std::string& ledger, std::uint16_t port, const std::string& sync,
                           const std::vector<std::string>& extra) {
  static std::atomic<int> starts{0};
  err_ = dir.file("crixd-" + std::to_string(++starts) + ".err");
  std::vector<std::string> args = {binary, "--market", market, "--ledger", ledger, "--port", std::to_string(port),
                                   "--sync", sync, "--log-dir", dir.file("logs")};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = fork();
  if (pid_ == 0) {
    if (std::freopen(err_.c_str(), "w", stderr) == nullptr) _exit(127);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

CrixdProcess::~CrixdProcess() {
  if (pid_ > 0) stop(SIGKILL);
}

bool CrixdProcess::listening(std::uint16_t port) {
  for (int i = 0; i < 200; ++i) {
    if (can_connect(port)) return true;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int CrixdProcess::stop(int signal) {
  if (pid_ > 0) {
    if (signal != 0) kill(pid_, signal);
    waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

std::string CrixdProcess::errors() const {
  std::ifstream in(err_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

double CrixdProcess::cpu_seconds() const {
  if (pid_ <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  // Fields after the command's closing parenthesis: state is the 3rd field, utime the 14th, stime the 15th.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long long CrixdProcess::memory_kb(const std::string& field) const {
  if (pid_ <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  const std::string key = field + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) == 0) return std::stoll(line.substr(key.size()));
  }
  return -1;
}

}  // namespace crix::tools
