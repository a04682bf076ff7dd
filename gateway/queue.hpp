// crix::gateway::BoundedQueue: the bounded queues between the daemon's stages (DESIGN.md, Data flow).
// Many producers, one consumer; a fixed capacity set at construction. A producer that finds the queue
// full is told so at once (try_push) and the caller answers "busy": never a silent drop, never an
// unbounded buffer. The consumer waits for work (wait) and takes everything waiting in one call (take),
// which is what lets the engine and the ledger stages work in batches.
//
// Thread rules: any number of threads may push. Takes come from one thread, or from several that hold
// one lock of their own around every take: the daemon's stage lock, under which size() == 0 means
// that everything pushed before has been taken and handled. close() wakes the consumer; a closed
// queue refuses pushes, and wait() says kClosed once what was left has been taken.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace crix::gateway {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Whether a push wakes a consumer sleeping in wait(). kQuiet is for a producer that goes on to take
  // the consumer's lock and run the item itself, or leaves it to that lock's holder, who looks at the
  // queue again after unlocking (Pipeline::queue, publish_inline): waking the consumer thread would
  // cost a wake-up per item for nothing.
  enum class Wake { kConsumer, kQuiet };

  // false when full or closed: nothing was queued.
  bool try_push(T item, Wake wake = Wake::kConsumer) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
      count_.store(items_.size(), std::memory_order_release);
    }
    if (wake == Wake::kConsumer) ready_.notify_one();
    return true;
  }

  // Waits for room (for a producer that must not drop, like the engine stage handing batches to the
  // ledger stage). false when the queue was closed.
  bool push(T item, Wake wake = Wake::kConsumer) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    count_.store(items_.size(), std::memory_order_release);
    lock.unlock();
    if (wake == Wake::kConsumer) ready_.notify_one();
    return true;
  }

  enum class State { kReady, kEmpty, kClosed };  // kClosed: closed and nothing left to take

  // Waits up to `timeout` for an item without taking it. Before it sleeps on the condition variable
  // it polls for up to `spin` (yielding the processor between polls): an item that arrives meanwhile
  // is seen without the wake-up latency of a sleeping thread.
  State wait(std::chrono::milliseconds timeout, std::chrono::microseconds spin = std::chrono::microseconds(0)) {
    if (spin.count() > 0 && count_.load(std::memory_order_acquire) == 0) {
      const auto until = std::chrono::steady_clock::now() + spin;
      while (count_.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
      }
    }
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    if (!items_.empty()) return State::kReady;
    return closed_ ? State::kClosed : State::kEmpty;
  }

  // Moves up to `most` waiting items into `out` (appended) without waiting; returns how many.
  std::size_t take(std::vector<T>& out, std::size_t most) {
    std::size_t n = 0;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      for (; n < most && !items_.empty(); ++n) {
        out.push_back(std::move(items_.front()));
        items_.pop_front();
      }
      count_.store(items_.size(), std::memory_order_release);
    }
    if (n > 0) room_.notify_all();
    return n;
  }

  void close() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }

  // Whether anything waits, read under the queue's lock: ordered with every push, so a thread that
  // unlocks a stage and then asks sees every item pushed before, or the pusher (which tries the stage's
  // lock after pushing) finds that lock free (Pipeline::publish_inline).
  bool waiting() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return !items_.empty();
  }

  // Items waiting. Exact for a caller that holds the lock under which every take() happens.
  std::size_t size() const { return count_.load(std::memory_order_acquire); }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<T> items_;
  std::atomic<std::size_t> count_{0};  // items_.size(), for polling without the lock
  bool closed_ = false;
};

}  // namespace crix::gateway
