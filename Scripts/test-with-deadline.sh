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
  # Printed last, in one block: CI shows the tail of the output. A parameterised test's cases are left out (Swift
  # Testing prints when a case starts, not when it ends); the test they belong to is named instead.
  python3 - "$log" "$limit" <<'PY'
import re, sys
started, finished = [], set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
    m = re.match(r"^◇ Test (.+) started\.$", line)
    if m and not m.group(1).startswith("case passing "):
        started.append(m.group(1))
        continue
    m = re.match(r"^[✔✘] Test (.+?)( with \d+ test cases?)? (passed|failed|recorded|skipped)", line)
    if m:
        finished.add(m.group(1))
unfinished = [name for name in started if name not in finished]
print(f"== the tests did not finish within {sys.argv[2]} s; {len(unfinished)} started and never finished:")
for name in unfinished:
    print("   ", name)
PY
  pkill -KILL -f TesseraPackageTests.xctest 2>/dev/null || true
fi
exit "$status"
