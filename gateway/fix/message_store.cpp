// The LMDB MessageStore (message_store.hpp: layout, durability, threads).
#include "gateway/fix/message_store.hpp"

#include <pthread.h>
#include <fcntl.h>
#include <lmdb.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/fix/common.hpp"

namespace crix {
namespace fix {
namespace detail {

namespace {

constexpr std::size_t kInitialMap = std::size_t{64} << 20;
// At most this many old messages are deleted in one sending transaction, so a session that comes
// back after a long absence does not hold one send up for long; the rest go at the next prunes.
constexpr int kPruneBatch = 4096;
constexpr std::int64_t kPruneEveryNs = 60LL * 1000 * 1000 * 1000;
// Blocks kept allocated ahead of the pages in use (LmdbEnv::reserve_ahead): thousands of messages,
// more than the store grows by between two prunes at any rate crixd sustains.
constexpr std::uint64_t kReserve = std::uint64_t{8} << 20;

// A session's numbers, the value in "sessions".
struct SessionRecord {
  std::uint32_t number = 0;  // the session's prefix in "messages"
  std::int32_t next_sender = 1;
  std::int32_t next_target = 1;
  std::int32_t unused = 0;
  std::int64_t creation_ns = 0;
};

// A LMDB failure, turned into the exception its caller's interface allows.
struct LmdbError {
  int rc;
  std::string what;  // "reading the sessions"
};

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) throw LmdbError{rc, what};
}

MDB_val val(const void* data, std::size_t size) {
  MDB_val v;
  v.mv_data = const_cast<void*>(data);
  v.mv_size = size;
  return v;
}

// "messages" key: session number and sequence number, big-endian.
struct MessageKey {
  unsigned char bytes[8];
  MessageKey(std::uint32_t session, std::uint32_t seq) {
    for (int i = 0; i < 4; ++i) {
      bytes[i] = static_cast<unsigned char>(session >> (24 - 8 * i));
      bytes[4 + i] = static_cast<unsigned char>(seq >> (24 - 8 * i));
    }
  }
  static std::uint32_t part(const MDB_val& key, int at) {
    const auto* b = static_cast<const unsigned char*>(key.mv_data) + at;
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }
  static std::uint32_t session(const MDB_val& key) { return key.mv_size == 8 ? part(key, 0) : 0; }
  static std::uint32_t seq(const MDB_val& key) { return part(key, 4); }
};

std::int64_t stored_at(const MDB_val& value) {
  std::int64_t ns = 0;
  if (value.mv_size >= sizeof ns) std::memcpy(&ns, value.mv_data, sizeof ns);
  return ns;
}

}  // namespace

// The environment all stores of a factory share.
class LmdbEnv {
 public:
  explicit LmdbEnv(const std::string& path) : path_(path) {
    int rc = mdb_env_create(&env_);
    if (rc != MDB_SUCCESS) fail(rc, "cannot be created");
    if ((rc = mdb_env_set_maxdbs(env_, 2)) != MDB_SUCCESS) fail(rc, "cannot be set up");
    // A file larger than this (grown earlier) keeps its own size.
    if ((rc = mdb_env_set_mapsize(env_, kInitialMap)) != MDB_SUCCESS) fail(rc, "cannot be set up");
    rc = mdb_env_open(env_, path.c_str(),
                      MDB_NOSUBDIR | MDB_NOTLS | MDB_WRITEMAP | MDB_NOSYNC | MDB_NOMETASYNC, 0644);
    if (rc != MDB_SUCCESS) fail(rc, "cannot be opened");
    MDB_envinfo info;
    mdb_env_info(env_, &info);
    map_size_ = info.me_mapsize;
    MDB_stat st;
    if (mdb_env_get_fd(env_, &fd_) != MDB_SUCCESS || mdb_env_stat(env_, &st) != MDB_SUCCESS) fd_ = -1;
    page_bytes_ = fd_ >= 0 ? st.ms_psize : 0;
    reserve_ahead();
    try {
      write([&](MDB_txn* txn) {
        check(mdb_dbi_open(txn, "sessions", MDB_CREATE, &sessions_), "opening its sessions");
        check(mdb_dbi_open(txn, "messages", MDB_CREATE, &messages_), "opening its messages");
      });
    } catch (const LmdbError& e) {
      fail(e.rc, std::string("cannot be read (") + e.what + ")");
    }
  }
  ~LmdbEnv() {
    mdb_env_sync(env_, 1);
    mdb_env_close(env_);
  }
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_dbi sessions() const { return sessions_; }
  MDB_dbi messages() const { return messages_; }
  const std::string& path() const { return path_; }

