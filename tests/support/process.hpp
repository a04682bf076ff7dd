// crix::test processes: run() a command to completion and capture what it printed; CrixdProcess, a crixd
// child that runs while a test talks to it, with its stderr in a file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/scratch_dir.hpp"

namespace crix::test {

struct RunOptions {
  std::optional<std::string> input;  // written to the command's stdin; without it stdin is /dev/null
  std::vector<std::string> env;      // "NAME=value" entries added to (or replacing in) the environment
};

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + the signal that ended it (127: could not be started)
  std::string out;     // everything it wrote to stdout
  std::string err;     // everything it wrote to stderr
};

// Runs argv[0] (searched on PATH when it has no '/') with argv and waits for it. Throws
// std::runtime_error when it cannot fork or make its temporary files. Not for a command that outlives
// the call: see CrixdProcess.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// crixd as a child process: `crixd --market M --ledger L --port P --sync S --log-dir DIR/logs [extra]`, with
// `--http 127.0.0.1:0` (the console on a free port) unless `extra` names --http.
class CrixdProcess {
 public:
  CrixdProcess(const std::string& binary, const ScratchDir& dir, const std::string& market, const std::string& ledger,
               std::uint16_t port, const std::string& sync = "os", const std::vector<std::string>& extra = {});
  ~CrixdProcess();  // SIGKILL if still running
  CrixdProcess(const CrixdProcess&) = delete;
  CrixdProcess& operator=(const CrixdProcess&) = delete;

  // Waits up to 60 s for the port to accept; false when crixd exited or never listened.
  bool listening(std::uint16_t port);
  // Sends `signal` (0: none) and waits: the exit code, or 128 + the signal that ended it.
  int stop(int signal);
  std::string errors() const;  // what it wrote to stderr
  // What of its stderr tells why it failed: every line that is not one of its own info, warning or debug
  // log lines (a sanitizer's report, an uncaught exception's message) and its error and critical log
  // lines. A check on its exit code shows this first, before the rest can be cut off.
  std::string trouble() const;
  // Waits up to `timeout` for `text` in what it wrote to stderr; false when it never came.
  bool logged(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // A line of /proc/<pid>/status in kB, e.g. memory_kb("RssAnon"); -1 when it is not running.
  long long memory_kb(const std::string& field) const;
  // Processor time it has used so far, user plus system, in seconds; -1 when it is not running.
  double cpu_seconds() const;
  // A line of /proc/<pid>/smaps_rollup in kB, e.g. memory_rollup_kb("Private_Dirty"); -1 when it is not
  // running (a crixd that exited but is not yet waited for has no mappings: -1 too).
  long long memory_rollup_kb(const std::string& field) const;
  // Its threads' names (/proc/<pid>/task/*/comm), sorted; empty when it is not running.
  std::vector<std::string> thread_names() const;

 private:
  std::string err_;
  pid_t pid_ = -1;
  int status_ = 0;
};

}  // namespace crix::test
