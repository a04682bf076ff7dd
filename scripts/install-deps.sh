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
  libssl-dev                         # SHA-256 for the ledger's hash chain
  libspdlog-dev                      # logging (crixd)
  libtomlplusplus-dev                # configuration
  clang-14 libfuzzer-14-dev          # fuzzing (scripts/fuzz.sh)
  nlohmann-json3-dev                 # JSON (the console's HTTP API)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
