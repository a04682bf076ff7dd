// crix::fix::Acceptor (fix_api.hpp): the exchange's sessions, one thread per connection
// (socket_acceptor.hpp, our transport under QuickFIX's sessions).
//
// Why a thread per connection (as QuickFIX's ThreadedSocketAcceptor) rather than SocketAcceptor's one
// poll thread:
//  - outbound, the exchange's hot path: send() encodes on the caller's thread and writes the frame with
//    one send() system call (in a hold, a session's later frames are gathered and written with one
//    send() at its release: fix_api.hpp, hold()). SocketAcceptor queues each frame, probes the socket
//    with select(), writes, and wakes its poll thread through a pipe: three more system calls and a
//    thread wake-up for every execution report, at 40,000 orders/s the larger part of a core;
//  - inbound, each session parses, checks against the dictionary and translates on its own thread, so
//    sessions use both cores, and a session that floods, stalls or sends garbage never delays another
//    (SocketAcceptor waits up to a second, on its only thread, for the rest of a new connection's
//    first message);
//  - the cost: a thread per connected participant (tens, not thousands), and a send() for a session
//    whose client stops reading would block once the kernel's buffers for that connection are full.
//    send() first waits for room while the client reads, and drops the connection when the client
//    takes nothing for AcceptorConfig::send_timeout (Handler::on_stalled).
// Nothing a peer sends ends the process: what QuickFIX lets out on a connection's thread drops that
// connection (socket_acceptor.hpp, Handler::on_dropped), what our callbacks meet is answered or refused
// (from_admin, from_app), and a send QuickFIX throws from returns false.
//
// Thread rules as in fix_api.hpp. Session state lives in Slot: atomics written by QuickFIX's callbacks,
// read by any thread; the Session pointers are fixed once the QuickFIX acceptor is built.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/fix/common.hpp"
#include "gateway/fix/masked_log.hpp"
#include "gateway/fix/message_store.hpp"
#include "gateway/fix/socket_acceptor.hpp"

namespace crix {
namespace fix {

namespace {

constexpr const char* kWho = "FIX acceptor";
constexpr const char* kBeginString = "FIX.4.4";
// How long stop() waits for the clients' answers to its Logout: QuickFIX's LogoutTimeout (2 s) plus
// the up to one second its connection thread may take to notice the logout.
constexpr auto kStopWait = std::chrono::milliseconds(3500);

// QuickFIX 1.15.1 gives no access to a session's socket, which send() needs to see whether the client
// is reading. Session::m_pResponder is private; naming it in an explicit instantiation is allowed
// (access is not checked there), and this friend function hands out the member pointer.
template <class Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type member(Tag) { return Member; }
};
struct SessionResponder {
  using type = FIX::Responder* FIX::Session::*;
  friend type member(SessionResponder);
};
template struct Expose<SessionResponder, &FIX::Session::m_pResponder>;

// A duplicate of a logged-on session's socket, for send() to look for room and to shut the connection:
// its own descriptor, so it never names another connection's socket after QuickFIX closes this one;
// closed when the last sender lets go.
// `outbox`: the connection's, where a hold gathers its messages (null under TLS).
class Socket {
 public:
  Socket(int fd, std::shared_ptr<detail::Outbox> gathers) : outbox(std::move(gathers)), fd_(fd) {}
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

  const std::shared_ptr<detail::Outbox> outbox;

 private:
  const int fd_;
};

// The session's connection: its responder is the SocketAcceptor connection that read the Logon (null
// when it has none).
FIX::Responder* responder_of(FIX::Session& session) { return session.*member(SessionResponder{}); }

// The session's connection's descriptor; -1 when it has none.
int session_fd(FIX::Session& session) { return detail::SocketAcceptor::fd_of(responder_of(session)); }

// The IPv4 address and port a connection arrived on; false when it has none (not an IPv4 socket).
bool arrived_on(int fd, sockaddr_in& address) {
  socklen_t size = sizeof address;
  return fd >= 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0 &&
         address.sin_family == AF_INET;
}

// The session's socket, duplicated. Checked: an accepted TCP socket on `port`; else nullptr.
std::shared_ptr<Socket> session_socket(FIX::Session& session, std::uint16_t port) {
  FIX::Responder* responder = responder_of(session);
  const int fd = detail::SocketAcceptor::fd_of(responder);
  if (fd < 0) return nullptr;
  int listening = 1;
  socklen_t length = sizeof listening;
  sockaddr_in address{};
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening ||
      !arrived_on(fd, address) || ntohs(address.sin_port) != port) {
    return nullptr;
  }
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return copy < 0 ? nullptr : std::make_shared<Socket>(copy, detail::SocketAcceptor::outbox_of(responder));
}

// The socket's send buffer: `usable`, the bytes it holds at most (SO_SNDBUF counts the kernel's
// bookkeeping too: half of it for the bytes themselves), and `queued`, those the client has not taken
// yet (SIOCOUTQ). false when the socket cannot say.
bool send_buffer(int fd, int& usable, int& queued) {
  int buffer = 0;
  socklen_t size = sizeof buffer;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, &size) != 0 || ::ioctl(fd, SIOCOUTQ, &queued) != 0) {
    return false;
  }
  usable = buffer / 2;
  return true;
}

