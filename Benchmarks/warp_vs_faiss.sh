#!/usr/bin/env bash
# WARP (compressed XTR / AligneR) against exact XTR and the faiss-based XTR reference, in one run on SciFact test
# (BENCHMARKS.md §5). Needs an exact token index (`tessera index --kind tokens --exact`, or `tessera beir --mode
# xtr-exact` which builds one under ~/.cache/tessera/indexes) and the peers environment (../shared/peers/setup.sh).
#
#   Benchmarks/warp_vs_faiss.sh EXACT_INDEX [DATA] [OUT]
#
# Prints one JSON line per measurement (search only, single thread unless "threads" says otherwise; query encoding
# is reported separately as encode_ms_*) and writes them to OUT/*.jsonl.
set -euo pipefail
exact=${1:?usage: warp_vs_faiss.sh EXACT_INDEX [DATA] [OUT]}
data=${2:-../shared/data/scifact}
out=${3:-/tmp/tessera-warp-bench}
peers=${PEERS:-$HOME/.cache/tessera-peers}
model=${MODEL:-$peers/models/all-MiniLM-L6-v2}
mkdir -p "$out"
swift build -c release --product tessera-bench >/dev/null
bench=(.build/release/tessera-bench warp-scifact --exact-index "$exact" --data "$data" --model "$model" --out "$out/indexes")

# XTR, b = 4: exact, the n_probe × t' sweep, and the defaults with 1 and 2 threads; dumps the query tokens for faiss.
"${bench[@]}" --bits 4 --exact --sweep --n-probes 4,8,16,32,64 --t-primes 5000,10000,20000 \
    --dump-queries "$out/queries" | tee "$out/xtr-b4.jsonl"
"${bench[@]}" --bits 4 --threads 1,2 | tee "$out/xtr-b4-threads.jsonl"
# XTR, b = 2.
"${bench[@]}" --bits 2 --sweep --n-probes 8,16,32 --t-primes 10000 | tee "$out/xtr-b2.jsonl"
# AligneR (top-1, IDF saliences): unpruned, and pruned to β = 0.2 against exact AligneR at β = 0.2.
"${bench[@]}" --bits 4 --aligner | tee "$out/aligner-b4-p1.jsonl"
"${bench[@]}" --bits 4 --aligner --prune 0.2 --exact | tee "$out/aligner-b4-p02.jsonl"
"${bench[@]}" --bits 4 --aligner --prune 0.2 --sweep --n-probes 16,32,64,128,256 --t-primes 2500,5000,10000 \
    | tee "$out/aligner-b4-p02-sweep.jsonl"
# The faiss reference (IVFFlat over the same float vectors, top-k' per query token, numpy imputation).
"$peers/bin/python" Benchmarks/xtr_faiss_peer.py --index "$exact" --data "$data" --queries "$out/queries" \
    --nlist 4096 --nprobe 16,32,64,128 --kprime 1000 --faiss-cache "$out/faiss-ivf" --time-encoding "$model" | tee "$out/faiss.jsonl"
