// libFuzzer target: FIX over TLS, the exchange's side. Each input is one fresh TLS connection on the
// server context crixd makes (make_server_context(), tls.hpp, with the fixed test certificate in
// fuzz/tls/), driven as SocketAcceptor's Connection drives its SSL object (socket_acceptor.cpp:
// handshake(), receive(), send_tls(), disconnect()) but over a BIO pair instead of a socket. The
// plaintext goes through QuickFIX's stream parser as read_frames() feeds it, and every whole frame
// through the check fuzz_fix_inbound makes (fix_frame.hpp). Whatever the bytes, the connection ends in
// one of the ways our code handles (dropped with a reason, or closed); a crash, undefined behaviour
// (ASan, UBSan), an exception out of the target or a loop our code would spin in is a finding.
//
// The Connection class itself is private to socket_acceptor.cpp and works on a descriptor, so this
// file repeats its calls and decisions, in its order: a change there is to be made here too.
//
// The first input byte chooses:
//   bit 0     0: raw mode, the rest are a client's bytes from its first one (a ClientHello and on: the
//             handshake's parsing and the policy's refusals); 1: session mode, a real handshake with
//             an OpenSSL client first (libFuzzer cannot forge one: the exchange's keys are fresh each
//             time), then the rest are operations (kOp*), so that the reads after the handshake and
//             the FIX parsing after decryption see fuzzed content.
//   bit 1     mutual TLS: the server context has a client CA (the test certificate), as crixd with
//             exchange.fix_tls_client_ca; in session mode the client presents the test certificate.
//   bit 2     session mode: the client offers TLS 1.2 at most (else 1.3).
//   bits 3-5  raw mode: the size of the chunks the bytes arrive in (kChunks).
//   bit 6     the connection's socket buffer is small (kSmallWire bytes each way): the exchange's
//             writes wait for the peer to read (SSL_ERROR_WANT_WRITE).
//   bit 7     raw mode: the client ends its side of the connection (EOF) after the last byte.
//
// OpenSSL is the system's, built without the fuzzer's coverage instrumentation: libFuzzer would see
// no difference between a ClientHello refused at its first byte and one that reached a ServerHello.
// So the target counts what OpenSSL did (the handshake messages and alerts each side sent or got, the
// state and the error reason after every call) in libFuzzer's extra counters (kFeatures).
//
// Seeds (fuzz/corpus/fuzz_fix_tls/), captured from OpenSSL clients over memory BIOs: ClientHellos of
// TLS 1.2, 1.3 and 1.0 (which the policy refuses), whole client flights of a TLS 1.2 mutual and a
// TLS 1.3 handshake (replayed, they fail at the signature or the first encrypted record: the
// exchange's keys differ), and session-mode operation lists (a Logon and an order, split, in small
// records, with a key update, a renegotiation attempt, a garbage record, a small socket buffer).
//
// C++14, like crix::fix: QuickFIX's parser.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <quickfix/Parser.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "fuzz/fix_frame.hpp"
#include "gateway/fix/tls.hpp"

namespace crix {
namespace fuzz {

// libFuzzer's extra coverage counters (its __libfuzzer_extra_counters section, read after each input
// and cleared before the next): what OpenSSL did, hashed. 4096 slots keep collisions rare for the few
// hundred (state, reason, message) combinations a run meets.
constexpr std::size_t kFeatures = 4096;
__attribute__((used, section("__libfuzzer_extra_counters"), aligned(64), no_sanitize("address")))
std::uint8_t tls_features[kFeatures];

}  // namespace fuzz
}  // namespace crix

