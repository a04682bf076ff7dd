#!/usr/bin/env bash
# Installs every Debian 12 package CRIX needs to build, test and run. Idempotent: prints nothing and
# changes nothing when all of them are present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config   # toolchain
  catch2                             # tests (v2)
  libboost-dev                       # Asio (gateway)
  libcli11-dev                       # command line (crix, crixd)
  libquickfix-dev                    # FIX 4.4 sessions (gateway)
  liblmdb-dev                        # ledger
  libssl-dev                         # SHA-256 for the ledger's hash chain; FIX over TLS
  openssl                            # the FIX TLS tests' throwaway certificates (tests/tls_test.cpp)
  libspdlog-dev                      # logging (crixd)
  libtomlplusplus-dev                # configuration
  clang-14 libfuzzer-14-dev          # fuzzing (scripts/fuzz.sh)
  nlohmann-json3-dev                 # JSON (the console's HTTP API)
  chromium                           # the web console's browser tests (web/tests)
  prometheus                         # promtool lints /metrics and docs/prometheus.yml (tests)
  faketime                           # the tests at other hours of the week (bench/clock_campaign.sh)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# The browser tests' npm packages (playwright-core, pinned in web/package-lock.json), into web/node_modules
# when it is missing or older than the lockfile. node and npm come with every machine CRIX builds on.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules" ]; then
  command -v npm >/dev/null || { echo "install-deps: npm not found; install Node.js (with npm) for the web console's tests" >&2; exit 1; }
  echo "install-deps: npm ci --prefix web"
  npm ci --prefix "$web" --no-audit --no-fund --loglevel=error >/dev/null
  touch "$web/node_modules"
fi
