#!/usr/bin/env bash
# C kernel tests (Tests/CKernels/kernel_test.c): every vector variant against the portable one in one process.
# Runs natively, then, where Debian's gcc-aarch64-linux-gnu and qemu-user are installed (.ci/run installs them),
# cross-compiled for AArch64 and run under qemu-aarch64, so the NEON kernels are tested on x86 machines too.
# Set REQUIRE_ARM=1 to fail instead of skipping when the cross tools are missing (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
src=Sources/CTesseraKernels
files=("$src"/*.c Tests/CKernels/kernel_test.c)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc=$(command -v clang || command -v gcc)
"$cc" -O2 -std=gnu11 -Wno-unknown-pragmas -I"$src/include" -I"$src" "${files[@]}" -lm -o "$out/native"
echo "== C kernels, native ($(uname -m)) =="
"$out/native"
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
  aarch64-linux-gnu-gcc -O2 -std=gnu11 -Wno-unknown-pragmas -static -I"$src/include" -I"$src" "${files[@]}" -lm -o "$out/arm64"
  echo "== C kernels, aarch64 under qemu-aarch64 =="
  qemu-aarch64 "$out/arm64"
elif [ "${REQUIRE_ARM:-0}" = 1 ]; then
  echo "gcc-aarch64-linux-gnu and qemu-user are needed for the NEON kernel tests" >&2; exit 1
else
  echo "(skipped the aarch64 run: install gcc-aarch64-linux-gnu and qemu-user)"
fi
