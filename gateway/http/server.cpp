#include "gateway/http/server.hpp"

#include <pthread.h>
#include <array>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "engine/calendar.hpp"
#include "engine/registry.hpp"
#include "gateway/feed_json.hpp"
#include "gateway/http/transport.hpp"
#include "gateway/logon_guard.hpp"
#include "gateway/password.hpp"
#include "ledger/date_text.hpp"
#include "ledger/error.hpp"
#include "ledger/json.hpp"
#include "ledger/verify.hpp"

namespace crix::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace feed_json = crix::gateway::feed_json;
using tcp = net::ip::tcp;
using Json = nlohmann::ordered_json;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr std::size_t kMaxConnections = 256;
constexpr std::size_t kMaxPerAddress = 32;
constexpr auto kIdle = std::chrono::seconds(30);
// After an answer that closes the connection, what the client still sends is read and dropped for up
// to this long (a lingering close): closing with unread bytes would reset the connection, and the
// client could lose the answer (a 413 to a large body, for one) before reading it.
constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1024 * 1024;
constexpr auto kSessionLife = std::chrono::hours(12);
constexpr std::size_t kFeedMaxBytes = 4 * 1024 * 1024;
constexpr std::size_t kFeedMaxMessages = 10'000;
// A feed client closed for falling behind that still reads nothing is cut off after this long.
constexpr auto kCloseGrace = std::chrono::seconds(5);
// A feed client gets at most one message per this long: what commits in between waits and goes in the
// next message. Writing each commit's updates to each viewer as it came was thousands of writes and
// wake-ups a second per viewer under load, taken from the processors trading needs.
constexpr auto kFeedPace = std::chrono::milliseconds(10);
constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 10'000;
// A page's "more" (rows after it) is counted up to here: the listings without an O(log n) count walk
// what they count, and on a 10 M-trade ledger an uncapped count took 36 ms (a region) to 1 s (the
// elimination list) for a page of 100 (bench_query).
constexpr std::uint64_t kMoreCap = 10'000;
constexpr std::size_t kCsvPage = 512;  // trades per read transaction when a CSV takes the whole list

enum class Role : std::uint8_t { kPublic = 0, kRegulator = 1, kOperator = 2 };

std::string_view role_name(Role r) {
  return r == Role::kOperator ? "operator" : r == Role::kRegulator ? "regulator" : "public";
}

Role from_config(config::ConsoleRole r) { return r == config::ConsoleRole::kOperator ? Role::kOperator : Role::kRegulator; }

struct Identity {
  std::optional<std::string> user;  // user or token name
  Role role = Role::kPublic;
  // Credentials were presented that match nothing (a wrong token, a session that ended): why. Every
  // endpoint but login and logout then answers 401 with it, never the public view: a script with a
  // mistyped token would otherwise read an empty public world as if it were the exchange's.
  std::optional<std::string> refused;
  bool session_ended = false;  // what was refused is a session cookie: the 401 also clears it
  std::string from;            // the client's address ("" when not known): failed logins count per address
};