  // Runs `body` in one write transaction and commits it; on MDB_MAP_FULL doubles the map and runs it
  // again. Throws LmdbError.
  template <class Body>
  void write(Body body) {
    for (;;) {
      std::size_t seen = 0;
      {
        std::shared_lock<std::shared_timed_mutex> lock(grow_mutex_);
        seen = map_size_;
        MDB_txn* txn = nullptr;
        check(mdb_txn_begin(env_, nullptr, 0, &txn), "beginning a write");
        int rc = MDB_SUCCESS;
        try {
          body(txn);
        } catch (const LmdbError& e) {
          mdb_txn_abort(txn);
          if (e.rc != MDB_MAP_FULL) throw;
          rc = MDB_MAP_FULL;
        } catch (...) {
          mdb_txn_abort(txn);
          throw;
        }
        if (rc == MDB_SUCCESS) {
          rc = mdb_txn_commit(txn);
          if (rc == MDB_SUCCESS) {
            reserve_ahead();
            return;
          }
          if (rc != MDB_MAP_FULL) check(rc, "committing");
        }
      }
      grow(seen);
    }
  }

  // Runs `body` in a read transaction. Throws LmdbError.
  template <class Body>
  void read(Body body) {
    std::shared_lock<std::shared_timed_mutex> lock(grow_mutex_);
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "beginning a read");
    try {
      body(txn);
    } catch (...) {
      mdb_txn_abort(txn);
      throw;
    }
    mdb_txn_abort(txn);
  }

  void sync() {
    std::shared_lock<std::shared_timed_mutex> lock(grow_mutex_);
    const int rc = mdb_env_sync(env_, 1);
    if (rc != MDB_SUCCESS) {
      throw std::runtime_error("FIX message store " + path_ + " cannot be flushed to disk: " + mdb_strerror(rc));
    }
  }