// Waits until the socket's send buffer can take `bytes` more; false when the client stalled
// (detail::StallWatch) or the socket failed. Linux reports room (POLLOUT) once a third of the buffer is
// free; room for the message itself is checked too, so the send that follows does not block.
bool room(int fd, int bytes, std::chrono::milliseconds timeout) {
  int usable = 0;
  int queued = 0;
  if (!send_buffer(fd, usable, queued)) return false;
  // A message larger than the buffer waits for an empty one (and may still block: keep messages small).
  const int need = std::min(bytes, usable);
  detail::StallWatch watch(timeout);
  watch.reading(queued);
  for (;;) {
    pollfd p{fd, POLLOUT, 0};
    const int n = ::poll(&p, 1, static_cast<int>(watch.left().count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (n == 1 && (p.revents & POLLOUT) == 0)) return false;  // an error, or the socket shut
    if (::ioctl(fd, SIOCOUTQ, &queued) != 0) return false;
    if (n == 1 && usable - queued >= need) return true;
    if (!watch.reading(queued)) return false;
    if (n == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // room, not enough yet
  }
}

std::string address_text(const in_addr& a) {
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

// The IPv4 address a connection came from; "" when unknown.
std::string peer_address(int fd) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0 || address.sin_family != AF_INET) {
    return "";
  }
  return address_text(address.sin_addr);
}

// The IPv4 address `host` names, checked to be one of this machine's (a socket binds to it), or
// 0.0.0.0 (INADDR_ANY: every interface). Throws std::runtime_error saying what to use instead.
in_addr local_address(const std::string& host, const std::string& who) {
  const std::string advice = ": use 127.0.0.1 (this machine only), one of its IPv4 addresses, or 0.0.0.0 (all)";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int resolved = host.empty() ? EAI_NONAME : ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (resolved != 0 || found == nullptr) {
    throw std::runtime_error(who + ": host '" + host + "' is not an IPv4 address or a name of one (" +
                             ::gai_strerror(resolved) + ")" + advice);
  }
  // A name with several addresses: the first, which the error messages name.
  sockaddr_in address = *reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  ::freeaddrinfo(found);
  if (address.sin_addr.s_addr == htonl(INADDR_ANY)) return address.sin_addr;
  address.sin_port = 0;
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int error = probe < 0 || ::bind(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0
                        ? errno
                        : 0;
  if (probe >= 0) ::close(probe);
  if (error == EADDRNOTAVAIL) {
    throw std::runtime_error(who + ": host '" + host + "' (" + address_text(address.sin_addr) +
                             ") is not an address of this machine" + advice);
  }
  if (error != 0) {
    throw std::runtime_error(who + ": cannot check host '" + host + "' (" + address_text(address.sin_addr) +
                             "): " + std::strerror(error));
  }
  return address.sin_addr;
}

// Drops a connection at once: reset, not closed in order (what the client did not read is stale, and
// it need not read it). Shut, not closed: the connection's own thread then ends the session
// (QuickFIX's disconnect() from another thread would close a descriptor that thread may be about to
// read).
void reset(const Socket& socket) {
  const linger reset{1, 0};
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::shutdown(socket.fd(), SHUT_RDWR);
}

// Bytes a session may be sent after its socket showed room, before send() looks again.
constexpr int kSendCredit = 8 * 1024;

// A generous estimate of a message's size on the wire, for the credit (encoding it twice would cost
// more than the check it saves).
int estimated_size(const ExecReport& m) { return 512 + static_cast<int>(m.text.size()); }
int estimated_size(const CancelReject& m) { return 384 + static_cast<int>(m.text.size()); }
int estimated_size(const MassCancelReport& m) { return 384 + static_cast<int>(m.text.size()); }
int estimated_size(const BusinessReject& m) { return 384 + static_cast<int>(m.text.size()); }
int estimated_size(const TradeCaptureReport& m) { return 512 + static_cast<int>(m.text.size()); }
int estimated_size(const TradeCaptureReportAck& m) { return 384 + static_cast<int>(m.text.size()); }
int estimated_size(const TradeCaptureReportRequestAck& m) { return 256 + static_cast<int>(m.text.size()); }
int estimated_size(const TradingSessionStatus& m) { return 384 + static_cast<int>(m.text.size()); }
int estimated_size(const MarketDataSnapshot& m) { return 256 + 96 * static_cast<int>(m.entries.size()); }
int estimated_size(const MarketDataIncremental& m) { return 256 + 128 * static_cast<int>(m.entries.size()); }
int estimated_size(const MarketDataReject& m) { return 256 + static_cast<int>(m.text.size()); }
// One message of a SecurityList's answer: one instrument each (fix_api.hpp, SecurityList).
struct SecurityListFragment {
  SessionHandle session;
  const SecurityList& list;
  std::size_t index;
};
int estimated_size(const SecurityListFragment&) { return 384; }

template <class Message>
void encode_message(const Message& message, FIX::Message& out) {
  detail::encode(message, out);
}
void encode_message(const SecurityListFragment& fragment, FIX::Message& out) {
  detail::encode(fragment.list, fragment.index, out);
}

}  // namespace

class Acceptor::Impl final : public detail::ApplicationBase {
 public:
  Impl(const AcceptorConfig& config, Handler& handler);
  ~Impl() override;

  void start();
  void stop();
  template <class Message>
  bool send(const Message& message);
  void hold();
  void release();
  std::size_t gathered(SessionHandle session) const;
  void logout(SessionHandle session, const std::string& reason);
  bool logged_on(SessionHandle session) const;

 private:
  struct Slot {
    SessionHandle handle = 0;
    FIX::SessionID id;
    FIX::Session* session = nullptr;
    std::atomic<bool> logged_on{false};
    // Handler::on_logon accepted the current logon, so Handler::on_logout is owed once it ends.
    std::atomic<bool> accepted{false};
    // A send found no room for send_timeout and the connection was dropped; cleared by the next logon.
    std::atomic<bool> stalled{false};
    // The logged-on connection's socket (nullptr: unknown, sends then block as QuickFIX does; access
    // with std::atomic_load/store), and what may be sent to it before looking for room again.
    std::shared_ptr<Socket> socket;
    std::atomic<int> credit{0};
  };
  enum class State { kCreated, kStarted, kStopped };

  // FIX::Application
  void onLogon(const FIX::SessionID& id) override;
  void onLogout(const FIX::SessionID& id) override;
  void toAdmin(FIX::Message& message, const FIX::SessionID& id) override;
  void from_admin(const FIX::Message& message, const FIX::SessionID& id) override;
  void from_app(const FIX::Message& message, const FIX::SessionID& id) override;

  Slot* slot_of(const FIX::SessionID& id);
  std::string wrong_certificate(Slot& slot);
  void on_logon_request(Slot& slot, const FIX::Message& logon);
  void deliver(SessionHandle handle, const FIX::Message& message, const std::string& type);
  void answer_handler_failure(SessionHandle handle, const FIX::Message& message, const std::string& type,
                              const std::string& what);
  void nudge(Slot& slot);
  bool send_now(Slot& slot, FIX::Message& message);
  void let_go();
  void drop_stalled(Slot& slot, const Socket& socket);

  // The sessions this thread sent to since its outermost hold(). One per thread, not per Acceptor: a
  // process runs one Acceptor (tests may run more, never holding two).
  struct Held {
    int depth = 0;
    std::vector<std::pair<Slot*, std::shared_ptr<Socket>>> sessions;
  };
  static thread_local Held held_;

  void on_dropped(const FIX::SessionID* id, const std::string& peer, const std::string& reason);

  const AcceptorConfig config_;
  Handler& handler_;
  std::vector<std::unique_ptr<Slot>> slots_;  // index = SessionHandle
  std::unordered_map<std::string, SessionHandle> by_comp_id_;
  // The sessions' numbers and sent messages: AcceptorConfig::store_path's file, else in memory.
  std::unique_ptr<FIX::MessageStoreFactory> store_;
  bool persist_ = false;  // a durable store keeps and resends messages (PersistMessages=Y)
  std::unique_ptr<FIX::LogFactory> log_factory_;
  std::unique_ptr<detail::SocketAcceptor> acceptor_;  // after what it uses: destroyed first

  std::mutex state_mutex_;  // start() and stop(); never taken by a QuickFIX callback
  State state_ = State::kCreated;
  std::mutex logout_mutex_;  // stop()'s wait for the sessions to end, woken by onLogout()
  std::condition_variable logged_out_;
  std::atomic<bool> stopping_{false};
  in_addr host_{};  // the listener binds to this address; INADDR_ANY: every one
};

thread_local Acceptor::Impl::Held Acceptor::Impl::held_;

Acceptor::Impl::Impl(const AcceptorConfig& config, Handler& handler) : config_(config), handler_(handler) {
  const std::string who = kWho;
  if (config.port == 0) {
    throw std::runtime_error(who + ": port 0 is not allowed: clients must know the port; set "
                             "AcceptorConfig::port (9878 is usual)");
  }
  host_ = local_address(config.host, who);
  detail::check_comp_id(config.exchange_comp_id, "exchange_comp_id", who);
  if (config.client_comp_ids.empty()) {
    throw std::runtime_error(who + ": client_comp_ids is empty: list one comp id per participant");
  }
  for (std::size_t i = 0; i < config.client_comp_ids.size(); ++i) {
    const std::string& id = config.client_comp_ids[i];
    detail::check_comp_id(id, "client_comp_ids[" + std::to_string(i) + "]", who);
    if (id == config.exchange_comp_id) {
      throw std::runtime_error(who + ": client comp id '" + id + "' is the exchange's own comp id");
    }
    const auto inserted = by_comp_id_.emplace(id, static_cast<SessionHandle>(i));
    if (!inserted.second) {
      throw std::runtime_error(who + ": client comp id '" + id + "' is listed twice (entries " +
                               std::to_string(inserted.first->second) + " and " + std::to_string(i) + ")");
    }
  }
  const std::string dictionary = detail::resolve_dictionary(config.dictionary_path, who);
  if (config.client_tls_subjects.size() > config.client_comp_ids.size()) {
    throw std::runtime_error(who + ": client_tls_subjects has more entries than client_comp_ids");
  }
  const bool subjects = std::any_of(config.client_tls_subjects.begin(), config.client_tls_subjects.end(),
                                    [](const std::string& s) { return !s.empty(); });
  if (subjects && config.tls_client_ca.empty()) {
    throw std::runtime_error(who + ": client_tls_subjects needs tls_client_ca: only a CA's client certificates are "
                             "checked");
  }
  TlsContext tls;
  if (!config.tls_certificate.empty() || !config.tls_key.empty() || !config.tls_client_ca.empty()) {
    TlsFiles files;
    files.certificate = config.tls_certificate;
    files.key = config.tls_key;
    files.ca = config.tls_client_ca;
    files.certificate_key = "tls_certificate";
    files.key_key = "tls_key";
    files.ca_key = "tls_client_ca";
    try {
      tls = make_server_context(files);
    } catch (const TlsError& e) {
      throw std::runtime_error(who + ": " + e.what());
    }
  }

  FIX::SessionSettings settings;
  FIX::Dictionary defaults = detail::base_settings(dictionary);
  defaults.setString(FIX::CONNECTION_TYPE, "acceptor");
  defaults.setInt(FIX::SOCKET_ACCEPT_PORT, config.port);
  defaults.setBool(FIX::SOCKET_REUSE_ADDRESS, true);
  // QuickFIX sets 16 KB otherwise, which turns off the kernel's tuning: a burst of reports to a client
  // at a distance would wait on its round trips and could run into send_timeout. The kernel caps it
  // (net.core.wmem_max).
  defaults.setInt(FIX::SOCKET_SEND_BUFFER_SIZE, 1 << 20);
  if (!config.store_path.empty()) {
    // Sequence numbers continue across logons and restarts, and a ResendRequest is answered with the
    // stored messages (fix_api.hpp, Sessions); a Logon with ResetSeqNumFlag=Y still starts afresh.
    detail::LmdbStoreOptions options;
    options.retention = config.store_retention;
    store_.reset(new detail::LmdbStoreFactory(config.store_path, options));
    persist_ = true;
    detail::lasting_session(defaults);
    defaults.setBool(FIX::RESET_ON_LOGON, false);
  } else {
    store_.reset(new FIX::MemoryStoreFactory);
  }
  try {
    settings.set(defaults);
    for (const std::string& client : config.client_comp_ids) {
      std::unique_ptr<Slot> slot(new Slot);
      slot->handle = static_cast<SessionHandle>(slots_.size());
      slot->id = FIX::SessionID(kBeginString, config.exchange_comp_id, client);
      // QuickFIX's registry of sessions is per process: a second session with the same ids would be
      // silently left out of it and never receive a message.
      if (FIX::Session::doesSessionExist(slot->id)) {
        throw std::runtime_error(who + ": session " + slot->id.toString() +
                                 " already exists in this process (another Acceptor with these comp ids?)");
      }
      settings.set(slot->id, defaults);
      slots_.push_back(std::move(slot));
    }
    if (!config.log_dir.empty()) log_factory_.reset(new detail::MaskedLogFactory(config.log_dir));
    auto dropped = [this](const FIX::SessionID* id, const std::string& peer, const std::string& reason) {
      on_dropped(id, peer, reason);
    };
    detail::SocketAcceptor::Limits limits;
    limits.logon_timeout = config.logon_timeout;
    limits.max_per_address = config.max_connections_per_address;
    limits.max_connections = config.max_connections;
    acceptor_.reset(log_factory_
                        ? new detail::SocketAcceptor(*this, *store_, settings, *log_factory_, limits, dropped)
                        : new detail::SocketAcceptor(*this, *store_, settings, limits, dropped));
    if (tls) acceptor_->use_tls(tls);
    acceptor_->listen_on(host_.s_addr);
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(who + ": QuickFIX refused the configuration: " + std::string(e.what()));
  }
  for (const std::unique_ptr<Slot>& slot : slots_) slot->session = acceptor_->getSession(slot->id);
}

Acceptor::Impl::~Impl() {
  stop();
  acceptor_.reset();
}

void Acceptor::Impl::start() {
  std::lock_guard<std::mutex> lock(state_mutex_);
  const std::string where = "port " + std::to_string(config_.port) + " on " + config_.host;
  if (state_ != State::kCreated) {
    throw std::runtime_error(std::string(kWho) + ": already started once; a stopped Acceptor cannot "
                             "listen again (make a new one)");
  }
  try {
    acceptor_->start();
  } catch (const FIX::Exception& e) {
    // The listener's bind or listen failed: say why in errno's words ("is in use: Address already in use").
    const int error = acceptor_->listen_error();
    if (error != 0) {
      throw std::runtime_error(where + (error == EADDRINUSE ? " is in use: " : " cannot be opened: ") +
                               std::strerror(error));
    }
    throw std::runtime_error(where + " cannot be opened: " + std::string(e.what()));
  }
  state_ = State::kStarted;
}

void Acceptor::Impl::stop() {
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (state_ != State::kStarted) {
    state_ = State::kStopped;
    return;
  }
  stopping_ = true;
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (!slot->logged_on) continue;
    slot->session->logout("the exchange is closing");
    nudge(*slot);
  }
  {
    std::unique_lock<std::mutex> wait(logout_mutex_);
    logged_out_.wait_for(wait, kStopWait, [this] {
      for (const std::unique_ptr<Slot>& slot : slots_) {
        if (slot->logged_on) return false;
      }
      return true;
    });
  }
  // force: QuickFIX's own wait polls in whole seconds; ours above is done. Connections still open are
  // closed now, and their sessions end (onLogout) as the connection threads finish.
  acceptor_->stop(true);
  state_ = State::kStopped;
}

