#!/usr/bin/env bash
# SciFact test with every exact retrieval mode (issue 3 table): one JSON line per run from `tessera beir --json`.
# (The table was measured before issue 4 renamed the exact modes: xtr -> xtr-exact, aligner -> aligner-exact, and
# `dense` -> `dense-exact` now that `dense` uses HNSW; this script uses the new names.) Compressed modes:
#   tessera beir --data ... --model ... --mode xtr | aligner [--n-probe N --t-prime T]
# Indexes are built once into $INDEX_DIR and reused. Usage:
#   Benchmarks/scifact_retrieval.sh [MODEL] [DATA] > results.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-all-MiniLM-L6-v2}
DATA=${2:-../shared/data/scifact}
INDEX_DIR=${INDEX_DIR:-${TMPDIR:-/tmp}/tessera-indexes}
T=.build/release/tessera
[ -x "$T" ] || swift build -c release --product tessera >&2
run() { "$T" beir --data "$DATA" --model "$MODEL" --index-dir "$INDEX_DIR" --json "$@"; }
run --mode bm25
run --mode dense-exact
run --mode dense-exact --dim 128
run --mode colbert
run --mode xtr-exact --k-prime 100
run --mode xtr-exact --k-prime 1000
run --mode xtr-exact --k-prime 4000
run --mode aligner-exact --alignment k1
run --mode aligner-exact --alignment k1 --prune 0.2
run --mode aligner-exact --alignment p1.5
run --mode hybrid --hybrid xtr-exact,bm25 --k-prime 4000 --fusion rrf
run --mode hybrid --hybrid xtr-exact,bm25 --k-prime 4000 --fusion score --weight 0.6
run --mode hybrid --hybrid dense-exact,bm25 --fusion score --weight 0.6
# Choices measured (issue 3): query length, special tokens and punctuation, document length.
run --mode xtr-exact --k-prime 1000 --query-max-length 32
run --mode xtr-exact --k-prime 1000 --skip-special
run --mode xtr-exact --k-prime 1000 --skip-special --skip-punctuation
run --mode xtr-exact --k-prime 1000 --doc-max-length 512
run --mode colbert --doc-max-length 512
