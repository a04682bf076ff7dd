// crix::test::ScratchDir: a fresh directory for one test or benchmark run, removed with everything in it.
// all_day_market(): the sample market copied into one, open all day on every day, so that a run against
// a real crixd does not depend on the hour.
#pragma once

#include <filesystem>
#include <string>

#include "gateway/password.hpp"

namespace crix::test {

class ScratchDir {
 public:
  // `parent`/`prefix`-XXXXXX (mkdtemp); throws std::runtime_error when it cannot be made.
  explicit ScratchDir(const std::string& prefix = "crix", const std::filesystem::path& parent = "/tmp");
  // Removes the directory and its contents, restoring the owner's permissions on it first (a test may
  // have made it unwritable); errors are ignored.
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Copies the sample market into `dir` with one session 00:00-23:59 on all seven days and no holidays,
// its passwords (the same ones) hashed with kTestScrypt; returns the market file's path.
std::string all_day_market(const ScratchDir& dir);

// The cheap scrypt parameters of test market files: at the floor (ln=10) with r=p=1, about a millisecond a
// check, so the suite's many logons keep CI fast. Never for a real market.
inline constexpr gateway::ScryptParams kTestScrypt{10, 1, 1};

}  // namespace crix::test