template <class Message>
bool Acceptor::Impl::send(const Message& message) {
  if (message.session >= slots_.size()) return false;
  Slot& slot = *slots_[message.session];
  const bool connected = slot.logged_on.load() && !slot.stalled.load();
  if (!connected && !persist_) return false;
  FIX::Message out;
  encode_message(message, out);
  if (!connected) {
    // Kept for the client's ResendRequest: QuickFIX numbers and stores it and, as the session is not
    // logged on, writes nothing (a stalled connection is shut: the write fails at once).
    slot.session->send(out);
    return true;
  }
  const std::shared_ptr<Socket> socket = std::atomic_load(&slot.socket);
  if (held_.depth > 0 && socket != nullptr && socket->outbox != nullptr) {
    const bool seen = std::any_of(held_.sessions.begin(), held_.sessions.end(),
                                  [&](const auto& h) { return h.second == socket; });
    if (seen) {
      // Gathered: numbered and kept now, stored and written at the hold's end (fix_api.hpp, hold()).
      detail::t_gathering = true;
      detail::t_outbox = socket->outbox.get();
      const bool sent = send_now(slot, out);
      detail::t_gathering = false;
      detail::t_outbox = nullptr;
      return sent;
    }
    held_.sessions.emplace_back(&slot, socket);
  }
  // A client that has left no room for send_timeout has stopped reading: give it up rather than block
  // the thread that sends to everyone. Later sends return at once.
  const int length = estimated_size(message);
  const bool has_credit = socket == nullptr || slot.credit.fetch_sub(length) >= length ||
                          room(socket->fd(), length, std::chrono::milliseconds(0));
  // No room now, and the wait may be long (send_timeout): what every held session has gathered goes
  // first, so that a slow reader delays no one else's reports.
  if (!has_credit && held_.depth > 0) let_go();
  if (has_credit || room(socket->fd(), length, config_.send_timeout)) {
    if (socket != nullptr && slot.credit.load() < 0) slot.credit = kSendCredit - length;
    return send_now(slot, out);
  }
  drop_stalled(slot, *socket);
  return false;
}

