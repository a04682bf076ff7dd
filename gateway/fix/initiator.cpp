// crix::fix::Initiator (fix_api.hpp): one client session over QuickFIX's ThreadedSocketInitiator (one
// connection thread, frames written on the caller's thread: the benchmark's load client needs the
// same short path as the exchange, see acceptor.cpp), or its ThreadedSSLSocketInitiator for FIX over
// TLS (InitiatorConfig::tls) with a context of our own (tls.hpp, use_context() below).
//
// Thread rules as in fix_api.hpp. The logon state is an atomic plus, under mutex_, what the last
// attempt and the last Logout said; wait_logged_on() waits on changed_.
#include <openssl/ssl.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "gateway/fix/common.hpp"
#include "gateway/fix/message_store.hpp"
#include "gateway/fix/tls.hpp"

namespace crix {
namespace fix {

namespace {

constexpr const char* kWho = "FIX initiator";
constexpr const char* kBeginString = "FIX.4.4";
constexpr auto kStopWait = std::chrono::milliseconds(3500);  // as the Acceptor's (acceptor.cpp)
// Longer than QuickFIX takes to close a connection it has logged out of, shorter than a reconnect.
constexpr auto kDisconnectWait = std::chrono::milliseconds(1500);

// QuickFIX reports a refused TCP connection only as an event of the initiator's log; this log passes
// events on and drops message traffic. Sessions get no log (create() returns nullptr, which QuickFIX
// treats as "no log"), so no lock is taken per message for logging.
class EventLog final : public FIX::Log {
 public:
  explicit EventLog(std::function<void(const std::string&)> on_event) : on_event_(std::move(on_event)) {}
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string&) override {}
  void onOutgoing(const std::string&) override {}
  void onEvent(const std::string& event) override { on_event_(event); }

 private:
  std::function<void(const std::string&)> on_event_;
};

class EventLogFactory final : public FIX::LogFactory {
 public:
  explicit EventLogFactory(std::function<void(const std::string&)> on_event)
      : on_event_(std::move(on_event)) {}
  FIX::Log* create() override { return new EventLog(on_event_); }
  FIX::Log* create(const FIX::SessionID&) override { return nullptr; }
  // A session without a log hands back its own NullLog member (SessionState::log()): only ours are
  // deleted.
  void destroy(FIX::Log* log) override { delete dynamic_cast<EventLog*>(log); }

 private:
  std::function<void(const std::string&)> on_event_;
};

// The ClientHandler must not throw (fix_api.hpp); if it does, the exception stops here rather than in
// QuickFIX's connection thread, where it would end the process.
template <class Call>
void quietly(Call call) {
  try {
    call();
  } catch (...) {
  }
}

// The one protected query of QuickFIX's initiators that stop() needs (a pointer to a protected member
// formed in a derived class may be applied to any FIX::Initiator).
struct Disconnected : FIX::Initiator {
  static bool of(FIX::Initiator& initiator, const FIX::SessionID& id) {
    return (initiator.*&Disconnected::isDisconnected)(id);
  }
};

// QuickFIX 1.15.1's SSL initiator builds its SSL_CTX from settings in onInitialize() (start()), with
// no minimum version, no host name check, and a verify callback that prints every certificate to
// stdout. Its context is private; a context set before start(), marked initialised, is used as it is
// (onInitialize returns at once) and freed by its destructor. Naming private members in an explicit
// instantiation is allowed (access is not checked there); the friend functions hand the pointers out.
template <class Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type member(Tag) { return Member; }
};
struct SslContextMember {
  using type = SSL_CTX* FIX::ThreadedSSLSocketInitiator::*;
  friend type member(SslContextMember);
};
struct SslInitMember {
  using type = bool FIX::ThreadedSSLSocketInitiator::*;
  friend type member(SslInitMember);
};
template struct Expose<SslContextMember, &FIX::ThreadedSSLSocketInitiator::m_ctx>;
template struct Expose<SslInitMember, &FIX::ThreadedSSLSocketInitiator::m_sslInit>;

void use_context(FIX::ThreadedSSLSocketInitiator& initiator, const TlsContext& context) {
  SSL_CTX_up_ref(context.get());  // the initiator's reference, freed by its destructor
  initiator.*member(SslContextMember{}) = context.get();
  initiator.*member(SslInitMember{}) = true;
}

}  // namespace

