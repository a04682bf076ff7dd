#include "ledger/reader.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>
#include <map>

#include "engine/market_rules.hpp"
#include "ledger/store.hpp"

namespace crix::ledger {

using detail::Db;
using detail::ReadScope;

namespace {

Meta read_meta(MDB_txn* txn, const detail::Env& env) {
  auto m = detail::find_meta(txn, env);
  if (!m) {
    throw Error(ErrorKind::kNotFound,
                "ledger " + env.path() +
                    " has no meta record: no writer has created it yet, or it is not a CRIX ledger");
  }
  return *m;
}

// Positions `cur` on each key under which an index lists `key`, in trade id order, from the bucket of
// trade `first` on, and calls `on_key(k)` with the key; stops when it returns false. A plain index has
// one such key; a bucketed index one per bucket that holds the key, found by jumping over the others.
template <class OnKey>
void for_each_key(detail::Cursor& cur, const std::string& path, Db index, std::uint32_t key,
                  std::uint64_t first, OnKey on_key) {
  MDB_val k, d;
  if (!detail::bucketed(index)) {
    const Be<std::uint32_t> plain(key);
    k = detail::val(plain);
    if (cur.move(k, d, MDB_SET_KEY, "reading an index", path) == MDB_SUCCESS) on_key(detail::val(plain));
    return;
  }
  for (std::uint64_t bucket = bucket_of(engine::TradeId(first));
       bucket <= std::numeric_limits<std::uint32_t>::max();) {
    const BucketKey want{Be<std::uint32_t>(static_cast<std::uint32_t>(bucket)), Be<std::uint32_t>(key)};
    k = detail::val(want);
    if (cur.move(k, d, MDB_SET_RANGE, "reading an index", path) != MDB_SUCCESS) return;
    const BucketKey found = detail::load<BucketKey>(k, detail::kDbSpecs[index].name, path);
    const std::uint32_t found_bucket = found.bucket.get();
    if (found_bucket == bucket && found.entity.get() == key) {
      if (!on_key(detail::val(want))) return;
      ++bucket;
    } else {
      // The next bucket that may hold the key: the one found, unless it is past the key there.
      bucket = found_bucket + std::uint64_t{found_bucket == bucket || found.entity.get() > key ? 1u : 0u};
    }
  }
}

// Calls `visit(id)` for each trade an index lists under `key`, in id order, from id `first` on, until
// `visit` returns false.
template <class Visit>
void for_each_listed(const ReadScope& s, Db index, std::uint32_t key, std::uint64_t first, Visit visit) {
  const std::string& path = s.env().path();
  detail::Cursor cur(s.txn(), s.dbi(index), path);
  const Be<std::uint64_t> from(first);
  for_each_key(cur, path, index, key, first, [&](MDB_val k) {
    MDB_val d = detail::val(from);
    for (int rc = cur.move(k, d, MDB_GET_BOTH_RANGE, "reading an index", path); rc == MDB_SUCCESS;
         rc = cur.move(k, d, MDB_NEXT_DUP, "reading an index", path)) {
      if (!visit(detail::load<Be<std::uint64_t>>(d, detail::kDbSpecs[index].name, path).get())) return false;
    }
    return true;
  });
}

Trade must_find(MDB_txn* txn, const detail::Env& env, std::uint64_t id, Db index) {
  auto t = detail::find_trade(txn, env, id);
  if (!t) {
    throw Error(ErrorKind::kCorrupt, "ledger " + env.path() + ": '" + detail::kDbSpecs[index].name +
                                         "' lists trade " + std::to_string(id) +
                                         ", which is not in 'trades': run crix verify");
  }
  return *t;
}

// The trades an index lists under `key` with id > page.after, at most page.limit.
std::vector<Trade> listed(const ReadScope& s, Db index, std::uint32_t key, const Page& page) {
  std::vector<Trade> out;
  if (page.after.v == std::numeric_limits<std::uint64_t>::max() || page.limit == 0) return out;
  for_each_listed(s, index, key, page.after.v + 1, [&](std::uint64_t id) {
    out.push_back(must_find(s.txn(), s.env(), id, index));
    return out.size() < page.limit;
  });
  return out;
}

// The chain from trade `first` on, at most `limit` records, up to the first at or after `until`.
std::vector<Trade> chain_from(const ReadScope& s, std::uint64_t first, std::size_t limit,
                              std::optional<engine::Timestamp> until) {
  std::vector<Trade> out;
  const std::string& path = s.env().path();
  detail::Cursor cur(s.txn(), s.dbi(Db::kTrades), path);
  const Be<std::uint64_t> from(first);
  MDB_val k = detail::val(from), v;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'trades'", path);
       rc == MDB_SUCCESS && out.size() < limit; rc = cur.move(k, v, MDB_NEXT, "reading 'trades'", path)) {
    Trade t = decode(detail::load<TradeRecord>(v, "trades", path));
    if (until && t.ts >= *until) break;
    out.push_back(std::move(t));
  }
  return out;
}

// The id of the first trade at or after `ts` (trade count + 1 when there is none). by_day gives the
// first trade of `ts`'s day (or of the next day that has trades) and of the day after it; trades are in
// time order, so the first at or after `ts` lies between the two.
std::uint64_t first_at_or_after(const ReadScope& s, engine::Timestamp ts) {
  const std::string& path = s.env().path();
  const Meta m = read_meta(s.txn(), s.env());
  detail::Cursor days(s.txn(), s.dbi(Db::kByDay), path);
  const Be<std::uint32_t> day(day_key(local_day(ts, m.utc_offset_minutes)));
  MDB_val k = detail::val(day), v;
  if (days.move(k, v, MDB_SET_RANGE, "reading 'by_day'", path) != MDB_SUCCESS) return m.trade_count + 1;
  std::uint64_t lo = detail::load<Be<std::uint64_t>>(v, "by_day", path).get();
  std::uint64_t hi = days.move(k, v, MDB_NEXT, "reading 'by_day'", path) == MDB_SUCCESS
                         ? detail::load<Be<std::uint64_t>>(v, "by_day", path).get()
                         : m.trade_count + 1;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (must_find(s.txn(), s.env(), mid, Db::kByDay).ts < ts) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Registry entry `index` of table `db`, decoded, or nullopt.
template <class R>
auto registry_entry(const ReadScope& s, Db db, std::uint32_t index) {
  const auto rec =
      detail::get<R>(s.txn(), s.dbi(db), detail::val(Be<std::uint32_t>(index)), db, s.env().path());
  return rec ? std::optional(decode(*rec)) : std::nullopt;
}

}  // namespace

namespace {

std::string read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
}

// LMDB could not open its lock file for writing (`denied` says why). Reading without one is safe only
// while no writer can be present: returns the writer's lock file (`path`-writer) held shared, so that
// no Writer can start until the reader is gone, or nullptr when there is none (no writer ever opened
// the ledger at this path); throws when a writer is present, or, without a writer's lock file, any
// process has the ledger open.
std::shared_ptr<int> keep_writers_out(const std::string& path, const Error& denied) {
  const std::string busy =
      ": this user may not write LMDB's lock file " + path +
      "-lock, which reading beside a live writer needs: read it as the writer's user, or read a copy made "
      "with `crix ledger backup " + path + " COPY`";
  const int fd = ::open((path + "-writer").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::shared_ptr<int> held(new int(fd), [](int* f) {
      ::close(*f);
      delete f;
    });
    // Every CRIX writer holds this lock exclusively while it lives; other readers do not matter.
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) throw denied;
      throw Error(ErrorKind::kPermission, "ledger " + path + " is open for writing by process " + read_pid(fd) + busy);
    }
    return held;
  }
  if (errno != ENOENT) throw denied;  // cannot tell whether a writer is there
  // No CRIX writer ever opened the ledger at this path (a copy). Any process with the environment open
  // holds a lock on LMDB's lock file, if there is one: refuse then, as it could be writing.
  const int lock = ::open((path + "-lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (lock >= 0) {
    struct flock probe {};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET;
    const int rc = ::fcntl(lock, F_GETLK, &probe);
    ::close(lock);
    if (rc != 0) throw denied;
    if (probe.l_type != F_UNLCK) {
      throw Error(ErrorKind::kPermission,
                  "ledger " + path + " is open in process " + std::to_string(probe.l_pid) + busy);
    }
  } else if (errno != ENOENT) {
    throw denied;
  }
  return nullptr;
}

}  // namespace

