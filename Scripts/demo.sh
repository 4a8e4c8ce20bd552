#!/usr/bin/env bash
# The main job on a small default, end to end on a fresh machine: install BLAS, build in release, fetch the model,
# build a collection (dense + WARP tokens + BM25) from the sample corpus shipped in Examples/, search it with the WARP
# engine, add one document and delete another, and search again.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists openblas 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libopenblas-dev pkg-config
fi
swift build -c release --product tessera
T=.build/release/tessera
$T models fetch all-MiniLM-L6-v2
QUERY=${1:-"How do vaccines train the immune system?"}
C=out/demo-collection
mkdir -p out
rm -rf "$C"
$T collection create --path "$C" --model all-MiniLM-L6-v2 --indexes dense,tokens,bm25
$T collection add --path "$C" --documents Examples/sample-corpus.jsonl
echo "== xtr (WARP) search: $QUERY"
$T collection search --path "$C" --query "$QUERY" --mode xtr --k 3
echo '{"_id": "mrna-vaccines", "title": "mRNA vaccines", "text": "An mRNA vaccine delivers instructions that make cells produce a viral protein for a short time, so the immune system learns to recognise the virus without an infection."}' \
  | $T collection add --path "$C" --documents -
$T collection delete --path "$C" --id vaccines
echo "== after adding mrna-vaccines and deleting vaccines"
$T collection search --path "$C" --query "$QUERY" --mode xtr --k 3
$T collection info --path "$C"
