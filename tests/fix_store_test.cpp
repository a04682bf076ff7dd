// The FIX layer's LMDB MessageStore (gateway/fix/message_store.hpp) on its own: numbers and messages
// kept per session, across reopening, reset, refresh, pruning by age, map growth, two sessions'
// threads at once, next target numbers saved once a read, and a file that cannot be opened. C++14, as
// crix::fix (it includes QuickFIX).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gateway/fix/common.hpp"
#include "gateway/fix/message_store.hpp"

using crix::fix::detail::LmdbStoreFactory;
using crix::fix::detail::LmdbStoreOptions;

namespace {

// The store's file and its lock file, named after this process and removed before and after.
class StoreFile {
 public:
  explicit StoreFile(const std::string& name)
      : path_("/tmp/crix-fix-store-" + std::to_string(::getpid()) + "-" + name + ".fix") {
    remove();
  }
  ~StoreFile() { remove(); }
  const std::string& path() const { return path_; }

 private:
  void remove() {
    ::unlink(path_.c_str());
    ::unlink((path_ + "-lock").c_str());
  }
  const std::string path_;
};

// A store for one session, given back to its factory at the end.
struct Store {
  Store(LmdbStoreFactory& f, const std::string& client)
      : factory(f), store(f.create(FIX::SessionID("FIX.4.4", "CRIX", client))) {}
  ~Store() { factory.destroy(store); }
  FIX::MessageStore* operator->() { return store; }
  std::vector<std::string> get(int begin, int end) {
    std::vector<std::string> out;
    store->get(begin, end, out);
    return out;
  }
  LmdbStoreFactory& factory;
  FIX::MessageStore* store;
};

// What QuickFIX does for each message it sends: store it under the next number, then count it.
void send(Store& s, const std::string& message) {
  s->set(s->getNextSenderMsgSeqNum(), message);
  s->incrNextSenderMsgSeqNum();
}

}  // namespace

TEST_CASE("the FIX store keeps each session's numbers and messages across reopening", "[fix][store]") {
  const StoreFile file("reopen");
  {
    LmdbStoreFactory factory(file.path());
    Store a(factory, "A");
    Store b(factory, "B");
    CHECK(a->getNextSenderMsgSeqNum() == 1);
    CHECK(a->getNextTargetMsgSeqNum() == 1);
    for (int i = 1; i <= 5; ++i) send(a, "a" + std::to_string(i));
    send(b, "b1");
    a->incrNextTargetMsgSeqNum();
    a->incrNextTargetMsgSeqNum();
    CHECK(a->getNextSenderMsgSeqNum() == 6);
    CHECK(a->getNextTargetMsgSeqNum() == 3);
    CHECK(a.get(2, 4) == std::vector<std::string>{"a2", "a3", "a4"});
    CHECK(a.get(5, 100) == std::vector<std::string>{"a5"});
    CHECK(a.get(7, 9).empty());
    CHECK(b.get(1, 100) == std::vector<std::string>{"b1"});
  }
  LmdbStoreFactory factory(file.path());
  Store a(factory, "A");
  Store b(factory, "B");
  Store c(factory, "C");
  CHECK(a->getNextSenderMsgSeqNum() == 6);
  CHECK(a->getNextTargetMsgSeqNum() == 3);
  CHECK(a.get(1, 5) == std::vector<std::string>{"a1", "a2", "a3", "a4", "a5"});
  CHECK(b->getNextSenderMsgSeqNum() == 2);
  CHECK(b->getNextTargetMsgSeqNum() == 1);
  CHECK(c->getNextSenderMsgSeqNum() == 1);
  CHECK(c.get(1, 100).empty());
  // Numbers set by hand (QuickFIX's SequenceReset) are kept too.
  a->setNextSenderMsgSeqNum(40);
  a->setNextTargetMsgSeqNum(30);
  Store again(factory, "A");
  CHECK(again->getNextSenderMsgSeqNum() == 40);
  CHECK(again->getNextTargetMsgSeqNum() == 30);
}

