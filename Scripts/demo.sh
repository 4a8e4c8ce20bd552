#!/usr/bin/env bash
# The main job on a small default, end to end on a fresh machine: install BLAS, build in release, fetch the
# model, embed the sample corpus shipped in Examples/ and print the nearest neighbours of a query.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists openblas 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libopenblas-dev pkg-config
fi
swift build -c release --product tessera
.build/release/tessera models fetch all-MiniLM-L6-v2
QUERY=${1:-"How do vaccines train the immune system?"}
.build/release/tessera nearest --model all-MiniLM-L6-v2 --corpus Examples/sample-corpus.jsonl --query "$QUERY" --top-k 5
mkdir -p out
.build/release/tessera embed --model all-MiniLM-L6-v2 --input Examples/sample-corpus.jsonl --output out/sample.npy
