#include "ledger/verify.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "ledger/sha256.hpp"
#include "ledger/store.hpp"

namespace crix::ledger {

using detail::Db;

namespace {

// Thrown inside the verifier at the first problem; run() turns it into the report's.
struct Found {
  Problem problem;
};

class Verifier {
 public:
  Verifier(const detail::ReadScope& scope, const VerifyOptions& options, VerifyReport& report)
      : s_(scope), txn_(scope.txn()), path_(scope.env().path()), options_(options), report_(report) {}

  void run() {
    load();
    chain();
    conservation();
    elimination();
    indices_and_daily();
    journal();
  }

 private:
  [[noreturn]] static void bad(std::uint64_t trade, std::string what) {
    throw Found{Problem{engine::TradeId(trade), std::move(what)}};
  }

  void load() {
    try {
      const auto m = detail::find_meta(txn_, s_.env());
      if (!m) bad(0, "meta record missing");
      meta_ = *m;
      participants_ = detail::load_table<ParticipantRecord>(txn_, s_.env(), Db::kParticipants);
      instruments_ = detail::load_table<InstrumentRecord>(txn_, s_.env(), Db::kInstruments);
      regions_ = detail::load_table<RegionRecord>(txn_, s_.env(), Db::kRegions);
      facilities_ = detail::load_table<FacilityRecord>(txn_, s_.env(), Db::kFacilities);
      projects_ = detail::load_table<ProjectRecord>(txn_, s_.env(), Db::kProjects);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kCorrupt && e.kind() != ErrorKind::kIncompatible) throw;
      bad(0, e.what());
    }
    sold_.assign(facilities_.size(), 0);
    credited_.assign(projects_.size(), 0);
    project_trades_.assign(projects_.size(), 0);
    region_delta_.assign(regions_.size(), {});
  }

  // ---- 1. the chain

  void chain() {
    detail::Cursor cur(txn_, s_.dbi(Db::kTrades), path_);
    std::array<std::unique_ptr<detail::Cursor>, kIndexDbs.size()> ix;
    for (unsigned i = 0; i < ix.size(); ++i)
      ix[i] = std::make_unique<detail::Cursor>(txn_, s_.dbi(kIndexDbs[i]), path_);
    Hash prev{};
    if (options_.anchor && *options_.anchor == prev) report_.anchor_trade = 0;
    engine::Timestamp last_ts{std::numeric_limits<std::int64_t>::min()};
    std::uint64_t expected = 1;
    MDB_val k, v;
    for (int rc = cur.move(k, v, MDB_FIRST, "reading 'trades'", path_); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "reading 'trades'", path_), ++expected) {
      Trade t;
      TradeRecord rec;
      try {
        const std::uint64_t key = detail::load<Be<std::uint64_t>>(k, "trades", path_).get();
        if (key != expected)
          bad(expected,
              "trade " + std::to_string(expected) + " is missing: the next key is " + std::to_string(key));
        rec = detail::load<TradeRecord>(v, "trades", path_);
        t = decode(rec);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kCorrupt && e.kind() != ErrorKind::kIncompatible) throw;
        bad(expected, "trade " + std::to_string(expected) + ": " + e.what());
      }
      const std::string id =
          (t.kind == TradeKind::kRevocation ? "revocation " : "trade ") + std::to_string(expected);
      if (t.id.v != expected) bad(expected, id + " carries trade id " + std::to_string(t.id.v));
      if (t.prev_hash != prev) {
        bad(expected,
            id + ": prev_hash " + to_hex(t.prev_hash) + " is not the previous record's hash " + to_hex(prev));
      }
      const Hash computed = sha_.trade_hash(rec);
      if (computed != t.hash) {
        bad(expected, id + ": stored hash " + to_hex(t.hash) + " does not match its contents (computed " +
                          to_hex(computed) + ")");
      }
      if (t.ts < last_ts) bad(expected, id + " is earlier than the record before it");
      if (t.seq.v == 0 || t.seq > meta_.last_seq) {
        bad(expected, id + " carries seq " + std::to_string(t.seq.v) + ", beyond the journal's last " +
                          std::to_string(meta_.last_seq.v));
      }
      check_parties(t, id);
      if (is_trade(t.kind)) {
        if (t.qty.v <= 0 || t.price.v <= 0 || t.ratio_permille == 0 ||
            t.credited.v != engine::credited_capacity(t.qty.v, t.ratio_permille)) {
          bad(expected, id + ": quantity, price or credit is wrong (" + std::to_string(t.qty.v) + " t at " +
                            std::to_string(t.price.v) + " fen, ratio " + std::to_string(t.ratio_permille) +
                            ", credited " + std::to_string(t.credited.v) + " t)");
        }
      } else if (t.kind == TradeKind::kRevocation) {
        check_revocation(t, id);
      } else {
        bad(expected, id + " has an unknown kind");
      }
      check_indexed(t, id, ix);
      check_day(t, id, last_ts);

