// SocketAcceptor (socket_acceptor.hpp): QuickFIX's acceptor sessions over our own connection threads.
#include "gateway/fix/socket_acceptor.hpp"

#include <pthread.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include "gateway/fix/common.hpp"
#include "gateway/fix/message_store.hpp"

namespace crix {
namespace fix {
namespace detail {

namespace {

// Bytes a peer may send without one whole FIX frame before it is dropped. Our clients' largest
// message, a MarketDataRequest for every instrument, is a few kilobytes.
constexpr std::size_t kMaxPending = 1 << 20;
// The first byte of a TLS connection: a handshake record's content type (RFC 8446, 5.1). A FIX frame
// starts with '8' (BeginString).
constexpr unsigned char kTlsHandshakeRecord = 0x16;
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

// The frame's MsgType(35) as its first "<SOH>35=" field gives it (FIX puts it third, after BeginString
// and BodyLength), without parsing the message; "" when there is none. A field before it cannot hide
// one: only data fields may hold an SOH, and none comes before MsgType.
std::string msg_type_of(const std::string& frame) {
  const std::size_t at = frame.find("\x01" "35=");
  if (at == std::string::npos) return "";
  const std::size_t end = frame.find('\x01', at + 4);
  return end == std::string::npos ? "" : frame.substr(at + 4, end - at - 4);
}

// Whether the next target number of a message of this type may be stored at the end of the read
// (DeferredTargets, message_store.hpp): the exchange does not act twice on its resend after a crash
// (an order, a replace, a cancel, a mass cancel: docs/DESIGN.md, "PossDupFlag=Y") or it only asks
// (order status, mass status, the security list, a heartbeat). The others, the session's own messages,
// block trades (AE) and subscriptions (V, AD, g) among them, are rare and stored at once.
bool target_may_wait(const std::string& type) {
  static const char* const kTypes[] = {"D", "F", "G", "q", "H", "AF", "x", "0"};
  return std::any_of(std::begin(kTypes), std::end(kTypes), [&](const char* t) { return type == t; });
}

// Whether the frame has MsgSeqNum(34), SendingTime(52): QuickFIX reads them after its dictionary
// check (1.15.1 takes a header field for required only as required="true", which no dictionary
// writes) and, when one is missing, ends the session without a word.
bool has_seq_num(const std::string& frame) { return frame.find("\x01" "34=") != std::string::npos; }
bool has_sending_time(const std::string& frame) { return frame.find("\x01" "52=") != std::string::npos; }

// "SendingTime(52)": the dictionary's name of `tag`, "tag 9999" for one it does not know.
std::string tag_name(const FIX::DataDictionary& dictionary, int tag) {
  std::string name;
  if (!dictionary.getFieldName(tag, name)) return "tag " + std::to_string(tag);
  return name + "(" + std::to_string(tag) + ")";
}

// Why `frame`, a Logon, cannot be taken: a header field QuickFIX needs is missing, or a field fails
// the dictionary's check (missing, of the wrong form, a value FIX does not allow, not a Logon's). ""
// when it passes, or is garbled (QuickFIX drops those as before). QuickFIX answers such a Logon with
// a Reject it cannot send before a logon, or with nothing: the client heard nothing until its logon
// timeout.
std::string logon_problem(const FIX::DataDictionary& dictionary, const std::string& frame) {
  if (!checksum_ok(frame)) return "";
  FIX::Message logon;
  try {
    logon = FIX::Message(frame, dictionary, true);
  } catch (const std::exception&) {
    return "";
  }
  const auto value = [&](int tag) {
    const FIX::FieldMap& map = logon.getHeader().isSetField(tag) ? static_cast<const FIX::FieldMap&>(logon.getHeader())
                                                                 : static_cast<const FIX::FieldMap&>(logon);
    return map.isSetField(tag) ? " '" + sanitize(map.getField(tag).substr(0, 32)) + "'" : std::string();
  };
  const std::string fields =
      ": a Logon carries MsgSeqNum(34), SendingTime(52), EncryptMethod(98) and HeartBtInt(108); log on again "
      "with it";
  for (const int t : {tag::kMsgSeqNum, tag::kSendingTime}) {
    if (!logon.getHeader().isSetField(t)) return "the Logon has no " + tag_name(dictionary, t) + fields;
  }
  try {
    dictionary.validate(logon);
  } catch (const FIX::RequiredTagMissing& e) {
    return "the Logon has no " + tag_name(dictionary, e.field) + fields;
  } catch (const FIX::IncorrectDataFormat& e) {
    return "the Logon's " + tag_name(dictionary, e.field) + value(e.field) +
           " is not of its FIX type; log on again with it corrected";
  } catch (const FIX::IncorrectTagValue& e) {
    return "the Logon's " + tag_name(dictionary, e.field) + value(e.field) +
           " is not a value FIX allows there; log on again with it corrected";
  } catch (const FIX::TagNotDefinedForMessage& e) {
    return "the Logon carries " + tag_name(dictionary, e.field) + ", which is not a field of a Logon; log on again "
           "without it";
  } catch (const FIX::NoTagValue& e) {
    return "the Logon's " + tag_name(dictionary, e.field) + " has no value; log on again with one";
  } catch (const FIX::Exception& e) {
    return std::string("the Logon does not pass FIX 4.4's checks (") + e.what() + "); log on again with it corrected";
  }
  return "";
}

// The ids a frame's header names: BeginString(8), SenderCompID(49), TargetCompID(56). False when the
// header cannot be read or lacks one (C++14 here: no std::optional).
struct HeaderIds {
  std::string begin, sender, target;
};
bool header_ids(const std::string& frame, HeaderIds& ids) {
  FIX::Message message;
  try {
    if (!message.setStringHeader(frame)) return false;
  } catch (const std::exception&) {
    return false;
  }
  const FIX::Header& h = message.getHeader();
  for (const int t : {FIX::FIELD::BeginString, FIX::FIELD::SenderCompID, FIX::FIELD::TargetCompID}) {
    if (!h.isSetField(t)) return false;
  }
  ids = HeaderIds{h.getField(FIX::FIELD::BeginString), h.getField(FIX::FIELD::SenderCompID),
                  h.getField(FIX::FIELD::TargetCompID)};
  return true;
}

// The bytes of a Logout with Text(58) `text` answering Logon `frame`, which no session of ours takes
// (it names none, or its session is connected already): addressed back as the Logon came (BeginString,
// the comp ids swapped, so the client's engine reads it), MsgSeqNum(34) 1, outside every session's
// numbers and store. "" when the Logon's header cannot be read.
std::string logout_answering(const std::string& frame, const std::string& text) {
  HeaderIds in;
  if (!header_ids(frame, in)) return "";
  FIX::Message logout;
  FIX::Header& out = logout.getHeader();
  out.setField(FIX::FIELD::BeginString, in.begin);
  out.setField(FIX::FIELD::MsgType, "5");
  out.setField(FIX::FIELD::SenderCompID, in.target);
  out.setField(FIX::FIELD::TargetCompID, in.sender);
  out.setField(FIX::FIELD::MsgSeqNum, "1");
  out.setField(FIX::FIELD::SendingTime, format_utc_timestamp(now_ns()));
  logout.setField(FIX::FIELD::Text, sanitize(text));
  return logout.toString();
}

// "'X'": a value from a peer's frame for a Text, at most 64 characters.
std::string quoted(const std::string& value) { return "'" + sanitize(value.substr(0, 64)) + "'"; }

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

// A BIO for OpenSSL over a connection's socket that writes with MSG_NOSIGNAL: OpenSSL's own socket
// BIO writes with write(2), and a peer gone away would end crixd with SIGPIPE.
int bio_write(BIO* bio, const char* data, int size) {
  const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}
int bio_read(BIO* bio, char* data, int size) {
  const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(fd, data, static_cast<std::size_t>(size), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}
long bio_ctrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }
int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO* new_socket_bio(int fd) {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "crix FIX socket");
    if (m != nullptr) {
      BIO_meth_set_write(m, bio_write);
      BIO_meth_set_read(m, bio_read);
      BIO_meth_set_ctrl(m, bio_ctrl);
      BIO_meth_set_create(m, bio_create);
    }
    return m;
  }();
  BIO* bio = method == nullptr ? nullptr : BIO_new(method);
  if (bio != nullptr) BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  return bio;
}

}  // namespace

thread_local const Outbox* t_outbox = nullptr;

bool Outbox::take(const std::string& bytes) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (!(t_gathering && t_outbox == this) && !flushing_ && bytes_.empty()) return false;
  bytes_ += bytes;
  return true;
}

