#include "ledger/store.hpp"

#include <cerrno>
#include <mutex>

namespace crix::ledger::detail {

void fail(int rc, std::string_view what, const std::string& path) {
  ErrorKind kind = ErrorKind::kStorage;
  std::string advice = "see the LMDB documentation for this code";
  switch (rc) {
    case ENOENT:
      kind = ErrorKind::kNotFound;
      advice =
          "the file or its directory does not exist: create the directory, or give the path of an existing "
          "ledger";
      break;
    case EACCES:
    case EPERM:
      kind = ErrorKind::kPermission;
      advice =
          "this user may not access it: fix the permissions of the file and its directory, or give another "
          "path";
      break;
    case EISDIR:
      kind = ErrorKind::kNotFound;
      advice = "the ledger is one file, not a directory: give the file's path (e.g. " + path + "/crix.ledger)";
      break;
    case EROFS:
      kind = ErrorKind::kPermission;
      advice = "the filesystem is read-only: put the ledger on a writable filesystem";
      break;
    case ENOSPC:
    case EDQUOT:
      advice = "no space left on the ledger's disk: free space on it, then restart the writer (committed batches "
               "are safe)";
      break;
    case EIO:
      advice = "the operating system reported an I/O error: check the disk, then run crix verify";
      break;
    case MDB_MAP_FULL:
      advice = "the memory map reached its configured maximum: raise WriterOptions::max_map_bytes";
      break;
    case MDB_TXN_FULL:
      advice = "one batch dirtied more pages than one LMDB transaction holds: commit smaller batches";
      break;
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      kind = ErrorKind::kIncompatible;
      advice = "the file is not an LMDB environment this build can read: check the path";
      break;
    case MDB_INCOMPATIBLE:
      kind = ErrorKind::kIncompatible;
      advice = "the file's databases do not have the ledger's layout: it is not a CRIX ledger";
      break;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      kind = ErrorKind::kCorrupt;
      advice = "the file is damaged: run crix verify and restore the ledger from a copy";
      break;
    case MDB_READERS_FULL:
      advice = "every reader slot is taken: close idle readers (slots of dead processes are freed on open)";
      break;
    case MDB_PANIC:
      advice = "LMDB stopped after a fatal error: restart the process";
      break;
    default:
      break;
  }
  throw Error(kind, "ledger " + path + ": " + std::string(what) + " failed: " + mdb_strerror(rc) + "; " +
                        std::string(advice));
}

Env::Env(std::string path, Mode mode, std::size_t map_bytes, bool no_sync) : path_(std::move(path)) {
  check(mdb_env_create(&env_), "creating an LMDB environment", path_);
  int rc = mdb_env_set_maxdbs(env_, kDbCount);
  if (rc == MDB_SUCCESS && map_bytes != 0) rc = mdb_env_set_mapsize(env_, map_bytes);
  // Without sync the map is written in place (MDB_WRITEMAP): see Durability in writer.hpp.
  const unsigned flags = MDB_NOSUBDIR | MDB_NOTLS | (mode != Mode::kWrite ? MDB_RDONLY : 0u) |
                         (mode == Mode::kReadNoLock ? MDB_NOLOCK : 0u) | (no_sync ? MDB_NOSYNC | MDB_WRITEMAP : 0u);
  if (rc == MDB_SUCCESS) rc = mdb_env_open(env_, path_.c_str(), flags, 0644);
  if (rc != MDB_SUCCESS) {
    mdb_env_close(env_);
    fail(rc, mode == Mode::kWrite ? "opening for writing" : "opening for reading", path_);
  }
  // Reader slots of processes that died (a killed `crix ledger`) would keep old pages from reuse.
  int dead = 0;
  mdb_reader_check(env_, &dead);
}

Env::~Env() { mdb_env_close(env_); }

void Env::open_dbis(MDB_txn* txn, bool create) {
  for (unsigned i = 0; i < kDbCount; ++i) {
    const int rc =
        mdb_dbi_open(txn, kDbSpecs[i].name, kDbSpecs[i].flags | (create ? MDB_CREATE : 0u), &dbis_[i]);
    if (rc == MDB_NOTFOUND) {
      // A table added by a later schema: say so if the meta record tells an older build wrote it.
      if (i > kMeta) (void)find_meta(txn, *this);
      throw Error(ErrorKind::kNotFound,
                  "ledger " + path_ + " has no '" + kDbSpecs[i].name +
                      "' database: no writer has created the ledger yet, or the file is "
                      "not a CRIX ledger");
    }
    check(rc, std::string("opening database '") + kDbSpecs[i].name + "'", path_);
  }
}

std::size_t Env::map_bytes() const {
  MDB_envinfo info;
  check(mdb_env_info(env_, &info), "reading the environment's map size", path_);
  return info.me_mapsize;
}

int Txn::begin(Env& env, unsigned flags) {
  abort();
  return mdb_txn_begin(env.get(), nullptr, flags, &txn_);
}

int Txn::commit() {
  MDB_txn* t = txn_;
  txn_ = nullptr;
  return mdb_txn_commit(t);
}

void Txn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

ReadScope::ReadScope(Env& env) : env_(env), hold_(env.resize_mutex()) {
  for (;;) {
    txn_.emplace();
    const int rc = txn_->begin(env_, MDB_RDONLY);
    if (rc == MDB_SUCCESS) return;
    if (rc != MDB_MAP_RESIZED) fail(rc, "starting a read transaction", env_.path());
    // The writer (another process) grew the map past ours: adopt its size with no transaction open.
    hold_.unlock();
    {
      const std::unique_lock<std::shared_mutex> grow(env_.resize_mutex());
      check(mdb_env_set_mapsize(env_.get(), 0), "adopting the map size the writer set", env_.path());
    }
    hold_.lock();
  }
}

Cursor::Cursor(MDB_txn* txn, MDB_dbi dbi, const std::string& path) {
  check(mdb_cursor_open(txn, dbi, &cursor_), "opening a cursor", path);
}

int Cursor::move(MDB_val& key, MDB_val& data, MDB_cursor_op op, std::string_view what,
                 const std::string& path) {
  const int rc = mdb_cursor_get(cursor_, &key, &data, op);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) fail(rc, what, path);
  return rc;
}

