// crix::fix internals: SocketAcceptor, the transport under Acceptor (acceptor.cpp): QuickFIX's sessions
// over one thread per connection, as QuickFIX's ThreadedSocketAcceptor, but with the connection loop
// our own so that nothing a peer sends can end the process.
//
// Why not ThreadedSocketAcceptor: in QuickFIX 1.15.1 an exception can leave its connection thread, and
// std::terminate follows. A frame whose header does not parse before any session is found ("9=4|a=b":
// Message::setStringHeader throws InvalidMessage in Session::lookupSession), or any message before a
// Logon that QuickFIX answers with a Reject ("Tried to send a reject while not logged on", a
// std::runtime_error out of Session::generateReject: a SequenceReset going backwards, a field its
// dictionary check refuses) ended crixd. Here every call into QuickFIX on a connection's thread is
// guarded: what escapes drops that connection (the session, if it had one, ends as after a lost
// connection), is reported to `on_dropped`, and the acceptor keeps serving.
//
// Also unlike ThreadedSocketAcceptor: a plain connection's writes pass through its Outbox, where the
// Acceptor's hold gathers a group's messages (fix_api.hpp, Acceptor::hold); a write that the kernel
// takes in part goes on with the rest (its send() passes the whole length again, QuickFIX pull
// request 742); a connection is shut, never closed,
// from another thread, so its descriptor cannot be reused under the thread still reading it; and a peer
// that sends more than kMaxPending bytes without one whole FIX frame is dropped (QuickFIX's parser would
// keep them all); without TLS, a peer whose first byte starts a TLS record (a client set for TLS) is
// dropped at once, so that its handshake fails now rather than wait for logon_timeout; and a Logon
// naming no session of ours, or (starting afresh) a session connected already, is answered with a
// Logout saying so before the connection closes (attach; ThreadedSocketConnection says nothing).
//
// Against a hostile peer (Limits): a connection that has not logged on within logon_timeout is closed;
// a connection beyond max_per_address from one IPv4 address, or beyond max_connections in all, is
// closed as soon as it is accepted (both reported to `on_dropped`), so that a flood of idle connections
// cannot take every descriptor; and when accept() finds no descriptor (EMFILE, ENFILE) the finished
// connections are closed and accepting goes on once descriptors come back.
//
// FIX over TLS (use_tls()): the connection's thread handshakes first, within logon_timeout of the
// accept; a failed handshake drops the connection (`on_dropped`, OpenSSL's reason). Then the socket is
// non-blocking and the connection's SSL object is used under a per-connection mutex, held only for
// one SSL_read or SSL_write call (OpenSSL forbids two threads on one SSL object): the connection's
// thread polls and reads, send() (the exchange's threads) encrypts and writes with one send() call,
// waiting for room without the mutex. The descriptor stays the TCP socket, so fd_of() serves as for
// plain TCP.
//
// Thread rules: constructed, started and stopped by the Acceptor's owning thread (FIX::Acceptor's
// start() and stop(), which call the hooks below); accepting runs on FIX::Acceptor's start thread; each
// connection on a thread of its own; on_dropped on that connection's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/fix/quickfix.hpp"
#include "gateway/fix/tls.hpp"

namespace crix {
namespace fix {
namespace detail {

// When to give up on a client that does not read: the rule the Acceptor's wait for room and an
// outbox's flush share. The client is reading while a send takes bytes or the bytes queued on its
// socket (SIOCOUTQ) go down, even when the room made is too little for poll() to report (a third of
// the buffer); it has stalled once neither happened for `timeout`, or when ten times `timeout` has
// passed in all.
class StallWatch {
 public:
  explicit StallWatch(std::chrono::milliseconds timeout);
  void took();  // a send took bytes
  // The bytes queued on the socket now (the first look only sets where they start): false once the
  // client has stalled.
  bool reading(int queued);
  // How long poll() may wait for the next look: until the client would have stalled.
  std::chrono::milliseconds left() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds timeout_;
  Clock::time_point start_;
  Clock::time_point progress_;  // when the client last took something
  int queued_ = -1;             // at the last look; -1 before the first
};

// The bytes gathered for one plain TCP connection, written with one send() when the hold ends. Every
// write to the connection passes here (SocketAcceptor's Connection::send, under the session's lock):
// while bytes wait or are being written, a send from another thread (a heartbeat, an answer to a
// ResendRequest) joins them, so the connection's bytes leave in the order QuickFIX numbered them.
class Outbox {
 public:
  // Connection::send: true when `bytes` were gathered (this is t_outbox while t_gathering: the outbox
  // the hold registered for the session) or joined those waiting; false: nothing waits, write them
  // directly.
  bool take(const std::string& bytes);
  enum class Flushed {
    kSent,
    // The client took nothing for `timeout` (the bytes queued on the socket, SIOCOUTQ, did not go
    // down), or not all of it in ten times `timeout`.
    kStalled,
    kFailed,   // the socket failed (the client is gone)
  };
  // The hold's end (Acceptor's release(), or before it waits for room): writes what waits, and what
  // joins meanwhile, to `fd` with non-blocking send()s (one when the socket takes it all), waiting
  // for room with poll() while the client keeps reading. When not kSent the rest is dropped with the
  // connection, and later sends are written directly (and fail on the shut socket). One flusher at a
  // time (the holder, under the ledger's lock).
  Flushed flush(int fd, std::chrono::milliseconds timeout);
  // Drops what waits (the store could not keep it: it must not be sent).
  void discard();
  std::size_t waiting() const;  // bytes