StallWatch::StallWatch(std::chrono::milliseconds timeout)
    : timeout_(timeout), start_(Clock::now()), progress_(start_) {}

void StallWatch::took() { progress_ = Clock::now(); }

bool StallWatch::reading(int queued) {
  const auto now = Clock::now();
  if (queued_ >= 0 && queued < queued_) progress_ = now;
  queued_ = queued;
  return now - progress_ < timeout_ && now - start_ < 10 * timeout_;
}

// Rounded up: a fraction of a millisecond left is a poll() of one, not a loop of poll(0)s.
std::chrono::milliseconds StallWatch::left() const {
  const Clock::duration remaining = progress_ + timeout_ - Clock::now();
  if (remaining <= Clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(remaining + std::chrono::milliseconds(1) -
                                                               Clock::duration(1));
}

Outbox::Flushed Outbox::flush(int fd, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (bytes_.empty()) return Flushed::kSent;
  flushing_ = true;
  StallWatch watch(timeout);
  std::string out;
  Flushed result = Flushed::kSent;
  while (result == Flushed::kSent && !bytes_.empty()) {
    out.swap(bytes_);
    bytes_.clear();
    lock.unlock();
    for (std::size_t sent = 0; result == Flushed::kSent && sent < out.size();) {
      const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        watch.took();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        result = Flushed::kFailed;
        break;
      }
      // The socket is full: wait while the client reads.
      int queued = 0;
      if (::ioctl(fd, SIOCOUTQ, &queued) != 0) {
        result = Flushed::kFailed;
        break;
      }
      if (!watch.reading(queued)) {
        result = Flushed::kStalled;
        break;
      }
      pollfd p{fd, POLLOUT, 0};
      const int polled =
          ::poll(&p, 1, static_cast<int>(std::min<std::chrono::milliseconds::rep>(watch.left().count(), 10)));
      if ((polled < 0 && errno != EINTR) || (polled > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0)) {
        result = Flushed::kFailed;
      }
    }
    lock.lock();
  }
  if (result != Flushed::kSent) bytes_.clear();
  flushing_ = false;
  return result;
}