Reader::Reader(const std::string& path) {
  try {
    env_ = std::make_shared<detail::Env>(path, detail::Env::Mode::kRead, 0, false);
  } catch (const Error& e) {
    // A read-only copy, or another user's ledger: LMDB could not write its lock file.
    if (e.kind() != ErrorKind::kPermission) throw;
    writer_lock_ = keep_writers_out(path, e);
    env_ = std::make_shared<detail::Env>(path, detail::Env::Mode::kReadNoLock, 0, false);
  }
  // Database handles opened in a read transaction become the environment's when it commits.
  detail::Txn txn;
  int rc = txn.begin(*env_, MDB_RDONLY);
  while (rc == MDB_MAP_RESIZED) {
    // The writer (another process) grew the map since this one read its size from the file: adopt the
    // new size (no transaction of this environment is open yet) and begin again.
    detail::check(mdb_env_set_mapsize(env_->get(), 0), "adopting the map size the writer set", path);
    rc = txn.begin(*env_, MDB_RDONLY);
  }
  detail::check(rc, "starting a read transaction", path);
  env_->open_dbis(txn.get(), false);
  read_meta(txn.get(), *env_);
  detail::check(txn.commit(), "opening the databases", path);
}

Reader::Reader(std::shared_ptr<detail::Env> env) : env_(std::move(env)) {}