// An answer to give: status, body and its type, extra headers.
struct Answer {
  bhttp::status status = bhttp::status::ok;
  std::string body;
  std::string type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Text that is not UTF-8 (a path, a parameter the client sent, echoed in an error) is written with
// U+FFFD in place of each bad byte: dump() would throw, and nothing would answer (fuzz_http_request's
// first finding: GET /assets/..%2f..%2fREAD\xcd...ME.md ended the process).
Answer json_answer(bhttp::status status, const Json& j) {
  return Answer{status, j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", "application/json", {}};
}

std::string_view code_of(bhttp::status s) {
  switch (s) {
    case bhttp::status::bad_request: return "bad_request";
    case bhttp::status::unauthorized: return "unauthorized";
    case bhttp::status::forbidden: return "forbidden";
    case bhttp::status::not_found: return "not_found";
    case bhttp::status::method_not_allowed: return "method_not_allowed";
    case bhttp::status::payload_too_large:
    case bhttp::status::request_header_fields_too_large: return "too_large";
    case bhttp::status::unprocessable_entity: return "rejected";
    case bhttp::status::too_many_requests: return "too_many";
    default: return "unavailable";
  }
}

Answer error(bhttp::status status, std::string what) {
  Json j;
  j["error"] = std::move(what);
  j["code"] = code_of(status);
  return json_answer(status, j);
}

// The 401 of credentials that match nothing; a session's also clears the browser's cookie, so that the
// page's next requests are the public's rather than 401 again.
Answer refused_answer(const Identity& who, bool tls) {
  Answer a = error(bhttp::status::unauthorized, *who.refused);
  if (who.session_ended) {
    a.headers.emplace_back("Set-Cookie", std::string("crix_session=; HttpOnly; SameSite=Strict; Path=/") +
                                             (tls ? "; Secure" : "") + "; Max-Age=0");
  }
  return a;
}

// Thrown by request parsing helpers; becomes a 400 (or the status given).
struct BadRequest {
  bhttp::status status;
  std::string what;
};

std::string random_id() {
  unsigned char bytes[32];  // 256 bits
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed: no session id");
  return ledger::to_hex(bytes);
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int v = 0;
      const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (r.ec != std::errc() || r.ptr != s.data() + i + 3) return std::nullopt;
      out += static_cast<char>(v);
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// The request target split into its decoded path and query parameters.
struct Target {
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  std::optional<std::string> repeated;  // a parameter given more than once: which value counts is unclear

  std::optional<std::string> get(std::string_view k) const {
    const auto it = query.find(k);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

std::optional<Target> parse_target(std::string_view target) {
  Target t;
  const std::size_t q = target.find('?');
  const auto path = percent_decode(target.substr(0, q));
  if (!path) return std::nullopt;
  t.path = *path;
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    const auto k = percent_decode(pair.substr(0, eq));
    const auto v = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!k || !v) return std::nullopt;
    if (!k->empty() && !t.query.emplace(*k, *v).second && !t.repeated) t.repeated = *k;
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

std::uint64_t whole(std::string_view name, const std::string& v, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < lo || n > hi) {
    throw BadRequest{bhttp::status::bad_request, std::string(name) + " '" + v + "' is not a whole number from " +
                                                     std::to_string(lo) + " to " + std::to_string(hi)};
  }
  return n;
}

// "YYYY-MM-DD" -> the local day, or a 400 naming the parameter.
ledger::Day day_parameter(std::string_view name, const std::string& v) {
  const std::optional<engine::Date> date = ledger::date_argument(v);  // the form `crix ledger` reads
  if (!date) {
    throw BadRequest{bhttp::status::bad_request, std::string(name) + " '" + v + "' is not a date: use YYYY-MM-DD"};
  }
  // Times are nanoseconds since 1970 in 64 bits, which end in April 2262 (fuzz_http_request's second
  // finding: from=2620-12-01 overflowed).
  if (date->year < 1970 || date->year > 2261) {
    throw BadRequest{bhttp::status::bad_request,
                     std::string(name) + " '" + v + "' is outside the years 1970 to 2261 that the ledger's times cover"};
  }
  if (!ledger::on_calendar(*date)) {
    throw BadRequest{bhttp::status::bad_request, std::string(name) + " '" + v + "' is not a date of the calendar"};
  }
  return ledger::to_day(*date);
}

// An auction window's edge (ledger::window_edge: now, +SECONDS or a local time in the market's zone)
// -> UTC, or a 400 naming the field, the forms and the zone.
engine::Timestamp window_edge_parameter(std::string_view name, const std::string& v, engine::Timestamp now,
                                        std::int32_t offset, bool now_too) {
  const ledger::MomentText t = ledger::window_edge(v, now, offset, now_too);
  if (t.at) return *t.at;
  throw BadRequest{bhttp::status::bad_request, std::string(name) + " '" + v + "' " + t.problem + " (the market's time, " +
                                                   ledger::zone_text(offset) + ")"};
}

// The market file's key or the name the views print (/instruments and /ledger/regions show "cement
// clinker"), or a 400 listing both.
engine::Industry industry_parameter(const std::string& v) {
  if (const auto i = engine::industry_named(v)) return *i;
  throw BadRequest{bhttp::status::bad_request, "industry '" + v + "' is none of " + engine::industry_names_text()};
}

Json or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string escape_label(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // the shortest text that reads back as v
  return std::string(buf, r.ptr);
}

// Microseconds as seconds, exactly where they are whole (100 -> "0.0001", where 100 / 1e6 in binary
// would print 0.00010000000000000001).
std::string seconds_text(double us) {
  if (std::isinf(us) || us != std::floor(us) || std::fabs(us) >= 9e15) return number_text(us / 1e6);
  const auto whole = static_cast<long long>(std::fabs(us));
  std::string digits = std::to_string(whole);
  if (digits.size() <= 6) digits.insert(0, 7 - digits.size(), '0');
  digits.insert(digits.size() - 6, 1, '.');
  while (digits.back() == '0') digits.pop_back();
  if (digits.back() == '.') digits.pop_back();
  return (us < 0 ? "-" : "") + digits;
}

std::string content_type(const std::filesystem::path& p) {
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".json", "application/json"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},
      {".jpg", "image/jpeg"},                {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},                 {".ico", "image/x-icon"},
      {".woff", "font/woff"},                {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"},
      {".wasm", "application/wasm"}};
  const auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool is_loopback(const net::ip::address& a) { return a.is_loopback(); }

std::string_view sv(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// `s` without the spaces before and after it (a header's token, a media range, a parameter).
std::string_view without_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Shared state of the server: who is logged in, how many connections each address holds.

struct Server::Impl {
  // Declared before the io_context, so destroyed after it: the handlers it destroys still release
  // their connection slots and feed counts here.
  Link& link;
  config::Console console;
  ServerOptions options;
  std::filesystem::path web_root;  // canonical, or empty
  std::atomic<std::size_t> ws_clients{0};
  std::atomic<std::uint64_t> ws_dropped{0};  // feed clients closed for falling behind
  std::uint16_t bound_port = 0;
  bool running = false;

  std::mutex mutex;  // guards the members below
  struct Session {
    std::string user;
    Role role;
    Clock::time_point expires;
  };
  std::unordered_map<std::string, Session> sessions;
  std::size_t connections = 0;
  std::map<net::ip::address, std::size_t> per_address;

  // Feed subscriptions still registered with the Link: stop() unsubscribes them before the io_context
  // goes, so that no callback posts to it afterwards.
  struct Feed;
  std::set<std::shared_ptr<Feed>> feeds;

  // Failed logins per console user and per address, throttled as FIX logons are (gateway/logon_guard.hpp,
  // its default limits): each wrong password costs the console a password hash, and an unthrottled
  // console would let a script try a password list against the operator's account.
  gateway::LogonGuard logins;

  std::optional<ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor;
  // accept() waits on it after a failed accept (out of descriptors) rather than retrying at once.
  net::steady_timer accept_pause;
  std::vector<std::thread> threads;
  // The ledger's queries run here, not on the connection threads: a long one (the whole chain as CSV,
  // verify) holds up neither the feed, nor the live views, nor the operator's actions. Joined by
  // stop() (or its destructor).
  std::optional<net::thread_pool> queries;

  Impl(Link& l, const config::Console& c, ServerOptions o)
      : link(l), console(c), options(std::move(o)), logins(o.logins, c.users.size(), "console user", "login"), acceptor(ioc), accept_pause(ioc), queries(std::in_place, std::max(1u, options.query_threads)) {}

  Identity identify(const Request& req);
  void handle(Request&& req, const Identity& who, std::function<void(Answer)> reply);

  // Accepting connections.
  void accept();
  void on_connection(tcp::socket socket);
  void release(const net::ip::address& a) {
    std::lock_guard lock(mutex);
    --connections;
    if (--per_address[a] == 0) per_address.erase(a);
  }

  // Endpoints.
  Answer login(const Request& req, const std::string& from);
  Answer logout(const Request& req);
  Answer metrics();
  Answer ledger_query(const std::string& what, const Target& t, bool csv, Role role);
  // f()'s answer, or the error answer for what it throws (BadRequest, ledger::Error, the rest).
  template <class F>
  Answer answer_errors(F&& f);
  Answer static_file(const std::string& path);
  void action(const std::string& verb, const Request& req, const Identity& who, const std::function<void(Answer)>& reply);
  engine::Command parse_action(const std::string& verb, const Json& body) const;
};

// A connection's slot in the limits; released when the connection ends.
class Slot {
 public:
  Slot(Server::Impl& s, net::ip::address a) : server_(s), address_(std::move(a)) {}
  ~Slot() { server_.release(address_); }
  std::string address() const { return address_.to_string(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  Server::Impl& server_;
  net::ip::address address_;
};

// One feed subscription: the Link's callback side (any thread) and the client's side (its strand).
struct Server::Impl::Feed {
  std::mutex mutex;  // the callback holds it while it posts, stop() while it marks the feed gone
  bool alive = true;
  // Batches the callback left for the client's strand, and whether it has posted the strand a wake-up
  // it has not yet answered by taking them: one post per message written, not one per batch.
  std::vector<std::shared_ptr<const FeedBatch>> inbox;
  bool woken = false;
  std::uint64_t handle = 0;
  std::atomic<std::size_t> pending_bytes{0};
  std::atomic<std::size_t> pending_messages{0};
  std::atomic<bool> dropped{false};
};

namespace {

// ---------------------------------------------------------------------------------------------------
// WebSocket feed.

class FeedSession : public std::enable_shared_from_this<FeedSession> {
 public:
  FeedSession(Server::Impl& server, Transport&& stream, std::unique_ptr<Slot> slot)
      : server_(server),
        ws_(std::move(stream)),
        slot_(std::move(slot)),
        timer_(ws_.get_executor()),
        pace_(ws_.get_executor()) {}

  ~FeedSession() {
    if (feed_) {
      bool registered = false;
      {
        std::lock_guard lock(feed_->mutex);
        registered = feed_->alive;
        feed_->alive = false;
      }
      if (registered) {
        server_.link.unsubscribe(feed_->handle);
        std::lock_guard lock(server_.mutex);
        server_.feeds.erase(feed_);
      }
      --server_.ws_clients;
    }
  }

  void run(Request req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // One frame per message: Beast's default cuts a message into frames of its 4 KiB write buffer, one
    // send each, so a paced message of 30 KB cost eight sends here and eight frame reads in the viewer.
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&FeedSession::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    ++server_.ws_clients;
    feed_ = std::make_shared<Server::Impl::Feed>();
    std::weak_ptr<FeedSession> weak = shared_from_this();
    auto feed = feed_;
    auto executor = ws_.get_executor();
    // On the ledger thread: count, leave the batch in the inbox, wake the strand if it is not awake
    // already. Nothing here waits for this client, and nothing is copied: every viewer's queue holds
    // the same batch (the ledger thread runs this for every viewer).
    auto on_events = [feed, weak, executor](const std::shared_ptr<const FeedBatch>& batch) {
      if (feed->dropped.load() || batch->events.empty()) return;
      const std::size_t bytes = batch->text.size();
      const std::size_t messages = feed->pending_messages.fetch_add(batch->events.size()) + batch->events.size();
      const std::size_t total = feed->pending_bytes.fetch_add(bytes) + bytes;
      std::lock_guard lock(feed->mutex);
      if (!feed->alive) return;
      if (messages > kFeedMaxMessages || total > kFeedMaxBytes) {
        feed->dropped = true;
        net::post(executor, [weak, messages] {
          if (auto self = weak.lock()) self->fall_behind(messages);
        });
        return;
      }
      feed->inbox.push_back(batch);
      if (feed->woken) return;
      feed->woken = true;
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->write_next();
      });
    };
    std::string snapshot;
    // We are on this connection's strand: the callback's posts run after this handler, so the
    // snapshot is queued before any update.
    feed_->handle = server_.link.subscribe(on_events, snapshot);
    {
      std::lock_guard lock(server_.mutex);
      server_.feeds.insert(feed_);
    }
    feed_->pending_messages += 1;
    feed_->pending_bytes += snapshot.size();
    snapshot_ = std::move(snapshot);
    write_next();
    read();
  }

  // Writes the snapshot first, alone; then, at most once per kFeedPace, every batch waiting as one
  // message {"type":"updates","events":[...]}: a client that reads more slowly than trades happen gets
  // fewer, larger messages, not a backlog of small ones (one write per event per viewer held the
  // console's thread at 20 viewers). The message is gathered from the shared batches' texts, copied only
  // when it has more pieces than one send takes.
  void write_next() {
    if (writing_ || closing_ || pacing_) return;
    if (snapshot_sent_) {
      const auto now = std::chrono::steady_clock::now();
      if (now < next_write_) {
        pacing_ = true;
        pace_.expires_at(next_write_);
        pace_.async_wait([self = shared_from_this()](beast::error_code ec) {
          self->pacing_ = false;
          if (!ec) self->write_next();
        });
        return;
      }
      std::lock_guard lock(feed_->mutex);
      for (std::shared_ptr<const FeedBatch>& b : feed_->inbox) queue_.push_back(std::move(b));
      feed_->inbox.clear();
      feed_->woken = false;  // the next batch wakes this strand again
    }
    out_buffers_.clear();
    out_events_ = 0;
    out_bytes_ = 0;
    if (!snapshot_sent_) {
      snapshot_sent_ = true;
      out_events_ = 1;
      out_bytes_ = snapshot_.size();
      out_buffers_.push_back(net::buffer(snapshot_));
    } else {
      if (queue_.empty()) return;
      static constexpr std::string_view kHead = R"({"type":"updates","events":[)", kComma = ",", kTail = "]}";
      out_buffers_.push_back(net::buffer(kHead));
      for (std::shared_ptr<const FeedBatch>& b : queue_) {
        if (out_buffers_.size() > 1) out_buffers_.push_back(net::buffer(kComma));
        out_buffers_.push_back(net::buffer(b->text));
        out_events_ += b->events.size();
        out_bytes_ += b->text.size();
        writing_batches_.push_back(std::move(b));  // held until the write completes: it reads them
      }
      queue_.clear();
      out_buffers_.push_back(net::buffer(kTail));
      // Asio sends at most 64 buffers a call, Beast's frame header one of them: a message of more pieces
      // is copied into one, so that it leaves in one send (with TCP_NODELAY each send is a packet and a
      // wake-up of the viewer).
      if (out_buffers_.size() > kMaxPieces) {
        joined_.clear();
        joined_.reserve(net::buffer_size(out_buffers_));
        for (const net::const_buffer& b : out_buffers_) joined_.append(static_cast<const char*>(b.data()), b.size());
        out_buffers_.assign(1, net::buffer(joined_));
      }
    }
    writing_ = true;
    next_write_ = std::chrono::steady_clock::now() + kFeedPace;
    ws_.text(true);
    ws_.async_write(out_buffers_, beast::bind_front_handler(&FeedSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    feed_->pending_bytes -= out_bytes_;
    feed_->pending_messages -= out_events_;
    writing_batches_.clear();
    std::string().swap(snapshot_);
    if (joined_.capacity() > kJoinedKept) std::string().swap(joined_);  // after a burst, not held for good
    if (ec) return;
    write_next();
  }

  // Too many updates unsent: close with 1008, dropping the queue; nobody else waits for this client.
  void fall_behind(std::size_t unsent) {
    if (closing_) return;
    closing_ = true;
    ++server_.ws_dropped;
    // The message being written (out_buffers_) stays until its write completes: the write reads from it.
    queue_.clear();
    pace_.cancel();
    const std::string reason = "fell behind: " + std::to_string(unsent) + " updates unsent";
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, reason),
                    [self = shared_from_this()](beast::error_code) { self->timer_.cancel(); });
    timer_.expires_after(kCloseGrace);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->timer_.cancel();
        self->pace_.cancel();
        return;  // closed: the session ends with its last handler
      }
      self->in_.consume(self->in_.size());  // the feed takes no messages
      self->read();
    });
  }

  Server::Impl& server_;
  websocket::stream<Transport> ws_;
  std::unique_ptr<Slot> slot_;
  net::steady_timer timer_;
  net::steady_timer pace_;  // until next_write_, when a batch came sooner
  std::chrono::steady_clock::time_point next_write_{};
  bool pacing_ = false;
  beast::flat_buffer in_;
  std::string snapshot_;  // until written
  bool snapshot_sent_ = false;
  std::deque<std::shared_ptr<const FeedBatch>> queue_;
  // The message being written: its pieces, and the batches they point into.
  std::vector<net::const_buffer> out_buffers_;
  std::vector<std::shared_ptr<const FeedBatch>> writing_batches_;
  static constexpr std::size_t kMaxPieces = 60;
  static constexpr std::size_t kJoinedKept = 256 * 1024;
  std::string joined_;  // the message, when it has more than kMaxPieces pieces
  std::size_t out_events_ = 0, out_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  std::shared_ptr<Server::Impl::Feed> feed_;
};

// The answer to a request Beast's parser refused (the connection then closes); nothing for the other
// errors (timeout, reset), which leave no one to answer.
std::optional<Answer> parse_error_answer(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    return error(bhttp::status::request_header_fields_too_large,
                 "the request header is larger than 8 KiB: send fewer or shorter headers");
  }
  if (ec == bhttp::error::body_limit) {
    return error(bhttp::status::payload_too_large, "the request body is larger than 64 KiB");
  }
  if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {  // malformed HTTP
    return error(bhttp::status::bad_request, "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------
// HTTP sessions, plain and TLS alike over Transport (the shape of Beast's advanced_server_flex example,
// without its template per stream).

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Server::Impl& server, Transport&& stream, std::unique_ptr<Slot> slot)
      : server_(server), slot_(std::move(slot)), stream_(std::move(stream)) {}

  // The TLS handshake first, within the idle time; then the first request.
  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(kIdle);
      self->stream_.async_handshake(Transport::Ended([self](beast::error_code ec) {
        if (!ec) self->read();
      }));
    });
  }

