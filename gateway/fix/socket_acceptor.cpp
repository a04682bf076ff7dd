// SocketAcceptor (socket_acceptor.hpp): QuickFIX's acceptor sessions over our own connection threads.
#include "gateway/fix/socket_acceptor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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
                               const FIX::SessionSettings& settings, Dropped on_dropped)
    : FIX::Acceptor(application, store, settings), on_dropped_(std::move(on_dropped)) {}

SocketAcceptor::SocketAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                               const FIX::SessionSettings& settings, FIX::LogFactory& logs, Dropped on_dropped)
    : FIX::Acceptor(application, store, settings, logs), on_dropped_(std::move(on_dropped)) {}

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
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // out of descriptors: let some go
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

// Reads frames and hands them to the session the first one names. Returns why the connection was
// dropped for what the peer sent, "" when it simply ended (closed by either side, or the acceptor
// stopping). Throws whatever QuickFIX lets out.
std::string SocketAcceptor::read_frames(Connection& c) {
  FIX::Parser parser;
  char buffer[8192];
  std::size_t pending = 0;  // bytes since the last whole frame
  std::string frame;
  while (!c.closed() && !stopping_.load()) {
    pollfd p{c.fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, kTimerMs);
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