// The client stopped reading: its connection is dropped and the Handler told, once.
void Acceptor::Impl::drop_stalled(Slot& slot, const Socket& socket) {
  if (!slot.logged_on.load() || slot.stalled.exchange(true)) return;
  reset(socket);
  try {
    handler_.on_stalled(slot.handle);
  } catch (...) {
    // The Handler must not throw (fix_api.hpp); the connection is dropped either way.
  }
}

std::size_t Acceptor::Impl::gathered(SessionHandle session) const {
  if (session >= slots_.size()) return 0;
  const std::shared_ptr<Socket> socket = std::atomic_load(&slots_[session]->socket);
  return socket == nullptr || socket->outbox == nullptr ? 0 : socket->outbox->waiting();
}

void Acceptor::Impl::hold() { ++held_.depth; }

void Acceptor::Impl::release() {
  if (held_.depth == 0 || --held_.depth > 0) return;
  let_go();
  held_.sessions.clear();
}

// What the held sessions gathered: stored (one transaction per session), then written, each session's
// with one send() where the socket takes it all. A client that takes nothing for send_timeout is dropped
// (drop_stalled); a socket that fails is shut. When the store fails, nothing gathered is sent: those
// connections are dropped, and the clients, logging on again, are resent what was stored or a gap fill.
void Acceptor::Impl::let_go() {
  bool stored = true;
  try {
    detail::commit_deferred();
  } catch (const FIX::IOException&) {
    stored = false;
  }
  for (const auto& held : held_.sessions) {
    const Socket& socket = *held.second;
    if (!stored) {
      if (socket.outbox->waiting() > 0) reset(socket);
      socket.outbox->discard();
    } else if (socket.outbox->waiting() > 0) {
      const detail::Outbox::Flushed flushed = socket.outbox->flush(socket.fd(), config_.send_timeout);
      if (flushed == detail::Outbox::Flushed::kStalled) drop_stalled(*held.first, socket);
      if (flushed == detail::Outbox::Flushed::kFailed) reset(socket);  // gone: its thread ends the session
      // The credit is what the socket can take now, not what was left before the flush.
      int usable = 0;
      int queued = 0;
      const bool known = send_buffer(socket.fd(), usable, queued);
      held.first->credit = known ? std::min(kSendCredit, std::max(usable - queued, 0)) : 0;
    }
  }
}

