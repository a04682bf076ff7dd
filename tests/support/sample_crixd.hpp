// crix::test sample crixd, for Catch2 tests (it REQUIREs and CHECKs as it goes; benchmarks use
// CrixdProcess and FixClient directly): SampleCrixd, a crixd child on the all-day sample market with a
// fresh ledger; SampleClient, a participant's FIX session to it with the sample's demo password.
//
// Threads: the test's (SampleClient's handler methods run on QuickFIX's threads, as FixClient's).
#pragma once

#include <signal.h>

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/fix_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace crix::test {

// The sample market's password of a participant: "demo-" and its id in lower case.
std::string demo_password(const std::string& participant);

// The all-day sample (all_day_market) and a fresh ledger in a scratch directory `prefix`-XXXXXX, and a
// free port; the crixd and crix binaries. crixd runs from start() to stop(), so that a test may first
// prepare the stopped ledger (`crix operator`) and may restart it.
struct SampleCrixd {
  SampleCrixd(std::string crixd_binary, std::string crix_binary, const std::string& prefix);

  void start();                     // REQUIREs it to listen on `port`
  void stop(int signal = SIGTERM);  // CHECKs its exit: 0, or 128 + SIGKILL after a SIGKILL
  std::string trades() const;       // what `crix ledger trades` prints of the ledger (CHECKs exit 0)

  const std::string crixd_bin;
  const std::string crix_bin;
  const ScratchDir dir;
  const std::string market = all_day_market(dir);
  const std::string ledger = dir.file("crix.ledger");
  const std::uint16_t port = free_port();
  std::unique_ptr<CrixdProcess> crixd;
};

// Participant `participant`'s FIX session to 127.0.0.1:`port` with its demo password (heartbeat 5 s,
// sequence numbers reset at every Logon), REQUIREd to log on within 5 s; stopped at destruction.
// Final: the session starts in its constructor, which FixClient allows only the most derived class
// (QuickFIX's thread may call the handler at once). A test's own helpers take it as an argument.
class SampleClient final : public FixClient {
 public:
  SampleClient(std::uint16_t port, const std::string& participant);
  ~SampleClient() override;
};

}  // namespace crix::test