  void send(Answer a, bool keep_alive) {
    auto res = std::make_shared<Response>(a.status, version_ == 0 ? 11 : version_);
    res->set(bhttp::field::server, "crix");
    res->set(bhttp::field::content_type, a.type);
    res->set(bhttp::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    // The page runs on its own files only (web/README.md): no inline or injected script or style, no
    // other origin to load from or send to, and no framing by another site (clickjacking).
    res->set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    for (auto& [k, v] : a.headers) res->insert(k, v);
    res->body() = std::move(a.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (head_) res->body().clear();  // the headers of the GET, Content-Length included; no body
    response_ = res;
    // The idle timer ran from the read: a long query must not leave its answer too little time.
    stream_.expires_after(kIdle);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      self->response_.reset();
      if (ec) return;
      if (!keep_alive) return self->shutdown();
      self->read();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIdle);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream) return shutdown();
    if (auto a = parse_error_answer(ec)) return send(std::move(*a), false);
    if (ec) return;  // timeout, reset: nothing to answer
    Request req = parser_->release();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    head_ = req.method() == bhttp::verb::head;
    Identity who = server_.identify(req);
    who.from = slot_->address();
    if (websocket::is_upgrade(req)) {
      const auto target = parse_target(sv(req.target()));
      if (!target || target->path != "/api/v1/feed") {
        return send(error(bhttp::status::not_found, "only /api/v1/feed takes a WebSocket"), false);
      }
      if (who.refused) return send(refused_answer(who, stream_.tls()), false);
      if (who.role == Role::kPublic) {
        return send(error(bhttp::status::unauthorized, "the feed needs the regulator or operator role, and no token "
                                                       "or session was given: log in (POST /api/v1/login) or send "
                                                       "Authorization: Bearer <token>"),
                    false);
      }
      stream_.expires_never();
      std::make_shared<FeedSession>(server_, std::move(stream_), std::move(slot_))->run(std::move(req));
      return;
    }
    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    server_.handle(std::move(req), who, [self, executor](Answer a) {
      net::post(executor, [self, a = std::move(a)]() mutable { self->send(std::move(a), self->keep_alive_); });
    });
  }

  // The end of the connection. TLS: its close_notify, within 5 s. Plain: a lingering close, reading and
  // dropping until the client closes, kLinger passes or kLingerBytes arrive (a close with the client's
  // bytes unread would reset the connection before the client has read the answer); then the session
  // ends and closes the socket.
  void shutdown() {
    if (stream_.tls()) {
      stream_.expires_after(std::chrono::seconds(5));
      stream_.async_shutdown(Transport::Ended([self = shared_from_this()](beast::error_code) {}));
      return;
    }
    stream_.async_shutdown(Transport::Ended([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->stream_.expires_after(kLinger);
      self->drain(0);
    }));
  }

  void drain(std::size_t dropped) {
    auto sink = std::make_shared<std::array<char, 16 * 1024>>();
    stream_.async_read_some(net::buffer(*sink), [self = shared_from_this(), sink, dropped](beast::error_code ec,
                                                                                          std::size_t n) {
      if (!ec && dropped + n < kLingerBytes) self->drain(dropped + n);
    });
  }

  Server::Impl& server_;
  std::unique_ptr<Slot> slot_;
  Transport stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> response_;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
};

// Refuses a connection past the limits: 429 on plain HTTP, a bare close under TLS (no handshake to
// spend on it).
void refuse(tcp::socket socket, bool tls, const std::string& why) {
  if (tls) {
    beast::error_code ec;
    socket.close(ec);
    return;
  }
  auto s = std::make_shared<beast::tcp_stream>(std::move(socket));
  const std::string body = error(bhttp::status::too_many_requests, why).body;
  auto text = std::make_shared<std::string>("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                                            "Connection: close\r\nContent-Length: " +
                                            std::to_string(body.size()) + "\r\n\r\n" + body);
  s->expires_after(kLinger);
  net::async_write(*s, net::buffer(*text), [s, text](beast::error_code ec, std::size_t) {
    if (ec) return;
    s->socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    // A lingering close, as in HttpSession::shutdown: the request the client sent is read and dropped, so the
    // close does not reset the connection before the client has read the 429.
    auto sink = std::make_shared<std::array<char, 4096>>();
    s->async_read_some(net::buffer(*sink), [s, sink](beast::error_code, std::size_t) {});
  });
}

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      on_connection(std::move(socket));
      return accept();
    }
    // Out of descriptors (EMFILE, ENFILE): the waiting connection stays queued, so accepting again at
    // once fails again at once, a processor spinning until one is freed. Try again in a moment.
    accept_pause.expires_after(std::chrono::milliseconds(100));
    accept_pause.async_wait([this](beast::error_code e) {
      if (!e && acceptor.is_open()) accept();
    });
  });
}

void Server::Impl::on_connection(tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;
  const net::ip::address address = peer.address();
  std::string refused;
  {
    std::lock_guard lock(mutex);
    if (connections >= kMaxConnections) {
      refused = "the console serves at most 256 connections: try again later";
    } else if (per_address[address] >= kMaxPerAddress) {
      refused = "at most 32 connections per client address: reuse connections (keep-alive)";
    } else {
      ++connections;
      ++per_address[address];
    }
    if (!refused.empty() && per_address[address] == 0) per_address.erase(address);
  }
  if (!refused.empty()) return refuse(std::move(socket), tls.has_value(), refused);
  // Each send leaves at once. A feed message is a buffer per batch that waited (FeedSession::
  // write_next) and Asio sends at most 64 buffers a call, so a message of more batches took several
  // sends; under Nagle's algorithm each later one waited for the viewer's delayed acknowledgement, up
  // to 40 ms (bench_fix's trade to viewer p99 was about 40 ms even at window 1).
  socket.set_option(tcp::no_delay(true), ec);
  auto slot = std::make_unique<Slot>(*this, address);
  Transport stream = tls ? Transport(std::move(socket), *tls) : Transport(std::move(socket));
  std::make_shared<HttpSession>(*this, std::move(stream), std::move(slot))->run();
}

// ---------------------------------------------------------------------------------------------------
// Who is asking.

Identity Server::Impl::identify(const Request& req) {
  Identity who;
  const auto auth = req.find(bhttp::field::authorization);
  if (auth != req.end()) {
    // A token given is the request's only identity, never a fallback to the cookie.
    std::string_view value = sv(auth->value());
    // The scheme, then the token (the parser drops the spaces that end a header: "Bearer " is "Bearer").
    const std::string_view scheme = value.substr(0, value.find(' '));
    if (!beast::iequals(beast::string_view(scheme.data(), scheme.size()), "bearer")) {  // case-insensitive (RFC 9110)
      who.refused = "the Authorization header is not a bearer token: send Authorization: Bearer <token>, or no "
                    "Authorization header for the public view";
      return who;
    }
    value.remove_prefix(scheme.size());
    value = without_spaces(value);
    if (value.empty()) {
      who.refused = "no token given after \"Bearer\": send Authorization: Bearer <token>, or no Authorization "
                    "header for the public view";
      return who;
    }
    for (const config::ConsoleCredential& t : console.tokens) {
      if (gateway::token_matches(t.secret, value)) {
        who.user = t.name;
        who.role = from_config(t.role);
        return who;
      }
    }
    who.refused = "the bearer token given is not valid: it matches none of the market file's [console] tokens; "
                  "check the token (crix admin: --token, --token-file or CRIX_TOKEN), or send none for the public view";
    return who;
  }
  const auto cookie = req.find(bhttp::field::cookie);
  if (cookie == req.end()) return who;
  std::string_view rest(cookie->value().data(), cookie->value().size());
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    constexpr std::string_view kName = "crix_session=";
    if (pair.substr(0, kName.size()) == kName) {
      const std::string id(pair.substr(kName.size()));
      if (id.empty()) return who;  // what logout leaves: no session
      std::lock_guard lock(mutex);
      const auto it = sessions.find(id);
      if (it != sessions.end() && it->second.expires >= Clock::now()) {
        who.user = it->second.user;
        who.role = it->second.role;
        return who;
      }
      if (it != sessions.end()) sessions.erase(it);
      who.refused = "the session is not valid: it expired (sessions last 12 h), was logged out, or crixd restarted "
                    "(sessions live in its memory); log in again (POST /api/v1/login)";
      who.session_ended = true;
      return who;
    }
    if (semi == std::string_view::npos) break;
    rest = rest.substr(semi + 1);
  }
  return who;
}

// ---------------------------------------------------------------------------------------------------
// JSON of the Link's views.