void Acceptor::Impl::logout(SessionHandle session, const std::string& reason) {
  if (session >= slots_.size()) return;
  Slot& slot = *slots_[session];
  if (!slot.logged_on.load()) return;
  // Session::logout() disables the session until logon() enables it again; onLogout() does that when
  // the session ends. If it ended between the check above and the call below, onLogout() has run
  // already: enable it here instead (logged_on is cleared before onLogout() enables).
  slot.session->logout(detail::sanitize(reason));
  nudge(slot);
  if (!slot.logged_on.load() && !stopping_.load()) slot.session->logon();
}

bool Acceptor::Impl::logged_on(SessionHandle session) const {
  return session < slots_.size() && slots_[session]->logged_on.load();
}

// QuickFIX acts on logout() in its connection thread's next pass, up to a second away. A TestRequest
// makes the client answer at once, and the answer wakes that thread now.
void Acceptor::Impl::nudge(Slot& slot) {
  FIX::Message request;
  detail::encode_test_request("CRIX-LOGOUT", request);
  send_now(slot, request);
}

// QuickFIX's send may throw (its message store failing): the message is not sent, and the caller hears
// false.
bool Acceptor::Impl::send_now(Slot& slot, FIX::Message& message) {
  try {
    return slot.session->send(message);
  } catch (const std::exception&) {
    return false;
  }
}