void Reader::backup(const std::string& dest) const {
  const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      throw Error(ErrorKind::kStorage, "backup of ledger " + env_->path() + ": " + dest +
                                           " exists: give the path of a new file (a backup overwrites nothing)");
    }
    detail::fail(errno, "creating the backup " + dest, env_->path());
  }
  int rc = MDB_SUCCESS;
  {
    // The copy runs its own read transaction: hold the map's size still as a query does.
    const ReadScope hold(*env_);
    rc = mdb_env_copyfd2(env_->get(), fd, MDB_CP_COMPACT);
  }
  if (rc == MDB_SUCCESS && ::fsync(fd) != 0) rc = errno;
  ::close(fd);
  if (rc != MDB_SUCCESS) {
    ::unlink(dest.c_str());
    detail::fail(rc, "copying to " + dest, env_->path());
  }
}

const std::string& Reader::path() const { return env_->path(); }

Meta Reader::meta() const {
  const ReadScope s(*env_);
  return read_meta(s.txn(), *env_);
}

std::optional<MarketSource> Reader::market_file() const {
  const ReadScope s(*env_);
  MDB_val k = detail::val(kMarketFileKey), d;
  const int rc = mdb_get(s.txn(), s.dbi(Db::kMeta), &k, &d);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  detail::check(rc, "reading the market file's record in 'meta'", env_->path());
  return decode_market_file(std::string_view(static_cast<const char*>(d.mv_data), d.mv_size)).source;
}

engine::Seq Reader::expiry_at_command_from() const {
  const ReadScope s(*env_);
  MDB_val k = detail::val(kExpiryAtCommandKey), d;
  const int rc = mdb_get(s.txn(), s.dbi(Db::kMeta), &k, &d);
  if (rc == MDB_NOTFOUND) return engine::Seq(read_meta(s.txn(), *env_).last_seq.v + 1);
  detail::check(rc, "reading the GTD expiry rule's record in 'meta'", env_->path());
  const std::string_view text(static_cast<const char*>(d.mv_data), d.mv_size);
  std::uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size() || seq == 0) {
    throw Error(ErrorKind::kCorrupt, "ledger " + env_->path() + ": meta 'expiry-at-command' holds '" +
                                         std::string(text) + "', not a seq: the ledger is damaged; restore it from a copy");
  }
  return engine::Seq(seq);
}

engine::RegistryCounts Reader::registered_at_creation() const {
  const ReadScope s(*env_);
  engine::RegistryCounts out;
  std::size_t counts[2] = {0, 0};
  detail::Cursor cur(s.txn(), s.dbi(Db::kRegistrations), env_->path());
  MDB_val k, v;
  for (int rc = cur.move(k, v, MDB_FIRST, "reading 'registrations'", env_->path()); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading 'registrations'", env_->path())) {
    const std::string_view text(static_cast<const char*>(v.mv_data), v.mv_size);
    if (text.rfind("seq=0;", 0) != 0) continue;
    const std::uint64_t key = detail::load<Be<std::uint64_t>>(k, "registrations", env_->path()).get();
    const std::uint64_t kind = key >> 32;
    if (kind == 1 || kind == 2) ++counts[kind - 1];
  }
  out.facilities = counts[0];
  out.projects = counts[1];
  return out;
}