namespace {

using crix::fix::TlsContext;
using crix::fix::TlsFiles;
using crix::fuzz::check_fix_frame;

// What SocketAcceptor uses (socket_acceptor.cpp): read_frames()'s buffer and kMaxPending.
constexpr std::size_t kReadBuffer = 8192;
constexpr std::size_t kMaxPending = 1 << 20;

// The socket buffer each way: kWire holds the largest record (16 KiB of plaintext and its overhead)
// twice. A kernel's is larger, but each input allocates four of these (at 128 KiB the page faults of
// the fresh memory under ASan were most of an input's time). kSmallWire is smaller than the
// exchange's first flight (ServerHello and a 400-byte certificate).
constexpr std::size_t kWire = 1 << 15;
constexpr std::size_t kSmallWire = 256;
// Key updates (or renegotiation attempts) one input may make: each costs fresh key schedules and
// buffers on both sides (some 0.5 ms under ASan), and the hundredth finds nothing the eighth did not.
constexpr int kMaxRekeys = 8;
// Raw mode's chunk sizes (0: all at once): byte by byte, inside a record header (5 bytes), inside
// and across records.
constexpr std::size_t kChunks[8] = {0, 1, 2, 5, 16, 100, 517, 4096};
// Passes of a loop with nothing moving (no byte read or written, no state changed) after which our
// code would spin without waiting: a finding.
constexpr int kSpinLimit = 64;

enum Flag : unsigned {
  kSessionMode = 1u << 0,
  kMutualTls = 1u << 1,
  kTls12Only = 1u << 2,
  kChunkShift = 3,
  kSmallWireFlag = 1u << 6,
  kEofAtEnd = 1u << 7,
};

// Session mode's operations: the low 3 bits of an operation byte; the high 5 are its argument.
enum Op : unsigned {
  kOpPlaintext = 0,      // the client sends plaintext (length: the next byte + 256 * (arg % 4), + 1)
  kOpRaw = 1,            // raw bytes on the wire after what the client sent (garbage records)
  kOpSmallRecords = 2,   // plaintext as records of arg + 1 bytes each
  kOpExchangeSends = 3,  // the exchange sends 64 * (arg + 1) bytes (send_tls, from another thread)
  kOpRekey = 4,          // TLS 1.3: the client's KeyUpdate (arg odd: update requested); 1.2: renegotiation
                         // (kMaxRekeys at most)
  kOpCloseNotify = 5,    // the client's close_notify
  kOpClientEof = 6,      // the client ends its side without close_notify
  kOpDisconnect = 7,     // the exchange disconnects (disconnect(): close_notify, shutdown)
};

// The kinds of feature counted (feature()'s first argument).
enum Feature : unsigned {
  kFeatureMessage = 1,  // a handshake message, alert or record header, sent or received
  kFeatureCall = 2,     // an SSL call's result: which call, the handshake state, the error and its reason
  kFeatureDone = 3,     // a finished handshake: version and cipher
  kFeatureEnd = 4,      // how the connection ended
};

void feature(unsigned kind, unsigned a, unsigned b = 0, unsigned c = 0) {
  std::uint32_t h = kind * 0x9E3779B1u ^ a * 0x85EBCA77u ^ b * 0xC2B2AE3Du ^ c * 0x27D4EB2Fu;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  std::uint8_t& slot = crix::fuzz::tls_features[h % crix::fuzz::kFeatures];
  if (slot != 255) ++slot;
}

unsigned log2_bucket(std::size_t n) {
  unsigned bits = 0;
  while (n != 0) {
    ++bits;
    n >>= 1;
  }
  return bits;
}

// SSL_set_msg_callback: every protocol message either side sends or receives. What the exchange sends
// is its decision and counts in full; what it receives counts without the parts that are only the
// input's own bytes (a record header's version and length, an alert level other than warning and
// fatal): counted, every value of those would be a new unit of the corpus.
void on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*, void*) {
  const auto* bytes = static_cast<const unsigned char*>(buf);
  const unsigned first = len > 0 ? bytes[0] : 256u;
  const unsigned second = len > 1 ? bytes[1] : 256u;
  const unsigned side = static_cast<unsigned>(write_p);
  switch (content_type) {
    case SSL3_RT_HANDSHAKE:
      feature(kFeatureMessage, side * 1000u + 22u, first, log2_bucket(len));
      break;
    case SSL3_RT_ALERT:
      feature(kFeatureMessage, side * 1000u + 21u, side != 0 || first == 1 || first == 2 ? first : 0u, second);
      break;
    case SSL3_RT_HEADER:
      feature(kFeatureMessage, side * 1000u + 256u, first);
      break;
    default:
      feature(kFeatureMessage, side * 1000u + static_cast<unsigned>(content_type) % 1000u, first);
      break;
  }
}

