#include "tests/support/http_client.hpp"

#include <boost/asio.hpp>

namespace crix::test {

Reply request(std::uint16_t port, boost::beast::http::verb verb, const std::string& target, const std::string& body,
              const Headers& headers) {
  namespace net = boost::asio;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  return exchange(stream, verb, target, body, headers);
}

Reply get(std::uint16_t port, const std::string& target, const Headers& headers) {
  return request(port, boost::beast::http::verb::get, target, "", headers);
}

std::string login(std::uint16_t port, const std::string& user, const std::string& password) {
  const Reply r = request(port, boost::beast::http::verb::post, "/api/v1/login",
                          nlohmann::json{{"user", user}, {"password", password}}.dump());
  const auto cookie = r.headers.find("Set-Cookie");
  if (r.status != 200 || cookie == r.headers.end()) return "";
  return cookie->second.substr(0, cookie->second.find(';'));
}

}  // namespace crix::test