TEST_CASE("the FIX store's reset empties one session, refresh reads the file again", "[fix][store]") {
  const StoreFile file("reset");
  LmdbStoreFactory factory(file.path());
  Store a(factory, "A");
  Store b(factory, "B");
  for (int i = 0; i < 3000; ++i) send(a, std::string(200, 'a'));  // more than one page of keys
  send(b, "b1");
  a->incrNextTargetMsgSeqNum();
  a->reset();
  CHECK(a->getNextSenderMsgSeqNum() == 1);
  CHECK(a->getNextTargetMsgSeqNum() == 1);
  CHECK(a.get(1, 5000).empty());
  CHECK(b.get(1, 10) == std::vector<std::string>{"b1"});
  send(a, "fresh");
  CHECK(a.get(1, 10) == std::vector<std::string>{"fresh"});

  // A second store of the same session sees what the first wrote once it refreshes.
  Store other(factory, "A");
  a->incrNextTargetMsgSeqNum();
  a->incrNextTargetMsgSeqNum();
  send(a, "second");
  CHECK(other->getNextTargetMsgSeqNum() == 1);
  other->refresh();
  CHECK(other->getNextTargetMsgSeqNum() == 3);
  CHECK(other->getNextSenderMsgSeqNum() == 3);
}

TEST_CASE("the FIX store deletes messages older than its retention, a bounded number at a time",
          "[fix][store]") {
  const StoreFile file("prune");
  {
    LmdbStoreFactory factory(file.path());
    Store a(factory, "A");
    for (int i = 0; i < 5000; ++i) send(a, "m" + std::to_string(i + 1));
  }
  LmdbStoreOptions options;
  options.retention = std::chrono::seconds(0);
  LmdbStoreFactory factory(file.path(), options);
  Store a(factory, "A");
  // Opening deleted the oldest 4096; the numbers go on all the same.
  const std::vector<std::string> left = a.get(1, 5000);
  REQUIRE(left.size() == 5000 - 4096);
  CHECK(left.front() == "m4097");
  CHECK(a->getNextSenderMsgSeqNum() == 5001);
  Store b(factory, "A");
  CHECK(b.get(1, 5000).empty());  // the second opening deleted the rest
  CHECK(b->getNextSenderMsgSeqNum() == 5001);
}

TEST_CASE("the FIX store grows its map when it is full", "[fix][store]") {
  const StoreFile file("grow");
  LmdbStoreFactory factory(file.path());
  Store a(factory, "A");
  const std::string big(256 * 1024, 'x');
  for (int i = 0; i < 400; ++i) send(a, big);  // 100 MiB, past the first 64 MiB map
  factory.sync();
  const std::vector<std::string> all = a.get(1, 400);
  REQUIRE(all.size() == 400);
  CHECK(all.back() == big);
}

TEST_CASE("the FIX store takes two sessions' threads at once", "[fix][store][threads]") {
  const StoreFile file("threads");
  LmdbStoreFactory factory(file.path());
  Store a(factory, "A");
  Store b(factory, "B");
  auto run = [](Store& s, char c) {
    for (int i = 0; i < 2000; ++i) {
      send(s, std::string(100, c));
      s->incrNextTargetMsgSeqNum();
    }
  };
  std::thread ta([&] { run(a, 'a'); });
  std::thread tb([&] { run(b, 'b'); });
  ta.join();
  tb.join();
  CHECK(a.get(1, 3000).size() == 2000);
  CHECK(b.get(1, 3000).size() == 2000);
  CHECK(a.get(2000, 2000).at(0) == std::string(100, 'a'));
  CHECK(b->getNextTargetMsgSeqNum() == 2001);
}

TEST_CASE("the FIX store keeps gathered messages in memory until commit_deferred stores them", "[fix][store]") {
  using crix::fix::detail::t_gathering;
  const StoreFile file("gather");
  {
    LmdbStoreFactory factory(file.path());
    Store a(factory, "A");
    Store b(factory, "B");
    send(a, "a1");
    t_gathering = true;  // as Acceptor's send() around a session's later messages in a hold
    send(a, "a2");
    send(a, "a3");
    send(b, "b1");
    t_gathering = false;
    send(a, "a4");  // another thread's message meanwhile (a heartbeat): stored at once
    CHECK(a->getNextSenderMsgSeqNum() == 5);
  }  // no commit_deferred(): as a crash before the gathered bytes were written
  {
    LmdbStoreFactory factory(file.path());
    Store a(factory, "A");
    Store b(factory, "B");
    // Kept messages were never sent: they are gone, and a gap fill answers for them.
    CHECK(a.get(1, 100) == std::vector<std::string>{"a1", "a4"});
    CHECK(a->getNextSenderMsgSeqNum() == 5);
    CHECK(b.get(1, 100).empty());
    CHECK(b->getNextSenderMsgSeqNum() == 1);

    t_gathering = true;
    send(a, "a5");
    send(b, "b1");
    send(b, "b2");
    t_gathering = false;
    crix::fix::detail::commit_deferred();
    crix::fix::detail::commit_deferred();  // nothing left: does nothing

    // A ResendRequest before the release stores what is kept, then answers in order.
    t_gathering = true;
    send(a, "a6");
    send(a, "a7");
    t_gathering = false;
    CHECK(a.get(6, 6) == std::vector<std::string>{"a6"});
  }  // no commit_deferred(): the resend stored them
  {
    LmdbStoreFactory factory(file.path());
    Store a(factory, "A");
    Store b(factory, "B");
    CHECK(a.get(1, 100) == std::vector<std::string>{"a1", "a4", "a5", "a6", "a7"});
    CHECK(a->getNextSenderMsgSeqNum() == 8);
    CHECK(b.get(1, 100) == std::vector<std::string>{"b1", "b2"});
    CHECK(b->getNextSenderMsgSeqNum() == 3);

    // A reset (a Logon with ResetSeqNumFlag=Y) forgets kept messages too.
    t_gathering = true;
    send(b, "b3");
    t_gathering = false;
    b->reset();
    crix::fix::detail::commit_deferred();
    CHECK(b.get(1, 100).empty());
    CHECK(b->getNextSenderMsgSeqNum() == 1);
  }
}