  // A new session's number: one more than the highest in "sessions".
  std::uint32_t next_number(MDB_txn* txn) {
    std::uint32_t highest = 0;
    MDB_cursor* cursor = nullptr;
    check(mdb_cursor_open(txn, sessions_, &cursor), "reading the sessions");
    MDB_val key, value;
    for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
      SessionRecord r;
      if (value.mv_size == sizeof r) {
        std::memcpy(&r, value.mv_data, sizeof r);
        highest = std::max(highest, r.number);
      }
    }
    mdb_cursor_close(cursor);
    return highest + 1;
  }

 private:
  [[noreturn]] void fail(int rc, const std::string& what) {
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = nullptr;
    throw std::runtime_error("the FIX message store " + path_ + " " + what + ": " + mdb_strerror(rc) +
                             " (it keeps the FIX sessions' sequence numbers and sent messages; if it is damaged, "
                             "move it away and start again: every client must then log on with "
                             "ResetSeqNumFlag=Y)");
  }

  // The store writes through a writable map (MDB_WRITEMAP), where a page the filesystem cannot back
  // (a full disk) is SIGBUS, not an error. As the ledger's writer does (ledger/writer.hpp, Space
  // ahead), the file's blocks are kept allocated up to kReserve past the last page in use, extended
  // once less than half is left (FALLOC_FL_KEEP_SIZE: the size LMDB set stays). When the disk cannot
  // give them, the store goes on inside what is left and tries again a second later; the ledger,
  // beside it, refuses orders meanwhile (ledger full), so what the store must still take is small.
  void reserve_ahead() {
    const std::lock_guard<std::mutex> lock(reserve_mutex_);
    MDB_envinfo info;
    if (fd_ < 0 || mdb_env_info(env_, &info) != MDB_SUCCESS) return;
    const std::uint64_t used = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * page_bytes_;
    if (reserved_end_ >= used + kReserve / 2) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < retry_at_) return;
    const std::uint64_t want = used + kReserve;
    if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_end_),
                    static_cast<off_t>(want - std::min(want, reserved_end_))) == 0) {
      reserved_end_ = want;
    } else if (errno == EOPNOTSUPP || errno == ENOSYS) {
      fd_ = -1;  // a filesystem that cannot allocate ahead: nothing reserved
    } else {
      retry_at_ = now + std::chrono::seconds(1);
    }
  }

  void grow(std::size_t seen) {
    std::unique_lock<std::shared_timed_mutex> lock(grow_mutex_);
    if (map_size_ != seen) return;  // another thread grew it meanwhile
    check(mdb_env_set_mapsize(env_, map_size_ * 2), "growing its map");
    map_size_ *= 2;
  }

  const std::string path_;
  MDB_env* env_ = nullptr;
  MDB_dbi sessions_ = 0, messages_ = 0;
  std::shared_timed_mutex grow_mutex_;  // exclusive only to grow the map: no transaction may be open then
  std::size_t map_size_ = 0;
  // reserve_ahead(): the file's blocks are allocated up to reserved_end_.
  int fd_ = -1;
  std::uint64_t page_bytes_ = 0;
  std::mutex reserve_mutex_;
  std::uint64_t reserved_end_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
};

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"

class LmdbStore;
// The stores that kept gathered messages on this thread since its last commit_deferred().
thread_local std::vector<LmdbStore*> t_deferred;
// Set while a DeferredTargets lives on this thread; the stores whose next target number it has not
// stored yet.
thread_local bool t_deferring_targets = false;
thread_local std::vector<LmdbStore*> t_targets;

// One session's store. QuickFIX calls it under the session's lock (SessionState's); the cached record
// is also under a lock of its own, as store_targets() saves it from the reading thread without the
// session's. The messages kept while gathering (t_gathering) are under their own lock:
// commit_deferred() stores them from the thread that gathered them, without the session's lock, while
// the session's own thread may read them to resend.
class LmdbStore final : public FIX::MessageStore {
 public:
  LmdbStore(std::shared_ptr<LmdbEnv> env, const FIX::SessionID& id, std::chrono::seconds retention)
      : env_(std::move(env)), key_(id.toString()), retention_ns_(retention.count() * 1000000000LL) {
    env_->write([&](MDB_txn* txn) {
      MDB_val k = val(key_.data(), key_.size()), v;
      const int rc = mdb_get(txn, env_->sessions(), &k, &v);
      if (rc == MDB_SUCCESS && v.mv_size == sizeof record_) {
        std::memcpy(&record_, v.mv_data, sizeof record_);
      } else {
        if (rc != MDB_NOTFOUND) check(rc == MDB_SUCCESS ? MDB_CORRUPTED : rc, "reading a session");
        record_ = SessionRecord();
        record_.number = env_->next_number(txn);
        record_.creation_ns = now_ns();
        put_record(txn);
      }
      number_ = record_.number;
      record_.next_sender = std::max(record_.next_sender, last_stored(txn) + 1);
      persisted_sender_ = record_.next_sender;
      prune(txn, now_ns());
    });
  }