void Acceptor::Impl::on_dropped(const FIX::SessionID* id, const std::string& peer, const std::string& reason) {
  const Slot* slot = id == nullptr ? nullptr : slot_of(*id);
  try {
    handler_.on_dropped(slot == nullptr ? kNoSession : slot->handle, peer, reason);
  } catch (...) {
    // The Handler must not throw (fix_api.hpp); the connection is dropped either way.
  }
}

Acceptor::Impl::Slot* Acceptor::Impl::slot_of(const FIX::SessionID& id) {
  const auto found = by_comp_id_.find(id.getTargetCompID().getValue());
  return found == by_comp_id_.end() ? nullptr : slots_[found->second].get();
}

void Acceptor::Impl::onLogon(const FIX::SessionID& id) {
  if (Slot* slot = slot_of(id)) {
    // On the connection's own thread, which set the session's responder before the Logon.
    std::atomic_store(&slot->socket, session_socket(*slot->session, config_.port));
    slot->credit = 0;
    slot->stalled = false;
    slot->logged_on = true;
  }
}

void Acceptor::Impl::onLogout(const FIX::SessionID& id) {
  Slot* slot = slot_of(id);
  if (slot == nullptr) return;
  slot->logged_on = false;
  std::atomic_store(&slot->socket, std::shared_ptr<Socket>());
  if (slot->accepted.exchange(false)) {
    try {
      handler_.on_logout(slot->handle);
    } catch (...) {
      // The Handler must not throw (fix_api.hpp); nothing more to do for a session that has ended.
    }
  }
  // A session that logout() disabled may log on again; Handler::on_logon decides.
  if (!stopping_.load()) slot->session->logon();
  {
    // Taken between the change and the notification, so that stop() cannot miss it.
    std::lock_guard<std::mutex> wait(logout_mutex_);
  }
  logged_out_.notify_all();
}

void Acceptor::Impl::toAdmin(FIX::Message& message, const FIX::SessionID&) {
  detail::apply_expected_text(message);
}

