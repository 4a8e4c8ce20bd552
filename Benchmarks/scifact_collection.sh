#!/usr/bin/env bash
# Grows a collection (dense + WARP tokens + BM25, all-MiniLM-L6-v2) from 50% to 100% of SciFact by adds, and compares it with
# the same documents merged into one segment (a fresh build: one segment, centroids retrained), issue 11 / BENCHMARKS.md §9:
# test nDCG@10 / Recall@100 and search p50 for xtr, dense and bm25 with 11 segments and with 1, and the add throughput.
# Usage: Benchmarks/scifact_collection.sh [work folder]   (TESSERA: the binary; BATCHES: how many adds for the second half)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${SCIFACT:-../shared/data/scifact}
W=${1:-/tmp/tessera-scifact-collection}
T=${TESSERA:-.build/release/tessera}
BATCHES=${BATCHES:-10}
mkdir -p "$W"
rm -rf "$W/collection"
total=$(wc -l < "$D/corpus.jsonl")
half=$((total / 2))
head -n "$half" "$D/corpus.jsonl" > "$W/first-half.jsonl"
tail -n +"$((half + 1))" "$D/corpus.jsonl" > "$W/second-half.jsonl"
rest=$((total - half))
per=$(((rest + BATCHES - 1) / BATCHES))
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); kernels: $($T doctor --json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("kernel_level", "?"))' 2>/dev/null || echo ?)"
$T collection create --path "$W/collection" --model all-MiniLM-L6-v2
s0=$(date +%s.%N)
$T collection add --path "$W/collection" --documents "$W/first-half.jsonl" --batch-size "$half"
s1=$(date +%s.%N)
$T collection add --path "$W/collection" --documents "$W/second-half.jsonl" --batch-size "$per"
s2=$(date +%s.%N)
python3 -c "print(f'first half: $half documents in {($s1 - $s0):.1f} s ({$half / ($s1 - $s0):.1f} documents/s, one segment)'); print(f'second half: $rest documents in {($s2 - $s1):.1f} s ({$rest / ($s2 - $s1):.1f} documents/s, $BATCHES adds)')"
$T collection info --path "$W/collection"
for mode in xtr dense bm25; do echo "grown $mode: $($T collection eval --path "$W/collection" --data "$D" --mode "$mode")"; done
s3=$(date +%s.%N)
$T collection merge --path "$W/collection"
s4=$(date +%s.%N)
python3 -c "print(f'merge: {($s4 - $s3):.1f} s')"
for mode in xtr dense bm25; do echo "merged $mode: $($T collection eval --path "$W/collection" --data "$D" --mode "$mode")"; done
