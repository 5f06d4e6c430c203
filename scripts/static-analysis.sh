#!/bin/sh
# Static analysis of libkap's C code (src/, tools/, and any C under
# bindings/) and of every shell script. Each tool prints its own findings
# and the run ends with one line per tool, "name: N findings"; any finding
# fails the run (exit 1). A false alarm is suppressed inline with a reason
# (README "Quality gates"), never here.
#   cppcheck     with --enable=warning,performance,portability, --inline-suppr
#   clang-tidy   the checks in .clang-tidy, on every file of compile_commands.json
#   scan-build   the clang static analyzer over a full build (libraries, kap)
#   ShellCheck   every *.sh and every file whose first line names a shell
#   sh scripts/static-analysis.sh [cppcheck|clang-tidy|scan-build|shellcheck]...
set -eu
cd "$(dirname "$0")/.."
tools=${*:-cppcheck clang-tidy scan-build shellcheck}
for pkg in cppcheck clang-tidy clang-tools clang shellcheck; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && continue
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
done
jobs=$(nproc)
[ "$jobs" -gt 2 ] && jobs=2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# the C files analysed: git's list when there is one, else the tree
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files 'src/*.c' 'tools/*.c' 'bindings/*.c' > "$out/cfiles"
  git ls-files > "$out/all"
else
  find src tools bindings -name '*.c' | sort > "$out/cfiles"
  find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||' | sort > "$out/all"
fi
summary=""
status=0
note() { # tool count
  summary="$summary$1: $2 findings
"
  [ "$2" -eq 0 ] || status=1
}

for tool in $tools; do
  case $tool in
  cppcheck)
    echo "-- cppcheck $(cppcheck --version | cut -d' ' -f2)"
    # shellcheck disable=SC2046 # one argument per file
    cppcheck -q --std=c11 --enable=warning,performance,portability --inline-suppr \
      --error-exitcode=0 --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
      -Iinclude -Isrc -DKAP_BUILDING -D_POSIX_C_SOURCE=200809L -D_GNU_SOURCE \
      -DKAP_REPLAY_ISAL $(cat "$out/cfiles") 2> "$out/cppcheck" || true
    cat "$out/cppcheck"
    note cppcheck "$(grep -c ': \(error\|warning\|performance\|portability\|style\): ' "$out/cppcheck" || true)"
    ;;
  clang-tidy)
    echo "-- clang-tidy $(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -n 1)"
    cmake -S . -B build-tidy -DCMAKE_C_COMPILER=clang -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      -DKAP_BUILD_TESTS=OFF >/dev/null
    # one file per run (clang-tidy 14 reports a false va_list finding when given
    # several), two at a time; a warning in a shared header is reported once
    xargs -P "$jobs" -n 1 clang-tidy -p build-tidy --quiet < "$out/cfiles" > "$out/tidy" 2>/dev/null || true
    grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out/tidy" | sed "s|^$(pwd)/||" | sort -u > "$out/tidy.found" || true
    cat "$out/tidy.found"
    note clang-tidy "$(wc -l < "$out/tidy.found")"
    ;;
  scan-build)
    echo "-- scan-build (clang $(clang -dumpversion))"
    rm -rf build-scan
    scan-build -o "$out/scan" cmake -S . -B build-scan -DCMAKE_BUILD_TYPE=Debug -DKAP_BUILD_TESTS=OFF >/dev/null
    scan-build -o "$out/scan" --status-bugs cmake --build build-scan -j "$jobs" > "$out/scan.log" 2>&1 || true
    grep -E ': warning: ' "$out/scan.log" | grep -v 'scan-build' | sort -u > "$out/scan.found" || true
    cat "$out/scan.found"
    n=$(sed -n 's/^scan-build: \([0-9]*\) bugs\{0,1\} found.*/\1/p' "$out/scan.log" | tail -n 1)
    if [ -z "$n" ]; then
      if grep -q 'No bugs found' "$out/scan.log"; then
        n=0
      else
        tail -n 20 "$out/scan.log"
        n=1
      fi
    fi
    note scan-build "$n"
    ;;
  shellcheck)
    echo "-- shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
    : > "$out/scripts"
    while IFS= read -r f; do
      [ -f "$f" ] || continue
      case $f in
      *.sh) echo "$f" >> "$out/scripts" ;;
      *) head -c 64 "$f" 2>/dev/null | head -n 1 | grep -Eq '^#!.*[/ ](ba|da|)sh( |$)' && echo "$f" >> "$out/scripts" ;;
      esac
    done < "$out/all"
    # shellcheck disable=SC2046 # one argument per script
    shellcheck -f gcc $(cat "$out/scripts") > "$out/shellcheck" || true
    cat "$out/shellcheck"
    echo "($(wc -l < "$out/scripts") scripts)"
    note shellcheck "$(wc -l < "$out/shellcheck")"
    ;;
  *)
    echo "unknown tool '$tool' (cppcheck, clang-tidy, scan-build, shellcheck)" >&2
    exit 2
    ;;
  esac
done
printf '%s' "$summary"
exit $status