class Initiator::Impl final : public detail::ApplicationBase {
 public:
  Impl(const InitiatorConfig& config, ClientHandler& handler);
  ~Impl() override;

  void start();
  void stop();
  bool wait_logged_on(int timeout_ms);
  bool logged_on() const { return logged_on_.load(); }
  std::string logout_text() const;
  std::string last_error() const;
  template <class Message>
  bool send(const Message& message);
  bool send_raw(const std::string& fields);
  bool probe(const std::string& id);

 private:
  enum class State { kCreated, kStarted, kStopped };

  // FIX::Application
  void onLogon(const FIX::SessionID& id) override;
  void onLogout(const FIX::SessionID& id) override;
  void toAdmin(FIX::Message& message, const FIX::SessionID& id) override;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
  void toApp(FIX::Message& message, const FIX::SessionID& id) throw(FIX::DoNotSend) override;
#pragma GCC diagnostic pop
  void from_admin(const FIX::Message& message, const FIX::SessionID& id) override;
  void from_app(const FIX::Message& message, const FIX::SessionID& id) override;

  void on_global_event(const std::string& event);
  void deliver(const FIX::Message& message, const std::string& type);
  // ClientHandler::on_resent with the message's PossDupFlag(43).
  void tell_resent(const FIX::Message& message);

  const InitiatorConfig config_;
  ClientHandler& handler_;
  FIX::SessionID id_;
  FIX::Session* session_ = nullptr;
  std::unique_ptr<FIX::MessageStoreFactory> store_;  // InitiatorConfig::store_dir's FileStore, or memory
  EventLogFactory log_factory_;
  std::unique_ptr<FIX::Initiator> initiator_;  // after what it uses: destroyed first
  // The SecurityList being received, one message per instrument; only the session's thread uses it.
  SecurityList security_list_;

  std::atomic<bool> logged_on_{false};  // from QuickFIX's onLogon to its onLogout: send() works
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool logon_done_ = false;           // logged on and ClientHandler::on_logon has returned
  bool failed_ = false;               // the attempt since start() or the last logon failed
  bool handshaken_ = false;           // TLS: a handshake since start() succeeded
  std::string last_error_;
  std::string logout_text_;           // Text of the last Logout received
  std::string connection_logout_text_;  // ... on the current connection, for on_logout()
  // Text of the Logout this side sent on the current connection before it was logged on: QuickFIX
  // ends a logon whose answer it cannot take (MsgSeqNum too low: the exchange's numbers are behind the
  // store's) with a Logout of its own.
  std::string sent_logout_text_;

  std::mutex state_mutex_;  // start() and stop(); never taken by a QuickFIX callback
  State state_ = State::kCreated;
};

