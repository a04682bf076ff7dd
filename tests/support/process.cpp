#include "tests/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/ports.hpp"

extern char** environ;

namespace crix::test {

namespace {

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// An unnamed temporary file: the child's stdin, stdout or stderr. Files, not pipes, so that a command
// that writes much to both streams never blocks on a reader.
File temporary() {
  File f(std::tmpfile());
  if (!f) throw std::runtime_error("cannot create a temporary file for a command's output");
  return f;
}

std::string contents(std::FILE* f) {
  std::rewind(f);
  std::string text;
  char chunk[4096];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) text.append(chunk, n);
  return text;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run: no command");
  File in = options.input ? temporary() : File(std::fopen("/dev/null", "rb"));
  if (!in) throw std::runtime_error("cannot open /dev/null for a command's input");
  if (options.input) {
    std::fwrite(options.input->data(), 1, options.input->size(), in.get());
    std::fflush(in.get());
    std::rewind(in.get());
  }
  const File out = temporary();
  const File err = temporary();
  // Everything the child needs is built before fork(): a test may have other threads running.
  std::vector<std::string> args = argv;
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  arg_ptrs.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& add : options.env) replaced = replaced || add.substr(0, add.find('=')) == name;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), options.env.begin(), options.env.end());
  std::vector<char*> env_ptrs;
  for (std::string& e : env) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot fork to run " + argv[0]);
  if (pid == 0) {
    if (dup2(fileno(in.get()), 0) < 0 || dup2(fileno(out.get()), 1) < 0 || dup2(fileno(err.get()), 2) < 0) _exit(127);
    execvpe(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  RunResult r;
  r.exit_code = exit_code_of(status);
  r.out = contents(out.get());
  r.err = contents(err.get());
  return r;
}

CrixdProcess::CrixdProcess(const std::string& binary, const ScratchDir& dir, const std::string& market,
                           const std::string& ledger, std::uint16_t port, const std::string& sync,
                           const std::vector<std::string>& extra) {
  static std::atomic<int> starts{0};
  err_ = dir.file("crixd-" + std::to_string(++starts) + ".err");
  std::vector<std::string> args = {binary, "--market", market, "--ledger", ledger, "--port", std::to_string(port),
                                   "--sync", sync, "--log-dir", dir.file("logs")};
  args.insert(args.end(), extra.begin(), extra.end());
  // The console on any free port unless the test names one: crixd's default, 8080, is one port for
  // every crixd that runs at once. Port 0 is in the kernel's ephemeral range, which free_port() (the
  // FIX port) avoids.
  if (std::find(extra.begin(), extra.end(), "--http") == extra.end()) {
    args.insert(args.end(), {"--http", "127.0.0.1:0"});
  }
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // crixd dies with the test: a test that ends abnormally (std::terminate, a signal) runs no
    // destructor, and a crixd left running would keep ctest waiting on the output it inherited. The
    // signal follows the forking thread: every CrixdProcess is made on a test's own thread.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    const int null = open("/dev/null", O_WRONLY);
    if (null < 0 || dup2(null, 1) < 0) _exit(127);
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
  // Up to a minute: a ThreadSanitizer crixd on a loaded machine took 20 s to open a new ledger. A crixd
  // that exits ends the wait at once. Either way the test's output says why, with crixd's stderr (a
  // TSan CI run once failed here after 0.25 s and said nothing more).
  for (int i = 0; i < 1200; ++i) {
    if (can_connect(port)) return true;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      pid_ = -1;
      std::cerr << "crixd exited with code " << exit_code_of(status_) << " before listening on port " << port
                << "; its stderr:\n" << errors() << std::endl;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cerr << "crixd is not listening on port " << port << " after 60 s; its stderr:\n" << errors() << std::endl;
  return false;
}

int CrixdProcess::stop(int signal) {
  if (pid_ > 0) {
    if (signal != 0) kill(pid_, signal);
    waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  return exit_code_of(status_);
}

std::string CrixdProcess::errors() const {
  std::ifstream in(err_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string CrixdProcess::trouble() const {
  std::istringstream in(errors());
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    // crixd's log lines: "2026-12-07 11:38:58.554+08:00 warning ..." (date, time, level, message).
    std::istringstream fields(line);
    std::string date, time, level;
    fields >> date >> time >> level;
    const bool log_line =
        date.size() == 10 && date[4] == '-' && !time.empty() && std::isdigit(static_cast<unsigned char>(time[0]));
    if (log_line && (level == "info" || level == "warning" || level == "debug" || level == "trace")) continue;
    kept += line;
    kept += '\n';
  }
  return kept;
}

bool CrixdProcess::logged(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (errors().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
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

long long CrixdProcess::memory_rollup_kb(const std::string& field) const {
  if (pid_ <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/smaps_rollup");
  const std::string key = field + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) == 0) return std::stoll(line.substr(key.size()));
  }
  return -1;
}

std::vector<std::string> CrixdProcess::thread_names() const {
  std::vector<std::string> names;
  if (pid_ <= 0) return names;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task", ec)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    if (!name.empty()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace crix::test
