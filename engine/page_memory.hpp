// crix::engine page memory: zeroed storage for the engine's large tables and pools (the order-id index,
// the order and level pools), which the kernel backs as it is first touched, so that memory follows
// use and not the configured maximum.
//
// Why not calloc: a first touch of a 4 KiB page is a page fault on the matching path, about a
// microsecond in this virtual machine, twice when a read (mapping the shared zero page) comes before
// the write (copy on write, with a TLB flush sent to every processor the process ran on). The id index
// gets a fresh page every 256 order ids, so those faults were the book's p99.9 (bench/RESULTS.md,
// issue 15). Regions of at least kHugePage are aligned to it and advised as transparent huge pages
// (MADV_HUGEPAGE, which the kernel honours in its "always" and "madvise" modes; "never" ignores it):
// the kernel then backs 2 MiB at a first touch, one fault where there were 512. Where the kernel offers no huge pages the advice is
// ignored and the storage behaves as calloc's.
//
// The engine's one use of the operating system beyond the standard library; construction time only.
#pragma once

#include <cstddef>

namespace crix::engine {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

// `bytes` (> 0) of zeroed memory, aligned to kHugePage when at least that large. Throws std::bad_alloc.
void* allocate_pages(std::size_t bytes);
// Returns what allocate_pages(bytes) gave; `bytes` must be the same.
void free_pages(void* p, std::size_t bytes) noexcept;

}  // namespace crix::engine