Summary Reader::summary() const {
  const ReadScope s(*env_);
  Summary out;
  out.meta = read_meta(s.txn(), *env_);
  const auto entries = [&](Db db) {
    MDB_stat st;
    detail::check(mdb_stat(s.txn(), s.dbi(db), &st), "reading statistics", env_->path());
    return static_cast<std::uint64_t>(st.ms_entries);
  };
  out.trades = entries(Db::kTrades);
  out.journal = entries(Db::kJournal);
  out.elimination = entries(Db::kElimination);
  return out;
}

std::optional<Trade> Reader::trade(engine::TradeId id) const {
  const ReadScope s(*env_);
  return detail::find_trade(s.txn(), *env_, id.v);
}

std::vector<Trade> Reader::trades(const Page& page) const {
  if (page.after.v == std::numeric_limits<std::uint64_t>::max()) return {};
  return chain_from(ReadScope(*env_), page.after.v + 1, page.limit, std::nullopt);
}

std::vector<Trade> Reader::trades_by_participant(engine::ParticipantId participant, const Page& page) const {
  return listed(ReadScope(*env_), Db::kByParticipant, participant.v, page);
}

std::vector<Trade> Reader::trades_by_facility(FacilityIndex facility, const Page& page) const {
  return listed(ReadScope(*env_), Db::kByFacility, facility.v, page);
}

std::vector<Trade> Reader::trades_by_project(ProjectIndex project, const Page& page) const {
  return listed(ReadScope(*env_), Db::kByProject, project.v, page);
}

std::vector<Trade> Reader::trades_by_region(RegionIndex region, const Page& page) const {
  return listed(ReadScope(*env_), Db::kByRegion, region.v, page);
}

std::vector<Trade> Reader::trades_by_industry(engine::Industry industry, const Page& page) const {
  return listed(ReadScope(*env_), Db::kByIndustry, static_cast<std::uint32_t>(industry), page);
}

std::vector<Trade> Reader::trades_between(engine::Timestamp from, engine::Timestamp to,
                                          const Page& page) const {
  std::vector<Trade> out;
  if (to <= from || page.limit == 0 || page.after.v == std::numeric_limits<std::uint64_t>::max()) return out;
  const ReadScope s(*env_);
  return chain_from(s, std::max(first_at_or_after(s, from), page.after.v + 1), page.limit, to);
}

std::optional<FacilityHistory> Reader::facility_history(FacilityIndex facility, const Page& page) const {
  const ReadScope s(*env_);
  auto state = registry_entry<FacilityRecord>(s, Db::kFacilities, facility.v);
  if (!state) return std::nullopt;
  FacilityHistory out;
  out.facility = std::move(*state);
  out.trades = listed(s, Db::kByFacility, facility.v, page);
  for (const Trade& t : out.trades) {
    if (!is_trade(t.kind)) continue;  // a revocation's revision is filed under its trade
    auto r = detail::revisions(s.txn(), *env_, t.id.v);
    out.entries.insert(out.entries.end(), r.begin(), r.end());
  }
  return out;
}

std::optional<ProjectProgress> Reader::project_progress(ProjectIndex project) const {
  const ReadScope s(*env_);
  auto state = registry_entry<ProjectRecord>(s, Db::kProjects, project.v);
  if (!state) return std::nullopt;
  ProjectProgress out;
  out.project = std::move(*state);
  out.remaining = out.project.remaining();
  out.trades = out.project.trades;
  return out;
}