// The result of an SSL call on `ssl`, before tls_errors() takes the reasons off the queue.
void note_call(unsigned call, SSL* ssl, int error) {
  const unsigned long code = ERR_peek_error();
  feature(kFeatureCall, call * 64u + static_cast<unsigned>(error), static_cast<unsigned>(SSL_get_state(ssl)),
          static_cast<unsigned>(ERR_GET_LIB(code)) << 16 | static_cast<unsigned>(ERR_GET_REASON(code)));
}

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_fix_tls: %s\n", what);
  std::abort();
}

// The server and client contexts, made once: each input only makes its SSL objects.
struct Contexts {
  TlsContext server;         // make_server_context() as crixd calls it: certificate and key
  TlsContext server_mutual;  // ... and a client CA (exchange.fix_tls_client_ca)
  TlsContext client;         // make_client_context() trusting the test certificate
  TlsContext client_mutual;  // ... presenting it too
};

const Contexts& contexts() {
  static const Contexts* const made = [] {
    auto* c = new Contexts;
    try {
      TlsFiles files;
      files.certificate = CRIX_FUZZ_TLS_CERTIFICATE;
      files.key = CRIX_FUZZ_TLS_KEY;
      c->server = crix::fix::make_server_context(files);
      files.ca = CRIX_FUZZ_TLS_CERTIFICATE;
      c->server_mutual = crix::fix::make_server_context(files);
      TlsFiles client;
      client.ca = CRIX_FUZZ_TLS_CERTIFICATE;
      c->client = crix::fix::make_client_context(client, "localhost");
      client.certificate = CRIX_FUZZ_TLS_CERTIFICATE;
      client.key = CRIX_FUZZ_TLS_KEY;
      c->client_mutual = crix::fix::make_client_context(client, "localhost");
    } catch (const crix::fix::TlsError& e) {
      std::fprintf(stderr, "fuzz_fix_tls: the test certificate does not load: %s\n", e.what());
      std::abort();
    }
    return c;
  }();
  return *made;
}

// The fuzzer's input, taken from the front.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ == size_; }
  std::size_t left() const { return size_ - at_; }
  unsigned byte() { return empty() ? 0u : data_[at_++]; }
  std::string take(std::size_t n) {
    n = std::min(n, left());
    std::string bytes(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return bytes;
  }

 private:
  const std::uint8_t* const data_;
  const std::size_t size_;
  std::size_t at_ = 0;
};

// Everything waiting on `from`'s side of the wire, read (and dropped).
void discard(BIO* from) {
  char scratch[4096];
  while (BIO_read(from, scratch, sizeof scratch) > 0) {
  }
}

// As much of `bytes` from `at` as the wire takes; the new `at`.
std::size_t put(BIO* wire, const std::string& bytes, std::size_t at) {
  while (at < bytes.size() && BIO_ctrl_get_write_guarantee(wire) > 0) {
    const std::size_t n_max = std::min<std::size_t>(bytes.size() - at, 1 << 20);
    const int n = BIO_write(wire, bytes.data() + at, static_cast<int>(n_max));
    if (n <= 0) break;
    at += static_cast<std::size_t>(n);
  }
  return at;
}