  ~LmdbStore() override {
    // Kept messages not yet stored are lost, as in a crash before they were written. A next target
    // number not yet stored is stored: the thread that deferred it stores it before it reads again,
    // so this is only a session destroyed in between.
    t_deferred.erase(std::remove(t_deferred.begin(), t_deferred.end(), this), t_deferred.end());
    t_targets.erase(std::remove(t_targets.begin(), t_targets.end(), this), t_targets.end());
    try {
      store_target();
    } catch (const FIX::IOException&) {
      // As a crash before the save: the client's resend of the messages is answered (DeferredTargets).
    }
  }

  // Saves the record when the next target number was increased since it was last saved
  // (DeferredTargets). Any thread; throws FIX::IOException.
  void store_target() {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    if (target_unsaved_) save("storing the next target number");
  }

  // The messages kept while gathering, in one transaction. On failure they are dropped (their bytes
  // must not be sent: the caller discards them) and FIX::IOException says why. Any thread.
  void store_unstored() const {
    const std::lock_guard<std::mutex> lock(unstored_mutex_);
    if (unstored_.empty()) return;
    try {
      guard("storing messages", [&] {
        env_->write([&](MDB_txn* txn) {
          for (const auto& kept : unstored_) put_message(txn, kept.first, kept.second);
        });
      });
    } catch (...) {
      unstored_.clear();
      throw;
    }
    unstored_.clear();
  }

  // QuickFIX increments the next sender number right after; the stored message says it (the number
  // after the last stored message), so the increment writes nothing. A gathered message is kept here
  // until commit_deferred(), before its bytes are written: a crash before then loses it unsent (a
  // client that logs on again is sent a gap fill for its number, or the number again when no later
  // message was stored).
  bool set(int seq, const std::string& message) throw(FIX::IOException) override {
    const std::int64_t now = now_ns();
    thread_local std::string value;
    value.assign(reinterpret_cast<const char*>(&now), sizeof now);
    value += message;
    if (t_gathering) {
      {
        const std::lock_guard<std::mutex> lock(unstored_mutex_);
        unstored_[seq] = value;
      }
      if (std::find(t_deferred.begin(), t_deferred.end(), this) == t_deferred.end()) t_deferred.push_back(this);
      const std::lock_guard<std::mutex> lock(record_mutex_);
      persisted_sender_ = std::max(persisted_sender_, seq + 1);
      return true;
    }
    const std::lock_guard<std::mutex> lock(record_mutex_);
    guard("storing a message", [&] {
      env_->write([&](MDB_txn* txn) {
        put_message(txn, seq, value);
        persisted_sender_ = std::max(persisted_sender_, seq + 1);
        if (now - last_prune_ns_ >= kPruneEveryNs) prune(txn, now);
      });
    });
    return true;
  }