 private:
  mutable std::mutex mutex_;
  std::string bytes_;
  bool flushing_ = false;
};

// The outbox Acceptor's send() gathers the current message into (with t_gathering, common.hpp): the
// session's connection's when the hold registered it. A session whose connection changed since (a
// new logon) writes directly, storing first what the thread kept (Connection::send).
extern thread_local const Outbox* t_outbox;

class SocketAcceptor final : public FIX::Acceptor {
 public:
  // The connection was dropped because of what the peer sent. `session` is the session it named (null
  // before it named one of ours), `peer` "address:port", `reason` what went wrong.
  using Dropped = std::function<void(const FIX::SessionID* session, const std::string& peer,
                                     const std::string& reason)>;

  struct Limits {
    std::chrono::milliseconds logon_timeout{10000};  // from accept to the session logged on
    std::size_t max_per_address = 16;                // open connections from one address
    std::size_t max_connections = 512;               // open connections in all
  };

  // Listens on SocketAcceptPort of the settings (every session shares one) on the address of
  // listen_on(), with SocketReuseAddress, SocketNodelay and SocketSendBufferSize applied as
  // ThreadedSocketAcceptor does. Throws FIX::ConfigError as FIX::Acceptor does.
  SocketAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                 const FIX::SessionSettings& settings, Limits limits, Dropped on_dropped);
  SocketAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                 const FIX::SessionSettings& settings, FIX::LogFactory& logs, Limits limits, Dropped on_dropped);
  ~SocketAcceptor() override;

  // FIX over TLS with `context` (tls.hpp) on every connection: each is handshaken on its own thread
  // within Limits::logon_timeout of its accept, and a handshake that fails drops it (`on_dropped`, with
  // OpenSSL's reason). Before start(); null (the default): plain TCP.
  void use_tls(TlsContext context) { tls_ = std::move(context); }
  // The IPv4 address to listen on, in network byte order (in_addr's s_addr); before start(). The
  // default, INADDR_ANY (0), is every address of the machine.
  void listen_on(std::uint32_t address) { listen_address_ = address; }
  // errno of the failed bind() or listen() when start() threw for it (EADDRINUSE: the port is taken);
  // 0 otherwise. On start()'s thread.
  int listen_error() const { return listen_error_; }

  // The descriptor of a session's connection, for send()'s look for room (acceptor.cpp); -1 when the
  // responder is not one of ours.
  static int fd_of(FIX::Responder* responder);
  // The subject common name (CN) of the client certificate a session's connection presented in its
  // TLS handshake; "" when none (or plain TCP, or not one of ours).
  static std::string peer_subject(FIX::Responder* responder);
  // A session's connection's Outbox; nullptr under TLS (its messages are written one by one) and when
  // the responder is not one of ours. It outlives the connection while held.
  static std::shared_ptr<Outbox> outbox_of(FIX::Responder* responder);

  class Connection;

 private:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
  void onInitialize(const FIX::SessionSettings& settings) throw(FIX::RuntimeError) override;
#pragma GCC diagnostic pop
  void onStart() override;
  bool onPoll(double) override { return false; }
  void onStop() override;

  void serve(Connection& connection);
  std::string read_frames(Connection& connection, std::chrono::steady_clock::time_point deadline);
  // The session `frame` names, registered to the connection; else why the connection is dropped, a
  // Logon answered first with a Logout saying so where that costs the client nothing.
  std::string attach(Connection& connection, const std::string& frame);
  std::string why_no_session(const std::string& frame) const;
  static bool logon_resets(FIX::Session& session, const std::string& frame);
  // `msg_type`: the frame's MsgType as msg_type_of() finds it.
  static bool take_in_place(FIX::Session& session, FIX::Message& header);
  bool answer_unsupported(FIX::Session& session, const std::string& frame, const std::string& msg_type);
  static bool answer_missing_header(FIX::Session& session, const std::string& frame, const std::string& msg_type,
                                    std::string& dropped);
  static bool refuse_malformed_logon(FIX::Session& session, const std::string& frame, std::string& dropped);

  struct Running {
    std::unique_ptr<Connection> connection;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void reap(bool all);
  std::string over_limit(const std::string& address) const;

  const Limits limits_;
  const Dropped on_dropped_;
  TlsContext tls_;
  std::uint32_t listen_address_ = 0;  // network byte order; 0 = INADDR_ANY
  int listener_ = -1;
  int listen_error_ = 0;
  int port_ = 0;
  bool no_delay_ = false;
  int send_buffer_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // running_
  std::list<std::unique_ptr<Running>> running_;
  std::mutex log_mutex_;  // the acceptor's QuickFIX log (a FileLog is not thread-safe)
  // A connection waiting for its session to be free wakes when another connection lets one go.
  std::mutex released_mutex_;
  std::condition_variable released_;
};

}  // namespace detail
}  // namespace fix
}  // namespace crix
