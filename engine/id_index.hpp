// crix::engine::IdIndex: a flat open-addressing hash map from a 64-bit id to a pointer, with a fixed
// capacity chosen at construction (at least twice the number of keys it must hold, so that probe
// sequences stay short). Linear probing with backward-shift deletion: no tombstones, so lookups stay
// fast however many inserts and erases have happened. A null value marks an empty slot.
// The table is zeroed page memory (page_memory.hpp), mapped and not written: only the pages keys land on
// are ever backed (a table for a million orders is 32 MB), 2 MiB at a time where the kernel allows.
// Engine thread only; not thread-safe; never allocates after construction.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "engine/page_memory.hpp"

namespace crix::engine {

template <class V>
class IdIndex {
 public:
  explicit IdIndex(std::size_t max_keys)
      : capacity_(std::bit_ceil(max_keys * 2 < 16 ? std::size_t{16} : max_keys * 2)),
        slots_(static_cast<Slot*>(allocate_pages(capacity_ * sizeof(Slot))), Free{capacity_ * sizeof(Slot)}),
        mask_(capacity_ - 1),
        bits_(std::countr_zero(capacity_)) {}

  V* find(std::uint64_t key) const {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == nullptr) return nullptr;
      if (s.key == key) return s.value;
    }
  }

  // The caller guarantees the key is absent and that size() < max_keys.
  void insert(std::uint64_t key, V* value) {
    std::size_t i = home(key);
    while (slots_[i].value != nullptr) i = (i + 1) & mask_;
    slots_[i] = Slot{key, value};
    ++size_;
  }

  // Removes the key if present.
  void erase(std::uint64_t key) {
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].value == nullptr) return;
      if (slots_[i].key == key) break;
    }
    // Backward shift: pull later members of the probe run into the hole when their home slot does not
    // lie cyclically in (hole, j].
    for (std::size_t j = (i + 1) & mask_; slots_[j].value != nullptr; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].key);
      const bool stays = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
  }

  std::size_t size() const { return size_; }

 private:
  // All zero bytes is an empty slot (fresh page memory).
  struct Slot {
    std::uint64_t key;
    V* value;
  };
  static_assert(std::is_trivial_v<Slot>);
  struct Free {
    std::size_t bytes = 0;
    void operator()(Slot* p) const { free_pages(p, bytes); }
  };
  // Order ids are assigned in sequence (by the gateway; the replay streams do the same), and the live
  // ones are mostly recent: keeping neighbouring ids in neighbouring slots keeps the live part of the
  // table in cache. A multiplicative hash that scattered them measured half the speed on the standard
  // stream (bench/RESULTS.md). Folding the high bits in keeps ids far apart from piling up on one
  // slot; a deliberately adversarial spacing can still slow lookups down, never make them wrong.
  std::size_t home(std::uint64_t key) const {
    return static_cast<std::size_t>((key ^ (key >> bits_)) & mask_);
  }

  std::size_t capacity_;
  std::unique_ptr<Slot[], Free> slots_;
  std::size_t mask_;
  int bits_;
  std::size_t size_ = 0;
};

}  // namespace crix::engine