Initiator::Impl::Impl(const InitiatorConfig& config, ClientHandler& handler)
    : config_(config),
      handler_(handler),
      log_factory_([this](const std::string& event) { on_global_event(event); }) {
  const std::string who = kWho;
  if (config.host.empty()) throw std::runtime_error(who + ": host is empty");
  if (config.port == 0) throw std::runtime_error(who + ": port 0 is not allowed: give the exchange's port");
  detail::check_comp_id(config.comp_id, "comp_id", who);
  detail::check_comp_id(config.exchange_comp_id, "exchange_comp_id", who);
  if (config.heartbeat_seconds <= 0) {
    throw std::runtime_error(who + ": heartbeat_seconds must be positive, not " +
                             std::to_string(config.heartbeat_seconds));
  }
  if (config.reconnect_seconds <= 0) {
    throw std::runtime_error(who + ": reconnect_seconds must be positive, not " +
                             std::to_string(config.reconnect_seconds));
  }
  if (config.begin_string != kBeginString && config.dictionary_path.empty()) {
    throw std::runtime_error(who + ": begin_string " + config.begin_string +
                             " needs dictionary_path: a dictionary of that FIX version (ours is FIX.4.4)");
  }
  const std::string dictionary = detail::resolve_dictionary(config.dictionary_path, who);

  id_ = FIX::SessionID(config.begin_string, config.comp_id, config.exchange_comp_id);
  if (FIX::Session::doesSessionExist(id_)) {
    throw std::runtime_error(who + ": session " + id_.toString() +
                             " already exists in this process (another Initiator for this comp id?)");
  }
  FIX::Dictionary defaults = detail::base_settings(dictionary);
  defaults.setString(FIX::CONNECTION_TYPE, "initiator");
  defaults.setString(FIX::SOCKET_CONNECT_HOST, config.host);
  defaults.setInt(FIX::SOCKET_CONNECT_PORT, config.port);
  defaults.setInt(FIX::HEARTBTINT, config.heartbeat_seconds);
  defaults.setInt(FIX::RECONNECT_INTERVAL, config.reconnect_seconds);
  defaults.setBool(FIX::VALIDATE_USER_DEFINED_FIELDS, config.validate_user_defined_fields);
  try {
    if (!config.store_dir.empty()) {
      // The numbers and sent messages survive this process (fix_api.hpp, InitiatorConfig::store_dir);
      // one session that never ends, as the exchange's.
      store_.reset(new detail::LastingFileStoreFactory(config.store_dir));
      detail::lasting_session(defaults);
      defaults.setBool(FIX::RESET_ON_LOGON, config.reset_on_logon);
    } else {
      store_.reset(new FIX::MemoryStoreFactory);
    }
    FIX::SessionSettings settings;
    settings.set(defaults);
    settings.set(id_, defaults);
    if (config.tls) {
      TlsFiles files;
      files.certificate = config.tls_certificate;
      files.key = config.tls_key;
      files.ca = config.tls_ca;
      files.certificate_key = "tls_certificate";
      files.key_key = "tls_key";
      files.ca_key = "tls_ca";
      TlsContext context;
      try {
        context = make_client_context(files, config.host);
      } catch (const TlsError& e) {
        throw std::runtime_error(who + ": " + e.what());
      }
      std::unique_ptr<FIX::ThreadedSSLSocketInitiator> tls(
          new FIX::ThreadedSSLSocketInitiator(*this, *store_, settings, log_factory_));
      use_context(*tls, context);
      initiator_ = std::move(tls);
    } else {
      initiator_.reset(new FIX::ThreadedSocketInitiator(*this, *store_, settings, log_factory_));
    }
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(who + ": QuickFIX refused the configuration: " + std::string(e.what()));
  }
  session_ = initiator_->getSession(id_);
  // A store with no numbers yet has nothing to continue, and the exchange may hold numbers from an
  // earlier client of this comp id: the first logon starts both afresh (ResetSeqNumFlag=Y).
  if (!config.store_dir.empty() && !config.reset_on_logon && session_->getExpectedSenderNum() == 1 &&
      session_->getExpectedTargetNum() == 1) {
    session_->setResetOnLogon(true);
  }
}

Initiator::Impl::~Impl() {
  stop();
  initiator_.reset();
}

void Initiator::Impl::start() {
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (state_ != State::kCreated) {
    throw std::runtime_error(std::string(kWho) + ": already started once; make a new Initiator");
  }
  {
    std::lock_guard<std::mutex> guard(mutex_);
    failed_ = false;
    last_error_.clear();
  }
  if (config_.tls) ::signal(SIGPIPE, SIG_IGN);  // fix_api.hpp, InitiatorConfig::tls
  try {
    initiator_->start();
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string(kWho) + ": cannot start: " + e.what());
  }
  state_ = State::kStarted;
}

