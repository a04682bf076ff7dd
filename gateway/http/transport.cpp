#include "gateway/http/transport.hpp"

#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace crix::http {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// Exactly one of the two is engaged.
struct Transport::Stream {
  explicit Stream(tcp::socket&& s) : plain(std::in_place, std::move(s)) {}
  Stream(tcp::socket&& s, ssl::context& tls) : secure(std::in_place, std::move(s), tls) {}
  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }

  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
};

Transport::Transport(tcp::socket&& socket)
    : executor_(socket.get_executor()), stream_(std::make_unique<Stream>(std::move(socket))) {}

Transport::Transport(tcp::socket&& socket, ssl::context& tls)
    : executor_(socket.get_executor()), stream_(std::make_unique<Stream>(std::move(socket), tls)) {}

Transport::Transport(Transport&&) noexcept = default;
Transport::~Transport() = default;

bool Transport::tls() const { return stream_->secure.has_value(); }

void Transport::read_some(const Pieces<net::mutable_buffer>& buffers, Done done) {
  if (stream_->secure) {
    stream_->secure->async_read_some(buffers, std::move(done));
  } else {
    stream_->plain->async_read_some(buffers, std::move(done));
  }
}

void Transport::write_some(const Pieces<net::const_buffer>& buffers, Done done) {
  if (stream_->secure) {
    stream_->secure->async_write_some(buffers, std::move(done));
  } else {
    stream_->plain->async_write_some(buffers, std::move(done));
  }
}

void Transport::async_handshake(Ended done) {
  if (stream_->secure) {
    stream_->secure->async_handshake(ssl::stream_base::server, std::move(done));
  } else {
    net::post(executor_, [done = std::move(done)]() mutable { done(beast::error_code{}); });
  }
}

void Transport::async_shutdown(Ended done) {
  if (stream_->secure) {
    stream_->secure->async_shutdown(std::move(done));
    return;
  }
  beast::error_code ec;
  stream_->plain->socket().shutdown(tcp::socket::shutdown_send, ec);
  net::post(executor_, [done = std::move(done), ec]() mutable { done(ec); });
}

void Transport::async_teardown(beast::role_type role, Ended done) {
  using beast::websocket::async_teardown;
  if (stream_->secure) {
    async_teardown(role, *stream_->secure, std::move(done));
  } else {
    async_teardown(role, *stream_->plain, std::move(done));
  }
}

void Transport::expires_after(std::chrono::steady_clock::duration d) { stream_->lowest().expires_after(d); }
void Transport::expires_never() { stream_->lowest().expires_never(); }
void Transport::close() { stream_->lowest().close(); }

}  // namespace crix::http