void Acceptor::Impl::from_admin(const FIX::Message& message, const FIX::SessionID& id) {
  detail::forget_expected_text();
  const std::string type = detail::msg_type(message);
  Slot* slot = slot_of(id);
  if (slot == nullptr) return;
  if (type == "2" && !persist_) detail::count_resend_request(*slot->session, message);
  if (type != "A") return;
  on_logon_request(*slot, message);
}

// "" when the session may log on over its connection's client certificate (or it needs none: no
// subject configured). Checked before the password.
std::string Acceptor::Impl::wrong_certificate(Slot& slot) {
  const std::string wanted =
      slot.handle < config_.client_tls_subjects.size() ? config_.client_tls_subjects[slot.handle] : std::string();
  if (wanted.empty()) return "";
  const std::string presented = detail::SocketAcceptor::peer_subject(responder_of(*slot.session));
  if (presented == wanted) return "";
  const std::string& who = slot.id.getTargetCompID().getValue();
  if (presented.empty()) {
    return who + " logs on only with its client certificate (subject CN '" + wanted + "'): this connection presented none";
  }
  return "this connection's client certificate is for '" + detail::sanitize(presented) + "', not " + who +
         "'s (subject CN '" + wanted + "')";
}

// "" when Logon's HeartBtInt(108) is a whole number within kMinHeartBtInt..kMaxHeartBtInt seconds,
// else the refusal. QuickFIX takes any integer: a negative one is echoed and the session then times
// out at once, 0 turns the heartbeat off (a silent dead connection then holds the participant's
// session, and its next Logon is refused as connected already), and a huge one does nearly the same.
// One that is not a number at all reaches here too: the dictionary types 108 as a string, as
// QuickFIX's own check of an INT would answer with a Reject it cannot send before the logon (the
// client heard nothing and waited).
static std::string heartbeat_problem(const FIX::Message& logon) {
  constexpr int kHeartBtInt = 108;
  const std::string text = logon.isSetField(kHeartBtInt) ? logon.getField(kHeartBtInt) : std::string();
  const std::string shown = "HeartBtInt(108) '" + detail::sanitize(text.substr(0, 32)) + "'";
  const std::string range = std::to_string(kMinHeartBtInt) + ".." + std::to_string(kMaxHeartBtInt) + " s";
  const std::size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
  bool whole = text.size() > sign;
  for (std::size_t i = sign; i < text.size(); ++i) whole = whole && text[i] >= '0' && text[i] <= '9';
  if (!whole) return shown + " is not a whole number of seconds: log on again with a heartbeat interval of " + range;
  const bool fits = sign == 0 && text.size() <= 9;
  const long seconds = fits ? std::stol(text) : -1;
  if (seconds >= kMinHeartBtInt && seconds <= kMaxHeartBtInt) return "";
  return shown + " is outside " + range + ": log on again with a heartbeat interval in that range";
}

void Acceptor::Impl::on_logon_request(Slot& slot, const FIX::Message& logon) {
  const std::string username =
      logon.isSetField(detail::tag::kUsername) ? logon.getField(detail::tag::kUsername) : std::string();
  const std::string password =
      logon.isSetField(detail::tag::kPassword) ? logon.getField(detail::tag::kPassword) : std::string();
  std::string refusal = heartbeat_problem(logon);
  if (refusal.empty()) refusal = wrong_certificate(slot);
  if (!refusal.empty()) {
    try {
      handler_.on_refused(slot.handle, refusal);
    } catch (...) {
      // The Handler must not throw (fix_api.hpp); the logon is refused either way.
    }
  } else {
    try {
      refusal = handler_.on_logon(slot.handle, username, password, peer_address(session_fd(*slot.session)));
    } catch (const std::exception& e) {
      refusal = std::string("logon failed at the exchange: ") + e.what();
    } catch (...) {
      refusal = "logon failed at the exchange";
    }
  }
  if (!refusal.empty()) {
    // QuickFIX answers RejectLogon with a Logout whose Text is "Rejected Logon Attempt: <reason>";
    // toAdmin() makes it exactly the Handler's sentence.
    detail::expect_text('5', 0, refusal);
    throw FIX::RejectLogon(refusal);
  }
  slot.accepted = true;
}

void Acceptor::Impl::from_app(const FIX::Message& message, const FIX::SessionID& id) {
  detail::forget_expected_text();
  const auto found = by_comp_id_.find(id.getTargetCompID().getValue());
  if (found == by_comp_id_.end()) return;
  const std::string type = detail::msg_type(message);
  try {
    deliver(found->second, message, type);
  } catch (const detail::FieldError& e) {
    detail::expect_text('3', e.tag, e.text);
    throw FIX::IncorrectDataFormat(e.tag, e.value);
  } catch (const FIX::UnsupportedMessageType&) {
    throw;
  } catch (const std::exception& e) {
    answer_handler_failure(found->second, message, type, e.what());
  } catch (...) {
    answer_handler_failure(found->second, message, type, "unknown exception");
  }
}