// SocketAcceptor's Connection and the read_frames() loop of its thread, over one end of a BIO pair:
// the same calls on the SSL object in the same order, and the same decisions on their results. What
// poll() says of the socket is what the pair holds: readable when bytes wait or the peer has ended its
// side, writable when there is room. Where the connection's thread would wait in poll(), run() returns
// and the peer (the fuzzer) acts.
class Exchange {
 public:
  Exchange(SSL_CTX* context, std::size_t wire_size) {
    BIO* inner = nullptr;
    if (BIO_new_bio_pair(&inner, wire_size, &wire_, wire_size) != 1) finding("out of memory (BIO pair)");
    ssl_ = SSL_new(context);
    if (ssl_ == nullptr) finding("out of memory (SSL_new)");
    SSL_set_bio(ssl_, inner, inner);
    SSL_set_msg_callback(ssl_, on_message);
    inner_ = inner;
  }
  ~Exchange() {
    SSL_free(ssl_);
    BIO_free(wire_);
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // The network's side: the client writes here, and reads what the exchange wrote.
  BIO* wire() const { return wire_; }
  // What the peer does when the exchange waits for it to read (poll() for POLLOUT).
  void on_peer_reads(std::function<void()> reads) { peer_reads_ = std::move(reads); }
  // The peer ends its side (a socket's FIN): reads then see the end once the bytes before it are read.
  void peer_ends() {
    BIO_shutdown_wr(wire_);
    peer_ended_ = true;
  }

  bool handshaken() const { return handshaken_; }
  bool ended() const { return ended_; }

  // The connection's thread until it would wait for the peer: the handshake (handshake()), then
  // reads (read_frames() and receive()), every whole frame to the FIX check.
  void run() {
    int idle_passes = 0;
    while (!ended_) {
      const std::size_t before = moved();
      const bool go_on = handshaken_ ? read_step() : handshake_step();
      if (!go_on) return;
      idle_passes = moved() == before ? idle_passes + 1 : 0;
      if (idle_passes > kSpinLimit) finding("the connection's thread would spin: SSL calls that neither read nor wait");
    }
  }

  // Connection::send_tls(): the exchange's threads write a frame, waiting for room as needed.
  bool send(const std::string& bytes) {
    if (bytes.empty()) return true;
    std::size_t last = moved();
    for (int stalled = 0;;) {
      if (closed_) return false;
      ERR_clear_error();
      const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n > 0) return true;
      const int error = SSL_get_error(ssl_, n);
      note_call(3, ssl_, error);
      ERR_clear_error();
      if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ) return false;
      // poll() for POLLOUT: the peer reads, and the connection's thread reads what it sent meanwhile.
      if (peer_reads_) peer_reads_();
      run();
      const std::size_t now = moved();
      stalled = now == last ? stalled + 1 : 0;
      last = now;
      // A peer that takes nothing (its TLS failed, it stopped reading): Acceptor's room() gives up
      // after send_timeout and shuts the socket, which ends the connection.
      if (stalled > kSpinLimit) return drop("it took nothing for send_timeout");
    }
  }

  // Connection::disconnect(): a close_notify if the handshake is done, then the socket is shut.
  void disconnect() {
    closed_ = true;
    if (SSL_is_init_finished(ssl_)) {
      SSL_shutdown(ssl_);
      ERR_clear_error();
    }
    ended_ = true;
  }

 private:
  bool readable() const { return BIO_ctrl_pending(inner_) > 0 || peer_ended_; }
  bool writable() const { return BIO_ctrl_get_write_guarantee(inner_) > 0; }
  // Bytes in and out so far, and the handshake state: what changes when anything moves.
  std::size_t moved() const {
    return BIO_number_read(inner_) + BIO_number_written(inner_) + plaintext_ +
           static_cast<std::size_t>(SSL_get_state(ssl_));
  }

  // Waits as poll() would for `events` on the socket: true when it is ready, false when the thread
  // would wait for the peer (run() returns). The peer reads when the exchange waits to write.
  bool ready(bool in, bool out) {
    if (out && !writable() && peer_reads_) peer_reads_();
    return (in && readable()) || (out && writable());
  }

  // One pass of Connection::handshake()'s loop; false when the thread would wait or the connection is
  // dropped.
  bool handshake_step() {
    ERR_clear_error();
    errno = 0;
    const int result = SSL_accept(ssl_);
    const int error = result == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, result);
    note_call(1, ssl_, error);
    std::string reason;
    if (error == SSL_ERROR_SSL) reason = crix::fix::tls_errors("a TLS protocol error");
    if (error == SSL_ERROR_SYSCALL) reason = errno != 0 ? std::strerror(errno) : "the peer closed the connection";
    ERR_clear_error();
    if (result == 1) {
      handshaken_ = true;
      const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
      feature(kFeatureDone, static_cast<unsigned>(SSL_version(ssl_)),
              cipher == nullptr ? 0u : static_cast<unsigned>(SSL_CIPHER_get_id(cipher) & 0xffffu));
      return true;
    }
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
      return drop("its TLS handshake failed: " + reason);
    }
    return ready(error == SSL_ERROR_WANT_READ, error == SSL_ERROR_WANT_WRITE);
  }

  // One pass of read_frames()'s loop: receive() (its poll() unless OpenSSL holds bytes already), then
  // the frames; false when the thread would wait or the connection has ended.
  bool read_step() {
    if (!more_ && !ready(true, want_write_)) return false;  // kIdle: the session's timer work, then wait
    char buffer[kReadBuffer];
    ERR_clear_error();
    const int got = SSL_read(ssl_, buffer, static_cast<int>(sizeof buffer));
    want_write_ = false;
    if (got > 0) {
      more_ = SSL_has_pending(ssl_) == 1;
      plaintext_ += static_cast<std::size_t>(got);
      return frames(buffer, static_cast<std::size_t>(got));
    }
    more_ = false;
    const int error = SSL_get_error(ssl_, got);
    note_call(2, ssl_, error);
    if (error == SSL_ERROR_WANT_READ) return true;  // kAgain
    if (error == SSL_ERROR_WANT_WRITE) {
      want_write_ = true;
      return true;
    }
    std::string failure;
    if (error == SSL_ERROR_SSL) failure = "TLS: " + crix::fix::tls_errors("a TLS protocol error");
    ERR_clear_error();
    return drop(failure);  // "" when it simply ended (close_notify, the peer gone)
  }

  // read_frames() with the bytes receive() gave: QuickFIX's stream parser, each whole frame to the check
  // (where the session would take it: Session::next() parses and validates it, our Application
  // decodes it).
  bool frames(const char* data, std::size_t size) {
    parser_.addToStream(data, size);
    pending_ += size;
    std::string frame;
    for (int refused = 0;;) {
      bool whole = false;
      try {
        whole = parser_.readFixMessage(frame);
      } catch (const FIX::MessageParseError&) {
        // The parser dropped the bad bytes; read_frames() reads on.
        if (++refused > kSpinLimit * 1024) finding("read_frames() would spin: the parser refuses without dropping");
        continue;
      }
      if (!whole) break;
      pending_ = 0;
      check_fix_frame(frame);
    }
    if (pending_ > kMaxPending) return drop("it sent too many bytes without a whole FIX frame");
    return true;
  }

  // serve()'s end after a drop: the reason goes to on_dropped (here: a feature), then disconnect().
  bool drop(const std::string& reason) {
    feature(kFeatureEnd, handshaken_ ? 1u : 0u, static_cast<unsigned>(std::hash<std::string>()(reason)));
    disconnect();
    return false;
  }

  SSL* ssl_ = nullptr;
  BIO* inner_ = nullptr;  // the SSL object's end of the pair (owned by ssl_)
  BIO* wire_ = nullptr;   // the network's end
  std::function<void()> peer_reads_;
  bool peer_ended_ = false;
  bool handshaken_ = false;
  bool closed_ = false;
  bool ended_ = false;
  bool more_ = false;        // receive()'s more_: OpenSSL holds bytes not read yet
  bool want_write_ = false;  // receive()'s want_write_
  std::size_t plaintext_ = 0;
  FIX::Parser parser_;
  std::size_t pending_ = 0;  // read_frames()'s bytes since the last whole frame
};

