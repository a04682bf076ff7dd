#include "ledger/settlement.hpp"

#include <algorithm>
#include <cstdio>

#include "ledger/escape.hpp"
#include "ledger/sequencer.hpp"
#include "ledger/sha256.hpp"

namespace crix::ledger {

Trade trade_of(const engine::Exchange& exchange, const engine::Command& command, const engine::Event& fill) {
  const bool taker_buys = fill.side == engine::Side::kBuy;
  Trade t;
  t.kind = trade_kind(fill.mode);
  t.id = fill.trade_id;
  t.seq = command.seq;
  t.ts = command.ts;
  t.instrument = fill.instrument;
  t.buy_order = taker_buys ? fill.order_id : fill.maker_id;
  t.sell_order = taker_buys ? fill.maker_id : fill.order_id;
  t.buyer = taker_buys ? fill.participant : fill.maker_participant;
  t.seller = taker_buys ? fill.maker_participant : fill.participant;
  t.project = ProjectIndex(static_cast<std::uint32_t>((taker_buys ? fill.account : fill.maker_account).v));
  t.facility = FacilityIndex(static_cast<std::uint32_t>((taker_buys ? fill.maker_account : fill.account).v));
  t.price = fill.price;
  t.qty = fill.qty;
  t.credited = engine::Qty(fill.arg1);
  t.ratio_permille = static_cast<std::uint32_t>(fill.arg2);
  t.ratio_rule = exchange.ratio_rule(t.facility.v, t.project.v).value_or(0);
  return t;
}

void settle(Batch& batch, const engine::Exchange& exchange, const engine::Command& command,
            const engine::EventSink& events, std::size_t from) {
  batch.add(command);
  for (std::size_t i = from; i < events.size(); ++i) {
    const engine::Event& e = events.events()[i];
    switch (e.type) {
      case engine::EventType::kFill:
        batch.add(trade_of(exchange, command, e));
        break;
      case engine::EventType::kRevoked:
        batch.revoke(e.trade_id, engine::TradeId(static_cast<std::uint64_t>(e.arg1)), command.seq, command.ts);
        break;
      case engine::EventType::kEliminationStatus:
        batch.update(StatusUpdate{e.trade_id, static_cast<EliminationStatus>(e.arg1), command.seq, command.ts});
        break;
      case engine::EventType::kRegistryChanged:
        batch.amend(Amendment{e.side == engine::Side::kSell, static_cast<std::uint32_t>(e.account.v),
                              static_cast<std::uint8_t>(e.arg1), e.arg2, command.seq});
        break;
      case engine::EventType::kRegistered:
        batch.register_entry(
            Registration{e.side == engine::Side::kSell, static_cast<std::uint32_t>(e.account.v), command.seq});
        break;
      default:
        break;
    }
  }
}

Trade revocation_of(const engine::Command& command, const engine::Event& revoked) {
  Trade t;
  t.kind = TradeKind::kRevocation;
  t.id = revoked.trade_id;
  t.revokes = engine::TradeId(static_cast<std::uint64_t>(revoked.arg1));
  t.seq = command.seq;
  t.ts = command.ts;
  return t;
}

namespace {

// The fields a replay must reproduce: everything but the hashes, which the writer computed.
std::string difference(const Trade& stored, const Trade& again) {
  Trade a = stored;
  a.prev_hash = {};
  a.hash = {};
  if (a == again) return "";
  const auto field = [](const char* name, auto x, auto y) -> std::string {
    if (x == y) return "";
    return std::string(name) + " stored " + std::to_string(x) + ", replayed " + std::to_string(y);
  };
  for (const std::string& d :
       {field("kind", static_cast<int>(a.kind), static_cast<int>(again.kind)), field("seq", a.seq.v, again.seq.v),
        field("ts", a.ts.v, again.ts.v), field("instrument", a.instrument.v, again.instrument.v),
        field("buy order", a.buy_order.v, again.buy_order.v), field("sell order", a.sell_order.v, again.sell_order.v),
        field("buyer", a.buyer.v, again.buyer.v), field("seller", a.seller.v, again.seller.v),
        field("facility", a.facility.v, again.facility.v), field("project", a.project.v, again.project.v),
        field("price", a.price.v, again.price.v), field("qty", a.qty.v, again.qty.v),
        field("credited", a.credited.v, again.credited.v), field("ratio", a.ratio_permille, again.ratio_permille),
        field("ratio rule", a.ratio_rule, again.ratio_rule)}) {
    if (!d.empty()) return d;
  }
  return "a field differs";
}

}  // namespace

std::unique_ptr<engine::Exchange> exchange_for(const Reader& reader, engine::Market market) {
  auto exchange = std::make_unique<engine::Exchange>(std::move(market), reader.registered_at_creation());
  exchange->set_expiry_at_command_from(reader.expiry_at_command_from());
  return exchange;
}

RecoveryReport recover(const Reader& reader, engine::Exchange& exchange, const ProgressFn& progress,
                       std::chrono::milliseconds every) {
  RecoveryReport report;
  const Meta meta = reader.meta();
  Sha256 sha;
  Hash prev{};  // the last checked record's hash
  const auto damaged = [&report](std::string what) {
    report.damage = what;
    report.mismatch = std::move(what);
  };
  // The stored record as a link of the chain: false (and the report says why) when it is not one.
  const auto linked = [&](const Trade& stored) {
    const std::string id = (stored.kind == TradeKind::kRevocation ? "revocation " : "trade ") + std::to_string(stored.id.v);
    if (stored.prev_hash != prev) {
      damaged(id + ": prev_hash " + to_hex(stored.prev_hash) + " is not the previous record's hash " + to_hex(prev));
      return false;
    }
    const Hash computed = sha.trade_hash(encode(stored));
    if (computed != stored.hash) {
      damaged(id + ": stored hash " + to_hex(stored.hash) + " does not match its contents (computed " +
              to_hex(computed) + ")");
      return false;
    }
    prev = stored.hash;
    return true;
  };
  engine::EventSink sink;
  engine::Seq next(1);
  constexpr std::size_t kPage = 4096;
  auto told = std::chrono::steady_clock::now();
  if (progress) progress(ReplayProgress{0, meta.last_seq.v});
  for (;;) {
    if (progress && report.commands > 0 && std::chrono::steady_clock::now() - told >= every) {
      progress(ReplayProgress{report.commands, meta.last_seq.v});
      told = std::chrono::steady_clock::now();
    }
    const std::vector<engine::Command> page = reader.journal(next, kPage);
    for (const engine::Command& c : page) {
      report.at = c.seq;
      sink.clear();
      exchange.apply(c, sink);
      ++report.commands;
      for (const engine::Event& e : sink) {
        if (e.type != engine::EventType::kFill && e.type != engine::EventType::kRevoked) continue;
        const bool fill = e.type == engine::EventType::kFill;
        const Trade again = fill ? trade_of(exchange, c, e) : revocation_of(c, e);
        std::optional<Trade> stored = reader.trade(again.id);
        if (stored && !linked(*stored)) return report;
        if (stored && !fill) {
          // A revocation record copies the revoked trade's fields (the writer's); the replay knows
          // which trade it revokes, by which command, when.
          if (stored->kind != TradeKind::kRevocation || stored->revokes != again.revokes || stored->seq != again.seq ||
              stored->ts != again.ts) {
            report.mismatch = "revocation " + std::to_string(again.id.v) + " (command " + std::to_string(c.seq.v) +
                              ") differs on replay: the ledger holds " +
                              (stored->kind == TradeKind::kRevocation
                                   ? "a revocation of trade " + std::to_string(stored->revokes.v)
                                   : std::string("a trade"));
            return report;
          }
          ++report.trades;
          continue;
        }
        if (!stored) {
          report.mismatch = "replaying command " + std::to_string(c.seq.v) + " produced trade " +
                            std::to_string(again.id.v) + ", which the ledger does not hold";
          return report;
        }
        const std::string d = difference(*stored, again);
        if (!d.empty()) {
          report.mismatch = "trade " + std::to_string(again.id.v) + " (command " + std::to_string(c.seq.v) +
                            ") differs on replay: " + d;
          return report;
        }
        ++report.trades;
      }
      next = engine::Seq(c.seq.v + 1);
    }
    if (page.size() < kPage) break;
  }
  report.at = engine::Seq{};
  if (report.trades != meta.trade_count) {
    report.mismatch = "the ledger holds " + std::to_string(meta.trade_count) + " trades but replaying its " +
                      std::to_string(report.commands) + " commands produced " + std::to_string(report.trades);
  } else if (meta.chain_head != prev) {
    damaged("meta's chain head " + to_hex(meta.chain_head) + " is not the last record's hash " + to_hex(prev));
  }
  return report;
}

namespace {

// `market` with each participant's status as `statuses` gives it (the ones beyond: as configured).
engine::Market with_statuses(engine::Market market, const std::vector<engine::ParticipantStatus>& statuses) {
  for (std::size_t i = 0; i < statuses.size() && i < market.participants.size(); ++i) {
    market.participants[i].status = statuses[i];
  }
  return market;
}

engine::Timestamp system_now() {
  return engine::Timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

}  // namespace

OpenLedger open_ledger(const std::string& path, const engine::Market& market, const WriterOptions& options,
                       const OpenOptions& open) {
  OpenLedger out;
  out.writer = std::make_unique<Writer>(path, market, options);
  const Reader reader = out.writer->reader();
  std::vector<engine::ParticipantStatus> statuses = out.writer->registered_statuses();
  out.exchange = exchange_for(reader, with_statuses(market, statuses));
  out.recovery = recover(reader, *out.exchange, open.progress, open.progress_every);
  if (out.recovery.damage) {
    throw Error(ErrorKind::kCorrupt, "ledger " + path + " is damaged: " + *out.recovery.damage +
                                         ". Nothing was started on it; run crix verify " + path +
                                         " for the whole check, and restore the ledger from a copy");
  }
  if (!out.recovery.ok() && out.writer->participants_unregistered()) {
    // A ledger of an older build did not register its participants: the configured statuses were
    // the guess. A participant suspended in the market file since is the usual edit: try them active.
    std::vector<engine::ParticipantStatus> active(statuses.size(), engine::ParticipantStatus::kActive);
    if (active != statuses) {
      auto again = exchange_for(reader, with_statuses(market, active));
      RecoveryReport report = recover(reader, *again, open.progress, open.progress_every);
      if (report.ok()) {
        out.exchange = std::move(again);
        out.recovery = report;
        statuses = active;
      }
    }
  }
  if (!out.recovery.ok()) {
    throw Error(ErrorKind::kCorrupt, "ledger " + path + ": replaying its journal does not reproduce its trades (" +
                                         *out.recovery.mismatch +
                                         "): its journal is damaged, or the configuration, the rules or this "
                                         "build differ from the ones that wrote it. Run crix verify " + path +
                                         " --market " + (options.market.path.empty() ? std::string("FILE") : options.market.path) +
                                         ": it names a damaged record; else stop and compare them, never edit the ledger" +
                                         out.writer->market_note());
  }
  const engine::Seq last = out.writer->meta().last_seq;
  if (last.v > 0) {
    const std::vector<engine::Command> tail = reader.journal(last, 1);
    if (!tail.empty()) out.last_ts = tail.front().ts;
  }
  // The market file's participant statuses, as journaled operator commands: a status the file
  // changed since it was last accepted. A status the file kept stays as the journal left it: an
  // operator's suspension or reinstatement (crix admin) lasts until the operator or the file changes it.
  const engine::Timestamp now = open.now.v != 0 ? open.now : system_now();
  const std::optional<std::vector<engine::ParticipantStatus>>& before_statuses = out.writer->accepted_statuses();
  for (std::uint32_t i = 0; i < market.participants.size(); ++i) {
    const engine::Participant& p = market.participants[i];
    const bool suspend = p.status == engine::ParticipantStatus::kSuspended;
    const engine::ParticipantId id(i);
    if (out.exchange->suspended(id) == suspend) continue;
    const bool file_changed = !before_statuses || i >= before_statuses->size() || (*before_statuses)[i] != p.status;
    if (!file_changed) {
      out.notes.push_back("participant " + p.id + (suspend ? " stays active" : " stays suspended") +
                          " as an operator's journaled command left it, though the market file says status = \"" +
                          (suspend ? "suspended" : "active") + "\" (unchanged since the file was last accepted): " +
                          (suspend ? "crix admin suspend " : "crix admin reinstate ") + p.id + " changes it");
      continue;
    }
    engine::Command c;
    c.type = suspend ? engine::CommandType::kSuspend : engine::CommandType::kReinstate;
    c.participant = id;
    const std::vector<engine::Event> events = apply_and_commit(out, c, now);
    const auto canceled = std::count_if(events.begin(), events.end(), [&](const engine::Event& e) {
      return e.type == engine::EventType::kCanceled && e.reason == engine::CancelReason::kSuspended;
    });
    out.notes.push_back("participant " + p.id + (suspend ? " suspended" : " reinstated") +
                        " as the market file says (status = \"" + (suspend ? "suspended" : "active") +
                        "\"): journaled as command " + std::to_string(out.writer->meta().last_seq.v) +
                        (suspend ? ", " + std::to_string(canceled) + " of its orders canceled" : std::string()));
  }
  const std::optional<MarketSource> before = out.writer->accepted_market();
  out.writer->accept_market(statuses);
  if (before && !options.market.path.empty() && *before != options.market) {
    out.notes.push_back("market file " + options.market.path + " accepted; the ledger was last opened with " +
                        before->path + (before->sha256 == options.market.sha256 ? " (same content)" : " (other content)"));
  }
  return out;
}

std::string_view operator_verb(engine::CommandType type) {
  using engine::CommandType;
  switch (type) {
    case CommandType::kHalt: return "halt";
    case CommandType::kResume: return "resume";
    case CommandType::kSuspend: return "suspend";
    case CommandType::kReinstate: return "reinstate";
    case CommandType::kCloseDay: return "close-day";
    case CommandType::kRevoke: return "revoke";
    case CommandType::kSetEliminationStatus: return "elimination-status";
    case CommandType::kAmendFacility: return "amend-facility";
    case CommandType::kAmendProject: return "amend-project";
    case CommandType::kRegister: return "register";
    case CommandType::kAuctionAnnounce: return "auction-announce";
    case CommandType::kAuctionCancel: return "auction-cancel";
    case CommandType::kNew:
    case CommandType::kCancel:
    case CommandType::kReplace:
    case CommandType::kMassCancel:
    case CommandType::kAdvanceTime:
    case CommandType::kBlockPropose:
    case CommandType::kBlockAccept:
    case CommandType::kBlockDecline:
    case CommandType::kAuctionBid:
    case CommandType::kBlockWithdraw: return "";
  }
  return "";
}

namespace {

// `text` in double quotes, a quote or backslash inside escaped with a backslash, and control
// characters as \n, \r, \t or \xHH: an operator's reason is one key=value of one log line and one
// audit record, whatever it holds (a newline in it would forge a line of crixd's log).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  append_one_line(out, text, "\"\\");
  return out + '"';
}

// "#<n>" for an index the market does not hold (the command was refused for it).
std::string number_sign(std::uint64_t index) {
  std::string s(1, '#');
  s += std::to_string(index);
  return s;
}

template <class List>
std::string name_of(const List& list, std::uint64_t index) {
  return index < list.size() ? list[index].id : number_sign(index);
}

// A UTC time in the market's zone as ISO 8601 without spaces (an argument is key=value between
// spaces): "2026-12-07T10:00:00+08:00".
std::string local_iso(engine::Timestamp ts, std::int32_t offset_minutes) {
  constexpr std::int64_t kDay = 86'400'000'000'000;
  const std::int64_t local = ts.v + std::int64_t{offset_minutes} * 60'000'000'000;
  const std::int64_t days = local >= 0 ? local / kDay : (local - kDay + 1) / kDay;
  const std::int64_t s = (local - days * kDay) / 1'000'000'000;
  const engine::Date d = engine::civil_from_days(static_cast<std::int32_t>(days));
  const std::int32_t a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.year, d.month, d.day,
                static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60), static_cast<int>(s % 60),
                offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  return text;
}

}  // namespace

