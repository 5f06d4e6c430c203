#!/bin/sh
# Line and branch coverage of src/ by the whole test suite (gcovr, Debian's).
set -eu
cd "$(dirname "$0")/.."
command -v gcovr >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq gcovr >/dev/null; }
rm -rf build-cov
cmake -S . -B build-cov -DKAP_COVERAGE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-cov -j "$(nproc)" >/dev/null
(cd build-cov && ctest -E 'install' >/dev/null) || true
gcovr -r . --filter 'src/' --object-directory build-cov --exclude-unreachable-branches --exclude-throw-branches \
  --print-summary -s | tail -n 30