void Initiator::Impl::stop() {
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (state_ != State::kStarted) {
    state_ = State::kStopped;
    return;
  }
  // logout() also keeps QuickFIX from connecting again.
  session_->logout();
  if (logged_on_.load()) {
    // QuickFIX sends the Logout in its connection thread's next pass, up to a second away; the
    // exchange's answer to a TestRequest wakes that thread at once.
    FIX::Message request;
    detail::encode_test_request("CRIX-LOGOUT", request);
    session_->send(request);
    std::unique_lock<std::mutex> wait(mutex_);
    changed_.wait_for(wait, kStopWait, [this] { return !logged_on_.load(); });
  }
  // A connection thread whose connection ends while the initiator runs detaches itself, and its last
  // act is to mark the session disconnected (QuickFIX 1.15.1, ThreadedSocketInitiator::socketThread).
  // Nothing joins it: stopping and destroying the initiator before that mark would leave it touching
  // freed memory. QuickFIX signals nothing, so the mark is polled; a connection still open at the
  // deadline is closed and joined by stop() itself.
  const auto deadline = std::chrono::steady_clock::now() + kDisconnectWait;
  while (!Disconnected::of(*initiator_, id_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  initiator_->stop(true);
  state_ = State::kStopped;
}

bool Initiator::Impl::wait_logged_on(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms),
                    [this] { return logon_done_ || failed_; });
  if (!logon_done_ && !failed_ && config_.tls && !handshaken_ && last_error_.empty()) {
    // A server that does not speak TLS (plain FIX reads a ClientHello as the start of a frame) waits
    // for more and answers nothing: QuickFIX's handshake blocks until it closes the connection.
    last_error_ = "the TLS handshake with " + config_.host + ":" + std::to_string(config_.port) +
                  " got no answer within " + std::to_string(timeout_ms) + " ms";
  }
  return logon_done_;
}

std::string Initiator::Impl::logout_text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return logout_text_;
}

std::string Initiator::Impl::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

namespace {

// Set while send() sends a request marked OrderRequest::poss_dup, for toApp() on the same thread.
thread_local bool t_poss_dup = false;

bool poss_dup_of(const OrderRequest& request) { return request.poss_dup; }
template <class Message>
bool poss_dup_of(const Message&) {
  return false;
}

}  // namespace

template <class Message>
bool Initiator::Impl::send(const Message& message) {
  if (!logged_on_.load()) return false;
  FIX::Message out;
  detail::encode(message, out);
  struct Marked {  // for toApp(), during this send only (also when it throws)
    explicit Marked(bool on) { t_poss_dup = on; }
    ~Marked() { t_poss_dup = false; }
  } marked(poss_dup_of(message));
  return session_->send(out);
}

bool Initiator::Impl::send_raw(const std::string& fields) {
  FIX::Message out;
  detail::encode_raw(fields, out);
  if (!logged_on_.load()) return false;
  return session_->send(out);
}

bool Initiator::Impl::probe(const std::string& id) {
  FIX::Message request;
  detail::encode_test_request(id, request);
  if (!logged_on_.load()) return false;
  return session_->send(request);
}

void Initiator::Impl::on_global_event(const std::string& event) {
  std::string error;
  if (event == "Connection failed") {
    error = "cannot connect to " + config_.host + ":" + std::to_string(config_.port);
  } else if (event == "Connection succeeded") {
    // The SSL initiator says so after the handshake (the plain one says it to the session's log, which
    // we do not keep).
    std::lock_guard<std::mutex> lock(mutex_);
    handshaken_ = true;
    return;
  } else if (event.compare(0, 18, "SSL_connect failed") == 0) {
    // On the connection's thread, right after the handshake failed: OpenSSL's reason is still queued.
    error = "the TLS handshake with " + config_.host + ":" + std::to_string(config_.port) + " failed: " +
            tls_errors("the exchange closed the connection (is it serving TLS on this port?)");
  } else {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
    last_error_ = error;
  }
  changed_.notify_all();
}

