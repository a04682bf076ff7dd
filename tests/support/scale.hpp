#pragma once
// How much of a long randomized test runs. Release runs all of it; under AddressSanitizer or
// ThreadSanitizer (CRIX_SANITIZED, set by tests/support/CMakeLists.txt), where the same streams take 5 to
// 15 times longer, a share of them: a memory or thread error shows in the first streams as well as in the
// last, and the Release run still checks every stream's outcome.

namespace crix::test {

#ifdef CRIX_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// `full` in Release, `sanitized` under the sanitizers.
template <class T>
constexpr T scaled(T full, T sanitized) {
  return kSanitized ? sanitized : full;
}

}  // namespace crix::test
