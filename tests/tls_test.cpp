// FIX over TLS end to end: a real crixd whose market file sets the [exchange] fix_tls_* keys, real
// QuickFIX SSL initiators (crix::fix with InitiatorConfig::tls, and `crix order --tls`), and raw OpenSSL
// clients for what those would never offer (TLS 1.1, old ciphers). The certificates are made at test
// time with the openssl command in the test's scratch directory: no private key is committed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "gateway/fix/fix_api.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace std::chrono_literals;

namespace {

using crix::test::CrixdProcess;
using crix::test::FixClient;
using crix::test::RunResult;
using crix::test::ScratchDir;
using crix::test::free_port;
using crix::test::run;

const std::string kSeller = "HB-TANGSHAN-IRON";  // facility HB-BF-450
const std::string kSellerPassword = "demo-hb-tangshan-iron";
const std::string kBuyer = "TJ-BOHAI-STEEL";  // project TJ-NEW-BF-2500
const std::string kBuyerPassword = "demo-tj-bohai-steel";

struct Certificates {
  std::string ca;             // the exchange's CA: signs the server's and the client's certificates
  std::string server_cert;    // CN localhost, SAN 127.0.0.1 and localhost
  std::string server_key;
  std::string client_cert;    // CN HB-TANGSHAN-IRON, signed by `ca`
  std::string client_key;
  std::string stranger_cert;  // signed by another CA
  std::string stranger_key;
};

// `openssl req -x509` with a fresh P-256 key, valid two days; `extra` adds -CA/-subj/-addext.
void make_certificate(const std::string& key, const std::string& cert, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                   "-nodes", "-days", "2", "-keyout", key, "-out", cert};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const RunResult made = run(argv);
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
}

Certificates make_certificates(const ScratchDir& dir) {
  Certificates c;
  const auto at = [&](const char* name) { return dir.file(name); };
  c.ca = at("ca.pem");
  make_certificate(at("ca.key"), c.ca, {"-subj", "/CN=CRIX test CA"});
  const std::vector<std::string> leaf = {"-addext", "basicConstraints=critical,CA:FALSE"};
  c.server_cert = at("server.pem");
  c.server_key = at("server.key");
  std::vector<std::string> server = {"-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                                     "-CA", c.ca, "-CAkey", at("ca.key")};
  server.insert(server.end(), leaf.begin(), leaf.end());
  make_certificate(c.server_key, c.server_cert, server);
  c.client_cert = at("client.pem");
  c.client_key = at("client.key");
  std::vector<std::string> client = {"-subj", "/CN=" + kSeller, "-CA", c.ca, "-CAkey", at("ca.key")};
  client.insert(client.end(), leaf.begin(), leaf.end());
  make_certificate(c.client_key, c.client_cert, client);
  make_certificate(at("other-ca.key"), at("other-ca.pem"), {"-subj", "/CN=Another CA"});
  c.stranger_cert = at("stranger.pem");
  c.stranger_key = at("stranger.key");
  std::vector<std::string> stranger = {"-subj", "/CN=" + kSeller, "-CA", at("other-ca.pem"), "-CAkey", at("other-ca.key")};
  stranger.insert(stranger.end(), leaf.begin(), leaf.end());
  make_certificate(c.stranger_key, c.stranger_cert, stranger);
  return c;
}

// Replaces the first `text` in the market file at `path` with `with`; the text must be there.
void rewrite(const std::string& path, const std::string& text, const std::string& with) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t at = all.find(text);
  REQUIRE(at != std::string::npos);
  all.replace(at, text.size(), with);
  std::ofstream(path) << all;
}

// The all-day market with `keys` (TOML lines) at the top of its [exchange] table.
std::string market_with(const ScratchDir& dir, const std::string& keys) {
  const std::string path = crix::test::all_day_market(dir);
  rewrite(path, "[exchange]\n", "[exchange]\n" + keys);
  return path;
}

// Adds `tls_subject = "<subject>"` to participant `id`'s table of the market file at `path`.
void bind_subject(const std::string& path, const std::string& id, const std::string& subject) {
  const std::string line = "id = \"" + id + "\"\n";
  rewrite(path, line, line + "tls_subject = \"" + subject + "\"\n");
}