      kinds_.push_back(t.kind);
      const std::int64_t sign = t.kind == TradeKind::kRevocation ? -1 : 1;
      const FacilityState& f = facilities_[t.facility.v];
      const ProjectState& p = projects_[t.project.v];
      const auto industry = static_cast<std::size_t>(f.industry);
      sold_[t.facility.v] += sign * t.qty.v;
      credited_[t.project.v] += sign * t.credited.v;
      ++project_trades_[t.project.v];
      region_delta_[p.region.v][industry] += sign * t.credited.v;
      region_delta_[f.region.v][industry] -= sign * t.qty.v;
      if (t.kind == TradeKind::kRevocation) {
        ++revocations_;
      } else {
        add_daily(t);
      }
      prev = t.hash;
      if (options_.anchor && *options_.anchor == prev) report_.anchor_trade = expected;
      last_ts = t.ts;
      report_.trades = expected;
      report_.chain_head = prev;
    }
    const std::uint64_t count = expected - 1;
    if (meta_.trade_count != count) {
      bad(0, "meta counts " + std::to_string(meta_.trade_count) + " trades, the chain holds " +
                 std::to_string(count));
    }
    if (meta_.chain_head != prev) {
      bad(0,
          "meta's chain head " + to_hex(meta_.chain_head) + " is not the last record's hash " + to_hex(prev));
    }
    if (meta_.revocations != revocations_) {
      bad(0, "meta counts " + std::to_string(meta_.revocations) + " revocations, the chain holds " +
                 std::to_string(revocations_));
    }
    if (options_.anchor && !report_.anchor_trade) {
      bad(0, "no trade of its chain has the anchor's hash " + to_hex(*options_.anchor) + " (the chain ends at trade " +
                 std::to_string(count) + ", head " + to_hex(prev) +
                 "): the ledger lost commits after the anchor (LMDB opened an older commit) or is another ledger");
    }
  }

  void check_parties(const Trade& t, const std::string& id) const {
    if (t.instrument.v >= instruments_.size() || t.buyer.v >= participants_.size() ||
        t.seller.v >= participants_.size() || t.facility.v >= facilities_.size() ||
        t.project.v >= projects_.size()) {
      bad(t.id.v, id + " names an instrument, participant, facility or project that is not registered");
    }
    const FacilityState& f = facilities_[t.facility.v];
    const ProjectState& p = projects_[t.project.v];
    if (f.owner != t.seller || p.owner != t.buyer) {
      bad(t.id.v,
          id + ": the seller does not own facility " + f.id + " or the buyer does not own project " + p.id);
    }
    if (f.region.v >= regions_.size() || p.region.v >= regions_.size()) {
      bad(t.id.v, id + ": facility " + f.id + " or project " + p.id + " lies in an unregistered region");
    }
  }

  void check_revocation(const Trade& t, const std::string& id) {
    if (t.revokes.v == 0 || t.revokes.v >= t.id.v || !is_trade(kinds_[t.revokes.v - 1])) {
      bad(t.id.v, id + " revokes " + std::to_string(t.revokes.v) + ", which is no earlier trade");
    }
    if (!revoked_.insert(t.revokes.v).second)
      bad(t.id.v, id + " revokes trade " + std::to_string(t.revokes.v) + " a second time");
    revokes_of_[t.id.v] = t.revokes.v;
    const auto original = detail::find_trade(txn_, s_.env(), t.revokes.v);
    Trade copy = *original;
    copy.kind = t.kind;
    copy.id = t.id;
    copy.revokes = t.revokes;
    copy.seq = t.seq;
    copy.ts = t.ts;
    copy.prev_hash = t.prev_hash;
    copy.hash = t.hash;
    if (copy != t)
      bad(t.id.v,
          id + " does not repeat the parties, quantities and price of trade " + std::to_string(t.revokes.v));
  }

  static constexpr std::array<Db, 5> kIndexDbs = {Db::kByParticipant, Db::kByFacility, Db::kByProject,
                                                  Db::kByRegion, Db::kByIndustry};

  void check_indexed(const Trade& t, const std::string& id,
                     const std::array<std::unique_ptr<detail::Cursor>, kIndexDbs.size()>& ix) {
    const FacilityState& f = facilities_[t.facility.v];
    const ProjectState& p = projects_[t.project.v];
    const auto listed = [&](unsigned i, std::uint32_t key) {
      const BucketKey bucketed{Be<std::uint32_t>(bucket_of(t.id)), Be<std::uint32_t>(key)};
      const Be<std::uint32_t> plain(key);
      const Be<std::uint64_t> vv(t.id.v);
      MDB_val k = detail::bucketed(kIndexDbs[i]) ? detail::val(bucketed) : detail::val(plain),
              v = detail::val(vv);
      if (ix[i]->move(k, v, MDB_GET_BOTH, "reading an index", path_) != MDB_SUCCESS) {
        bad(t.id.v, id + " is missing from index '" + detail::kDbSpecs[kIndexDbs[i]].name + "' under key " +
                        std::to_string(key));
      }
      ++index_entries_[i];
    };
    listed(0, t.seller.v);
    if (t.buyer != t.seller) listed(0, t.buyer.v);
    listed(1, t.facility.v);
    listed(2, t.project.v);
    listed(3, f.region.v);
    if (p.region != f.region) listed(3, p.region.v);
    listed(4, static_cast<std::uint32_t>(f.industry));
  }

  // by_day holds each day's first trade.
  void check_day(const Trade& t, const std::string& id, engine::Timestamp previous_ts) {
    const Day day = local_day(t.ts, meta_.utc_offset_minutes);
    if (t.id.v != 1 && day == local_day(previous_ts, meta_.utc_offset_minutes)) return;
    const auto first = detail::get<Be<std::uint64_t>>(
        txn_, s_.dbi(Db::kByDay), detail::val(Be<std::uint32_t>(day_key(day))), Db::kByDay, path_);
    if (!first || first->get() != t.id.v) {
      bad(t.id.v, id + " is the first of its day, but 'by_day' does not say so");
    }
    ++days_;
  }

  void add_daily(const Trade& t) {
    const Day day = local_day(t.ts, meta_.utc_offset_minutes);
    auto [it, fresh] = daily_.try_emplace(std::pair{day.v, daily_instrument_word(t.instrument, t.kind)});
    DailyStats& s = it->second;
    if (fresh) {
      s.day = day;
      s.instrument = t.instrument;
      s.kind = t.kind;
      s.open = s.high = s.low = t.price;
    }
    ++s.trades;
    s.volume += t.qty;
    s.value += Int128{t.price.v} * t.qty.v;
    s.high = std::max(s.high, t.price);
    s.low = std::min(s.low, t.price);
    s.last = t.price;
  }

  // ---- 2. conservation

  void conservation() const {
    for (std::size_t i = 0; i < facilities_.size(); ++i) {
      const FacilityState& f = facilities_[i];
      if (f.sold.v != sold_[i]) {
        bad(0, "facility " + f.id + " records " + std::to_string(f.sold.v) + " t sold, its trades net " +
                   std::to_string(sold_[i]) + " t");
      }
      if (f.sold > f.capacity)
        bad(0, "facility " + f.id + " sold " + std::to_string(f.sold.v) + " t of " +
                   std::to_string(f.capacity.v) + " t");
    }
    for (std::size_t i = 0; i < projects_.size(); ++i) {
      const ProjectState& p = projects_[i];
      if (p.credited.v != credited_[i]) {
        bad(0, "project " + p.id + " records " + std::to_string(p.credited.v) +
                   " t credited, its trades net " + std::to_string(credited_[i]) + " t");
      }
      if (p.trades != project_trades_[i]) {
        bad(0, "project " + p.id + " records " + std::to_string(p.trades) + " trades, the chain holds " +
                   std::to_string(project_trades_[i]));
      }
      if (p.credited > p.need)
        bad(0, "project " + p.id + " credited " + std::to_string(p.credited.v) + " t of " +
                   std::to_string(p.need.v) + " t");
    }
    for (std::size_t r = 0; r < regions_.size(); ++r) {
      for (std::size_t i = 0; i < engine::kIndustries; ++i) {
        const RegionState& g = regions_[r];
        if (g.capacity[i] != g.initial[i] + region_delta_[r][i]) {
          bad(0, "region " + g.name + " records " + std::to_string(g.capacity[i]) + " t of " +
                     std::string(engine::to_string(static_cast<engine::Industry>(i))) +
                     " capacity; configured " + std::to_string(g.initial[i]) + " t and its trades' net " +
                     std::to_string(region_delta_[r][i]) + " t make " +
                     std::to_string(g.initial[i] + region_delta_[r][i]) + " t");
        }
      }
    }
  }

  // ---- 3. the elimination list

  // Revisions of one trade's entry are neighbours in key order: revision 0 as the trade wrote it, then
  // each status change (a revocation's among them), status only moving forward.
  void elimination() {
    std::vector<std::uint8_t> has_entry(kinds_.size() + 1,
                                        0);  // by trade id: revision 0, or the revocation's
    EliminationEntry previous;
    detail::Cursor cur(txn_, s_.dbi(Db::kElimination), path_);
    MDB_val k, v;
    for (int rc = cur.move(k, v, MDB_FIRST, "reading 'elimination'", path_); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "reading 'elimination'", path_)) {
      EliminationEntry e;
      try {
        const auto key = detail::load<EliminationKey>(k, "elimination", path_);
        e = decode(detail::load<EliminationRecord>(v, "elimination", path_));
        if (key.trade.get() != e.trade.v || key.revision.get() != e.revision) {
          bad(e.trade.v, "elimination entry under (" + std::to_string(key.trade.get()) + ", " +
                             std::to_string(key.revision.get()) + ") says (" + std::to_string(e.trade.v) +
                             ", " + std::to_string(e.revision) + ")");
        }
      } catch (const Error& err) {
        if (err.kind() != ErrorKind::kCorrupt && err.kind() != ErrorKind::kIncompatible) throw;
        bad(0, std::string("elimination list: ") + err.what());
      }
      ++report_.elimination;
      const std::uint64_t x = e.trade.v;
      const std::string where = "revision " + std::to_string(e.revision) + " of trade " + std::to_string(x) +
                                "'s elimination entry";
      if (x == 0 || x > kinds_.size() || !is_trade(kinds_[x - 1]))
        bad(x, where + ": no such trade");
      if (e.revision == 0) {
        const auto t = detail::find_trade(txn_, s_.env(), x);
        if (e.status != EliminationStatus::kPublicised || e.by.v != x || t->facility != e.facility ||
            t->project != e.project || t->qty != e.qty || t->seq != e.seq || t->ts != e.ts) {
          bad(x, where + " does not match trade " + std::to_string(x));
        }
        has_entry[x] = 1;
        previous = e;
        continue;
      }
      if (previous.trade.v != x || previous.revision + 1 != e.revision)
        bad(x, where + " does not follow revision " + std::to_string(e.revision - 1));
      if (!(e.facility == previous.facility && e.project == previous.project && e.qty == previous.qty &&
            e.retired == previous.retired && e.publicity_end == previous.publicity_end &&
            e.dismantle_from == previous.dismantle_from && e.dismantle_by == previous.dismantle_by)) {
        bad(x, where + " changes more than the status");
      }
      if (previous.status == EliminationStatus::kRevoked || e.status <= previous.status) {
        bad(x, where + " moves the entry from " + std::string(to_string(previous.status)) + " to " +
                   std::string(to_string(e.status)));
      }
      if (e.status == EliminationStatus::kRevoked) {
        const std::uint64_t r = e.by.v;
        if (r == 0 || r > kinds_.size() || kinds_[r - 1] != TradeKind::kRevocation || revokes_of_[r] != x) {
          bad(x, where + " says revoked by record " + std::to_string(r) +
                     ", which is not a revocation of trade " + std::to_string(x));
        }
        if (has_entry[r]) bad(r, "revocation " + std::to_string(r) + " revokes twice");
        has_entry[r] = 1;
      } else if (e.by.v != 0) {
        bad(x,
            where + " names chain record " + std::to_string(e.by.v) + "; only revision 0 and revocations do");
      }
      previous = e;
    }
    for (std::uint64_t id = 1; id <= kinds_.size(); ++id) {
      if (!has_entry[id]) {
        bad(id, (is_trade(kinds_[id - 1]) ? "trade " : "revocation ") + std::to_string(id) +
                    " has no elimination entry (revision 0 of a trade, kRevoked of a revocation)");
      }
    }
  }

  // ---- 4. indices, daily statistics, journal

  void indices_and_daily() {
    for (unsigned i = 0; i < kIndexDbs.size(); ++i) {
      MDB_stat st;
      detail::check(mdb_stat(txn_, s_.dbi(kIndexDbs[i]), &st), "reading index statistics", path_);
      if (st.ms_entries != index_entries_[i]) {
        bad(0, std::string("index '") + detail::kDbSpecs[kIndexDbs[i]].name + "' holds " +
                   std::to_string(std::uint64_t{st.ms_entries}) + " entries, the chain accounts for " +
                   std::to_string(index_entries_[i]));
      }
    }
    MDB_stat days;
    detail::check(mdb_stat(txn_, s_.dbi(Db::kByDay), &days), "reading index statistics", path_);
    if (days.ms_entries != days_) {
      bad(0, "index 'by_day' holds " + std::to_string(std::uint64_t{days.ms_entries}) +
                 " days, the chain spans " + std::to_string(days_));
    }
    std::size_t stored = 0;
    detail::Cursor cur(txn_, s_.dbi(Db::kDaily), path_);
    MDB_val k, v;
    for (int rc = cur.move(k, v, MDB_FIRST, "reading 'daily'", path_); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "reading 'daily'", path_)) {
      ++stored;
      DailyStats d;
      try {
        d = decode(detail::load<DailyRecord>(v, "daily", path_));
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kCorrupt && e.kind() != ErrorKind::kIncompatible) throw;
        bad(0, std::string("daily statistics: ") + e.what());
      }
      const auto it = daily_.find(std::pair{d.day.v, daily_instrument_word(d.instrument, d.kind)});
      const bool same = it != daily_.end() && it->second.trades == d.trades &&
                        it->second.volume == d.volume && it->second.value == d.value &&
                        it->second.open == d.open && it->second.high == d.high && it->second.low == d.low &&
                        it->second.last == d.last;
      if (!same) {
        bad(0, std::string(to_string(d.kind)) + " daily statistics of instrument " + std::to_string(d.instrument.v) + " on day " +
                   std::to_string(std::int64_t{d.day.v}) + " do not match that day's trades");
      }
    }
    if (stored != daily_.size()) {
      bad(0, "daily statistics hold " + std::to_string(std::uint64_t{stored}) +
                 " days x instruments x modes, the trades make " + std::to_string(std::uint64_t{daily_.size()}));
    }
  }

  void journal() {
    detail::Cursor cur(txn_, s_.dbi(Db::kJournal), path_);
    MDB_val k, v;
    std::uint64_t last = 0;
    for (int rc = cur.move(k, v, MDB_FIRST, "reading 'journal'", path_); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "reading 'journal'", path_)) {
      std::uint64_t seq = 0;
      try {
        seq = detail::load<Be<std::uint64_t>>(k, "journal", path_).get();
        if (decode(detail::load<JournalRecord>(v, "journal", path_)).seq.v != seq) {
          bad(0, "journal entry " + std::to_string(seq) + " holds a command with another seq");
        }
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kCorrupt && e.kind() != ErrorKind::kIncompatible) throw;
        bad(0, std::string("journal: ") + e.what());
      }
      if (last != 0 && seq != last + 1)
        bad(0, "journal skips from seq " + std::to_string(last) + " to " + std::to_string(seq));
      last = seq;
      ++report_.journal;
    }
    if (last != meta_.last_seq.v)
      bad(0,
          "journal ends at seq " + std::to_string(last) + ", meta says " + std::to_string(meta_.last_seq.v));
  }

  const detail::ReadScope& s_;
  MDB_txn* txn_;
  const std::string& path_;
  const VerifyOptions& options_;
  VerifyReport& report_;
  Sha256 sha_;

  Meta meta_;
  std::vector<ParticipantEntry> participants_;
  std::vector<InstrumentEntry> instruments_;
  std::vector<RegionState> regions_;
  std::vector<FacilityState> facilities_;
  std::vector<ProjectState> projects_;

  std::vector<TradeKind> kinds_;  // by trade id - 1
  std::set<std::uint64_t> revoked_;
  std::map<std::uint64_t, std::uint64_t> revokes_of_;  // revocation id -> the trade it revokes
  std::uint64_t revocations_ = 0;
  std::vector<std::int64_t> sold_;
  std::vector<std::int64_t> credited_;
  std::vector<std::uint64_t> project_trades_;  // trades and revocations per project, from the chain
  std::vector<std::array<std::int64_t, engine::kIndustries>> region_delta_;
  std::array<std::uint64_t, kIndexDbs.size()> index_entries_{};
  std::uint64_t days_ = 0;
  std::map<std::pair<std::int32_t, std::uint32_t>, DailyStats> daily_;
};

}  // namespace

VerifyReport verify(const std::string& path, const VerifyOptions& options) {
  std::optional<Reader> reader;
  try {
    reader.emplace(path);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kCorrupt && e.kind() != ErrorKind::kIncompatible) throw;
    VerifyReport report;
    report.problem = Problem{engine::TradeId{}, e.what()};
    return report;
  }
  return verify(*reader, options);
}

VerifyReport verify(const Reader& reader, const VerifyOptions& options) {
  const detail::ReadScope scope(*reader.env_);
  VerifyReport report;
  try {
    Verifier(scope, options, report).run();
  } catch (const Found& found) {
    report.problem = found.problem;
  }
  return report;
}

}  // namespace crix::ledger
