#!/bin/sh
# pip install of bindings/python into a fresh virtual environment (offline),
# then "import kap" from another directory.
set -eu
src=$1
lib=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$T/venv"
cp -r "$src/bindings/python" "$T/pkg"
KAP_LIBRARY="$lib" "$T/venv/bin/pip" install -q --no-build-isolation --no-index "$T/pkg" >"$T/pip.log" 2>&1 || {
  cat "$T/pip.log"; exit 1; }
cd "$T"
env -u KAP_LIBRARY "$T/venv/bin/python" - "$src/examples/policy.yaml" <<'PY'
import os, sys, kap
assert os.path.dirname(kap.__file__).startswith(sys.prefix), kap.__file__
with kap.Policy.load(sys.argv[1]) as p:
    d = p.match(user="alice", verb="create", namespace="default", resource="pods")
    assert (d.level, d.rule) == (kap.Level.REQUEST_RESPONSE, 0), d
# libkap-replay is bundled too (kap.Replay)
with kap.Policy.load(sys.argv[1]) as p:
    s = kap.Replay(p).replay_bytes(b'{"level":"Metadata","auditID":"a","stage":"Panic","verb":"get"}\n')
    assert s.counts()["events"] == 1, s.counts()
    assert os.path.dirname(kap._replay._rlib._name) == os.path.dirname(kap.__file__), kap._replay._rlib._name
# kap.dask is installed; Dask itself is the extra kap[dask]
import importlib.metadata, kap.dask
assert os.path.dirname(kap.dask.__file__).startswith(sys.prefix), kap.dask.__file__
extras = importlib.metadata.metadata("kap").get_all("Provides-Extra") or []
requires = importlib.metadata.requires("kap") or []
assert "dask" in extras and any(r.startswith("distributed") and "extra == " in r and "dask" in r.split(";")[1] for r in requires), requires
print("pip install: kap", kap.__version__, "with bundled", kap._lib._name)
PY
# the command is there (its help needs no cluster)
(cd "$T" && env -u KAP_LIBRARY "$T/venv/bin/python" -m kap.dask replay --help | grep -q -- --scheduler)
echo "1 passed, 0 failed"