const std::string kTlsKeys = "fix_tls_certificate = \"server.pem\"\nfix_tls_key = \"server.key\"\n";

class Crixd : public CrixdProcess {
 public:
  Crixd(const ScratchDir& dir, const std::string& market, std::uint16_t port, const std::vector<std::string>& extra = {},
        const std::string& ledger = "crix.ledger")
      : CrixdProcess(CRIXD_BIN, dir, market, dir.file(ledger), port, "os", extra) {}
};

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the peer closes `fd` within 10 s (what it sends first is read and dropped).
bool closed_by_peer(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if (::recv(fd, buffer, sizeof buffer, 0) <= 0) return true;
  }
  return false;
}

// A raw OpenSSL client's handshake with crixd: TLS versions from 1.0 up to `max_version`, offering
// `ciphers` (TLS 1.2 and below) at security level 0, so that only the exchange's policy can refuse.
// The negotiated cipher's name, or "" when the handshake failed.
std::string handshake(std::uint16_t port, int max_version, const std::string& ciphers, const std::string& ca) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(ctx != nullptr);
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  REQUIRE(SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) == 1);
  REQUIRE(SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) == 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int fd = connect_loopback(port);
  REQUIRE(fd >= 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::string cipher;
  if (SSL_connect(ssl) == 1) cipher = SSL_get_cipher_name(ssl);
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return cipher;
}

crix::fix::OrderRequest order(const std::string& cl, char side, const std::string& account, std::int64_t qty) {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kNew;
  r.cl_ord_id = cl;
  r.symbol = "STEEL-IRON";
  r.account = account;
  r.side = side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = qty;
  r.price = 58000;
  return r;
}

FixClient::Tls tls_with(const std::string& ca, const std::string& cert = "", const std::string& key = "") {
  FixClient::Tls t;
  t.ca = ca;
  t.certificate = cert;
  t.key = key;
  return t;
}

}  // namespace

