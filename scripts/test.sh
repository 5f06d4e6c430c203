#!/bin/sh
# Builds libkap with its tests and runs every test (unit, conformance,
# random differential, command line, Python binding) under ctest.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh test
cmake -S . -B build -DKAP_BUILD_TESTS=ON >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
cd build
ctest --output-on-failure "$@"