  void get(int begin, int end, std::vector<std::string>& out) const throw(FIX::IOException) override {
    out.clear();
    if (begin < 1 || end < begin) return;
    // What is kept in memory is stored first, so a message is resent only once it is stored, and the
    // resend reads one place (the holder's commit_deferred() may be storing them meanwhile: the
    // store's lock orders the two).
    store_unstored();
    guard("reading messages to resend", [&] {
      env_->read([&](MDB_txn* txn) {
        MDB_cursor* cursor = nullptr;
        check(mdb_cursor_open(txn, env_->messages(), &cursor), "reading messages");
        const MessageKey first(number_, static_cast<std::uint32_t>(begin));
        MDB_val k = val(first.bytes, sizeof first.bytes), v;
        for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
             rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
          if (MessageKey::session(k) != number_ || MessageKey::seq(k) > static_cast<std::uint32_t>(end) ||
              v.mv_size < sizeof(std::int64_t)) {
            break;
          }
          out.emplace_back(static_cast<const char*>(v.mv_data) + sizeof(std::int64_t),
                           v.mv_size - sizeof(std::int64_t));
        }
        mdb_cursor_close(cursor);
      });
    });
  }

  int getNextSenderMsgSeqNum() const throw(FIX::IOException) override {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    return record_.next_sender;
  }
  int getNextTargetMsgSeqNum() const throw(FIX::IOException) override {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    return record_.next_target;
  }

  void setNextSenderMsgSeqNum(int value) throw(FIX::IOException) override {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    record_.next_sender = value;
    save("storing the next sender number");
  }
  void setNextTargetMsgSeqNum(int value) throw(FIX::IOException) override {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    record_.next_target = value;
    save("storing the next target number");
  }
  void incrNextSenderMsgSeqNum() throw(FIX::IOException) override {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    ++record_.next_sender;
    if (record_.next_sender != persisted_sender_) save("storing the next sender number");
  }
  // Under a DeferredTargets, saved by its store_targets() (message_store.hpp); otherwise at once.
  void incrNextTargetMsgSeqNum() throw(FIX::IOException) override {
    const std::lock_guard<std::mutex> lock(record_mutex_);
    ++record_.next_target;
    if (!t_deferring_targets) return save("storing the next target number");
    if (!target_unsaved_) t_targets.push_back(this);
    target_unsaved_ = true;
  }

  // Now, not record_.creation_ns: the session never ends by QuickFIX's schedule (message_store.hpp).
  FIX::UtcTimeStamp getCreationTime() const throw(FIX::IOException) override { return FIX::UtcTimeStamp(); }

  // A fresh start (ResetSeqNumFlag=Y, or QuickFIX's reset): numbers 1 and 1, no messages.
  void reset() throw(FIX::IOException) override {
    {
      const std::lock_guard<std::mutex> lock(unstored_mutex_);
      unstored_.clear();
    }
    const std::lock_guard<std::mutex> lock(record_mutex_);
    guard("resetting the session", [&] {
      env_->write([&](MDB_txn* txn) {
        MDB_cursor* cursor = nullptr;
        check(mdb_cursor_open(txn, env_->messages(), &cursor), "deleting messages");
        const MessageKey first(record_.number, 0);
        MDB_val k = val(first.bytes, sizeof first.bytes), v;
        int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        while (rc == MDB_SUCCESS && MessageKey::session(k) == record_.number) {
          rc = mdb_cursor_del(cursor, 0);
          if (rc == MDB_SUCCESS) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);  // the one after the deleted
        }
        mdb_cursor_close(cursor);
        if (rc != MDB_NOTFOUND && rc != MDB_SUCCESS) check(rc, "deleting messages");
        SessionRecord fresh;
        fresh.number = record_.number;
        fresh.creation_ns = now_ns();
        put_record(txn, fresh);
        record_ = fresh;
        persisted_sender_ = fresh.next_sender;
        target_unsaved_ = false;
      });
    });
  }

  // Reads the numbers again from the file (QuickFIX's RefreshOnLogon), once what is kept is stored.
  // A next target number not yet saved is saved first: the file's would be behind.
  void refresh() throw(FIX::IOException) override {
    store_unstored();
    const std::lock_guard<std::mutex> lock(record_mutex_);
    if (target_unsaved_) save("storing the next target number");
    guard("reading the session", [&] {
      env_->read([&](MDB_txn* txn) {
        MDB_val k = val(key_.data(), key_.size()), v;
        check(mdb_get(txn, env_->sessions(), &k, &v), "reading a session");
        if (v.mv_size != sizeof record_) check(MDB_CORRUPTED, "reading a session");
        std::memcpy(&record_, v.mv_data, sizeof record_);
        record_.next_sender = std::max(record_.next_sender, last_stored(txn) + 1);
        persisted_sender_ = record_.next_sender;
      });
    });
  }

 private:
  template <class Body>
  void guard(const char* what, Body body) const {
    try {
      body();
    } catch (const LmdbError& e) {
      throw FIX::IOException("FIX message store " + env_->path() + ", session " + key_ + ": " + what +
                             " failed in " + e.what + ": " + mdb_strerror(e.rc));
    } catch (const std::exception& e) {
      throw FIX::IOException("FIX message store " + env_->path() + ", session " + key_ + ": " + what +
                             " failed: " + e.what());
    }
  }

  // The whole record, the next target number with it. Under record_mutex_.
  void save(const char* what) {
    guard(what, [&] { env_->write([&](MDB_txn* txn) { put_record(txn); }); });
    persisted_sender_ = record_.next_sender;
    target_unsaved_ = false;
  }

  void put_record(MDB_txn* txn) { put_record(txn, record_); }
  // `value`: the time it was stored (int64 ns, native order), then the message.
  void put_message(MDB_txn* txn, int seq, const std::string& value) const {
    const MessageKey key(number_, static_cast<std::uint32_t>(seq));
    // Copied by LMDB from a buffer of ours rather than written into the map here (MDB_RESERVE): the
    // map's pages are guarded by LMDB's own lock, which ThreadSanitizer does not see (scripts/tsan.supp).
    MDB_val k = val(key.bytes, sizeof key.bytes);
    MDB_val v = val(value.data(), value.size());
    check(mdb_put(txn, env_->messages(), &k, &v, 0), "storing a message");
  }
  void put_record(MDB_txn* txn, const SessionRecord& record) {
    MDB_val k = val(key_.data(), key_.size());
    MDB_val v = val(&record, sizeof record);
    check(mdb_put(txn, env_->sessions(), &k, &v, 0), "storing a session");
  }

  // The MsgSeqNum of the session's last stored message, 0 when it has none.
  int last_stored(MDB_txn* txn) const {
    MDB_cursor* cursor = nullptr;
    check(mdb_cursor_open(txn, env_->messages(), &cursor), "reading messages");
    // The first key past the session's range, then one back.
    const MessageKey past(record_.number + 1, 0);
    MDB_val k = val(past.bytes, sizeof past.bytes), v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    rc = rc == MDB_SUCCESS ? mdb_cursor_get(cursor, &k, &v, MDB_PREV) : mdb_cursor_get(cursor, &k, &v, MDB_LAST);
    mdb_cursor_close(cursor);
    if (rc == MDB_NOTFOUND) return 0;
    check(rc, "reading messages");
    return MessageKey::session(k) == record_.number ? static_cast<int>(MessageKey::seq(k)) : 0;
  }

  // Deletes up to kPruneBatch of the session's messages stored before now - retention (they are in
  // sequence order, so the oldest come first).
  void prune(MDB_txn* txn, std::int64_t now) {
    last_prune_ns_ = now;
    MDB_cursor* cursor = nullptr;
    check(mdb_cursor_open(txn, env_->messages(), &cursor), "deleting old messages");
    const MessageKey first(record_.number, 0);
    MDB_val k = val(first.bytes, sizeof first.bytes), v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    int deleted = 0;
    while (deleted < kPruneBatch && rc == MDB_SUCCESS && MessageKey::session(k) == record_.number &&
           stored_at(v) < now - retention_ns_) {
      rc = mdb_cursor_del(cursor, 0);
      if (rc == MDB_SUCCESS) {
        ++deleted;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);  // the one after the deleted
      }
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_NOTFOUND && rc != MDB_SUCCESS) check(rc, "deleting old messages");
    if (deleted > 0) {
      // The last stored message may be gone: the record says the next sender number from now on.
      SessionRecord stored = record_;
      stored.next_sender = std::max(record_.next_sender, persisted_sender_);
      put_record(txn, stored);
    }
  }

  const std::shared_ptr<LmdbEnv> env_;
  const std::string key_;
  const std::int64_t retention_ns_;
  mutable std::mutex record_mutex_;  // the four below
  SessionRecord record_;
  std::int32_t persisted_sender_ = 1;  // next_sender as the file has it, or will once kept messages are stored
  std::int64_t last_prune_ns_ = 0;
  bool target_unsaved_ = false;  // next_target was increased under a DeferredTargets since the last save
  std::uint32_t number_ = 0;  // record_.number, which never changes: read without a lock
  mutable std::mutex unstored_mutex_;
  mutable std::map<int, std::string> unstored_;  // gathered messages to store, by MsgSeqNum: time, message
};