void Outbox::discard() {
  const std::lock_guard<std::mutex> lock(mutex_);
  bytes_.clear();
}

std::size_t Outbox::waiting() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return bytes_.size();
}

// One accepted connection: QuickFIX's Responder for its session. The descriptor is closed only by the
// destructor, after the connection's thread has ended; disconnect() (QuickFIX's, from any thread) shuts
// it, which ends that thread's read.
//
// Under TLS (handshake()) the socket is non-blocking and every call on the SSL object is made under
// ssl_mutex_, never while waiting: OpenSSL forbids two threads on one SSL object, and here the
// connection's thread reads (receive()) while the exchange's threads write (send()). A write encrypts
// the frame and sends it with one send() call, as a plain one; a read takes what poll() says is there.
class SocketAcceptor::Connection final : public FIX::Responder {
 public:
  // What receive() returns besides a byte count: nothing within the wait, or try again at once.
  static constexpr ssize_t kIdle = -2;
  static constexpr ssize_t kAgain = -3;

  Connection(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)), outbox_(std::make_shared<Outbox>()) {}
  ~Connection() override {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Called by QuickFIX under the session's lock. Gathers the bytes in the outbox when the caller
  // gathers or bytes wait there (Outbox::take); else writes everything, a part at a time if the
  // kernel takes a part; false when the connection is gone.
  bool send(const std::string& bytes) override {
    if (tls_) return send_tls(bytes);
    if (outbox_->take(bytes)) return true;
    if (t_gathering) {
      // The message was kept by the store for a hold that registered another connection of this
      // session (it logged on again meanwhile): stored now, before it is written.
      try {
        commit_deferred();
      } catch (const FIX::IOException&) {
        return false;
      }
    }
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
    {
      // A TLS peer is told the connection ends (close_notify), if the socket takes it now.
      std::lock_guard<std::mutex> lock(ssl_mutex_);
      if (ssl_ != nullptr && SSL_is_init_finished(ssl_)) {
        SSL_shutdown(ssl_);
        ERR_clear_error();
      }
    }
    ::shutdown(fd_, SHUT_RDWR);
  }

  // The TLS handshake, on the connection's thread before its first read. "" when done, else why the
  // connection is dropped ("" too when it was closed meanwhile: `closed()`).
  std::string handshake(SSL_CTX* context, std::chrono::steady_clock::time_point deadline,
                        std::chrono::milliseconds timeout, const std::atomic<bool>& stopping) {
    {
      std::lock_guard<std::mutex> lock(ssl_mutex_);
      ERR_clear_error();
      BIO* bio = new_socket_bio(fd_);
      ssl_ = bio == nullptr ? nullptr : SSL_new(context);
      if (ssl_ == nullptr) {
        if (bio != nullptr) BIO_free(bio);
        return "the exchange could not start TLS: " + tls_errors("out of memory");
      }
      SSL_set_bio(ssl_, bio, bio);
      tls_ = true;
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    for (;;) {
      int result = 0;
      int error = 0;
      std::string reason;
      {
        std::lock_guard<std::mutex> lock(ssl_mutex_);
        ERR_clear_error();
        errno = 0;
        result = SSL_accept(ssl_);
        error = result == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_SSL) reason = tls_errors("a TLS protocol error");
        if (error == SSL_ERROR_SYSCALL) reason = errno != 0 ? std::strerror(errno) : "the peer closed the connection";
        ERR_clear_error();
      }
      if (result == 1) return "";
      if (closed() || stopping.load()) return "";
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return "its TLS handshake failed: " + reason;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return "no TLS handshake within " + std::to_string(timeout.count()) +
               " ms of connecting (exchange.logon_timeout_ms)";
      }
      pollfd p{fd_, static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
      ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(kTimerMs, left.count())));
    }
  }

  // Up to `size` bytes from the peer, waiting up to `wait_ms` for them: the count; 0 when the
  // connection has ended (failure() says why when it was the peer's fault); kIdle when nothing came
  // within the wait; kAgain to call again.
  ssize_t receive(char* buffer, std::size_t size, int wait_ms) {
    if (!more_) {
      pollfd p{fd_, static_cast<short>(want_write_ ? POLLIN | POLLOUT : POLLIN), 0};
      const int ready = ::poll(&p, 1, wait_ms);
      if (ready < 0) return errno == EINTR ? kAgain : 0;
      if (ready == 0) return kIdle;
    }
    if (!tls_) {
      const ssize_t got = ::recv(fd_, buffer, size, 0);
      return got < 0 && errno == EINTR ? kAgain : std::max<ssize_t>(got, 0);
    }
    std::lock_guard<std::mutex> lock(ssl_mutex_);
    ERR_clear_error();
    const int got = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
    want_write_ = false;
    if (got > 0) {
      more_ = SSL_has_pending(ssl_) == 1;  // bytes OpenSSL holds already: no poll() before the next read
      return got;
    }
    more_ = false;
    const int error = SSL_get_error(ssl_, got);
    if (error == SSL_ERROR_WANT_READ) return kAgain;
    if (error == SSL_ERROR_WANT_WRITE) {
      want_write_ = true;
      return kAgain;
    }
    if (error == SSL_ERROR_SSL) failure_ = "TLS: " + tls_errors("a TLS protocol error");
    ERR_clear_error();
    return 0;
  }

  // The client certificate's subject CN ("" when none was presented).
  std::string peer_subject() {
    std::lock_guard<std::mutex> lock(ssl_mutex_);
    const X509* certificate = ssl_ == nullptr ? nullptr : SSL_get0_peer_certificate(ssl_);
    if (certificate == nullptr) return "";
    char name[256] = {};
    const int length =
        X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
    return length > 0 ? std::string(name, static_cast<std::size_t>(length)) : std::string();
  }

  int fd() const { return fd_; }
  // Null under TLS: set by handshake() before any session knows the connection.
  std::shared_ptr<Outbox> outbox() const { return tls_ ? nullptr : outbox_; }
  bool closed() const { return closed_.load(); }
  const std::string& peer() const { return peer_; }
  // The peer has closed its end (its FIN or a reset arrived), whether or not this connection's thread
  // has read that yet. Any thread: the descriptor lives as long as this object.
  bool peer_closed() const {
    pollfd p{fd_, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }
  const std::string& failure() const { return failure_; }

  FIX::Session* session = nullptr;  // the connection's thread only; set by its first message

 private:
  bool send_tls(const std::string& bytes) {
    if (bytes.empty()) return true;
    for (;;) {
      int error = 0;
      {
        std::lock_guard<std::mutex> lock(ssl_mutex_);
        if (closed()) return false;
        ERR_clear_error();
        // Not partial-write mode: OpenSSL reports success once the whole frame is written, and a
        // write it could not finish is called again with the same bytes.
        const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
        if (n > 0) return true;
        error = SSL_get_error(ssl_, n);
        ERR_clear_error();
      }
      if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ) return false;
      // The socket is full (Acceptor's send() looked for room first, so rarely): wait, as a blocking
      // send() would, until it takes more or is shut.
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, error == SSL_ERROR_WANT_WRITE ? kTimerMs : 10);
    }
  }

  const int fd_;
  const std::string peer_;
  const std::shared_ptr<Outbox> outbox_;
  std::atomic<bool> closed_{false};
  std::mutex ssl_mutex_;  // ssl_ and every call on it
  SSL* ssl_ = nullptr;
  // Set by handshake() on the connection's thread before any session (hence any send()) knows the
  // connection, and before disconnect() can see an SSL object; read-only after.
  std::atomic<bool> tls_{false};
  bool more_ = false;        // the connection's thread only: OpenSSL holds bytes not read yet
  bool want_write_ = false;  // the connection's thread only: SSL_read waits for the socket to take bytes
  std::string failure_;      // the connection's thread only
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

