// crix::ledger internals, shared by the writer, the reader and verify: the LMDB environment and its
// named databases, read and write transactions, cursors, typed get/put, and the translation of LMDB and
// errno codes into Error. Not part of the public API: only ledger/*.cpp include it.
//
// One environment = one data file at `path` plus LMDB's lock file `path`-lock (MDB_NOSUBDIR). Every
// environment is opened with MDB_NOTLS, so read transactions belong to their MDB_txn, not to a thread:
// a reader may run queries from several threads, and the writer's own process may read beside it.
//
// LMDB allows one MDB_env per file per process (closing a second descriptor would drop the first's
// locks), so a process that writes reads through the writer's Env (Writer::reader()). Growing the map
// (mdb_env_set_mapsize) needs every transaction of the process closed: readers hold resize_mutex()
// shared for the length of a query, the writer holds it exclusively while it grows the map, and a reader
// that finds the map grown by another process (MDB_MAP_RESIZED) takes it exclusively to adopt the size.
#pragma once

#include <lmdb.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ledger/error.hpp"
#include "ledger/records.hpp"

namespace crix::ledger::detail {

enum Db : unsigned {
  kMeta,
  kJournal,
  kTrades,
  kFacilities,
  kProjects,
  kRegions,
  kParticipants,
  kInstruments,
  kElimination,
  kDaily,
  kByParticipant,
  kByFacility,
  kByProject,
  kByRegion,
  kByIndustry,
  kByDay,
  kRegistrations,
  kClientOrders,
  kOperatorActions,
  kDbCount,
};

struct DbSpec {
  const char* name;
  unsigned flags;  // MDB_CREATE is added by the writer
};
inline constexpr unsigned kIndexFlags = MDB_DUPSORT | MDB_DUPFIXED;
inline constexpr std::array<DbSpec, kDbCount> kDbSpecs = {{
    {"meta", 0},
    {"journal", 0},
    {"trades", 0},
    {"facilities", 0},
    {"projects", 0},
    {"regions", 0},
    {"participants", 0},
    {"instruments", 0},
    {"elimination", 0},
    {"daily", 0},
    {"by_participant", kIndexFlags},
    {"by_facility", kIndexFlags},
    {"by_project", kIndexFlags},
    {"by_region", kIndexFlags},
    {"by_industry", kIndexFlags},
    {"by_day", 0},
    {"registrations", 0},
    {"client_orders", 0},
    {"operator_actions", 0},
}};
inline constexpr std::string_view kMetaKey = "meta";
// by_participant .. by_region are keyed BucketKey, by_industry Be<u32> (records.hpp).
constexpr bool bucketed(Db db) { return db >= kByParticipant && db <= kByRegion; }

// Throws Error for an LMDB or errno code: the kind from the code, the message from `what` (the step
// that failed), the path and what a person should do about it.
[[noreturn]] void fail(int rc, std::string_view what, const std::string& path);
inline void check(int rc, std::string_view what, const std::string& path) {
  if (rc != MDB_SUCCESS) fail(rc, what, path);
}

class Env {
 public:
  // kReadNoLock opens without LMDB's lock file (MDB_NOLOCK): only when no writer can be present
  // (Reader checks that and keeps writers out while it lives).
  enum class Mode { kWrite, kRead, kReadNoLock };
  // kWrite creates the file if needed; `map_bytes` 0 keeps the size recorded in the file.
  Env(std::string path, Mode mode, std::size_t map_bytes, bool no_sync);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* get() const { return env_; }
  const std::string& path() const { return path_; }
  MDB_dbi dbi(Db db) const { return dbis_[db]; }
  // Opens every named database inside `txn` (creating them when `create`); the handles become the
  // environment's when `txn` commits. kNotFound when a database is missing and `create` is false.
  void open_dbis(MDB_txn* txn, bool create);
  std::size_t map_bytes() const;
  std::shared_mutex& resize_mutex() { return resize_mutex_; }

 private:
  std::string path_;
  MDB_env* env_ = nullptr;
  std::array<MDB_dbi, kDbCount> dbis_{};
  std::shared_mutex resize_mutex_;
};

// A transaction that aborts unless committed.
class Txn {
 public:
  Txn() = default;
  ~Txn() { abort(); }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // flags: 0 (write) or MDB_RDONLY. Returns the LMDB code; on success the transaction is live.
  int begin(Env& env, unsigned flags);
  MDB_txn* get() const { return txn_; }
  int commit();  // the LMDB code; the handle is gone either way
  void abort();

