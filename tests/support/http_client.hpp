// crix::test HTTP client for the console (gateway/http/): one request a connection over Beast, the
// reply's status, headers and body; login() for a session cookie. Shared by test_http (a Server with a
// test Link) and test_console (a real crixd). Throws what Beast throws when the server is not there or
// closes mid-reply.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace crix::test {

struct Reply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// The operator's bearer token of the sample market (config/sample/market.toml, console.tokens).
inline const Headers kOperatorToken = {{"Authorization", "Bearer crix-sample-operator-token"}};

// One request and its reply on an open stream (plain or TLS).
template <class Stream>
Reply exchange(Stream& stream, boost::beast::http::verb verb, const std::string& target, const std::string& body,
               const Headers& headers) {
  namespace bhttp = boost::beast::http;
  bhttp::request<bhttp::string_body> req(verb, target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  bhttp::read(stream, buffer, parser);
  Reply r;
  r.status = parser.get().result_int();
  r.body = parser.get().body();
  for (const auto& f : parser.get()) r.headers[std::string(f.name_string())] = std::string(f.value());
  return r;
}

// A new connection to 127.0.0.1:port for one request.
Reply request(std::uint16_t port, boost::beast::http::verb verb, const std::string& target, const std::string& body = "",
              const Headers& headers = {});
Reply get(std::uint16_t port, const std::string& target, const Headers& headers = {});

// POST /api/v1/login as `user`: the session cookie ("crix_session=..."), or "" when refused.
std::string login(std::uint16_t port, const std::string& user, const std::string& password);

}  // namespace crix::test