// A FIX client over TLS (OpenSSL with make_client_context(), as crix::fix's Initiator and `crix order
// --tls` use it), on the other end of the wire.
class Client {
 public:
  Client(SSL_CTX* context, bool tls12_only) {
    BIO* inner = nullptr;
    if (BIO_new_bio_pair(&inner, kWire, &wire_, kWire) != 1) finding("out of memory (BIO pair)");
    ssl_ = SSL_new(context);
    if (ssl_ == nullptr) finding("out of memory (SSL_new)");
    if (tls12_only) SSL_set_max_proto_version(ssl_, TLS1_2_VERSION);
    // The test client may ask to renegotiate (kOpRekey on TLS 1.2): the exchange must refuse it.
    SSL_clear_options(ssl_, SSL_OP_NO_RENEGOTIATION);
    SSL_set_bio(ssl_, inner, inner);
    SSL_set_connect_state(ssl_);
  }
  ~Client() {
    SSL_free(ssl_);
    BIO_free(wire_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  SSL* ssl() const { return ssl_; }
  BIO* wire() const { return wire_; }

  bool handshake() {
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl_);
    ERR_clear_error();
    return result == 1;
  }
  // Reads (and drops) whatever the exchange sent: replies, alerts, its answer to a KeyUpdate.
  void read() {
    char scratch[4096];
    ERR_clear_error();
    while (SSL_read(ssl_, scratch, sizeof scratch) > 0) {
    }
    ERR_clear_error();
  }

 private:
  SSL* ssl_ = nullptr;
  BIO* wire_ = nullptr;
};

// The client and the exchange joined: bytes cross the wire whichever way they wait.
class Link {
 public:
  Link(Client& client, Exchange& exchange) : client_(client), exchange_(exchange) {
    exchange_.on_peer_reads([this] {
      carry();
      client_.read();
      carry();
    });
  }
  ~Link() { exchange_.on_peer_reads(nullptr); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  // Every byte either side wrote, to the other, as far as room allows.
  void carry() {
    while (move(client_.wire(), exchange_.wire()) + move(exchange_.wire(), client_.wire()) > 0) {
    }
  }
  // The client's bytes cross, the exchange runs, its answer crosses and the client reads it.
  void settle() {
    carry();
    exchange_.run();
    carry();
    client_.read();
    carry();
  }
  // The client writes `bytes` as records of at most `record` bytes.
  void client_writes(const std::string& bytes, std::size_t record) {
    for (std::size_t at = 0; at < bytes.size() && !exchange_.ended();) {
      const std::size_t n = std::min(record, bytes.size() - at);
      ERR_clear_error();
      const int written = SSL_write(client_.ssl(), bytes.data() + at, static_cast<int>(n));
      const int error = written > 0 ? SSL_ERROR_NONE : SSL_get_error(client_.ssl(), written);
      ERR_clear_error();
      if (written > 0) {
        at += static_cast<std::size_t>(written);
      } else if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ) {
        return;  // the client's connection is broken (an alert from the exchange)
      }
      settle();
      if (written <= 0 && ++stalled_ > kSpinLimit) return;
    }
    settle();
  }

