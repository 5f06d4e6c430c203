#!/bin/sh
# Builds libkap and kap, lints the Kubernetes documentation's example policy
# and decides the bundled sample requests against it, checks a kubeadm
# control-plane node's kube-apiserver manifest (examples/node: audit not set
# up yet) and shows the fix, and replays a real audit log.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh build
cmake -S . -B build -DKAP_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
echo "\$ kap lint examples/policy.yaml"
# exit status 0: the policy loads and no finding is an error (warnings and
# notes are advice; --strict fails on warnings too)
build/kap lint examples/policy.yaml && echo "(exit status 0: kube-apiserver loads it; no error, the rest is advice)"
echo
echo "\$ kap eval --format table examples/policy.yaml < examples/requests.jsonl"
build/kap eval --format table examples/policy.yaml < examples/requests.jsonl
echo
echo "\$ kap check-manifest --root examples/node   (a kubeadm node's files; audit logging not set up)"
# exit status 1: checks fail, as they should on this node
build/kap check-manifest --color=never --root examples/node || [ $? -eq 1 ]
echo
echo "\$ kap check-manifest --root examples/node --fix --dry-run   (what --fix would change; nothing written)"
build/kap check-manifest --color=never --root examples/node --fix --dry-run
echo
echo "\$ kap replay examples/policy.yaml tests/replay/logs/immudb-log-audit-k8s.jsonl   (a real audit log)"
build/kap replay --top 5 examples/policy.yaml tests/replay/logs/immudb-log-audit-k8s.jsonl