std::shared_ptr<Outbox> SocketAcceptor::outbox_of(FIX::Responder* responder) {
  const Connection* connection = dynamic_cast<const Connection*>(responder);
  return connection == nullptr ? nullptr : connection->outbox();
}

std::string SocketAcceptor::peer_subject(FIX::Responder* responder) {
  Connection* connection = dynamic_cast<Connection*>(responder);
  return connection == nullptr ? std::string() : connection->peer_subject();
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
    address.sin_addr.s_addr = listen_address_;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      const int error = errno;
      ::close(fd);
      listen_error_ = error;
      char text[INET_ADDRSTRLEN] = "?";
      ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
      throw FIX::RuntimeError("Unable to create, bind, or listen to port " + std::to_string(port_) + " on " + text +
                              " (" + std::strerror(error) + ")");
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
        pthread_setname_np(pthread_self(), "crix-fix");
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
  // A connection whose peer has gone does not count, though its thread may not have seen it go yet: a
  // client that reconnects at once after closing is not refused for its own last connection.
  std::size_t same = 0;
  for (const std::unique_ptr<Running>& r : running_) {
    if (!r->done.load() && address_of(r->connection->peer()) == address && !r->connection->peer_closed()) ++same;
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
    {
      std::lock_guard<std::mutex> lock(log_mutex_);
      getLog()->onEvent("Session not found for incoming message: " + frame);
    }
    // A Logon is told which of its ids is wrong (QuickFIX's ThreadedSocketConnection::setSession
    // closes without a word). A participant's id is no secret kept this way: a wrong password for
    // one is answered "wrong password for X".
    const std::string why = why_no_session(frame);
    if (why.empty()) {
      return "its first frame names no session of this exchange (BeginString, SenderCompID, TargetCompID)";
    }
    c.send(logout_answering(frame, why));
    return "its Logon was refused: " + why;
  }
  // Another connection of the session: wait for it to go, as QuickFIX does.
  const FIX::SessionID id = found->getSessionID();
  {
    std::unique_lock<std::mutex> lock(released_mutex_);
    released_.wait_for(lock, kRegisterWait, [&] {
      c.session = FIX::Session::registerSession(id);
      return c.session != nullptr || c.closed() || stopping_.load();
    });
  }
  if (c.session != nullptr) {
    c.session->setResponder(&c);
    return "";
  }
  const std::string busy =
      "session " + id.getTargetCompID().getValue() + " is already logged on from another connection";
  if (c.closed() || stopping_.load()) return busy;
  // The Logout goes outside the session (its numbers and store are the logged-on connection's), but
  // the client counts it in its own: QuickFIX's Session::nextLogout takes any MsgSeqNum and adds one
  // to the next it expects. A client that starts afresh (141=Y) loses nothing by that; one that
  // continues its numbers would find the exchange's "too low" at its next logon and lose the resend
  // of what it missed, so it is closed without a word, as before.
  if (!logon_resets(*found, frame)) {
    return busy + " (not answered: its Logon continues its sequence numbers, in which a Logout would count)";
  }
  const std::string why =
      busy + ": the exchange takes one connection per session; log that one out first, then log on again";
  c.send(logout_answering(frame, why));
  return "its Logon was refused: " + why;
}