TEST_CASE("crixd over TLS: crix order --tls trades, a plain client on the TLS port is dropped while a TLS session "
          "keeps trading",
          "[tls]") {
  const ScratchDir dir;
  const Certificates certs = make_certificates(dir);
  const std::string market = market_with(dir, kTlsKeys);
  const std::uint16_t port = free_port();
  Crixd crixd(dir, market, port);
  REQUIRE(crixd.listening(port));
  CHECK(crixd.logged("FIX over TLS only (TLS 1.2+)"));

  FixClient seller(port, kSeller, kSellerPassword, 5, "", true, tls_with(certs.ca));
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(seller.fix().send(order("s-1", '2', "HB-BF-450", 300)));
  REQUIRE(seller.wait_for("s-1", '0'));

  // Plain FIX on the TLS port: the handshake fails, that connection alone is dropped, and the log names
  // the peer and OpenSSL's reason.
  const int plain = connect_loopback(port);
  REQUIRE(plain >= 0);
  const std::string logon = "8=FIX.4.4\x01" "9=5\x01" "35=A\x01" "10=000\x01";
  REQUIRE(::send(plain, logon.data(), logon.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(logon.size()));
  CHECK(closed_by_peer(plain));
  ::close(plain);
  CHECK(crixd.logged("dropped: its TLS handshake failed: wrong version number"));
  CHECK(crixd.logged("connection from 127.0.0.1:"));

  // crix order over TLS buys against the TLS seller's order; the seller hears its fill.
  const RunResult buy = run({CRIX_BIN, "order", "--as", kBuyer, "--port", std::to_string(port), "--tls", "--ca",
                             certs.ca, "--store", dir.file("store"), "buy", "STEEL-IRON", "TJ-NEW-BF-2500", "100",
                             "580.00", "--id", "b-1"},
                            {std::nullopt, {"CRIX_PASSWORD=" + kBuyerPassword}});
  INFO(buy.out << buy.err);
  CHECK(buy.exit_code == 0);
  CHECK(buy.out.find("(b-1) fill: 100 t at 580.00") != std::string::npos);
  CHECK(buy.out.find("Certificate") == std::string::npos);  // nothing of QuickFIX's verify callback
  CHECK(seller.wait_for("s-1", 'F'));
  CHECK(seller.fix().logged_on());

  // Without --tls crix order is told what may be wrong; with a CA that did not sign the exchange's
  // certificate it is refused in the handshake, saying so.
  const RunResult untold = run({CRIX_BIN, "order", "--as", kBuyer, "--port", std::to_string(port), "--store",
                                dir.file("store"), "orders"},
                               {std::nullopt, {"CRIX_PASSWORD=" + kBuyerPassword}});
  CHECK(untold.exit_code == 1);
  CHECK(untold.err.find("Does it take FIX over TLS only? (then give --tls)") != std::string::npos);
  const RunResult untrusted = run({CRIX_BIN, "order", "--as", kBuyer, "--port", std::to_string(port), "--tls", "--ca",
                                   dir.file("other-ca.pem"), "--store", dir.file("store"), "orders"},
                                  {std::nullopt, {"CRIX_PASSWORD=" + kBuyerPassword}});
  CHECK(untrusted.exit_code == 1);
  CHECK(untrusted.err.find("the TLS handshake with 127.0.0.1:" + std::to_string(port) +
                           " failed: certificate verify failed") != std::string::npos);
  const RunResult no_file = run({CRIX_BIN, "order", "--as", kBuyer, "--port", std::to_string(port), "--tls", "--ca",
                                 dir.file("nowhere.pem"), "orders"},
                                {std::nullopt, {"CRIX_PASSWORD=" + kBuyerPassword}});
  CHECK(no_file.exit_code == 2);
  CHECK(no_file.err.find("--ca: " + dir.file("nowhere.pem") + " cannot be read") != std::string::npos);
  seller.stop();
  CHECK(crixd.stop(SIGTERM) == 0);
}

TEST_CASE("crixd over TLS refuses TLS 1.1 and ciphers without forward secrecy or AEAD", "[tls]") {
  const ScratchDir dir;
  const Certificates certs = make_certificates(dir);
  const std::string market = market_with(dir, kTlsKeys);
  const std::uint16_t port = free_port();
  Crixd crixd(dir, market, port);
  REQUIRE(crixd.listening(port));
  // The same client that fails below succeeds with TLS 1.2 and ECDHE with AES-GCM...
  const std::string modern = handshake(port, TLS1_2_VERSION, "ALL:@SECLEVEL=0", certs.ca);
  CHECK(modern.find("ECDHE") == 0);
  CHECK(modern.find("GCM") != std::string::npos);
  CHECK(!handshake(port, TLS1_3_VERSION, "ALL:@SECLEVEL=0", certs.ca).empty());
  // ... and is refused TLS 1.1, and TLS 1.2 with RSA key exchange or CBC.
  CHECK(handshake(port, TLS1_1_VERSION, "ALL:@SECLEVEL=0", certs.ca).empty());
  CHECK(crixd.logged("its TLS handshake failed: unsupported protocol"));
  CHECK(handshake(port, TLS1_2_VERSION, "AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", certs.ca).empty());
  CHECK(crixd.logged("its TLS handshake failed: no shared cipher"));
  CHECK(crixd.stop(SIGTERM) == 0);
}

TEST_CASE("crixd with fix_tls_client_ca: a client without a certificate, or with one of another CA, is refused, one "
          "signed by the CA logs on, as the participant its tls_subject names only",
          "[tls]") {
  const ScratchDir dir;
  const Certificates certs = make_certificates(dir);
  const std::string market = market_with(dir, kTlsKeys + "fix_tls_client_ca = \"ca.pem\"\n");
  bind_subject(market, kSeller, kSeller);
  bind_subject(market, kBuyer, kBuyer);
  const std::uint16_t port = free_port();
  Crixd crixd(dir, market, port);
  REQUIRE(crixd.listening(port));
  CHECK(crixd.logged("clients must present a certificate signed by"));
  {
    FixClient bare(port, kSeller, kSellerPassword, 5, "", true, tls_with(certs.ca));
    CHECK_FALSE(bare.fix().wait_logged_on(5000));
    CHECK(crixd.logged("its TLS handshake failed: peer did not return a certificate"));
  }
  {
    FixClient stranger(port, kSeller, kSellerPassword, 5, "", true,
                       tls_with(certs.ca, certs.stranger_cert, certs.stranger_key));
    CHECK_FALSE(stranger.fix().wait_logged_on(5000));
    CHECK(crixd.logged("its TLS handshake failed: certificate verify failed"));
  }
  {
    // The seller's certificate (CN HB-TANGSHAN-IRON), signed by the CA, does not make its holder the buyer.
    FixClient impostor(port, kBuyer, kBuyerPassword, 5, "", true, tls_with(certs.ca, certs.client_cert, certs.client_key));
    CHECK_FALSE(impostor.fix().wait_logged_on(5000));
    CHECK(impostor.fix().logout_text() == "this connection's client certificate is for 'HB-TANGSHAN-IRON', not "
                                          "TJ-BOHAI-STEEL's (subject CN 'TJ-BOHAI-STEEL')");
  }
  FixClient member(port, kSeller, kSellerPassword, 5, "", true, tls_with(certs.ca, certs.client_cert, certs.client_key));
  REQUIRE(member.fix().wait_logged_on(5000));
  REQUIRE(member.fix().send(order("s-1", '2', "HB-BF-450", 300)));
  CHECK(member.wait_for("s-1", '0'));
  member.stop();
  CHECK(crixd.stop(SIGTERM) == 0);
}

TEST_CASE("crixd's console over HTTPS: crix admin --ca trusts the exchange's certificate, and says what is wrong "
          "with another CA, another host name or the wrong scheme",
          "[tls]") {
  const ScratchDir dir;
  const Certificates certs = make_certificates(dir);
  const std::string market = market_with(dir, "");
  rewrite(market, "# tls_cert = \"console-cert.pem\"\n# tls_key = \"console-key.pem\"\n",
          "tls_cert = \"server.pem\"\ntls_key = \"server.key\"\n");
  const std::uint16_t port = free_port(), http_port = free_port();
  const std::string address = "127.0.0.1:" + std::to_string(http_port);
  // On every address (HTTPS may leave loopback), so that 127.0.0.2 reaches it too.
  Crixd crixd(dir, market, port, {"--http", "0.0.0.0:" + std::to_string(http_port)});
  REQUIRE(crixd.listening(port));
  const auto admin = [&](const std::string& url, const std::vector<std::string>& more) {
    std::vector<std::string> argv = {CRIX_BIN, "admin", "--url", url};
    argv.insert(argv.end(), more.begin(), more.end());
    argv.push_back("instruments");
    return run(argv, {std::nullopt, {"CRIX_TOKEN=crix-sample-operator-token"}});
  };
  // The exchange's certificate names 127.0.0.1 and localhost, signed by the CA given with --ca.
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const RunResult ok = admin("https://" + host + ":" + std::to_string(http_port), {"--ca", certs.ca});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("STEEL-IRON") != std::string::npos);
  }
  const RunResult untrusted = admin("https://" + address, {"--ca", dir.file("other-ca.pem")});
  CHECK(untrusted.exit_code == 1);
  CHECK(untrusted.err.find("crix admin: the TLS handshake with " + address +
                           " failed: certificate verify failed: the console's certificate is not signed by a CA this "
                           "command trusts (give the CA with --ca FILE), or does not name 127.0.0.1") !=
        std::string::npos);
  // The certificate does not name 127.0.0.2 (also loopback, also this crixd).
  const RunResult stranger = admin("https://127.0.0.2:" + std::to_string(http_port), {"--ca", certs.ca});
  CHECK(stranger.exit_code == 1);
  CHECK(stranger.err.find("certificate verify failed: the console's certificate is not signed by a CA this command "
                          "trusts (give the CA with --ca FILE), or does not name 127.0.0.2") != std::string::npos);
  // Plain HTTP to the HTTPS console: crixd drops the connection; the message says which scheme to try.
  const RunResult plain = admin("http://" + address, {});
  CHECK(plain.exit_code == 1);
  CHECK(plain.err.find("crix admin: crixd at http://" + address + " closed the connection without an answer: if its "
                       "console serves HTTPS, use https://" + address) != std::string::npos);
  CHECK(crixd.stop(SIGTERM) == 0);
}