namespace {

Json to_json(const InstrumentView& v) {
  return Json{{"symbol", v.symbol},       {"industry", v.industry},   {"unit", v.unit},
              {"phase", v.phase},         {"halted", v.halted},       {"tick", v.tick},
              {"lot", v.lot},             {"reference_price", v.reference_price},
              {"band_low", v.band_low},   {"band_high", v.band_high}, {"last_price", v.last_price == 0 ? Json(nullptr) : Json(v.last_price)},
              {"volume", v.volume},       {"value", v.value},         {"listed_max_qty", v.listed_max_qty}};
}

Json to_json(const Level& l) { return Json{{"price", l.price}, {"qty", l.qty}, {"orders", l.orders}}; }

Json levels(const std::vector<Level>& ls) {
  Json a = Json::array();
  for (const Level& l : ls) a.push_back(to_json(l));
  return a;
}

Json to_json(const TradeView& t, std::int32_t offset) {
  return Json{{"id", t.id},
              {"seq", t.seq},
              {"time", t.time},
              {"time_text", ledger::time_text(engine::Timestamp(t.time), offset)},
              {"kind", t.kind},
              {"symbol", t.symbol},
              {"price", t.price},
              {"qty", t.qty},
              {"buyer", or_null(t.buyer)},
              {"seller", or_null(t.seller)},
              {"facility", or_null(t.facility)},
              {"project", or_null(t.project)},
              {"revoked", t.revoked}};
}

Json time_or_null(std::int64_t ns, std::int32_t offset) {
  return ns == 0 ? Json(nullptr) : Json(ledger::time_text(engine::Timestamp(ns), offset));
}

Json to_json(const BlockView& b, std::int32_t offset) {
  return Json{{"id", b.id},
              {"proposed", b.proposed == 0 ? Json(nullptr) : Json(b.proposed)},
              {"proposed_text", time_or_null(b.proposed, offset)},
              {"symbol", b.symbol},
              {"side", b.side == '1' ? "buy" : "sell"},
              {"proposer", b.proposer},
              {"account", b.account},
              {"counterparty", b.counterparty},
              {"price", b.price},
              {"qty", b.qty}};
}

Json to_json(const SessionView& s, std::int32_t offset) {
  return Json{{"participant", s.participant},
              {"comp_id", s.comp_id},
              {"logged_on", s.logged_on},
              {"since", s.since == 0 ? Json(nullptr) : Json(s.since)},
              {"since_text", time_or_null(s.since, offset)},
              {"last_seen", s.last_seen == 0 ? Json(nullptr) : Json(s.last_seen)},
              {"last_seen_text", time_or_null(s.last_seen, offset)},
              {"messages_in", s.messages_in},
              {"messages_out", s.messages_out},
              {"stalled", s.stalled},
              {"refused", s.refused},
              {"failed_logons", s.failed_logons},
              {"blocked_until", s.blocked_until == 0 ? Json(nullptr) : Json(s.blocked_until)},
              {"blocked_until_text", time_or_null(s.blocked_until, offset)}};
}

Json to_json(const ParticipantView& p) {
  return Json{{"id", p.id}, {"name", p.name}, {"status", p.status}, {"open_orders", p.open_orders}, {"logged_on", p.logged_on}};
}

Json to_json(const OrderView& o, std::int32_t offset) {
  return Json{{"id", o.id},
              {"participant", o.participant},
              {"account", or_null(o.account)},
              {"side", o.side == '1' ? "buy" : "sell"},
              {"price", o.price},
              {"qty", o.qty},
              {"entered", o.entered == 0 ? Json(nullptr) : Json(o.entered)},  // resting since before crixd's start
              {"entered_text", time_or_null(o.entered, offset)}};
}

// `accepting` is what an operator reads it as: an order would be accepted now, so crixd is ready (as
// /readyz, StatusView::accepting) and the session is in continuous trading; `ready` is /readyz's. It
// was the readiness alone, and said "yes" beside "phase: closed" after the day's close.
Json to_json(const StatusView& s, std::int32_t offset) {
  const bool trading = s.phase == engine::to_string(engine::SessionPhase::kContinuous);
  return Json{{"seq", s.seq},
              {"commands", s.commands},
              {"trades", s.trades},
              {"commits", s.commits},
              {"busy", s.busy},
              {"clock_commands", s.clock_commands},
              {"chain_head", or_null(s.chain_head)},
              {"ledger_bytes", s.ledger_bytes},
              {"inbound_depth", s.inbound_depth},
              {"batch_depth", s.batch_depth},
              {"last_commit_us", s.last_commit_us},
              {"started", s.started},
              {"started_text", time_or_null(s.started, offset)},
              {"now", s.now},
              {"now_text", time_or_null(s.now, offset)},
              {"uptime_s", s.started != 0 && s.now >= s.started ? Json((s.now - s.started) / 1'000'000'000) : Json(nullptr)},
              {"phase", s.phase},
              {"accepting", s.accepting && trading},
              {"ready", s.accepting},
              {"last_error", or_null(s.last_error)},
              {"ledger_full", s.ledger_full},
              // The reason, "" when ready (docs/API.md): a script tests it for emptiness, as /readyz's reason.
              {"not_ready", s.not_ready}};
}

template <class T, class F>
Json items(const std::vector<T>& v, F f) {
  Json a = Json::array();
  for (const T& x : v) a.push_back(f(x));
  return Json{{"items", a}};
}

// A media range's q-value (RFC 9110 12.4.2: "0" to "1" with up to three decimals) in thousandths;
// a malformed one is 0, not acceptable.
int q_thousandths(std::string_view q) {
  if (q.empty() || (q[0] != '0' && q[0] != '1')) return 0;
  int v = (q[0] - '0') * 1000;
  if (q.size() == 1) return v;
  if (q[1] != '.' || q.size() > 5) return 0;
  int scale = 100;
  for (std::size_t i = 2; i < q.size(); ++i, scale /= 10) {
    if (q[i] < '0' || q[i] > '9') return 0;
    v += (q[i] - '0') * scale;
  }
  return std::min(v, 1000);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether a ledger list answers CSV: ?format=json|csv (any case) decides, else the Accept header: CSV
// when text/csv has the highest q-value of text/csv and application/json (on a tie, the one listed
// first). Media types are case-insensitive; wildcards choose neither, so */* stays JSON.
bool wants_csv(const Request& req, const Target& t) {
  if (const auto f = t.get("format")) {
    const std::string v = lower(*f);
    if (v == "csv" || v == "json") return v == "csv";
    throw BadRequest{bhttp::status::bad_request, "format '" + *f + "' is none of json, csv"};
  }
  const auto accept = req.find(bhttp::field::accept);
  if (accept == req.end()) return false;
  std::string_view rest = sv(accept->value());
  int csv = -1, json = -1;  // q in thousandths, -1 not listed
  bool json_first = false;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view range = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    int q = 1000;
    const std::size_t semi = range.find(';');
    std::string_view params = semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1);
    range = range.substr(0, semi);
    while (!params.empty()) {
      const std::size_t next = params.find(';');
      const std::string_view p = without_spaces(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') q = q_thousandths(p.substr(2));
    }
    range = without_spaces(range);
    const std::string type = lower(range);
    if (type == "text/csv" && csv < 0) csv = q;
    if (type == "application/json" && json < 0) {
      json = q;
      json_first = csv < 0;
    }
  }
  return csv > 0 && (csv > json || (csv == json && !json_first));
}

Answer csv_answer(std::string body) { return Answer{bhttp::status::ok, std::move(body), "text/csv; charset=utf-8", {}}; }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Routing.

void Server::Impl::handle(Request&& req, const Identity& who, std::function<void(Answer)> reply) {
  const auto target = parse_target(sv(req.target()));
  if (!target) return reply(error(bhttp::status::bad_request, "the request target has a bad %-escape"));
  const std::string& path = target->path;
  const bhttp::verb method = req.method();
  const auto need = [&](Role role) -> std::optional<Answer> {
    if (who.role >= role) return std::nullopt;
    const std::string roles = role == Role::kOperator ? "the operator role" : "the regulator or operator role";
    if (who.role == Role::kPublic) {
      return error(bhttp::status::unauthorized, path + " needs " + roles + ", and no token or session was given: "
                                                    "log in (POST /api/v1/login) or send Authorization: Bearer <token>");
    }
    return error(bhttp::status::forbidden, path + " needs " + roles + "; " + *who.user + " is " +
                                               std::string(role_name(who.role)));
  };
  const auto only = [&](bhttp::verb v) -> std::optional<Answer> {
    if (method == v || (v == bhttp::verb::get && method == bhttp::verb::head)) return std::nullopt;
    Answer a = error(bhttp::status::method_not_allowed,
                     path + " takes " + std::string(sv(bhttp::to_string(v))) + ", not " + std::string(sv(req.method_string())));
    // A GET endpoint takes HEAD as well (RFC 9110, 15.5.6: Allow lists every method the resource takes).
    a.headers.emplace_back("Allow", v == bhttp::verb::get ? std::string("GET, HEAD") : std::string(sv(bhttp::to_string(v))));
    return a;
  };
  const auto guard = [&](bhttp::verb v, Role role) -> std::optional<Answer> {
    if (auto a = only(v)) return a;
    return need(role);
  };
  // The parameters an endpoint takes: any other is a 400 naming it and them (partcipant= was ignored, and
  // answered every trade).
  const auto takes = [&](std::initializer_list<std::string_view> names) -> std::optional<Answer> {
    if (target->repeated) {
      return error(bhttp::status::bad_request, "parameter '" + *target->repeated + "' is given more than once: give it once");
    }
    for (const auto& [k, v] : target->query) {
      if (std::find(names.begin(), names.end(), k) != names.end()) continue;
      std::string list;
      for (const std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
      return error(bhttp::status::bad_request, path + " takes no parameter '" + k + "'" +
                                                   (list.empty() ? ": it takes none" : "; it takes " + list));
    }
    return std::nullopt;
  };
  const int offset = options.utc_offset_minutes;
  // Credentials that match nothing: 401 on every endpoint, the public ones too. Login and logout take
  // them (a stale cookie is why one logs in again), and so do the web console's files: the page must
  // load to log in.
  const bool endpoint = path.rfind("/api/", 0) == 0 || path == "/healthz" || path == "/readyz" || path == "/metrics";
  if (who.refused && endpoint && path != "/api/v1/login" && path != "/api/v1/logout") {
    return reply(refused_answer(who, tls.has_value()));
  }

  try {
    if (path == "/healthz") {
      if (auto a = only(bhttp::verb::get)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, Json{{"ok", true}}));
    }
    if (path == "/readyz") {
      if (auto a = only(bhttp::verb::get)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      const StatusView s = link.status();
      Json body{{"ready", s.accepting}};
      if (!s.accepting && !s.not_ready.empty()) body["reason"] = s.not_ready;
      return reply(json_answer(s.accepting ? bhttp::status::ok : bhttp::status::service_unavailable, body));
    }
    if (path == "/metrics") {
      if (auto a = guard(bhttp::verb::get, Role::kRegulator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(metrics());
    }
    if (path == "/api/v1/login") {
      if (auto a = only(bhttp::verb::post)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(login(req, who.from));
    }
    if (path == "/api/v1/logout") {
      if (auto a = only(bhttp::verb::post)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(logout(req));
    }
    if (path == "/api/v1/me") {
      if (auto a = only(bhttp::verb::get)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, Json{{"user", who.user ? Json(*who.user) : Json(nullptr)},
                                                       {"role", role_name(who.role)}}));
    }
    if (path == "/api/v1/status") {
      if (auto a = guard(bhttp::verb::get, Role::kRegulator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, to_json(link.status(), offset)));
    }
    if (path == "/api/v1/instruments") {
      if (auto a = only(bhttp::verb::get)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, items(link.instruments(), [](const auto& v) { return to_json(v); })));
    }
    if (path.rfind("/api/v1/book/", 0) == 0) {
      const std::string orders_value = target->get("orders").value_or("0");
      const bool orders = orders_value == "1";
      if (auto a = guard(bhttp::verb::get, orders ? Role::kOperator : Role::kRegulator)) return reply(*a);
      if (auto a = takes({"depth", "orders"})) return reply(*a);
      if (orders_value != "0" && orders_value != "1") {
        return reply(error(bhttp::status::bad_request, "orders '" + orders_value + "' is neither 0 nor 1 (1: with every order)"));
      }
      const std::string symbol = path.substr(std::string_view("/api/v1/book/").size());
      std::size_t depth = 0;
      if (const auto d = target->get("depth")) depth = whole("depth", *d, 0, 100'000);
      const std::optional<BookView> b = link.book(symbol, depth, orders);
      if (!b) return reply(error(bhttp::status::not_found, "no instrument '" + symbol + "': see /api/v1/instruments"));
      Json j{{"symbol", b->symbol}, {"seq", b->seq}, {"bids", levels(b->bids)}, {"asks", levels(b->asks)}};
      if (orders) {
        Json os = Json::array();
        for (const OrderView& o : b->orders) os.push_back(to_json(o, offset));
        j["orders"] = os;
      }
      return reply(json_answer(bhttp::status::ok, j));
    }
    if (path == "/api/v1/trades/recent") {
      if (auto a = guard(bhttp::verb::get, Role::kRegulator)) return reply(*a);
      if (auto a = takes({"limit"})) return reply(*a);
      std::size_t limit = kDefaultLimit;
      if (const auto l = target->get("limit")) limit = whole("limit", *l, 1, kMaxLimit);
      return reply(json_answer(bhttp::status::ok,
                               items(link.recent_trades(limit), [&](const auto& t) { return to_json(t, offset); })));
    }
    if (path == "/api/v1/blocks") {
      if (auto a = guard(bhttp::verb::get, Role::kRegulator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, items(link.blocks(), [&](const auto& b) { return to_json(b, offset); })));
    }
    if (path == "/api/v1/auctions") {
      if (auto a = only(bhttp::verb::get)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      // The feed's writer: an operator's items are the feed's auctions; the public's name no bidder.
      const auto bidders = who.role >= Role::kRegulator ? feed_json::Bidders::kShown : feed_json::Bidders::kHidden;
      std::string body = "{\"items\":[";
      for (const AuctionView& v : link.auctions()) {
        if (body.back() != '[') body += ',';
        feed_json::auction(body, v, offset, bidders);
      }
      body += "]}\n";  // as json_answer ends it
      return reply(Answer{bhttp::status::ok, std::move(body), "application/json", {}});
    }
    if (path == "/api/v1/sessions") {
      if (auto a = guard(bhttp::verb::get, Role::kRegulator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, items(link.sessions(), [&](const auto& s) { return to_json(s, offset); })));
    }
    if (path == "/api/v1/participants") {
      if (auto a = guard(bhttp::verb::get, Role::kRegulator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(json_answer(bhttp::status::ok, items(link.participants(), [](const auto& p) { return to_json(p); })));
    }
    if (path.rfind("/api/v1/ledger/", 0) == 0) {
      const std::string what = path.substr(std::string_view("/api/v1/ledger/").size());
      const bool open = what == "elimination" || what == "daily" || what == "report";
      if (auto a = guard(bhttp::verb::get, open ? Role::kPublic : Role::kRegulator)) return reply(*a);
      // An unknown query is ledger_query's 404, whatever its parameters.
      const std::optional<Answer> bad_parameter =
          what == "trades" ? takes({"participant", "facility", "project", "region", "industry", "from", "to", "after", "limit", "format"})
          : what == "elimination" ? takes({"status", "industry", "region", "facility", "after", "limit", "format"})
          : what.rfind("facilities/", 0) == 0 || what.rfind("projects/", 0) == 0 || what == "operator-actions"
              ? takes({"after", "limit", "format"})
          : what == "regions" ? takes({"format"})
          : what == "daily" || what == "report" ? takes({"day", "format"})
          : what == "verify" ? takes({})
                             : std::nullopt;
      if (bad_parameter) return reply(*bad_parameter);
      net::post(*queries, [this, what, t = *target, csv = wants_csv(req, *target), role = who.role, reply] {
        reply(answer_errors([&] { return ledger_query(what, t, csv, role); }));
      });
      return;
    }
    if (path == "/api/v1/feed") {
      if (auto a = need(Role::kRegulator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return reply(error(bhttp::status::bad_request, "/api/v1/feed is a WebSocket: send Upgrade: websocket"));
    }
    if (path.rfind("/api/v1/actions/", 0) == 0) {
      if (auto a = guard(bhttp::verb::post, Role::kOperator)) return reply(*a);
      if (auto a = takes({})) return reply(*a);
      return action(path.substr(std::string_view("/api/v1/actions/").size()), req, who, reply);
    }
    if (path.rfind("/api/", 0) == 0) {
      return reply(error(bhttp::status::not_found, "no endpoint " + path + ": see docs/API.md"));
    }
    if (auto a = only(bhttp::verb::get)) return reply(*a);
    return reply(static_file(path));
  } catch (const BadRequest& e) {
    return reply(error(e.status, e.what));
  } catch (const ledger::Error& e) {
    return reply(error(bhttp::status::service_unavailable, std::string("the ledger could not be read: ") + e.what()));
  }
}

template <class F>
Answer Server::Impl::answer_errors(F&& f) {
  try {
    return f();
  } catch (const BadRequest& e) {
    return error(e.status, e.what);
  } catch (const ledger::Error& e) {
    return error(bhttp::status::service_unavailable, std::string("the ledger could not be read: ") + e.what());
  } catch (const std::exception& e) {  // on a query thread nothing else would catch it
    return error(bhttp::status::internal_server_error, std::string("the query failed: ") + e.what());
  }
}

Answer Server::Impl::login(const Request& req, const std::string& from) {
  Json body;
  try {
    body = Json::parse(req.body());
  } catch (const Json::exception& e) {  // not JSON, or a number out of range (out_of_range 406)
    return error(bhttp::status::bad_request, std::string("the body is not usable JSON: ") + e.what());
  }
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() || !body.contains("password") ||
      !body["password"].is_string()) {
    return error(bhttp::status::bad_request, "expected {\"user\": \"...\", \"password\": \"...\"}");
  }
  const std::string user = body["user"].get<std::string>();
  const std::string password = body["password"].get<std::string>();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  std::size_t index = gateway::LogonGuard::kNoParticipant;
  for (std::size_t i = 0; i < console.users.size(); ++i) {
    if (console.users[i].name == user) index = i;
  }
  // Refused before the password is hashed, the right one too, while the user or address waits.
  if (const std::string why = logins.refusal(index, user, from, now); !why.empty()) {
    return error(bhttp::status::too_many_requests, why);
  }
  for (const config::ConsoleCredential& u : console.users) {
    if (u.name == user && gateway::password_matches(u.secret, password)) {
      logins.succeeded(index);
      const std::string id = random_id();
      {
        std::lock_guard lock(mutex);
        for (auto it = sessions.begin(); it != sessions.end();) {
          it = it->second.expires < Clock::now() ? sessions.erase(it) : std::next(it);
        }
        sessions[id] = Session{u.name, from_config(u.role), Clock::now() + kSessionLife};
      }
      Answer a = json_answer(bhttp::status::ok, Json{{"user", u.name}, {"role", role_name(from_config(u.role))}});
      a.headers.emplace_back("Set-Cookie", "crix_session=" + id + "; HttpOnly; SameSite=Strict; Path=/" +
                                               (tls ? "; Secure" : "") + "; Max-Age=43200");
      return a;
    }
  }
  logins.failed(index, from, now);
  return error(bhttp::status::unauthorized, "user or password wrong");
}

Answer Server::Impl::logout(const Request& req) {
  const auto cookie = req.find(bhttp::field::cookie);
  if (cookie != req.end()) {
    const std::string_view v(cookie->value().data(), cookie->value().size());
    const std::size_t at = v.find("crix_session=");
    if (at != std::string_view::npos) {
      const std::string_view rest = v.substr(at + 13);
      const std::string id(rest.substr(0, rest.find(';')));
      std::lock_guard lock(mutex);
      sessions.erase(id);
    }
  }
  Answer a = json_answer(bhttp::status::ok, Json{{"user", nullptr}, {"role", "public"}});
  a.headers.emplace_back("Set-Cookie", std::string("crix_session=; HttpOnly; SameSite=Strict; Path=/") +
                                           (tls ? "; Secure" : "") + "; Max-Age=0");
  return a;
}

Answer Server::Impl::metrics() {
  const MetricsView m = link.metrics();
  const StatusView s = link.status();
  std::ostringstream o;
  o << "# HELP crix_orders_total Orders received since start.\n# TYPE crix_orders_total counter\n"
    << "crix_orders_total " << m.orders << "\n";
  o << "# HELP crix_rejects_total Orders and commands refused, by reason.\n# TYPE crix_rejects_total counter\n";
  for (const auto& [reason, n] : m.rejects_by_reason) {
    o << "crix_rejects_total{reason=\"" << escape_label(reason) << "\"} " << n << "\n";
  }
  o << "# HELP crix_trades_total Trades since start.\n# TYPE crix_trades_total counter\n"
    << "crix_trades_total " << m.trades << "\n";
  // Prometheus's base unit is the second: the Link's microseconds are scaled here.
  const auto histogram = [&](const char* name, const char* help, const std::vector<double>& bounds_us,
                             const std::vector<std::uint64_t>& counts, double sum_us) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
    bool inf = false;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < bounds_us.size() && i < counts.size(); ++i) {
      inf = inf || std::isinf(bounds_us[i]);
      total = counts[i];
      o << name << "_bucket{le=\"" << seconds_text(bounds_us[i]) << "\"} " << counts[i] << "\n";
    }
    if (!inf) o << name << "_bucket{le=\"+Inf\"} " << total << "\n";
    o << name << "_sum " << seconds_text(sum_us) << "\n" << name << "_count " << total << "\n";
  };
  histogram("crix_ack_latency_seconds", "Request received to its report leaving, in seconds.", m.ack_bounds_us,
            m.ack_counts, m.ack_sum_us);
  histogram("crix_commit_seconds", "Ledger commit time, in seconds.", m.commit_bounds_us, m.commit_counts,
            m.commit_sum_us);
  o << "# HELP crix_queue_depth Commands waiting, by queue.\n# TYPE crix_queue_depth gauge\n"
    << "crix_queue_depth{queue=\"inbound\"} " << s.inbound_depth << "\n"
    << "crix_queue_depth{queue=\"batch\"} " << s.batch_depth << "\n";
  std::size_t on = 0, off = 0, blocked = 0;
  for (const SessionView& v : link.sessions()) {
    (v.logged_on ? on : off) += 1;
    if (v.blocked_until != 0) ++blocked;
  }
  o << "# HELP crix_sessions FIX sessions, by state.\n# TYPE crix_sessions gauge\n"
    << "crix_sessions{state=\"logged_on\"} " << on << "\n"
    << "crix_sessions{state=\"logged_off\"} " << off << "\n";
  o << "# HELP crix_sessions_blocked FIX sessions whose logons wait out a back-off or lockout.\n"
    << "# TYPE crix_sessions_blocked gauge\ncrix_sessions_blocked " << blocked << "\n";
  o << "# HELP crix_logons_failed_total FIX logons with a wrong password or username.\n"
    << "# TYPE crix_logons_failed_total counter\ncrix_logons_failed_total " << m.failed_logons << "\n";
  o << "# HELP crix_logons_throttled_total FIX logons refused during a back-off or lockout.\n"
    << "# TYPE crix_logons_throttled_total counter\ncrix_logons_throttled_total " << m.throttled_logons << "\n";
  o << "# HELP crix_fix_connections_dropped_total FIX connections closed for their peer: over a cap, no Logon "
       "in time, bad input.\n# TYPE crix_fix_connections_dropped_total counter\ncrix_fix_connections_dropped_total "
    << m.dropped_connections << "\n";
  o << "# HELP crix_ledger_full 1 while the ledger's disk is full and orders are refused.\n"
    << "# TYPE crix_ledger_full gauge\ncrix_ledger_full " << (m.ledger_full ? 1 : 0) << "\n";
  o << "# HELP crix_refused_for_space_total Requests refused because the ledger's disk was full.\n"
    << "# TYPE crix_refused_for_space_total counter\ncrix_refused_for_space_total " << m.refused_for_space << "\n";
  o << "# HELP crix_book_levels Price levels in the book, by symbol and side.\n# TYPE crix_book_levels gauge\n";
  for (const InstrumentView& i : link.instruments()) {
    const auto b = link.book(i.symbol, 0, false);
    if (!b) continue;
    o << "crix_book_levels{symbol=\"" << escape_label(i.symbol) << "\",side=\"bid\"} " << b->bids.size() << "\n"
      << "crix_book_levels{symbol=\"" << escape_label(i.symbol) << "\",side=\"ask\"} " << b->asks.size() << "\n";
  }
  o << "# HELP crix_ledger_bytes Size of the ledger file.\n# TYPE crix_ledger_bytes gauge\n"
    << "crix_ledger_bytes " << s.ledger_bytes << "\n";
  o << "# HELP crix_ws_clients Console feed clients connected.\n# TYPE crix_ws_clients gauge\n"
    << "crix_ws_clients " << ws_clients.load() << "\n";
  o << "# HELP crix_ws_dropped_total Console feed clients closed (1008) for falling behind.\n"
    << "# TYPE crix_ws_dropped_total counter\n"
    << "crix_ws_dropped_total " << ws_dropped.load() << "\n";
  return Answer{bhttp::status::ok, o.str(), "text/plain; version=0.0.4; charset=utf-8", {}};
}

// ---------------------------------------------------------------------------------------------------
// The ledger: the regulator's queries, the serializer of `crix ledger`.

namespace {

// A paged list: {"items": [...], "next_after": id|null, "more": n}.
std::string page_json(const std::vector<std::string>& columns, const std::vector<ledger::Row>& rows,
                      std::optional<std::uint64_t> next_after, std::uint64_t more) {
  std::string out = "{\"items\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) out += (i == 0 ? "\n  " : ",\n  ") + ledger::json_object(columns, rows[i]);
  out += rows.empty() ? "]" : "\n]";
  out += ", \"next_after\": " + (next_after ? std::to_string(*next_after) : std::string("null")) +
         ", \"more\": " + std::to_string(more) + "}\n";
  return out;
}

// The public notice's fields of the elimination list: what a published 淘汰名单 shows, without the
// enterprise's registry id, the inventory reference and the time of the last status change.
const std::vector<std::string>& public_elimination_columns() {
  static const std::vector<std::string> kColumns = [] {
    std::vector<std::string> c;
    for (const std::string& name : ledger::elimination_columns()) {
      if (name != "enterprise_id" && name != "inventory_ref" && name != "status_since") c.push_back(name);
    }
    return c;
  }();
  return kColumns;
}

ledger::Row pick(const std::vector<std::string>& all, const ledger::Row& row, const std::vector<std::string>& wanted) {
  ledger::Row out;
  for (const std::string& w : wanted) {
    const auto it = std::find(all.begin(), all.end(), w);
    out.push_back(row[static_cast<std::size_t>(it - all.begin())]);
  }
  return out;
}

}  // namespace

Answer Server::Impl::ledger_query(const std::string& what, const Target& t, bool csv, Role role) {
  const ledger::Reader reader = link.reader();
  const ledger::Names names(reader);
  const auto unknown = [](std::string_view kind, const std::string& id, std::string_view where) {
    return BadRequest{bhttp::status::not_found,
                      std::string(kind) + " '" + id + "' is not in the ledger; see " + std::string(where)};
  };
  engine::TradeId after{};
  if (const auto a = t.get("after")) after = engine::TradeId(whole("after", *a, 0, std::numeric_limits<std::int64_t>::max()));
  std::size_t limit = kDefaultLimit;
  if (const auto l = t.get("limit")) limit = whole("limit", *l, 1, kMaxLimit);

  // Pages a list of items with trade ids: CSV takes the whole list (from `after`), JSON one page.
  const auto list = [&](const std::vector<std::string>& columns, auto fetch, auto row, auto id_of, auto left) {
    if (csv) {
      std::string body = ledger::csv_header(columns);
      engine::TradeId from = after;
      for (;;) {
        const auto batch = fetch(ledger::Page{from, kCsvPage});
        for (const auto& x : batch) {
          body += ledger::csv_row(row(x), columns.size());
          from = id_of(x);
        }
        if (batch.size() < kCsvPage) break;
      }
      return csv_answer(std::move(body));
    }
    const auto batch = fetch(ledger::Page{after, limit});
    std::vector<ledger::Row> rows;
    for (const auto& x : batch) rows.push_back(row(x));
    std::optional<std::uint64_t> next;
    std::uint64_t more = 0;
    if (!batch.empty()) {
      const engine::TradeId last = id_of(batch.back());
      more = left(last);
      if (more > 0) next = last.v;
    }
    return Answer{bhttp::status::ok, page_json(columns, rows, next, more), "application/json", {}};
  };

  if (what == "trades") {
    std::optional<std::pair<ledger::TradeIndex, std::uint32_t>> listed;
    int chosen = 0;
    for (const char* k : {"participant", "facility", "project", "region", "industry"}) chosen += t.get(k) ? 1 : 0;
    const bool range = t.get("from") || t.get("to");
    if (chosen + (range ? 1 : 0) > 1) {
      throw BadRequest{bhttp::status::bad_request,
                       "choose one of participant, facility, project, region, industry, or a time range from/to"};
    }
    if (const auto v = t.get("participant")) {
      const auto i = names.participant(*v);
      if (!i) throw unknown("participant", *v, "/api/v1/participants");
      listed = {ledger::TradeIndex::kParticipant, *i};
    } else if (const auto f = t.get("facility")) {
      const auto i = names.facility(*f);
      if (!i) throw unknown("facility", *f, "the market file");
      listed = {ledger::TradeIndex::kFacility, *i};
    } else if (const auto p = t.get("project")) {
      const auto i = names.project(*p);
      if (!i) throw unknown("project", *p, "the market file");
      listed = {ledger::TradeIndex::kProject, *i};
    } else if (const auto g = t.get("region")) {
      const auto i = names.region(*g);
      if (!i) throw unknown("region code", *g, "/api/v1/ledger/regions");
      listed = {ledger::TradeIndex::kRegion, *i};
    } else if (const auto n = t.get("industry")) {
      listed = {ledger::TradeIndex::kIndustry, static_cast<std::uint32_t>(industry_parameter(*n))};
    }
    // from/to: nanoseconds since the epoch, or a local time as `crix ledger trades --from/--to` takes it
    // (ledger::local_span: a date, or a date and minute or second). `to` is inclusive, as the CLI's: up to
    // the end of the nanosecond, day, minute or second it names.
    const std::int32_t zone = names.meta().utc_offset_minutes;
    const auto span = [&](std::string_view name, const std::string& v) -> ledger::LocalSpan {
      if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const auto ns = static_cast<std::int64_t>(whole(name, v, 0, std::numeric_limits<std::int64_t>::max() - 1));
        return {engine::Timestamp(ns), engine::Timestamp(ns + 1)};
      }
      const ledger::LocalSpanText local = ledger::local_span(v, zone);
      if (!local.span) {
        throw BadRequest{bhttp::status::bad_request, std::string(name) + " '" + v + "' " + local.problem +
                                                         " (the market's time), or nanoseconds since the epoch"};
      }
      return *local.span;
    };
    const engine::Timestamp from = t.get("from") ? span("from", *t.get("from")).first : engine::Timestamp(0);
    const engine::Timestamp to =
        t.get("to") ? span("to", *t.get("to")).end : engine::Timestamp(std::numeric_limits<std::int64_t>::max());
    const auto fetch = [&](const ledger::Page& page) {
      if (!listed) return range ? reader.trades_between(from, to, page) : reader.trades(page);
      const std::uint32_t key = listed->second;
      switch (listed->first) {
        case ledger::TradeIndex::kParticipant: return reader.trades_by_participant(engine::ParticipantId(key), page);
        case ledger::TradeIndex::kFacility: return reader.trades_by_facility(ledger::FacilityIndex(key), page);
        case ledger::TradeIndex::kProject: return reader.trades_by_project(ledger::ProjectIndex(key), page);
        case ledger::TradeIndex::kRegion: return reader.trades_by_region(ledger::RegionIndex(key), page);
        case ledger::TradeIndex::kIndustry: return reader.trades_by_industry(static_cast<engine::Industry>(key), page);
      }
      return std::vector<ledger::Trade>{};
    };
    const auto left = [&](engine::TradeId a) {
      if (listed) return reader.count_listed(listed->first, listed->second, a, kMoreCap);
      return std::min(range ? reader.count_between(from, to, a) : reader.count_trades(a), kMoreCap);
    };
    return list(
        ledger::trade_columns(), fetch, [&](const ledger::Trade& x) { return ledger::trade_row(names, x); },
        [](const ledger::Trade& x) { return x.id; }, left);
  }
  if (what == "elimination") {
    ledger::EliminationFilter filter;
    if (const auto f = t.get("facility")) {
      const auto i = names.facility(*f);
      if (!i) throw unknown("facility", *f, "the market file");
      filter.facility = ledger::FacilityIndex(*i);
    }
    if (const auto g = t.get("region")) {
      const auto i = names.region(*g);
      if (!i) throw unknown("region code", *g, "/api/v1/ledger/regions");
      filter.region = ledger::RegionIndex(*i);
    }
    if (const auto s = t.get("status")) {
      filter.status = engine::elimination_status(*s);
      if (!filter.status) {
        throw BadRequest{bhttp::status::bad_request,
                         "status '" + *s + "' is none of publicised, confirmed, shut, dismantled, revoked"};
      }
    }
    if (const auto n = t.get("industry")) filter.industry = industry_parameter(*n);
    const bool full = role != Role::kPublic;
    const auto& columns = full ? ledger::elimination_columns() : public_elimination_columns();
    const auto row = [&](const ledger::EliminationItem& e) {
      const ledger::Row r = ledger::elimination_row(names, e);
      return full ? r : pick(ledger::elimination_columns(), r, columns);
    };
    const auto fetch = [&](const ledger::Page& page) { return reader.elimination_list(filter, page); };
    const auto left = [&](engine::TradeId a) { return reader.count_elimination(filter, a, kMoreCap); };
    return list(columns, fetch, row, [](const ledger::EliminationItem& e) { return e.entry.trade; }, left);
  }
  // A facility's history and a project's progress: its state and a page of its trades (JSON), or all
  // its trades from `after` (CSV), as the lists above.
  const auto sections_page = [&](ledger::TradeIndex index, std::uint32_t key, auto sections) {
    const ledger::Page page{after, csv ? std::numeric_limits<std::size_t>::max() : limit};
    const auto [s, last] = sections(page);
    if (csv) return csv_answer(ledger::csv_sections(s));
    std::optional<std::uint64_t> next;
    std::uint64_t more = 0;
    if (last) {
      more = reader.count_listed(index, key, *last, kMoreCap);
      if (more > 0) next = last->v;
    }
    return Answer{bhttp::status::ok, ledger::json_sections(s, next, more), "application/json", {}};
  };
  if (what.rfind("facilities/", 0) == 0) {
    const std::string id = what.substr(11);
    const auto i = names.facility(id);
    if (!i) throw unknown("facility", id, "the market file");
    return sections_page(ledger::TradeIndex::kFacility, *i, [&](const ledger::Page& page) {
      const auto h = reader.facility_history(ledger::FacilityIndex(*i), page);
      if (!h) throw unknown("facility", id, "the market file");
      const std::optional<engine::TradeId> last = h->trades.empty() ? std::nullopt : std::optional(h->trades.back().id);
      return std::pair(ledger::facility_sections(names, *h), last);
    });
  }
  if (what.rfind("projects/", 0) == 0) {
    const std::string id = what.substr(9);
    const auto i = names.project(id);
    if (!i) throw unknown("project", id, "the market file");
    return sections_page(ledger::TradeIndex::kProject, *i, [&](const ledger::Page& page) {
      const auto g = reader.project_progress(ledger::ProjectIndex(*i));
      if (!g) throw unknown("project", id, "the market file");
      const auto trades = reader.trades_by_project(ledger::ProjectIndex(*i), page);
      const std::optional<engine::TradeId> last = trades.empty() ? std::nullopt : std::optional(trades.back().id);
      return std::pair(ledger::project_sections(names, *g, trades), last);
    });
  }
  if (what == "regions") {
    const ledger::Sections s = ledger::regions_sections(reader);
    return csv ? csv_answer(ledger::csv_sections(s)) : Answer{bhttp::status::ok, ledger::json_sections(s), "application/json", {}};
  }
  if (what == "daily" || what == "report") {
    const std::vector<ledger::DailyStats> all = reader.daily_stats(
        ledger::Day(std::numeric_limits<std::int32_t>::min() / 2), ledger::Day(std::numeric_limits<std::int32_t>::max() / 2));
    std::optional<ledger::Day> day;
    if (const auto d = t.get("day")) day = day_parameter("day", *d);
    ledger::Table table;
    if (what == "daily") {
      std::vector<ledger::DailyStats> days;
      for (const auto& d : all) {
        if (!day || d.day == *day) days.push_back(d);
      }
      table = ledger::daily_table(names, days);
    } else {
      if (!day && all.empty()) {
        throw BadRequest{bhttp::status::not_found, "the ledger holds no trades yet: give ?day=YYYY-MM-DD"};
      }
      table = ledger::report_table(names, all, day ? *day : all.back().day);
    }
    if (csv) return csv_answer(ledger::csv_table(table));
    std::vector<ledger::Row> rows = table.rows;
    return Answer{bhttp::status::ok, page_json(table.columns, rows, std::nullopt, 0), "application/json", {}};
  }
  if (what == "verify") {
    const ledger::VerifyReport r = ledger::verify(reader);
    Json j{{"ok", r.ok()},
           {"trades", r.trades},
           {"journal", r.journal},
           {"elimination", r.elimination},
           {"chain_head", ledger::to_hex(r.chain_head)},
           {"problem", r.problem ? Json(r.problem->what) : Json(nullptr)},
           {"first_bad_trade", r.problem && r.problem->trade.v != 0 ? Json(r.problem->trade.v) : Json(nullptr)}};
    return json_answer(bhttp::status::ok, j);
  }
  if (what == "operator-actions") {
    // The audit trail (ledger schema 5): who gave each operator command, what it asked, what came of it.
    const std::vector<std::string> columns = {"seq", "time", "time_text", "operator", "command", "arguments", "result"};
    const auto row_of = [&](const ledger::OperatorAction& a) {
      return ledger::Row{ledger::number_cell(static_cast<unsigned long long>(a.seq.v)),
                         ledger::number_cell(static_cast<long long>(a.ts.v)),
                         ledger::text_cell(ledger::time_text(a.ts, names.meta().utc_offset_minutes)),
                         ledger::text_cell(a.operator_name), ledger::text_cell(a.command),
                         ledger::text_cell(a.arguments), ledger::text_cell(a.result)};
    };
    if (csv) {
      std::string body = ledger::csv_header(columns);
      ledger::Page page{engine::TradeId(after.v), kCsvPage};
      for (;;) {
        const std::vector<ledger::OperatorAction> batch = reader.operator_actions(page);
        for (const ledger::OperatorAction& a : batch) body += ledger::csv_row(row_of(a), columns.size());
        if (batch.size() < kCsvPage) break;
        page.after = engine::TradeId(batch.back().seq.v);
      }
      return csv_answer(std::move(body));
    }
    const std::vector<ledger::OperatorAction> actions = reader.operator_actions(ledger::Page{engine::TradeId(after.v), limit});
    std::vector<ledger::Row> rows;
    for (const ledger::OperatorAction& a : actions) rows.push_back(row_of(a));
    const std::uint64_t more =
        actions.empty() ? 0 : reader.count_operator_actions(actions.back().seq);
    return Answer{bhttp::status::ok,
                  page_json(columns, rows, more > 0 ? std::optional<std::uint64_t>(actions.back().seq.v) : std::nullopt, more),
                  "application/json", {}};
  }
  throw BadRequest{bhttp::status::not_found, "no ledger query '" + what + "': see docs/API.md"};
}

// ---------------------------------------------------------------------------------------------------
// Operator actions.

engine::Command Server::Impl::parse_action(const std::string& verb, const Json& body) const {
  using engine::CommandType;
  const engine::Market& m = options.market;
  const auto text = [&](const char* key) -> std::string {
    if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().empty()) {
      throw BadRequest{bhttp::status::bad_request, verb + " needs \"" + key + "\": a non-empty string"};
    }
    return body[key].get<std::string>();
  };
  // A whole-number field in [lo, hi], or a 400 naming the field, the range and what was given. JSON has
  // one number type: nlohmann keeps 2^63 .. 2^64-1 as unsigned and larger ones as a double, so the value
  // is compared as what it is, never cast first (2^63 cast to a signed id was "no trade
  // -9223372036854775808", refused by the exchange after it had been journaled).
  const auto whole_field = [&](const std::string& key, std::int64_t lo, std::int64_t hi,
                               std::string_view what) -> std::int64_t {
    const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!body.contains(key)) {
      throw BadRequest{bhttp::status::bad_request, verb + " needs \"" + key + "\": " + range + " (" + std::string(what) + ")"};
    }
    const Json& v = body[key];
    const bool fits = v.is_number_unsigned()  ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi) &&
                                                   v.get<std::uint64_t>() >= static_cast<std::uint64_t>(std::max<std::int64_t>(lo, 0))
                      : v.is_number_integer() ? v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi
                                              : false;
    if (!fits) {
      throw BadRequest{bhttp::status::bad_request, verb + ": \"" + key + "\" must be " + range + " (" +
                                                       std::string(what) + "), not " +
                                                       v.dump(-1, ' ', false, Json::error_handler_t::replace)};
    }
    return v.get<std::int64_t>();
  };
  // Trade ids are journaled and described as signed 64-bit numbers (and the API's `after` takes the same).
  const auto trade = [&]() -> std::uint64_t {
    return static_cast<std::uint64_t>(whole_field("trade", 1, std::numeric_limits<std::int64_t>::max(), "a trade id"));
  };
  const auto index_of = [&](const auto& list, const std::string& id, auto id_of, const char* kind) -> std::uint32_t {
    for (std::uint32_t i = 0; i < list.size(); ++i) {
      if (id_of(list[i]) == id) return i;
    }
    throw BadRequest{bhttp::status::not_found, std::string("no ") + kind + " '" + id + "' in the market"};
  };
  const auto symbol = [&] {
    return index_of(m.instruments, text("symbol"), [](const engine::Instrument& i) { return i.code; }, "instrument");
  };
  const auto participant = [&] {
    return index_of(m.participants, text("participant"), [](const engine::Participant& p) { return p.id; }, "participant");
  };
  const auto facility = [&] {
    return index_of(m.facilities, text("facility"), [](const engine::Facility& f) { return f.id; }, "facility");
  };
  const auto project = [&] {
    return index_of(m.projects, text("project"), [](const engine::Project& p) { return p.id; }, "project");
  };
  // Every action may say why (journaled in the audit trail); a key the action does not take is a 400
  // naming it, as a query parameter is: a misspelt "reasn" was dropped, and the command journaled
  // without its reason.
  static const std::map<std::string_view, std::vector<std::string_view>> kKeys = {
      {"halt", {"symbol"}},
      {"resume", {"symbol"}},
      {"suspend", {"participant"}},
      {"reinstate", {"participant"}},
      {"close-day", {}},
      {"revoke", {"trade"}},
      {"elimination-status", {"trade", "status"}},
      {"amend-facility", {"facility", "field", "value"}},
      {"amend-project", {"project", "field", "value"}},
      {"register", {"facility", "project"}},
      {"auction-announce", {"auction", "opens", "closes"}},
      {"auction-cancel", {"auction"}}};
  if (const auto keys = kKeys.find(verb); keys != kKeys.end()) {
    for (const auto& [key, ignored] : body.items()) {
      if (key == "reason" || std::find(keys->second.begin(), keys->second.end(), key) != keys->second.end()) continue;
      std::string valid;
      for (const std::string_view k : keys->second) valid += std::string(k) + ", ";
      throw BadRequest{bhttp::status::bad_request, verb + " takes no \"" + key + "\": it takes " + valid + "reason"};
    }
  }
  if (body.contains("reason") && !body["reason"].is_string()) {
    throw BadRequest{bhttp::status::bad_request, verb + ": \"reason\" must be a string"};
  }
  // A reason is a sentence for the audit trail and a Logout's Text, not a document: 3,000 characters
  // pushed the trail's result column off the page.
  // Characters, not bytes (a Chinese one is three), as the page's maxlength counts them.
  constexpr std::size_t kMaxReason = 500;
  if (body.contains("reason")) {
    const std::string& reason = body["reason"].get_ref<const std::string&>();
    const auto characters = static_cast<std::size_t>(
        std::count_if(reason.begin(), reason.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    if (characters > kMaxReason) {
      throw BadRequest{bhttp::status::bad_request, verb + ": \"reason\" has " + std::to_string(characters) +
                                                       " characters, more than the " + std::to_string(kMaxReason) +
                                                       " a reason may have: say it shorter"};
    }
  }
  // An amendment's value: a whole number in the field's range, or (a flag) true or false; expires is
  // read where it is parsed, below.
  const auto value = [&](const std::string& field, std::int64_t lo, std::int64_t hi) -> std::int64_t {
    return whole_field("value", lo, hi, "the new " + field);
  };
  const auto flag = [&](const std::string& field) -> std::int64_t {
    if (body.contains("value") && body["value"].is_boolean()) return body["value"].get<bool>() ? 1 : 0;
    throw BadRequest{bhttp::status::bad_request,
                     verb + ": \"value\" of " + field + " must be true or false" +
                         (body.contains("value") ? ", not " + body["value"].dump(-1, ' ', false, Json::error_handler_t::replace)
                                                 : std::string())};
  };

  engine::Command c;
  if (verb == "halt" || verb == "resume") {
    c.type = verb == "halt" ? CommandType::kHalt : CommandType::kResume;
    c.instrument = engine::InstrumentId(symbol());
  } else if (verb == "suspend" || verb == "reinstate") {
    c.type = verb == "suspend" ? CommandType::kSuspend : CommandType::kReinstate;
    c.participant = engine::ParticipantId(participant());
  } else if (verb == "close-day") {
    c.type = CommandType::kCloseDay;
  } else if (verb == "revoke") {
    c.type = CommandType::kRevoke;
    c.id = engine::OrderId(trade());
  } else if (verb == "elimination-status") {
    c.type = CommandType::kSetEliminationStatus;
    c.id = engine::OrderId(trade());
    const std::string s = text("status");
    const auto status = engine::elimination_status(s);
    if (!status || *status == engine::EliminationStatus::kPublicised || *status == engine::EliminationStatus::kRevoked) {
      throw BadRequest{bhttp::status::bad_request,
                       "status '" + s + "' is none of confirmed, shut, dismantled (a revocation is its own action: revoke, crix admin revoke TRADE)"};
    }
    c.qty = engine::Qty(static_cast<std::int64_t>(*status));
  } else if (verb == "amend-facility") {
    c.type = CommandType::kAmendFacility;
    c.side = engine::Side::kSell;
    c.account = engine::AccountId(facility());
    const std::string key = text("field");
    const auto field = engine::facility_field(key);
    if (!field) throw BadRequest{bhttp::status::bad_request, "no facility field '" + key + "'"};
    c.id = engine::OrderId(static_cast<std::uint64_t>(*field));
    switch (*field) {
      case engine::FacilityField::kCapacity: c.qty = engine::Qty(value(key, 1, 10'000'000'000)); break;
      case engine::FacilityField::kIdleYears: c.qty = engine::Qty(value(key, 0, 1000)); break;
      case engine::FacilityField::kExpires: {
        const Json& v = body.contains("value") ? body["value"] : Json();
        if (v.is_string() && v.get<std::string>() == "none") {
          c.qty = engine::Qty(-1);
        } else if (v.is_string()) {
          c.qty = engine::Qty(day_parameter("value", v.get<std::string>()).v);
        } else {
          throw BadRequest{bhttp::status::bad_request, "expires takes a date \"YYYY-MM-DD\" or \"none\""};
        }
        break;
      }
      default: c.qty = engine::Qty(flag(key)); break;
    }
  } else if (verb == "amend-project") {
    c.type = CommandType::kAmendProject;
    c.side = engine::Side::kBuy;
    c.account = engine::AccountId(project());
    const std::string key = text("field");
    const auto field = engine::project_field(key);
    if (!field) throw BadRequest{bhttp::status::bad_request, "no project field '" + key + "' (fields: new_capacity, status)"};
    c.id = engine::OrderId(static_cast<std::uint64_t>(*field));
    if (*field == engine::ProjectField::kNeed) {
      c.qty = engine::Qty(value(key, 1, 10'000'000'000));
    } else {
      const std::string s = body.contains("value") && body["value"].is_string() ? body["value"].get<std::string>() : "";
      std::optional<std::int64_t> status;
      for (std::int64_t k = 0; k <= static_cast<std::int64_t>(engine::ProjectStatus::kCanceled); ++k) {
        if (engine::to_string(static_cast<engine::ProjectStatus>(k)) == s) status = k;
      }
      if (!status) throw BadRequest{bhttp::status::bad_request, "status '" + s + "' is none of approved, filed, completed, canceled"};
      c.qty = engine::Qty(*status);
    }
  } else if (verb == "register") {
    c.type = CommandType::kRegister;
    if (body.contains("facility") == body.contains("project")) {
      throw BadRequest{bhttp::status::bad_request, "register takes {\"facility\": \"...\"} or {\"project\": \"...\"}"};
    }
    if (body.contains("facility")) {
      c.side = engine::Side::kSell;
      c.account = engine::AccountId(facility());
    } else {
      c.side = engine::Side::kBuy;
      c.account = engine::AccountId(project());
    }
  } else if (verb == "auction-announce" || verb == "auction-cancel") {
    c.type = verb == "auction-announce" ? CommandType::kAuctionAnnounce : CommandType::kAuctionCancel;
    c.id = engine::OrderId(
        index_of(m.auctions, text("auction"), [](const engine::AuctionTerms& a) { return a.id; }, "auction"));
    if (verb == "auction-announce") {
      // The window: opens in Command::price, closes in expire_at (engine::auction_opens).
      const std::int32_t offset = m.exchange.utc_offset_minutes;
      const engine::Timestamp now(link.status().now);
      c.price = engine::Price(window_edge_parameter("opens", text("opens"), now, offset, true).v);
      c.expire_at = window_edge_parameter("closes", text("closes"), now, offset, false);
    }
  } else {
    throw BadRequest{bhttp::status::not_found,
                     "no action '" + verb + "' (halt, resume, suspend, reinstate, close-day, revoke, elimination-status, "
                                            "amend-facility, amend-project, register, auction-announce, auction-cancel)"};
  }
  return c;
}

void Server::Impl::action(const std::string& verb, const Request& req, const Identity& who,
                          const std::function<void(Answer)>& reply) {
  Json body;
  try {
    body = req.body().empty() ? Json::object() : Json::parse(req.body());
  } catch (const Json::exception& e) {  // not JSON, or a number out of range (out_of_range 406)
    return reply(error(bhttp::status::bad_request, std::string("the body is not usable JSON: ") + e.what()));
  }
  if (!body.is_object()) return reply(error(bhttp::status::bad_request, "the body must be a JSON object"));
  const engine::Command command = parse_action(verb, body);
  // Every action may say why (parse_action checked it is a string): journaled
  // in the audit trail, and a suspended participant's sessions are logged out with it.
  const std::string reason = body.contains("reason") ? body["reason"].get<std::string>() : std::string();
  // `done` runs on the ledger thread: it only builds the answer and hands it to `reply`, which posts.
  link.submit(command, *who.user, reason, [reply](const ActionResult& r) {
    if (r.ok) return reply(json_answer(bhttp::status::ok, Json{{"ok", true}, {"seq", r.seq}}));
    if (r.seq == 0) {
      Answer a = error(bhttp::status::service_unavailable, "not queued: " + r.reason + "; try again");
      return reply(std::move(a));
    }
    reply(json_answer(bhttp::status::unprocessable_entity,
                      Json{{"ok", false}, {"code", "rejected"}, {"reject_code", r.reject_code}, {"error", r.reason}, {"seq", r.seq}}));
  });
}

// ---------------------------------------------------------------------------------------------------
// Static files.

Answer Server::Impl::static_file(const std::string& path) {
  const auto missing = [&] { return error(bhttp::status::not_found, "no file " + path); };
  if (web_root.empty()) return missing();
  std::string rel = path == "/" ? "/index.html" : path;
  // The path is already %-decoded: refuse what could step out before the file system sees it.
  if (rel.front() != '/' || rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos) return missing();
  std::string_view rest = std::string_view(rel).substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part == ".." || part == "." || part.empty()) return missing();
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::canonical(web_root / rel.substr(1), ec);
  if (ec) return missing();
  // After resolving symlinks the file must still lie under the root.
  const auto [root_end, file_it] = std::mismatch(web_root.begin(), web_root.end(), file.begin(), file.end());
  if (root_end != web_root.end() || !std::filesystem::is_regular_file(file, ec)) return missing();
  std::ifstream in(file, std::ios::binary);
  if (!in) return missing();
  std::ostringstream data;
  data << in.rdbuf();
  return Answer{bhttp::status::ok, data.str(), content_type(file), {}};
}

// ---------------------------------------------------------------------------------------------------

Server::Server(Link& link, const config::Console& console, ServerOptions options)
    : impl_(std::make_unique<Impl>(link, console, std::move(options))) {
  Impl& s = *impl_;
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(s.options.host, ec);
  if (ec) throw std::runtime_error("console: '" + s.options.host + "' is not an IP address: give one like 127.0.0.1");
  if (!console.tls_cert.empty()) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    s.tls->use_certificate_chain_file(console.tls_cert.string(), ec);
    if (ec) {
      throw std::runtime_error("console: cannot use [console] tls_cert " + console.tls_cert.string() + ": " +
                               ec.message() + "; give a PEM certificate chain");
    }
    s.tls->use_private_key_file(console.tls_key.string(), ssl::context::pem, ec);
    if (ec) {
      throw std::runtime_error("console: cannot use [console] tls_key " + console.tls_key.string() + ": " +
                               ec.message() + "; give the certificate's PEM private key");
    }
  } else if (!is_loopback(address)) {
    throw std::runtime_error("console: plain HTTP is served only on a loopback address, not " + s.options.host +
                             ": set [console] tls_cert and tls_key (PEM files) in the market file for HTTPS, "
                             "or listen on 127.0.0.1");
  }
  if (!s.options.web_root.empty()) {
    std::error_code fe;
    s.web_root = std::filesystem::canonical(s.options.web_root, fe);
    if (fe || !std::filesystem::is_directory(s.web_root)) {
      throw std::runtime_error("console: web root " + s.options.web_root + " is not a directory");
    }
  }
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) s.bound_port = s.acceptor.local_endpoint(ec).port();
  if (ec) {
    throw std::runtime_error("console: cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                             ": " + ec.message() + "; choose another port (crixd --http HOST:PORT or [exchange] http_port)");
  }
}

Server::~Server() { stop(); }

void Server::start() {
  Impl& s = *impl_;
  if (s.running) return;
  s.running = true;
  s.accept();
  const unsigned n = std::max(1u, s.options.threads);
  for (unsigned i = 0; i < n; ++i) {
    s.threads.emplace_back([&s] {
      pthread_setname_np(pthread_self(), "crix-http");
      s.ioc.run();
    });
  }
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.running) {
    if (s.acceptor.is_open()) {
      beast::error_code ec;
      s.acceptor.close(ec);
    }
    return;
  }
  s.running = false;
  // A query still running posts its answer to the io_context, which drops it once stopped.
  s.queries->stop();
  s.queries->join();
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  beast::error_code ec;
  s.acceptor.close(ec);
  // No feed callback may post to the io_context once it is gone.
  std::set<std::shared_ptr<Impl::Feed>> feeds;
  {
    std::lock_guard lock(s.mutex);
    feeds.swap(s.feeds);
  }
  for (const auto& f : feeds) {
    bool registered = false;
    {
      std::lock_guard lock(f->mutex);
      registered = f->alive;
      f->alive = false;
    }
    if (registered) s.link.unsubscribe(f->handle);
  }
}

std::uint16_t Server::port() const { return impl_->bound_port; }

unsigned Server::answer_bytes(std::string_view bytes) {
  Impl& s = *impl_;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  beast::error_code ec;
  while (!bytes.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(net::buffer(bytes.data(), bytes.size()), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) {
      const std::optional<Answer> refused = parse_error_answer(ec);
      return refused ? static_cast<unsigned>(refused->status) : 0;
    }
    bytes.remove_prefix(used);
  }
  if (!parser.is_done()) return 0;
  Request req = parser.release();
  if (websocket::is_upgrade(req)) return 0;  // the feed needs a connection
  const Identity who = s.identify(req);
  std::promise<Answer> answered;
  std::future<Answer> answer = answered.get_future();
  s.handle(std::move(req), who, [&answered](Answer a) { answered.set_value(std::move(a)); });
  return static_cast<unsigned>(answer.get().status);
}

bool Server::tls() const { return impl_->tls.has_value(); }

}  // namespace crix::http