// Decodes (FieldError escapes) and hands the request to the Handler. Types our dictionary lists but a
// client must not send (8, 9, W, X, Y, y, j, AR, AQ) are answered by QuickFIX with BusinessMessageReject reason 3.
void Acceptor::Impl::deliver(SessionHandle handle, const FIX::Message& message, const std::string& type) {
  if (type == "AF") {
    OrderRequest request;
    detail::decode_order(message, type, request);
    request.session = handle;
    handler_.on_order(request);
    return;
  }
  if (type == "AE") {
    TradeCaptureReport report;
    detail::decode(message, report);
    report.session = handle;
    handler_.on_trade_capture_report(report);
    return;
  }
  if (type == "AD") {
    TradeCaptureReportRequest request;
    detail::decode(message, request);
    request.session = handle;
    handler_.on_trade_capture_request(request);
    return;
  }
  if (type == "g") {
    TradingSessionStatusRequest request;
    detail::decode(message, request);
    request.session = handle;
    handler_.on_trading_session_status_request(request);
    return;
  }
  if (type.size() != 1) throw FIX::UnsupportedMessageType();
  switch (type[0]) {
    case 'D':
    case 'F':
    case 'G':
    case 'H':
    case 'q': {
      OrderRequest request;
      detail::decode_order(message, type, request);
      request.session = handle;
      handler_.on_order(request);
      return;
    }
    case 'V': {
      MarketDataRequest request;
      detail::decode(message, request);
      request.session = handle;
      handler_.on_market_data_request(request);
      return;
    }
    case 'x': {
      SecurityListRequest request;
      detail::decode(message, request);
      request.session = handle;
      handler_.on_security_list_request(request);
      return;
    }
    default:
      throw FIX::UnsupportedMessageType();
  }
}

// The Handler threw (it must not): the client still gets an answer, a BusinessMessageReject with
// reason 0 (other).
void Acceptor::Impl::answer_handler_failure(SessionHandle handle, const FIX::Message& message,
                                            const std::string& type, const std::string& what) {
  BusinessReject reject;
  reject.session = handle;
  reject.ref_seq_num = detail::msg_seq_num(message);
  reject.ref_msg_type = type.empty() ? "?" : type;
  if (message.isSetField(detail::tag::kClOrdID)) reject.ref_id = message.getField(detail::tag::kClOrdID);
  if (message.isSetField(detail::tag::kTradeReportID)) reject.ref_id = message.getField(detail::tag::kTradeReportID);
  if (message.isSetField(detail::tag::kTradSesReqID)) reject.ref_id = message.getField(detail::tag::kTradSesReqID);
  reject.reason = 0;
  reject.text = "the exchange could not take this request: " + what;
  FIX::Message out;
  try {
    detail::encode(reject, out);
  } catch (const std::invalid_argument&) {
    return;  // nothing FIX can carry: the client hears nothing, as when the connection drops
  }
  send_now(*slots_[handle], out);
}

// ---- the public face ----------------------------------------------------------------------------------

Acceptor::Acceptor(const AcceptorConfig& config, Handler& handler) : impl_(new Impl(config, handler)) {}
Acceptor::~Acceptor() = default;
void Acceptor::start() { impl_->start(); }
void Acceptor::stop() { impl_->stop(); }
bool Acceptor::send(const ExecReport& report) { return impl_->send(report); }
bool Acceptor::send(const CancelReject& reject) { return impl_->send(reject); }
bool Acceptor::send(const MassCancelReport& report) { return impl_->send(report); }
bool Acceptor::send(const BusinessReject& reject) { return impl_->send(reject); }
bool Acceptor::send(const MarketDataSnapshot& snapshot) { return impl_->send(snapshot); }
bool Acceptor::send(const MarketDataIncremental& update) { return impl_->send(update); }
bool Acceptor::send(const MarketDataReject& reject) { return impl_->send(reject); }
bool Acceptor::send(const TradeCaptureReport& report) { return impl_->send(report); }
bool Acceptor::send(const TradeCaptureReportAck& ack) { return impl_->send(ack); }
bool Acceptor::send(const TradeCaptureReportRequestAck& ack) { return impl_->send(ack); }
bool Acceptor::send(const TradingSessionStatus& status) { return impl_->send(status); }
bool Acceptor::send(const SecurityList& list) {
  bool sent = true;
  for (std::size_t i = 0; i == 0 || i < list.securities.size(); ++i) {
    sent = impl_->send(SecurityListFragment{list.session, list, i}) && sent;
  }
  return sent;
}
void Acceptor::hold() { impl_->hold(); }
void Acceptor::release() { impl_->release(); }
std::size_t Acceptor::gathered(SessionHandle session) const { return impl_->gathered(session); }
void Acceptor::logout(SessionHandle session, const std::string& reason) { impl_->logout(session, reason); }
bool Acceptor::logged_on(SessionHandle session) const { return impl_->logged_on(session); }

}  // namespace fix
}  // namespace crix
