// crix::gateway::BoundedQueue: the bounded queues between the daemon's stages (DESIGN.md, Data flow).
// Many producers, one consumer; a fixed capacity set at construction. A producer that finds the queue
// full is told so at once (try_push) and the caller answers "busy": never a silent drop, never an
// unbounded buffer. The consumer takes everything waiting in one call (pop_all), which is what lets
// the engine and the ledger stages work in batches.
//
// Thread rules: any number of threads may push; one thread pops. close() wakes the consumer; a closed
// queue refuses pushes and pop_all returns what is left, then false.
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

  // false when full or closed: nothing was queued.
  bool try_push(T item) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
      count_.store(items_.size(), std::memory_order_release);
    }
    ready_.notify_one();
    return true;
  }

  // Waits for room (for a producer that must not drop, like the engine stage handing batches to the
  // ledger stage). false when the queue was closed.
  bool push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    count_.store(items_.size(), std::memory_order_release);
    lock.unlock();
    ready_.notify_one();
    return true;
  }

  // Moves up to `most` waiting items into `out` (appended), waiting up to `timeout` for the first.
  // false once the queue is closed and empty. Before it sleeps on the condition variable it polls for
  // up to `spin` (yielding the processor between polls): an item that arrives meanwhile is taken
  // without the wake-up latency of a sleeping thread, which dominates a lone order's round trip.
  bool pop_all(std::vector<T>& out, std::size_t most, std::chrono::milliseconds timeout,
               std::chrono::microseconds spin = std::chrono::microseconds(0)) {
    if (spin.count() > 0 && count_.load(std::memory_order_acquire) == 0) {
      const auto until = std::chrono::steady_clock::now() + spin;
      while (count_.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
      }
    }
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return !closed_;
    for (std::size_t n = 0; n < most && !items_.empty(); ++n) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    count_.store(items_.size(), std::memory_order_release);
    lock.unlock();
    room_.notify_all();
    return true;
  }

  void close() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }

  std::size_t size() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
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
