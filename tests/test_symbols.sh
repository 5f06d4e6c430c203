#!/bin/sh
# The shared library exports exactly the symbols in the list (version tags
# such as @@KAP_0.1 are dropped; the version node itself is not a symbol).
set -eu
lib=$1
list=$2
actual=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRWV]$/ {sub(/@.*/, "", $3); print $3}' | sort)
if [ "$actual" = "$(sort "$list")" ]; then
  echo "exported symbols: $(printf '%s\n' "$actual" | wc -l), as listed"
  echo "1 passed, 0 failed"
  exit 0
fi
echo "exported symbols differ from $list (< exported, > listed):"
printf '%s\n' "$actual" | diff - "$list" || true
echo "0 passed, 1 failed"
exit 1