 private:
  static std::size_t move(BIO* from, BIO* to) {
    char buffer[4096];
    std::size_t total = 0;
    for (;;) {
      const std::size_t n = std::min({BIO_ctrl_pending(from), BIO_ctrl_get_write_guarantee(to), sizeof buffer});
      if (n == 0) return total;
      const int got = BIO_read(from, buffer, static_cast<int>(n));
      if (got <= 0) return total;
      if (BIO_write(to, buffer, got) != got) finding("the wire lost bytes");
      total += static_cast<std::size_t>(got);
    }
  }

  Client& client_;
  Exchange& exchange_;
  int stalled_ = 0;
};

// Raw mode: the bytes are the client's, in chunks; the exchange's answers are read and dropped.
void raw_mode(unsigned flags, Input& input, Exchange& exchange) {
  exchange.on_peer_reads([&exchange] { discard(exchange.wire()); });
  const std::size_t chunk = kChunks[(flags >> kChunkShift) & 7u];
  while (!input.empty() && !exchange.ended()) {
    const std::string bytes = input.take(chunk == 0 ? input.left() : chunk);
    for (std::size_t at = 0, stalled = 0; at < bytes.size() && !exchange.ended();) {
      const std::size_t next = put(exchange.wire(), bytes, at);
      stalled = next == at ? stalled + 1 : 0;
      if (stalled > kSpinLimit) finding("the exchange stopped reading with room to read");
      at = next;
      exchange.run();
      discard(exchange.wire());
    }
  }
  if ((flags & kEofAtEnd) != 0 && !exchange.ended()) {
    exchange.peer_ends();
    exchange.run();
  }
}

// Session mode: a real handshake, then the operations.
void session_mode(unsigned flags, Input& input, Exchange& exchange) {
  const Contexts& c = contexts();
  Client client((flags & kMutualTls) != 0 ? c.client_mutual.get() : c.client.get(), (flags & kTls12Only) != 0);
  Link link(client, exchange);
  for (int round = 0; round < 16 && !(exchange.handshaken() && client.handshake()); ++round) {
    client.handshake();
    link.settle();
  }
  if (!exchange.handshaken() || exchange.ended()) finding("the handshake with the test client failed");

  const bool tls13 = SSL_version(client.ssl()) == TLS1_3_VERSION;
  int rekeys = 0;
  while (!input.empty() && !exchange.ended()) {
    const unsigned op = input.byte();
    const unsigned arg = op >> 3;
    switch (op & 7u) {
      case kOpPlaintext:
      case kOpRaw: {
        const std::size_t length = input.byte() + 256u * (arg % 4u) + 1u;
        const std::string bytes = input.take(length);
        if ((op & 7u) == kOpPlaintext) {
          link.client_writes(bytes, bytes.size());
        } else {
          link.carry();  // what the client sent first
          for (std::size_t at = 0, stalled = 0; at < bytes.size() && !exchange.ended();) {
            const std::size_t next = put(exchange.wire(), bytes, at);
            // The exchange may wait to write to a client that no longer reads (its TLS failed): the
            // rest would wait in the kernel as long.
            stalled = next == at ? stalled + 1 : 0;
            if (stalled > kSpinLimit) break;
            at = next;
            link.settle();
          }
          link.settle();
        }
        break;
      }
      case kOpSmallRecords: {
        const std::string bytes = input.take(input.byte() + 1u);
        link.client_writes(bytes, arg + 1u);
        break;
      }
      case kOpExchangeSends: {
        // A Heartbeat's worth of text, repeated: what the exchange writes does not matter, that it
        // writes (and waits for room) while the connection's thread reads does.
        std::string reply;
        while (reply.size() < 64u * (arg + 1u)) reply += "8=FIX.4.4\x01" "9=5\x01" "35=0\x01" "10=161\x01";
        exchange.send(reply);
        link.settle();
        break;
      }
      case kOpRekey:
        if (++rekeys > kMaxRekeys) break;
        ERR_clear_error();
        if (tls13) {
          SSL_key_update(client.ssl(), (arg & 1u) != 0 ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED);
        } else {
          SSL_renegotiate(client.ssl());
        }
        client.handshake();  // sends it
        ERR_clear_error();
        link.settle();
        break;
      case kOpCloseNotify:
        ERR_clear_error();
        SSL_shutdown(client.ssl());
        ERR_clear_error();
        link.settle();
        break;
      case kOpClientEof:
        link.carry();
        exchange.peer_ends();
        exchange.run();
        break;
      case kOpDisconnect:
        exchange.disconnect();
        link.carry();
        client.read();
        break;
    }
  }
}

}  // namespace

// ASan's defaults for this binary (ASAN_OPTIONS still overrides them): a 16 MiB quarantine instead of
// 256 MiB. An input allocates some hundreds of kilobytes, most of it OpenSSL's buffers (records,
// handshake, BIO pairs); with the large quarantine each came from fresh pages, and their page faults
// were two thirds of a raw-mode input's time (0.9 ms against 0.3). A freed block still stays poisoned
// for some thirty inputs, so a use after free in one input is caught as before.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=16"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input input(data, size);
  const unsigned flags = input.byte();
  const Contexts& c = contexts();
  Exchange exchange((flags & kMutualTls) != 0 ? c.server_mutual.get() : c.server.get(),
                    (flags & kSmallWireFlag) != 0 ? kSmallWire : kWire);
  if ((flags & kSessionMode) != 0) {
    session_mode(flags, input, exchange);
  } else {
    raw_mode(flags, input, exchange);
  }
  // serve()'s end: the connection is disconnected however it ended.
  exchange.disconnect();
  ERR_clear_error();
  return 0;
}
