// SocketAcceptor (socket_acceptor.hpp): QuickFIX's acceptor sessions over our own connection threads.
#include "gateway/fix/socket_acceptor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

namespace crix {
namespace fix {
namespace detail {

namespace {

// Bytes a peer may send without one whole FIX frame before it is dropped. Our clients' largest
// message, a MarketDataRequest for every instrument, is a few kilobytes.
constexpr std::size_t kMaxPending = 1 << 20;
// How long a connection waits in poll() before QuickFIX's timer work (heartbeats, test requests, the
// logout timeout), as ThreadedSocketConnection does.
constexpr int kTimerMs = 1000;
// A second connection for a session already connected waits this long for the first to go (as
// QuickFIX: five tries a second apart).
constexpr auto kRegisterWait = std::chrono::seconds(5);

// The application message types of FIX 4.4 (its specification's list, QuickFIX's spec/FIX44.xml).
bool is_fix44_app_type(const std::string& type) {
  static const char* const kTypes[] = {
      "6",  "7",  "8",  "9",  "B",  "C",  "D",  "E",  "F",  "G",  "H",  "J",  "K",  "L",  "M",  "N",  "P",
      "Q",  "R",  "S",  "T",  "V",  "W",  "X",  "Y",  "Z",  "a",  "b",  "c",  "d",  "e",  "f",  "g",  "h",
      "i",  "j",  "k",  "l",  "m",  "n",  "o",  "p",  "q",  "r",  "s",  "t",  "u",  "v",  "w",  "x",  "y",
      "z",  "AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN", "AO", "AP",
      "AQ", "AR", "AS", "AT", "AU", "AV", "AW", "AX", "AY", "AZ", "BA", "BB", "BC", "BD", "BE", "BF", "BG",
      "BH"};
  for (const char* t : kTypes) {
    if (type == t) return true;
  }
  return false;
}

// Whether the frame's CheckSum(10) is right (QuickFIX drops a frame whose sum is wrong).
bool checksum_ok(const std::string& frame) {
  const std::size_t at = frame.rfind("\x01" "10=");
  if (at == std::string::npos || frame.size() < at + 8) return false;
  unsigned sum = 0;
  for (std::size_t i = 0; i <= at; ++i) sum += static_cast<unsigned char>(frame[i]);
  const std::string text = frame.substr(at + 4, 3);
  return text.find_first_not_of("0123456789") == std::string::npos && std::stoi(text) == static_cast<int>(sum % 256);
}

// The peer's "address:port"; "an unknown peer" when it has none.
std::string peer_of(int fd) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0 || address.sin_family != AF_INET) {
    return "an unknown peer";
  }
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
}

// The address part of peer_of()'s "address:port".
std::string address_of(const std::string& peer) { return peer.substr(0, peer.rfind(':')); }

void set_int_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

// One accepted connection: QuickFIX's Responder for its session. The descriptor is closed only by the
// destructor, after the connection's thread has ended; disconnect() (QuickFIX's, from any thread) shuts
// it, which ends that thread's read.
class SocketAcceptor::Connection final : public FIX::Responder {
 public:
  Connection(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
  ~Connection() override { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Called by QuickFIX under the session's lock. Writes everything, a part at a time if the kernel
  // takes a part; false when the connection is gone.
  bool send(const std::string& bytes) override {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  void disconnect() override {
    closed_ = true;
    ::shutdown(fd_, SHUT_RDWR);
  }

  int fd() const { return fd_; }
  bool closed() const { return closed_.load(); }
  const std::string& peer() const { return peer_; }

  FIX::Session* session = nullptr;  // the connection's thread only; set by its first message

 private:
  const int fd_;
  const std::string peer_;
  std::atomic<bool> closed_{false};
};

SocketAcceptor::SocketAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                               const FIX::SessionSettings& settings, Limits limits, Dropped on_dropped)
    : FIX::Acceptor(application, store, settings), limits_(limits), on_dropped_(std::move(on_dropped)) {}

SocketAcceptor::SocketAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                               const FIX::SessionSettings& settings, FIX::LogFactory& logs, Limits limits,
                               Dropped on_dropped)
    : FIX::Acceptor(application, store, settings, logs), limits_(limits), on_dropped_(std::move(on_dropped)) {}

SocketAcceptor::~SocketAcceptor() {
  stop(true);  // nothing when stopped already or never started
  if (listener_ >= 0) ::close(listener_);
}

int SocketAcceptor::fd_of(FIX::Responder* responder) {
  const Connection* connection = dynamic_cast<const Connection*>(responder);
  return connection == nullptr ? -1 : connection->fd();
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
void SocketAcceptor::onInitialize(const FIX::SessionSettings& settings) throw(FIX::RuntimeError) {
#pragma GCC diagnostic pop
  if (listener_ >= 0) return;
  try {
    const FIX::Dictionary& d = settings.get(*settings.getSessions().begin());
    port_ = d.getInt(FIX::SOCKET_ACCEPT_PORT);
    const bool reuse = !d.has(FIX::SOCKET_REUSE_ADDRESS) || d.getBool(FIX::SOCKET_REUSE_ADDRESS);
    no_delay_ = d.has(FIX::SOCKET_NODELAY) && d.getBool(FIX::SOCKET_NODELAY);
    send_buffer_ = d.has(FIX::SOCKET_SEND_BUFFER_SIZE) ? d.getInt(FIX::SOCKET_SEND_BUFFER_SIZE) : 0;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw FIX::RuntimeError(std::string("cannot make a socket: ") + std::strerror(errno));
    if (reuse) set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_ANY);  // the Acceptor checks where each logon arrived
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      const int error = errno;
      ::close(fd);
      throw FIX::RuntimeError("Unable to create, bind, or listen to port " + std::to_string(port_) + " (" +
                              std::strerror(error) + ")");
    }
    listener_ = fd;
  } catch (const FIX::ConfigError& e) {
    throw FIX::RuntimeError(e.what());
  }
}

void SocketAcceptor::onStart() {
  for (;;) {
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (stopping_.load()) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: close the connections that have ended (only accepting did that before,
        // so crixd never accepted again) and wait for more to go.
        {
          std::lock_guard<std::mutex> lock(mutex_);
          reap(false);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      } else if (errno != EINTR && errno != ECONNABORTED && errno != EPROTO) {
        return;  // the listening socket is gone
      }
      continue;
    }
    if (no_delay_) set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    if (send_buffer_ > 0) set_int_option(fd, SOL_SOCKET, SO_SNDBUF, send_buffer_);
    std::unique_ptr<Running> running(new Running);
    running->connection.reset(new Connection(fd, peer_of(fd)));
    std::lock_guard<std::mutex> lock(mutex_);
    reap(false);
    if (stopping_.load()) return;  // onStop() has taken the list: this one closes unserved
    const std::string refused = over_limit(address_of(running->connection->peer()));
    if (!refused.empty()) {
      // Closed at once (with `running`), so that a flood keeps no descriptor.
      if (on_dropped_) {
        try {
          on_dropped_(nullptr, running->connection->peer(), refused);
        } catch (...) {
          // The callback must not throw (fix_api.hpp); the connection is closed either way.
        }
      }
      continue;
    }
    {
      std::lock_guard<std::mutex> log(log_mutex_);
      getLog()->onEvent("Accepted connection from " + running->connection->peer() + " on port " +
                        std::to_string(port_));
    }
    Running* raw = running.get();
    try {
      raw->thread = std::thread([this, raw] {
        serve(*raw->connection);
        raw->done = true;
      });
    } catch (const std::exception&) {
      continue;  // no thread to serve it: the connection closes with `running`
    }
    running_.push_back(std::move(running));
  }
}

void SocketAcceptor::onStop() {
  stopping_ = true;
  if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);  // wakes accept4()
  std::list<std::unique_ptr<Running>> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::unique_ptr<Running>& r : running_) r->connection->disconnect();
    all.swap(running_);
  }
  {
    std::lock_guard<std::mutex> lock(released_mutex_);  // a connection waiting in attach() gives up
  }
  released_.notify_all();
  for (const std::unique_ptr<Running>& r : all) r->thread.join();
}