class LastingFileStore final : public FIX::FileStore {
 public:
  LastingFileStore(const std::string& directory, const FIX::SessionID& id) : FIX::FileStore(directory, id) {}
  FIX::UtcTimeStamp getCreationTime() const throw(FIX::IOException) override { return FIX::UtcTimeStamp(); }
};

#pragma GCC diagnostic pop

}  // namespace

LmdbStoreFactory::LmdbStoreFactory(const std::string& path, const LmdbStoreOptions& options)
    : env_(std::make_shared<LmdbEnv>(path)), options_(options) {
  if (options_.sync_interval.count() > 0) {
    syncer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "crix-fix-sync");
      sync_loop();
    });
  }
}

LmdbStoreFactory::~LmdbStoreFactory() {
  {
    std::lock_guard<std::mutex> lock(timer_mutex_);
    closing_ = true;
  }
  timer_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
}

FIX::MessageStore* LmdbStoreFactory::create(const FIX::SessionID& id) {
  try {
    return new LmdbStore(env_, id, options_.retention);
  } catch (const LmdbError& e) {
    throw FIX::ConfigError("the FIX message store " + env_->path() + " cannot keep session " + id.toString() +
                           ": " + e.what + ": " + mdb_strerror(e.rc));
  }
}

void LmdbStoreFactory::destroy(FIX::MessageStore* store) { delete store; }

