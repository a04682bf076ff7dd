#include "ledger/writer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include "engine/calendar.hpp"
#include "ledger/market_text.hpp"
#include "ledger/reader.hpp"
#include "ledger/sha256.hpp"
#include "ledger/store.hpp"

namespace crix::ledger {

using detail::Db;
using engine::Qty;

void Batch::revoke(engine::TradeId id, engine::TradeId original, engine::Seq seq, engine::Timestamp ts) {
  Trade t;
  t.kind = TradeKind::kRevocation;
  t.id = id;
  t.revokes = original;
  t.seq = seq;
  t.ts = ts;
  trades_.push_back(t);
}

void Batch::append(const Batch& later) {
  commands_.insert(commands_.end(), later.commands_.begin(), later.commands_.end());
  trades_.insert(trades_.end(), later.trades_.begin(), later.trades_.end());
  updates_.insert(updates_.end(), later.updates_.begin(), later.updates_.end());
  amendments_.insert(amendments_.end(), later.amendments_.begin(), later.amendments_.end());
  registrations_.insert(registrations_.end(), later.registrations_.begin(), later.registrations_.end());
  client_orders_.insert(client_orders_.end(), later.client_orders_.begin(), later.client_orders_.end());
  actions_.insert(actions_.end(), later.actions_.begin(), later.actions_.end());
}

void Batch::clear() {
  commands_.clear();
  trades_.clear();
  updates_.clear();
  amendments_.clear();
  registrations_.clear();
  client_orders_.clear();
  actions_.clear();
}

namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorKind::kInvalidBatch, "batch refused: " + what);
}

// MDB_MAP_FULL inside an attempt: the writer grows the map and retries the batch.
struct MapFull {};

void put(MDB_cursor* cursor, MDB_val key, MDB_val data, unsigned flags, Db db, const std::string& path) {
  const int rc = mdb_cursor_put(cursor, &key, &data, flags);
  if (rc == MDB_MAP_FULL) throw MapFull{};
  detail::check(rc, std::string("writing to '") + detail::kDbSpecs[db].name + "'", path);
}

void put(MDB_txn* txn, MDB_dbi dbi, MDB_val key, MDB_val data, unsigned flags, Db db,
         const std::string& path) {
  const int rc = mdb_put(txn, dbi, &key, &data, flags);
  if (rc == MDB_MAP_FULL) throw MapFull{};
  detail::check(rc, std::string("writing to '") + detail::kDbSpecs[db].name + "'", path);
}

// An exclusive advisory lock on `path`-writer, held while the Writer lives. flock belongs to the open
// file, so a second Writer in the same process is refused like one in another process, and the kernel
// drops the lock when the holder dies. The file stays behind: removing it would race with a new writer.
class WriterLock {
 public:
  explicit WriterLock(const std::string& ledger) : path_(ledger + "-writer") {
    // Before any file is made beside it: a directory given as the ledger is refused with nothing left.
    struct stat st {};
    if (::stat(ledger.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) detail::fail(EISDIR, "opening for writing", ledger);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) detail::fail(errno, "creating the writer lock file " + path_, ledger);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      char buf[32] = {};
      const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
      ::close(fd_);
      if (err != EWOULDBLOCK) detail::fail(err, "locking " + path_, ledger);
      const std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
      throw Error(ErrorKind::kLocked, "ledger " + ledger + " is already open for writing by process " +
                                          holder + " (lock file " + path_ +
                                          "); stop that writer before starting another");
    }
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      const int err = errno;
      ::close(fd_);
      detail::fail(err, "writing the writer lock file " + path_, ledger);
    }
  }
  ~WriterLock() { ::close(fd_); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

// A registry table with per-attempt undo: edit() saves an entry's old value the first time an attempt
// touches it, rollback() restores them, touched() lists what to write back.
template <class T>
class Staged {
 public:
  std::size_t size() const { return items_.size(); }
  const T& operator[](std::size_t i) const { return items_[i]; }
  void assign(std::vector<T> items) {
    items_ = std::move(items);
    stamp_.assign(items_.size(), 0);
    undo_.clear();
  }
  T& edit(std::size_t i) {
    if (stamp_[i] != attempt_) {
      stamp_[i] = attempt_;
      undo_.emplace_back(static_cast<std::uint32_t>(i), items_[i]);
    }
    return items_[i];
  }
  // A new entry at the end, written back like an edited one and gone again on rollback.
  void append(T item) {
    items_.push_back(std::move(item));
    stamp_.push_back(attempt_);
    undo_.emplace_back(static_cast<std::uint32_t>(items_.size() - 1), items_.back());
  }
  void begin() {
    ++attempt_;
    undo_.clear();
    base_size_ = items_.size();
  }
  void rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->first < base_size_) items_[it->first] = std::move(it->second);
    }
    items_.resize(base_size_);
    stamp_.resize(base_size_);
    undo_.clear();
  }
  // In index order, so that the writes walk the table's pages once.
  template <class F>
  void for_each_touched(F f) {
    order_.clear();
    for (const auto& u : undo_) order_.push_back(u.first);
    std::sort(order_.begin(), order_.end());
    for (const std::uint32_t i : order_) f(i, items_[i]);
  }

 private:
  std::vector<T> items_;
  std::vector<std::uint32_t> order_;
  std::vector<std::uint64_t> stamp_;
  std::vector<std::pair<std::uint32_t, T>> undo_;
  std::uint64_t attempt_ = 0;
  std::size_t base_size_ = 0;
};

// The end of an elimination entry's publicity period: the exchange's own working-day arithmetic
// (engine::add_working_days), remembered for the day at hand (every trade of a day asks the same).
class Calendar {
 public:
  explicit Calendar(const engine::ExchangeSettings& s) : settings_(s) {}
  Day publicity_end(Day retired) {
    if (retired != memo_from_) {
      memo_from_ = retired;
      memo_result_ = Day(engine::add_working_days(settings_, retired.v, settings_.publicity_working_days));
    }
    return memo_result_;
  }
  Day dismantle_by(Day from) const { return Day(from.v + static_cast<std::int32_t>(settings_.dismantle_days)); }

 private:
  engine::ExchangeSettings settings_;
  Day memo_from_{std::numeric_limits<std::int32_t>::min()};
  Day memo_result_{};
};

// The bucketed indices (BucketKey) come first, then by_industry (Be<u32> key). by_day is no list.
enum Index : unsigned { kIxParticipant, kIxFacility, kIxProject, kIxRegion, kIxIndustry, kIndexCount };
constexpr Db kIndexDb[kIndexCount] = {Db::kByParticipant, Db::kByFacility, Db::kByProject, Db::kByRegion,
                                      Db::kByIndustry};

using IndexEntry = std::pair<std::uint64_t, std::uint64_t>;  // (key, trade id)

// Orders a batch's index entries by key, keeping trade id order within a key (they arrive in id
// order). A batch's keys mostly span a narrow range (one bucket's entities, four industries), where a
// counting sort is linear; a wider span falls back to a merge sort.
void order_by_key(std::vector<IndexEntry>& entries, std::vector<IndexEntry>& scratch,
                  std::vector<std::uint32_t>& counts) {
  constexpr std::uint64_t kMaxSpan = 1 << 16;
  const auto [lo, hi] =
      std::minmax_element(entries.begin(), entries.end(),
                          [](const IndexEntry& a, const IndexEntry& b) { return a.first < b.first; });
  const std::uint64_t base = lo->first;
  const std::uint64_t span = hi->first - base + 1;
  if (span > kMaxSpan) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const IndexEntry& a, const IndexEntry& b) { return a.first < b.first; });
    return;
  }
  counts.assign(span + 1, 0);
  for (const IndexEntry& e : entries) ++counts[e.first - base + 1];
  for (std::size_t i = 1; i <= span; ++i) counts[i] += counts[i - 1];
  scratch.resize(entries.size());
  for (const IndexEntry& e : entries) scratch[counts[e.first - base]++] = e;
  entries.swap(scratch);
}

}  // namespace

struct Writer::Impl {
  std::string path;
  WriterOptions options;
  WriterLock lock;
  std::shared_ptr<detail::Env> env;
  int fd = -1;  // the environment's file: each commit checks it still has a name (check_linked)
  Calendar calendar;
  Sha256 sha;

  std::vector<ParticipantEntry> participants;
  std::vector<InstrumentEntry> instruments;
  Staged<RegionState> regions;
  Staged<FacilityState> facilities;
  Staged<ProjectState> projects;

  Meta meta;  // as committed
  bool meta_fresh = false;  // the ledger was created by this writer
  engine::Timestamp last_trade_ts{std::numeric_limits<std::int64_t>::min()};
  std::string stopped;  // why commits are refused; empty while the writer is healthy