 private:
  MDB_txn* txn_ = nullptr;
};

// A read transaction plus the shared hold on the environment's resize mutex; adopts a map grown by
// another process (MDB_MAP_RESIZED) and retries.
class ReadScope {
 public:
  explicit ReadScope(Env& env);
  MDB_txn* txn() const { return txn_->get(); }
  Env& env() const { return env_; }
  MDB_dbi dbi(Db db) const { return env_.dbi(db); }

 private:
  Env& env_;
  std::shared_lock<std::shared_mutex> hold_;
  std::optional<Txn> txn_;
};

class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi, const std::string& path);
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  MDB_cursor* get() const { return cursor_; }
  // MDB_SUCCESS or MDB_NOTFOUND; anything else throws.
  int move(MDB_val& key, MDB_val& data, MDB_cursor_op op, std::string_view what, const std::string& path);

 private:
  MDB_cursor* cursor_ = nullptr;
};

template <class T>
MDB_val val(const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  return MDB_val{sizeof(T), const_cast<T*>(&value)};
}
inline MDB_val val(std::string_view bytes) { return MDB_val{bytes.size(), const_cast<char*>(bytes.data())}; }

// Copies a stored value out of the map; kCorrupt when its size is not the record's.
template <class R>
R load(const MDB_val& v, std::string_view db, const std::string& path) {
  if (v.mv_size != sizeof(R)) {
    throw Error(ErrorKind::kCorrupt, "ledger " + path + ": a value in '" + std::string(db) + "' has " +
                                         std::to_string(v.mv_size) + " bytes, not " +
                                         std::to_string(sizeof(R)) +
                                         ": the file is damaged; run crix verify and restore from a copy");
  }
  R r;
  std::memcpy(&r, v.mv_data, sizeof(R));
  return r;
}

// The value stored under `key`, or nullopt.
template <class R>
std::optional<R> get(MDB_txn* txn, MDB_dbi dbi, MDB_val key, Db db, const std::string& path) {
  MDB_val d;
  const int rc = mdb_get(txn, dbi, &key, &d);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, std::string("reading '") + kDbSpecs[db].name + "'", path);
  return load<R>(d, kDbSpecs[db].name, path);
}

// Every entry of a registry table (keys 0, 1, 2 ... without gaps: kCorrupt otherwise), decoded.
template <class R>
auto load_table(MDB_txn* txn, const Env& env, Db db) {
  std::vector<decltype(decode(std::declval<R>()))> out;
  Cursor cur(txn, env.dbi(db), env.path());
  MDB_val k, v;
  for (int rc = cur.move(k, v, MDB_FIRST, "reading the registry", env.path()); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading the registry", env.path())) {
    const auto key = load<Be<std::uint32_t>>(k, kDbSpecs[db].name, env.path());
    if (key.get() != out.size()) {
      throw Error(ErrorKind::kCorrupt, "ledger " + env.path() + ": '" + kDbSpecs[db].name +
                                           "' skips from entry " + std::to_string(out.size()) + " to " +
                                           std::to_string(key.get()) +
                                           ": run crix verify and restore from a copy");
    }
    out.push_back(decode(load<R>(v, kDbSpecs[db].name, env.path())));
  }
  return out;
}

// Trade `id`, or nullopt.
std::optional<Trade> find_trade(MDB_txn* txn, const Env& env, std::uint64_t id);

// Every revision of trade `trade`'s elimination entry, in order (none: no such trade).
std::vector<EliminationEntry> revisions(MDB_txn* txn, const Env& env, std::uint64_t trade);

// The registration record under `key` ("seq=<n>;" + engine::registry_text), or nullopt.
std::optional<std::string> registration(MDB_txn* txn, const Env& env, std::uint64_t key);

// The meta record, or nullopt on a ledger no writer has initialised. Error(kIncompatible) for another
// schema version or a file that is not a CRIX ledger.
// Refuses a schema other than kSchemaVersion, or older than `oldest` (the writer upgrades).
std::optional<Meta> find_meta(MDB_txn* txn, const Env& env, std::uint32_t oldest = kSchemaVersion);

}  // namespace crix::ledger::detail
