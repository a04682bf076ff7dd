#!/usr/bin/env bash
# The README's test command: install what is needed, build, and run every test twice: in a Release
# build and in an AddressSanitizer + UndefinedBehaviorSanitizer build; then the tests that use threads
# and processes around the ledger (concurrent readers, crashes) once more under ThreadSanitizer.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRIX_TESTS=ON -DCRIX_BENCH=ON >/dev/null
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== ASan + UBSan build and tests"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRIX_ASAN=ON -DCRIX_TESTS=ON \
  -DCRIX_BENCH=OFF >/dev/null
cmake --build build/asan -j "$jobs"
ctest --test-dir build/asan --output-on-failure -j "$jobs"

echo "== ThreadSanitizer build and the ledger's tests"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRIX_TSAN=ON -DCRIX_TESTS=ON \
  -DCRIX_BENCH=OFF >/dev/null
cmake --build build/tsan -j "$jobs" --target test_ledger test_ledger_exchange crix
build/tsan/tests/test_ledger
build/tsan/tests/test_ledger_exchange
