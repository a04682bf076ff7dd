#include "tests/support/sample_crixd.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <utility>

namespace crix::test {

std::string demo_password(const std::string& participant) {
  std::string p = "demo-" + participant;
  for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return p;
}

SampleCrixd::SampleCrixd(std::string crixd_binary, std::string crix_binary, const std::string& prefix)
    : crixd_bin(std::move(crixd_binary)), crix_bin(std::move(crix_binary)), dir(prefix) {}

void SampleCrixd::start() {
  crixd = std::make_unique<CrixdProcess>(crixd_bin, dir, market, ledger, port, "os");
  REQUIRE(crixd->listening(port));
}

void SampleCrixd::stop(int signal) {
  INFO(crixd->errors());
  CHECK(crixd->stop(signal) == (signal == SIGKILL ? 128 + SIGKILL : 0));
}

std::string SampleCrixd::trades() const {
  const RunResult r = run({crix_bin, "ledger", "trades", ledger});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  return r.out;
}

SampleClient::SampleClient(std::uint16_t port, const std::string& participant)
    : FixClient(port, participant, demo_password(participant), 5, "", true) {
  REQUIRE(fix().wait_logged_on(5000));
}

SampleClient::~SampleClient() { stop(); }

}  // namespace crix::test