  // The reserve of allocated blocks ahead of LMDB (writer.hpp, Space ahead).
  std::size_t page_bytes = 4096;
  std::uint64_t reserved_end = 0;  // the file's blocks are allocated up to here
  bool reserving = true;           // false on a filesystem without fallocate
  Space space = Space::kOk;
  std::string reserve_note;

  // Scratch of one attempt.
  Meta work;
  engine::Timestamp work_last_ts{};
  std::array<std::vector<IndexEntry>, kIndexCount> index;
  std::vector<IndexEntry> index_scratch;
  std::vector<std::uint32_t> index_counts;
  std::vector<DailyStats> daily;
  std::vector<Be<std::uint64_t>> ids;  // one key's run of trade ids, for MDB_MULTIPLE

  // The market beyond facilities and projects (market_text.hpp), as configured now.
  engine::Market configured_market;
  std::vector<engine::ParticipantStatus> statuses;  // as registered, per participant
  bool legacy = false;  // written before participants, instruments ... were registered
  std::optional<MarketSource> accepted;  // the market file recorded, if any
  bool accepted_at_creation = false;     // recorded when the ledger was created (no journal yet)
  // The participants' statuses in the market file last accepted; none on a ledger from before they
  // were recorded.
  std::optional<std::vector<engine::ParticipantStatus>> file_statuses;

  // The configured registry, for registrations after the first start.
  std::vector<engine::Facility> configured_facilities;
  std::vector<engine::Project> configured_projects;
  std::unordered_map<std::string, std::uint32_t> participant_index;  // id -> index
  std::unordered_map<std::uint32_t, std::uint32_t> region_index;     // administrative code -> index

  Impl(const std::string& p, const engine::Market& market, const WriterOptions& o)
      : path(p),
        options(o),
        lock(p),
        env(std::make_shared<detail::Env>(p, detail::Env::Mode::kWrite, o.initial_map_bytes,
                                          o.durability == engine::Durability::kOs)),
        calendar(market.exchange) {
    detail::check(mdb_env_get_fd(env->get(), &fd), "reading the environment's file descriptor", path);
    MDB_stat st;
    detail::check(mdb_env_stat(env->get(), &st), "reading the environment's page size", path);
    page_bytes = st.ms_psize;
    reserve();
    try {
      transact([&](MDB_txn* txn) {
        env->open_dbis(txn, true);
        open_registry(txn, market);
      });
    } catch (const Error& e) {
      // A market that does not match: say which market file the ledger was made with.
      if (e.kind() != ErrorKind::kIncompatible) throw;
      throw Error(e.kind(), e.what() + market_note());
    }
  }

  std::string made() const {
    return accepted_at_creation ? "this ledger was made with market file " : "this ledger last started with market file ";
  }

  std::string market_note() const {
    if (!accepted || options.market.path.empty() || *accepted == options.market) return "";
    const auto short_hash = [](const std::string& h) { return h.substr(0, 16); };
    if (accepted->sha256 == options.market.sha256) {
      return " (" + made() + accepted->path + "; this run reads the same content from " +
             options.market.path + ")";
    }
    return " (" + made() + accepted->path + ", sha256 " + short_hash(accepted->sha256) +
           "...; this run reads " + options.market.path + ", sha256 " + short_hash(options.market.sha256) +
           "...: if that is not the file you meant, start with --market " + accepted->path + ")";
  }

  MDB_dbi dbi(Db db) const { return env->dbi(db); }

  // Runs `body` in one write transaction and commits it; on MDB_MAP_FULL grows the map and runs it
  // again from the start. Any other exception rolls the caches back and propagates.
  template <class F>
  void transact(F&& body) {
    for (;;) {
      begin_attempt();
      detail::Txn txn;
      detail::check(txn.begin(*env, 0), "starting a write transaction", path);
      try {
        body(txn.get());
        check_linked();
        const int rc = txn.commit();
        if (rc == MDB_SUCCESS) {
          meta = work;
          last_trade_ts = work_last_ts;
          if (reserved_end - std::min(reserved_end, used_end()) < options.reserve_bytes / 2) reserve();
          return;
        }
        if (rc != MDB_MAP_FULL) detail::fail(rc == EIO && disk_full() ? ENOSPC : rc, "committing a batch", path);
      } catch (const MapFull&) {
        txn.abort();
      } catch (...) {
        txn.abort();
        rollback();
        throw;
      }
      rollback();
      grow();
    }
  }

