// libFuzzer target: bytes as one HTTP request to the console (crix::http::Server::answer_bytes): Beast's
// parser with the server's limits, then authorization (bearer tokens, session cookies), routing,
// query parameters and %-escapes, the JSON bodies of login and the operator actions, the ledger
// queries (on an empty ledger of the sample market) and the static files (the repository's
// web/console, with traversal attempts). Every answer is fine; an exception escaping the server, a
// crash or undefined behaviour is a finding (on a real connection it would end the console's thread).
#include <stdlib.h>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "config/market_config.hpp"
#include "gateway/http/link.hpp"
#include "gateway/http/server.hpp"
#include "ledger/writer.hpp"

namespace {

using namespace crix;

// A quiet exchange: fixed views, every action accepted at once, the ledger empty.
class QuietLink : public http::Link {
 public:
  explicit QuietLink(const ledger::Writer& writer) : writer_(writer) {}
  http::StatusView status() const override { return {}; }
  http::MetricsView metrics() const override { return {}; }
  std::vector<http::InstrumentView> instruments() const override { return {}; }
  std::optional<http::BookView> book(std::string_view, std::size_t, bool) const override { return std::nullopt; }
  std::vector<http::TradeView> recent_trades(std::size_t) const override { return {}; }
  std::vector<http::BlockView> blocks() const override { return {}; }
  std::vector<http::AuctionView> auctions() const override { return {}; }
  std::vector<http::SessionView> sessions() const override { return {}; }
  std::vector<http::ParticipantView> participants() const override { return {}; }
  ledger::Reader reader() const override { return writer_.reader(); }
  void submit(const engine::Command&, const std::string&, std::function<void(const http::ActionResult&)> done) override {
    done(http::ActionResult{true, 1, "", ""});
  }
  std::uint64_t subscribe(FeedHandler, std::string& snapshot) override {
    snapshot = "{}";
    return 1;
  }
  void unsubscribe(std::uint64_t) override {}

 private:
  const ledger::Writer& writer_;
};

// The sample market, or the end of the run with the loader's errors: a sample this build cannot load
// (say a key added by a newer checkout) is no finding of the server's.
config::LoadResult sample_or_abort() {
  config::LoadResult r = config::load_market(config::sample_market_path());
  if (!r.market) {
    std::fprintf(stderr, "fuzz_http_request: the sample market %s does not load:\n",
                 config::sample_market_path().c_str());
    for (const config::ConfigError& e : r.errors) std::fprintf(stderr, "  %s\n", config::format(e).c_str());
    abort();
  }
  return r;
}

struct World {
  config::LoadResult market = sample_or_abort();
  std::string dir = [] {
    char tmpl[] = "/tmp/crix-fuzz-http-XXXXXX";
    const char* made = mkdtemp(tmpl);
    if (made == nullptr) abort();
    return std::string(made);
  }();
  ledger::Writer writer{dir + "/ledger", *market.market};
  QuietLink link{writer};
  http::Server server{link, market.console, [this] {
                        http::ServerOptions o;
                        o.port = 0;
                        o.web_root = CRIX_WEB_ROOT;
                        o.market = *market.market;
                        return o;
                      }()};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World;  // never destroyed: libFuzzer exits without unwinding
  world->server.answer_bytes(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
