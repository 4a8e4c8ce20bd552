#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (issue 11): a release build with testing enabled and -sanitize=address in
# a build folder of its own (.build-asan; ~15-25 min on 2 cores the first time), then every test at the best kernel
# level. Leak detection is off (the Swift runtime's own allocations that live for the whole process would be reported).
# Not part of Scripts/test.sh (it doubles the time); .ci/run runs it after Scripts/test.sh.
# Usage: Scripts/test-asan.sh [swift test filter arguments, e.g. --filter CollectionTests]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing --build-tests --sanitize=address --scratch-path .build-asan
.build-asan/release/tessera models fetch all-MiniLM-L6-v2 >/dev/null
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} Scripts/test-with-deadline.sh 2400 -c release -Xswiftc -enable-testing \
  --sanitize=address --scratch-path .build-asan --skip-build "$@"
