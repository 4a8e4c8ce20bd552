#!/usr/bin/env bash
# Speed of every C kernel at every dispatch level this CPU supports (Benchmarks/CKernels/kernel_bench.c), one thread,
# best of 7; prints `tessera doctor` first so the CPU and level are on record. Linux + OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."
src=Sources/CTesseraKernels
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
clang -O2 -std=gnu11 -Wno-unknown-pragmas -I"$src/include" -I"$src" $(pkg-config --cflags openblas) "$src"/*.c \
    Benchmarks/CKernels/kernel_bench.c $(pkg-config --libs openblas) -lm -o "$out/kernel_bench"
[ -x .build/release/tessera ] && .build/release/tessera doctor --json || true
"$out/kernel_bench"
