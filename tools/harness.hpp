// crix::tools harness: what tests and benchmarks need to run a real crixd: a scratch directory, the
// sample market open all day on every day (so that a run does not depend on the hour), a free
// loopback port, and a crixd child process with its stderr in a file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace crix::tools {

// A fresh directory under /tmp, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "crix");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Copies the sample market into `dir` with one session 00:00-23:59 on all seven days and no holidays;
// returns the market file's path.
std::string all_day_market(const ScratchDir& dir);

std::uint16_t free_port();                 // a loopback port nobody listens on now
bool can_connect(std::uint16_t port);      // somebody accepts on 127.0.0.1:port

// crixd as a child process: `crixd --market M --ledger L --port P --sync S --log-dir DIR/logs [extra]`.
class CrixdProcess {
 public:
  CrixdProcess(const std::string& binary, const ScratchDir& dir, const std::string& market, const std::string& ledger,
               std::uint16_t port, const std::string& sync = "os", const std::vector<std::string>& extra = {});
  ~CrixdProcess();  // SIGKILL if still running
  CrixdProcess(const CrixdProcess&) = delete;
  CrixdProcess& operator=(const CrixdProcess&) = delete;

  // Waits up to 10 s for the port to accept; false when crixd exited or never listened.
  bool listening(std::uint16_t port);
  // Sends `signal` (0: none) and waits: the exit code, or 128 + the signal that ended it.
  int stop(int signal);
  std::string errors() const;  // what it wrote to stderr
  // A line of /proc/<pid>/status in kB, e.g. memory_kb("RssAnon"); -1 when it is not running.
  long long memory_kb(const std::string& field) const;
  // Processor time it has used so far, user plus system, in seconds; -1 when it is not running.
  double cpu_seconds() const;

 private:
  std::string err_;
  pid_t pid_ = -1;
  int status_ = 0;
};

}  // namespace crix::tools