namespace {

// Calls `visit(revisions, facility)` for each trade after `after` whose elimination entry passes
// `filter`, in trade order, until it returns false. `facility` is the retired facility's record, read
// only when the filter or the visitor (`kFacility`) needs it: a count that reads it for each of 10,000
// entries takes milliseconds.
template <bool kFacility, class Visit>
void for_each_entry(const ReadScope& s, const EliminationFilter& filter, engine::TradeId after, Visit visit) {
  if (after.v == std::numeric_limits<std::uint64_t>::max()) return;
  const std::string& path = s.env().path();
  const auto pass = [&](const std::vector<EliminationEntry>& entry) {
    if (entry.empty()) return true;
    if (filter.status && entry.back().status != *filter.status) return true;
    std::optional<FacilityState> f;
    if (kFacility || filter.region || filter.industry) {
      f = registry_entry<FacilityRecord>(s, Db::kFacilities, entry.front().facility.v);
    }
    if (filter.region && (!f || f->region != *filter.region)) return true;
    if (filter.industry && (!f || f->industry != *filter.industry)) return true;
    return visit(entry, f);
  };
  if (filter.facility) {
    for_each_listed(s, Db::kByFacility, filter.facility->v, after.v + 1,
                    [&](std::uint64_t id) { return pass(detail::revisions(s.txn(), s.env(), id)); });
    return;
  }
  // The whole list: revisions of one trade are neighbours in key order, the latest last.
  detail::Cursor cur(s.txn(), s.dbi(Db::kElimination), path);
  const EliminationKey first{Be<std::uint64_t>(after.v + 1), Be<std::uint32_t>(0)};
  MDB_val k = detail::val(first), v;
  std::vector<EliminationEntry> entry;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'elimination'", path); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading 'elimination'", path)) {
    EliminationEntry e = decode(detail::load<EliminationRecord>(v, "elimination", path));
    if (!entry.empty() && entry.front().trade != e.trade) {
      if (!pass(entry)) return;
      entry.clear();
    }
    entry.push_back(std::move(e));
  }
  pass(entry);
}

}  // namespace

std::vector<EliminationItem> Reader::elimination_list(const EliminationFilter& filter,
                                                      const Page& page) const {
  const ReadScope s(*env_);
  std::vector<EliminationItem> out;
  if (page.limit == 0) return out;
  std::optional<std::vector<RegionState>> regions;  // read once, for the province names
  for_each_entry<true>(s, filter, page.after, [&](const std::vector<EliminationEntry>& entry, const auto& f) {
    EliminationItem item;
    item.entry = entry.front();
    item.status = entry.back().status;
    item.status_since = entry.back().ts;
    if (f) {
      item.facility_id = f->id;
      item.equipment = f->equipment;
      item.inventory_ref = f->inventory_ref;
      if (const auto owner = registry_entry<ParticipantRecord>(s, Db::kParticipants, f->owner.v)) {
        item.owner_id = owner->id;
        item.owner_name = owner->name;
      }
      if (!regions) regions = detail::load_table<RegionRecord>(s.txn(), *env_, Db::kRegions);
      if (f->region.v < regions->size()) {
        const RegionState& g = (*regions)[f->region.v];
        item.region_name = g.name;
        item.province_name = province_name(*regions, g.code, g.name);
      }
    }
    if (const auto p = registry_entry<ProjectRecord>(s, Db::kProjects, item.entry.project.v)) {
      item.project_id = p->id;
      item.project_approval_ref = p->approval_ref;
      item.project_site = p->site;
      item.project_equipment = p->equipment;
      item.project_capacity = p->need;
      item.construction_start = p->construction_start;
      item.production_start = p->production_start;
      if (const auto owner = registry_entry<ParticipantRecord>(s, Db::kParticipants, p->owner.v)) {
        item.project_owner_id = owner->id;
        item.project_owner_name = owner->name;
      }
    }
    out.push_back(std::move(item));
    return out.size() < page.limit;
  });
  return out;
}

std::uint64_t Reader::count_elimination(const EliminationFilter& filter, engine::TradeId after,
                                        std::uint64_t limit) const {
  if (limit == 0) return 0;
  const ReadScope s(*env_);
  std::uint64_t n = 0;
  if (!filter.facility && !filter.status && !filter.region && !filter.industry) {
    // Every trade's entry counts: its revisions are neighbours in key order, so the keys alone tell
    // the trades apart, and no record is read.
    if (after.v == std::numeric_limits<std::uint64_t>::max()) return 0;
    // Each trade has one entry and a revocation none (its revision is filed under its trade): when the
    // chain after `after` holds `limit` more records than there are revocations in all, at least
    // `limit` entries follow, read from meta alone (a page of the whole list counts this way).
    const Meta m = read_meta(s.txn(), *env_);
    const std::uint64_t later = m.trade_count > after.v ? m.trade_count - after.v : 0;
    if (later >= m.revocations && later - m.revocations >= limit) return limit;
    const std::string& path = env_->path();
    detail::Cursor cur(s.txn(), s.dbi(Db::kElimination), path);
    const EliminationKey first{Be<std::uint64_t>(after.v + 1), Be<std::uint32_t>(0)};
    MDB_val k = detail::val(first), v;
    std::uint64_t previous = 0;  // trade ids start at 1
    for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'elimination'", path); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "reading 'elimination'", path)) {
      const std::uint64_t trade = detail::load<EliminationKey>(k, "elimination", path).trade.get();
      if (trade == previous) continue;
      previous = trade;
      if (++n >= limit) break;
    }
    return n;
  }
  for_each_entry<false>(s, filter, after, [&](const std::vector<EliminationEntry>&, const auto&) {
    ++n;
    return n < limit;
  });
  return n;
}