// on_logon runs before wait_logged_on() returns, and may already send().
void Initiator::Impl::onLogon(const FIX::SessionID&) {
  // Later logons continue the numbers (see the constructor's fresh start).
  if (!config_.store_dir.empty() && !config_.reset_on_logon) session_->setResetOnLogon(false);
  logged_on_ = true;
  quietly([this] { handler_.on_logon(); });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    logon_done_ = true;
    failed_ = false;
    last_error_.clear();
  }
  changed_.notify_all();
}

void Initiator::Impl::onLogout(const FIX::SessionID&) {
  const bool was_logged_on = logged_on_.exchange(false);
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    logon_done_ = false;
    text.swap(connection_logout_text_);
    std::string sent;
    sent.swap(sent_logout_text_);
    if (!was_logged_on) {
      failed_ = true;
      if (!text.empty()) {
        last_error_ = "the exchange refused the logon: " + text;
      } else if (!sent.empty()) {
        last_error_ = "this side ended the logon, as the exchange's answer did not fit: " + sent;
      } else {
        last_error_ = "the exchange closed the connection without answering the Logon (is comp id " + config_.comp_id +
                      " configured there?" + (config_.tls ? std::string(")") : " Does it take FIX over TLS only?)");
      }
    }
  }
  changed_.notify_all();
  quietly([&] { handler_.on_logout(text); });
}

// QuickFIX's Session::send() removes PossDupFlag and OrigSendingTime, then fills in the header and calls
// this: a request sent again by choice gets them back, OrigSendingTime = SendingTime (FIX requires it
// with PossDupFlag, QuickFIX refuses one later than SendingTime, and the first sending time is the
// caller's to know, not ours).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
void Initiator::Impl::toApp(FIX::Message& message, const FIX::SessionID&) throw(FIX::DoNotSend) {
#pragma GCC diagnostic pop
  if (!t_poss_dup) return;
  FIX::Header& header = message.getHeader();
  header.setField(detail::tag::kPossDupFlag, "Y");
  header.setField(detail::tag::kOrigSendingTime, header.getField(FIX::FIELD::SendingTime));
}

void Initiator::Impl::toAdmin(FIX::Message& message, const FIX::SessionID&) {
  const std::string type = detail::msg_type(message);
  if (type == "A") {
    if (!config_.username.empty()) message.setField(detail::tag::kUsername, config_.username);
    if (!config_.password.empty()) message.setField(detail::tag::kPassword, config_.password);
  } else if (type == "5" && !logged_on_.load()) {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_logout_text_ =
        message.isSetField(detail::tag::kText) ? message.getField(detail::tag::kText) : std::string("(no Text)");
  }
  detail::apply_expected_text(message);
}

void Initiator::Impl::tell_resent(const FIX::Message& message) {
  const FIX::Header& header = message.getHeader();
  const bool resent = header.isSetField(detail::tag::kPossDupFlag) && header.getField(detail::tag::kPossDupFlag) == "Y";
  quietly([&] { handler_.on_resent(resent); });
}

void Initiator::Impl::from_admin(const FIX::Message& message, const FIX::SessionID&) {
  detail::forget_expected_text();
  tell_resent(message);
  const std::string type = detail::msg_type(message);
  if (type == "2" && config_.store_dir.empty()) detail::count_resend_request(*session_, message);
  if (type == "0" && message.isSetField(detail::tag::kTestReqID)) {
    const std::string id = message.getField(detail::tag::kTestReqID);
    quietly([&] { handler_.on_probe_answered(id); });
  } else if (type == "5") {
    const std::string text =
        message.isSetField(detail::tag::kText) ? message.getField(detail::tag::kText) : std::string();
    std::lock_guard<std::mutex> lock(mutex_);
    logout_text_ = text;
    connection_logout_text_ = text;
  } else if (type == "3") {
    SessionReject reject;
    try {
      detail::decode(message, reject);
    } catch (const detail::FieldError& e) {
      detail::expect_text('3', e.tag, e.text);
      throw FIX::IncorrectDataFormat(e.tag, e.value);
    }
    quietly([&] { handler_.on_session_reject(reject); });
  }
}

