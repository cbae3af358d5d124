#!/bin/sh
# Builds bench/gemm_engines.cpp against build/libae.a and runs it (cmake --build build first).
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
c++ -O2 -std=c++20 -Isrc -Iinclude -I/usr/include/x86_64-linux-gnu/openblas-pthread bench/gemm_engines.cpp \
  build/libae.a -L/usr/lib/x86_64-linux-gnu/openblas-pthread -Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-pthread \
  -lopenblas -ldnnl -lgomp -pthread -o "$out/gemm_engines"
"$out/gemm_engines"