std::uint64_t Reader::count_trades(engine::TradeId after) const {
  const std::uint64_t count = meta().trade_count;
  return count > after.v ? count - after.v : 0;
}

std::uint64_t Reader::count_listed(TradeIndex index, std::uint32_t key, engine::TradeId after,
                                   std::uint64_t limit) const {
  static constexpr Db kDb[] = {Db::kByParticipant, Db::kByFacility, Db::kByProject, Db::kByRegion,
                               Db::kByIndustry};
  if (after.v == std::numeric_limits<std::uint64_t>::max() || limit == 0) return 0;
  const ReadScope s(*env_);
  std::uint64_t n = 0;
  for_each_listed(s, kDb[static_cast<std::size_t>(index)], key, after.v + 1, [&](std::uint64_t) {
    ++n;
    return n < limit;
  });
  return n;
}

std::uint64_t Reader::count_between(engine::Timestamp from, engine::Timestamp to, engine::TradeId after) const {
  if (to <= from || after.v == std::numeric_limits<std::uint64_t>::max()) return 0;
  const ReadScope s(*env_);
  const std::uint64_t first = std::max(first_at_or_after(s, from), after.v + 1);
  const std::uint64_t end = first_at_or_after(s, to);
  return end > first ? end - first : 0;
}

std::string province_name(const std::vector<RegionState>& regions, std::uint32_t region_code,
                          const std::string& region_name) {
  const std::uint32_t province = province_code(region_code);
  for (const RegionState& g : regions) {
    if (g.code == province) return g.name;
  }
  const std::size_t comma = region_name.rfind(", ");
  return comma == std::string::npos ? region_name : region_name.substr(comma + 2);
}

std::vector<ProvinceCapacity> Reader::province_capacity() const {
  const auto regions = this->regions();
  std::map<std::pair<std::uint32_t, std::size_t>, ProvinceCapacity> sums;  // (province, industry)
  for (const RegionState& g : regions) {
    const std::uint32_t province = province_code(g.code);
    for (std::size_t i = 0; i < engine::kIndustries; ++i) {
      if (!g.cap[i] && g.initial[i] == 0 && g.capacity[i] == 0) continue;
      ProvinceCapacity& p = sums[{province, i}];
      if (p.regions == 0) {
        p.code = province;
        p.name = province_name(regions, g.code, g.name);
        p.industry = static_cast<engine::Industry>(i);
      }
      ++p.regions;
      p.initial += g.initial[i];
      p.capacity += g.capacity[i];
      if (g.code == province) p.cap = g.cap[i];
    }
  }
  std::vector<ProvinceCapacity> out;
  for (auto& [key, p] : sums) out.push_back(std::move(p));
  return out;
}

