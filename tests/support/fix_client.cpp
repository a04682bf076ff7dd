#include "tests/support/fix_client.hpp"

#include <algorithm>

namespace crix::test {

void RecordingClient::on_logon() {
  board.update([&] { ++logons; });
}
void RecordingClient::on_logout(const std::string& text) {
  board.update([&] { logouts.push_back(text); });
}
void RecordingClient::on_exec_report(const crix::fix::ExecReport& report) {
  board.update([&] {
    report_index[report.cl_ord_id].push_back(reports.size());
    reports.push_back(report);
  });
}
void RecordingClient::on_cancel_reject(const crix::fix::CancelReject& reject) {
  board.update([&] { cancel_rejects.push_back(reject); });
}
void RecordingClient::on_business_reject(const crix::fix::BusinessReject& reject) {
  board.update([&] { business_rejects.push_back(reject); });
}
void RecordingClient::on_session_reject(const crix::fix::SessionReject& reject) {
  board.update([&] { session_rejects.push_back(reject); });
}
void RecordingClient::on_market_data(const crix::fix::MarketDataSnapshot& snapshot) {
  board.update([&] { snapshots.push_back(snapshot); });
}
void RecordingClient::on_market_data(const crix::fix::MarketDataIncremental& update) {
  board.update([&] { incrementals.push_back(update); });
}
void RecordingClient::on_market_data_reject(const crix::fix::MarketDataReject& reject) {
  board.update([&] { market_data_rejects.push_back(reject); });
}
void RecordingClient::on_security_list(const crix::fix::SecurityList& list) {
  board.update([&] { security_lists.push_back(list); });
}
void RecordingClient::on_mass_cancel_report(const crix::fix::MassCancelReport& report) {
  board.update([&] { mass_cancel_reports.push_back(report); });
}
void RecordingClient::on_trade_capture_report(const crix::fix::TradeCaptureReport& report) {
  board.update([&] { trade_reports.push_back(report); });
}
void RecordingClient::on_trade_capture_ack(const crix::fix::TradeCaptureReportAck& ack) {
  board.update([&] { trade_acks.push_back(ack); });
}
void RecordingClient::on_trade_capture_request_ack(const crix::fix::TradeCaptureReportRequestAck& ack) {
  board.update([&] { trade_request_acks.push_back(ack); });
}
void RecordingClient::on_trading_session_status(const crix::fix::TradingSessionStatus& status) {
  board.update([&] { trading_session_statuses.push_back(status); });
}

bool RecordingClient::has(const std::string& cl_ord_id, char exec_type) const {
  return count(cl_ord_id, exec_type) > 0;
}

const std::vector<std::size_t>& RecordingClient::positions(const std::string& cl_ord_id) const {
  static const std::vector<std::size_t> kNone;
  const auto it = report_index.find(cl_ord_id);
  return it == report_index.end() ? kNone : it->second;
}

std::size_t RecordingClient::count(const std::string& cl_ord_id) const { return positions(cl_ord_id).size(); }

std::size_t RecordingClient::count(const std::string& cl_ord_id, char exec_type) const {
  const std::vector<std::size_t>& at = positions(cl_ord_id);
  return static_cast<std::size_t>(
      std::count_if(at.begin(), at.end(), [&](std::size_t i) { return reports[i].exec_type == exec_type; }));
}

std::vector<crix::fix::ExecReport> RecordingClient::reports_for(const std::string& cl_ord_id) {
  return board.read([&] {
    std::vector<crix::fix::ExecReport> out;
    for (std::size_t i : positions(cl_ord_id)) out.push_back(reports[i]);
    return out;
  });
}

std::optional<crix::fix::ExecReport> RecordingClient::wait_for(const std::string& cl_ord_id, char exec_type,
                                                               std::size_t nth, int ms) {
  std::optional<crix::fix::ExecReport> found;
  board.wait(
      [&] {
        std::size_t seen = 0;
        for (std::size_t i : positions(cl_ord_id)) {
          if (reports[i].exec_type == exec_type && ++seen == nth) found = reports[i];
        }
        return found.has_value();
      },
      ms);
  return found;
}

FixClient::FixClient(std::uint16_t port, const std::string& who, const std::string& password, int heartbeat_seconds,
                     const std::string& store_dir, bool reset_on_logon, const std::optional<Tls>& tls) {
  crix::fix::InitiatorConfig c;
  c.port = port;
  c.comp_id = who;
  c.username = who;
  c.password = password;
  c.heartbeat_seconds = heartbeat_seconds;
  c.store_dir = store_dir;
  c.reset_on_logon = reset_on_logon;
  if (tls) {
    c.tls = true;
    c.tls_ca = tls->ca;
    c.tls_certificate = tls->certificate;
    c.tls_key = tls->key;
  }
  initiator_ = std::make_unique<crix::fix::Initiator>(c, *this);
}

FixClient::FixClient(const crix::fix::InitiatorConfig& config)
    : initiator_(std::make_unique<crix::fix::Initiator>(config, *this)) {}

crix::fix::Initiator& FixClient::fix() {
  if (!started_) {
    initiator_->start();
    started_ = true;
  }
  return *initiator_;
}

void FixClient::stop() { initiator_->stop(); }

FixClient::~FixClient() { stop(); }

}  // namespace crix::test