// Why Logon `frame` names no session of ours, for its Logout: its BeginString, TargetCompID or
// SenderCompID is none of ours, looked at in that order. "" when `frame` is no Logon, or its checksum is
// wrong (it gets no answer).
std::string SocketAcceptor::why_no_session(const std::string& frame) const {
  if (msg_type_of(frame) != "A" || !checksum_ok(frame) || getSessions().empty()) return "";
  HeaderIds ids;
  if (!header_ids(frame, ids)) return "";
  const std::string& begin = ids.begin;
  const std::string& sender = ids.sender;
  const std::string& target = ids.target;
  const FIX::SessionID& ours = *getSessions().begin();  // one BeginString and exchange comp id for all
  bool begin_ours = false;
  bool target_ours = false;
  for (const FIX::SessionID& id : getSessions()) {
    begin_ours = begin_ours || id.getBeginString().getValue() == begin;
    target_ours = target_ours || id.getSenderCompID().getValue() == target;
  }
  if (!begin_ours) {
    return "BeginString(8) " + quoted(begin) + " is not this exchange's: log on with BeginString(8) " +
           ours.getBeginString().getValue();
  }
  if (!target_ours) {
    return "TargetCompID(56) " + quoted(target) + " is not this exchange's: log on with TargetCompID(56) " +
           ours.getSenderCompID().getValue();
  }
  return "SenderCompID(49) " + quoted(sender) + " is not a configured session of this exchange: log on with the "
         "participant id the exchange registered for you as SenderCompID(49)";
}