void Initiator::Impl::from_app(const FIX::Message& message, const FIX::SessionID&) {
  detail::forget_expected_text();
  try {
    tell_resent(message);
    deliver(message, detail::msg_type(message));
  } catch (const detail::FieldError& e) {
    detail::expect_text('3', e.tag, e.text);
    throw FIX::IncorrectDataFormat(e.tag, e.value);
  } catch (const FIX::UnsupportedMessageType&) {
    throw;
  } catch (...) {
    // A ClientHandler must not throw (fix_api.hpp); the message has been delivered as far as it goes.
  }
}

void Initiator::Impl::deliver(const FIX::Message& message, const std::string& type) {
  if (type == "AE") {
    TradeCaptureReport report;
    detail::decode(message, report);
    handler_.on_trade_capture_report(report);
    return;
  }
  if (type == "AR") {
    TradeCaptureReportAck ack;
    detail::decode(message, ack);
    handler_.on_trade_capture_ack(ack);
    return;
  }
  if (type == "AQ") {
    TradeCaptureReportRequestAck ack;
    detail::decode(message, ack);
    handler_.on_trade_capture_request_ack(ack);
    return;
  }
  if (type == "h") {
    TradingSessionStatus status;
    detail::decode(message, status);
    handler_.on_trading_session_status(status);
    return;
  }
  if (type.size() != 1) throw FIX::UnsupportedMessageType();
  switch (type[0]) {
    case '8': {
      ExecReport report;
      detail::decode(message, report);
      handler_.on_exec_report(report);
      return;
    }
    case '9': {
      CancelReject reject;
      detail::decode(message, reject);
      handler_.on_cancel_reject(reject);
      return;
    }
    case 'r': {
      MassCancelReport report;
      detail::decode(message, report);
      handler_.on_mass_cancel_report(report);
      return;
    }
    case 'j': {
      BusinessReject reject;
      detail::decode(message, reject);
      handler_.on_business_reject(reject);
      return;
    }
    case 'W': {
      MarketDataSnapshot snapshot;
      detail::decode(message, snapshot);
      handler_.on_market_data(snapshot);
      return;
    }
    case 'X': {
      MarketDataIncremental update;
      detail::decode(message, update);
      handler_.on_market_data(update);
      return;
    }
    case 'Y': {
      MarketDataReject reject;
      detail::decode(message, reject);
      handler_.on_market_data_reject(reject);
      return;
    }
    case 'y': {
      // One message per instrument: the list is handed over whole, at its last fragment.
      if (detail::decode(message, security_list_)) {
        SecurityList list;
        std::swap(list, security_list_);
        handler_.on_security_list(list);
      }
      return;
    }
    default:
      throw FIX::UnsupportedMessageType();
  }
}

// ---- the public face ----------------------------------------------------------------------------------

Initiator::Initiator(const InitiatorConfig& config, ClientHandler& handler)
    : impl_(new Impl(config, handler)) {}
Initiator::~Initiator() = default;
void Initiator::start() { impl_->start(); }
void Initiator::stop() { impl_->stop(); }
bool Initiator::wait_logged_on(int timeout_ms) { return impl_->wait_logged_on(timeout_ms); }
bool Initiator::logged_on() const { return impl_->logged_on(); }
std::string Initiator::logout_text() const { return impl_->logout_text(); }
std::string Initiator::last_error() const { return impl_->last_error(); }
bool Initiator::send(const OrderRequest& request) { return impl_->send(request); }
bool Initiator::send(const MarketDataRequest& request) { return impl_->send(request); }
bool Initiator::send(const SecurityListRequest& request) { return impl_->send(request); }
bool Initiator::send(const TradeCaptureReport& report) { return impl_->send(report); }
bool Initiator::send(const TradeCaptureReportRequest& request) { return impl_->send(request); }
bool Initiator::send(const TradingSessionStatusRequest& request) { return impl_->send(request); }
bool Initiator::send_raw(const std::string& fields) { return impl_->send_raw(fields); }
bool Initiator::probe(const std::string& id) { return impl_->probe(id); }

}  // namespace fix
}  // namespace crix
