#!/usr/bin/env bash
# Load on `tessera serve` over loopback (issue 11, BENCHMARKS.md §10): a SciFact collection (all-MiniLM-L6-v2; dense +
# HNSW, WARP tokens, BM25; one segment), searched by wrk with the 300 test queries in rotation: QPS and p50 / p99 at
# 1, 8 and 32 connections for xtr, dense and bm25, without and with a writer adding documents (batches of 8) at the
# same time (upserts: new ids, then the same ids again on a rerun); in-process latency of the same searches (`tessera collection eval`) for the HTTP overhead; then RSS of
# the server sampled every 10 s through a soak of SOAK seconds (default 600) at 8 connections, xtr.
# Usage: Benchmarks/scifact_server_load.sh [work folder]  (TESSERA: the binary; DURATION: seconds per wrk run, 15;
#   PHASES: any of read, write, soak, default all three)
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/server-port.sh
D=${SCIFACT:-../shared/data/scifact}
W=${1:-/tmp/tessera-scifact-load}
T=${TESSERA:-.build/release/tessera}
DURATION=${DURATION:-15}
SOAK=${SOAK:-600}
PHASES=${PHASES:-read,write,soak}
has() { [[ ",$PHASES," == *",$1,"* ]]; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
mkdir -p "$W/data"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; kernels: $($T doctor --json | sed -n 's/.*"kernel_level":"\([a-z0-9]*\)".*/\1/p')"
if [ ! -f "$W/data/scifact/collection.json" ]; then
  $T collection create --path "$W/data/scifact" --model all-MiniLM-L6-v2
  $T collection add --path "$W/data/scifact" --documents "$D/corpus.jsonl" --batch-size 100000
fi
python3 - "$D" "$W" <<'PY'
import json, sys
d, w = sys.argv[1], sys.argv[2]
test = {l.split("\t")[0] for l in open(f"{d}/qrels/test.tsv").read().splitlines()[1:]}
queries = [q for q in map(json.loads, open(f"{d}/queries.jsonl")) if q["_id"] in test]
for mode in ["xtr", "dense", "bm25"]:
    with open(f"{w}/bodies-{mode}.jsonl", "w") as f:
        for q in queries:
            f.write(json.dumps({"query": q["text"], "mode": mode, "k": 10}) + "\n")
# Writer batches: new ids, SciFact texts.
docs = [json.loads(l) for l in open(f"{d}/corpus.jsonl")]
with open(f"{w}/writes.jsonl", "w") as f:
    for b in range(0, 4000, 8):
        batch = [{"id": f"w{b + i}", "title": docs[(b + i) % len(docs)].get("title", ""), "text": docs[(b + i) % len(docs)]["text"]} for i in range(8)]
        f.write(json.dumps({"documents": batch, "upsert": True}) + "\n")
PY
has read && for mode in xtr dense bm25; do echo "in-process $mode: $($T collection eval --path "$W/data/scifact" --data "$D" --mode "$mode")"; done
log="$W/server.log"
$T serve --data-dir "$W/data" --port 0 --log-level warning --max-queue 256 2>"$log" &
server=$!
writer=""
trap 'kill $server $writer 2>/dev/null; wait 2>/dev/null' EXIT
port=$(wait_for_port "$log")
base="http://127.0.0.1:$port"
curl -sf -X POST "$base/v1/collections/scifact/search" -H 'content-type: application/json' -d '{"query": "warm up", "mode": "xtr"}' >/dev/null
run() {  # mode connections label
  local threads=$(( $2 < 2 ? 1 : 2 ))
  local r
  r=$(BODIES="$W/bodies-$1.jsonl" wrk -t"$threads" -c"$2" -d"${DURATION}s" --timeout 30s -s Benchmarks/Load/search.lua "$base" | grep RESULT)
  echo "$3 $1 c=$2: ${r#RESULT }"
}
if has read; then for mode in xtr dense bm25; do for c in 1 8 32; do run "$mode" "$c" "read-only"; done; done; fi
if has write; then
# A writer adding batches of 8 documents back to back while the searches run.
rm -f "$W/write-times"
(
  n=0
  while read -r body; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "$base/v1/collections/scifact/documents" \
      -H 'content-type: application/json' -d "$body" >> "$W/write-times"
    n=$((n + 1)); echo "$n" > "$W/written"
  done < "$W/writes.jsonl"
) &
writer=$!
for mode in xtr dense bm25; do for c in 1 8 32; do run "$mode" "$c" "with-writer"; done; done
kill $writer 2>/dev/null || true; wait $writer 2>/dev/null || true; writer=""
echo "writer: $(( $(cat "$W/written" 2>/dev/null || echo 0) * 8 )) documents upserted (batches of 8) during the with-writer runs"
python3 - "$W/write-times" <<'PY'
import sys, collections
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
times = sorted(float(t) * 1000 for _, t in rows)
codes = collections.Counter(c for c, _ in rows)
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else 0
print(f"writes: {len(rows)} batches, statuses {dict(codes)}, latency p50 {pick(0.5):.0f} ms, p99 {pick(0.99):.0f} ms, max {times[-1] if times else 0:.0f} ms")
PY
curl -s "$base/v1/collections/scifact" ; echo
fi
has soak || exit 0
# Soak: RSS every 10 s.
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
echo "soak: ${SOAK}s at 8 connections (xtr); RSS (MiB) every 10 s:"
BODIES="$W/bodies-xtr.jsonl" wrk -t2 -c8 -d"${SOAK}s" --timeout 30s -s Benchmarks/Load/search.lua "$base" > "$W/soak.txt" &
load=$!
samples=()
while kill -0 $load 2>/dev/null; do samples+=($(( $(rss) / 1024 ))); sleep 10; done
echo "${samples[*]}"
grep RESULT "$W/soak.txt" | sed 's/^RESULT /soak xtr c=8: /'
kill -0 $server && echo "server still serving after the soak"