  // Throws kStorage when the file the environment has open has no name left (deleted, or replaced by
  // a rename over its path): commits would go on into a file that disappears when this process ends,
  // so what they acknowledge would be lost at the next start. A file moved or linked elsewhere keeps
  // its data and is not refused. One fstat() per commit (1-2 us on the reference VM; the path's
  // stat() cost twice that).
  void check_linked() const {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      throw Error(ErrorKind::kStorage, "ledger " + path + ": fstat failed before a commit: " + std::strerror(errno));
    }
    if (st.st_nlink == 0) {
      throw Error(ErrorKind::kStorage,
                  "ledger " + path + " was deleted or replaced while this writer had it open: nothing more "
                  "was committed; restore the ledger from a copy (crix ledger backup) and start again");
    }
  }

  // The end of the last page the newest commit uses: LMDB takes new pages after it (or reuses freed
  // ones before it).
  std::uint64_t used_end() const {
    MDB_envinfo info;
    detail::check(mdb_env_info(env->get(), &info), "reading the environment's last page", path);
    return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * page_bytes;
  }

  // Allocates the file's blocks up to reserve_bytes past the pages in use (writer.hpp, Space ahead).
  // FALLOC_FL_KEEP_SIZE: the file's size, which LMDB reads at open and sets itself under
  // MDB_WRITEMAP, does not change; blocks beyond it stay the file's when it grows over them.
  Space reserve() {
    if (!reserving || options.reserve_bytes == 0) return space;
    const std::uint64_t want = used_end() + options.reserve_bytes;
    if (want <= reserved_end) {
      space = Space::kOk;
      reserve_note.clear();
      return space;
    }
    if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_end),
                    static_cast<off_t>(want - reserved_end)) == 0) {
      reserved_end = want;
      space = Space::kOk;
      reserve_note.clear();
      return space;
    }
    const int err = errno;
    if (err == EOPNOTSUPP || err == ENOSYS) {
      reserving = false;
      reserve_note = "the filesystem of " + path + " cannot allocate blocks ahead (fallocate: " +
                     std::strerror(err) + "): a full disk will stop the writer instead of refusing new work";
      return space;
    }
    space = Space::kLow;
    reserve_note = "no space left on the ledger's disk: allocating " + std::to_string(want - reserved_end) +
                   " bytes ahead of the ledger " + path + " (" + std::to_string(used_end()) +
                   " bytes in use) failed: " + std::strerror(err);
    return space;
  }

  // LMDB reports a short write (a full filesystem takes part of a chunk of pages) as EIO, not ENOSPC;
  // a filesystem with less than a megabyte left is taken to be why.
  bool disk_full() const {
    struct statvfs fs {};
    return ::statvfs(path.c_str(), &fs) == 0 &&
           static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < (std::uint64_t{1} << 20);
  }

  void begin_attempt() {
    regions.begin();
    facilities.begin();
    projects.begin();
    work = meta;
    work_last_ts = last_trade_ts;
    for (auto& ix : index) ix.clear();
    daily.clear();
  }

  void rollback() {
    regions.rollback();
    facilities.rollback();
    projects.rollback();
  }

  void grow() {
    const std::size_t now = env->map_bytes();
    if (now >= options.max_map_bytes) {
      detail::fail(MDB_MAP_FULL, "growing the map beyond " + std::to_string(now) + " bytes", path);
    }
    const std::size_t next = std::min(now * 2, options.max_map_bytes);
    const std::unique_lock<std::shared_mutex> no_readers(env->resize_mutex());
    detail::check(mdb_env_set_mapsize(env->get(), next),
                  "growing the map to " + std::to_string(next) + " bytes", path);
  }

  // ---- opening: meta and registry

  template <class R, class T>
  void put_entry(MDB_txn* txn, Db db, std::size_t i, const T& value) {
    const Be<std::uint32_t> key(static_cast<std::uint32_t>(i));
    const R rec = encode(value);
    put(txn, dbi(db), detail::val(key), detail::val(rec), 0, db, path);
  }

  // Table `db` as stored, which must hold the market's first entries in order (`name` of a stored
  // entry, `configured_name` of a configured one), followed by what the market added since (`make`
  // turns a configured entry into a stored one; they are written here).
  template <class R, class M>
  auto sync_table(MDB_txn* txn, Db db, std::string_view what, const std::vector<M>& configured, bool append,
                  auto name, auto configured_name, auto make_entry) {
    auto out = detail::load_table<R>(txn, *env, db);
    if (configured.size() < out.size()) {
      throw Error(ErrorKind::kIncompatible,
                  "ledger " + path + " holds " + std::to_string(out.size()) + " " + std::string(what) +
                      " entries but the market configures only " + std::to_string(configured.size()) +
                      ": registered entries are never removed from the configuration");
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (name(out[i]) != configured_name(configured[i])) {
        throw Error(ErrorKind::kIncompatible,
                    "ledger " + path + ": " + std::string(what) + " " + std::to_string(i) + " is '" +
                        name(out[i]) + "' in the ledger but '" + configured_name(configured[i]) +
                        "' in the market configuration: entries keep their order; add new ones at the end");
      }
    }
    for (std::size_t i = out.size(); append && i < configured.size(); ++i) {
      out.push_back(make_entry(configured[i]));
      put_entry<R>(txn, db, i, out.back());
    }
    return out;
  }

  // ---- the registry as registered

  engine::ParticipantId owner_of(const std::string& id, const std::string& of) const {
    const auto it = participant_index.find(id);
    if (it == participant_index.end()) {
      throw Error(ErrorKind::kIncompatible, "the market's " + of + " names owner '" + id +
                                                "', who is no registered participant: fix the configuration");
    }
    return engine::ParticipantId(it->second);
  }
  RegionIndex region_of(std::uint32_t code, const std::string& of) const {
    const auto it = region_index.find(code);
    if (it == region_index.end()) {
      throw Error(ErrorKind::kIncompatible, "the market's " + of + " is in region " + std::to_string(code) +
                                                ", which is not in the region list: fix the configuration");
    }
    return RegionIndex(it->second);
  }
  FacilityState make(const engine::Facility& f) const {
    FacilityState s;
    s.id = f.id;
    s.equipment = f.equipment;
    s.inventory_ref = f.inventory_ref;
    s.industry = f.industry;
    s.region = region_of(f.region, "facility " + f.id);
    s.owner = owner_of(f.owner, "facility " + f.id);
    s.capacity = Qty(f.capacity);
    s.facts = f.facts;
    return s;
  }
  ProjectState make(const engine::Project& p) const {
    ProjectState s;
    s.id = p.id;
    s.approval_ref = p.approval_ref;
    s.status = p.status;
    s.industry = p.industry;
    s.region = region_of(p.region, "project " + p.id);
    s.owner = owner_of(p.owner, "project " + p.id);
    s.need = Qty(p.new_capacity);
    add_notice_fields(s, p);
    return s;
  }
  static void add_notice_fields(ProjectState& s, const engine::Project& p) {
    s.site = p.site;
    s.equipment = p.equipment;
    if (p.construction_start) s.construction_start = to_day(*p.construction_start);
    if (p.production_start) s.production_start = to_day(*p.production_start);
  }

  // registrations: Be<u64> kind << 32 | index -> "seq=<n>;" + the entry's text (registry_text for
  // facilities and projects, market_text.hpp for the others; the market-wide texts at kMarket 0, 1, 2).
  enum Kind : std::uint32_t { kFacility = 1, kProject = 2, kParticipant = 3, kInstrument = 4, kRegion = 5, kMarket = 6 };
  enum MarketText : std::uint32_t { kCalendar = 0, kRules = 1, kHolidays = 2 };
  static std::uint64_t registration_key(Kind kind, std::uint32_t entry) { return (std::uint64_t{kind} << 32) | entry; }
  static std::uint64_t registration_key(bool facility, std::uint32_t entry) {
    return registration_key(facility ? kFacility : kProject, entry);
  }
  void put_registration(MDB_txn* txn, std::uint64_t k, engine::Seq seq, const std::string& text) {
    const Be<std::uint64_t> key(k);
    const std::string value = "seq=" + std::to_string(seq.v) + ";" + text;
    put(txn, dbi(Db::kRegistrations), detail::val(key), MDB_val{value.size(), const_cast<char*>(value.data())}, 0,
        Db::kRegistrations, path);
  }
  void put_registration(MDB_txn* txn, bool facility, std::uint32_t entry, engine::Seq seq, const std::string& text) {
    put_registration(txn, registration_key(facility, entry), seq, text);
  }
  // The registered text without its "seq=<n>;", or none.
  std::optional<std::string> registration_text(MDB_txn* txn, std::uint64_t key) {
    std::optional<std::string> stored = detail::registration(txn, *env, key);
    if (stored) stored = stored->substr(std::min(stored->size(), stored->find(';') + 1));
    return stored;
  }
  // The configuration must describe a registered entry as it was registered: names the first field
  // that differs.
  void check_registration(MDB_txn* txn, bool facility, std::uint32_t entry, const std::string& configured) {
    const std::string what = std::string(facility ? "facility " : "project ") +
                             (facility ? configured_facilities[entry].id : configured_projects[entry].id);
    const std::optional<std::string> stored = detail::registration(txn, *env, registration_key(facility, entry));
    if (!stored) {
      throw Error(ErrorKind::kCorrupt, "ledger " + path + ": " + what + " is registered but has no registration "
                                       "record: restore the ledger from a copy");
    }
    const std::string registered = stored->substr(std::min(stored->size(), stored->find(';') + 1));
    if (registered == configured) return;
    std::string differs = first_difference(registered, configured);
    if (differs.empty()) differs = "its fields";
    throw Error(ErrorKind::kIncompatible,
                "ledger " + path + ": " + what + " differs from its registration (" + differs +
                    "): the ledger is the registry's truth; restore the configuration and change the entry "
                    "with an amendment (crix operator ... amend), which the journal records");
  }

  void register_entry(MDB_txn* txn, const Registration& r) {
    const std::size_t next = r.facility ? facilities.size() : projects.size();
    const std::size_t configured = r.facility ? configured_facilities.size() : configured_projects.size();
    const std::string what = r.facility ? "facility" : "project";
    if (r.index != next || next >= configured) {
      invalid("registration of " + what + " #" + std::to_string(r.index) + ": the next to register is #" +
              std::to_string(next) + " of " + std::to_string(configured) + " configured");
    }
    if (r.seq.v == 0 || r.seq > work.last_seq) {
      invalid("registration of " + what + " #" + std::to_string(r.index) + " carries seq " +
              std::to_string(r.seq.v) + ", which is not journaled: journal its command first");
    }
    if (r.facility) {
      facilities.append(make(configured_facilities[r.index]));
      put_registration(txn, true, r.index, r.seq, engine::registry_text(configured_facilities[r.index]));
    } else {
      projects.append(make(configured_projects[r.index]));
      put_registration(txn, false, r.index, r.seq, engine::registry_text(configured_projects[r.index]));
    }
  }

  void amend(const Amendment& a) {
    const std::string who = std::string(a.facility ? "amendment of facility #" : "amendment of project #") +
                            std::to_string(a.index);
    if (a.seq.v == 0 || a.seq > work.last_seq) {
      invalid(who + " carries seq " + std::to_string(a.seq.v) + ", which is not journaled: journal its command first");
    }
    if (a.index >= (a.facility ? facilities.size() : projects.size())) invalid(who + ": not registered");
    if (a.facility) {
      if (a.field < 1 || a.field > static_cast<std::uint8_t>(engine::FacilityField::kExpires)) {
        invalid(who + ": no field #" + std::to_string(a.field));
      }
      if (static_cast<engine::FacilityField>(a.field) != engine::FacilityField::kCapacity) {
        // An eligibility fact: the engine's own rule for the field's values.
        engine::Facility amended;
        amended.facts = facilities[a.index].facts;
        const std::string why = engine::set_field(amended, static_cast<engine::FacilityField>(a.field), a.value);
        if (!why.empty()) invalid(who + ": " + why);
        facilities.edit(a.index).facts = amended.facts;
        return;
      }
      FacilityState& f = facilities.edit(a.index);
      if (a.value < f.sold.v || a.value < 1) {
        invalid(who + ": capacity " + std::to_string(a.value) + " t is below the " + std::to_string(f.sold.v) +
                " t it has sold");
      }
      f.capacity = Qty(a.value);
      return;
    }
    ProjectState& p = projects.edit(a.index);
    switch (static_cast<engine::ProjectField>(a.field)) {
      case engine::ProjectField::kNeed:
        if (a.value < p.credited.v || a.value < 1) {
          invalid(who + ": need " + std::to_string(a.value) + " t is below the " + std::to_string(p.credited.v) +
                  " t credited");
        }
        p.need = Qty(a.value);
        return;
      case engine::ProjectField::kStatus:
        if (a.value < 0 || a.value > static_cast<std::int64_t>(engine::ProjectStatus::kCanceled)) {
          invalid(who + ": no project status " + std::to_string(a.value));
        }
        p.status = static_cast<engine::ProjectStatus>(a.value);
        return;
    }
    invalid(who + ": no field #" + std::to_string(a.field));
  }

  // ---- schema 3 -> 4 (also from 2, after its client_orders step)

  // Each record of `db` in its older layout `old_bytes` (a prefix of R), as R of the current version
  // with the new fields zero, by index.
  template <class R>
  std::vector<R> load_older(MDB_txn* txn, Db db, std::size_t old_bytes, std::uint16_t old_version) {
    std::vector<R> out;
    detail::Cursor cur(txn, dbi(db), path);
    MDB_val k, v;
    for (int rc = cur.move(k, v, MDB_FIRST, "upgrading the registry", path); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "upgrading the registry", path)) {
      R r{};
      std::memcpy(&r, v.mv_data, std::min(v.mv_size, sizeof r));
      if ((v.mv_size != old_bytes || r.version.get() != old_version) && v.mv_size != sizeof r) {
        throw Error(ErrorKind::kCorrupt, "ledger " + path + ": a record of '" + detail::kDbSpecs[db].name +
                                             "' has " + std::to_string(v.mv_size) +
                                             " bytes, which no schema-3 layout has: restore the ledger from a copy");
      }
      r.version.set(R::kVersion);
      out.push_back(r);
    }
    return out;
  }

  // Schema 4 adds to the registry what a regulator and a public notice read: a facility's eligibility
  // facts, and a project's site, equipment and planned dates. An older ledger gets the facts as
  // registered (the configuration, which must describe each registered entry as registered: checked
  // right after) and as amended since: the journal's kAmendFacility commands that the exchange
  // accepted (a registered facility, a fact and a value the field takes), replayed on the facts alone.
  // Projects get the configuration's notice fields. Elimination entries get dismantle_from = the trade's
  // date, the rule they were published under (their dismantle_by stays as published).
  void upgrade_to_4(MDB_txn* txn, const engine::Market& market) {
    std::vector<FacilityRecord> f = load_older<FacilityRecord>(txn, Db::kFacilities, kFacilityRecordV2Bytes, 2);
    std::vector<engine::Facility> amended(f.size());
    std::vector<std::uint64_t> registered_at(f.size(), 0);
    for (std::uint32_t i = 0; i < f.size(); ++i) {
      if (i < market.facilities.size()) amended[i].facts = market.facilities[i].facts;
      if (const auto text = detail::registration(txn, *env, registration_key(true, i))) {
        registered_at[i] = std::strtoull(text->c_str() + std::min<std::size_t>(4, text->size()), nullptr, 10);
      }
    }
    detail::Cursor cur(txn, dbi(Db::kJournal), path);
    MDB_val k, v;
    for (int rc = cur.move(k, v, MDB_FIRST, "upgrading: reading 'journal'", path); rc == MDB_SUCCESS;
         rc = cur.move(k, v, MDB_NEXT, "upgrading: reading 'journal'", path)) {
      const JournalRecord rec = detail::load<JournalRecord>(v, "journal", path);
      if (rec.type.get() != static_cast<std::uint8_t>(engine::CommandType::kAmendFacility)) continue;
      const engine::Command c = decode(rec);
      const std::uint64_t i = c.account.v;
      if (i >= f.size() || c.seq.v <= registered_at[i] || c.id.v <= 1 ||
          c.id.v > static_cast<std::uint64_t>(engine::FacilityField::kExpires)) {
        continue;  // refused by the exchange, or the capacity (which the record already holds)
      }
      engine::Facility trial = amended[i];
      if (engine::set_field(trial, static_cast<engine::FacilityField>(c.id.v), c.qty.v).empty()) amended[i] = trial;
    }
    for (std::uint32_t i = 0; i < f.size(); ++i) {
      FacilityState s = decode(f[i]);
      s.facts = amended[i].facts;
      put_entry<FacilityRecord>(txn, Db::kFacilities, i, s);
    }
    std::vector<ProjectRecord> p = load_older<ProjectRecord>(txn, Db::kProjects, kProjectRecordV2Bytes, 2);
    for (std::uint32_t i = 0; i < p.size(); ++i) {
      ProjectState s = decode(p[i]);
      if (i < market.projects.size()) add_notice_fields(s, market.projects[i]);
      put_entry<ProjectRecord>(txn, Db::kProjects, i, s);
    }
    detail::Cursor entries(txn, dbi(Db::kElimination), path);
    for (int rc = entries.move(k, v, MDB_FIRST, "upgrading: reading 'elimination'", path); rc == MDB_SUCCESS;
         rc = entries.move(k, v, MDB_NEXT, "upgrading: reading 'elimination'", path)) {
      if (v.mv_size == sizeof(EliminationRecord)) continue;
      EliminationRecord r{};
      std::memcpy(&r, v.mv_data, std::min(v.mv_size, sizeof r));
      if (v.mv_size != kEliminationRecordV1Bytes || r.version.get() != 1) {
        throw Error(ErrorKind::kCorrupt, "ledger " + path + ": an elimination entry has " +
                                             std::to_string(v.mv_size) +
                                             " bytes, which no schema-3 layout has: restore the ledger from a copy");
      }
      r.version.set(EliminationRecord::kVersion);
      r.dismantle_from.set(r.retired.get());
      // A different size: LMDB replaces the item (delete and insert) and keeps the cursor on it. The
      // key is copied out of the page that the delete may free.
      const EliminationKey key = detail::load<EliminationKey>(k, "elimination", path);
      put(entries.get(), detail::val(key), detail::val(r), MDB_CURRENT, Db::kElimination, path);
    }
  }

  void open_registry(MDB_txn* txn, const engine::Market& market) {
    meta_fresh = false;
    std::uint32_t stored_schema = kSchemaVersion;
    read_market_file(txn);
    if (const auto m = detail::find_meta(txn, *env, 2)) {
      stored_schema = m->schema;
      work = *m;
      // A schema-2 ledger gains the (empty) client_orders table, a schema-4 one the (empty)
      // operator_actions table: both created above.
      work.schema = kSchemaVersion;
    } else {
      // No meta record: a new ledger, unless LMDB has committed to this file before (the record is
      // written by the very first commit). Then the file is damaged (say both meta pages' roots of the
      // main database were lost) or is not a CRIX ledger, and seeding a registry into it would wipe
      // what it holds.
      MDB_envinfo info;
      detail::check(mdb_env_info(env->get(), &info), "reading the environment's information", path);
      if (info.me_last_txnid != 0) {
        throw Error(ErrorKind::kCorrupt,
                    "ledger " + path + " has " + std::to_string(info.me_last_txnid) +
                        " committed transactions but no meta record: it is damaged or not a CRIX ledger, and "
                        "it was left as it was; run `crix verify " + path + "` and restore it from a copy");
      }
      meta_fresh = true;
      MDB_stat st;
      detail::check(mdb_stat(txn, dbi(Db::kTrades), &st), "reading 'trades'", path);
      if (st.ms_entries != 0) {
        throw Error(ErrorKind::kCorrupt,
                    "ledger " + path + " holds trades but no meta record: restore it from a copy");
      }
      work = Meta{};
      work.utc_offset_minutes = market.exchange.utc_offset_minutes;
    }

    for (std::uint32_t i = 0; i < market.participants.size(); ++i)
      participant_index.emplace(market.participants[i].id, i);
    // The market names regions by administrative code; the ledger, like the exchange, by index.
    for (std::uint32_t i = 0; i < market.regions.size(); ++i)
      region_index.emplace(market.regions[i].ref.code, i);
    configured_facilities = market.facilities;
    configured_projects = market.projects;

    participants = sync_table<ParticipantRecord>(
        txn, Db::kParticipants, "participant", market.participants, true,
        [](const ParticipantEntry& e) { return e.id; }, [](const engine::Participant& p) { return p.id; },
        [](const engine::Participant& p) {
          return ParticipantEntry{p.id, p.region, p.name};
        });
    instruments = sync_table<InstrumentRecord>(
        txn, Db::kInstruments, "instrument", market.instruments, true,
        [](const InstrumentEntry& e) { return e.code; }, [](const engine::Instrument& i) { return i.code; },
        [](const engine::Instrument& i) {
          return InstrumentEntry{i.code, i.industry, i.tick};
        });
    regions.assign(sync_table<RegionRecord>(
        txn, Db::kRegions, "region", market.regions, true, [](const RegionState& e) { return e.name; },
        [](const engine::Region& r) { return r.name; },
        [](const engine::Region& r) {
          RegionState g;
          g.name = r.name;
          g.code = r.ref.code;
          g.region_class = r.ref.region_class;
          for (std::size_t i = 0; i < engine::kIndustries; ++i) {
            g.cap[i] = r.cap[i];
            g.initial[i] = r.capacity[i];
            g.capacity[i] = r.capacity[i];
          }
          return g;
        }));
    if (!meta_fresh && stored_schema < 4) upgrade_to_4(txn, market);
    // Facilities and projects: all of them on a new ledger; later only by registration commands.
    const bool fresh = meta_fresh;
    facilities.assign(sync_table<FacilityRecord>(
        txn, Db::kFacilities, "facility", market.facilities, fresh, [](const FacilityState& e) { return e.id; },
        [](const engine::Facility& f) { return f.id; }, [&](const engine::Facility& f) { return make(f); }));
    projects.assign(sync_table<ProjectRecord>(
        txn, Db::kProjects, "project", market.projects, fresh, [](const ProjectState& e) { return e.id; },
        [](const engine::Project& p) { return p.id; }, [&](const engine::Project& p) { return make(p); }));
    for (std::uint32_t i = 0; i < facilities.size(); ++i) {
      if (fresh) put_registration(txn, true, i, engine::Seq{}, engine::registry_text(market.facilities[i]));
      check_registration(txn, true, i, engine::registry_text(market.facilities[i]));
    }
    for (std::uint32_t i = 0; i < projects.size(); ++i) {
      if (fresh) put_registration(txn, false, i, engine::Seq{}, engine::registry_text(market.projects[i]));
      check_registration(txn, false, i, engine::registry_text(market.projects[i]));
    }
    check_market(txn, market, fresh);
    // Entries waiting for registration must be registrable: known owner and region, storable text.
    for (std::size_t i = facilities.size(); i < market.facilities.size(); ++i) (void)encode(make(market.facilities[i]));
    for (std::size_t i = projects.size(); i < market.projects.size(); ++i) (void)encode(make(market.projects[i]));

    put_expiry_at_command(txn);
    const MetaRecord m = encode(work);
    put(txn, dbi(Db::kMeta), detail::val(detail::kMetaKey), detail::val(m), 0, Db::kMeta, path);

    detail::Cursor cur(txn, dbi(Db::kTrades), path);
    MDB_val k, v;
    if (cur.move(k, v, MDB_LAST, "reading the last trade", path) == MDB_SUCCESS) {
      work_last_ts = decode(detail::load<TradeRecord>(v, "trades", path)).ts;
    }
  }

  // ---- the market beyond facilities and projects (market_text.hpp)

  // The configured entry must describe the registered one (but for `skip`); `advice` says what to do.
  void check_text(const std::string& what, const std::string& registered, const std::string& configured,
                  const std::string& advice, const std::string& skip = "") const {
    const std::string differs = first_difference(registered, configured, skip);
    if (differs.empty()) return;
    const std::string field =
        differs.starts_with("registered nothing") ? "" : differs.substr(11, differs.find('=') - 11);
    throw Error(ErrorKind::kIncompatible,
                "ledger " + path + ": " + what + " differs from its registration (" + differs +
                    "): the journal replays exactly only under the market it ran under, and no operator "
                    "command changes " + (field.empty() ? std::string("it") : "its " + field) + "; " + advice);
  }

  // The local day of the last journaled command; none on an empty journal.
  std::optional<std::int32_t> last_journal_day(MDB_txn* txn) {
    detail::Cursor cur(txn, dbi(Db::kJournal), path);
    MDB_val k, v;
    if (cur.move(k, v, MDB_LAST, "reading the last journaled command", path) != MDB_SUCCESS) return std::nullopt;
    const engine::Command c = decode(detail::load<JournalRecord>(v, "journal", path));
    return local_day(c.ts, work.utc_offset_minutes).v;
  }

  // Participants, instruments, regions, the calendar and the rules as registered; a fresh ledger (and
  // an entry appended now) registers them as configured. A ledger from before these registrations
  // (no calendar registered) gets them in accept_market(), once its journal replayed.
  void check_market(MDB_txn* txn, const engine::Market& market, bool fresh) {
    configured_market = market;
    const engine::Seq at = work.last_seq;
    const auto calendar_reg = registration_text(txn, registration_key(kMarket, kCalendar));
    legacy = !fresh && !calendar_reg;
    if (fresh && !options.market.path.empty()) {
      put_market_file(txn);
      accepted = options.market;
      accepted_at_creation = true;
    }
    if (fresh) put_file_statuses(txn);
    statuses.clear();
    for (const engine::Participant& p : market.participants) statuses.push_back(p.status);
    if (legacy) return;
    const std::string restore = "restore it in the market file";
    for (std::uint32_t i = 0; i < participants.size(); ++i) {
      const engine::Participant& p = market.participants[i];
      const auto key = registration_key(kParticipant, i);
      const auto stored = registration_text(txn, key);
      if (!stored) {
        put_registration(txn, key, at, participant_text(p));
        continue;
      }
      check_text("participant " + p.id, *stored, participant_text(p),
                 restore + " (its status may change there: the start journals a suspension or reinstatement)",
                 "status");
      statuses[i] = field_of(*stored, "status") == "suspended" ? engine::ParticipantStatus::kSuspended
                                                              : engine::ParticipantStatus::kActive;
    }
    for (std::uint32_t i = 0; i < instruments.size(); ++i) {
      const auto key = registration_key(kInstrument, i);
      const std::string text = instrument_text(market.instruments[i]);
      if (const auto stored = registration_text(txn, key)) {
        check_text("instrument " + market.instruments[i].code, *stored, text, restore);
      } else {
        put_registration(txn, key, at, text);
      }
    }
    for (std::uint32_t i = 0; i < regions.size(); ++i) {
      const auto key = registration_key(kRegion, i);
      const std::string text = region_text(market.regions[i]);
      if (const auto stored = registration_text(txn, key)) {
        check_text("region " + market.regions[i].name, *stored, text, restore);
      } else {
        put_registration(txn, key, at, text);
      }
    }
    const std::string calendar_now = calendar_text(market);
    if (calendar_reg) {
      check_text("the [exchange] table (calendar and limits)", *calendar_reg, calendar_now, restore + " ([exchange])");
    } else {
      put_registration(txn, registration_key(kMarket, kCalendar), at, calendar_now);
    }
    const std::string rules_now = rules_text(market);
    if (const auto stored = registration_text(txn, registration_key(kMarket, kRules))) {
      check_text("the rules (ratio and transfer tables)", *stored, rules_now,
                 "restore the rules file the ledger was made with");
    } else {
      put_registration(txn, registration_key(kMarket, kRules), at, rules_now);
    }
    const std::string holidays_now = holidays_text(market.exchange.holidays);
    const auto holidays = registration_text(txn, registration_key(kMarket, kHolidays));
    if (!holidays) {
      put_registration(txn, registration_key(kMarket, kHolidays), at, holidays_now);
      return;
    }
    // Holidays the journal has not reached may change: they decide nothing it replays.
    const std::optional<std::int32_t> last_day = last_journal_day(txn);
    if (!last_day) return;
    const auto up_to = [&](const std::string& text) {
      std::vector<engine::Date> days;
      for (std::size_t at_ = 0; at_ + 10 <= text.size(); at_ += 11) {
        const std::string d = text.substr(at_, 10);
        days.push_back(engine::Date{std::stoi(d.substr(0, 4)), static_cast<std::uint8_t>(std::stoi(d.substr(5, 2))),
                                    static_cast<std::uint8_t>(std::stoi(d.substr(8, 2)))});
      }
      return holidays_text(days, *last_day);
    };
    const std::string before = up_to(*holidays);
    const std::string now = holidays_text(market.exchange.holidays, *last_day);
    if (before != now) {
      const engine::Date last = engine::civil_from_days(*last_day);
      const std::string day = holidays_text({last});
      throw Error(ErrorKind::kIncompatible,
                  "ledger " + path + ": the holidays up to " + day + ", the day of the last journaled command, " +
                      "differ from those registered (registered " + (before.empty() ? "none" : before) +
                      ", configured " + (now.empty() ? "none" : now) +
                      "): the journal ran under them; restore them in the market file (holidays after " + day +
                      " may change)");
    }
  }

  void accept(const std::vector<engine::ParticipantStatus>& chosen) {
    transact([&](MDB_txn* txn) {
      const engine::Seq at = work.last_seq;
      if (legacy) {
        for (std::uint32_t i = 0; i < participants.size(); ++i) {
          engine::Participant p = configured_market.participants[i];
          if (i < chosen.size()) p.status = chosen[i];
          put_registration(txn, registration_key(kParticipant, i), at, participant_text(p));
        }
        for (std::uint32_t i = 0; i < instruments.size(); ++i) {
          put_registration(txn, registration_key(kInstrument, i), at, instrument_text(configured_market.instruments[i]));
        }
        for (std::uint32_t i = 0; i < regions.size(); ++i) {
          put_registration(txn, registration_key(kRegion, i), at, region_text(configured_market.regions[i]));
        }
        put_registration(txn, registration_key(kMarket, kCalendar), at, calendar_text(configured_market));
        put_registration(txn, registration_key(kMarket, kRules), at, rules_text(configured_market));
      }
      const std::string holidays_now = holidays_text(configured_market.exchange.holidays);
      if (registration_text(txn, registration_key(kMarket, kHolidays)) != holidays_now) {
        put_registration(txn, registration_key(kMarket, kHolidays), at, holidays_now);
      }
      if (!options.market.path.empty() && accepted != options.market) {
        put_market_file(txn);
      }
      if (file_statuses != configured_statuses()) put_file_statuses(txn);
    });
    if (legacy) {
      for (std::size_t i = 0; i < chosen.size() && i < statuses.size(); ++i) statuses[i] = chosen[i];
    }
    legacy = false;
    if (!options.market.path.empty() && accepted != options.market) {
      accepted = options.market;
      accepted_at_creation = meta.last_seq.v == 0;
    }
  }

  // meta "expiry-at-command" (records.hpp): this build expires GTD orders at the command, from the
  // next seq on; what was journaled before keeps the rule it ran under. Written once.
  void put_expiry_at_command(MDB_txn* txn) {
    MDB_val k = detail::val(kExpiryAtCommandKey), d;
    const int rc = mdb_get(txn, dbi(Db::kMeta), &k, &d);
    if (rc == MDB_SUCCESS) return;
    if (rc != MDB_NOTFOUND) detail::check(rc, "reading the GTD expiry rule's record in 'meta'", path);
    const std::string value = std::to_string(work.last_seq.v + 1);
    put(txn, dbi(Db::kMeta), detail::val(kExpiryAtCommandKey), detail::val(std::string_view(value)), 0, Db::kMeta,
        path);
  }

  // meta "market-file" (records.hpp): the market file last accepted.
  void put_market_file(MDB_txn* txn) {
    const std::string value = encode_market_file(options.market, work.last_seq.v);
    put(txn, dbi(Db::kMeta), detail::val(kMarketFileKey), detail::val(std::string_view(value)), 0, Db::kMeta, path);
  }
  // meta "market-statuses": one letter per participant of the market file last accepted, A (active)
  // or S (suspended). open_ledger acts on a status the file changed since, not on one an operator's
  // journaled command changed since (settlement.hpp).
  static constexpr std::string_view kFileStatusesKey = "market-statuses";
  std::vector<engine::ParticipantStatus> configured_statuses() const {
    std::vector<engine::ParticipantStatus> out;
    for (const engine::Participant& p : configured_market.participants) out.push_back(p.status);
    return out;
  }
  void put_file_statuses(MDB_txn* txn) {
    std::string value;
    for (const engine::ParticipantStatus s : configured_statuses()) {
      value += s == engine::ParticipantStatus::kSuspended ? 'S' : 'A';
    }
    put(txn, dbi(Db::kMeta), detail::val(kFileStatusesKey), detail::val(std::string_view(value)), 0, Db::kMeta, path);
    file_statuses = configured_statuses();
  }
  void read_file_statuses(MDB_txn* txn) {
    MDB_val k = detail::val(kFileStatusesKey), d;
    const int rc = mdb_get(txn, dbi(Db::kMeta), &k, &d);
    if (rc == MDB_NOTFOUND) return;
    detail::check(rc, "reading the market file's participant statuses in 'meta'", path);
    const std::string_view text(static_cast<const char*>(d.mv_data), d.mv_size);
    std::vector<engine::ParticipantStatus> out;
    for (const char c : text) {
      if (c != 'A' && c != 'S') {
        throw Error(ErrorKind::kCorrupt, "ledger " + path + ": meta 'market-statuses' holds '" + std::string(1, c) +
                                             "', not A or S: the ledger is damaged; restore it from a copy");
      }
      out.push_back(c == 'S' ? engine::ParticipantStatus::kSuspended : engine::ParticipantStatus::kActive);
    }
    file_statuses = std::move(out);
  }
  void read_market_file(MDB_txn* txn) {
    read_file_statuses(txn);
    MDB_val k = detail::val(kMarketFileKey), d;
    const int rc = mdb_get(txn, dbi(Db::kMeta), &k, &d);
    if (rc == MDB_NOTFOUND) return;
    detail::check(rc, "reading the market file's record in 'meta'", path);
    const MarketFileRecord record = decode_market_file(std::string_view(static_cast<const char*>(d.mv_data), d.mv_size));
    accepted = record.source;
    accepted_at_creation = record.at_creation;
  }

  // ---- one batch

  void apply(MDB_txn* txn, const Batch& batch) {
    journal(txn, batch.commands());
    for (const Registration& r : batch.registrations()) register_entry(txn, r);
    for (const Amendment& a : batch.amendments()) amend(a);
    chain(txn, batch.trades());
    for (const StatusUpdate& u : batch.updates()) update(txn, u);
    for (const ClientOrder& o : batch.client_orders()) keep(txn, o);
    for (const OperatorAction& a : batch.actions()) record(txn, a);
    flush_indices(txn);
    flush_daily(txn);
    flush_registry(txn);
    ++work.commits;
    const MetaRecord m = encode(work);
    put(txn, dbi(Db::kMeta), detail::val(detail::kMetaKey), detail::val(m), 0, Db::kMeta, path);
  }

  void keep(MDB_txn* txn, const ClientOrder& o) {
    const Be<std::uint64_t> key(o.order);
    MDB_val k = detail::val(key);
    if (o.state.empty()) {
      const int rc = mdb_del(txn, dbi(Db::kClientOrders), &k, nullptr);
      if (rc != MDB_NOTFOUND) detail::check(rc, "forgetting a client order", path);
      return;
    }
    put(txn, dbi(Db::kClientOrders), k, MDB_val{o.state.size(), const_cast<char*>(o.state.data())}, 0,
        Db::kClientOrders, path);
  }

  // The audit trail: one action per journaled operator command, never rewritten.
  void record(MDB_txn* txn, const OperatorAction& a) {
    if (a.seq.v == 0 || a.seq.v > work.last_seq.v) {
      invalid("operator action of seq " + std::to_string(a.seq.v) + " names no journaled command (last seq " +
              std::to_string(work.last_seq.v) + ")");
    }
    const Be<std::uint64_t> key(a.seq.v);
    const std::string value = encode(a);
    MDB_val k = detail::val(key);
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    const int rc = mdb_put(txn, dbi(Db::kOperatorActions), &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) invalid("operator action of seq " + std::to_string(a.seq.v) + " is recorded already");
    if (rc == MDB_MAP_FULL) throw MapFull{};
    detail::check(rc, "recording an operator action", path);
  }

  void journal(MDB_txn* txn, const std::vector<engine::Command>& commands) {
    if (commands.empty()) return;
    detail::Cursor cur(txn, dbi(Db::kJournal), path);
    for (const engine::Command& c : commands) {
      if (c.seq.v != work.last_seq.v + 1) {
        invalid("command seq " + std::to_string(c.seq.v) + " does not follow the last journaled seq " +
                std::to_string(work.last_seq.v) + ": commands are journaled in sequence, without gaps");
      }
      const Be<std::uint64_t> key(c.seq.v);
      const JournalRecord rec = encode(c);
      put(cur.get(), detail::val(key), detail::val(rec), MDB_APPEND, Db::kJournal, path);
      work.last_seq = c.seq;
    }
  }

  void chain(MDB_txn* txn, const std::vector<Trade>& trades) {
    if (trades.empty()) return;
    detail::Cursor cur(txn, dbi(Db::kTrades), path);
    detail::Cursor entries(txn, dbi(Db::kElimination), path);
    for (const Trade& in : trades) {
      const std::uint64_t id = work.trade_count + 1;
      if (in.id.v != id) {
        invalid("trade id " + std::to_string(in.id.v) + " does not follow the last trade id " +
                std::to_string(work.trade_count) +
                ": trades (and revocations) are numbered 1, 2, 3 ... without gaps");
      }
      if (in.seq.v == 0 || in.seq > work.last_seq) {
        invalid("trade " + std::to_string(id) + " carries seq " + std::to_string(in.seq.v) +
                ", which is not journaled (last seq " + std::to_string(work.last_seq.v) +
                "): journal a trade's command in the same batch or an earlier one");
      }
      if (in.ts < work_last_ts) {
        invalid("trade " + std::to_string(id) + " at " + std::to_string(in.ts.v) +
                " ns is earlier than the trade before it (" + std::to_string(work_last_ts.v) +
                " ns): the sequencer's clock must not go back");
      }
      Trade t;
      if (in.kind == TradeKind::kRevocation) {
        t = revocation(txn, in);
      } else if (is_trade(in.kind)) {
        check_trade(in);
        t = in;
      } else {
        invalid("trade " + std::to_string(id) + " has kind " +
                std::to_string(std::uint32_t{static_cast<std::uint8_t>(in.kind)}) +
                ", neither a trade (book, block, auction) nor a revocation");
      }
      t.prev_hash = work.chain_head;
      TradeRecord rec = encode(t);
      rec.hash = sha.trade_hash(rec);
      const Be<std::uint64_t> key(id);
      put(cur.get(), detail::val(key), detail::val(rec), MDB_APPEND, Db::kTrades, path);
      mark_day(txn, t, work_last_ts, id == 1);
      work.chain_head = rec.hash;
      work.trade_count = id;
      work_last_ts = t.ts;

      if (t.kind == TradeKind::kRevocation) {
        ++work.revocations;
        settle(t, -1);
      } else {
        settle(t, 1);
        retire(entries.get(), t);
        add_to_daily(t);
      }
      add_to_indices(t);
    }
  }

  void check_trade(const Trade& t) const {
    // Messages are built only on failure: this runs for every trade.
    const auto id = [&] { return "trade " + std::to_string(t.id.v); };
    if (t.instrument.v >= instruments.size())
      invalid(id() + " names instrument " + std::to_string(t.instrument.v) + ", not registered");
    if (t.buyer.v >= participants.size())
      invalid(id() + " names buyer " + std::to_string(t.buyer.v) + ", not registered");
    if (t.seller.v >= participants.size())
      invalid(id() + " names seller " + std::to_string(t.seller.v) + ", not registered");
    if (t.facility.v >= facilities.size())
      invalid(id() + " names facility " + std::to_string(t.facility.v) + ", not registered");
    if (t.project.v >= projects.size())
      invalid(id() + " names project " + std::to_string(t.project.v) + ", not registered");
    const FacilityState& f = facilities[t.facility.v];
    const ProjectState& p = projects[t.project.v];
    const InstrumentEntry& ins = instruments[t.instrument.v];
    if (f.owner != t.seller) {
      invalid(id() + ": facility " + f.id + " belongs to " + participants[f.owner.v].id +
              ", not to the seller " + participants[t.seller.v].id);
    }
    if (p.owner != t.buyer) {
      invalid(id() + ": project " + p.id + " belongs to " + participants[p.owner.v].id +
              ", not to the buyer " + participants[t.buyer.v].id);
    }
    if (f.industry != ins.industry || p.industry != ins.industry) {
      invalid(id() + ": instrument " + ins.code + ", facility " + f.id + " and project " + p.id +
              " are not all of one industry");
    }
    if (t.qty.v <= 0 || t.price.v <= 0) {
      invalid(id() + " has quantity " + std::to_string(t.qty.v) + " t and price " +
              std::to_string(t.price.v) + " fen: both must be positive");
    }
    if (t.ratio_permille == 0 || t.credited.v != engine::credited_capacity(t.qty.v, t.ratio_permille)) {
      invalid(id() + " credits " + std::to_string(t.credited.v) + " t for " + std::to_string(t.qty.v) +
              " t at ratio " + std::to_string(t.ratio_permille) +
              " per mille; floor(qty * 1000 / ratio) is required");
    }
    if (t.qty > f.unsold()) {
      invalid(id() + " would retire " + std::to_string(t.qty.v) + " t of facility " + f.id + ", which has " +
              std::to_string(f.unsold().v) + " t unsold");
    }
    if (t.credited > p.remaining()) {
      invalid(id() + " would credit " + std::to_string(t.credited.v) + " t to project " + p.id +
              ", which needs only " + std::to_string(p.remaining().v) + " t more");
    }
  }

  // The latest revision of trade `trade`'s elimination entry; kInvalidBatch when it has none (`who`
  // names the record asking).
  EliminationEntry latest_entry(MDB_txn* txn, engine::TradeId trade, const std::string& who) {
    auto all = detail::revisions(txn, *env, trade.v);
    if (all.empty())
      invalid(who + " names trade " + std::to_string(trade.v) +
              ", which has no elimination entry (no such trade)");
    return all.back();
  }

  void put_revision(MDB_txn* txn, const EliminationEntry& e) {
    const EliminationKey key{Be<std::uint64_t>(e.trade.v), Be<std::uint32_t>(e.revision)};
    const EliminationRecord rec = encode(e);
    put(txn, dbi(Db::kElimination), detail::val(key), detail::val(rec), 0, Db::kElimination, path);
  }

  // The next revision of an entry, with a new status.
  static EliminationEntry revise(EliminationEntry e, EliminationStatus status, engine::TradeId by,
                                 engine::Seq seq, engine::Timestamp ts) {
    ++e.revision;
    e.status = status;
    e.by = by;
    e.seq = seq;
    e.ts = ts;
    return e;
  }

  Trade revocation(MDB_txn* txn, const Trade& in) {
    const std::string id = "revocation " + std::to_string(in.id.v);
    const auto original = detail::find_trade(txn, *env, in.revokes.v);
    if (!original)
      invalid(id + " revokes trade " + std::to_string(in.revokes.v) + ", which is not on the ledger");
    if (!is_trade(original->kind))
      invalid(id + " revokes " + std::to_string(in.revokes.v) + ", itself a revocation");
    const EliminationEntry entry = latest_entry(txn, original->id, id);
    if (entry.status != EliminationStatus::kPublicised) {
      invalid(id + " revokes trade " + std::to_string(original->id.v) +
              ", whose elimination entry is already " + std::string(to_string(entry.status)) +
              ": only a publicised trade may be revoked");
    }
    put_revision(txn, revise(entry, EliminationStatus::kRevoked, in.id, in.seq, in.ts));
    Trade t = *original;
    t.kind = TradeKind::kRevocation;
    t.id = in.id;
    t.revokes = original->id;
    t.seq = in.seq;
    t.ts = in.ts;
    return t;
  }

  void settle(const Trade& t, std::int64_t sign) {
    FacilityState& f = facilities.edit(t.facility.v);
    ProjectState& p = projects.edit(t.project.v);
    const auto industry = static_cast<std::size_t>(f.industry);
    f.sold += Qty(sign * t.qty.v);
    p.credited += Qty(sign * t.credited.v);
    ++p.trades;
    regions.edit(p.region.v).capacity[industry] += sign * t.credited.v;
    regions.edit(f.region.v).capacity[industry] -= sign * t.qty.v;
  }

  // Revision 0 of the trade's elimination entry, appended (trade ids only grow).
  void retire(MDB_cursor* entries, const Trade& t) {
    EliminationEntry e;
    e.trade = t.id;
    e.by = t.id;
    e.facility = t.facility;
    e.project = t.project;
    e.qty = t.qty;
    e.seq = t.seq;
    e.ts = t.ts;
    e.retired = local_day(t.ts, work.utc_offset_minutes);
    e.publicity_end = calendar.publicity_end(e.retired);
    // DOMAIN.md: the retired capacity is shut before the new plant starts and dismantled within a
    // year (dismantle_days) of that start; a project without a planned start dismantles from the trade.
    const std::optional<Day> start = projects[t.project.v].production_start;
    e.dismantle_from = start && start->v > e.retired.v ? *start : e.retired;
    e.dismantle_by = calendar.dismantle_by(e.dismantle_from);
    const EliminationKey key{Be<std::uint64_t>(t.id.v), Be<std::uint32_t>(0)};
    const EliminationRecord rec = encode(e);
    put(entries, detail::val(key), detail::val(rec), MDB_APPEND, Db::kElimination, path);
  }

  void update(MDB_txn* txn, const StatusUpdate& u) {
    const std::string who = "status update of trade " + std::to_string(u.trade.v) + "'s elimination entry";
    if (u.seq.v == 0 || u.seq > work.last_seq) {
      invalid(who + " carries seq " + std::to_string(u.seq.v) +
              ", which is not journaled: journal its command first");
    }
    const EliminationEntry entry = latest_entry(txn, u.trade, who);
    if (u.status == EliminationStatus::kRevoked || entry.status == EliminationStatus::kRevoked ||
        u.status <= entry.status) {
      invalid(who + " to " + std::string(to_string(u.status)) + ": the entry is " +
              std::string(to_string(entry.status)) +
              "; statuses only move forward, and only a revocation revokes");
    }
    put_revision(txn, revise(entry, u.status, engine::TradeId{}, u.seq, u.ts));
    const FacilityStatus physical = u.status == EliminationStatus::kDismantled ? FacilityStatus::kDismantled
                                    : u.status == EliminationStatus::kShut     ? FacilityStatus::kShut
                                                                               : FacilityStatus::kOperating;
    FacilityState& f = facilities.edit(entry.facility.v);
    f.status = std::max(f.status, physical);
  }

  void add_to_indices(const Trade& t) {
    const std::uint64_t id = t.id.v;
    const std::uint64_t bucket = std::uint64_t{bucket_of(t.id)} << 32;
    const FacilityState& f = facilities[t.facility.v];
    const ProjectState& p = projects[t.project.v];
    index[kIxParticipant].emplace_back(bucket | t.seller.v, id);
    if (t.buyer != t.seller) index[kIxParticipant].emplace_back(bucket | t.buyer.v, id);
    index[kIxFacility].emplace_back(bucket | t.facility.v, id);
    index[kIxProject].emplace_back(bucket | t.project.v, id);
    index[kIxRegion].emplace_back(bucket | f.region.v, id);
    if (p.region != f.region) index[kIxRegion].emplace_back(bucket | p.region.v, id);
    index[kIxIndustry].emplace_back(static_cast<std::uint32_t>(f.industry), id);
  }

  // by_day: the first trade of each day, appended (days only grow, as times do).
  void mark_day(MDB_txn* txn, const Trade& t, engine::Timestamp previous_ts, bool first_trade) {
    const Day day = local_day(t.ts, work.utc_offset_minutes);
    if (!first_trade && day == local_day(previous_ts, work.utc_offset_minutes)) return;
    const Be<std::uint32_t> key(day_key(day));
    const Be<std::uint64_t> id(t.id.v);
    put(txn, dbi(Db::kByDay), detail::val(key), detail::val(id), MDB_APPEND, Db::kByDay, path);
  }

  void add_to_daily(const Trade& t) {
    const Day day = local_day(t.ts, work.utc_offset_minutes);
    auto it = std::find_if(daily.begin(), daily.end(), [&](const DailyStats& s) {
      return s.day == day && s.instrument == t.instrument && s.kind == t.kind;
    });
    if (it == daily.end()) {
      DailyStats s;
      s.day = day;
      s.instrument = t.instrument;
      s.kind = t.kind;
      s.open = s.high = s.low = t.price;
      it = daily.insert(daily.end(), s);
    }
    ++it->trades;
    it->volume += t.qty;
    it->value += Int128{t.price.v} * t.qty.v;
    it->high = std::max(it->high, t.price);
    it->low = std::min(it->low, t.price);
    it->last = t.price;
  }

  // Each index's entries in key order, so that consecutive puts land on neighbouring pages. A
  // bucketed index's key is (bucket, entity), which is the composite's 8 big-endian bytes.
  void flush_indices(MDB_txn* txn) {
    for (unsigned i = 0; i < kIndexCount; ++i) {
      auto& entries = index[i];
      if (entries.empty()) continue;
      order_by_key(entries, index_scratch, index_counts);
      detail::Cursor cur(txn, dbi(kIndexDb[i]), path);
      for (std::size_t at = 0; at < entries.size();) {
        const std::uint64_t key = entries[at].first;
        ids.clear();
        for (; at < entries.size() && entries[at].first == key; ++at) ids.emplace_back(entries[at].second);
        const Be<std::uint64_t> wide(key);
        const Be<std::uint32_t> narrow(static_cast<std::uint32_t>(key));
        MDB_val k = i < kIxIndustry ? detail::val(wide) : detail::val(narrow);
        MDB_val d[2] = {{sizeof(Be<std::uint64_t>), ids.data()}, {ids.size(), nullptr}};
        const int rc = mdb_cursor_put(cur.get(), &k, d, MDB_MULTIPLE);
        if (rc == MDB_MAP_FULL) throw MapFull{};
        detail::check(rc, std::string("writing to '") + detail::kDbSpecs[kIndexDb[i]].name + "'", path);
      }
    }
  }

  void flush_daily(MDB_txn* txn) {
    for (const DailyStats& add : daily) {
      const DailyKey key{Be<std::uint32_t>(day_key(add.day)),
                         Be<std::uint32_t>(daily_instrument_word(add.instrument, add.kind))};
      DailyStats s = add;
      if (const auto stored =
              detail::get<DailyRecord>(txn, dbi(Db::kDaily), detail::val(key), Db::kDaily, path)) {
        const DailyStats old = decode(*stored);
        s.open = old.open;
        s.trades += old.trades;
        s.volume += old.volume;
        s.value += old.value;
        s.high = std::max(old.high, add.high);
        s.low = std::min(old.low, add.low);
      }
      const DailyRecord rec = encode(s);
      put(txn, dbi(Db::kDaily), detail::val(key), detail::val(rec), 0, Db::kDaily, path);
    }
  }

  template <class R, class T>
  void write_back(MDB_txn* txn, Db db, Staged<T>& table) {
    detail::Cursor cur(txn, dbi(db), path);
    table.for_each_touched([&](std::uint32_t i, const T& value) {
      const Be<std::uint32_t> key(i);
      const R rec = encode(value);
      put(cur.get(), detail::val(key), detail::val(rec), 0, db, path);
    });
  }

  void flush_registry(MDB_txn* txn) {
    write_back<FacilityRecord>(txn, Db::kFacilities, facilities);
    write_back<ProjectRecord>(txn, Db::kProjects, projects);
    write_back<RegionRecord>(txn, Db::kRegions, regions);
  }
};

