// crix::http::Transport: one console connection's byte stream, plain TCP or TLS over it, as one type.
//
// Beast's HTTP and WebSocket operations are templates over the stream they run on. Over
// beast::tcp_stream and beast::ssl_stream<beast::tcp_stream> each was compiled twice, and under TLS once
// more for every operation that reads or writes, since Asio's SSL operations are templates over their
// completion handler too: gateway/http/server.cpp was the costliest file of every build (23 MB of
// code under ASan, half of it TLS). Over Transport they are compiled once, and the two streams' own
// operations once each, in transport.cpp, for one handler type (Completion).
//
// The price is one allocation per read or write (the handler, erased) and at most 64 buffers per
// write_some (Asio's own limit on one send's pieces): the console's reads and writes, not the FIX path.
//
// Thread rules: as the stream under it, one operation of each kind at a time, on its executor (the
// connection's strand). Handlers run as Asio runs the stream's: never inside the call that starts the
// operation.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/handler_continuation_hook.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>

namespace boost::asio::ssl {
class context;
}

namespace crix::http {

// A completion handler of signature void(Args...) with its type erased; move-only, called once. The
// handler is moved out of its allocation and the allocation freed before the call, so that the
// operation it starts next may reuse the memory.
template <class... Args>
class Completion {
 public:
  template <class Handler, class = std::enable_if_t<!std::is_same_v<std::decay_t<Handler>, Completion>>>
  explicit Completion(Handler&& handler)
      : continuation_(is_continuation(handler)),
        held_(std::make_unique<Held<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  void operator()(Args... args) {
    Base* held = held_.get();
    held->call(std::move(held_), args...);
  }

  // Asio's hook, answered as the handler answered it: Beast marks the steps of its operations as
  // continuations, which Asio schedules without waking the io_context's reactor. Without it crixd's
  // processor per order with 20 feed viewers was 1.05x that of the server before Transport, with it
  // 1.005x (bench/RESULTS.md, CI time, 2026-12-07, 15:00-15:08 UTC).
  friend bool asio_handler_is_continuation(Completion* c) { return c->continuation_; }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call(std::unique_ptr<Base> self, Args... args) = 0;
  };
  template <class Handler>
  struct Held final : Base {
    explicit Held(Handler&& h) : handler(std::move(h)) {}
    explicit Held(const Handler& h) : handler(h) {}
    void call(std::unique_ptr<Base> self, Args... args) override {
      Handler h = std::move(handler);
      self.reset();
      std::move(h)(args...);
    }
    Handler handler;
  };
  template <class Handler>
  static bool is_continuation(Handler& handler) {
    using boost::asio::asio_handler_is_continuation;
    return asio_handler_is_continuation(std::addressof(handler));
  }

  bool continuation_ = false;
  std::unique_ptr<Base> held_;
};

class Transport {
 public:
  using executor_type = boost::asio::any_io_executor;
  using Done = Completion<boost::beast::error_code, std::size_t>;
  using Ended = Completion<boost::beast::error_code>;

  // Up to 64 buffers of a buffer sequence, the empty ones skipped: what one read_some or write_some
  // passes to the stream under it.
  template <class Buffer>
  struct Pieces {
    std::array<Buffer, 64> items{};
    std::size_t count = 0;
    const Buffer* begin() const { return items.data(); }
    const Buffer* end() const { return items.data() + count; }
  };

  // Takes the accepted socket; with `tls`, the server's side of a TLS connection over it, which needs
  // async_handshake first.
  explicit Transport(boost::asio::ip::tcp::socket&& socket);
  Transport(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& tls);
  Transport(Transport&&) noexcept;
  ~Transport();

  executor_type get_executor() const noexcept { return executor_; }
  bool tls() const;

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::beast::error_code, std::size_t)>(
        [this](auto h, const MutableBuffers& b) { read_some(gather<boost::asio::mutable_buffer>(b), Done(std::move(h))); },
        handler, buffers);
  }
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::beast::error_code, std::size_t)>(
        [this](auto h, const ConstBuffers& b) { write_some(gather<boost::asio::const_buffer>(b), Done(std::move(h))); },
        handler, buffers);
  }

  // TLS: the server's handshake and, at the end, its close_notify. Plain: handshake completes at once
  // (posted), shutdown stops sending (the peer reads end of stream).
  void async_handshake(Ended done);
  void async_shutdown(Ended done);
  // WebSocket's closing handshake's last step (Beast's teardown for the stream under it).
  void async_teardown(boost::beast::role_type role, Ended done);

  // The timeout of the operations that follow (beast::tcp_stream's, under TLS too).
  void expires_after(std::chrono::steady_clock::duration d);
  void expires_never();
  void close();

 private:
  template <class Buffer, class Buffers>
  static Pieces<Buffer> gather(const Buffers& buffers) {
    Pieces<Buffer> p;
    for (auto it = boost::asio::buffer_sequence_begin(buffers), end = boost::asio::buffer_sequence_end(buffers);
         it != end && p.count < p.items.size(); ++it) {
      Buffer b(*it);
      if (b.size() > 0) p.items[p.count++] = b;
    }
    return p;
  }
  void read_some(const Pieces<boost::asio::mutable_buffer>& buffers, Done done);
  void write_some(const Pieces<boost::asio::const_buffer>& buffers, Done done);

  struct Stream;  // transport.cpp: the plain or the TLS stream
  executor_type executor_;
  std::unique_ptr<Stream> stream_;
};

// Beast's customization points, found by argument-dependent lookup: websocket::stream<Transport>'s
// close and its timeouts use them.
template <class Handler>
void async_teardown(boost::beast::role_type role, Transport& t, Handler&& handler) {
  t.async_teardown(role, Transport::Ended(std::forward<Handler>(handler)));
}
inline void beast_close_socket(Transport& t) { t.close(); }

}  // namespace crix::http