void LmdbStoreFactory::sync() { env_->sync(); }

namespace {

// Calls `each` on every store of `list`, then empties it; once all were tried, throws FIX::IOException
// with the first failure. The list keeps its capacity: called after every read and every release, it
// allocates nothing once warm (`each` never adds to it).
template <class Each>
void on_each(std::vector<LmdbStore*>& list, Each each) {
  if (list.empty()) return;
  std::string failure;
  for (LmdbStore* store : list) {
    try {
      each(*store);
    } catch (const FIX::IOException& e) {
      if (failure.empty()) failure = e.what();
    }
  }
  list.clear();
  if (!failure.empty()) throw FIX::IOException(failure);
}

}  // namespace

void commit_deferred() {
  on_each(t_deferred, [](LmdbStore& store) { store.store_unstored(); });
}

DeferredTargets::DeferredTargets() { t_deferring_targets = true; }

DeferredTargets::~DeferredTargets() {
  t_deferring_targets = false;
  try {
    store_targets();
  } catch (const FIX::IOException&) {
    // As a crash before the save: the client's resend of the messages is answered.
  }
}

void DeferredTargets::store_targets() {
  on_each(t_targets, [](LmdbStore& store) { store.store_target(); });
}

FIX::MessageStore* LastingFileStoreFactory::create(const FIX::SessionID& id) {
  try {
    return new LastingFileStore(directory_, id);
  } catch (const FIX::IOException& e) {
    throw FIX::ConfigError("the FIX message store in " + directory_ + " cannot be opened: " + e.what());
  }
}

void LastingFileStoreFactory::destroy(FIX::MessageStore* store) { delete store; }

void LmdbStoreFactory::sync_loop() {
  std::unique_lock<std::mutex> lock(timer_mutex_);
  while (!timer_cv_.wait_for(lock, options_.sync_interval, [this] { return closing_; })) {
    lock.unlock();
    try {
      env_->sync();
    } catch (const std::exception&) {
      // A failed flush is tried again at the next tick; the file stays as consistent as the kernel
      // has it (message_store.hpp, Durability).
    }
    lock.lock();
  }
}

}  // namespace detail
}  // namespace fix
}  // namespace crix
