// crix::engine::Pool: a fixed-capacity object pool. All storage is allocated by the constructor;
// acquire() returns nullptr when the pool is exhausted, it never allocates.
// Engine thread only; not thread-safe.
#pragma once

#include <cstddef>
#include <vector>

namespace crix::engine {

template <class T>
class Pool {
 public:
  explicit Pool(std::size_t capacity) : items_(capacity) {
    free_.reserve(capacity);
    // Hand out the lowest addresses first: neighbouring acquisitions share cache lines.
    for (std::size_t i = capacity; i-- > 0;) free_.push_back(&items_[i]);
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  [[nodiscard]] T* acquire() {
    if (free_.empty()) return nullptr;
    T* item = free_.back();
    free_.pop_back();
    return item;
  }
  void release(T* item) { free_.push_back(item); }

  bool full() const { return free_.empty(); }
  std::size_t capacity() const { return items_.size(); }
  std::size_t in_use() const { return items_.size() - free_.size(); }

 private:
  std::vector<T> items_;
  std::vector<T*> free_;
};

}  // namespace crix::engine