TEST_CASE("crixd refuses plain FIX on a host that is not a loopback address unless fix_plain_on_network = true",
          "[tls]") {
  const ScratchDir dir;
  const Certificates certs = make_certificates(dir);
  const std::string plain = market_with(dir, "");
  const RunResult refused = run({"timeout", "20", CRIXD_BIN, "--market", plain, "--ledger", dir.file("a.ledger"),
                                 "--host", "0.0.0.0", "--port", std::to_string(free_port()), "--log-dir",
                                 dir.file("logs-a"), "--http", "127.0.0.1:0"});
  CHECK(refused.exit_code == 1);
  CHECK((refused.out + refused.err)
            .find("plain FIX is served only on a loopback address, not 0.0.0.0: set [exchange] fix_tls_certificate "
                  "and fix_tls_key (PEM files) in the market file for FIX over TLS, or [exchange] "
                  "fix_plain_on_network = true") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("a.ledger")));  // refused before the ledger was made
  {
    market_with(dir, "fix_plain_on_network = true\n");
    const std::uint16_t port = free_port();
    Crixd allowed(dir, plain, port, {"--host", "0.0.0.0"}, "b.ledger");
    REQUIRE(allowed.listening(port));
    CHECK(allowed.stop(SIGTERM) == 0);
  }
  market_with(dir, kTlsKeys);
  const std::uint16_t port = free_port();
  Crixd tls(dir, plain, port, {"--host", "0.0.0.0"}, "c.ledger");
  REQUIRE(tls.listening(port));
  FixClient seller(port, kSeller, kSellerPassword, 5, "", true, tls_with(certs.ca));
  CHECK(seller.fix().wait_logged_on(5000));
  seller.stop();
  CHECK(tls.stop(SIGTERM) == 0);
}