std::optional<Trade> find_trade(MDB_txn* txn, const Env& env, std::uint64_t id) {
  const auto rec = get<TradeRecord>(txn, env.dbi(kTrades), val(Be<std::uint64_t>(id)), kTrades, env.path());
  if (!rec) return std::nullopt;
  return decode(*rec);
}

std::vector<EliminationEntry> revisions(MDB_txn* txn, const Env& env, std::uint64_t trade) {
  std::vector<EliminationEntry> out;
  Cursor cur(txn, env.dbi(kElimination), env.path());
  const EliminationKey first{Be<std::uint64_t>(trade), Be<std::uint32_t>(0)};
  MDB_val k = val(first), v;
  for (int rc = cur.move(k, v, MDB_SET_RANGE, "reading 'elimination'", env.path()); rc == MDB_SUCCESS;
       rc = cur.move(k, v, MDB_NEXT, "reading 'elimination'", env.path())) {
    if (load<EliminationKey>(k, "elimination", env.path()).trade.get() != trade) break;
    out.push_back(decode(load<EliminationRecord>(v, "elimination", env.path())));
  }
  return out;
}

std::optional<std::string> registration(MDB_txn* txn, const Env& env, std::uint64_t key) {
  const Be<std::uint64_t> k(key);
  MDB_val kv = val(k);
  MDB_val d;
  const int rc = mdb_get(txn, env.dbi(kRegistrations), &kv, &d);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "reading 'registrations'", env.path());
  return std::string(static_cast<const char*>(d.mv_data), d.mv_size);
}

std::optional<Meta> find_meta(MDB_txn* txn, const Env& env, std::uint32_t oldest) {
  const auto rec = get<MetaRecord>(txn, env.dbi(kMeta), val(kMetaKey), kMeta, env.path());
  if (!rec) return std::nullopt;
  Meta m = decode(*rec);
  if (m.schema > kSchemaVersion) {
    throw Error(ErrorKind::kIncompatible, "ledger " + env.path() + " has schema version " +
                                              std::to_string(m.schema) + "; this build knows version " +
                                              std::to_string(kSchemaVersion) + ": use a matching crix build");
  }
  if (m.schema < oldest) {
    const std::string advice = oldest == kSchemaVersion
                                   ? "open it for writing once (crixd of this build) to upgrade it"
                                   : "this build upgrades from version " + std::to_string(oldest) +
                                         " on; use a matching crix build";
    throw Error(ErrorKind::kIncompatible, "ledger " + env.path() + " has schema version " +
                                              std::to_string(m.schema) + " of an older build; this build reads " +
                                              std::to_string(kSchemaVersion) + ": " + advice);
  }
  return m;
}

}  // namespace crix::ledger::detail