// Whether `frame` is a Logon of `session` with ResetSeqNumFlag(141)=Y (read with the session's
// dictionary, so that a data field cannot pass for it).
bool SocketAcceptor::logon_resets(FIX::Session& session, const std::string& frame) {
  if (msg_type_of(frame) != "A" || !checksum_ok(frame)) return false;
  try {
    const FIX::DataDictionary& dictionary =
        session.getDataDictionaryProvider().getSessionDataDictionary(session.getSessionID().getBeginString());
    const FIX::Message logon(frame, dictionary, false);
    return logon.isSetField(FIX::FIELD::ResetSeqNumFlag) && logon.getField(FIX::FIELD::ResetSeqNumFlag) == "Y";
  } catch (const std::exception&) {
    return false;
  }
}

// The session takes a Heartbeat with `header`'s header fields in place of the message they came with
// (SendingTime(52) now when it had none), so sequence numbers, gaps and resends work as for any
// message while the application never sees it. True when it was taken in sequence and the session is
// still logged on: the caller answers it then. One out of sequence is queued or refused by QuickFIX,
// as the message would have been, and gets no answer.
bool SocketAcceptor::take_in_place(FIX::Session& session, FIX::Message& header) {
  header.getHeader().setField(FIX::FIELD::MsgType, "0");
  if (!header.getHeader().isSetField(tag::kSendingTime)) {
    header.getHeader().setField(tag::kSendingTime, format_utc_timestamp(now_ns()));
  }
  const int expected = session.getExpectedTargetNum();
  session.next(header.toString(), FIX::UtcTimeStamp());
  return session.getExpectedTargetNum() == expected + 1 && session.isLoggedOn();
}

