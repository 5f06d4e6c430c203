#!/bin/sh
# Installs what libkap needs from Debian's packages, when it is missing.
#   scripts/deps.sh build   compiler, cmake, pkg-config, libyaml; for libkap-replay
#                           libzstd, ISA-L (gzip) and zlib
#   scripts/deps.sh test    the above plus check, valgrind, python3; for the replay
#                           tests jansson (the differential test), zstd and jq; for
#                           kap.dask Dask distributed (python3-distributed, python3-dask)
set -eu
want="gcc cmake pkg-config libyaml-dev libzstd-dev libisal-dev zlib1g-dev"
[ "${1:-build}" = test ] && want="$want check valgrind python3 python3-venv python3-setuptools python3-wheel python3-jsonschema python3-distributed python3-dask g++ clang gcovr libjansson-dev zstd jq"
missing=""
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