TEST_CASE("under DeferredTargets the FIX store saves the next target number at store_targets, not each message",
          "[fix][store][threads]") {
  using crix::fix::detail::DeferredTargets;
  const StoreFile file("targets");
  LmdbStoreFactory factory(file.path());
  Store a(factory, "A");
  Store b(factory, "B");
  // Second stores of the same sessions, to read what the file has (refresh() reads it again).
  Store a_file(factory, "A");
  Store b_file(factory, "B");
  const auto stored = [](Store& s) {
    s->refresh();
    return s->getNextTargetMsgSeqNum();
  };
  {
    DeferredTargets deferred;  // as the socket acceptor's reading thread does
    a->incrNextTargetMsgSeqNum();
    a->incrNextTargetMsgSeqNum();
    a->incrNextTargetMsgSeqNum();
    b->incrNextTargetMsgSeqNum();
    CHECK(a->getNextTargetMsgSeqNum() == 4);  // QuickFIX sees the number at once
    CHECK(stored(a_file) == 1);               // the file does not yet: a crash now loses the three
    CHECK(stored(b_file) == 1);
    DeferredTargets::store_targets();
    CHECK(stored(a_file) == 4);
    CHECK(stored(b_file) == 2);
    DeferredTargets::store_targets();  // nothing left: does nothing
    CHECK(stored(a_file) == 4);

    // Another thread's messages meanwhile are saved at once.
    std::thread([&] { b->incrNextTargetMsgSeqNum(); }).join();
    CHECK(stored(b_file) == 3);

    // Any other save of the record carries the number: a number set by hand...
    a->incrNextTargetMsgSeqNum();
    CHECK(stored(a_file) == 4);
    a->setNextSenderMsgSeqNum(10);
    CHECK(stored(a_file) == 5);
    // ... and refresh(), which saves it before it reads the file rather than going back to the file's.
    a->incrNextTargetMsgSeqNum();
    a->refresh();
    CHECK(a->getNextTargetMsgSeqNum() == 6);
    CHECK(stored(a_file) == 6);
    // reset() (a Logon with ResetSeqNumFlag=Y) starts afresh; nothing is left to save.
    a->incrNextTargetMsgSeqNum();
    a->reset();
    DeferredTargets::store_targets();
    CHECK(stored(a_file) == 1);

    // Saved from this thread while another sends on the same session (ThreadSanitizer: the record's
    // own lock, as QuickFIX's is not taken here).
    std::thread sender([&] {
      for (int i = 0; i < 500; ++i) send(a, "report");
    });
    for (int i = 0; i < 500; ++i) {
      a->incrNextTargetMsgSeqNum();
      if (i % 7 == 0) DeferredTargets::store_targets();
    }
    sender.join();
    a->incrNextTargetMsgSeqNum();  // left for the end of the scope
  }
  CHECK(stored(a_file) == 502);
  CHECK(a.get(1, 1000).size() == 500);
  // Without a DeferredTargets, each message's number is saved at once.
  a->incrNextTargetMsgSeqNum();
  CHECK(stored(a_file) == 503);
}

TEST_CASE("a FIX store that cannot be opened is refused in a sentence naming it", "[fix][store]") {
  try {
    LmdbStoreFactory factory("/proc/crix-no-such-dir/crix.ledger.fix");
    FAIL("the store opened");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("/proc/crix-no-such-dir/crix.ledger.fix cannot be opened") &&
                             Catch::Matchers::Contains("ResetSeqNumFlag=Y"));
  }
}