TEST_CASE("crix config check and crixd agree on every FIX TLS key", "[tls][config]") {
  const ScratchDir dir;
  make_certificates(dir);
  const std::string folder = dir.path().string() + "/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fix_tls_key = \"server.key\"\n", "exchange.fix_tls_key: needs fix_tls_certificate"},
      {"fix_tls_certificate = \"server.pem\"\n", "exchange.fix_tls_certificate: needs fix_tls_key"},
      {"fix_tls_client_ca = \"ca.pem\"\n", "exchange.fix_tls_client_ca: needs fix_tls_certificate and fix_tls_key"},
      {"fix_tls_certificate = \"nowhere.pem\"\nfix_tls_key = \"server.key\"\n",
       "exchange.fix_tls_certificate: " + folder + "nowhere.pem cannot be read (No such file or directory)"},
      {"fix_tls_certificate = \"rules-2021.toml\"\nfix_tls_key = \"server.key\"\n",
       "exchange.fix_tls_certificate: " + folder + "rules-2021.toml is not a PEM certificate chain"},
      {"fix_tls_certificate = \"server.pem\"\nfix_tls_key = \"client.key\"\n",
       "exchange.fix_tls_key: " + folder + "client.key is not the private key of " + folder + "server.pem"},
      {kTlsKeys + "fix_tls_client_ca = \"server.key\"\n",
       "exchange.fix_tls_client_ca: " + folder + "server.key holds no PEM CA certificate"},
      {kTlsKeys + "fix_plain_on_network = true\n",
       "exchange.fix_plain_on_network: is true, but with fix_tls_certificate FIX is TLS only"},
      {"fix_plain_on_network = \"yes\"\n", "exchange.fix_plain_on_network: must be true or false"},
      {kTlsKeys + "#subject\n", "tls_subject: needs [exchange] fix_tls_client_ca"},
  };
  for (const auto& [keys, said] : cases) {
    INFO(keys);
    const std::string market = market_with(dir, keys);
    if (keys.find("#subject") != std::string::npos) bind_subject(market, kSeller, kSeller);
    const RunResult checked = run({CRIX_BIN, "config", "check", market});
    CHECK(checked.exit_code == 1);
    CHECK((checked.out + checked.err).find(said) != std::string::npos);
    const RunResult started = run({"timeout", "20", CRIXD_BIN, "--market", market, "--ledger", dir.file("x.ledger"),
                                   "--port", std::to_string(free_port()), "--log-dir", dir.file("logs"), "--http",
                                   "127.0.0.1:0"});
    CHECK(started.exit_code == 1);
    CHECK((started.out + started.err).find(said) != std::string::npos);
  }
  const RunResult good = run({CRIX_BIN, "config", "check", market_with(dir, kTlsKeys + "fix_tls_client_ca = \"ca.pem\"\n")});
  INFO(good.out << good.err);
  CHECK(good.exit_code == 0);
}