std::vector<RegionCapacity> Reader::region_capacity() const {
  std::vector<RegionCapacity> out;
  const auto regions = this->regions();
  for (std::uint32_t r = 0; r < regions.size(); ++r) {
    const RegionState& g = regions[r];
    for (std::size_t i = 0; i < engine::kIndustries; ++i) {
      if (!g.cap[i] && g.initial[i] == 0 && g.capacity[i] == 0) continue;
      RegionCapacity c;
      c.region = RegionIndex(r);
      c.name = g.name;
      c.code = g.code;
      c.industry = static_cast<engine::Industry>(i);
      c.initial = g.initial[i];
      c.capacity = g.capacity[i];
      c.cap = g.cap[i];
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<DailyStats> Reader::daily_stats(Day first, Day last,
                                            std::optional<engine::InstrumentId> instrument) const {
  const ReadScope s(*env_);
  const auto instruments = detail::load_table<InstrumentRecord>(s.txn(), *env_, Db::kInstruments);
  std::vector<DailyStats> out;
  detail::Cursor cur(s.txn(), s.dbi(Db::kDaily), env_->path());
  const DailyKey from{Be<std::uint32_t>(day_key(first)), Be<std::uint32_t>(0)};
  MDB_val k = detail::val(from), v;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'daily'", env_->path()); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading 'daily'", env_->path())) {
    if (detail::load<DailyKey>(k, "daily", env_->path()).day.get() > day_key(last)) break;
    DailyStats d = decode(detail::load<DailyRecord>(v, "daily", env_->path()));
    if ((instrument && d.instrument != *instrument) || d.volume.v <= 0) continue;
    // The exchange's own close, by the exchange's own formula (engine::day_close).
    const std::int64_t tick =
        d.instrument.v < instruments.size() ? std::max<std::int64_t>(instruments[d.instrument.v].tick, 1) : 1;
    d.close = engine::Price(engine::day_close(d.value, d.volume.v, tick));
    out.push_back(d);
  }
  return out;
}

std::vector<engine::Command> Reader::journal(engine::Seq first, std::size_t limit) const {
  const ReadScope s(*env_);
  std::vector<engine::Command> out;
  detail::Cursor cur(s.txn(), s.dbi(Db::kJournal), env_->path());
  const Be<std::uint64_t> from(first.v);
  MDB_val k = detail::val(from), v;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'journal'", env_->path());
       rc == MDB_SUCCESS && out.size() < limit;
       rc = cur.move(k, v, MDB_NEXT, "reading 'journal'", env_->path())) {
    out.push_back(decode(detail::load<JournalRecord>(v, "journal", env_->path())));
  }
  return out;
}

std::vector<OperatorAction> Reader::operator_actions(const Page& page) const {
  const ReadScope s(*env_);
  std::vector<OperatorAction> out;
  detail::Cursor cur(s.txn(), s.dbi(Db::kOperatorActions), env_->path());
  const Be<std::uint64_t> from(page.after.v + 1);
  MDB_val k = detail::val(from), v;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'operator_actions'", env_->path());
       rc == MDB_SUCCESS && out.size() < page.limit;
       rc = cur.move(k, v, MDB_NEXT, "reading 'operator_actions'", env_->path())) {
    const std::uint64_t seq = detail::load<Be<std::uint64_t>>(k, "operator_actions", env_->path()).get();
    auto a = decode_operator_action(seq, std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
    if (!a) {
      throw Error(ErrorKind::kCorrupt, "ledger " + env_->path() + ": the operator action of seq " +
                                           std::to_string(seq) + " is not readable: restore the ledger from a copy");
    }
    out.push_back(std::move(*a));
  }
  return out;
}

std::uint64_t Reader::count_operator_actions(engine::Seq after) const {
  const ReadScope s(*env_);
  detail::Cursor cur(s.txn(), s.dbi(Db::kOperatorActions), env_->path());
  const Be<std::uint64_t> from(after.v + 1);
  MDB_val k = detail::val(from), v;
  std::uint64_t n = 0;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'operator_actions'", env_->path()); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading 'operator_actions'", env_->path())) {
    ++n;
  }
  return n;
}

std::vector<ParticipantEntry> Reader::participants() const {
  return detail::load_table<ParticipantRecord>(ReadScope(*env_).txn(), *env_, Db::kParticipants);
}

std::vector<InstrumentEntry> Reader::instruments() const {
  return detail::load_table<InstrumentRecord>(ReadScope(*env_).txn(), *env_, Db::kInstruments);
}

std::vector<RegionState> Reader::regions() const {
  return detail::load_table<RegionRecord>(ReadScope(*env_).txn(), *env_, Db::kRegions);
}

std::vector<FacilityState> Reader::facilities() const {
  return detail::load_table<FacilityRecord>(ReadScope(*env_).txn(), *env_, Db::kFacilities);
}

std::vector<ProjectState> Reader::projects() const {
  return detail::load_table<ProjectRecord>(ReadScope(*env_).txn(), *env_, Db::kProjects);
}

}  // namespace crix::ledger
