// crix::fix's durable QuickFIX MessageStore (fix_api.hpp, Sessions): every session's sequence numbers,
// its creation time and the messages it sent, in one LMDB file of their own (MDB_NOSUBDIR, beside the
// ledger: crixd uses "<ledger>.fix"), so that a client logging on again without ResetSeqNumFlag
// continues its numbers and a ResendRequest is answered with the messages themselves (PossDupFlag=Y),
// also after the exchange restarted. Only gateway/fix/*.cpp and the store's own test include this
// file (it includes QuickFIX and LMDB).
//
// Why a file of its own rather than named databases in the ledger's environment: the ledger's Writer
// owns that environment's one write lock and holds it for a group commit, while the store writes from
// every thread that sends (the ledger thread, FIX threads running requests inline, the connection
// threads answering session messages), two or three small transactions per order. Sharing it would
// put each of those behind the ledger's commits and tie the store's durability to the ledger's (an
// fsync per report under sync = full). The ledger stays the record of what happened; the store only
// keeps what a session sent, for resending.
//
// Durability (MDB_WRITEMAP | MDB_NOSYNC | MDB_NOMETASYNC): a transaction commits into the shared file
// mapping, which the kernel writes back. A process crash (SIGKILL, abort) loses nothing committed: the
// pages are the kernel's. The file is flushed to disk every `sync_interval` (a thread of the factory)
// and when the factory is destroyed; a power cut or kernel crash loses what came after the last flush
// and may leave the file unreadable (LMDB promises nothing for WRITEMAP without sync). The exchange
// then starts with a fresh store only if the operator removes the file (open() names it), and clients
// must log on with ResetSeqNumFlag=Y; their reports are in the ledger, OrderStatusRequest and
// OrderMassStatusRequest bring them back.
// Cost: one write transaction per sent message (the message; the next sender number is the one after
// the last stored message, so it is written only when set by hand, at reset and when pruning) and one
// per read of received messages (the next target number: DeferredTargets below), each a few
// microseconds without a system call (bench/RESULTS.md, 2026-12-04). The messages gathered in a hold
// (a group's reports after each session's first: fix_api.hpp, Acceptor::hold) are kept in memory and
// stored by commit_deferred(), one transaction per session for the whole group; a ResendRequest
// meanwhile stores them first.
//
// Layout: database "sessions", key the SessionID's text ("FIX.4.4:CRIX->HB-TANGSHAN-IRON"), value a
// SessionRecord; database "messages", key the session's number and the MsgSeqNum, both big-endian
// (so that a session's messages are adjacent and in order), value the time it was stored (int64 ns
// since the epoch, native order) followed by the message as sent.
//
// getCreationTime() answers the time it is called (common.hpp, lasting_session: QuickFIX 1.15.1 has no
// NonStopSession); the record keeps the true creation time, which reset() renews.
//
// Growth: messages older than `retention` are deleted, at create() and at most once a minute while
// the session sends (in the sending transaction, a bounded number at a time); reset() (a Logon with
// ResetSeqNumFlag=Y) deletes all of the session's. A ResendRequest for deleted messages is answered
// with a gap fill. The map starts at 64 MiB and doubles when full.
//
// Threads: QuickFIX calls a session's store under that session's lock; stores of different sessions
// run at the same time, and their transactions are serialized by LMDB (writes) and by a shared lock
// that only growing the map takes exclusively. Errors come out as FIX::IOException (QuickFIX logs it
// and drops the connection); the factory's constructor throws std::runtime_error saying what to do.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/fix/quickfix.hpp"

namespace crix {
namespace fix {
namespace detail {

struct LmdbStoreOptions {
  std::chrono::milliseconds sync_interval{1000};  // flush to disk this often; 0: only at close and sync()
  std::chrono::seconds retention{std::chrono::hours(24 * 14)};  // keep sent messages this long
};

class LmdbEnv;  // message_store.cpp

class LmdbStoreFactory final : public FIX::MessageStoreFactory {
 public:
  // Opens (or creates) the store at `path`; throws std::runtime_error naming the path and the cause.
  LmdbStoreFactory(const std::string& path, const LmdbStoreOptions& options = LmdbStoreOptions());
  ~LmdbStoreFactory() override;  // flushes to disk
  LmdbStoreFactory(const LmdbStoreFactory&) = delete;
  LmdbStoreFactory& operator=(const LmdbStoreFactory&) = delete;

  // One store per session; the session's record is made (numbers 1 and 1) when it has none. Throws
  // FIX::ConfigError.
  FIX::MessageStore* create(const FIX::SessionID& id) override;
  void destroy(FIX::MessageStore* store) override;

  // Flushes what was committed to disk (what the timer does). Throws std::runtime_error.
  void sync();

 private:
  void sync_loop();

  std::shared_ptr<LmdbEnv> env_;
  const LmdbStoreOptions options_;
  std::mutex timer_mutex_;
  std::condition_variable timer_cv_;
  bool closing_ = false;
  std::thread syncer_;
};

// Stores the messages the LMDB stores kept on this thread while it gathered (common.hpp, t_gathering)
// since the last call: one transaction per session. Acceptor's release() calls it before it writes the
// gathered bytes, so that a message is stored before it is sent. A session whose messages could not be
// stored loses them (they must not be sent); the others are stored, and then FIX::IOException says
// what failed (Acceptor's release() then drops every gathered connection: their clients, logging on
// again, are resent what was stored and a gap fill for the rest).
void commit_deferred();

// The next target number (the MsgSeqNum a session expects next) of every message QuickFIX handles on
// this thread while one lives is stored by store_targets(), not at each message: one transaction for a
// read's messages instead of one each (the socket acceptor reads up to 8 KiB at a time: about 40
// orders at window 100). The connection's thread makes one around its reads, calls store_targets()
// after each read's messages, and right after a message that must not wait (SocketAcceptor,
// read_frames). Any other save of the record (a sent message's, reset(), refresh()) stores it too.
//
// What a crash between a message and store_targets() does: the messages were handled (an inline order
// acknowledged, even), but the exchange still expects the first of them. The client, logging on
// again, is asked to resend them and does so with PossDupFlag=Y; the exchange answers such a resend
// of an order, replace, cancel or mass cancel without acting twice (docs/DESIGN.md, "PossDupFlag=Y"),
// and the status requests are only answered. A message the exchange would act on twice
// (a block trade's proposal, a subscription) is stored at once.
class DeferredTargets {
 public:
  DeferredTargets();
  ~DeferredTargets();  // stores what is left; a failure is as a crash before it (above)
  DeferredTargets(const DeferredTargets&) = delete;
  DeferredTargets& operator=(const DeferredTargets&) = delete;

  // Saves the record of every store on this thread whose next target number went up since. Throws
  // FIX::IOException saying what failed (the others are saved).
  static void store_targets();
};

// QuickFIX's FileStore for a client (InitiatorConfig::store_dir) whose session never ends by the clock:
// like the LMDB store, it reports being created at the moment it is asked (common.hpp,
// lasting_session), so QuickFIX never resets it on its schedule; a Logon with ResetSeqNumFlag=Y still
// does. The files are QuickFIX's own (FIX.4.4-<sender>-<target>.seqnums, .body, .header, .session).
class LastingFileStoreFactory final : public FIX::MessageStoreFactory {
 public:
  explicit LastingFileStoreFactory(const std::string& directory) : directory_(directory) {}
  FIX::MessageStore* create(const FIX::SessionID& id) override;  // throws FIX::ConfigError
  void destroy(FIX::MessageStore* store) override;

 private:
  const std::string directory_;
};

}  // namespace detail
}  // namespace fix
}  // namespace crix