OperatorAction operator_action(const engine::Exchange& exchange, const engine::Command& command,
                               std::span<const engine::Event> events, const std::string& operator_name,
                               const std::string& reason) {
  using engine::CommandType;
  const engine::Market& m = exchange.market();
  OperatorAction a;
  a.seq = command.seq;
  a.ts = command.ts;
  a.operator_name = operator_name;
  a.command = std::string(operator_verb(command.type));
  std::string& args = a.arguments;
  switch (command.type) {
    case CommandType::kHalt:
    case CommandType::kResume:
      args = "symbol=" + (command.instrument.v < m.instruments.size() ? m.instruments[command.instrument.v].code
                                                                      : number_sign(command.instrument.v));
      break;
    case CommandType::kSuspend:
    case CommandType::kReinstate: args = "participant=" + name_of(m.participants, command.participant.v); break;
    case CommandType::kRevoke: args = "trade=" + std::to_string(command.id.v); break;
    case CommandType::kSetEliminationStatus:
      args = "trade=" + std::to_string(command.id.v) + " status=" +
             std::string(engine::to_string(static_cast<EliminationStatus>(command.qty.v)));
      break;
    case CommandType::kAmendFacility:
      args = "facility=" + name_of(m.facilities, command.account.v) + " field=" +
             std::string(engine::to_string(static_cast<engine::FacilityField>(command.id.v))) +
             " value=" + engine::field_value_text(static_cast<engine::FacilityField>(command.id.v), command.qty.v);
      break;
    case CommandType::kAmendProject:
      args = "project=" + name_of(m.projects, command.account.v) + " field=" +
             std::string(engine::to_string(static_cast<engine::ProjectField>(command.id.v))) +
             " value=" + engine::field_value_text(static_cast<engine::ProjectField>(command.id.v), command.qty.v);
      break;
    case CommandType::kRegister:
      args = command.side == engine::Side::kSell ? "facility=" + name_of(m.facilities, command.account.v)
                                                 : "project=" + name_of(m.projects, command.account.v);
      break;
    case CommandType::kAuctionAnnounce:
      args = "auction=" + name_of(m.auctions, command.id.v) + " opens=" +
             local_iso(engine::auction_opens(command), m.exchange.utc_offset_minutes) +
             " closes=" + local_iso(command.expire_at, m.exchange.utc_offset_minutes);
      break;
    case CommandType::kAuctionCancel: args = "auction=" + name_of(m.auctions, command.id.v); break;
    default: break;
  }
  if (!reason.empty()) args += (args.empty() ? "reason=" : " reason=") + quoted(reason);
  a.result = "ok";
  for (const engine::Event& e : events) {
    if (e.type != engine::EventType::kRejected) continue;
    a.result = "rejected: " + std::string(engine::to_string(e.code)) + ": " + exchange.describe(e);
    break;
  }
  return a;
}

std::vector<engine::Event> apply_and_commit(OpenLedger& ledger, engine::Command command, engine::Timestamp now,
                                            const std::string& operator_name) {
  Sequencer sequencer(*ledger.exchange, ledger.writer->meta().last_seq, ledger.last_ts);
  engine::EventSink sink;
  Batch batch;
  command = sequencer.sequence(command, now, sink, &batch);
  if (!operator_name.empty()) batch.act(operator_action(*ledger.exchange, command, sink.events(), operator_name, ""));
  ledger.writer->commit(batch);
  ledger.last_ts = command.ts;
  return sink.events();
}

}  // namespace crix::ledger