Writer::Writer(const std::string& path, const engine::Market& market, const WriterOptions& options)
    : impl_(std::make_unique<Impl>(path, market, options)) {}

Writer::~Writer() = default;

void Writer::commit(const Batch& batch) {
  Impl& w = *impl_;
  if (!w.stopped.empty()) {
    throw Error(ErrorKind::kStopped, "ledger " + w.path + ": the writer stopped after an earlier failure (" +
                                         w.stopped + "); restart the process once the cause is fixed");
  }
  try {
    w.transact([&](MDB_txn* txn) { w.apply(txn, batch); });
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kInvalidBatch) w.stopped = e.what();
    throw;
  } catch (const std::exception& e) {
    w.stopped = e.what();
    throw;
  }
}

Space Writer::space() const { return impl_->space; }
Space Writer::reserve_space() { return impl_->reserve(); }
const std::string& Writer::reserve_note() const { return impl_->reserve_note; }
const Meta& Writer::meta() const { return impl_->meta; }
const std::string& Writer::path() const { return impl_->path; }
std::size_t Writer::map_bytes() const { return impl_->env->map_bytes(); }
Reader Writer::reader() const { return Reader(impl_->env); }
std::vector<ClientOrder> Writer::client_orders() const {
  const Impl& w = *impl_;
  detail::Txn txn;
  detail::check(txn.begin(*w.env, MDB_RDONLY), "starting a read transaction", w.path);
  std::vector<ClientOrder> out;
  detail::Cursor cur(txn.get(), w.dbi(Db::kClientOrders), w.path);
  MDB_val k, v;
  for (int rc = cur.move(k, v, MDB_FIRST, "reading 'client_orders'", w.path); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading 'client_orders'", w.path)) {
    Be<std::uint64_t> key(0);
    if (k.mv_size != sizeof key) {
      throw Error(ErrorKind::kCorrupt, "ledger " + w.path + ": a 'client_orders' key of " +
                                           std::to_string(k.mv_size) + " bytes; restore the file from a copy");
    }
    std::memcpy(&key, k.mv_data, sizeof key);
    out.push_back(ClientOrder{key.get(), std::string(static_cast<const char*>(v.mv_data), v.mv_size)});
  }
  return out;
}

