#!/bin/sh
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for
# SECONDS (default 120) on a copy of its seed corpus, with the dictionary.
# A crash fails the run, prints its reproducer and saves it as
# tests/fuzz/corpus/regressions/<target>-<sha1>; commit it under a telling
# name so every later test run replays it. Each run prints libFuzzer's
# seed; KAP_FUZZ_SEED=N runs every target with that seed (to repeat a run).
#   sh scripts/fuzz.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-120}
[ $# -gt 0 ] && shift
targets=${*:-load match request requestinfo replay manifest kubelet}
command -v clang >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq clang >/dev/null; }
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DKAP_FUZZ=ON -DKAP_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
# shellcheck disable=SC2046 # one --target argument per fuzz target
cmake --build build-fuzz -j "$(nproc)" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
seed_opt=
[ -n "${KAP_FUZZ_SEED:-}" ] && seed_opt="-seed=$KAP_FUZZ_SEED"
for t in $targets; do
  mkdir -p "$work/$t/corpus" "$work/$t/out"
  cp "tests/fuzz/corpus/$t"/* tests/fuzz/corpus/regressions/* "$work/$t/corpus/" 2>/dev/null || true
  dict=tests/fuzz/$t.dict
  [ -f "$dict" ] || dict=tests/fuzz/policy.dict
  echo "-- fuzz_$t for ${secs}s"
  if ! (cd "$work/$t/out" && "$OLDPWD/build-fuzz/fuzz_$t" -max_total_time="$secs" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -dict="$OLDPWD/$dict" -print_final_stats=1 ${seed_opt:+"$seed_opt"} "$work/$t/corpus" \
        > "$work/$t/log" 2>&1); then
    status=1
    grep -m 1 "^INFO: Seed:" "$work/$t/log" || true
    tail -n 40 "$work/$t/log"
    for f in "$work/$t/out"/crash-* "$work/$t/out"/leak-* "$work/$t/out"/timeout-* "$work/$t/out"/oom-*; do
      [ -f "$f" ] || continue
      name=$(basename "$f")
      cp "$f" "tests/fuzz/corpus/regressions/$t-$name"
      echo "reproducer ($name, saved as tests/fuzz/corpus/regressions/$t-$name), base64:"
      base64 "$f"
    done
  else
    grep -E "^INFO: Seed:|^stat::number_of_executed_units|^Done" "$work/$t/log" || true
  fi
done
exit $status