// Under mutex_: the threads that have finished are joined and their connections closed.
void SocketAcceptor::reap(bool all) {
  for (auto it = running_.begin(); it != running_.end();) {
    if (all || (*it)->done.load()) {
      (*it)->thread.join();
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

// Under mutex_, after reap(): why a new connection from `address` is closed at once, "" when it is served.
std::string SocketAcceptor::over_limit(const std::string& address) const {
  if (running_.size() >= limits_.max_connections) {
    return "the exchange serves at most " + std::to_string(limits_.max_connections) +
           " FIX connections (exchange.max_connections)";
  }
  std::size_t same = 0;
  for (const std::unique_ptr<Running>& r : running_) {
    if (!r->done.load() && address_of(r->connection->peer()) == address) ++same;
  }
  if (same >= limits_.max_per_address) {
    return address + " has " + std::to_string(same) +
           " FIX connections open already, the most one address may have (exchange.max_connections_per_address)";
  }
  return "";
}

// The session `frame` names, registered to `c`; "" when it is, else why the connection is dropped.
std::string SocketAcceptor::attach(Connection& c, const std::string& frame) {
  FIX::Session* found = nullptr;
  try {
    found = FIX::Session::lookupSession(frame, true);
  } catch (const std::exception& e) {
    return std::string("its first frame does not parse: ") + e.what();
  }
  if (found == nullptr || !has(found->getSessionID())) {
    std::lock_guard<std::mutex> lock(log_mutex_);
    getLog()->onEvent("Session not found for incoming message: " + frame);
    return "its first frame names no session of this exchange (BeginString, SenderCompID, TargetCompID)";
  }
  // Another connection of the session: wait for it to go, as QuickFIX does.
  const FIX::SessionID id = found->getSessionID();
  std::unique_lock<std::mutex> lock(released_mutex_);
  released_.wait_for(lock, kRegisterWait, [&] {
    c.session = FIX::Session::registerSession(id);
    return c.session != nullptr || c.closed() || stopping_.load();
  });
  if (c.session == nullptr) return "session " + id.toString() + " is connected already";
  c.session->setResponder(&c);
  return "";
}

// A logged-on client's message of a FIX 4.4 application type our dialect does not list (QuoteRequest,
// News, ...) is answered with BusinessMessageReject(j), reason 3 (unsupported message type), as FIX
// asks, rather than QuickFIX's session-level Reject for a type its dictionary does not know. The
// session takes a Heartbeat with the message's header in its place, so sequence numbers, gaps and
// resends work as for any message; the reject goes out once the session has taken it in sequence.
// false: the frame is not such a message (or is garbled) and goes to QuickFIX as it came.
bool SocketAcceptor::answer_unsupported(FIX::Session& session, const std::string& frame) {
  FIX::Message header;
  std::string type;
  try {
    header.setStringHeader(frame);
    if (!header.getHeader().isSetField(FIX::FIELD::MsgType)) return false;
    type = header.getHeader().getField(FIX::FIELD::MsgType);
  } catch (const std::exception&) {
    return false;
  }
  const FIX::DataDictionary& dictionary =
      session.getDataDictionaryProvider().getSessionDataDictionary(session.getSessionID().getBeginString());
  if (!is_fix44_app_type(type) || dictionary.isMsgType(type) || !checksum_ok(frame)) return false;
  header.getHeader().setField(FIX::FIELD::MsgType, "0");
  const int expected = session.getExpectedTargetNum();
  session.next(header.toString(), FIX::UtcTimeStamp());
  if (session.getExpectedTargetNum() != expected + 1 || !session.isLoggedOn()) return true;
  FIX::Message reject;
  reject.getHeader().setField(FIX::FIELD::MsgType, "j");
  reject.setField(FIX::FIELD::RefSeqNum, std::to_string(expected));
  reject.setField(FIX::FIELD::RefMsgType, type);
  reject.setField(FIX::FIELD::BusinessRejectReason, "3");
  reject.setField(FIX::FIELD::Text, "MsgType(35) '" + type + "' is a FIX 4.4 message this exchange does not support");
  session.send(reject);
  return true;
}

// Reads frames and hands them to the session the first one names. Returns why the connection was
// dropped for what the peer sent, "" when it simply ended (closed by either side, or the acceptor
// stopping). Throws whatever QuickFIX lets out.
std::string SocketAcceptor::read_frames(Connection& c) {
  FIX::Parser parser;
  char buffer[8192];
  std::size_t pending = 0;  // bytes since the last whole frame
  std::string frame;
  // Until the session is logged on, the connection has until `deadline`; a peer that never logs on
  // holds no descriptor and thread for longer.
  const auto deadline = std::chrono::steady_clock::now() + limits_.logon_timeout;
  bool logged_on = false;
  while (!c.closed() && !stopping_.load()) {
    int wait_ms = kTimerMs;
    if (!logged_on) {
      logged_on = c.session != nullptr && c.session->isLoggedOn();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (!logged_on && left.count() <= 0) {
        return "no Logon within " + std::to_string(limits_.logon_timeout.count()) +
               " ms of connecting (exchange.logon_timeout_ms)";
      }
      if (!logged_on) wait_ms = static_cast<int>(std::min<std::int64_t>(kTimerMs, left.count() + 1));
    }
    pollfd p{c.fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return "";
    if (ready == 0) {
      if (c.session != nullptr) c.session->next();
      continue;
    }
    const ssize_t got = ::recv(c.fd(), buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return "";
    parser.addToStream(buffer, static_cast<std::size_t>(got));
    pending += static_cast<std::size_t>(got);
    for (;;) {
      bool whole = false;
      try {
        whole = parser.readFixMessage(frame);
      } catch (const FIX::MessageParseError&) {
        continue;  // the parser dropped the bad bytes; as QuickFIX, read on
      }
      if (!whole) break;
      pending = 0;
      if (c.session == nullptr) {
        const std::string refused = attach(c, frame);
        if (!refused.empty()) return refused;
      }
      if (c.session->isLoggedOn() && answer_unsupported(*c.session, frame)) continue;
      try {
        c.session->next(frame, FIX::UtcTimeStamp());
      } catch (const FIX::InvalidMessage& e) {
        // QuickFIX has logged it; a session not logged on yet is dropped, as ThreadedSocketConnection does.
        if (!c.session->isLoggedOn()) return std::string("an invalid message before its logon: ") + e.what();
      }
    }
    if (pending > kMaxPending) return "it sent " + std::to_string(pending) + " bytes without a whole FIX frame";
  }
  return "";
}

void SocketAcceptor::serve(Connection& c) {
  std::string dropped;
  try {
    dropped = read_frames(c);
  } catch (const std::exception& e) {
    dropped = std::string("the exchange could not handle what it sent: ") + e.what();
  } catch (...) {
    dropped = "the exchange could not handle what it sent";
  }
  std::unique_ptr<FIX::SessionID> id;
  if (c.session != nullptr) {
    id.reset(new FIX::SessionID(c.session->getSessionID()));
    try {
      if (!dropped.empty()) c.session->getLog()->onEvent("Dropping the connection: " + dropped);
      c.session->disconnect();  // ends a logged-on session as a lost connection does (onLogout)
    } catch (const std::exception&) {
      c.disconnect();  // the session is reset at its next logon
    }
    // Session::disconnect() has let go of the connection before anything in it can throw.
    FIX::Session::unregisterSession(*id);
    {
      std::lock_guard<std::mutex> lock(released_mutex_);  // between the change and the wake-up
    }
    released_.notify_all();
  }
  c.disconnect();
  if (!dropped.empty() && on_dropped_) {
    try {
      on_dropped_(id.get(), c.peer(), dropped);
    } catch (...) {
      // The callback must not throw (fix_api.hpp); the connection is dropped either way.
    }
  }
}

}  // namespace detail
}  // namespace fix
}  // namespace crix
