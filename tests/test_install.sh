#!/bin/sh
# Installs into a DESTDIR staging tree, then builds examples/decide.c against
# it twice (pkg-config, find_package) and runs both.
set -eu
src=$1
build=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DESTDIR="$T/stage" cmake --install "$build" --prefix /usr/local >/dev/null
root="$T/stage/usr/local"
lib=$(find "$root" -maxdepth 1 -name "lib*" | sort | head -n 1)
test -f "$root/include/kap.h"
test -f "$lib/pkgconfig/kap.pc"
test -f "$lib/cmake/kap/kapConfig.cmake"
test -x "$root/bin/kap"
test -f "$root/share/man/man1/kap.1"
soname=$(objdump -p "$lib/libkap.so" | awk '/SONAME/ {print $2}')
[ "$soname" = "libkap.so.0" ] || { echo "SONAME is $soname"; exit 1; }

# 1. pkg-config
# shellcheck disable=SC2046 # pkg-config prints several flags, split on purpose
cc "$src/examples/decide.c" $(PKG_CONFIG_PATH="$lib/pkgconfig" pkg-config --cflags --libs kap) -o "$T/decide-pc"
LD_LIBRARY_PATH="$lib" "$T/decide-pc" "$src/examples/policy.yaml" "$src/examples/requests.jsonl" > "$T/out1"

# 2. find_package(kap CONFIG)
mkdir -p "$T/proj"
cat > "$T/proj/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(kap 0.1 CONFIG REQUIRED)
add_executable(decide "$src/examples/decide.c")
target_link_libraries(decide PRIVATE kap::kap)
add_executable(decide_static "$src/examples/decide.c")
target_link_libraries(decide_static PRIVATE kap::kap_static)
CM
cmake -S "$T/proj" -B "$T/proj/build" -DCMAKE_PREFIX_PATH="$root" >/dev/null
cmake --build "$T/proj/build" >/dev/null
LD_LIBRARY_PATH="$lib" "$T/proj/build/decide" "$src/examples/policy.yaml" "$src/examples/requests.jsonl" > "$T/out2"
"$T/proj/build/decide_static" "$src/examples/policy.yaml" "$src/examples/requests.jsonl" > "$T/out3"
cmp "$T/out1" "$T/out2"
cmp "$T/out1" "$T/out3"
grep -q "^1 RequestResponse rule=0$" "$T/out1"
"$root/bin/kap" --version >/dev/null 2>&1 || LD_LIBRARY_PATH="$lib" "$root/bin/kap" --version
echo "install: pkg-config, find_package (shared and static) and kap all work"
echo "1 passed, 0 failed"