// A logged-on client's message of a FIX 4.4 application type our dialect does not list (QuoteRequest,
// News, ...) is answered with BusinessMessageReject(j), reason 3 (unsupported message type), as FIX
// asks, rather than QuickFIX's session-level Reject for a type its dictionary does not know; it is
// taken in place (take_in_place), the reject going out once the session has taken it in sequence.
// false: the frame is not such a message (or is garbled) and goes to QuickFIX as it came.
bool SocketAcceptor::answer_unsupported(FIX::Session& session, const std::string& frame, const std::string& msg_type) {
  const FIX::DataDictionary& dictionary =
      session.getDataDictionaryProvider().getSessionDataDictionary(session.getSessionID().getBeginString());
  // Nearly every frame is of a type the dictionary lists: told from its MsgType field alone, as parsing
  // its header for that was 3% of crixd's processor time at one order in flight.
  if (!msg_type.empty() && dictionary.isMsgType(msg_type)) return false;
  FIX::Message header;
  std::string type;
  try {
    header.setStringHeader(frame);
    if (!header.getHeader().isSetField(FIX::FIELD::MsgType)) return false;
    type = header.getHeader().getField(FIX::FIELD::MsgType);
  } catch (const std::exception&) {
    return false;
  }
  if (!is_fix44_app_type(type) || dictionary.isMsgType(type) || !checksum_ok(frame)) return false;
  const int seq = session.getExpectedTargetNum();
  if (!take_in_place(session, header)) return true;
  FIX::Message reject;
  reject.getHeader().setField(FIX::FIELD::MsgType, "j");
  reject.setField(FIX::FIELD::RefSeqNum, std::to_string(seq));
  reject.setField(FIX::FIELD::RefMsgType, type);
  reject.setField(FIX::FIELD::BusinessRejectReason, "3");
  reject.setField(FIX::FIELD::Text, "MsgType(35) '" + type + "' is a FIX 4.4 message this exchange does not support");
  session.send(reject);
  return true;
}

// A logged-on client's message without MsgSeqNum(34) or SendingTime(52), which QuickFIX answers by
// ending the session without a word. Without 34 the session cannot go on (FIX: a Logout naming it,
// and the connection closed): `dropped` says why, and true is returned. Without 52 (34 there) it is
// taken in place (take_in_place) and answered with a Reject, SessionRejectReason 1 (required tag
// missing), RefTagID 52, as FIX asks; the session goes on. false: the frame has both, or is garbled,
// and goes to QuickFIX as it came.
bool SocketAcceptor::answer_missing_header(FIX::Session& session, const std::string& frame,
                                           const std::string& msg_type, std::string& dropped) {
  const bool seq_num = has_seq_num(frame);
  if (seq_num && has_sending_time(frame)) return false;
  if (!checksum_ok(frame)) return false;
  const std::string what = msg_type.empty() ? std::string("a message") : "a message of MsgType(35) '" + msg_type + "'";
  if (!seq_num) {
    FIX::Message logout;
    logout.getHeader().setField(FIX::FIELD::MsgType, "5");
    logout.setField(FIX::FIELD::Text, what + " has no MsgSeqNum(34): every message carries its sequence number, and "
                                             "the session cannot go on without it; log on again");
    session.send(logout);
    dropped = what + " without MsgSeqNum(34)";
    return true;
  }
  FIX::Message header;
  try {
    header.setStringHeader(frame);
  } catch (const std::exception&) {
    return false;
  }
  const std::string seq = header.getHeader().getField(tag::kMsgSeqNum);
  if (!take_in_place(session, header)) return true;
  FIX::Message reject;
  reject.getHeader().setField(FIX::FIELD::MsgType, "3");
  reject.setField(FIX::FIELD::RefSeqNum, seq);
  reject.setField(FIX::FIELD::RefTagID, std::to_string(tag::kSendingTime));
  if (!msg_type.empty()) reject.setField(FIX::FIELD::RefMsgType, msg_type);
  reject.setField(FIX::FIELD::SessionRejectReason, "1");
  reject.setField(FIX::FIELD::Text, "SendingTime(52) is missing: every message carries the UTC time it was sent; "
                                    "this one was not acted on, send it again with one");
  session.send(reject);
  return true;
}