const std::vector<engine::ParticipantStatus>& Writer::registered_statuses() const { return impl_->statuses; }
bool Writer::participants_unregistered() const { return impl_->legacy; }
const std::optional<MarketSource>& Writer::accepted_market() const { return impl_->accepted; }
const std::optional<std::vector<engine::ParticipantStatus>>& Writer::accepted_statuses() const {
  return impl_->file_statuses;
}
std::string Writer::market_note() const { return impl_->market_note(); }
void Writer::accept_market(const std::vector<engine::ParticipantStatus>& statuses) {
  if (!impl_->stopped.empty()) {
    throw Error(ErrorKind::kStopped, "ledger " + impl_->path + ": the writer stopped after an earlier failure (" +
                                         impl_->stopped + "); restart the process once the cause is fixed");
  }
  impl_->accept(statuses);
}

MarketSource market_source(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::kNotFound, "cannot read the market file " + path + ": check the path and its permissions");
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Sha256 sha;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec).lexically_normal();
  return MarketSource{ec ? path : absolute.string(), to_hex(sha.digest(bytes.data(), bytes.size()))};
}

std::size_t Writer::registered_facilities() const { return impl_->facilities.size(); }
std::size_t Writer::registered_projects() const { return impl_->projects.size(); }

}  // namespace crix::ledger
