// crix::http::Server: the operator and regulator console's HTTP/1.1 and WebSocket server (docs/API.md),
// over Boost.Beast. It reads the running exchange through a Link (link.hpp) and sends operator commands
// through Link::submit; it serves the web console's static files from `web_root`.
//
// Security: plain HTTP only on a loopback address; with `[console] tls_cert` and `tls_key` it serves
// HTTPS only (TLS 1.2 or later). Users log in with a password (cookie session, 12 h, in memory) or
// scripts send `Authorization: Bearer <token>`; every endpoint checks the caller's role.
//
// Limits: request header 8 KiB (431), body 64 KiB (413), 256 connections and 32 per client address
// (429, then close), 30 s idle; malformed HTTP gets 400 and the connection closes. A WebSocket feed
// client whose unsent updates pass 4 MiB or 10,000 messages is closed with 1008.
//
// Thread rules: construct, start() and stop() from one thread. The server runs on its own threads
// (`threads`, one by default) and runs the ledger's queries on `query_threads` more; Link callbacks
// only copy and post to them. The Link must outlive the Server, and Link::reader() must be callable
// from any thread. Errors: the constructor throws std::runtime_error saying what to do (plain HTTP on a
// non-loopback address, unreadable TLS files, an address that cannot be bound).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/market_config.hpp"
#include "engine/market.hpp"
#include "gateway/http/link.hpp"
#include "gateway/logon_guard.hpp"

namespace crix::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (port() says which)
  std::string web_root;       // the web console's files (web/console/); "" = none
  std::int32_t utc_offset_minutes = 480;  // the market's zone, for the "time_text" fields
  engine::Market market;      // resolves the names in operator actions (symbols, participants, ...)
  unsigned threads = 1;        // connections, the live views, the feed and the actions
  unsigned query_threads = 2;  // the ledger's queries (/api/v1/ledger/...)
  gateway::LogonLimits logins;  // failed logins' back-off and lockout (those of FIX logons)
};

class Server {
 public:
  // Binds and listens at once (so port() is known); serves after start().
  Server(Link& link, const config::Console& console, ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();
  // Closes the listener and every connection (feed clients are unsubscribed) and joins the threads.
  void stop();
  std::uint16_t port() const;
  bool tls() const;

  // Answers `bytes` as a connection's first request (Beast's parser with the server's limits, then
  // authorization and routing) without a socket, and returns the status; 0 when the bytes are not
  // one complete request or ask for the WebSocket feed. For the fuzz target (fuzz/http_request_fuzz.cpp):
  // the server need not be started; actions reach the Link, ledger queries its reader().
  unsigned answer_bytes(std::string_view bytes);

  struct Impl;  // server.cpp's, named here so that its connection classes can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace crix::http
