#!/bin/sh
# Builds libkap and kap, lints the Kubernetes documentation's example policy
# and decides the bundled sample requests against it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh build
cmake -S . -B build -DKAP_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
echo "\$ kap lint examples/policy.yaml"
build/kap lint examples/policy.yaml && echo "(no problems)"
echo
echo "\$ kap eval --format table examples/policy.yaml < examples/requests.jsonl"
build/kap eval --format table examples/policy.yaml < examples/requests.jsonl
echo
echo "\$ kap replay examples/policy.yaml tests/replay/logs/immudb-log-audit-k8s.jsonl   (a real audit log)"
build/kap replay --top 5 examples/policy.yaml tests/replay/logs/immudb-log-audit-k8s.jsonl
