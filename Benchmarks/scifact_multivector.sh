#!/usr/bin/env bash
# Trains a multi-vector model (ColBERT or XTR loss, PAPERS.md §2) from all-MiniLM-L6-v2 on SciFact train with mined hard
# negatives and reports SciFact test through the WARP engine at its defaults (BENCHMARKS.md §8). Selection uses only train
# queries (the 100 held-out train queries of scifact_prepare.sh, scored through WARP at each checkpoint); test is scored
# once at the end, for the checkpoint that was best on dev.
# Usage: Benchmarks/scifact_multivector.sh [work folder] [run name]
# The recipe comes from the environment: LOSS=xtr|colbert|aligner DIM=128 KTRAIN=128 TEMP (default: the loss's) NEG=1 LR=5e-5
#   EPOCHS=3 BATCH=32 WARMUP=5 EXTRA="<more train options>" (e.g. "--head-init pca", "--alpha-d 0.4"); TEST=0 skips the
#   test-split report, ZERO=0 its zero-shot row; MORE_DATA=file adds training lines (below). The test report searches with --mode xtr, or for an aligner run with --mode
#   aligner unpruned and at PRUNE (default 0.2) of each document's tokens.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${SCIFACT:-../shared/data/scifact}
W=${1:-/tmp/tessera-scifact-multivector}
RUN=${2:-model}
LOSS=${LOSS:-xtr} DIM=${DIM:-128} KTRAIN=${KTRAIN:-128} NEG=${NEG:-1} LR=${LR:-5e-5} EPOCHS=${EPOCHS:-3} BATCH=${BATCH:-32}
WARMUP=${WARMUP:-5} EXTRA=${EXTRA:-} TEST=${TEST:-1} ZERO=${ZERO:-1} PRUNE=${PRUNE:-0.2}
T=${TESSERA:-.build/release/tessera}
mkdir -p "$W"
. Benchmarks/scifact_prepare.sh
# MORE_DATA=file appends its lines (e.g. `tessera distill` output) with only query, positive and the first NEG negatives:
# the task is dropped, as SciFact's queries are searched without one.
if [ -n "${MORE_DATA:-}" ]; then
python3 - "$MORE_DATA" "$NEG" >> "$W/$RUN.data.jsonl" <<'PY'
import json, sys
n = int(sys.argv[2])
for line in open(sys.argv[1]):
    l = json.loads(line)
    if len(l.get("negatives", [])) >= n:
        print(json.dumps({"query": l["query"], "positive": l["positive"], "negatives": l["negatives"][:n]}))
PY
fi
OPTS=(--loss "$LOSS" --dim "$DIM" --negatives "$NEG" --batch-size "$BATCH" --epochs "$EPOCHS" --lr "$LR" --warmup "$WARMUP")
[ "$LOSS" = xtr ] && OPTS+=(--k-train "$KTRAIN")
[ -n "${TEMP:-}" ] && OPTS+=(--temperature "$TEMP")
echo "$RUN: $(wc -l < "$W/$RUN.data.jsonl") training lines, ${OPTS[*]} $EXTRA" >&2
rm -rf "${W:?}/$RUN"
$T train --model all-MiniLM-L6-v2 --data "$W/$RUN.data.jsonl" --out "$W/$RUN" "${OPTS[@]}" \
  --eval "$W/heldout" --eval-split dev --json $EXTRA | tee "$W/$RUN.train.json"
[ "$TEST" = 1 ] || exit 0
{
  [ "$ZERO" = 1 ] && echo "all-MiniLM-L6-v2 xtr: $($T beir --data "$D" --model all-MiniLM-L6-v2 --mode xtr --index-dir "$W/indexes" --json)"
  if [ "$LOSS" = aligner ]; then
    for prune in 1 "$PRUNE"; do
      echo "$W/$RUN aligner prune $prune: $($T beir --data "$D" --model "$W/$RUN" --mode aligner --prune "$prune" --index-dir "$W/indexes" --json)"
    done
  else
    echo "$W/$RUN xtr: $($T beir --data "$D" --model "$W/$RUN" --mode xtr --index-dir "$W/indexes" --json)"
  fi
} | tee "$W/$RUN.results.txt"