// A Logon that fails the dictionary's check (logon_problem) is refused with a Logout saying why, and
// the connection closed: `dropped` says why, and true is returned. false: it passes (or is garbled)
// and goes to QuickFIX as it came.
bool SocketAcceptor::refuse_malformed_logon(FIX::Session& session, const std::string& frame, std::string& dropped) {
  const FIX::DataDictionary& dictionary =
      session.getDataDictionaryProvider().getSessionDataDictionary(session.getSessionID().getBeginString());
  const std::string problem = logon_problem(dictionary, frame);
  if (problem.empty()) return false;
  FIX::Message logout;
  logout.getHeader().setField(FIX::FIELD::MsgType, "5");
  logout.setField(FIX::FIELD::Text, problem);
  session.send(logout);
  dropped = "its Logon was refused: " + problem;
  return true;
}

// Reads frames and hands them to the session the first one names. Returns why the connection was
// dropped for what the peer sent, "" when it simply ended (closed by either side, or the acceptor
// stopping). Throws whatever QuickFIX lets out.
std::string SocketAcceptor::read_frames(Connection& c, std::chrono::steady_clock::time_point deadline) {
  FIX::Parser parser;
  char buffer[8192];
  std::size_t pending = 0;  // bytes since the last whole frame
  std::string frame;
  // A read's messages have their next target number stored once, after them (message_store.hpp).
  DeferredTargets deferred;
  // Until the session is logged on, the connection has until `deadline`; a peer that never logs on
  // holds no descriptor and thread for longer.
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
    const ssize_t got = c.receive(buffer, sizeof buffer, wait_ms);
    if (got == Connection::kIdle) {
      if (c.session != nullptr) c.session->next();
      continue;
    }
    if (got == Connection::kAgain) continue;
    if (got <= 0) return c.failure();
    if (c.session == nullptr && pending == 0 && !tls_ && static_cast<unsigned char>(buffer[0]) == kTlsHandshakeRecord) {
      // A client that takes this port for FIX over TLS: its ClientHello is no FIX frame, and read on
      // as one it would wait for the ServerHello until logon_timeout. Closed now, its handshake fails
      // at once, and it can say why.
      return "it began a TLS handshake: this port serves plain FIX (the client must connect without TLS)";
    }
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
      const std::string type = msg_type_of(frame);
      std::string dropped;
      if (c.session->isLoggedOn()) {
        if (answer_unsupported(*c.session, frame, type)) continue;
        if (answer_missing_header(*c.session, frame, type, dropped)) {
          if (!dropped.empty()) return dropped;
          continue;
        }
      } else if (type == "A" && refuse_malformed_logon(*c.session, frame, dropped)) {
        return dropped;
      }
      try {
        c.session->next(frame, FIX::UtcTimeStamp());
      } catch (const FIX::InvalidMessage& e) {
        // QuickFIX has logged it; a session not logged on yet is dropped, as ThreadedSocketConnection does.
        if (!c.session->isLoggedOn()) return std::string("an invalid message before its logon: ") + e.what();
      }
      if (!target_may_wait(type)) DeferredTargets::store_targets();
    }
    DeferredTargets::store_targets();
    if (pending > kMaxPending) return "it sent " + std::to_string(pending) + " bytes without a whole FIX frame";
  }
  return "";
}

void SocketAcceptor::serve(Connection& c) {
  std::string dropped;
  // The logon timeout runs from the accept, the TLS handshake included.
  const auto deadline = std::chrono::steady_clock::now() + limits_.logon_timeout;
  try {
    if (tls_) dropped = c.handshake(tls_.get(), deadline, limits_.logon_timeout, stopping_);
    if (dropped.empty() && !c.closed()) dropped = read_frames(c, deadline);
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
