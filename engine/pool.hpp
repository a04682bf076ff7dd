// crix::engine::Pool: a fixed-capacity object pool. The constructor allocates all the storage; acquire()
// returns nullptr when the pool is exhausted, it never allocates.
//
// Memory follows use, not capacity: the storage is page memory, allocated untouched (page_memory.hpp:
// the kernel backs a page, 2 MiB where it allows, when it is first written) and objects are constructed as the pool first hands them out, from the lowest
// address up, so a pool sized for a million orders holding a thousand costs a thousand orders' pages.
// Building all of them up front cost crixd 130 MB and `crix replay` 0.2 s of page zeroing at start.
// The first kWarm objects' pages are written by the constructor, so that a book of up to that many
// orders never waits for the kernel to back a page in the middle of a match (a first touch costs
// about a microsecond); beyond that the pool grows a page at a time.
// Engine thread only; not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

#include "engine/page_memory.hpp"

namespace crix::engine {

template <class T>
class Pool {
  static_assert(std::is_trivially_destructible_v<T>, "a Pool never destroys what it built");
  static_assert(alignof(T) <= alignof(std::max_align_t), "page memory below a huge page is calloc's");

 public:
  static constexpr std::size_t kWarm = 65536;

  explicit Pool(std::size_t capacity)
      : items_(static_cast<T*>(allocate_pages(storage_bytes(capacity)))), capacity_(capacity) {
    std::uninitialized_value_construct_n(items_, std::min(capacity, kWarm));
    free_.reserve(capacity);  // untouched until released objects fill it
  }
  ~Pool() { free_pages(items_, storage_bytes(capacity_)); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A released object as it was left (callers set every field they use), else a new one,
  // value-initialized; nullptr when all `capacity` are in use.
  [[nodiscard]] T* acquire() {
    if (!free_.empty()) {
      T* item = free_.back();
      free_.pop_back();
      return item;
    }
    if (built_ == capacity_) return nullptr;
    return std::construct_at(items_ + built_++);
  }
  void release(T* item) { free_.push_back(item); }

  bool full() const { return free_.empty() && built_ == capacity_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t in_use() const { return built_ - free_.size(); }

 private:
  static std::size_t storage_bytes(std::size_t capacity) { return std::max<std::size_t>(capacity, 1) * sizeof(T); }

  T* const items_;
  const std::size_t capacity_;
  std::size_t built_ = 0;  // objects constructed so far: items_[0, built_)
  std::vector<T*> free_;   // released, handed out again last in, first out
};

}  // namespace crix::engine
