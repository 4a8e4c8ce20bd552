#!/usr/bin/env bash
# Runs `swift test ARGS...` with a deadline of SECONDS (Scripts/test.sh runs every suite through it). A run that goes
# past it is killed, with the tests it had started and never finished named, so that a hang fails CI with a name in
# minutes instead of holding it to its own limit with nothing to read.
# Usage: Scripts/test-with-deadline.sh SECONDS [swift test arguments...]
set -uo pipefail
limit=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# timeout signals its whole process group: swift test and the test bundle it runs.
timeout --kill-after=30 "$limit" swift test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "== the tests did not finish within $limit s; started but never finished:"
  python3 - "$log" <<'PY'
import re, sys
started, finished = [], set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"^◇ Test (.+) started\.$", line.strip())
    if m:
        started.append(m.group(1))
        continue
    m = re.match(r"^[✔✘] Test (.+?)( with \d+ test cases?)? (passed|failed|recorded|skipped)", line.strip())
    if m:
        finished.add(m.group(1))
for name in started:
    if name not in finished:
        print("   ", name)
PY
  pkill -KILL -f TesseraPackageTests.xctest 2>/dev/null || true
fi
exit "$status"
